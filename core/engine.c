/* engine.c - fork one child per range, collect each child's file as it ends.
 *
 *   parent                                   child i
 *   ------                                   -------
 *   mmap one shared slot per child
 *   pipe(); fork() ───────────────────────▶  calc() each number of its range
 *   close the pipe's write end               encode with the codec
 *                                            write <dir>/<ppid>-<pid>.<ext>.<random>.part,
 *                                              link it to <dir>/<ppid>-<pid>.<ext>
 *                                            fill its slot (times, size, CRC); _exit
 *   poll() the read ends: EOF on child i's  ◀── exit closes the child's write end
 *   pipe means child i has exited, so
 *   waitpid(that pid): only our own children are reaped, in the order they end,
 *   with no SIGCHLD handler. Then: exit status, file size and CRC against the
 *   slot, decode, keys exactly the range, merge, unlink.
 *
 * Scheduling: ranges wait in a queue and at most `workers` children run at once.
 * A failed range goes back to the queue while it has retries left. A child past its
 * deadline is killed with its whole process group (each child leads its own group).
 * If fork() fails with EAGAIN, or pipe() with EMFILE or ENFILE, while children are
 * running, the run goes on with that many at once (fc_engine_result.fork_limited,
 * fd_limited) instead of failing.
 *
 * A failed child is recorded in its report and collection goes on, so every
 * failure is reported, not just the first; the run then returns FC_ECHILD.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp, strsignal */
#include "forkcollect.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What a child tells its parent, in memory shared before the fork. */
typedef struct fc_slot {
    uint64_t compute_ns, encode_ns, write_ns;
    uint64_t bytes;      /* size of the result file */
    uint32_t crc;        /* CRC-32C of the result file */
    uint32_t done;       /* 1 once everything above is written */
    uint32_t stage;      /* FC_STAGE_*: which of its files the child has made */
    fc_error error;      /* the child's own error, if it failed */
} fc_slot;

/* Exit status of a child that failed and said why in its slot. */
#define CHILD_REPORTED_FAILURE 70

typedef struct run {
    const fc_engine_config *cfg;
    fc_engine_result *out;
    fc_slot *slots;
    int *pipes;            /* read end per running child, else -1 */
    uint64_t *deadline;    /* per running child: fc_now_ns() past which it is killed */
    uint64_t *token;       /* per child: the random part of its temporary file's name */
    unsigned *queue;       /* ranges waiting for a child, in order */
    unsigned queued, running;
    unsigned char *seen;   /* one byte per key of the whole run */
    fc_buffer file;        /* the one undecoded file the parent holds */
    fc_dataset part;       /* one child's decoded records */
    bool private_dir;
} run;

/* The result file of child `pid` of parent `ppid`: <dir>/<ppid>-<pid>.<ext>.
 * prepare_dir() keeps dir short enough for this to fit. */
static void result_path(char *buf, size_t size, const char *dir, pid_t ppid, pid_t pid,
                        const char *ext)
{
    if (snprintf(buf, size, "%s/%ld-%ld.%s", dir, (long)ppid, (long)pid, ext) >= (int)size)
        buf[0] = '\0';
}

/* The temporary name child c writes first: <result file>.<16 hex digits>.part, the digits
 * chosen at random by the parent before the fork. The parent knows the name, so it can
 * remove that file whatever step the child died at (the child creates it with O_EXCL,
 * so a file there is the child's); and nobody else can guess it and take it first. */
static void part_path(char *buf, size_t size, const char *path, uint64_t token)
{
    if (snprintf(buf, size, "%s.%016llx.part", path, (unsigned long long)token) >= (int)size)
        buf[0] = '\0';
}

/* Removes path (a directory with rmdir), and notes in out what could not be removed:
 * a file left behind is said, never left without a word. A name already gone is fine. */
static void remove_noting(fc_engine_result *out, const char *path, bool dir)
{
    if ((dir ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT)
        return;
    if (out->left_behind++ == 0) {
        out->left_errno = errno;
        snprintf(out->left_path, sizeof out->left_path, "%s", path);
    }
}

/* Removes the files child c made, and only those: a file at its final name that it did
 * not create (a stale one from another run) is not ours to remove. The result file stays
 * when keep is set and the child was collected. */
static void remove_child_files(fc_engine_result *out, const fc_child_report *c,
                               const fc_slot *slot, uint64_t token, bool keep)
{
    char part[sizeof c->path + 32];
    part_path(part, sizeof part, c->path, token);
    bool ours = slot->stage == FC_STAGE_LINKED;
    if (!ours) {
        /* Died between link() and recording it? Then both names are the same file. */
        struct stat a, b;
        ours = lstat(part, &a) == 0 && lstat(c->path, &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
    }
    remove_noting(out, part, false);
    if (ours && !(keep && c->state == FC_CHILD_COLLECTED))
        remove_noting(out, c->path, false);
}

/* ==== The child ==== */

static void child_fail(fc_slot *slot, const fc_error *e)
{
    slot->error = *e;
    _exit(CHILD_REPORTED_FAILURE);
}

static void child_main(const fc_engine_config *cfg, const fc_child_report *me, fc_slot *slot,
                       const char *dir, pid_t parent, uint64_t token) __attribute__((noreturn));
static void child_main(const fc_engine_config *cfg, const fc_child_report *me, fc_slot *slot,
                       const char *dir, pid_t parent, uint64_t token)
{
    fc_error err = {0};
    fc_dataset d = {0};
    fc_buffer enc = {0};
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    setpgid(0, 0); /* its own process group, so a timeout can kill all it started */
#ifndef __linux__
    (void)parent;
#else
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* and it never outlives its parent */
    if (getppid() != parent) /* it died before the line above */
        _exit(CHILD_REPORTED_FAILURE);
#endif

    uint64_t t0 = fc_now_ns();
    if (fc_dataset_reserve(&d, (size_t)me->count, &err) != 0)
        child_fail(slot, &err);
    for (uint64_t k = 0; k < me->count; k++)
        d.keys[k] = me->first_key + k, d.values[k] = fc_calc(me->first_key + k, cfg->iterations);
    d.count = (size_t)me->count;
    uint64_t t1 = fc_now_ns();
    if (cfg->codec->encode(&d, &enc, &err) != 0)
        child_fail(slot, &err);
    uint64_t t2 = fc_now_ns();
    char path[sizeof me->path], part[sizeof me->path + 32];
    result_path(path, sizeof path, dir, getppid(), getpid(), cfg->codec->extension);
    part_path(part, sizeof part, path, token);
    if (fc_file_write_new_staged(path, part, enc.data, enc.len, &slot->stage, &err) != 0)
        child_fail(slot, &err);
    uint64_t t3 = fc_now_ns();
    slot->compute_ns = t1 - t0;
    slot->encode_ns = t2 - t1;
    slot->write_ns = t3 - t2;
    slot->bytes = enc.len;
    slot->crc = fc_crc32c(0, enc.data, enc.len);
    slot->done = 1;
    _exit(0);
}

/* ==== The parent ==== */

static int child_failed(fc_child_report *c, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int child_failed(fc_child_report *c, int code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    c->state = FC_CHILD_FAILED;
    fc_fail(&c->error, code, 0, "child %ld (keys %llu..%llu): %s", (long)c->pid,
            (unsigned long long)c->first_key, (unsigned long long)(c->first_key + c->count - 1),
            what);
    return code;
}

/* Checks a decoded child's records against its range and merges them. On failure
 * nothing of this child stays merged, so a retry starts clean. */
static int merge(run *r, fc_child_report *c)
{
    uint64_t start = r->cfg->start;
    if (r->part.count != c->count)
        return child_failed(c, FC_EKEYS, "%s holds %zu records, expected %llu", c->path,
                            r->part.count, (unsigned long long)c->count);
    for (size_t i = 0; i < r->part.count; i++) {
        uint64_t k = r->part.keys[i];
        int bad = k < c->first_key || k - c->first_key >= c->count ? 1
                  : r->seen[k - start]                            ? 2
                                                                  : 0;
        if (bad) {
            for (size_t j = 0; j < i; j++)
                r->seen[r->part.keys[j] - start] = 0;
            if (bad == 1)
                return child_failed(c, FC_EKEYS, "%s: record %zu has key %llu, outside the range",
                                    c->path, i, (unsigned long long)k);
            return child_failed(c, FC_EKEYS, "%s: key %llu appears twice", c->path,
                                (unsigned long long)k);
        }
        r->seen[k - start] = 1;
        r->out->data.values[k - start] = r->part.values[i];
    }
    return 0;
}

/* Reaps child c, whose pipe said it has exited, and collects its file. */
static void collect(run *r, fc_child_report *c)
{
    fc_slot *slot = &r->slots[c->index];
    const fc_codec *codec = r->cfg->codec;
    int status = 0;
    struct rusage ru = {0};
    pid_t got;
    while ((got = wait4(c->pid, &status, 0, &ru)) < 0 && errno == EINTR)
        ;
    int wait_errno = got < 0 ? errno : 0;
    c->status = status;
    c->max_rss_kib = ru.ru_maxrss;
    c->compute_ns = slot->compute_ns;
    c->encode_ns = slot->encode_ns;
    c->write_ns = slot->write_ns;
    c->file_bytes = slot->bytes;

    if (got < 0) { /* its status is unknown: never guess it */
        child_failed(c, FC_ECHILD, "its exit status could not be read (waitpid: %s); "
                     "something else in this process reaps children", strerror(wait_errno));
    } else if (c->timed_out) {
        child_failed(c, FC_ECHILD, "still running after the %.3f s timeout: killed with "
                     "its process group", r->cfg->timeout_ms / 1000.0);
    } else if (WIFSIGNALED(status)) {
        child_failed(c, FC_ECHILD, "killed by signal %d (%s)", WTERMSIG(status),
                     strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) == CHILD_REPORTED_FAILURE && slot->error.code != 0) {
        child_failed(c, slot->error.code, "%s", slot->error.msg);
    } else if (WEXITSTATUS(status) != 0) {
        child_failed(c, FC_ECHILD, "exited with status %d", WEXITSTATUS(status));
    } else if (!slot->done) {
        child_failed(c, FC_ECHILD, "exited without reporting its results");
    } else {
        fc_error e = {0};
        r->file.len = 0;
        r->part.count = 0;
        uint64_t t0 = fc_now_ns();
        if (fc_file_read(c->path, &r->file, &e) != 0) {
            child_failed(c, e.code, "result file: %s", e.msg);
        } else if (r->file.len != slot->bytes) {
            child_failed(c, FC_ECHECKSUM, "%s is %zu bytes, the child wrote %llu", c->path,
                         r->file.len, (unsigned long long)slot->bytes);
        } else if (fc_crc32c(0, r->file.data, r->file.len) != slot->crc) {
            child_failed(c, FC_ECHECKSUM, "%s: CRC-32C differs from what the child wrote",
                         c->path);
        } else {
            uint64_t t1 = fc_now_ns();
            if (codec->decode(r->file.data, r->file.len, &r->part, &e) != 0)
                child_failed(c, e.code, "%s (%s): %s", c->path, codec->name, e.msg);
            else if (merge(r, c) == 0)
                c->state = FC_CHILD_COLLECTED;
            c->read_ns = t1 - t0;
            c->decode_ns = fc_now_ns() - t1;
        }
    }
    remove_child_files(r->out, c, slot, r->token[c->index], r->cfg->keep);
}

/* Stops every child still running (and its process group), reaps it and removes what
 * it wrote; ranges never started are marked as such. */
static void stop_children(run *r)
{
    fc_engine_result *out = r->out;
    for (unsigned i = 0; i < out->nchildren; i++) {
        fc_child_report *c = &out->children[i];
        if (c->state != FC_CHILD_RUNNING)
            continue;
        if (r->pipes[i] < 0) {
            c->state = FC_CHILD_FAILED;
            if (c->error.code == 0)
                fc_fail(&c->error, FC_ECHILD, 0, "keys %llu..%llu: never started",
                        (unsigned long long)c->first_key,
                        (unsigned long long)(c->first_key + c->count - 1));
            continue;
        }
        kill(-c->pid, SIGKILL);
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
            ;
        close(r->pipes[i]);
        r->pipes[i] = -1;
        c->state = FC_CHILD_FAILED;
        fc_fail(&c->error, FC_EINTR, 0, "child %ld: stopped", (long)c->pid);
        remove_child_files(r->out, c, &r->slots[i], r->token[i], false);
    }
}

static bool cancelled(const run *r)
{
    return r->cfg->cancel && *r->cfg->cancel;
}

/* 8 random bytes for a temporary file's name: getrandom(), or /dev/urandom where that
 * is missing (an old kernel, a sandbox whose seccomp filter answers ENOSYS). */
static int random_token(uint64_t *token, fc_error *err)
{
    ssize_t n;
    while ((n = getrandom(token, sizeof *token, 0)) < 0 && errno == EINTR)
        ;
    if (n == (ssize_t)sizeof *token)
        return 0;
    int e = n < 0 ? errno : 0, fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        while ((n = read(fd, token, sizeof *token)) < 0 && errno == EINTR)
            ;
        close(fd);
        if (n == (ssize_t)sizeof *token)
            return 0;
    }
    return fc_fail(err, FC_EIO, e, "no random bytes for a temporary file name: getrandom: "
                   "%s; /dev/urandom: %s", e ? strerror(e) : "short read",
                   fd < 0 ? strerror(errno) : "short read");
}

/* Which limit a failed spawn() ran into: one that fewer children at once may avoid. */
enum { LIMIT_NONE, LIMIT_PROCS, LIMIT_FDS };

/* Forks a child for range i. Returns 0, or an error after which no child exists, and
 * sets *hit if the error was a process limit (fork: EAGAIN) or an open-file limit
 * (pipe: EMFILE, ENFILE). */
static int spawn(run *r, unsigned i, int *hit, fc_error *err)
{
    fc_child_report *c = &r->out->children[i];
    int fds[2];
    if (random_token(&r->token[i], err) != 0)
        return err->code;
    if (pipe(fds) != 0) {
        int e = errno;
        *hit = e == EMFILE || e == ENFILE ? LIMIT_FDS : LIMIT_NONE;
        return fc_fail(err, FC_EIO, e, "pipe for keys %llu..%llu failed: %s%s",
                       (unsigned long long)c->first_key,
                       (unsigned long long)(c->first_key + c->count - 1), strerror(e),
                       e == EMFILE || e == ENFILE ? " (the open-file limit, ulimit -n: each "
                                                    "running child takes one)" : "");
    }
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    memset(&r->slots[i], 0, sizeof r->slots[i]);
    pid_t parent = getpid();
    pid_t pid = r->cfg->fork_fn ? r->cfg->fork_fn() : fork();
    if (pid < 0) {
        int e = errno;
        *hit = e == EAGAIN ? LIMIT_PROCS : LIMIT_NONE;
        close(fds[0]);
        close(fds[1]);
        return fc_fail(err, FC_EIO, e, "fork for keys %llu..%llu failed: %s",
                       (unsigned long long)c->first_key,
                       (unsigned long long)(c->first_key + c->count - 1), strerror(e));
    }
    if (pid == 0) {
        close(fds[0]);
        child_main(r->cfg, c, &r->slots[i], r->out->dir, parent, r->token[i]); /* fds[1] open */
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(fds[1]);
    r->pipes[i] = fds[0];
    r->deadline[i] = r->cfg->timeout_ms ? fc_now_ns() + r->cfg->timeout_ms * 1000000ull : 0;
    c->pid = pid;
    c->attempts++;
    r->out->forked++;
    c->timed_out = c->retrying = false;
    c->state = FC_CHILD_RUNNING;
    memset(&c->error, 0, sizeof c->error);
    result_path(c->path, sizeof c->path, r->out->dir, getpid(), pid, r->cfg->codec->extension);
    r->running++;
    if (r->running > r->out->max_parallel)
        r->out->max_parallel = r->running;
    if (r->cfg->on_fork)
        r->cfg->on_fork(c, r->cfg->ctx);
    return 0;
}

/* Starts queued ranges while fewer than `limit` children run. A fork that fails with
 * EAGAIN (a process limit), or a pipe that fails with EMFILE or ENFILE (an open-file
 * limit), while others run lowers the limit instead of failing the run. */
static int start_queued(run *r, unsigned *limit, fc_error *err)
{
    while (r->queued > 0 && r->running < *limit && !cancelled(r)) {
        fc_error e = {0};
        int hit = LIMIT_NONE;
        if (spawn(r, r->queue[0], &hit, &e) != 0) {
            if (hit != LIMIT_NONE && r->running > 0) {
                *limit = r->running;
                r->out->fork_limited |= hit == LIMIT_PROCS;
                r->out->fd_limited |= hit == LIMIT_FDS;
                return 0;
            }
            *err = e;
            return e.code;
        }
        memmove(r->queue, r->queue + 1, --r->queued * sizeof *r->queue);
    }
    return 0;
}

/* True if child pid has exited (it is a zombie, not yet reaped). */
static bool has_exited(pid_t pid)
{
    siginfo_t info;
    int rc;
    do {
        memset(&info, 0, sizeof info);
        rc = waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT);
    } while (rc < 0 && errno == EINTR);
    return rc == 0 && info.si_pid == pid;
}

/* Kills, with its process group, every child past its deadline; returns the
 * milliseconds until the next deadline (at most 200). A child that has already exited
 * is not a timeout, however late the parent looks (it may have been busy collecting
 * another child): only what it left running in its group is killed. */
static int enforce_deadlines(run *r)
{
    uint64_t now = fc_now_ns(), next = now + 200000000u;
    for (unsigned i = 0; i < r->out->nchildren; i++) {
        fc_child_report *c = &r->out->children[i];
        if (r->pipes[i] < 0 || !r->deadline[i] || c->timed_out)
            continue;
        if (now >= r->deadline[i]) {
            c->timed_out = !has_exited(c->pid);
            kill(-c->pid, SIGKILL);
            if (c->timed_out)
                kill(c->pid, SIGKILL);
        } else if (r->deadline[i] < next) {
            next = r->deadline[i];
        }
    }
    return (int)((next - now + 999999) / 1000000);
}

/* Runs every range to completion (or failure), at most cfg->workers at once. */
static int schedule(run *r, fc_error *err)
{
    unsigned n = r->out->nchildren, limit = n;
    struct pollfd *pfd = calloc(n, sizeof *pfd);
    unsigned *who = calloc(n, sizeof *who);
    int rc = 0;
    if (!pfd || !who)
        rc = fc_fail(err, FC_ENOMEM, 0, "out of memory");
    while (rc == 0 && (r->queued > 0 || r->running > 0)) {
        if (cancelled(r)) {
            rc = fc_fail(err, FC_EINTR, 0, "interrupted: children stopped, files removed");
            break;
        }
        if ((rc = start_queued(r, &limit, err)) != 0)
            break;
        if (r->running == 0)
            continue;
        int wait_ms = enforce_deadlines(r);
        nfds_t m = 0;
        for (unsigned i = 0; i < n; i++)
            if (r->pipes[i] >= 0) {
                pfd[m] = (struct pollfd){.fd = r->pipes[i], .events = POLLIN};
                who[m++] = i;
            }
        int ready = poll(pfd, m, wait_ms);
        if (ready < 0 && errno != EINTR) {
            rc = fc_fail(err, FC_EIO, errno, "poll: %s", strerror(errno));
            break;
        }
        for (nfds_t k = 0; ready > 0 && k < m; k++) {
            if (!(pfd[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            unsigned i = who[k];
            char byte;
            if (read(r->pipes[i], &byte, 1) > 0)
                continue; /* children write nothing, but be safe */
            close(r->pipes[i]);
            r->pipes[i] = -1;
            r->running--;
            fc_child_report *c = &r->out->children[i];
            collect(r, c);
            if (c->state == FC_CHILD_FAILED && c->attempts <= r->cfg->retries) {
                c->retrying = true;
                r->queue[r->queued++] = i;
            }
            if (r->cfg->on_collect)
                r->cfg->on_collect(c, r->cfg->ctx);
            if (c->retrying)
                c->state = FC_CHILD_RUNNING; /* queued again */
        }
    }
    free(pfd);
    free(who);
    return rc;
}

static int check_config(const fc_engine_config *cfg, fc_error *err)
{
    if (!cfg->codec)
        return fc_fail(err, FC_EINVAL, 0, "no format given");
    if (cfg->count == 0)
        return fc_fail(err, FC_EINVAL, 0, "the count of numbers must be at least 1");
    if (cfg->count - 1 > UINT64_MAX - cfg->start)
        return fc_fail(err, FC_EINVAL, 0, "numbers %llu + %llu run past 2^64-1",
                       (unsigned long long)cfg->start, (unsigned long long)cfg->count);
    if (cfg->count > SIZE_MAX / 32)
        return fc_fail(err, FC_EINVAL, 0, "%llu numbers do not fit in memory",
                       (unsigned long long)cfg->count);
    if (cfg->workers == 0)
        return fc_fail(err, FC_EINVAL, 0, "the number of workers must be at least 1");
    return 0;
}

static int prepare_dir(const fc_engine_config *cfg, fc_engine_result *out, bool *private_dir,
                       fc_error *err)
{
    if (cfg->dir) {
        struct stat st;
        if (strlen(cfg->dir) > sizeof out->dir - 64)
            return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "%s: path too long", cfg->dir);
        if (stat(cfg->dir, &st) != 0)
            return fc_fail(err, FC_EIO, errno, "%s: %s", cfg->dir, strerror(errno));
        if (!S_ISDIR(st.st_mode))
            return fc_fail(err, FC_EIO, ENOTDIR, "%s: not a directory", cfg->dir);
        if (access(cfg->dir, W_OK | X_OK) != 0)
            return fc_fail(err, FC_EIO, errno, "%s: not writable: %s", cfg->dir,
                           strerror(errno));
        memcpy(out->dir, cfg->dir, strlen(cfg->dir) + 1);
        *private_dir = false;
        return 0;
    }
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
        tmp = "/tmp";
    if (strlen(tmp) > sizeof out->dir - 128)
        return fc_fail(err, FC_EINVAL, ENAMETOOLONG, "TMPDIR %s: path too long", tmp);
    /* The pid says whose it is, if a parent killed with SIGKILL leaves it behind. */
    snprintf(out->dir, sizeof out->dir, "%s/forkcollect-%ld-XXXXXX", tmp, (long)getpid());
    if (!mkdtemp(out->dir))
        return fc_fail(err, FC_EIO, errno, "cannot make a directory under %s: %s", tmp,
                       strerror(errno));
    *private_dir = true;
    return 0;
}

static int run_engine(const fc_engine_config *cfg, fc_engine_result *out, fc_error *err)
{
    memset(out, 0, sizeof *out);
    int rc = check_config(cfg, err);
    if (rc)
        return rc;
    run r = {.cfg = cfg, .out = out};
    unsigned n = fc_split_parts(cfg->count, cfg->workers);
    size_t count = (size_t)cfg->count;

    out->children = calloc(n, sizeof *out->children);
    r.pipes = malloc(n * sizeof *r.pipes);
    r.deadline = calloc(n, sizeof *r.deadline);
    r.token = calloc(n, sizeof *r.token);
    r.queue = malloc(n * sizeof *r.queue);
    r.seen = calloc(count, 1);
    for (unsigned i = 0; r.pipes && i < n; i++)
        r.pipes[i] = -1;
    if (!out->children || !r.pipes || !r.deadline || !r.token || !r.queue || !r.seen) {
        rc = fc_fail(err, FC_ENOMEM, 0, "out of memory for %u children", n);
        goto done;
    }
    out->nchildren = n;
    for (unsigned i = 0; i < n; i++) {
        fc_child_report *c = &out->children[i];
        uint64_t off, len;
        fc_split(cfg->count, n, i, &off, &len);
        c->index = i;
        c->first_key = cfg->start + off;
        c->count = len;
        r.queue[r.queued++] = i;
    }
    if ((rc = fc_dataset_reserve(&out->data, count, err)) != 0)
        goto done;
    for (size_t i = 0; i < count; i++)
        out->data.keys[i] = cfg->start + i;
    out->data.count = count;
    r.slots = mmap(NULL, n * sizeof *r.slots, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                   -1, 0);
    if (r.slots == MAP_FAILED) {
        r.slots = NULL;
        rc = fc_fail(err, FC_EIO, errno, "mmap of %u slots: %s", n, strerror(errno));
        goto done;
    }
    if ((rc = prepare_dir(cfg, out, &r.private_dir, err)) != 0)
        goto done;

    uint64_t t0 = fc_now_ns();
    rc = schedule(&r, err);
    if (rc == 0 && cancelled(&r))
        rc = fc_fail(err, FC_EINTR, 0, "interrupted: children stopped, files removed");
    stop_children(&r);
    out->elapsed_ns = fc_now_ns() - t0;
    for (unsigned i = 0; rc == 0 && i < n; i++)
        if (out->children[i].state != FC_CHILD_COLLECTED)
            rc = fc_fail(err, FC_ECHILD, 0, "%s", out->children[i].error.msg);

done:
    for (unsigned i = 0; r.pipes && i < out->nchildren; i++)
        if (r.pipes[i] >= 0)
            close(r.pipes[i]);
    if (r.private_dir && !cfg->keep)
        remove_noting(out, out->dir, true);
    if (r.slots)
        munmap(r.slots, n * sizeof *r.slots);
    free(r.pipes);
    free(r.deadline);
    free(r.token);
    free(r.queue);
    free(r.seen);
    fc_buffer_free(&r.file);
    fc_dataset_free(&r.part);
    return rc;
}

/* With SIGCHLD ignored, or SA_NOCLDWAIT set, the kernel reaps children itself and
 * waitpid() finds none. For the run, SIGCHLD is given its default action (a handler is
 * kept, without SA_NOCLDWAIT); *saved is what to put back. Returns true if it changed. */
static bool sigchld_for_run(struct sigaction *saved)
{
    if (sigaction(SIGCHLD, NULL, saved) != 0)
        return false;
    bool ignored = !(saved->sa_flags & SA_SIGINFO) && saved->sa_handler == SIG_IGN;
    if (!ignored && !(saved->sa_flags & SA_NOCLDWAIT))
        return false;
    struct sigaction sa = *saved;
    sa.sa_flags &= ~SA_NOCLDWAIT;
    if (ignored)
        sa.sa_handler = SIG_DFL;
    return sigaction(SIGCHLD, &sa, NULL) == 0;
}

int fc_engine_run(const fc_engine_config *cfg, fc_engine_result *out, fc_error *err)
{
    struct sigaction saved;
    bool changed = sigchld_for_run(&saved);
    int rc = run_engine(cfg, out, err);
    if (changed)
        sigaction(SIGCHLD, &saved, NULL);
    return rc;
}

void fc_engine_result_free(fc_engine_result *res)
{
    fc_dataset_free(&res->data);
    free(res->children);
    memset(res, 0, sizeof *res);
}
