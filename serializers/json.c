/* json.c - the dict as Python's json.dump writes it, and any JSON object of that shape.
 *
 * Writing: {"1": 514.1370278623858, "2": 504.02105253917426} - keys as decimal
 * strings, ", " and ": " separators, no newline, numbers as Python's repr (shortest
 * round trip, integral values with ".0"), NaN / Infinity / -Infinity for the
 * non-finite ones, as json.dump does by default (allow_nan=True).
 *
 * Reading: RFC 8259 objects of string keys to numbers, with any whitespace, key
 * order and number spelling (1, 1.0, 10e-1, -0), plus NaN, Infinity and -Infinity
 * as Python's json module reads them. Keys must be decimal integers in 0..2^64-1.
 *
 * Why not cJSON here (docs/ARCHITECTURE.md has the longer story): cJSON cannot write
 * these bytes (its separators and number printing differ; about 15% of doubles lose
 * a bit), cannot read NaN/Infinity (so it cannot read Python's files), and 1.7.15
 * cuts numbers longer than 63 characters. cJSON stays in the project as the
 * independent parser the tests check this writer against.
 */
#include "codecs.h"
#include "fc_shapes.h"
#include "shortest.h" /* fc_parse_decimal, fc_shortest_library */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ==== Writing ==== */

size_t fc_json_key_digits(uint64_t v, char *buf)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    return n;
}

static int json_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    /* Per record at most: ", " + '"' + 20 digits + "\": " + a number (FC_REPR_MAX). */
    enum { MAX_RECORD = 2 + 1 + 20 + 3 + FC_REPR_MAX };
    if (in->count > (SIZE_MAX - 2) / MAX_RECORD)
        return fc_fail(err, FC_ENOMEM, 0, "json: %zu records do not fit in memory", in->count);
    int rc = fc_buffer_reserve(out, 2 + in->count * MAX_RECORD, err);
    if (rc)
        return rc;
    char *p = (char *)out->data + out->len, *start = p;
    *p++ = '{';
    for (size_t i = 0; i < in->count; i++) {
        if (i) {
            *p++ = ',';
            *p++ = ' ';
        }
        *p++ = '"';
        p += fc_json_key_digits(in->keys[i], p);
        memcpy(p, "\": ", 3);
        p += 3;
        p += fc_format_double_json(in->values[i], p);
    }
    *p++ = '}';
    out->len += (size_t)(p - start);
    return 0;
}

/* ==== Reading ==== */

typedef struct parser {
    const uint8_t *start, *p, *end;
    fc_error *err;
    fc_dataset *out;    /* where records go; NULL on the pass that only finds offsets */
    size_t index;       /* records read so far */
    size_t want[2];     /* record indices whose key offsets are wanted ... */
    size_t at[2];       /* ... and those offsets */
} parser;

static size_t offset(const parser *ps)
{
    return (size_t)(ps->p - ps->start);
}

/* What stands at the cursor, for messages: 'x', byte 0x01, or end of file. */
static const char *found(const parser *ps, char buf[32])
{
    if (ps->p >= ps->end)
        return "the end of the file";
    unsigned c = *ps->p;
    if (c >= 0x20 && c < 0x7f)
        snprintf(buf, 32, "'%c'", (char)c);
    else
        snprintf(buf, 32, "byte 0x%02x", c);
    return buf;
}

static int expected(parser *ps, const char *what)
{
    char b[32];
    return fc_fail(ps->err, FC_ECORRUPT, 0, "offset %zu: expected %s, found %s", offset(ps),
                   what, found(ps, b));
}

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end &&
           (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
        ps->p++;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* A key: a string whose characters (escaped or not) are all decimal digits. */
static int parse_key(parser *ps, uint64_t *key)
{
    size_t at = offset(ps);
    if (ps->p >= ps->end || *ps->p != '"')
        return expected(ps, "'\"' starting a key");
    ps->p++;
    uint64_t v = 0;
    int digits = 0;
    /* The usual key, first: up to 19 plain digits (below 10^19: no overflow), then '"'. */
    const uint8_t *q = ps->p;
    while (q < ps->end && digits < 19 && (unsigned)(*q - '0') < 10)
        v = v * 10 + (uint64_t)(*q++ - '0'), digits++;
    if (digits > 0 && q < ps->end && *q == '"') {
        ps->p = q + 1;
        *key = v;
        return 0;
    }
    v = 0, digits = 0; /* anything else: the general loop from the start, for its messages */
    for (;;) {
        if (ps->p >= ps->end)
            return fc_fail(ps->err, FC_ECORRUPT, 0,
                           "offset %zu: the key that starts at offset %zu is not closed", offset(ps), at);
        uint32_t c = *ps->p;
        if (c == '"')
            break;
        if (c < 0x20)
            return fc_fail(ps->err, FC_ECORRUPT, 0,
                           "offset %zu: control character 0x%02x inside a string", offset(ps), c);
        if (c == '\\') {
            if (ps->end - ps->p >= 6 && ps->p[1] == 'u') {
                int h0 = hexval(ps->p[2]), h1 = hexval(ps->p[3]), h2 = hexval(ps->p[4]),
                    h3 = hexval(ps->p[5]);
                if (h0 < 0 || h1 < 0 || h2 < 0 || h3 < 0)
                    return fc_fail(ps->err, FC_ECORRUPT, 0,
                                   "offset %zu: bad \\u escape", offset(ps));
                c = (uint32_t)(h0 << 12 | h1 << 8 | h2 << 4 | h3);
                ps->p += 5;
            } else {
                c = 0; /* any other escape is never a digit */
            }
        }
        if (c < '0' || c > '9')
            return fc_fail(ps->err, FC_ECORRUPT, 0,
                           "offset %zu: the key at offset %zu is not a decimal integer", offset(ps), at);
        if (v > (UINT64_MAX - (c - '0')) / 10)
            return fc_fail(ps->err, FC_ECORRUPT, 0,
                           "offset %zu: the key is larger than 2^64-1", at);
        v = v * 10 + (c - '0');
        digits++;
        ps->p++;
    }
    if (digits == 0)
        return fc_fail(ps->err, FC_ECORRUPT, 0, "offset %zu: empty key", at);
    ps->p++;
    *key = v;
    return 0;
}

static bool literal(parser *ps, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return false;
    ps->p += n;
    return true;
}

/* An integer literal tok[0..n) (an optional '-', then digits without a leading zero)
 * stands for an integer, which a double v must hold exactly: 2**53+1 would otherwise
 * read as 2**53, and 10**400 as inf, with no word said. Python keeps such a number an
 * int; a result holds doubles. Float literals (1e400, 0.1) round as Python's float()
 * does. */
static int check_integer(parser *ps, const uint8_t *tok, size_t n, double v)
{
    size_t at = (size_t)(tok - ps->start);
    const char *digits = (const char *)tok + (tok[0] == '-');
    size_t nd = n - (tok[0] == '-');
    char exact[320];
    if (nd <= 15) /* below 10^15 < 2^53: every such integer is a double */
        return 0;
    if (isfinite(v) && (size_t)snprintf(exact, sizeof exact, "%.0f", fabs(v)) == nd &&
        memcmp(exact, digits, nd) == 0)
        return 0; /* glibc prints a double's exact decimal value */
    char shown[64], nearest[FC_REPR_MAX];
    if (n <= 40)
        snprintf(shown, sizeof shown, "%.*s", (int)n, (const char *)tok);
    else
        snprintf(shown, sizeof shown, "%.24s... (%zu digits)", (const char *)tok, nd);
    if (!isfinite(v))
        return fc_fail(ps->err, FC_ECORRUPT, 0,
                       "integer %s at offset %zu has no exact double: it is beyond the "
                       "largest, 1.7976931348623157e+308", shown, at);
    fc_format_double(v, nearest);
    return fc_fail(ps->err, FC_ECORRUPT, 0,
                   "integer %s at offset %zu has no exact double (the nearest is %s; write "
                   "that if it is meant)", shown, at, nearest);
}

/* Past the decimal digits at q (q itself when there are none). The number's scan runs
 * on locals: through ps the cursor would be stored at every digit. */
static inline const uint8_t *skip_digits(const uint8_t *q, const uint8_t *end)
{
    while (q < end && (unsigned)(*q - '0') < 10)
        q++;
    return q;
}

/* A number as RFC 8259 spells it, or NaN, Infinity, -Infinity. */
static int parse_number(parser *ps, double *v)
{
    if (literal(ps, "NaN")) {
        *v = NAN;
        return 0;
    }
    if (literal(ps, "Infinity")) {
        *v = INFINITY;
        return 0;
    }
    if (literal(ps, "-Infinity")) {
        *v = -INFINITY;
        return 0;
    }
    const uint8_t *tok = ps->p, *q = tok, *end = ps->end, *after;
    if (q < end && *q == '-')
        q++;
    if (q == end || (unsigned)(*q - '0') >= 10) {
        ps->p = q;
        return expected(ps, "a number");
    }
    q = *q == '0' ? q + 1 : skip_digits(q, end);
    bool integral = q >= end || (*q != '.' && *q != 'e' && *q != 'E');
    if (q < end && *q == '.') {
        if ((after = skip_digits(q + 1, end)) == q + 1) {
            ps->p = after;
            return expected(ps, "a digit after the decimal point");
        }
        q = after;
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        q++;
        if (q < end && (*q == '+' || *q == '-'))
            q++;
        if ((after = skip_digits(q, end)) == q) {
            ps->p = q;
            return expected(ps, "a digit in the exponent");
        }
        q = after;
    }
    ps->p = q;
    /* The grammar above already vouched for the token; fast_float reads it as strtod
     * would, correctly rounded, without a terminated copy (core/shortest.cc). */
    size_t n = (size_t)(ps->p - tok);
    if (fc_parse_decimal((const char *)tok, n, v) != n) {
        ps->p = tok; /* (cannot happen: the same grammar) */
        return expected(ps, "a number");
    }
    return integral ? check_integer(ps, tok, n, *v) : 0;
}

/* The members of the object, after its '{', up to and with its '}'. */
static int parse_members(parser *ps)
{
    int rc;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        return 0;
    }
    for (;; ps->index++) {
        uint64_t key = 0;
        double value = 0;
        skip_ws(ps);
        for (int w = 0; w < 2; w++)
            if (ps->index == ps->want[w])
                ps->at[w] = offset(ps);
        if ((rc = parse_key(ps, &key)) != 0)
            return rc;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':')
            return expected(ps, "':' after the key");
        ps->p++;
        skip_ws(ps);
        if ((rc = parse_number(ps, &value)) != 0)
            return rc;
        if (ps->out && (rc = fc_dataset_push(ps->out, key, value, ps->err)) != 0)
            return rc;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            return 0;
        }
        return expected(ps, "',' or '}' after a value");
    }
}

/* The whole file: one object and nothing after it but whitespace. */
static int parse_file(parser *ps)
{
    int rc;
    if (ps->end - ps->p >= 3 && memcmp(ps->p, "\xef\xbb\xbf", 3) == 0)
        return fc_fail(ps->err, FC_ECORRUPT, 0,
                       "offset 0: the file starts with a UTF-8 byte order mark (bytes ef bb "
                       "bf), which RFC 8259 forbids (Python's json.load of a text file "
                       "refuses it too); remove those 3 bytes");
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '{')
        return expected(ps, "'{' starting the object");
    ps->p++;
    if ((rc = parse_members(ps)) != 0)
        return rc;
    skip_ws(ps);
    if (ps->p != ps->end)
        return expected(ps, "the end of the file after the object");
    return 0;
}

static int json_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    parser ps = {.start = data, .p = data, .end = data + len, .err = err, .out = out,
                 .want = {SIZE_MAX, SIZE_MAX}};
    size_t first = out->count, a = 0, b = 0;
    int rc = parse_file(&ps);
    if (rc == 0)
        rc = fc_dataset_find_repeat(out, first, &a, &b, err);
    if (rc <= 0)
        return rc;
    /* A key came twice: read the file again, keeping nothing, for the two offsets. */
    parser again = {.start = data, .p = data, .end = data + len, .err = err,
                    .want = {a - first, b - first}};
    parse_file(&again);
    return fc_fail(err, FC_ECORRUPT, 0,
                   "offset %zu: key %llu again (first at offset %zu); a result file holds "
                   "each key once", again.at[1], (unsigned long long)out->keys[b], again.at[0]);
}

static size_t skip_space(const uint8_t *data, size_t len, size_t i)
{
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r'))
        i++;
    return i;
}

/* Bids 8 bits for the '{' after any whitespace, 8 for the '"' of a key or the '}' of
 * an empty object after it, and 4 for a digit opening the key. */
static unsigned json_probe(const uint8_t *data, size_t len)
{
    size_t i = skip_space(data, len, 0);
    if (i == len)
        return 0;
    if (data[i] != '{')
        return 0;
    if ((i = skip_space(data, len, i + 1)) == len)
        return 8;
    if (data[i] == '}')
        return 16;
    if (data[i] != '"')
        return 0;
    if (i + 1 == len)
        return 16;
    return data[i + 1] >= '0' && data[i + 1] <= '9' ? 20 : 0;
}

static const char *json_version(void)
{
    /* The writer and reader are ours; the shortest digits of each number come from
     * fmt's Dragonbox, and numbers are read by fast_float (core/shortest.cc). */
    static char text[128];
    if (!text[0])
        snprintf(text, sizeof text, "built in, Python json.dump bytes; %s", fc_shortest_library());
    return text;
}

const fc_codec fc_codec_json = {
    .name = "json",
    .extension = "json",
    .library = "forkcollect",
    .library_version = json_version,
    .encode = json_encode,
    .decode = json_decode,
    .probe = json_probe,
    .version = FC_CODEC_VERSION,
    .supports = FC_SUPPORTS_KEY_U64 | FC_SUPPORTS_NONFINITE | FC_SUPPORTS_BUILTIN |
                FC_SUPPORTS_EXACT_DOUBLES | FC_SUPPORTS_STRINGS | FC_SUPPORTS_NESTING,
    .shapes = FC_SHAPES_ALL,
    .encode_records = fc_json_write_records,
    .decode_records = fc_json_read_records,
};
