/* input.c - reading a result file the user named: open it so that nothing blocks,
 * check its size, find its format (the user's word, else the name, else the content),
 * read it, decode it. core/file.c's fc_file_read stays the strict reader of the files
 * the engine's children write (regular files, no symlinks); this one reads whatever
 * a person points at: a symlink, a FIFO, a pipe, /dev/stdin, a character device. */
#define _POSIX_C_SOURCE 200809L
#include "forkcollect.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STREAM_CHUNK 65536
/* How long a FIFO that nothing has written to is given for a writer to come: enough
 * for `producer > fifo & forkcollect dump fifo` to win the race, short enough that a
 * FIFO no one will write to is an error, not a hang. */
#define FIFO_WAIT_MS 1000

typedef struct input {
    int fd;
    const char *name;   /* for messages */
    const char *path;   /* whose extension may name the format; NULL for a descriptor */
    bool regular;       /* read by its size; anything else is a stream */
    bool fifo;          /* a FIFO or pipe: nothing at all means no writer */
    bool eof;
    bool waited;        /* the FIFO's wait for a writer is over */
    uint64_t size;      /* a regular file's size, from fstat */
    uint64_t max;       /* the limit */
    unsigned idle_ms;   /* how long a stream may stay silent */
    fc_buffer buf;
} input;

static int too_large(const input *in, fc_error *err)
{
    if (in->regular && in->size > in->max)
        return fc_fail(err, FC_EINVAL, EFBIG,
                       "%s: %llu bytes, more than the limit of %llu bytes for a result file "
                       "(give --max-size BYTES to read it)",
                       in->name, (unsigned long long)in->size, (unsigned long long)in->max);
    return fc_fail(err, FC_EINVAL, EFBIG,
                   "%s: more than the limit of %llu bytes for a result file (give --max-size "
                   "BYTES to read more)", in->name, (unsigned long long)in->max);
}

/* What the descriptor is: a directory is refused, a regular file's size checked. */
static int check_kind(input *in, fc_error *err)
{
    struct stat st;
    if (fstat(in->fd, &st) != 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot stat: %s", in->name, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return fc_fail(err, FC_EIO, EISDIR, "%s: is a directory, not a result file", in->name);
    in->regular = S_ISREG(st.st_mode);
    in->fifo = S_ISFIFO(st.st_mode);
    in->size = in->regular && st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return in->size > in->max ? too_large(in, err) : 0;
}

/* Room for `extra` more bytes: a regular file's whole size at once, exactly (doubling
 * would ask for up to twice the file), a stream's by chunks. */
static int reserve(input *in, size_t extra, fc_error *err)
{
    if (in->buf.cap - in->buf.len >= extra)
        return 0;
    int rc = 0;
    if (in->regular && extra <= SIZE_MAX - in->buf.len) {
        uint8_t *p = realloc(in->buf.data, in->buf.len + extra);
        if (p) {
            in->buf.data = p;
            in->buf.cap = in->buf.len + extra;
            return 0;
        }
        rc = FC_ENOMEM;
    } else {
        rc = fc_buffer_reserve(&in->buf, extra, err);
    }
    if (rc == 0)
        return 0;
    return fc_fail(err, FC_ENOMEM, ENOMEM, "%s: out of memory holding %zu bytes of it",
                   in->name, in->buf.len + extra);
}

/* Waits up to timeout_ms (-1: no limit) for a stream opened with O_NONBLOCK to have
 * bytes, or its end; *ready says whether it came. */
static int wait_readable(const input *in, int timeout_ms, bool *ready, fc_error *err)
{
    struct pollfd p = {.fd = in->fd, .events = POLLIN};
    int n;
    while ((n = poll(&p, 1, timeout_ms)) < 0)
        if (errno != EINTR)
            return fc_fail(err, FC_EIO, errno, "%s: poll failed: %s", in->name, strerror(errno));
    *ready = n > 0;
    return 0;
}

/* A FIFO read returned 0 before any byte came: no writer has it open. Linux reports
 * no hang-up on a FIFO no writer has opened yet, so poll wakes when one writes. */
static int wait_for_writer(input *in, fc_error *err)
{
    bool ready = false;
    in->waited = true;
    int rc = wait_readable(in, FIFO_WAIT_MS, &ready, err);
    if (rc == 0 && !ready)
        rc = fc_fail(err, FC_EIO, 0, "%s: a FIFO with no writer (none came within %d ms): "
                                     "start what writes to it first", in->name, FIFO_WAIT_MS);
    return rc;
}

/* Reads until the buffer holds `want` bytes or the input ends. */
static int read_upto(input *in, size_t want, fc_error *err)
{
    while (!in->eof && in->buf.len < want) {
        size_t room = want - in->buf.len, spare = in->buf.cap - in->buf.len;
        if (in->regular && spare > 0 && room > spare)
            room = spare; /* the room reserved for the file's size */
        else if (room > STREAM_CHUNK)
            room = STREAM_CHUNK;
        int rc = reserve(in, room, err);
        if (rc)
            return rc;
        ssize_t n = read(in->fd, in->buf.data + in->buf.len, room);
        if (n < 0 && errno == EINTR)
            continue;
        bool ready;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A writer holds it open and sends nothing: wait, but not forever. */
            if ((rc = wait_readable(in, (int)in->idle_ms, &ready, err)) != 0)
                return rc;
            if (!ready)
                return fc_fail(err, FC_EIO, ETIMEDOUT, "%s: nothing came for %g s after "
                               "byte %zu from the writer, which holds it open (stalled, or "
                               "waiting on something else)", in->name, in->idle_ms / 1000.0,
                               in->buf.len);
            continue;
        }
        if (n == 0 && in->fifo && in->buf.len == 0 && !in->waited) {
            if ((rc = wait_for_writer(in, err)) != 0)
                return rc;
            continue;
        }
        if (n < 0)
            return fc_fail(err, FC_EIO, errno, "%s: read failed at offset %zu: %s", in->name,
                           in->buf.len, strerror(errno));
        in->eof = n == 0;
        in->buf.len += (size_t)n;
    }
    return 0;
}

static const char *source_words(enum fc_format_source s)
{
    return s == FC_FORMAT_GIVEN ? "as given by --from"
           : s == FC_FORMAT_NAME ? "named by its extension"
                                 : "recognised from its content";
}

/* The format: the user's, else the name's, else the highest bidder's. */
static const fc_codec *choose(const input *in, const fc_read_options *opt,
                              enum fc_format_source *source, fc_error *err)
{
    const fc_codec *c;
    if ((c = opt->from) != NULL) {
        *source = FC_FORMAT_GIVEN;
    } else if ((c = fc_codec_for_path(in->path)) != NULL) {
        *source = FC_FORMAT_NAME;
    } else if ((c = fc_codec_detect(in->buf.data, in->buf.len)) != NULL) {
        *source = FC_FORMAT_CONTENT;
    } else if (in->buf.len == 0) {
        fc_fail(err, FC_ECORRUPT, 0, "%s: is empty: no records, no format (give --from FORMAT "
                                     "if an empty file is meant)", in->name);
    } else {
        fc_fail(err, FC_ECORRUPT, 0, "%s: cannot tell its format from its content or its "
                                     "name; give --from FORMAT", in->name);
    }
    return c;
}

/* Whether codec c reads the whole input (into a scratch dataset); records in *count. */
static bool reads_as(const input *in, const fc_codec *c, size_t *count)
{
    fc_dataset scratch = {0};
    bool ok = c->decode(in->buf.data, in->buf.len, &scratch, NULL) == 0;
    *count = scratch.count;
    fc_dataset_free(&scratch);
    return ok;
}

/* Another format that reads the whole input, among those whose probes bid, or NULL. */
static const fc_codec *other_reader(const input *in, const fc_codec *not_this, size_t *count)
{
    const fc_codec *bidders[16];
    size_t n = fc_codec_bidders(in->buf.data, in->buf.len, bidders, NULL, 16);
    for (size_t i = 0; i < n && i < 16; i++)
        if (bidders[i] != not_this && reads_as(in, bidders[i], count))
            return bidders[i];
    return NULL;
}

/* The decoder's message in err, with the input, the format, how it was chosen, and
 * what to do: which format does read it, or --from. */
static int explain_failure(const input *in, const fc_codec *c, enum fc_format_source source,
                           int rc, fc_error *err)
{
    char why[sizeof err->msg];
    memcpy(why, err->msg, sizeof why);
    if (rc == FC_ENOMEM)
        return fc_fail(err, rc, err->sys_errno, "%s: out of memory reading it as %s (%zu "
                                                "bytes): %s", in->name, c->name, in->buf.len, why);
    size_t count = 0;
    const fc_codec *other = source == FC_FORMAT_GIVEN ? NULL : other_reader(in, c, &count);
    if (other)
        return fc_fail(err, rc, 0, "%s: not a valid %s file (%s): %s; it reads as %s: give "
                                   "--from %s", in->name, c->name, source_words(source), why,
                       other->name, other->name);
    return fc_fail(err, rc, 0, "%s: not a valid %s file (%s): %s%s", in->name, c->name,
                   source_words(source), why,
                   source == FC_FORMAT_GIVEN ? "" : " (if it is another format, give --from FORMAT)");
}

/* The codec whose probe speaks for c: c itself, or, for one whose probe never bids
 * (cjson, jansson and jsonc leave JSON to json), the one that bids on c's own
 * encoding of a record. NULL when none does. */
static const fc_codec *prober_for(const fc_codec *c)
{
    uint64_t key = 1;
    double value = 0.5;
    fc_dataset one = {.keys = &key, .values = &value, .count = 1, .cap = 1};
    fc_buffer own = {0};
    const fc_codec *p = c;
    if (c->encode(&one, &own, NULL) == 0 && c->probe(own.data, own.len) == 0)
        p = fc_codec_detect(own.data, own.len);
    fc_buffer_free(&own);
    return p;
}

/* A file larger than its first bytes, named as format c: those bytes must be able to
 * start such a file before the rest is read (a 900 MiB file of zeros named x.json was
 * read whole, 925 MB of memory, to be refused). A smaller file is already read whole,
 * and its decoder says more. */
static int check_start(const input *in, const fc_codec *c, fc_error *err)
{
    const fc_codec *p = prober_for(c);
    size_t n = in->buf.len;
    bool whole = in->regular ? in->size <= n : in->eof;
    if (!p || whole || p->probe(in->buf.data, n) != 0)
        return 0;
    const fc_codec *other = fc_codec_detect(in->buf.data, n);
    if (other && other != c)
        return fc_fail(err, FC_ECORRUPT, 0, "%s: not a %s file (named by its extension): its "
                       "first %zu bytes cannot start one; they start a %s file: give --from %s",
                       in->name, c->name, n, other->name, other->name);
    return fc_fail(err, FC_ECORRUPT, 0, "%s: not a %s file (named by its extension): its "
                   "first %zu bytes cannot start one, so the rest was not read (give --from "
                   "FORMAT for another format, or --from %s to read it whole all the same)",
                   in->name, c->name, n, c->name);
}

static int decode_input(const input *in, const fc_codec *c, enum fc_format_source source,
                        fc_dataset *out, fc_error *err)
{
    size_t before = out->count, theirs = 0;
    int rc = c->decode(in->buf.data, in->buf.len, out, err);
    if (rc != 0)
        return explain_failure(in, c, source, rc, err);
    if (source != FC_FORMAT_CONTENT)
        return 0;
    /* Sniffed: refuse when another format reads the same bytes, rather than pick one. */
    const fc_codec *other = other_reader(in, c, &theirs);
    if (!other)
        return 0;
    size_t ours = out->count - before;
    out->count = before;
    return fc_fail(err, FC_EINVAL, 0,
                   "%s: reads as %s (%zu record%s) and as %s (%zu record%s); its name does "
                   "not say which: give --from %s or --from %s",
                   in->name, c->name, ours, ours == 1 ? "" : "s", other->name, theirs,
                   theirs == 1 ? "" : "s", c->name, other->name);
}

static int read_input(input *in, const fc_read_options *opt, fc_dataset *out,
                      fc_read_info *info, fc_error *err)
{
    int rc = check_kind(in, err);
    /* The first bytes, enough to recognise the format, before reading the rest. */
    if (rc == 0)
        rc = read_upto(in, FC_PROBE_BYTES, err);
    if (rc == 0 && in->fifo && in->buf.len == 0)
        return fc_fail(err, FC_EIO, 0, "%s: a FIFO or pipe whose writer wrote nothing",
                       in->name);
    enum fc_format_source source = FC_FORMAT_GIVEN;
    const fc_codec *c = rc == 0 ? choose(in, opt, &source, err) : NULL;
    if (!c)
        return rc ? rc : err->code;
    if (source == FC_FORMAT_NAME && (rc = check_start(in, c, err)) != 0)
        return rc;
    /* Then the rest: one byte past the limit shows a stream (or a growing file) too large. */
    size_t limit = in->max < SIZE_MAX ? (size_t)in->max + 1 : SIZE_MAX;
    if (in->regular && in->size + 1 > in->buf.len &&
        (rc = reserve(in, (size_t)in->size + 1 - in->buf.len, err)) != 0)
        return rc;
    if ((rc = read_upto(in, limit, err)) != 0)
        return rc;
    if (in->buf.len > in->max)
        return too_large(in, err);
    if (info)
        *info = (fc_read_info){.codec = c, .source = source, .bytes = in->buf.len};
    return decode_input(in, c, source, out, err);
}

/* The defaults, the read, and the buffer freed. */
static int read_named(input *in, const fc_read_options *opt, fc_dataset *out,
                      fc_read_info *info, fc_error *err)
{
    fc_read_options none = {0};
    fc_error local = {0};
    if (!opt)
        opt = &none;
    in->max = opt->max_size ? opt->max_size : FC_READ_MAX_DEFAULT;
    in->idle_ms = opt->idle_ms ? opt->idle_ms : FC_READ_IDLE_DEFAULT_MS;
    if (in->idle_ms > INT_MAX)
        in->idle_ms = INT_MAX;
    int rc = read_input(in, opt, out, info, err ? err : &local);
    fc_buffer_free(&in->buf);
    return rc;
}

int fc_result_read_fd(int fd, const char *name, const fc_read_options *opt, fc_dataset *out,
                      fc_read_info *info, fc_error *err)
{
    input in = {.fd = fd, .name = name};
    return read_named(&in, opt, out, info, err);
}

int fc_result_read(const char *path, const fc_read_options *opt, fc_dataset *out,
                   fc_read_info *info, fc_error *err)
{
    /* O_NONBLOCK: opening a FIFO no one writes to returns at once instead of waiting.
     * No O_NOFOLLOW: reading may follow a symlink the user named. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fc_fail(err, FC_EIO, errno, "%s: cannot open: %s", path, strerror(errno));
    input in = {.fd = fd, .name = path, .path = path};
    int rc = read_named(&in, opt, out, info, err);
    close(fd);
    return rc;
}
