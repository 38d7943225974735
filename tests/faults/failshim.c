/* failshim.c - an LD_PRELOAD shim that makes one system call fail, or raises a signal
 * at it, for scripts/faults (the fault sweep, docs/RELIABILITY.md). Built for tests only.
 *
 * It wraps libc's functions (found with dlsym(RTLD_NEXT)) and counts every call the
 * program makes to each, in each process: the first process is the "parent"; a process
 * that the wrapped fork() returned 0 in is a "child", with its own counts from zero and
 * the number of the fork that made it (1 for the first child forked, and so on).
 *
 *   FC_FAULT=CALL:N:ACTION:KIND    at the Nth call to CALL in each process of KIND, do ACTION
 *     CALL    open, openat, creat, read, pread, write, pwrite, close, link, linkat,
 *             rename, renameat, unlink, unlinkat, rmdir, mkdir, mkdirat, mkdtemp, stat,
 *             lstat, fstat, fstatat, access, faccessat, mmap, pipe, pipe2, fork, waitpid,
 *             wait4, waitid, poll, ppoll, fsync, fdatasync, ftruncate, opendir, fdopendir,
 *             renameat2, mkstemp, fchmod, getrandom
 *             (open64, openat64, mmap64 count as open, openat, mmap; mkostemp, mkstemps,
 *             mkostemps as mkstemp, since their open() happens inside libc)
 *     ACTION  an errno name (EIO, ENOSPC, EMFILE, EAGAIN, ECHILD, EINTR, ...): the call
 *             fails with it and does nothing (close closes the descriptor first, as
 *             Linux does even when close fails);
 *             SIGxxx: raise that signal before the call, then make the call (if the
 *             process is still alive);
 *             SIGxxx-after: make the call, then raise the signal (a child killed with
 *             SIGKILL "inside" open(), after the file exists);
 *             SIGxxx-parent: send the signal to the parent process, then make the call
 *             (for a child: the parent interrupted while this child is at that point)
 *     KIND    parent, child (every child), childK (only the Kth child forked), any
 *   FC_FAULT_LOG=FILE      append "fired CALL N ACTION ROLE PID" when the fault fires
 *   FC_FAULT_COUNT=FILE    append "ROLE CALL COUNT" per call made, as each process ends
 *                          (exit, _exit or _Exit; not a death by signal)
 *
 * A malformed FC_FAULT prints a line on stderr and exits 121, so a sweep cannot mistake
 * a typo for a clean case. The shim's own writes go straight to the kernel (syscall()),
 * so they are neither counted nor failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define CALLS(X)                                                                            \
    X(open) X(openat) X(creat) X(read) X(pread) X(write) X(pwrite) X(close) X(link)        \
    X(linkat) X(rename) X(renameat) X(unlink) X(unlinkat) X(rmdir) X(mkdir) X(mkdirat)     \
    X(mkdtemp) X(stat) X(lstat) X(fstat) X(fstatat) X(access) X(faccessat) X(mmap)         \
    X(pipe) X(pipe2) X(fork) X(waitpid) X(wait4) X(waitid) X(poll) X(ppoll) X(fsync)       \
    X(fdatasync) X(ftruncate) X(opendir) X(fdopendir) X(renameat2) X(mkstemp) X(fchmod)   \
    X(getrandom)

#define AS_ENUM(name) C_##name,
#define AS_NAME(name) #name,
enum call { CALLS(AS_ENUM) NCALLS };
static const char *const call_names[] = {CALLS(AS_NAME)};

enum action { A_ERRNO, A_SIGNAL, A_SIGNAL_AFTER, A_SIGNAL_PARENT };

static struct {
    int ready;
    int role_child;        /* 0 in the first process, 1 in a forked child */
    unsigned child_index;  /* in a child: which fork made it (1-based) */
    unsigned forks;        /* forks this process has made */
    unsigned long counts[NCALLS];
    int dumped;
    /* the fault */
    int armed;
    enum call call;
    unsigned long nth;
    enum action action;
    int value;             /* errno or signal number */
    int kind;              /* 0 parent, 1 child, 2 childK, 3 any */
    unsigned kind_index;
    char spec[128];
    char action_text[32];
    const char *log, *count_file;
} S;

/* ==== Writing without going through the wrappers ==== */

static void raw_append(const char *path, const char *text)
{
    long fd = syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    (void)syscall(SYS_write, (int)fd, text, strlen(text));
    (void)syscall(SYS_close, (int)fd);
}

static void die(const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "failshim: FC_FAULT='%s': %s\n", S.spec, what);
    (void)syscall(SYS_write, 2, msg, strlen(msg));
    syscall(SYS_exit_group, 121);
    abort();
}

/* ==== Parsing FC_FAULT ==== */

static const struct {
    const char *name;
    int value;
} errnos[] = {{"EIO", EIO},           {"ENOSPC", ENOSPC},   {"EMFILE", EMFILE},
              {"ENFILE", ENFILE},     {"EAGAIN", EAGAIN},   {"ENOMEM", ENOMEM},
              {"EACCES", EACCES},     {"EPERM", EPERM},     {"EINTR", EINTR},
              {"ECHILD", ECHILD},     {"EBUSY", EBUSY},     {"ENOTEMPTY", ENOTEMPTY},
              {"EEXIST", EEXIST},     {"ENOENT", ENOENT},   {"EXDEV", EXDEV},
              {"EROFS", EROFS},       {"EDQUOT", EDQUOT},   {"EFBIG", EFBIG},
              {"ENAMETOOLONG", ENAMETOOLONG}, {"ELOOP", ELOOP}, {"EOVERFLOW", EOVERFLOW},
              {"EINVAL", EINVAL},     {"EBADF", EBADF},     {"ENOTDIR", ENOTDIR},
              {"ENOSYS", ENOSYS}},
  signals[] = {{"SIGINT", SIGINT},   {"SIGTERM", SIGTERM}, {"SIGKILL", SIGKILL},
               {"SIGHUP", SIGHUP},   {"SIGQUIT", SIGQUIT}, {"SIGUSR1", SIGUSR1},
               {"SIGUSR2", SIGUSR2}, {"SIGALRM", SIGALRM}, {"SIGPIPE", SIGPIPE},
               {"SIGXFSZ", SIGXFSZ}, {"SIGSTOP", SIGSTOP}, {"SIGSEGV", SIGSEGV}};

static void parse_action(const char *a)
{
    for (size_t i = 0; i < sizeof errnos / sizeof *errnos; i++)
        if (strcmp(a, errnos[i].name) == 0) {
            S.action = A_ERRNO, S.value = errnos[i].value;
            return;
        }
    size_t len = strcspn(a, "-");
    const char *suffix = a + len;
    for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
        if (strlen(signals[i].name) == len && strncmp(a, signals[i].name, len) == 0) {
            S.value = signals[i].value;
            if (!*suffix)
                S.action = A_SIGNAL;
            else if (strcmp(suffix, "-after") == 0)
                S.action = A_SIGNAL_AFTER;
            else if (strcmp(suffix, "-parent") == 0)
                S.action = A_SIGNAL_PARENT;
            else
                die("a signal takes no suffix, -after or -parent");
            return;
        }
    die("ACTION is neither a known errno name nor a known signal");
}

static void parse_kind(const char *k)
{
    if (strcmp(k, "parent") == 0)
        S.kind = 0;
    else if (strcmp(k, "child") == 0)
        S.kind = 1;
    else if (strcmp(k, "any") == 0)
        S.kind = 3;
    else if (strncmp(k, "child", 5) == 0 && k[5] >= '1' && k[5] <= '9') {
        char *end;
        S.kind = 2;
        S.kind_index = (unsigned)strtoul(k + 5, &end, 10);
        if (*end)
            die("KIND childK needs a number K");
    } else
        die("KIND is parent, child, childK or any");
}

static void parse_spec(const char *text)
{
    char buf[128], *save = NULL;
    snprintf(S.spec, sizeof S.spec, "%s", text);
    if (strlen(text) >= sizeof buf)
        die("too long");
    strcpy(buf, text);
    char *call = strtok_r(buf, ":", &save), *nth = strtok_r(NULL, ":", &save);
    char *action = strtok_r(NULL, ":", &save), *kind = strtok_r(NULL, ":", &save);
    if (!call || !nth || !action || !kind || strtok_r(NULL, ":", &save))
        die("expected CALL:N:ACTION:KIND");
    int found = 0;
    for (int i = 0; i < NCALLS; i++)
        if (strcmp(call, call_names[i]) == 0)
            S.call = (enum call)i, found = 1;
    if (!found)
        die("unknown CALL");
    char *end;
    S.nth = strtoul(nth, &end, 10);
    if (*end || S.nth == 0)
        die("N must be a whole number from 1");
    parse_action(action);
    snprintf(S.action_text, sizeof S.action_text, "%s", action);
    parse_kind(kind);
    S.armed = 1;
}

static void read_environment(void)
{
    const char *spec = getenv("FC_FAULT");
    S.log = getenv("FC_FAULT_LOG");
    S.count_file = getenv("FC_FAULT_COUNT");
    if (spec && *spec && !S.armed)
        parse_spec(spec);
}

/* On the first call. Under ASan the first calls come from its own start-up, before
 * the environment is there: read it again in the constructor. */
static void init(void)
{
    if (S.ready)
        return;
    S.ready = 1;
    read_environment();
}

__attribute__((constructor)) static void shim_start(void)
{
    S.ready = 1;
    read_environment();
}

/* ==== Counting, at the end of each process ==== */

static void dump_counts(void)
{
    if (S.dumped || !S.count_file)
        return;
    S.dumped = 1;
    char text[NCALLS * 48] = "", line[64];
    for (int i = 0; i < NCALLS; i++)
        if (S.counts[i]) {
            snprintf(line, sizeof line, "%s %s %lu\n", S.role_child ? "child" : "parent",
                     call_names[i], S.counts[i]);
            strcat(text, line);
        }
    if (text[0])
        raw_append(S.count_file, text);
}

__attribute__((destructor)) static void shim_end(void)
{
    dump_counts();
}

typedef void (*exit_fn)(int);
static void real_exit_via(const char *name, int status) __attribute__((noreturn));
static void real_exit_via(const char *name, int status)
{
    exit_fn f;
    *(void **)&f = dlsym(RTLD_NEXT, name);
    if (f)
        f(status);
    syscall(SYS_exit_group, status);
    abort();
}

void _exit(int status)
{
    dump_counts();
    real_exit_via("_exit", status);
}

void _Exit(int status)
{
    dump_counts();
    real_exit_via("_Exit", status);
}

/* ==== The decision at each call ==== */

static int kind_matches(void)
{
    switch (S.kind) {
    case 0: return !S.role_child;
    case 1: return S.role_child;
    case 2: return S.role_child && S.child_index == S.kind_index;
    default: return 1;
    }
}

static void note_fired(void)
{
    if (!S.log)
        return;
    char line[256];
    char role[32] = "parent";
    if (S.role_child)
        snprintf(role, sizeof role, "child%u", S.child_index);
    snprintf(line, sizeof line, "fired %s %lu %s %s %ld\n", call_names[S.call], S.nth,
             S.action_text, role, (long)getpid());
    raw_append(S.log, line);
}

/* Counts a call. Returns the errno to fail it with, or 0 to make it; raises a signal
 * that comes before the call. *after is set when a signal is due after the call. */
static int before(enum call c, int *after)
{
    init();
    *after = 0;
    unsigned long n = ++S.counts[c];
    if (!S.armed || c != S.call || n != S.nth || !kind_matches())
        return 0;
    note_fired();
    switch (S.action) {
    case A_ERRNO: return S.value;
    case A_SIGNAL: raise(S.value); return 0;
    case A_SIGNAL_PARENT: kill(getppid(), S.value); return 0;
    case A_SIGNAL_AFTER: *after = 1; return 0;
    }
    return 0;
}

static void finish(int after)
{
    if (after) {
        int e = errno;
        raise(S.value);
        errno = e;
    }
}

#define REAL(ret, name, params)                                                             \
    static ret(*real_##name) params;                                                       \
    if (!real_##name)                                                                      \
        *(void **)&real_##name = dlsym(RTLD_NEXT, #name);                                   \
    if (!real_##name) {                                                                    \
        errno = ENOSYS;                                                                    \
        return fail_value;                                                                 \
    }

/* A wrapper: `ret name(params)` counted as call `c`; `fail_value` is what it returns
 * when it fails (with errno set); `args` passes the parameters on. */
#define WRAP(c, ret, name, params, args, fail_value_expr)                                  \
    ret name params                                                                        \
    {                                                                                      \
        ret fail_value = fail_value_expr;                                              \
        REAL(ret, name, params)                                                            \
        int after, e = before(C_##c, &after);                                              \
        if (e) {                                                                           \
            errno = e;                                                                     \
            return fail_value;                                                             \
        }                                                                                  \
        ret r = real_##name args;                                                          \
        finish(after);                                                                     \
        return r;                                                                          \
    }

WRAP(read, ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n), -1)
WRAP(pread, ssize_t, pread, (int fd, void *buf, size_t n, off_t off), (fd, buf, n, off), -1)
WRAP(write, ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n), -1)
WRAP(pwrite, ssize_t, pwrite, (int fd, const void *buf, size_t n, off_t off), (fd, buf, n, off), -1)
WRAP(link, int, link, (const char *a, const char *b), (a, b), -1)
WRAP(linkat, int, linkat, (int d1, const char *a, int d2, const char *b, int fl),
     (d1, a, d2, b, fl), -1)
WRAP(rename, int, rename, (const char *a, const char *b), (a, b), -1)
WRAP(renameat, int, renameat, (int d1, const char *a, int d2, const char *b), (d1, a, d2, b), -1)
WRAP(unlink, int, unlink, (const char *p), (p), -1)
WRAP(unlinkat, int, unlinkat, (int d, const char *p, int fl), (d, p, fl), -1)
WRAP(rmdir, int, rmdir, (const char *p), (p), -1)
WRAP(mkdir, int, mkdir, (const char *p, mode_t m), (p, m), -1)
WRAP(mkdirat, int, mkdirat, (int d, const char *p, mode_t m), (d, p, m), -1)
WRAP(mkdtemp, char *, mkdtemp, (char *t), (t), NULL)
WRAP(stat, int, stat, (const char *restrict p, struct stat *restrict st), (p, st), -1)
WRAP(lstat, int, lstat, (const char *restrict p, struct stat *restrict st), (p, st), -1)
WRAP(fstat, int, fstat, (int fd, struct stat *st), (fd, st), -1)
WRAP(fstatat, int, fstatat, (int d, const char *restrict p, struct stat *restrict st, int fl),
     (d, p, st, fl), -1)
WRAP(access, int, access, (const char *p, int m), (p, m), -1)
WRAP(faccessat, int, faccessat, (int d, const char *p, int m, int fl), (d, p, m, fl), -1)
WRAP(mmap, void *, mmap, (void *a, size_t n, int prot, int fl, int fd, off_t off),
     (a, n, prot, fl, fd, off), MAP_FAILED)
WRAP(mmap, void *, mmap64, (void *a, size_t n, int prot, int fl, int fd, off64_t off),
     (a, n, prot, fl, fd, off), MAP_FAILED)
WRAP(pipe, int, pipe, (int fds[2]), (fds), -1)
WRAP(pipe2, int, pipe2, (int fds[2], int fl), (fds, fl), -1)
WRAP(waitpid, pid_t, waitpid, (pid_t p, int *st, int o), (p, st, o), -1)
WRAP(wait4, pid_t, wait4, (pid_t p, int *st, int o, struct rusage *ru), (p, st, o, ru), -1)
WRAP(waitid, int, waitid, (idtype_t t, id_t id, siginfo_t *info, int o), (t, id, info, o), -1)
WRAP(poll, int, poll, (struct pollfd *p, nfds_t n, int ms), (p, n, ms), -1)
WRAP(ppoll, int, ppoll,
     (struct pollfd *p, nfds_t n, const struct timespec *ts, const sigset_t *m), (p, n, ts, m), -1)
WRAP(fsync, int, fsync, (int fd), (fd), -1)
WRAP(fdatasync, int, fdatasync, (int fd), (fd), -1)
WRAP(ftruncate, int, ftruncate, (int fd, off_t len), (fd, len), -1)
WRAP(opendir, DIR *, opendir, (const char *p), (p), NULL)
WRAP(fdopendir, DIR *, fdopendir, (int fd), (fd), NULL)
WRAP(creat, int, creat, (const char *p, mode_t m), (p, m), -1)
WRAP(renameat2, int, renameat2, (int d1, const char *a, int d2, const char *b, unsigned fl),
     (d1, a, d2, b, fl), -1)
WRAP(mkstemp, int, mkstemp, (char *t), (t), -1)
WRAP(mkstemp, int, mkostemp, (char *t, int fl), (t, fl), -1)
WRAP(mkstemp, int, mkstemps, (char *t, int len), (t, len), -1)
WRAP(mkstemp, int, mkostemps, (char *t, int len, int fl), (t, len, fl), -1)
WRAP(fchmod, int, fchmod, (int fd, mode_t m), (fd, m), -1)
WRAP(getrandom, ssize_t, getrandom, (void *buf, size_t n, unsigned fl), (buf, n, fl), -1)

/* open and openat take a mode only with O_CREAT or O_TMPFILE. */
#define WRAP_OPEN(c, name, params, args, ...)                                               \
    int name params                                                                        \
    {                                                                                      \
        const int fail_value = -1;                                                         \
        mode_t mode = 0;                                                                   \
        if (flags & (O_CREAT | O_TMPFILE)) {                                               \
            va_list ap;                                                                    \
            va_start(ap, flags);                                                           \
            mode = (mode_t)va_arg(ap, int);                                                \
            va_end(ap);                                                                    \
        }                                                                                  \
        REAL(int, name, (__VA_ARGS__))                                                     \
        int after, e = before(C_##c, &after);                                              \
        if (e) {                                                                           \
            errno = e;                                                                     \
            return -1;                                                                     \
        }                                                                                  \
        int r = real_##name args;                                                          \
        finish(after);                                                                     \
        return r;                                                                          \
    }

WRAP_OPEN(open, open, (const char *p, int flags, ...), (p, flags, mode), const char *, int, ...)
WRAP_OPEN(open, open64, (const char *p, int flags, ...), (p, flags, mode), const char *, int, ...)
WRAP_OPEN(openat, openat, (int d, const char *p, int flags, ...), (d, p, flags, mode), int,
          const char *, int, ...)
WRAP_OPEN(openat, openat64, (int d, const char *p, int flags, ...), (d, p, flags, mode), int,
          const char *, int, ...)

/* close releases the descriptor even when it fails (Linux), so a failed close here
 * closes it too. */
int close(int fd)
{
    const int fail_value = -1;
    REAL(int, close, (int))
    int after, e = before(C_close, &after);
    int r = real_close(fd);
    if (e) {
        errno = e;
        return -1;
    }
    finish(after);
    return r;
}

/* fork: counted in the process that forks; the child starts its own counts. */
pid_t fork(void)
{
    const pid_t fail_value = -1;
    REAL(pid_t, fork, (void))
    int after, e = before(C_fork, &after);
    if (e) {
        errno = e;
        return -1;
    }
    unsigned index = ++S.forks;
    pid_t pid = real_fork();
    if (pid == 0) {
        S.role_child = 1;
        S.child_index = index;
        S.forks = 0;
        S.dumped = 0;
        memset(S.counts, 0, sizeof S.counts);
        return 0;
    }
    finish(after);
    return pid;
}
