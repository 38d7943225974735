/* common.c - option parsing, messages, signals and standard output, shared by the
 * subcommands. */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* SIGIO, SIGPWR, SIGSTKFLT */
#include "cli.h"
#include "fc_shapes.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
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
    if (failed && stdout_errno == 0) {
        /* A write that failed inside printf (its buffer full) left the error flag but
         * no errno we saw. The output is already cut, so one more byte does no harm,
         * and its write tells why (ENOSPC, EPIPE, EBADF...). */
        if (write(STDOUT_FILENO, "\n", 1) < 0)
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

void note(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, "", fmt, ap);
    va_end(ap);
}

/* ==== Flags ==== */

/* Where cli_parse is in argv. */
typedef struct cli_parser {
    const cli_command *c;
    int argc;
    char **argv;          /* argv[0] is the command's name */
    int next;             /* the next argv to read */
    const char *word;     /* the argument being read ("-kn4") */
    const char *cluster;  /* the rest of it after -k ("n4"), or NULL */
    bool only_args;       /* after "--" */
    const char *value;    /* the value of the flag just read */
    int nargs;            /* arguments that are not flags, moved to argv[1 .. nargs] */
    int status;           /* after CLI_STOP: what the command returns */
} cli_parser;

enum { CLI_END = 0, CLI_STOP = -1 };

static const cli_flag help_flag = {"help", 'h', false, 0};

/* The command's flags, then --help; NULL past the end. */
static const cli_flag *flag_at(const cli_parser *p, size_t i)
{
    size_t n = 0;
    while (p->c->flags[n].name)
        n++;
    return i < n ? &p->c->flags[i] : i == n ? &help_flag : NULL;
}

static int stop(cli_parser *p, int status)
{
    p->status = status;
    return CLI_STOP;
}

static int found(cli_parser *p, const cli_flag *f)
{
    if (f != &help_flag)
        return f->id;
    print_help(p->c->help); /* "{formats}": the formats built */
    return stop(p, EXIT_OK);
}

/* Says that --name[0..len) could be any of the flags it begins. */
static void ambiguous(const cli_parser *p, const char *name, size_t len)
{
    char list[512] = "";
    size_t nmatch = 0, k = 0;
    const cli_flag *f;
    for (size_t i = 0; (f = flag_at(p, i)) != NULL; i++)
        nmatch += strncmp(f->name, name, len) == 0;
    for (size_t i = 0; (f = flag_at(p, i)) != NULL; i++) {
        if (strncmp(f->name, name, len) != 0)
            continue;
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s--%s",
                 k == 0 ? "" : k + 1 == nmatch ? " or " : ", ", f->name);
        k++;
    }
    usage_error(p->c->name, "option '--%.*s' is ambiguous: it could be %s", (int)len, name,
                list);
}

/* The flag named name[0..len), or the only one that name begins; NULL after a usage
 * error. */
static const cli_flag *find_long(const cli_parser *p, const char *name, size_t len)
{
    const cli_flag *f, *match = NULL;
    size_t nmatch = 0;
    for (size_t i = 0; (f = flag_at(p, i)) != NULL; i++) {
        if (strncmp(f->name, name, len) != 0)
            continue;
        if (f->name[len] == '\0')
            return f; /* a whole name wins over the longer names it begins */
        match = f;
        nmatch++;
    }
    if (nmatch == 1 && len > 0)
        return match;
    if (nmatch == 0 || len == 0)
        usage_error(p->c->name, "unknown option '--%.*s'", (int)len, name);
    else
        ambiguous(p, name, len);
    return NULL;
}

/* --name, --name=VALUE, --name VALUE. */
static int long_flag(cli_parser *p, const char *arg)
{
    const char *name = arg + 2, *eq = strchr(name, '=');
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    const cli_flag *f = find_long(p, name, len);
    if (!f)
        return stop(p, EXIT_USAGE);
    if (!f->has_value && eq)
        return stop(p, usage_error(p->c->name, "--%s takes no value (got '%s')", f->name,
                                   arg));
    if (f->has_value) {
        if (eq)
            p->value = eq + 1;
        else if (p->next < p->argc)
            p->value = p->argv[p->next++];
        else
            return stop(p, usage_error(p->c->name, "--%s needs a value", f->name));
    }
    return found(p, f);
}

/* The next letter of a cluster: -k, -n VALUE, -nVALUE, -kn4. */
static int short_flag(cli_parser *p)
{
    char c = *p->cluster++;
    const cli_flag *f = NULL;
    for (size_t i = 0; (f = flag_at(p, i)) != NULL && f->letter != c; i++)
        ;
    if (!f) {
        if (strlen(p->word) > 2)
            return stop(p, usage_error(p->c->name, "unknown option '-%c' (in '%s')", c,
                                       p->word));
        return stop(p, usage_error(p->c->name, "unknown option '-%c'", c));
    }
    if (f->has_value) {
        if (*p->cluster)
            p->value = p->cluster;
        else if (p->next < p->argc)
            p->value = p->argv[p->next++];
        else
            return stop(p, usage_error(p->c->name, "-%c (--%s) needs a value", c, f->name));
        p->cluster = NULL;
    } else if (*p->cluster == '\0') {
        p->cluster = NULL;
    }
    return found(p, f);
}

/* The next flag's id, CLI_END when none is left, or CLI_STOP. */
static int next_flag(cli_parser *p)
{
    p->value = NULL;
    if (p->cluster)
        return short_flag(p);
    while (p->next < p->argc) {
        char *arg = p->argv[p->next++];
        if (!p->only_args && strcmp(arg, "--") == 0) {
            p->only_args = true;
            continue;
        }
        if (p->only_args || arg[0] != '-' || arg[1] == '\0') {
            p->argv[1 + p->nargs++] = arg; /* an index already read: nothing is lost */
            continue;
        }
        if (arg[1] == '-')
            return long_flag(p, arg);
        p->word = arg;
        p->cluster = arg + 1;
        return short_flag(p);
    }
    return CLI_END;
}

int cli_parse(const cli_command *c, int argc, char **argv, void *ctx, int *nargs)
{
    cli_parser p = {.c = c, .argc = argc, .argv = argv, .next = 1};
    int id;
    while ((id = next_flag(&p)) != CLI_END && id != CLI_STOP)
        if (c->on_flag(ctx, id, p.value) != 0)
            return EXIT_USAGE;
    if (id == CLI_STOP)
        return p.status;
    if (p.nargs > c->max_args)
        return usage_error(c->name, "unexpected argument '%s'", argv[1 + c->max_args]);
    if (nargs)
        *nargs = p.nargs;
    return CLI_GO_ON;
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
            if (text[0] == '-' && text[1] >= '0' && text[1] <= '9')
                usage_error(cmd, "%s: %s is negative (give %llu to %llu)", flag, text,
                            (unsigned long long)min, (unsigned long long)max);
            else
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

int parse_shape(const char *cmd, const char *text, unsigned *shape)
{
    enum fc_shape s;
    fc_error e = {0};
    if (fc_shape_find(text, &s, &e) != 0) {
        usage_error(cmd, "--shape: %s", e.msg);
        return -1;
    }
    *shape = (unsigned)s;
    return 0;
}

const char *shape_holders(unsigned shape)
{
    static char list[512];
    size_t n = 0, len = 0;
    list[0] = '\0';
    for (size_t i = 0; fc_codec_at(i); i++)
        n += (fc_codec_at(i)->shapes >> shape) & 1u;
    for (size_t i = 0, k = 0; fc_codec_at(i) && len < sizeof list; i++) {
        const fc_codec *c = fc_codec_at(i);
        if (!((c->shapes >> shape) & 1u))
            continue;
        k++;
        len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
                                k == 1 ? "" : k == n ? " or " : ", ", c->name);
    }
    return n ? list : "none";
}

const fc_transport *parse_transport(const char *cmd, const char *text)
{
    const fc_transport *t = fc_transport_find(text);
    if (!t) {
        char known[128] = "";
        for (size_t i = 0; fc_transport_at(i); i++)
            snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
                     i == 0 ? "" : fc_transport_at(i + 1) ? ", " : " or ",
                     fc_transport_name(fc_transport_at(i)));
        usage_error(cmd, "--transport: unknown transport '%s' (known: %s)", text, known);
    }
    return t;
}

int for_each_item(const char *cmd, const char *flag, const char *text,
                  int (*item)(const char *cmd, const char *text, void *ctx), void *ctx)
{
    if (*text == '\0') {
        usage_error(cmd, "%s: nothing given", flag);
        return -1;
    }
    char *copy = strdup(text);
    if (!copy) {
        fail(cmd, "%s: out of memory", flag);
        return -1;
    }
    int rc = 0, n = 0;
    for (char *tok = copy, *end; rc == 0 && tok; tok = end, n++) {
        if ((end = strchr(tok, ',')) != NULL)
            *end++ = '\0';
        if (*tok == '\0') {
            usage_error(cmd, "%s: '%s' has an empty item (item %d)", flag, text, n + 1);
            rc = -1;
        } else {
            rc = item(cmd, tok, ctx);
        }
    }
    free(copy);
    return rc;
}

struct format_list {
    const fc_codec **codecs;
    int n, max;
};

static int add_format(const char *cmd, const char *name, void *ctx)
{
    struct format_list *l = ctx;
    const fc_codec *c = parse_format(cmd, "--formats", name);
    if (!c)
        return -1;
    for (int i = 0; i < l->n; i++)
        if (l->codecs[i] == c) {
            usage_error(cmd, "--formats: '%s' is listed twice", name);
            return -1;
        }
    if (l->n == l->max) {
        usage_error(cmd, "--formats: at most %d formats", l->max);
        return -1;
    }
    l->codecs[l->n++] = c;
    return 0;
}

int parse_format_list(const char *cmd, const char *text, const fc_codec **codecs, int max)
{
    struct format_list l = {codecs, 0, max};
    if (strcasecmp(text, "all") == 0) {
        for (size_t i = 0; fc_codec_at(i) && l.n < max; i++)
            codecs[l.n++] = fc_codec_at(i);
        return l.n;
    }
    return for_each_item(cmd, "--formats", text, add_format, &l) == 0 ? l.n : -1;
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

const char *path_extension(const char *path)
{
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? dot : NULL; /* ".json" alone is a hidden file's name */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

stats stats_of(double *v, unsigned n)
{
    stats s = {0, 0, 0};
    if (n == 0)
        return s;
    qsort(v, n, sizeof *v, cmp_double);
    s.min = v[0];
    s.max = v[n - 1];
    s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    return s;
}

int read_result_file(const char *cmd, const char *path, const fc_read_options *opt,
                     fc_dataset *out, fc_read_info *info)
{
    fc_error err = {0};
    int rc = strcmp(path, "-") == 0
                 ? fc_result_read_fd(STDIN_FILENO, "standard input", opt, out, info, &err)
                 : fc_result_read(path, opt, out, info, &err);
    return rc == 0 ? EXIT_OK : fail(cmd, "%s", err.msg);
}

/* ==== Files written for the user ==== */

/* The directory part of path ("." when there is none), in dir[size]. */
static void directory_of(const char *path, char *dir, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, size, ".");
    else if (slash == path)
        snprintf(dir, size, "/");
    else
        snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* A failed look at the destination: the user's to mend (a missing directory, no
 * permission: exit 2) or the system's (an I/O error: exit 1). */
static int destination_error(const char *cmd, int e, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int destination_error(const char *cmd, int e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    bool users = e == ENOENT || e == ENOTDIR || e == EACCES || e == EPERM || e == EROFS ||
                 e == ELOOP || e == ENAMETOOLONG;
    return users ? usage_error(cmd, "%s: %s", msg, strerror(e))
                 : fail(cmd, "%s: %s", msg, strerror(e));
}

int check_new_file(const char *cmd, const char *flag, const char *path)
{
    char part[4096], dir[4096];
    struct stat st;
    size_t len = strlen(path);
    if (len == 0)
        return usage_error(cmd, "%s: no file name given", flag);
    if (strcmp(path, "-") == 0) /* it made a file named "-" */
        return usage_error(cmd, "%s: '-' is not standard output here (the command's report "
                                "goes there); give a file name, ./- for a file named -",
                           flag);
    if (len + sizeof ".part" > sizeof part)
        return usage_error(cmd, "%s: %s: path too long", flag, path);
    if (path[len - 1] == '/')
        return usage_error(cmd, "%s: %s names a directory, not a file", flag, path);
    if (lstat(path, &st) == 0)
        return S_ISLNK(st.st_mode)
                   ? usage_error(cmd, "%s: %s is a symbolic link; forkcollect never writes "
                                      "through one (remove it or choose another name)",
                                 flag, path)
                   : usage_error(cmd, "%s: %s exists; it is never overwritten", flag, path);
    if (errno != ENOENT && errno != ENOTDIR) /* ENOTDIR: said below, about the directory */
        return destination_error(cmd, errno, "%s: cannot use %s", flag, path);
    snprintf(part, sizeof part, "%s.part", path);
    if (lstat(part, &st) == 0)
        return usage_error(cmd, "%s: %s exists (left by an interrupted write?); remove it first",
                           flag, part);
    directory_of(path, dir, sizeof dir);
    if (stat(dir, &st) != 0)
        return destination_error(cmd, errno, "%s: cannot write %s: directory %s", flag, path,
                                 dir);
    if (!S_ISDIR(st.st_mode))
        return usage_error(cmd, "%s: cannot write %s: %s is not a directory", flag, path, dir);
    fc_error e = {0}; /* as root access() says yes to /proc: try it */
    if (access(dir, W_OK | X_OK) != 0 || fc_file_check_new(path, &e) != 0)
        return destination_error(cmd, e.code ? e.sys_errno : errno,
                                 "%s: cannot create files in %s", flag, dir);
    return 0;
}

int write_new_file(const char *cmd, const char *flag, const char *path, const void *data,
                   size_t len)
{
    fc_error err = {0};
    if (fc_file_write_new(path, data, len, &err) == 0)
        return EXIT_OK;
    const char *hint = err.sys_errno == EEXIST ? " (it is never overwritten)"
                       : err.sys_errno == ELOOP ? " (a symbolic link is never followed)"
                                                : "";
    return fail(cmd, "%s: %s%s; nothing was written", flag, err.msg, hint);
}

int write_rendered_file(const char *cmd, const char *flag, const char *path,
                        void (*render)(FILE *f, const void *ctx), const void *ctx)
{
    char *text = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&text, &len);
    if (!mem)
        return fail(cmd, "%s: %s: out of memory", flag, path);
    render(mem, ctx);
    int bad = ferror(mem);
    if (fclose(mem) != 0 || bad) {
        free(text);
        return fail(cmd, "%s: %s: out of memory while preparing it; nothing was written", flag,
                    path);
    }
    int rc = write_new_file(cmd, flag, path, text, len);
    free(text);
    return rc;
}

const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

bool cli_mpi_other_rank(void)
{
    static const char *const vars[] = {"OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK",
                                       "SLURM_PROCID"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        if (v && *v)
            return strcmp(v, "0") != 0;
    }
    return false;
}

int cli_parse_engine(const char *cmd, const char *text, cli_mpi *m)
{
    if (strcmp(text, "fork") != 0 && strcmp(text, "mpi") != 0) {
        usage_error(cmd, "--engine: '%s' is neither fork (children of this process, the "
                         "default) nor mpi (the ranks of an MPI job: mpirun -np N ...)", text);
        return -1;
    }
    m->on = text[0] == 'm';
    return 0;
}
