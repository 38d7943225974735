/* shapes.c - the records of each shape, draw for draw as scripts/shapes.py makes them.
 *
 * scripts/shapes.py is the definition; read it beside this file. C leaves the order in
 * which a call's arguments are evaluated unspecified, and Python does not: every draw
 * here goes into a variable first, in the order Python makes it.
 */
#include "fc_shapes.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ==== Building trees ==== */

typedef struct gen {
    fc_pyrandom r;
    fc_arena *arena;
    fc_error *err;
    jmp_buf oom; /* an allocation failed: err is filled, the arena keeps what was made */
} gen;

static void *alloc(gen *g, size_t size)
{
    void *p = fc_arena_alloc(g->arena, size, g->err);
    if (!p)
        longjmp(g->oom, 1);
    return p;
}

static void set_uint(fc_value *v, uint64_t u)
{
    v->type = FC_V_UINT;
    v->u = u;
}

static void set_int(fc_value *v, int64_t i)
{
    if (i >= 0) {
        set_uint(v, (uint64_t)i);
        return;
    }
    v->type = FC_V_INT;
    v->i = i;
}

static void set_bool(fc_value *v, bool b)
{
    v->type = FC_V_BOOL;
    v->b = b;
}

/* A string that lives as long as the program (a vocabulary word). */
static void set_static(fc_value *v, const char *s)
{
    v->type = FC_V_STRING;
    v->str.p = s;
    v->str.len = strlen(s);
}

__attribute__((format(printf, 3, 4))) static void set_format(gen *g, fc_value *v, const char *fmt,
                                                              ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[128];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    char *s = alloc(g, (size_t)n + 1);
    memcpy(s, tmp, (size_t)n + 1); /* every string formatted here is short */
    v->type = FC_V_STRING;
    v->str.p = s;
    v->str.len = (size_t)n;
}

static fc_value *array(gen *g, fc_value *v, size_t n)
{
    v->type = FC_V_ARRAY;
    v->arr.items = n ? alloc(g, n * sizeof *v->arr.items) : NULL;
    v->arr.n = n;
    return v->arr.items;
}

/* An object with room for `room` members, added in order with member(). */
static void object(gen *g, fc_value *v, size_t room)
{
    v->type = FC_V_OBJECT;
    v->obj.members = alloc(g, room * sizeof *v->obj.members);
    v->obj.n = 0;
}

static fc_value *member(fc_value *obj, const char *key)
{
    fc_member *m = &obj->obj.members[obj->obj.n++];
    m->key = key;
    m->key_len = strlen(key);
    m->value.type = FC_V_NULL;
    return &m->value;
}

/* ==== Draws ==== */

static uint64_t bits(gen *g, unsigned k)
{
    return fc_pyrandom_bits(&g->r, k);
}

static uint64_t below(gen *g, uint64_t n)
{
    return fc_pyrandom_below(&g->r, n);
}

#define PICK(g, list) ((list)[below((g), sizeof(list) / sizeof *(list))])

static bool flag(gen *g)
{
    return bits(g, 1) == 1;
}

/* ==== Vocabularies: scripts/shapes.py's, in its order ==== */

static const char *const TAGS[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta",
                                   "theta"};
static const char *const NAMES[] = {"ada",    "grace",  "linus",    "ken",   "dennis",  "barbara",
                                    "edsger", "donald", "margaret", "radia", "frances", "john"};
static const unsigned WIDTHS[] = {1, 7, 8, 15, 16, 31, 32, 63, 64};
static const char *const USERS[] = {"-", "-", "-", "frank", "alice", "bob", "carol", "dave"};
static const char *const METHODS[] = {"GET", "GET", "GET", "GET", "POST", "PUT", "DELETE", "HEAD"};
static const char *const PATHS[] = {"index.html",       "api/v1/items",    "api/v1/users",
                                    "static/app.js",    "static/style.css", "images/logo.png",
                                    "search",           "login"};
static const unsigned CODES[] = {200, 200, 200, 200, 200, 304, 301, 404, 403, 500};
static const char *const MONTHS[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const DAYS[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const WORDS[] = {
    "the",   "a",     "fork", "wait", "pipe", "data", "caf\u00e9", "na\u00efve", "Gr\u00fc\u00dfe",
    "\u00f1and\u00fa", "\u0395\u03bb\u03bb\u03b7\u03bd\u03b9\u03ba\u03ac", "\u65e5\u672c\u8a9e",
    "\u0434\u0430\u043d\u043d\u044b\u0435", "\U0001F600", "\U0001F680", "\"quoted\"",
    "back\\slash", "tab\there", "line\nbreak", "del\x7f", "ok", "#C", "@you"};
static const char *const PLACES[] = {"Paris", "Z\u00fcrich", "\u6771\u4eac", "S\u00e3o Paulo",
                                     "Reykjav\u00edk", "Krak\u00f3w"};
static const char *const LANGS[] = {"en", "fr", "de", "ja", "pt", "el", "und"};

/* ==== ints ==== */

static void make_ints(gen *g, uint64_t key, fc_value *v)
{
    object(g, v, 13);
    set_uint(member(v, "id"), key);
    set_uint(member(v, "u8"), bits(g, 8));
    set_int(member(v, "i8"), (int64_t)bits(g, 8) - 128);
    set_uint(member(v, "u16"), bits(g, 16));
    set_int(member(v, "i16"), (int64_t)bits(g, 16) - 32768);
    set_uint(member(v, "u32"), bits(g, 32));
    set_int(member(v, "i32"), (int64_t)bits(g, 32) - 2147483648);
    set_uint(member(v, "u64"), bits(g, 64));
    set_int(member(v, "i64"), (int64_t)(bits(g, 64) ^ UINT64_C(0x8000000000000000)));
    set_uint(member(v, "small"), below(g, 128));
    fc_value *mixed = array(g, member(v, "mixed"), 8);
    for (int i = 0; i < 8; i++) {
        unsigned w = PICK(g, WIDTHS);
        set_uint(&mixed[i], bits(g, w));
    }
    set_static(member(v, "tag"), PICK(g, TAGS));
    set_static(member(v, "name"), PICK(g, NAMES));
}

/* ==== log ==== */

static void make_log(gen *g, fc_value *v)
{
    object(g, v, 7);
    /* shapes.py makes the address, the date and the request before the dict */
    unsigned a[4];
    for (int i = 0; i < 4; i++)
        a[i] = (unsigned)bits(g, 8);
    set_format(g, member(v, "address"), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    set_static(member(v, "identity"), "-");
    fc_value *userid = member(v, "userid");
    unsigned day = 1 + (unsigned)below(g, 28);
    const char *month = PICK(g, MONTHS);
    unsigned year = 2000 + (unsigned)below(g, 27), h = (unsigned)below(g, 24);
    unsigned m = (unsigned)below(g, 60), s = (unsigned)below(g, 60);
    set_format(g, member(v, "date"), "%02u/%s/%u:%02u:%02u:%02u +0000", day, month, year, h, m,
               s);
    const char *method = PICK(g, METHODS), *path = PICK(g, PATHS);
    unsigned n = (unsigned)below(g, 10000);
    set_format(g, member(v, "request"), "%s /%s/%u HTTP/1.1", method, path, n);
    set_static(userid, PICK(g, USERS));
    set_uint(member(v, "code"), PICK(g, CODES));
    set_uint(member(v, "size"), below(g, 100000));
}

/* ==== mesh ==== */

static void coordinates(gen *g, fc_value *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int64_t x = (int64_t)below(g, 1u << 24) - (1 << 23);
        items[i].type = FC_V_FLOAT32;
        items[i].f = (float)((double)x / 256.0); /* 24 bits: exact */
    }
}

static void make_mesh(gen *g, fc_value *v)
{
    object(g, v, 3);
    uint64_t n = 1 + below(g, 32);
    set_uint(member(v, "triangles"), n);
    fc_value *vertices = member(v, "vertices");
    coordinates(g, array(g, vertices, 9 * n), 9 * n);
    fc_value *normals = member(v, "normals");
    coordinates(g, array(g, normals, 3 * n), 3 * n);
}

/* ==== doc ==== */

/* " ".join(pick(WORDS) for _ in range(words)) */
static void set_text(gen *g, fc_value *v, uint64_t words)
{
    const char *chosen[32];
    size_t len = 0;
    for (uint64_t i = 0; i < words; i++) {
        chosen[i] = PICK(g, WORDS);
        len += strlen(chosen[i]) + (i ? 1 : 0);
    }
    char *s = alloc(g, len + 1), *p = s;
    for (uint64_t i = 0; i < words; i++) {
        if (i)
            *p++ = ' ';
        size_t n = strlen(chosen[i]);
        memcpy(p, chosen[i], n);
        p += n;
    }
    *p = '\0';
    v->type = FC_V_STRING;
    v->str.p = s;
    v->str.len = len;
}

static void set_indices(gen *g, fc_value *v)
{
    fc_value *ab = array(g, v, 2);
    uint64_t a = below(g, 140);
    set_uint(&ab[0], a);
    set_uint(&ab[1], a + 1 + below(g, 20));
}

static void make_url(gen *g, fc_value *v)
{
    unsigned long long code = bits(g, 40);
    object(g, v, 3);
    set_format(g, member(v, "url"), "https://t.co/%010llx", code);
    set_format(g, member(v, "expanded_url"), "https://example.org/%s", PICK(g, PATHS));
    set_indices(g, member(v, "indices"));
}

static void make_user(gen *g, fc_value *v)
{
    object(g, v, 7);
    set_uint(member(v, "id"), bits(g, 63));
    uint64_t words = 1 + below(g, 3);
    set_text(g, member(v, "name"), words);
    const char *name = PICK(g, NAMES);
    set_format(g, member(v, "screen_name"), "%s%u", name, (unsigned)below(g, 1000));
    set_bool(member(v, "verified"), flag(g));
    set_uint(member(v, "followers_count"), below(g, 1000000));
    fc_value *entities = member(v, "entities");
    object(g, entities, 2);
    fc_value *url = member(entities, "url");
    object(g, url, 1);
    fc_value *urls = member(url, "urls");
    size_t n = (size_t)below(g, 3);
    fc_value *items = array(g, urls, n);
    for (size_t i = 0; i < n; i++)
        make_url(g, &items[i]);
    fc_value *description = member(entities, "description");
    object(g, description, 1);
    array(g, member(description, "urls"), 0);
    if (flag(g))
        set_static(member(v, "location"), PICK(g, PLACES));
}

static void make_entities(gen *g, fc_value *v)
{
    object(g, v, 2);
    size_t n = (size_t)below(g, 4);
    fc_value *tags = array(g, member(v, "hashtags"), n);
    for (size_t i = 0; i < n; i++) {
        object(g, &tags[i], 2);
        set_static(member(&tags[i], "text"), PICK(g, TAGS));
        set_indices(g, member(&tags[i], "indices"));
    }
    n = (size_t)below(g, 3);
    fc_value *mentions = array(g, member(v, "user_mentions"), n);
    for (size_t i = 0; i < n; i++) {
        object(g, &mentions[i], 3);
        set_static(member(&mentions[i], "screen_name"), PICK(g, NAMES));
        set_uint(member(&mentions[i], "id"), bits(g, 63));
        set_indices(g, member(&mentions[i], "indices"));
    }
}

static void set_twitter_date(gen *g, fc_value *v)
{
    const char *day = PICK(g, DAYS), *month = PICK(g, MONTHS);
    unsigned d = 1 + (unsigned)below(g, 28), h = (unsigned)below(g, 24);
    unsigned m = (unsigned)below(g, 60), s = (unsigned)below(g, 60);
    unsigned year = 2006 + (unsigned)below(g, 20);
    set_format(g, v, "%s %s %02u %02u:%02u:%02u +0000 %u", day, month, d, h, m, s, year);
}

static void make_doc(gen *g, fc_value *v)
{
    object(g, v, 12);
    uint64_t id = bits(g, 63);
    set_uint(member(v, "id"), id);
    set_format(g, member(v, "id_str"), "%llu", (unsigned long long)id);
    set_twitter_date(g, member(v, "created_at"));
    uint64_t words = 1 + below(g, 24);
    set_text(g, member(v, "text"), words);
    set_bool(member(v, "truncated"), flag(g));
    fc_value *reply = member(v, "in_reply_to_status_id");
    if (flag(g))
        set_uint(reply, bits(g, 63));
    make_user(g, member(v, "user"));
    make_entities(g, member(v, "entities"));
    set_uint(member(v, "retweet_count"), below(g, 10000));
    set_bool(member(v, "favorited"), flag(g));
    set_static(member(v, "lang"), PICK(g, LANGS));
    fc_value *where = member(v, "coordinates");
    if (flag(g)) {
        double lon = fc_pyrandom_random(&g->r) * 360.0 - 180.0;
        double lat = fc_pyrandom_random(&g->r) * 180.0 - 90.0;
        object(g, where, 2);
        set_static(member(where, "type"), "Point");
        fc_value *ll = array(g, member(where, "coordinates"), 2);
        ll[0].type = ll[1].type = FC_V_DOUBLE;
        ll[0].d = lon;
        ll[1].d = lat;
    }
}

/* ==== The table ==== */

static const char *const SHAPE_NAMES[FC_SHAPE_COUNT] = {"numbers", "ints", "log", "mesh", "doc",
                                                         "input"};

const char *fc_shape_name(enum fc_shape s)
{
    return (unsigned)s < FC_SHAPE_COUNT ? SHAPE_NAMES[s] : "?";
}

int fc_shape_find(const char *name, enum fc_shape *out, fc_error *err)
{
    if (strcmp(name, "input") == 0)
        return fc_fail(err, FC_EINVAL, 0, "'input' is your own data: give it with --input FILE");
    for (int s = 0; s < FC_SHAPE_INPUT; s++)
        if (strcmp(name, SHAPE_NAMES[s]) == 0) {
            *out = (enum fc_shape)s;
            return 0;
        }
    return fc_fail(err, FC_EINVAL, 0, "unknown shape '%s': give numbers, ints, log, mesh or doc",
                   name);
}

int fc_shape_record(enum fc_shape s, uint64_t key, uint64_t iterations, fc_arena *a,
                    fc_value *out, fc_error *err)
{
    if ((unsigned)s >= FC_SHAPE_INPUT)
        return fc_fail(err, FC_EINVAL, 0, "no records are made for shape number %d (%s)", (int)s,
                       fc_shape_name(s));
    if (s == FC_SHAPE_NUMBERS) {
        out->type = FC_V_DOUBLE;
        out->d = fc_calc(key, iterations);
        return 0;
    }
    gen g;
    g.arena = a;
    g.err = err;
    if (setjmp(g.oom))
        return FC_ENOMEM; /* err is filled; what was made stays in the arena */
    fc_pyrandom_seed(&g.r, key);
    switch (s) {
    case FC_SHAPE_INTS: make_ints(&g, key, out); break;
    case FC_SHAPE_LOG: make_log(&g, out); break;
    case FC_SHAPE_MESH: make_mesh(&g, out); break;
    default: make_doc(&g, out); break;
    }
    return 0;
}

/* A mesh's coordinates are float32: a format without float32 (JSON, say) gives them
 * back as doubles, which become float32 again when they are exactly one. */
static int conform_floats(fc_value *arr, const char *name, fc_error *err)
{
    if (arr->type != FC_V_ARRAY)
        return 0; /* not the shape's: equality will say so */
    for (size_t i = 0; i < arr->arr.n; i++) {
        fc_value *x = &arr->arr.items[i];
        if (x->type != FC_V_DOUBLE)
            continue;
        float f = (float)x->d;
        if ((double)f != x->d || (x->d == 0 && signbit(x->d) != signbit(f)))
            return fc_fail(err, FC_ECORRUPT, 0, "mesh: %s[%zu] is %.17g, which is not a float32",
                           name, i, x->d);
        x->type = FC_V_FLOAT32;
        x->f = f;
    }
    return 0;
}

int fc_shape_conform(enum fc_shape s, fc_value *v, fc_error *err)
{
    if (s != FC_SHAPE_MESH || v->type != FC_V_OBJECT)
        return 0;
    for (size_t i = 0; i < v->obj.n; i++) {
        fc_member *m = &v->obj.members[i];
        if (strcmp(m->key, "vertices") == 0 || strcmp(m->key, "normals") == 0) {
            int rc = conform_floats(&m->value, m->key, err);
            if (rc)
                return rc;
        }
    }
    return 0;
}

int fc_shape_records(enum fc_shape s, uint64_t start, uint64_t count, uint64_t iterations,
                     fc_records *r, fc_error *err)
{
    if (count > SIZE_MAX - r->count || (count && start > UINT64_MAX - (count - 1)))
        return fc_fail(err, FC_EINVAL, 0, "%llu records from %llu pass the last key",
                       (unsigned long long)count, (unsigned long long)start);
    int rc = fc_records_reserve(r, r->count + (size_t)count, err);
    for (uint64_t i = 0; !rc && i < count; i++) {
        rc = fc_shape_record(s, start + i, iterations, &r->arena, &r->values[r->count], err);
        if (!rc)
            r->keys[r->count++] = start + i;
    }
    return rc;
}
