/* engine.c - the fork driver: one child per part, each child's encoding collected as it
 * ends, through a transport (core/transport.h).
 *
 *   parent                                   child i
 *   ------                                   -------
 *   fc_collector_open: the plan, the parts
 *   mmap one shared slot per child
 *   pipe(); fork() ───────────────────────▶  the work function over its range
 *   close the pipe's write end               encode with the codec
 *                                            transport->send: a file
 *                                              <dir>/<ppid>-<pid>.<ext>, or its bytes on
 *                                              the pipe
 *                                            fill its slot (times, size, CRC); _exit
 *   poll() the read ends: data is read as   ◀── exit closes the child's write end
 *   it comes (transport->receive); EOF on
 *   child i's pipe means it has exited, so
 *   waitpid(that pid): only our own children are reaped, in the order they end,
 *   with no SIGCHLD handler. Then: exit status, transport->fetch (the bytes and what
 *   the child said it sent), fc_collector_accept (size, CRC, decode, keys, merge),
 *   transport->discard.
 *
 * Scheduling: parts wait in a queue and at most `workers` children run at once.
 * A failed part goes back to the queue while it has retries left. A child past its
 * deadline is killed with its whole process group (each child leads its own group).
 * If fork() fails with EAGAIN, or pipe() with EMFILE or ENFILE, while children are
 * running, the run goes on with that many at once (fc_engine_result.fork_limited,
 * fd_limited) instead of failing.
 *
 * A failed child is recorded in its report and collection goes on, so every
 * failure is reported, not just the first; the run then returns FC_ECHILD.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* strsignal */
#include "transport.h"
#include "fc_shapes.h"

#include <errno.h>
#include <fcntl.h>
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

/* Exit status of a child that failed and said why in its slot. */
#define CHILD_REPORTED_FAILURE 70

typedef struct fork_run {
    const fc_engine_config *cfg;
    const fc_transport *t;
    fc_engine_result *out;
    fc_collector *col;
    fc_slot *slots;        /* shared with the children */
    fc_xfer *xfers;        /* per part: its child's transfer (fd -1 when none runs) */
    uint64_t *deadline;    /* per running child: fc_now_ns() past which it is killed */
    unsigned *queue;       /* parts waiting for a child, in order */
    unsigned queued, running;
    fc_buffer file;        /* the one undecoded file the parent holds (file transport) */
    bool private_dir;
    fc_janitor jan;        /* cleans up if the parent is killed (core/janitor.c) */
} fork_run;

static bool cancelled(const fork_run *r)
{
    return r->cfg->cancel && *r->cfg->cancel;
}

/* ==== The child ==== */

static void child_fail(fc_slot *slot, const fc_error *e)
{
    slot->error = *e;
    _exit(CHILD_REPORTED_FAILURE);
}

/* What a child does before its work: its own signals, process group and parent. */
static void child_setup(fork_run *r, unsigned me, pid_t parent)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    setpgid(0, 0); /* its own process group, so a timeout can kill all it started */
    for (unsigned i = 0; i < r->out->nchildren; i++) /* its siblings' read ends */
        if (i != me && r->xfers[i].fd >= 0)
            close(r->xfers[i].fd);
#ifndef __linux__
    (void)parent;
#else
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* and it never outlives its parent */
    if (getppid() != parent) /* it died before the line above */
        _exit(CHILD_REPORTED_FAILURE);
#endif
    /* If the parent dies, the janitor kills this child's process group (which
     * PR_SET_PDEATHSIG does not reach); a transport that makes files names them later. */
    fc_janitor_watch(&r->jan, NULL, NULL, NULL);
}

/* A part of another shape than numbers: its records made (or cut from the input),
 * then encoded into enc; *made is when the making ended. */
static int make_records(const fc_engine_config *cfg, const fc_child_report *part,
                        fc_buffer *enc, uint64_t *made, fc_error *err)
{
    fc_records made_here = {0}, cut = {0};
    const fc_records *rec = &made_here;
    int rc = 0;
    if (cfg->shape == FC_SHAPE_INPUT) {
        size_t first = (size_t)part->first_key;
        cut.keys = cfg->input->keys + first;
        cut.values = cfg->input->values + first;
        cut.count = (size_t)part->count;
        rec = &cut;
    } else {
        rc = fc_shape_records((enum fc_shape)cfg->shape, part->first_key, part->count,
                              cfg->iterations, &made_here, err);
    }
    *made = fc_now_ns();
    if (rc == 0)
        rc = cfg->codec->encode_records(rec, cfg->shape, enc, err);
    fc_records_free(&made_here);
    return rc;
}

static void child_main(fork_run *r, unsigned me, int fd, pid_t parent)
    __attribute__((noreturn));
static void child_main(fork_run *r, unsigned me, int fd, pid_t parent)
{
    const fc_engine_config *cfg = r->cfg;
    fc_xfer *x = &r->xfers[me];
    fc_slot *slot = x->slot;
    fc_error err = {0};
    fc_dataset d = {0};
    fc_buffer enc = {0};
    child_setup(r, me, parent);
    x->fd = fd;
    uint64_t t0 = fc_now_ns(), t1, t2;
    if (cfg->shape != 0) {
        if (make_records(cfg, x->report, &enc, &t1, &err) != 0)
            child_fail(slot, &err);
        t2 = fc_now_ns();
    } else {
        fc_work_fn work = cfg->work ? cfg->work : fc_work_calc;
        if (work(x->report->first_key, x->report->count, cfg->iterations, cfg->work_ctx, &d,
                 &err) != 0)
            child_fail(slot, &err);
        t1 = fc_now_ns();
        if (cfg->codec->encode(&d, &enc, &err) != 0)
            child_fail(slot, &err);
        t2 = fc_now_ns();
    }
    slot->bytes = enc.len;
    slot->crc = fc_crc32c(0, enc.data, enc.len);
    if (r->t->send(x, &enc, &err) != 0)
        child_fail(slot, &err);
    uint64_t t3 = fc_now_ns();
    slot->compute_ns = t1 - t0;
    slot->encode_ns = t2 - t1;
    slot->write_ns = t3 - t2;
    slot->done = 1;
    _exit(0);
}

/* ==== The parent ==== */

/* Reaps child i, whose pipe said it has exited: its status, then its bytes. */
static void collect(fork_run *r, unsigned i)
{
    fc_xfer *x = &r->xfers[i];
    fc_child_report *c = x->report;
    fc_slot *slot = x->slot;
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
        fc_collector_fail(r->col, i, FC_ECHILD, "its exit status could not be read (waitpid: "
                          "%s); something else in this process reaps children",
                          strerror(wait_errno));
    } else if (x->read_errno) { /* its results were lost, whatever it did next */
        fc_collector_fail(r->col, i, FC_EIO, "reading its results from the pipe failed: %s",
                          strerror(x->read_errno));
    } else if (c->timed_out) {
        fc_collector_fail(r->col, i, FC_ECHILD, "still running after the %.3f s timeout: "
                          "killed with its process group", r->cfg->timeout_ms / 1000.0);
    } else if (WIFSIGNALED(status)) {
        fc_collector_fail(r->col, i, FC_ECHILD, "killed by signal %d (%s)", WTERMSIG(status),
                          strsignal(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) == CHILD_REPORTED_FAILURE && slot->error.code != 0) {
        fc_collector_fail(r->col, i, slot->error.code, "%s", slot->error.msg);
    } else if (WEXITSTATUS(status) != 0) {
        fc_collector_fail(r->col, i, FC_ECHILD, "exited with status %d", WEXITSTATUS(status));
    } else if (!slot->done) {
        fc_collector_fail(r->col, i, FC_ECHILD, "exited without reporting its results");
    } else {
        const uint8_t *data = NULL;
        size_t len = 0;
        fc_part_sent sent;
        const char *source = "";
        fc_error e = {0};
        c->decode_ns = 0;
        uint64_t t0 = fc_now_ns();
        if (r->t->fetch(x, &r->file, &data, &len, &sent, &source, &e) != 0)
            fc_collector_fail(r->col, i, e.code, "%s", e.msg);
        else
            fc_collector_accept(r->col, i, data, len, &sent, source, NULL);
        c->read_ns = fc_now_ns() - t0 - c->decode_ns;
    }
    r->t->discard(x, r->out, r->cfg->keep);
    fc_janitor_forget(&r->jan, c->pid, r->cfg->keep && c->state == FC_CHILD_COLLECTED);
}

/* Stops every child still running (and its process group), reaps it and removes what
 * it wrote. Parts never started are left to fc_collector_close. */
static void stop_children(fork_run *r)
{
    for (unsigned i = 0; i < r->out->nchildren; i++) {
        fc_xfer *x = &r->xfers[i];
        fc_child_report *c = x->report;
        if (c->state != FC_CHILD_RUNNING || x->fd < 0)
            continue;
        kill(-c->pid, SIGKILL);
        kill(c->pid, SIGKILL);
        while (waitpid(c->pid, &c->status, 0) < 0 && errno == EINTR)
            ;
        close(x->fd);
        x->fd = -1;
        c->state = FC_CHILD_FAILED;
        fc_fail(&c->error, FC_EINTR, 0, "child %ld: stopped", (long)c->pid);
        r->t->discard(x, r->out, false);
        fc_janitor_forget(&r->jan, c->pid, false);
    }
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

/* The pipe for part i's child; sets *hit for the open-file limit. */
static int open_pipe(const fc_child_report *c, int fds[2], int *hit, fc_error *err)
{
    if (pipe(fds) == 0) {
        fcntl(fds[0], F_SETFD, FD_CLOEXEC);
        fcntl(fds[0], F_SETFL, O_NONBLOCK);
        return 0;
    }
    int e = errno;
    *hit = e == EMFILE || e == ENFILE ? LIMIT_FDS : LIMIT_NONE;
    return fc_fail(err, FC_EIO, e, "pipe for keys %llu..%llu failed: %s%s",
                   (unsigned long long)c->first_key,
                   (unsigned long long)(c->first_key + c->count - 1), strerror(e),
                   e == EMFILE || e == ENFILE ? " (the open-file limit, ulimit -n: each "
                                                "running child takes one)" : "");
}

/* The parent's bookkeeping once child pid runs part i on read end fd. */
static void started(fork_run *r, unsigned i, pid_t pid, int fd)
{
    fc_xfer *x = &r->xfers[i];
    fc_child_report *c = x->report;
    x->fd = fd;
    r->deadline[i] = r->cfg->timeout_ms ? fc_now_ns() + r->cfg->timeout_ms * 1000000ull : 0;
    c->pid = pid;
    c->attempts++;
    r->out->forked++;
    c->timed_out = c->retrying = false;
    c->state = FC_CHILD_RUNNING;
    memset(&c->error, 0, sizeof c->error);
    r->t->begin(x);
    r->running++;
    if (r->running > r->out->max_parallel)
        r->out->max_parallel = r->running;
    if (r->cfg->on_fork)
        r->cfg->on_fork(c, r->cfg->ctx);
}

/* Forks a child for part i. Returns 0, or an error after which no child exists, and
 * sets *hit if the error was a process limit (fork: EAGAIN) or an open-file limit
 * (pipe: EMFILE, ENFILE). */
static int spawn(fork_run *r, unsigned i, int *hit, fc_error *err)
{
    fc_xfer *x = &r->xfers[i];
    const fc_child_report *c = x->report;
    int fds[2];
    if (random_token(&x->token, err) != 0)
        return err->code;
    if (open_pipe(c, fds, hit, err) != 0)
        return err->code;
    memset(x->slot, 0, sizeof *x->slot);
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
        child_main(r, i, fds[1], parent);
    }
    setpgid(pid, pid); /* as the child does: whichever runs first */
    close(fds[1]);
    started(r, i, pid, fds[0]);
    return 0;
}

/* Starts queued parts while fewer than `limit` children run. A fork that fails with
 * EAGAIN (a process limit), or a pipe that fails with EMFILE or ENFILE (an open-file
 * limit), while others run lowers the limit instead of failing the run. */
static int start_queued(fork_run *r, unsigned *limit, fc_error *err)
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
static int enforce_deadlines(fork_run *r)
{
    uint64_t now = fc_now_ns(), next = now + 200000000u;
    for (unsigned i = 0; i < r->out->nchildren; i++) {
        fc_child_report *c = &r->out->children[i];
        if (r->xfers[i].fd < 0 || !r->deadline[i] || c->timed_out)
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

/* A child's pipe is readable (or closed): reads it; at EOF the child has exited, and
 * is collected, retried or failed. */
static void on_readable(fork_run *r, unsigned i)
{
    fc_xfer *x = &r->xfers[i];
    if (r->t->receive(x) == 0)
        return;
    close(x->fd);
    x->fd = -1;
    r->running--;
    fc_child_report *c = x->report;
    collect(r, i);
    if (c->state == FC_CHILD_FAILED && c->attempts <= r->cfg->retries) {
        c->retrying = true;
        r->queue[r->queued++] = i;
    }
    if (r->cfg->on_collect)
        r->cfg->on_collect(c, r->cfg->ctx);
    if (c->retrying)
        c->state = FC_CHILD_RUNNING; /* queued again */
}

/* Runs every part to completion (or failure), at most cfg->workers at once. */
static int schedule(fork_run *r, fc_error *err)
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
            if (r->xfers[i].fd >= 0) {
                pfd[m] = (struct pollfd){.fd = r->xfers[i].fd, .events = POLLIN};
                who[m++] = i;
            }
        int ready = poll(pfd, m, wait_ms);
        if (ready < 0 && errno != EINTR) {
            rc = fc_fail(err, FC_EIO, errno, "poll: %s", strerror(errno));
            break;
        }
        for (nfds_t k = 0; ready > 0 && k < m; k++)
            if (pfd[k].revents & (POLLIN | POLLHUP | POLLERR))
                on_readable(r, who[k]);
    }
    free(pfd);
    free(who);
    return rc;
}

/* The driver's own memory: a transfer, a deadline and a queue place per part, and the
 * slots shared with the children. */
static int allocate(fork_run *r, fc_error *err)
{
    unsigned n = r->out->nchildren;
    r->xfers = calloc(n, sizeof *r->xfers);
    r->deadline = calloc(n, sizeof *r->deadline);
    r->queue = malloc(n * sizeof *r->queue);
    if (!r->xfers || !r->deadline || !r->queue)
        return fc_fail(err, FC_ENOMEM, 0, "out of memory for %u children", n);
    r->slots = mmap(NULL, n * sizeof *r->slots, PROT_READ | PROT_WRITE,
                    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (r->slots == MAP_FAILED) {
        r->slots = NULL;
        return fc_fail(err, FC_EIO, errno, "mmap of %u slots: %s", n, strerror(errno));
    }
    for (unsigned i = 0; i < n; i++) {
        r->xfers[i] = (fc_xfer){.cfg = r->cfg, .report = &r->out->children[i],
                                .slot = &r->slots[i], .dir = r->out->dir, .jan = &r->jan,
                                .fd = -1};
        r->queue[r->queued++] = i;
    }
    return 0;
}

static void release(fork_run *r)
{
    unsigned n = r->out->nchildren;
    for (unsigned i = 0; r->xfers && i < n; i++) {
        if (r->xfers[i].fd >= 0)
            close(r->xfers[i].fd);
        fc_buffer_free(&r->xfers[i].in);
    }
    if (r->slots)
        munmap(r->slots, n * sizeof *r->slots);
    free(r->xfers);
    free(r->deadline);
    free(r->queue);
    fc_buffer_free(&r->file);
}

/* The user's own records must hold the keys asked for. */
static int check_shape(const fc_engine_config *cfg, fc_error *err)
{
    if (cfg->shape != FC_SHAPE_INPUT)
        return 0;
    if (!cfg->input || cfg->start > cfg->input->count ||
        cfg->count > cfg->input->count - cfg->start)
        return fc_fail(err, FC_EINVAL, 0, "records %llu..%llu asked of an input of %zu records",
                       (unsigned long long)cfg->start,
                       (unsigned long long)(cfg->start + cfg->count - 1),
                       cfg->input ? cfg->input->count : 0);
    return 0;
}

static int run_engine(const fc_engine_config *cfg, fc_engine_result *out, fc_error *err)
{
    fork_run r = {.cfg = cfg, .out = out, .jan = {0, -1},
                  .t = cfg->transport ? cfg->transport : &fc_transport_file};
    int rc = fc_collector_open(&r.col, cfg->codec, cfg->start, cfg->count, cfg->workers, out,
                               err);
    if (rc)
        return rc;
    if ((rc = check_shape(cfg, err)) != 0 || (rc = fc_collector_set_shape(r.col, cfg->shape, err)) != 0 ||
        (rc = allocate(&r, err)) != 0)
        goto done;
    /* After allocate(): the janitor reads the children's slots, mapped there. Without
     * one, the run goes on. */
    fc_janitor_start(&r.jan, NULL);
    if (r.t->open && (rc = r.t->open(cfg, out, &r.private_dir, &r.jan, err)) != 0)
        goto done;

    uint64_t t0 = fc_now_ns();
    rc = schedule(&r, err);
    if (rc == 0 && cancelled(&r))
        rc = fc_fail(err, FC_EINTR, 0, "interrupted: children stopped, files removed");
    stop_children(&r);
    out->elapsed_ns = fc_now_ns() - t0;

done:
    release(&r);
    int closed = fc_collector_close(r.col, rc ? NULL : err);
    if (rc == 0)
        rc = closed;
    if (r.private_dir && !cfg->keep)
        fc_remove_noting(out, out->dir, true);
    fc_janitor_stop(&r.jan);
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
    if (res->records)
        fc_records_free(res->records);
    free(res->records);
    free(res->children);
    memset(res, 0, sizeof *res);
}
