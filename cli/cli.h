/* cli.h - what the subcommands share. Only cli/ prints; only cli/ exits. */
#ifndef FC_CLI_H
#define FC_CLI_H

#include "forkcollect.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

/* Exit statuses (README.md, "Exit status"). */
enum {
    EXIT_OK = 0,      /* everything worked */
    EXIT_FAIL = 1,    /* the job failed: a child, a file, a round trip */
    EXIT_USAGE = 2,   /* a wrong flag or value */
    EXIT_SIGINT = 130,
    EXIT_SIGTERM = 143
};

/* Prints "forkcollect CMD: <message> (see 'forkcollect CMD --help')" to stderr;
 * returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "forkcollect CMD: <message>" to stderr; returns EXIT_FAIL. */
int fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints "forkcollect CMD: <message>" to stderr: a warning, or what a command says
 * beside its report (the same line as fail's, without deciding the exit status). */
void note(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ==== Flags: the one option parser every command uses ====
 *
 * A command describes itself and its flags, and gets a call for each flag given:
 *
 *     static int run_flag(void *ctx, int id, const char *value)   0, or -1 after a
 *     { switch (id) { case 'n': return parse_u64(...); ... } }    usage error
 *
 *     static const cli_flag RUN_FLAGS[] = {{"count", 'n', true, 'n'},
 *                                          {"keep", 'k', false, 'k'}, {NULL, 0, false, 0}};
 *     static const cli_command RUN = {"run", RUN_HELP, RUN_FLAGS, 0, run_flag};
 *
 *     int status = cli_parse(&RUN, argc, argv, &request, &nargs);
 *     if (status != CLI_GO_ON)
 *         return status;      EXIT_OK after --help, EXIT_USAGE after a usage error
 *     the nargs arguments that are not flags are now argv[1] .. argv[nargs]
 *
 * It reads --name VALUE, --name=VALUE, -n VALUE, -nVALUE, clusters (-kn4), any
 * unambiguous beginning of a long name (--it), "--" (all after it are arguments), and
 * "-" as an argument. -h and --help are every command's. A value is the next argument
 * whatever it looks like (--start -5 gives "-5" to the flag). Each mistake is one line
 * through usage_error: an unknown flag (with the cluster it came in), an ambiguous
 * beginning (with the flags it could be), a value given to a flag that takes none, a
 * missing value, more than max_args arguments. */
typedef struct cli_flag {
    const char *name;    /* the long name, without "--"; NULL ends the list */
    char letter;         /* the short name (-n), or 0 */
    bool has_value;
    int id;              /* passed to on_flag; > 0 */
} cli_flag;

typedef struct cli_command {
    const char *name;    /* "run", for messages */
    const char *help;    /* printed on stdout for -h / --help */
    const cli_flag *flags;
    int max_args;        /* arguments that are not flags it takes (dump FILE: 1) */
    int (*on_flag)(void *ctx, int id, const char *value);
} cli_command;

enum { CLI_GO_ON = -1 };
/* Returns CLI_GO_ON, or the exit status the command must return now. nargs may be
 * NULL when max_args is 0. */
int cli_parse(const cli_command *c, int argc, char **argv, void *ctx, int *nargs);

/* Parses a whole decimal number in [min, max] (digits only, "_" and "," allowed as
 * separators: 10_000_000). On error prints a usage error and returns -1. */
int parse_u64(const char *cmd, const char *flag, const char *text, uint64_t min, uint64_t max,
              uint64_t *out);
/* "s" unless n is 1: "%llu number%s". */
const char *plural(uint64_t n);
/* Looks up a format by name; on error prints the known ones and returns NULL. */
const fc_codec *parse_format(const char *cmd, const char *flag, const char *name);
/* --transport: "file" or "pipe" (fc_transport_find); on error prints the known ones and
 * returns NULL. */
const fc_transport *parse_transport(const char *cmd, const char *text);
/* --shape: a shape's name into *shape (enum fc_shape); 0, or -1 after a usage error. */
int parse_shape(const char *cmd, const char *text, unsigned *shape);
/* "json, msgpack or protobuf": the formats built that hold shape (static storage). */
const char *shape_holders(unsigned shape);
/* Parses "raw,json" (or "all") into codecs[]; returns the count, or -1 after an error. */
int parse_format_list(const char *cmd, const char *text, const fc_codec **codecs, int max);
/* Prints a help text to stdout with each "{formats}" replaced by the formats built, from
 * the registry: "raw, json, msgpack, protobuf or tpl". */
void print_help(const char *text);
/* Calls item(cmd, each, ctx) for each comma-separated item of a flag's value, of any
 * length; an empty item is a usage error. Returns 0, or -1 once an error is printed
 * (item returns -1 after printing its own). */
int for_each_item(const char *cmd, const char *flag, const char *text,
                  int (*item)(const char *cmd, const char *text, void *ctx), void *ctx);

/* Files written for the user (--save, --chart). Each is created new: never through a
 * symbolic link, never over an existing file, nothing left behind when it fails
 * (fc_file_write_new: an unnamed O_TMPFILE file, then linkat() to PATH).
 *
 * check_new_file: before any work, that PATH can be created: nothing at PATH (not even
 * a dangling symbolic link), no stale PATH.part, a directory that exists and can be
 * written. Prints an error naming the path; returns 0, EXIT_USAGE for what the user
 * can mend (a missing directory, no permission), EXIT_FAIL for a failed system call.
 * write_new_file: writes data there; prints what went wrong; EXIT_OK or EXIT_FAIL.
 * write_rendered_file: render(f, ctx) prints into memory first, then write_new_file. */
int check_new_file(const char *cmd, const char *flag, const char *path);
int write_new_file(const char *cmd, const char *flag, const char *path, const void *data,
                   size_t len);
int write_rendered_file(const char *cmd, const char *flag, const char *path,
                        void (*render)(FILE *f, const void *ctx), const void *ctx);

/* Signals (docs/RELIABILITY.md, "Signals").
 * cli_start(), first in main(), puts right what the process inherited: fds 0-2 closed,
 * signals blocked, SIGCHLD or SIGINT/SIGTERM ignored. It also ignores SIGXFSZ (a write
 * past `ulimit -f` fails with EFBIG and is reported) and sets SIGPIPE to its default. */
void cli_start(void);
/* From cli_catch_signals() on, a stop signal (SIGINT, SIGTERM, SIGHUP, SIGQUIT,
 * SIGUSR1/2, SIGALRM, SIGVTALRM, SIGPROF, SIGXCPU, SIGIO, SIGPWR, real-time signals;
 * not one inherited ignored, except SIGINT and SIGTERM) sets cli_cancel to its number
 * (the engine's cancel flag: it stops the children and removes what the run wrote);
 * SIGPIPE is ignored, so a reader that goes away cannot end a command before it
 * cleans up. Children forked later end by these signals as before. */
extern volatile sig_atomic_t cli_cancel;
void cli_catch_signals(void);
/* The last look before exit: blocks the stop signals (one arriving later dies with
 * the process) and returns cli_cancel. */
int cli_last_check(void);
/* "SIGINT", "SIGRTMIN+3", ... (buf is used for names not in the table). */
const char *cli_signal_name(int sig, char buf[16]);
/* Prints "forkcollect CMD: interrupted by SIGHUP: <what>" (what NULL: "children
 * stopped, files removed"); returns 128 + the signal's number (130 for SIGINT). */
int cli_interrupted(const char *cmd, const char *what);

/* fflush(stdout), remembering why it failed, for cli_output_status(). */
void cli_flush(void);
/* Checks that all that was written to stdout reached it: flushes and closes stdout.
 * On failure prints "forkcollect CMD: cannot write to standard output: <reason><tail>"
 * ("standard output was closed early" for EPIPE) and returns EXIT_FAIL in place of
 * EXIT_OK; otherwise returns rc. Only the first call checks: main() calls it after
 * every command, a command may call it earlier (before its last check for a signal). */
int cli_output_status(const char *cmd, const char *tail, int rc);

/* The extension of path's last component: a pointer to its last dot, or NULL when it
 * has none ("out/1-2.pb": ".pb"). A dot that begins the component is a hidden file's
 * name, not an extension (".json"), as for fc_codec_for_path, which names the format
 * an extension says. The one extension helper of cli/. */
const char *path_extension(const char *path);

/* Samples summarised: their median, least and greatest. */
typedef struct stats {
    double median, min, max;
} stats;
/* Sorts v[0..n) and summarises it (all zero when n is 0): the one median of cli/. */
stats stats_of(double *v, unsigned n);

/* A human duration: "812 ns", "3.2 us", "41.0 ms", "1.234 s". */
const char *human_ns(double ns, char buf[32]);

/* Reads a result file in any format (fc_result_read; "-" is standard input) and
 * prints its error, which names the file, the format and what to do. */
int read_result_file(const char *cmd, const char *path, const fc_read_options *opt,
                     fc_dataset *out, fc_read_info *info);

/* ==== --engine mpi (docs/ARCHITECTURE.md, "MPI") ====
 * forkcollect never links MPI: there, cli/mpi_exec.c's cli_mpi_start() runs
 * forkcollect-mpi (built next to it when MPI was found) with main()'s arguments, in place
 * of this process (execv keeps the pid, so the rank mpirun started stays the same rank).
 * forkcollect-mpi has cli/mpi.c instead, the same commands over the MPI driver. */
typedef struct cli_mpi {
    bool on;             /* --engine mpi */
    bool file;           /* --transport file (else the bytes go in MPI messages) */
} cli_mpi;
/* main()'s argc and argv, untouched by the option parser. */
extern int cli_argc;
extern char **cli_argv;
/* Before MPI_Init: true when the launcher (mpirun, srun) says this process is a rank
 * other than 0, which writes nothing for the user (so --save's path is rank 0's). */
bool cli_mpi_other_rank(void);
/* Parses --engine's value into m; 0, or -1 after a usage error. */
int cli_parse_engine(const char *cmd, const char *text, cli_mpi *m);
/* After the flags of a command with --engine mpi: starts MPI (MPI_Init). Returns
 * CLI_GO_ON on rank 0, with cfg->workers the ranks that compute and cfg's printers
 * those of ranks; on any other rank, it does that rank's work and returns its exit
 * status, as it does after a usage error (fewer than 2 ranks). */
int cli_mpi_start(const char *cmd, fc_engine_config *cfg, const cli_mpi *m);
/* Rank 0: runs the job as fc_engine_run runs the fork engine, and fills res the same
 * way. A job that cannot end cleanly (a rank timed out or broke the protocol) is ended
 * with MPI_Abort when the process exits; a cancelled one without MPI_Finalize. */
int cli_mpi_run(const fc_engine_config *cfg, const cli_mpi *m, fc_engine_result *res,
                fc_error *err);

int cmd_run(int argc, char **argv);
int cmd_formats(int argc, char **argv);
int cmd_roundtrip(int argc, char **argv);
int cmd_convert(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_compare(int argc, char **argv);
int cmd_scale(int argc, char **argv);

#endif
