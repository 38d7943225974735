/* janitor.c - a watcher process that cleans up after a run whose parent was killed with
 * SIGKILL (or died any other way that runs no code of ours).
 *
 *   parent (the engine)                      janitor
 *   -------------------                      -------
 *   socketpair(SEQPACKET); fork() ─────────▶ blocks every signal, reads its end
 *   the private directory's name, before ──▶ notes it
 *     it is made
 *   each child, as it starts: "watch me" ──▶ notes the child (its process group is
 *                                             killed if the parent dies)
 *   each child, before it makes a file: ───▶ notes its two file names and where the
 *     "watch me" again, with the names (the  child records which file it made
 *     child says it, so no moment passes
 *     when a file exists that the janitor
 *     does not know of; the pipe transport
 *     makes none)
 *   once a child is reaped: "forget pid" ──▶ forgets it, or, if its result file is kept
 *     (its files removed, or kept)            (--keep), stops treating it as alive
 *   at the end of the run: "done", close ──▶ exits at once; the parent reaps it
 *
 *   if the parent dies instead, its end of the socket closes with it (the kernel closes
 *   a dead process's descriptors; the children hold a copy, and die with the parent),
 *   and the janitor reads EOF without "done": it kills each live child it was told of,
 *   with its process group, waits until they are gone, removes the temporary file and,
 *   if it is the one the child made, the result file of each (kept ones too: a run
 *   killed midway cannot say what it kept); then the files of a private directory,
 *   and the directory. Then it exits.
 *
 * A grandchild (in a child's process group) holds a copy of the socket and may keep it
 * open past the parent's death, so the janitor also looks every 200 ms whether its
 * parent is still its parent.
 *
 * Messages are SOCK_SEQPACKET records, so the parent's and the children's never mix.
 * The janitor holds no descriptor of the children's pipes, so it never delays the EOF
 * by which the parent learns that a child ended.
 */
#define _DEFAULT_SOURCE /* DT_DIR */
#include "forkcollect.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MSG_WATCH = 'W', MSG_FORGET = 'F', MSG_KEPT = 'K', MSG_DIR = 'P', MSG_DONE = 'D' };

/* One message: the header, then the names: path_len bytes, a NUL, part_len bytes, a
 * NUL (WATCH: the result and temporary names; DIR: the private directory, "" none). */
typedef struct jmsg {
    uint32_t type;
    uint32_t path_len, part_len;
    pid_t pid;
    const volatile fc_file_stage *file; /* in memory shared with the child (MAP_SHARED) */
} jmsg;

#define NAME_MAX_BYTES 4200 /* fc_child_report.path and its .part */
#define MSG_MAX (sizeof(jmsg) + 2 * NAME_MAX_BYTES + 2)

typedef struct watched {
    pid_t pid;
    bool reaped; /* its result file kept: nothing left to kill */
    const volatile fc_file_stage *file;
    char *path, *part;
} watched;

/* ==== The janitor's side ==== */

/* True once pid has ended (gone, or a zombie nobody has reaped yet). */
static bool ended(pid_t pid)
{
    if (kill(pid, 0) != 0)
        return errno == ESRCH;
    char path[64], state = '?';
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    bool gone = !f || fscanf(f, "%*d %*s %c", &state) != 1 || state == 'Z' || state == 'X';
    if (f)
        fclose(f);
    return gone;
}

/* Removes every entry but directories of the private run directory: all of it is the
 * run's (made by the run, mode 0700, holding only its children's files). */
static void empty_private_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_type != DT_DIR)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
}

/* The parent is gone: stop its children and remove what they made. */
static void clean_up(const watched *w, size_t n, const char *dir)
{
    for (size_t i = 0; i < n; i++)
        if (!w[i].reaped) {
            kill(-w[i].pid, SIGKILL);
            kill(w[i].pid, SIGKILL);
        }
    /* A child makes no file once it is dead: wait for that (2 s at most each). */
    for (size_t i = 0; i < n; i++)
        for (int tries = 0; tries < 200 && !w[i].reaped && !ended(w[i].pid); tries++)
            nanosleep(&(struct timespec){0, 10000000}, NULL);
    for (size_t i = 0; i < n; i++) {
        if (w[i].part[0])
            unlink(w[i].part);
        if (w[i].file && fc_file_is(w[i].path, w[i].file))
            unlink(w[i].path);
    }
    struct stat st; /* the private directory, if made: a directory, ours */
    if (!dir[0] || lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
        return;
    empty_private_dir(dir);
    rmdir(dir);
}

/* x's names (and where its child records its file), from a WATCH message. */
static bool set_names(watched *x, const jmsg *m, const char *names)
{
    char *path = strdup(names), *part = strdup(names + m->path_len + 1);
    if (!path || !part) {
        free(path);
        free(part);
        return false;
    }
    free(x->path);
    free(x->part);
    x->path = path;
    x->part = part;
    x->file = m->file;
    return true;
}

/* A WATCH message: child m->pid and its names ("" none: a child is watched as soon as
 * it starts, and again, with its names, before it makes its files). */
static bool note(watched **w, size_t *n, size_t *cap, const jmsg *m, const char *names)
{
    for (size_t i = 0; i < *n; i++)
        if ((*w)[i].pid == m->pid && !(*w)[i].reaped)
            return set_names(&(*w)[i], m, names);
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        watched *p = realloc(*w, c * sizeof *p);
        if (!p)
            return false;
        *w = p;
        *cap = c;
    }
    watched *x = &(*w)[*n];
    *x = (watched){.pid = m->pid};
    if (!set_names(x, m, names))
        return false;
    (*n)++;
    return true;
}

/* FORGET (its files are dealt with) or KEPT (reaped, its result file kept). */
static void forget(watched *w, size_t *n, pid_t pid, bool kept)
{
    for (size_t i = 0; i < *n; i++)
        if (w[i].pid == pid && !w[i].reaped) {
            if (kept) {
                w[i].reaped = true;
                return;
            }
            free(w[i].path);
            free(w[i].part);
            w[i] = w[--*n];
            return;
        }
}

/* Whether the parent has died: we are then someone else's child. A dying process
 * closes its descriptors before its children are given to another parent, so after
 * EOF this waits up to tries × 10 ms for that to happen. */
static bool parent_died(pid_t parent, int tries)
{
    for (int i = 0; getppid() == parent; i++) {
        if (i >= tries)
            return false;
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    }
    return true;
}

/* Whether a message of len bytes is whole: its names fit and end where it says. */
static bool well_formed(const jmsg *m, const char *names, size_t len)
{
    size_t want = sizeof *m + (size_t)m->path_len + 1 + (size_t)m->part_len + 1;
    return len == want && m->path_len < NAME_MAX_BYTES && m->part_len < NAME_MAX_BYTES &&
           names[m->path_len] == '\0' && names[m->path_len + 1 + m->part_len] == '\0';
}

/* Waits until fd can be read; false if the parent died first. A child's own children
 * (its process group) hold a copy of the socket and may outlive the parent, so the
 * EOF may never come: the parent is also looked for every 200 ms. */
static bool readable_or_orphaned(int fd, pid_t parent)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int k;
    while ((k = poll(&p, 1, 200)) <= 0)
        if ((k == 0 || errno != EINTR) && getppid() != parent)
            return false;
    return true;
}

static void janitor_main(int fd, pid_t parent) __attribute__((noreturn));
static void janitor_main(int fd, pid_t parent)
{
    static char dir[NAME_MAX_BYTES];
    static _Alignas(jmsg) char buf[MSG_MAX];
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL); /* a Ctrl-C for the parent is not for us */
    watched *w = NULL;
    size_t n = 0, cap = 0;
    const jmsg *m = (const jmsg *)buf;
    const char *names = buf + sizeof *m;
    ssize_t len;
    for (;;) {
        if (!readable_or_orphaned(fd, parent)) {
            len = 0; /* as EOF: the parent is gone, a grandchild holds the socket */
            break;
        }
        while ((len = read(fd, buf, sizeof buf)) < 0 && errno == EINTR)
            ;
        if (len <= 0 || !well_formed(m, names, (size_t)len) || m->type == MSG_DONE)
            break;
        if (m->type == MSG_FORGET || m->type == MSG_KEPT)
            forget(w, &n, m->pid, m->type == MSG_KEPT);
        else if (m->type == MSG_DIR)
            memcpy(dir, names, m->path_len + 1);
        else if (m->type != MSG_WATCH || !note(&w, &n, &cap, m, names))
            break;
    }
    /* EOF without "done": the parent died, or closed its end without a word. Anything
     * else (a read error, no memory) while the parent lives: we cannot know what it
     * does, so we leave its files alone and exit. */
    if (!(len > 0 && m->type == MSG_DONE) && parent_died(parent, len == 0 ? 200 : 0))
        clean_up(w, n, dir);
    _exit(0);
}

/* ==== The parent's and the children's side ==== */

int fc_janitor_start(fc_janitor *j, fc_error *err)
{
    int sv[2];
    j->pid = 0;
    j->fd = -1;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
        return fc_fail(err, FC_EIO, errno, "janitor: socketpair: %s", strerror(errno));
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(sv[0]);
        close(sv[1]);
        return fc_fail(err, FC_EIO, e, "janitor: fork: %s", strerror(e));
    }
    if (pid == 0) {
        close(sv[0]);
        janitor_main(sv[1], parent);
    }
    close(sv[1]);
    j->pid = pid;
    j->fd = sv[0];
    return 0;
}

/* Sends one message; if the janitor is gone, the run goes on without one. */
static void send_msg(fc_janitor *j, uint32_t type, pid_t pid, const char *path,
                     const char *part, const volatile fc_file_stage *file)
{
    char buf[MSG_MAX];
    jmsg m = {.type = type, .pid = pid, .file = file};
    size_t a = path ? strlen(path) : 0, b = part ? strlen(part) : 0;
    if (j->fd < 0 || a >= NAME_MAX_BYTES || b >= NAME_MAX_BYTES)
        return;
    m.path_len = (uint32_t)a;
    m.part_len = (uint32_t)b;
    memcpy(buf, &m, sizeof m);
    char *p = buf + sizeof m;
    memcpy(p, path ? path : "", a + 1);
    memcpy(p + a + 1, part ? part : "", b + 1);
    ssize_t k;
    while ((k = send(j->fd, buf, sizeof m + a + b + 2, MSG_NOSIGNAL)) < 0 && errno == EINTR)
        ;
    if (k < 0) {
        close(j->fd);
        j->fd = -1;
    }
}

void fc_janitor_watch(fc_janitor *j, const char *path, const char *part,
                      const volatile fc_file_stage *file)
{
    send_msg(j, MSG_WATCH, getpid(), path, part, file);
}

void fc_janitor_forget(fc_janitor *j, pid_t pid, bool kept)
{
    send_msg(j, kept ? MSG_KEPT : MSG_FORGET, pid, NULL, NULL, NULL);
}

/* mkdtemp(), but the janitor is told the name before the directory exists, so that no
 * moment passes when the parent could die with a directory the janitor does not know. */
char *fc_janitor_mkdtemp(fc_janitor *j, char *tmpl)
{
    static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    size_t len = strlen(tmpl);
    if (j->fd < 0 || len < 6 || strcmp(tmpl + len - 6, "XXXXXX") != 0)
        return mkdtemp(tmpl);
    for (int tries = 0; tries < 100; tries++) {
        unsigned char b[6];
        ssize_t got;
        while ((got = getrandom(b, sizeof b, 0)) < 0 && errno == EINTR)
            ;
        if (got != (ssize_t)sizeof b) /* no getrandom (ENOSYS): mkdtemp's own */
            return mkdtemp(tmpl);
        for (size_t i = 0; i < sizeof b; i++)
            tmpl[len - 6 + i] = letters[b[i] % (sizeof letters - 1)];
        send_msg(j, MSG_DIR, 0, tmpl, NULL, NULL);
        if (mkdir(tmpl, 0700) == 0)
            return tmpl;
        int e = errno;
        send_msg(j, MSG_DIR, 0, NULL, NULL, NULL); /* not ours */
        if (e != EEXIST) {
            errno = e;
            return NULL;
        }
    }
    errno = EEXIST;
    return NULL;
}

void fc_janitor_stop(fc_janitor *j)
{
    send_msg(j, MSG_DONE, 0, NULL, NULL, NULL);
    if (j->fd >= 0)
        close(j->fd);
    j->fd = -1;
    /* It exits on "done"; if that could not be sent, on EOF, after which it cleans up
     * only once it sees the parent dead (we are alive). Reaped either way: no zombie. */
    while (j->pid > 0 && waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
        ;
    j->pid = 0;
}
