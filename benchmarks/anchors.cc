// anchors.cc - the C++ anchors of benchmarks/speed behind a C interface (anchors.h):
// fmt, simdjson on-demand and fast_float, each used the way its documentation shows,
// for the same work as forkcollect's json codec. Not part of the library.
#include "anchors.h"

#include <fast_float/fast_float.h>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <string_view>

extern "C" size_t fcb_fmt_encode(const uint64_t *keys, const double *values, size_t n,
                                 char *buf)
{
    char *p = buf;
    *p++ = '{';
    for (size_t i = 0; i < n; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }
        p = fmt::format_to(p, FMT_COMPILE("\"{}\": {}"), keys[i], values[i]);
    }
    *p++ = '}';
    return static_cast<size_t>(p - buf);
}

extern "C" size_t fcb_simdjson_padding(void)
{
    return simdjson::SIMDJSON_PADDING;
}

static bool digits_key(std::string_view s, uint64_t *key)
{
    uint64_t v = 0;
    if (s.empty())
        return false;
    for (char c : s) {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + static_cast<uint64_t>(c - '0');
    }
    *key = v;
    return true;
}

extern "C" long fcb_simdjson_decode(const char *text, size_t len, size_t capacity,
                                    uint64_t *keys, double *values, size_t max)
{
    static simdjson::ondemand::parser parser; // reused, as simdjson's documentation advises
    simdjson::padded_string_view json(text, len, capacity);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object obj;
    if (parser.iterate(json).get(doc) || doc.get_object().get(obj))
        return -1;
    size_t n = 0;
    for (auto field : obj) {
        std::string_view k;
        double v;
        if (n == max || field.unescaped_key().get(k) || !digits_key(k, &keys[n]) ||
            field.value().get_double().get(v))
            return -1;
        values[n++] = v;
    }
    return static_cast<long>(n);
}

extern "C" long fcb_fast_float_decode(const char *text, size_t len, uint64_t *keys,
                                      double *values, size_t max)
{
    const char *p = text, *end = text + len;
    size_t n = 0;
    while (p < end && n < max) {
        while (p < end && *p != '"')
            p++;
        if (++p >= end)
            break;
        uint64_t k = 0;
        while (*p != '"')
            k = k * 10 + static_cast<uint64_t>(*p++ - '0');
        p += 3; // '": '
        auto r = fast_float::from_chars(p, end, values[n]);
        if (r.ec != std::errc())
            return -1;
        keys[n++] = k;
        p = r.ptr;
    }
    return static_cast<long>(n);
}

extern "C" const char *fcb_anchor_versions(void)
{
    return FCB_ANCHOR_VERSIONS; // from dpkg, by benchmarks/CMakeLists.txt
}
