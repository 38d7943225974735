/* common.c - option parsing, messages, signals and standard output, shared by the
 * subcommands. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SIGIO, SIGPWR, SIGSTKFLT */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* ==== Signals (docs/RELIABILITY.md, "Signals") ==== */

volatile sig_atomic_t cli_cancel;
static pid_t cli_pid; /* the forkcollect process itself, not a child it forked */

/* Every catchable signal whose default action ends the process, other than the faults
 * a program causes itself (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS)
 * and SIGPIPE and SIGXFSZ (ignored: a failed write is reported instead). The real-time
 * signals SIGRTMIN..SIGRTMAX are stop signals too. */
static const struct {
    int sig;
    const char *name;
} stop_signals[] = {
    {SIGINT, "SIGINT"},   {SIGTERM, "SIGTERM"},     {SIGHUP, "SIGHUP"},   {SIGQUIT, "SIGQUIT"},
    {SIGUSR1, "SIGUSR1"}, {SIGUSR2, "SIGUSR2"},     {SIGALRM, "SIGALRM"}, {SIGPROF, "SIGPROF"},
    {SIGXCPU, "SIGXCPU"}, {SIGVTALRM, "SIGVTALRM"},
#ifdef SIGIO
    {SIGIO, "SIGIO"},
#endif
#ifdef SIGPWR
    {SIGPWR, "SIGPWR"},
#endif
#ifdef SIGSTKFLT
    {SIGSTKFLT, "SIGSTKFLT"},
#endif
};
#define NSTOP (sizeof stop_signals / sizeof stop_signals[0])

static void stop_set(sigset_t *set)
{
    sigemptyset(set);
    for (size_t i = 0; i < NSTOP; i++)
        sigaddset(set, stop_signals[i].sig);
#ifdef SIGRTMIN
    for (int s = SIGRTMIN; s <= SIGRTMAX; s++)
        sigaddset(set, s);
#endif
}

static void on_signal(int sig)
{
    if (cli_pid && getpid() != cli_pid) {
        /* A child forked before it reset its signals: end as it would have. */
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (!cli_cancel)
        cli_cancel = sig; /* the first one is the cause */
}

/* Makes sure fds 0, 1 and 2 are open: one inherited closed would be taken by the next
 * file opened (a result file, a pipe) and receive what is printed. /dev/null opened
 * the wrong way round keeps them "closed": a write to stdout still fails (EBADF). */
static void occupy_std_fds(void)
{
    for (int fd = 0; fd <= 2; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF)
            open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY); /* the lowest free fd: fd */
}

void cli_start(void)
{
    cli_pid = getpid();
    occupy_std_fds();
    /* Nothing inherited is blocked: a blocked SIGINT or SIGTERM would never be acted on. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    /* SIGCHLD ignored makes the kernel reap the children itself: waitpid() would fail
     * and every child be reported with a status that was never filled in. */
    signal(SIGCHLD, SIG_DFL);
    /* SIGINT and SIGTERM always stop forkcollect, even when inherited ignored (as a
     * non-interactive shell starts `forkcollect ... &`): scripts stop a run with
     * `kill -INT`, and a stopped run leaves nothing behind. The other stop signals keep
     * an inherited SIG_IGN (`nohup`), see cli_catch_signals(). */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    /* Past `ulimit -f`, write() fails with EFBIG, reported with the file's name and
     * cleaned up, instead of SIGXFSZ ending the process with OUT.part left behind. */
    signal(SIGXFSZ, SIG_IGN);
    /* Not a terminal: one large buffer, so that the error of writing it is seen by the
     * final fflush() in cli_output_status() and reported with its cause. */
    if (!isatty(STDOUT_FILENO))
        setvbuf(stdout, NULL, _IOFBF, 1 << 16);
}

void cli_catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigfillset(&sa.sa_mask); /* one handler at a time */
    sa.sa_flags = 0;         /* no SA_RESTART: let poll() return EINTR */
    sigset_t all;
    stop_set(&all);
    for (int s = 1; s < NSIG; s++) {
        struct sigaction old;
        if (!sigismember(&all, s) || sigaction(s, NULL, &old) != 0)
            continue;
        /* SIGINT and SIGTERM are SIG_DFL here (cli_start); another stop signal that
         * was inherited ignored (nohup's SIGHUP) stays ignored: someone asked for it. */
        if (old.sa_handler != SIG_IGN)
            sigaction(s, &sa, NULL);
    }
    signal(SIGPIPE, SIG_IGN); /* a reader that goes away cannot end us before cleanup */
}

int cli_last_check(void)
{
    sigset_t all;
    stop_set(&all);
    sigprocmask(SIG_BLOCK, &all, NULL);
    return cli_cancel;
}

const char *cli_signal_name(int sig, char buf[16])
{
    for (size_t i = 0; i < NSTOP; i++)
        if (stop_signals[i].sig == sig)
            return stop_signals[i].name;
#ifdef SIGRTMIN
    if (sig >= SIGRTMIN && sig <= SIGRTMAX) { /* named as `kill -l` names them */
        if (sig == SIGRTMIN || sig == SIGRTMAX)
            return sig == SIGRTMIN ? "SIGRTMIN" : "SIGRTMAX";
        if (sig - SIGRTMIN <= (SIGRTMAX - SIGRTMIN) / 2)
            snprintf(buf, 16, "SIGRTMIN+%d", sig - SIGRTMIN);
        else
            snprintf(buf, 16, "SIGRTMAX-%d", SIGRTMAX - sig);
        return buf;
    }
#endif
    snprintf(buf, 16, "signal %d", sig);
    return buf;
}

int cli_interrupted(const char *cmd, const char *what)
{
    char name[16];
    int sig = cli_cancel ? cli_cancel : SIGINT;
    fprintf(stderr, "forkcollect %s: interrupted by %s: %s\n", cmd, cli_signal_name(sig, name),
            what ? what : "children stopped, files removed");
    return 128 + sig;
}

/* ==== Standard output ==== */

static int stdout_errno; /* why a write to stdout first failed, when a flush saw it */
static bool stdout_checked;

void cli_flush(void)
{
    if (fflush(stdout) != 0 && stdout_errno == 0)
        stdout_errno = errno;
}

int cli_output_status(const char *cmd, const char *tail, int rc)
{
    if (stdout_checked)
        return rc;
    stdout_checked = true;
    bool failed = ferror(stdout) != 0;
    if (fflush(stdout) != 0) {
        failed = true;
        if (stdout_errno == 0)
            stdout_errno = errno;
    }
    if (fclose(stdout) != 0 && !failed) {
        failed = true;
        stdout_errno = errno;
    }
    if (!failed || cli_cancel) /* a signal's own message says what happened */
        return rc;
    fprintf(stderr, "forkcollect%s%s: ", *cmd ? " " : "", cmd);
    if (stdout_errno == EPIPE)
        fprintf(stderr, "standard output was closed early%s\n", tail);
    else if (stdout_errno != 0)
        fprintf(stderr, "cannot write to standard output: %s%s\n", strerror(stdout_errno), tail);
    else
        fprintf(stderr, "cannot write to standard output%s\n", tail);
    return rc == EXIT_OK ? EXIT_FAIL : rc;
}

/* ==== Messages and flags ==== */

/* "forkcollect CMD: <message><tail>\n" on stderr. */
static void vreport(const char *cmd, const char *tail, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static void vreport(const char *cmd, const char *tail, const char *fmt, va_list ap)
{
    fprintf(stderr, "forkcollect %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "%s\n", tail);
}

int usage_error(const char *cmd, const char *fmt, ...)
{
    char tail[96];
    va_list ap;
    snprintf(tail, sizeof tail, " (see 'forkcollect %s --help')", cmd);
    va_start(ap, fmt);
    vreport(cmd, tail, fmt, ap);
    va_end(ap);
    return EXIT_USAGE;
}

int fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "", fmt, ap);
    va_end(ap);
    return EXIT_FAIL;
}

int parse_u64(const char *cmd, const char *flag, const char *text, uint64_t min, uint64_t max,
              uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    for (const char *p = text; *p; p++) {
        if ((*p == '_' || *p == ',') && digits > 0 && p[1] >= '0' && p[1] <= '9')
            continue;
        if (*p < '0' || *p > '9') {
            usage_error(cmd, "%s: '%s' is not a whole number", flag, text);
            return -1;
        }
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            usage_error(cmd, "%s: %s is too large (at most %llu)", flag, text,
                        (unsigned long long)max);
            return -1;
        }
        v = v * 10 + d;
        digits++;
    }
    if (digits == 0) {
        usage_error(cmd, "%s: expected a whole number, got '%s'", flag, text);
        return -1;
    }
    if (v < min || v > max) {
        usage_error(cmd, "%s: %s is out of range (%llu to %llu)", flag, text,
                    (unsigned long long)min, (unsigned long long)max);
        return -1;
    }
    *out = v;
    return 0;
}

static void known_formats(char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; fc_codec_at(i); i++) {
        if (i)
            strncat(buf, ", ", size - strlen(buf) - 1);
        strncat(buf, fc_codec_at(i)->name, size - strlen(buf) - 1);
    }
}

const fc_codec *parse_format(const char *cmd, const char *flag, const char *name)
{
    const fc_codec *c = fc_codec_find(name);
    if (!c) {
        char known[256];
        known_formats(known, sizeof known);
        usage_error(cmd, "%s: unknown format '%s' (known: %s)", flag, name, known);
    }
    return c;
}

int parse_format_list(const char *cmd, const char *text, const fc_codec **codecs, int max)
{
    int n = 0;
    if (strcasecmp(text, "all") == 0) {
        for (size_t i = 0; fc_codec_at(i) && n < max; i++)
            codecs[n++] = fc_codec_at(i);
        return n;
    }
    char copy[512];
    if (strlen(text) >= sizeof copy) {
        usage_error(cmd, "--formats: list too long");
        return -1;
    }
    strcpy(copy, text);
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        const fc_codec *c = parse_format(cmd, "--formats", tok);
        if (!c)
            return -1;
        for (int i = 0; i < n; i++)
            if (codecs[i] == c) {
                usage_error(cmd, "--formats: '%s' is listed twice", tok);
                return -1;
            }
        if (n == max) {
            usage_error(cmd, "--formats: too many formats");
            return -1;
        }
        codecs[n++] = c;
    }
    if (n == 0) {
        usage_error(cmd, "--formats: no format given");
        return -1;
    }
    return n;
}

const char *human_ns(double ns, char buf[32])
{
    if (ns < 1e3)
        snprintf(buf, 32, "%.0f ns", ns);
    else if (ns < 1e6)
        snprintf(buf, 32, "%.1f us", ns / 1e3);
    else if (ns < 1e9)
        snprintf(buf, 32, "%.1f ms", ns / 1e6);
    else
        snprintf(buf, 32, "%.3f s", ns / 1e9);
    return buf;
}

static const char *extension_of(const char *path)
{
    const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
    return dot && (!slash || dot > slash) ? dot + 1 : NULL;
}

int read_result_file(const char *cmd, const char *path, const fc_codec *from, fc_dataset *out,
                     const fc_codec **used)
{
    fc_buffer buf = {0};
    fc_error err = {0};
    if (fc_file_read(path, &buf, &err) != 0)
        return fail(cmd, "%s", err.msg);
    const fc_codec *c = from;
    const char *how = "as given by --from";
    if (!c && (c = fc_codec_detect(buf.data, buf.len)) != NULL)
        how = "recognised from its content";
    if (!c && (c = fc_codec_find(extension_of(path))) != NULL)
        how = "guessed from its extension";
    if (!c) {
        fc_buffer_free(&buf);
        return fail(cmd, "%s: cannot tell its format from its content or its name; "
                         "give --from FORMAT", path);
    }
    int rc = c->decode(buf.data, buf.len, out, &err);
    fc_buffer_free(&buf);
    if (rc != 0)
        return fail(cmd, "%s: not a valid %s file (%s): %s", path, c->name, how, err.msg);
    if (used)
        *used = c;
    return EXIT_OK;
}
