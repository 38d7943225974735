/* mpi_driver.c - the MPI driver: rank 0 plans and collects, every other rank computes one
 * part and sends it (fc_mpi.h has the picture). The checks and the merge are the
 * collector's (core/collect.c), the same as for the fork driver: MPI only moves bytes.
 *
 * Rank 0 takes the parts in the order their headers arrive: it probes MPI_ANY_SOURCE,
 * receives that rank's header, then that rank's bytes (MPI keeps the order of the
 * messages between two ranks), so a slow rank holds up no other. It probes with
 * MPI_Iprobe and sleeps a little between probes (at most 1 ms) rather than blocking in
 * MPI_Probe: a cancel (SIGTERM from mpirun) or the --timeout deadline is seen between
 * two probes, and it leaves the processor to the ranks computing beside it.
 */
#define _POSIX_C_SOURCE 200809L
#include "fc_mpi.h"

#include <mpi.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { TAG_HEADER = 1, TAG_DATA = 2, TAG_DONE = 3 };
#define HEADER_MAGIC 0x664d5049u /* "fMPI" */
#define LATE 1                   /* wait_message: the deadline passed */

/* What rank 0 tells every rank before the work: the plan, or why there is none. All
 * ranks parse the same command line; this makes sure they also run the same job. */
typedef struct setup {
    int32_t code;              /* 0, or the error every rank returns */
    uint32_t parts;
    uint32_t file_transport;
    uint32_t stop;             /* 1: no more runs, the job ends (MPI_Finalize) */
    uint64_t start, count, iterations;
    int64_t pid0;              /* rank 0's pid: the files' names start with it */
    char codec[32];
    char dir[4096];
    char msg[512];
} setup;

/* What a rank sends before its bytes (or instead of them). The same binary runs on
 * every rank, so the struct goes as MPI_BYTE (a job across machines of different byte
 * orders is not supported, docs/RELIABILITY.md). */
typedef struct header {
    uint32_t magic, part;
    int32_t code;              /* 0, or the rank's own failure (msg says why) */
    uint32_t crc;              /* CRC-32C of the encoding */
    uint64_t bytes;            /* the encoding's size */
    uint64_t compute_ns, encode_ns, write_ns;
    int64_t max_rss_kib;
    char msg[512];
} header;

typedef struct mpi_run {
    const fc_engine_config *cfg;
    const fc_mpi_options *opt;
    fc_engine_result *out;
    fc_collector *col;
    setup s;
    uint64_t deadline;         /* fc_now_ns() past which rank 0 gives up; 0: none */
    fc_buffer buf;             /* the one encoding rank 0 holds */
} mpi_run;

static fc_mpi_rank *ranks;     /* rank 0: every rank's host and pid */
static int nranks;
static bool must_abort;

int fc_mpi_init(int *argc, char ***argv, int *rank, int *size, fc_error *err)
{
    if (MPI_Init(argc, argv) != MPI_SUCCESS)
        return fc_fail(err, FC_EIO, 0, "MPI_Init failed");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return 0;
}

void fc_mpi_finalize(void)
{
    MPI_Finalize();
}

void fc_mpi_abort(int status)
{
    MPI_Abort(MPI_COMM_WORLD, status);
    _exit(status); /* MPI_Abort does not return; should it, end this rank at least */
}

bool fc_mpi_must_abort(void)
{
    return must_abort;
}

const fc_mpi_rank *fc_mpi_rank_info(int r)
{
    return ranks && r >= 0 && r < nranks ? &ranks[r] : NULL;
}

/* <dir>/<pid of rank 0>-r<rank>.<ext>: the same name on every rank. */
static void rank_path(char *buf, size_t size, const setup *s, int rank, const char *ext)
{
    if (snprintf(buf, size, "%s/%lld-r%d.%s", s->dir, (long long)s->pid0, rank, ext) >=
        (int)size)
        buf[0] = '\0';
}

/* The collector names a part "child <pid> (keys ..." or "part <i> (keys ...": name its
 * rank and host instead, which is what a person at mpirun can act on. */
static void name_rank(fc_child_report *c)
{
    char who[2][48], rest[sizeof c->error.msg];
    snprintf(who[0], sizeof who[0], "child %ld (", (long)c->pid);
    snprintf(who[1], sizeof who[1], "part %u (", c->index);
    const fc_mpi_rank *rk = fc_mpi_rank_info((int)c->index + 1);
    for (int i = 0; i < 2 && rk; i++) {
        size_t n = strlen(who[i]);
        if (strncmp(c->error.msg, who[i], n) != 0)
            continue;
        snprintf(rest, sizeof rest, "%s", c->error.msg + n);
        snprintf(c->error.msg, sizeof c->error.msg, "rank %u on %.63s (pid %ld, %.400s", c->index + 1,
                 rk->host, rk->pid, rest);
        return;
    }
}

static void part_fail(mpi_run *r, unsigned part, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void part_fail(mpi_run *r, unsigned part, int code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fc_collector_fail(r->col, part, code, "%s", what);
    name_rank(fc_collector_part(r->col, part));
}

static void nap(long *ns)
{
    struct timespec ts = {0, *ns};
    nanosleep(&ts, NULL);
    *ns = *ns < 1000000 ? *ns * 2 : 1000000;
}

/* Waits for the next message from src (or MPI_ANY_SOURCE), of any tag: 0 with *st
 * filled, FC_EINTR on cancel, LATE past the deadline, FC_EIO if MPI fails. It probes
 * without a pause for the first spin_ns (the bytes that follow a header are on their
 * way: a nap there would be most of a short message's time), then naps between probes. */
static int wait_message(const mpi_run *r, int src, uint64_t spin_ns, MPI_Status *st)
{
    long ns = 10000;
    uint64_t spin_end = spin_ns ? fc_now_ns() + spin_ns : 0;
    for (;;) {
        int flag = 0;
        if (MPI_Iprobe(src, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, st) != MPI_SUCCESS)
            return FC_EIO;
        if (flag)
            return 0;
        if (r->cfg->cancel && *r->cfg->cancel)
            return FC_EINTR;
        uint64_t now = fc_now_ns();
        if (r->deadline && now >= r->deadline)
            return LATE;
        if (now >= spin_end)
            nap(&ns);
    }
}

/* Receives and drops the message st announces (one that breaks the protocol). */
static void discard(const MPI_Status *st)
{
    int n = 0;
    MPI_Get_count(st, MPI_BYTE, &n);
    void *junk = malloc(n > 0 ? (size_t)n : 1);
    if (junk)
        MPI_Recv(junk, n > 0 ? n : 0, MPI_BYTE, st->MPI_SOURCE, st->MPI_TAG, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    free(junk);
}

/* Receives part's `bytes` bytes from rank src into r->buf, message after message.
 * Returns 0, FC_EINTR, LATE, or FC_ECORRUPT after failing the part (a message that is
 * not what was announced: the rank's later messages are not read, so the job must be
 * aborted). */
static int receive_bytes(mpi_run *r, unsigned part, int src, uint64_t bytes)
{
    fc_error e = {0};
    r->buf.len = 0;
    while (r->buf.len < bytes) {
        MPI_Status st;
        int rc = wait_message(r, src, 2000000, &st), n = 0;
        if (rc != 0)
            return rc;
        MPI_Get_count(&st, MPI_BYTE, &n);
        uint64_t left = bytes - r->buf.len;
        if (st.MPI_TAG != TAG_DATA || n <= 0 || (uint64_t)n > left) {
            discard(&st);
            must_abort = true;
            part_fail(r, part, FC_ECORRUPT, "sent a message of %d bytes (tag %d) where %llu "
                      "more bytes of its encoding were due", n, st.MPI_TAG,
                      (unsigned long long)left);
            return FC_ECORRUPT;
        }
        if (fc_buffer_reserve(&r->buf, (size_t)n, &e) != 0) {
            discard(&st);
            must_abort = true;
            part_fail(r, part, e.code, "%s", e.msg);
            return e.code;
        }
        MPI_Recv(r->buf.data + r->buf.len, n, MPI_BYTE, src, TAG_DATA, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        r->buf.len += (size_t)n;
    }
    return 0;
}

/* Rank 0 has rank src's header h: the part's bytes, checked and merged. */
static int take_part(mpi_run *r, int src, const header *h)
{
    fc_child_report *c = fc_collector_part(r->col, h->part);
    c->compute_ns = h->compute_ns;
    c->encode_ns = h->encode_ns;
    c->write_ns = h->write_ns;
    c->max_rss_kib = (long)h->max_rss_kib;
    c->file_bytes = h->bytes;
    if (h->code != 0) {
        part_fail(r, h->part, h->code, "%.*s", (int)sizeof h->msg - 1, h->msg);
        return 0;
    }
    fc_part_sent sent = {.bytes = h->bytes, .crc = h->crc};
    fc_error e = {0};
    uint64_t t0 = fc_now_ns();
    int rc = 0;
    const char *source = "its message";
    if (r->opt->file_transport) {
        rank_path(c->path, sizeof c->path, &r->s, src, r->cfg->codec->extension);
        r->buf.len = 0;
        source = c->path;
        if (fc_file_read(c->path, &r->buf, &e) != 0) {
            part_fail(r, h->part, e.code, "result file: %s", e.msg);
            return 0;
        }
    } else if ((rc = receive_bytes(r, h->part, src, h->bytes)) != 0) {
        return rc == FC_ECORRUPT || rc == FC_ENOMEM ? 0 : rc;
    }
    c->read_ns = fc_now_ns() - t0;
    if (fc_collector_accept(r->col, h->part, r->buf.data, r->buf.len, &sent, source, &e) != 0)
        name_rank(c);
    return 0;
}

/* Rank 0: checks a header message and takes its part; a message that breaks the
 * protocol fails its rank's part (if it has one) and leaves the job to be aborted. */
static int take_header(mpi_run *r, const MPI_Status *st)
{
    int src = st->MPI_SOURCE, n = 0;
    unsigned part = (unsigned)src - 1;
    fc_child_report *c = src > 0 ? fc_collector_part(r->col, part) : NULL;
    header h;
    MPI_Get_count(st, MPI_BYTE, &n);
    if (st->MPI_TAG != TAG_HEADER || n != (int)sizeof h) {
        discard(st);
        must_abort = true;
        if (c && c->state == FC_CHILD_RUNNING)
            part_fail(r, part, FC_ECORRUPT, "sent a message of %d bytes with tag %d where "
                      "its %zu-byte header (tag %d) was due: is every rank running the same "
                      "forkcollect?", n, st->MPI_TAG, sizeof h, TAG_HEADER);
        return c && c->state == FC_CHILD_FAILED ? 1 : 0;
    }
    MPI_Recv(&h, (int)sizeof h, MPI_BYTE, src, TAG_HEADER, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (!c || c->state != FC_CHILD_RUNNING || h.magic != HEADER_MAGIC || h.part != part) {
        must_abort = true;
        if (c && c->state == FC_CHILD_RUNNING)
            part_fail(r, part, FC_ECORRUPT, "sent a header that is not one (magic %08x, part "
                      "%u, expected %08x and part %u)", h.magic, h.part, HEADER_MAGIC, part);
        return c && c->state == FC_CHILD_FAILED ? 1 : 0;
    }
    int rc = take_part(r, src, &h);
    return rc != 0 ? rc : 1;
}

/* Fails every part not yet collected, with why; calls on_collect for each. */
static void fail_pending(mpi_run *r, int code, const char *why)
{
    for (unsigned i = 0; i < r->out->nchildren; i++) {
        fc_child_report *c = &r->out->children[i];
        if (c->state != FC_CHILD_RUNNING)
            continue;
        c->timed_out = code == FC_ECHILD;
        part_fail(r, i, code, "%s", why);
        if (r->cfg->on_collect)
            r->cfg->on_collect(c, r->cfg->ctx);
    }
}

/* Rank 0: every part, in the order the ranks' headers arrive. */
static int collect_all(mpi_run *r, fc_error *err)
{
    unsigned pending = r->out->nchildren;
    while (pending > 0) {
        MPI_Status st;
        int rc = wait_message(r, MPI_ANY_SOURCE, 0, &st);
        if (rc == 0) {
            unsigned before = st.MPI_SOURCE > 0 ? (unsigned)st.MPI_SOURCE - 1 : 0;
            fc_child_report *c = fc_collector_part(r->col, before);
            bool was_running = st.MPI_SOURCE > 0 && c && c->state == FC_CHILD_RUNNING;
            rc = take_header(r, &st);
            if (rc == 1 && was_running) {
                pending--;
                if (r->cfg->on_collect)
                    r->cfg->on_collect(c, r->cfg->ctx);
            }
            rc = rc == 1 ? 0 : rc;
        }
        if (rc == FC_EINTR) {
            must_abort = true;
            fail_pending(r, FC_EINTR, "not collected: the run was interrupted");
            return fc_fail(err, FC_EINTR, 0, "interrupted: the MPI job is ending");
        }
        if (rc == LATE) {
            char why[160];
            snprintf(why, sizeof why, "no result within the %.3f s timeout (still computing, "
                     "hung, or its host lost)", r->cfg->timeout_ms / 1000.0);
            must_abort = true;
            fail_pending(r, FC_ECHILD, why);
            return 0;
        }
        if (rc != 0)
            return fc_fail(err, FC_EIO, 0, "MPI failed while waiting for the ranks' results");
    }
    return 0;
}

/* ==== The other ranks ==== */

static int send_part(const mpi_run *r, int rank, fc_error *err);

/* FORKCOLLECT_MPI_FAULT=KIND:RANK, for tests: the kind this rank is to fail as, or "". */
static const char *fault_for(int rank)
{
    const char *f = getenv(FC_MPI_FAULT_ENV), *colon = f ? strchr(f, ':') : NULL;
    if (!colon || atoi(colon + 1) != rank)
        return "";
    static char kind[16];
    snprintf(kind, sizeof kind, "%.*s", (int)(colon - f), f);
    return kind;
}

/* Computes, encodes and (file transport) writes the part; fills h. */
static int make_part(const mpi_run *r, int rank, header *h, fc_buffer *enc, fc_error *e)
{
    const setup *s = &r->s;
    const fc_codec *codec = fc_codec_find(s->codec); /* rank 0's choice, not our argv's */
    fc_work_fn work = r->cfg->work ? r->cfg->work : fc_work_calc;
    fc_dataset d = {0};
    uint64_t off, len;
    fc_split(s->count, s->parts, h->part, &off, &len);
    if (!codec)
        return fc_fail(e, FC_EINVAL, 0, "format %s is not built in this forkcollect", s->codec);
    uint64_t t0 = fc_now_ns();
    int rc = work(s->start + off, len, s->iterations, r->cfg->work_ctx, &d, e);
    uint64_t t1 = fc_now_ns();
    if (rc == 0)
        rc = codec->encode(&d, enc, e);
    uint64_t t2 = fc_now_ns();
    fc_dataset_free(&d);
    if (rc == 0 && s->file_transport) {
        char path[4096 + 64];
        rank_path(path, sizeof path, s, rank, codec->extension);
        rc = fc_file_write_new(path, enc->data, enc->len, e);
    }
    struct rusage ru = {0};
    getrusage(RUSAGE_SELF, &ru);
    h->compute_ns = t1 - t0;
    h->encode_ns = t2 - t1;
    h->write_ns = fc_now_ns() - t2;
    h->max_rss_kib = ru.ru_maxrss;
    h->bytes = enc->len;
    h->crc = fc_crc32c(0, enc->data, enc->len);
    return rc;
}

/* A worker waits for rank 0's word that the job ends well before it goes into
 * MPI_Finalize: Open MPI 4.1's mpirun can crash or hang when rank 0 calls MPI_Abort
 * while other ranks are in MPI_Finalize. Waits with MPI_Test and naps, not a blocking
 * MPI_Recv, which would spin on a core the ranks still computing need. */
static void wait_done(void)
{
    MPI_Request req;
    int done = 0, word = 0;
    long ns = 10000;
    if (MPI_Irecv(&word, 1, MPI_INT, 0, TAG_DONE, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return;
    while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
        nap(&ns);
}

/* A worker rank: its part, sent to rank 0 (or why it could not make it). */
static int worker(const mpi_run *r, int rank, fc_error *err)
{
    int rc = send_part(r, rank, err);
    wait_done();
    return rc;
}

/* Rank 0, when the job can end with MPI_Finalize: tells every other rank so. */
static void say_done(int size)
{
    int word = 1;
    for (int i = 1; i < size; i++)
        MPI_Send(&word, 1, MPI_INT, i, TAG_DONE, MPI_COMM_WORLD);
}

/* Computes the part and sends it, with its header. */
static int send_part(const mpi_run *r, int rank, fc_error *err)
{
    if ((unsigned)rank - 1 >= r->s.parts)
        return 0; /* more ranks than numbers: nothing to do */
    const char *fault = fault_for(rank);
    if (strcmp(fault, "hang") == 0)
        for (;;)
            pause();
    header h = {.magic = HEADER_MAGIC, .part = (uint32_t)rank - 1};
    fc_buffer enc = {0};
    fc_error e = {0};
    int rc = make_part(r, rank, &h, &enc, &e);
    if (rc != 0) {
        h.code = rc;
        snprintf(h.msg, sizeof h.msg, "%s", e.msg);
    }
    if (strcmp(fault, "die") == 0)
        raise(SIGKILL);
    if (strcmp(fault, "crc") == 0 && enc.len > 0)
        enc.data[enc.len / 2] ^= 0x20;
    if (strcmp(fault, "junk") == 0 && enc.len > 0) {
        memset(enc.data, 0xC1, enc.len); /* no format starts with it */
        h.crc = fc_crc32c(0, enc.data, enc.len);
    }
    int hsize = strcmp(fault, "header") == 0 ? (int)sizeof h - 8 : (int)sizeof h;
    size_t chunk = r->opt->chunk_bytes ? r->opt->chunk_bytes : FC_MPI_CHUNK_DEFAULT;
    if (chunk > INT32_MAX)
        chunk = INT32_MAX;
    int mrc = MPI_Send(&h, hsize, MPI_BYTE, 0, TAG_HEADER, MPI_COMM_WORLD);
    for (size_t off = 0; mrc == MPI_SUCCESS && rc == 0 && !r->s.file_transport && off < enc.len;
         off += chunk) {
        size_t n = enc.len - off < chunk ? enc.len - off : chunk;
        mrc = MPI_Send(enc.data + off, (int)n, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD);
    }
    fc_buffer_free(&enc);
    if (mrc != MPI_SUCCESS)
        return fc_fail(err, FC_EIO, 0, "rank %d: MPI_Send to rank 0 failed", rank);
    return 0;
}

/* ==== Setting up ==== */

/* Rank 0: the plan and the directory, in r->s (s.code says what went wrong). */
static void plan(mpi_run *r, int size, bool *private_dir)
{
    setup *s = &r->s;
    const fc_engine_config *cfg = r->cfg;
    fc_error e = {0};
    s->start = cfg->start, s->count = cfg->count, s->iterations = cfg->iterations;
    s->pid0 = getpid();
    s->file_transport = r->opt->file_transport;
    snprintf(s->codec, sizeof s->codec, "%s", cfg->codec ? cfg->codec->name : "");
    unsigned others = (unsigned)size - 1; /* computing ranks: cfg->workers, at most all */
    int rc = fc_collector_open(&r->col, cfg->codec, cfg->start, cfg->count,
                               cfg->workers && cfg->workers < others ? cfg->workers : others,
                               r->out, &e);
    s->parts = r->out->nchildren;
    if (rc == 0 && s->file_transport) {
        const char *tmp = getenv("TMPDIR");
        if (cfg->dir && strlen(cfg->dir) > sizeof s->dir - 64) {
            rc = fc_fail(&e, FC_EINVAL, ENAMETOOLONG, "%s: path too long", cfg->dir);
        } else if (cfg->dir) {
            struct stat st;
            snprintf(s->dir, sizeof s->dir, "%s", cfg->dir);
            if (stat(cfg->dir, &st) != 0)
                rc = fc_fail(&e, FC_EIO, errno, "--dir %s: %s", cfg->dir, strerror(errno));
            else if (!S_ISDIR(st.st_mode))
                rc = fc_fail(&e, FC_EIO, ENOTDIR, "--dir %s: not a directory", cfg->dir);
        } else {
            snprintf(s->dir, sizeof s->dir, "%s/forkcollect-%ld-XXXXXX",
                     tmp && *tmp && strlen(tmp) < 3000 ? tmp : "/tmp", (long)getpid());
            if (!mkdtemp(s->dir))
                rc = fc_fail(&e, FC_EIO, errno, "cannot make a directory %s: %s", s->dir,
                             strerror(errno));
            *private_dir = rc == 0;
        }
        snprintf(r->out->dir, sizeof r->out->dir, "%s", s->dir);
    }
    s->code = rc;
    snprintf(s->msg, sizeof s->msg, "%s", e.msg);
}

/* Every rank's host and pid, to rank 0. */
static int gather_ranks(int rank, int size, fc_error *err)
{
    fc_mpi_rank me = {.pid = (long)getpid()};
    int len = 0;
    char host[MPI_MAX_PROCESSOR_NAME];
    if (MPI_Get_processor_name(host, &len) != MPI_SUCCESS)
        snprintf(host, sizeof host, "(unknown host)");
    snprintf(me.host, sizeof me.host, "%.63s", host);
    if (rank == 0) {
        free(ranks);
        ranks = calloc((size_t)size, sizeof *ranks);
        nranks = ranks ? size : 0;
    }
    if (MPI_Gather(&me, (int)sizeof me, MPI_BYTE, ranks, (int)sizeof me, MPI_BYTE, 0,
                   MPI_COMM_WORLD) != MPI_SUCCESS)
        return fc_fail(err, FC_EIO, 0, "MPI_Gather of the ranks' hosts failed");
    return 0;
}

/* Rank 0 after the collection: removes the files it read (unless keep) and a private
 * directory, noting in out what could not be removed. */
static void clean_up(mpi_run *r, bool private_dir)
{
    fc_engine_result *out = r->out;
    for (unsigned i = 0; i < out->nchildren && r->s.file_transport; i++) {
        const fc_child_report *c = &out->children[i];
        if (!c->path[0] || (r->cfg->keep && c->state == FC_CHILD_COLLECTED))
            continue;
        if (unlink(c->path) != 0 && errno != ENOENT && out->left_behind++ == 0) {
            out->left_errno = errno;
            snprintf(out->left_path, sizeof out->left_path, "%s", c->path);
        }
    }
    if (private_dir && !r->cfg->keep && rmdir(out->dir) != 0 && errno != ENOENT &&
        out->left_behind++ == 0) {
        out->left_errno = errno;
        snprintf(out->left_path, sizeof out->left_path, "%s", out->dir);
    }
}

static int run_rank0(mpi_run *r, bool private_dir, fc_error *err)
{
    fc_engine_result *out = r->out;
    uint64_t t0 = fc_now_ns();
    r->deadline = r->cfg->timeout_ms ? t0 + r->cfg->timeout_ms * 1000000ull : 0;
    out->forked = out->max_parallel = out->nchildren;
    for (unsigned i = 0; i < out->nchildren; i++) {
        const fc_mpi_rank *rk = fc_mpi_rank_info((int)i + 1);
        out->children[i].pid = rk ? (pid_t)rk->pid : 0;
        out->children[i].attempts = 1;
        if (r->cfg->on_fork)
            r->cfg->on_fork(&out->children[i], r->cfg->ctx);
    }
    int rc = collect_all(r, err);
    out->elapsed_ns = fc_now_ns() - t0;
    clean_up(r, private_dir);
    int crc = fc_collector_close(r->col, rc == 0 ? err : NULL);
    r->col = NULL;
    return rc != 0 ? rc : crc;
}

/* Every rank: rank 0's plan (or its word that the job is over: *stop) and, the first
 * time, every rank's host and pid. Returns 0, an MPI failure, or (rank 0) the plan's
 * own error. */
static int share_plan(mpi_run *r, int rank, int size, bool *private_dir, bool *stop,
                      fc_error *err)
{
    static bool gathered;
    if (rank == 0 && !*stop)
        plan(r, size, private_dir);
    r->s.stop = *stop;
    /* Non-blocking: a rank waiting for the next run (while rank 0 measures something
     * else, in compare) naps instead of spinning in MPI_Bcast on a core rank 0 needs. */
    MPI_Request req;
    int done = 0;
    long ns = 10000;
    if (MPI_Ibcast(&r->s, (int)sizeof r->s, MPI_BYTE, 0, MPI_COMM_WORLD, &req) != MPI_SUCCESS)
        return fc_fail(err, FC_EIO, 0, "MPI_Ibcast of the plan failed");
    if (rank == 0)
        done = MPI_Wait(&req, MPI_STATUS_IGNORE) == MPI_SUCCESS;
    else
        while (MPI_Test(&req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done)
            nap(&ns);
    if (!done)
        return fc_fail(err, FC_EIO, 0, "MPI_Ibcast of the plan failed");
    *stop = r->s.stop;
    if (*stop)
        return 0;
    if (!gathered) {
        int rc = gather_ranks(rank, size, err);
        if (rc != 0)
            return rc;
        gathered = true;
    }
    return rank == 0 && r->s.code != 0 ? fc_fail(err, r->s.code, 0, "%s", r->s.msg) : 0;
}

/* The ranks other than 0: one part in each run, until rank 0 says the job is over. */
static int serve(mpi_run *r, int rank, int size, fc_error *err)
{
    for (;;) {
        bool stop = false, private_dir = false;
        int rc = share_plan(r, rank, size, &private_dir, &stop, err);
        if (rc != 0 || stop)
            return rc;
        if (r->s.code == 0 && (rc = worker(r, rank, err)) != 0)
            return rc;
    }
}

int fc_mpi_run(const fc_engine_config *cfg, const fc_mpi_options *opt, fc_engine_result *out,
               fc_error *err)
{
    int rank = 0, size = 0;
    bool private_dir = false, stop = false;
    mpi_run r = {.cfg = cfg, .opt = opt, .out = out};
    memset(out, 0, sizeof *out);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2)
        return fc_fail(err, FC_EINVAL, 0, "--engine mpi needs at least 2 ranks (rank 0 "
                       "collects, the others compute): start it with mpirun -np N, N >= 2");
    if (rank != 0)
        return serve(&r, rank, size, err);
    int rc = share_plan(&r, rank, size, &private_dir, &stop, err);
    if (rc != 0) {
        fc_collector_close(r.col, NULL);
        if (private_dir)
            rmdir(r.s.dir);
        fc_engine_result_free(out);
        return rc;
    }
    rc = run_rank0(&r, private_dir, err);
    if (!must_abort)
        say_done(size);
    fc_buffer_free(&r.buf);
    return rc;
}

void fc_mpi_stop(void)
{
    static bool stopped;
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (rank != 0 || size < 2 || stopped || must_abort)
        return;
    stopped = true;
    bool stop = true, private_dir = false;
    mpi_run r = {0};
    share_plan(&r, 0, size, &private_dir, &stop, NULL);
}
