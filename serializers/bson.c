/* bson.c - the dict as one BSON document (bsonspec.org 1.1) of decimal string keys to
 * doubles, written and read with libbson.
 *
 * BSON has no unsigned 64-bit integer and its keys are strings, so each uint64 key is
 * its decimal digits ("0" .. "18446744073709551615", no sign, no leading zero), and
 * each value a double (type 01). That is what Python's bson.encode({str(k): v ...})
 * writes, in the dataset's order.
 *
 * Reading takes a document of such keys, each once, whose values are doubles, or
 * int32 or int64 values that a double holds exactly (as the other readers take
 * integers); anything else is refused with the element's offset and BSON's type name.
 *
 * Bounded: the document's declared length must be the file's, and libbson reads it in
 * place (bson_init_static, bson_iter), allocating nothing. Room is reserved for the most
 * records the document can hold, 16 bytes for each 7 bytes (an int32 element with a
 * one-digit key), and one pass checks and copies them; then the repeated-key check's
 * table: 4 x the input (docs/FORMATS.md).
 */
#include "codecs.h"

#include <bson.h>
#include <stdio.h>
#include <string.h>

#define BS_MAX INT32_MAX /* a document's length is an int32 */

static const char *bs_version(void)
{
    return bson_get_version();
}

/* ==== Writing ==== */

/* The document's exact size: its length and end, and per record a type byte, the key's
 * digits and NUL, and 8 bytes of double. */
static int document_size(const fc_dataset *in, size_t *size, fc_error *err)
{
    char digits[24];
    size_t n = 5;
    for (size_t i = 0; i < in->count && n <= BS_MAX; i++)
        n += 10 + fc_json_key_digits(in->keys[i], digits);
    if (n > BS_MAX)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "bson: a document holds at most 2147483647 bytes "
                       "(its length is an int32); %zu records take more", in->count);
    *size = n;
    return 0;
}

/* With libbson's bson_writer, straight into `out`, reserved for the exact size first:
 * the writer is given no realloc function, so it never grows the buffer (libbson does
 * not check a failed realloc). libbson's own allocation, the writer, aborts the process
 * if it fails, as every libbson allocation does (docs/FORMATS.md). */
static int bs_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    size_t size = 0, start = out->len;
    int rc;
    if ((rc = document_size(in, &size, err)) != 0 || (rc = fc_buffer_reserve(out, size, err)) != 0)
        return rc;
    bson_writer_t *w = bson_writer_new(&out->data, &out->cap, start, NULL, NULL);
    bson_t *doc = NULL;
    bool ok = bson_writer_begin(w, &doc);
    char key[24];
    for (size_t i = 0; ok && i < in->count; i++) {
        size_t n = fc_json_key_digits(in->keys[i], key);
        key[n] = '\0';
        ok = bson_append_double(doc, key, (int)n, in->values[i]);
    }
    if (ok) {
        bson_writer_end(w);
        out->len = bson_writer_get_length(w);
    }
    bson_writer_destroy(w);
    if (!ok || out->len != start + size) /* cannot happen: the room was reserved */
        return fc_fail(err, FC_ENOMEM, 0, "bson: libbson could not write the document into "
                       "its %zu bytes", size);
    return 0;
}

/* ==== Reading ==== */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* BSON's names for its types (bsonspec.org), for messages. */
static const char *type_name(uint8_t t)
{
    static const char *const names[] = {
        "end of document", "double", "string", "embedded document", "array", "binary",
        "undefined", "ObjectId", "boolean", "UTC datetime", "null", "regular expression",
        "DBPointer", "JavaScript code", "symbol", "JavaScript code with scope", "int32",
        "timestamp", "int64", "decimal128"};
    if (t < sizeof names / sizeof names[0])
        return names[t];
    return t == 0x7f ? "max key" : t == 0xff ? "min key" : "unknown type";
}

/* The file's own framing: at least 5 bytes, a length field that is the file's length,
 * and the 00 that ends a document. */
static int check_frame(const uint8_t *data, size_t len, fc_error *err)
{
    if (len < 5)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: %s; a BSON document takes at least 5 "
                       "bytes (its length and its final 00)", len ? "the file is too short"
                                                                  : "empty file");
    uint32_t declared = le32(data);
    if (declared != len)
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: the document's length field says %u "
                       "bytes, but the file has %zu%s", declared, len,
                       declared > len ? ": it is cut short" : declared >= 5 ?
                       ": bytes after the document, which should end the file" : "");
    if (data[len - 1] != 0)
        return fc_fail(err, FC_ECORRUPT, 0, "offset %zu: a document ends with 00, not 0x%02x",
                       len - 1, data[len - 1]);
    return 0;
}

/* The key as the decimal digits of a uint64, or an error naming it. */
static int read_key(const bson_iter_t *it, uint32_t i, uint64_t *key, fc_error *err)
{
    const char *k = bson_iter_key(it);
    uint32_t n = bson_iter_key_len(it);
    uint64_t v = 0;
    bool ok = n >= 1 && n <= 20 && (k[0] != '0' || n == 1);
    for (uint32_t j = 0; ok && j < n; j++) {
        unsigned d = (unsigned)(k[j] - '0');
        ok = d <= 9 && v <= (UINT64_MAX - d) / 10;
        v = v * 10 + d;
    }
    if (ok) {
        *key = v;
        return 0;
    }
    char shown[48] = "";
    size_t s = 0;
    for (uint32_t j = 0; j < n && s < 40; j++) /* printable ASCII as is, the rest escaped */
        s += (size_t)snprintf(shown + s, sizeof shown - s, k[j] >= 32 && k[j] < 127 &&
                              k[j] != '"' && k[j] != '\\' ? "%c" : "\\x%02x", (uint8_t)k[j]);
    return fc_fail(err, FC_ECORRUPT, 0, "offset %u: element %u: the key \"%s%s\" is not a "
                   "decimal integer 0..18446744073709551615 as forkcollect writes keys (digits "
                   "only, no sign, no leading zero)", it->type, i, shown, n > 20 ? "..." : "");
}

/* The element's value: a double, or an int32 or int64 that a double holds exactly. */
static int read_value(const bson_iter_t *it, uint32_t i, double *v, fc_error *err)
{
    uint8_t t = (uint8_t)bson_iter_type(it);
    if (t == BSON_TYPE_DOUBLE) {
        *v = bson_iter_double(it);
        return 0;
    }
    if (t == BSON_TYPE_INT32) {
        *v = bson_iter_int32(it);
        return 0;
    }
    if (t == BSON_TYPE_INT64) {
        int64_t x = bson_iter_int64(it);
        *v = (double)x;
        if (*v >= -9223372036854775808.0 && *v < 9223372036854775808.0 && (int64_t)*v == x)
            return 0;
        char nearest[FC_REPR_MAX];
        fc_format_double(*v, nearest);
        return fc_fail(err, FC_ECORRUPT, 0, "integer %lld at offset %u has no exact double (the "
                       "nearest is %s; write that if it is meant)", (long long)x, it->d1,
                       nearest);
    }
    bool nested = t == BSON_TYPE_DOCUMENT || t == BSON_TYPE_ARRAY;
    const char *name = type_name(t);
    return fc_fail(err, FC_ECORRUPT, 0, "offset %u: element %u: the value is %s %s (type "
                   "0x%02x)%s, expected a double%s", it->type, i,
                   strchr("aeiouAEIOU", name[0]) ? "an" : "a", name, t,
                   nested ? " nested in the document" : "",
                   nested ? ": a result file is one flat document of keys to doubles" : "");
}

/* Every element: checked and copied into room reserved in out; *count their number. */
static int read_elements(const bson_t *doc, fc_dataset *out, size_t *count, fc_error *err)
{
    bson_iter_t it;
    uint32_t i = 0;
    int rc = 0;
    if (!bson_iter_init(&it, doc))
        return fc_fail(err, FC_ECORRUPT, 0, "offset 0: libbson cannot read the document");
    for (; rc == 0 && bson_iter_next(&it); i++) {
        uint64_t key = 0;
        double v = 0;
        if ((rc = read_key(&it, i, &key, err)) == 0 && (rc = read_value(&it, i, &v, err)) == 0) {
            out->keys[out->count] = key;
            out->values[out->count++] = v;
        }
    }
    if (rc == 0 && it.err_off != 0)
        rc = fc_fail(err, FC_ECORRUPT, 0, "offset %u: element %u is not well-formed BSON (an "
                     "unknown type byte, a key without its 00, or a value running past the "
                     "document's end)", it.err_off, i);
    *count = i;
    return rc;
}

/* The offset of element i, in a document read_elements accepted. */
static uint32_t element_offset(const bson_t *doc, size_t i)
{
    bson_iter_t it;
    bson_iter_init(&it, doc);
    for (size_t k = 0; k <= i && bson_iter_next(&it); k++)
        ;
    return it.type;
}

static int bs_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    bson_t doc;
    size_t first = out->count, n = 0, a = 0, b = 0;
    int rc = check_frame(data, len, err);
    if (rc == 0 && !bson_init_static(&doc, data, len))
        rc = fc_fail(err, FC_ECORRUPT, 0, "offset 0: libbson refuses the document's frame");
    /* Room for the most elements the document can hold (7 bytes each at least: an int32
     * with a one-digit key), so one pass reads them. */
    if (rc || (rc = fc_dataset_reserve(out, first + (len - 5) / 7, err)) != 0 ||
        (rc = read_elements(&doc, out, &n, err)) != 0)
        return rc;
    if ((rc = fc_dataset_find_repeat(out, first, &a, &b, err)) <= 0)
        return rc;
    return fc_fail(err, FC_ECORRUPT, 0, "offset %u (element %zu): key %llu again (first at "
                   "offset %u, element %zu); a result file holds each key once",
                   element_offset(&doc, b - first), b - first, (unsigned long long)out->keys[b],
                   element_offset(&doc, a - first), a - first);
}

/* ==== Recognising ==== */

/* Bids for the empty document 05 00 00 00 00 (40 bits: its length and its end), or
 * else, for a length field of at least 5 (1 bit), for each of the first 8 elements
 * present: its type, a double, int32 or int64 (8 bits), and a key of 1 to 20 decimal
 * digits ended by 00 (8 bits), up to the document's 00. Anything else where an element
 * must be is no file of ours: 0. */
static unsigned bs_probe(const uint8_t *data, size_t len)
{
    if (len < 5)
        return 0;
    uint32_t declared = le32(data);
    if (declared == 5)
        return len == 5 && data[4] == 0 ? 40 : 0;
    if (declared < 5 || declared > BS_MAX)
        return 0;
    unsigned bid = 1;
    size_t pos = 4;
    for (int e = 0; e < 8 && pos < len; e++) {
        uint8_t t = data[pos++];
        if (t == BSON_TYPE_EOD) /* the end: only after an element (05 00 00 00 00 is above) */
            return e > 0 ? bid : 0;
        if (t != BSON_TYPE_DOUBLE && t != BSON_TYPE_INT32 && t != BSON_TYPE_INT64)
            return 0;
        bid += 8;
        size_t digits = 0;
        for (; pos < len && data[pos] >= '0' && data[pos] <= '9'; pos++)
            digits++;
        if (pos >= len)
            break;
        if (data[pos] != 0 || digits == 0 || digits > 20)
            return 0;
        bid += 8;
        pos += 1 + (t == BSON_TYPE_INT32 ? 4 : 8);
    }
    return bid;
}

const fc_codec fc_codec_bson = {
    .name = "bson",
    .extension = "bson",
    .library = "libbson",
    .library_version = bs_version,
    .encode = bs_encode,
    .decode = bs_decode,
    .probe = bs_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_NAN_BITS |
                FC_SUPPORTS_EXACT_DOUBLES,
};
