/*
 * forkcollect.h - libforkcollect, the fork-and-collect engine and its codecs.
 *
 * Memory rule: every struct here is owned by the caller. Functions that fill a
 * struct (fc_dataset, fc_buffer, fc_engine_result) allocate inside it; release it
 * with the matching *_free function, which also leaves it empty and reusable.
 * Inputs passed as `const` are borrowed for the call only.
 *
 * Error rule: functions return 0 on success or a negative FC_E* code, and fill the
 * caller's fc_error (may be NULL) with the code, the errno involved and a message
 * for a person: what was wrong and where (file, byte offset, child pid). Nothing in
 * the library prints, exits or keeps global error state.
 *
 * Running the engine (link with -lforkcollect, or pkg-config forkcollect):
 *
 *     fc_engine_config cfg = {.codec = fc_codec_find("json"), .start = 1, .count = 20,
 *                             .workers = 4, .iterations = 10000000};
 *     cfg.transport = &fc_transport_pipe;        // optional: files are the default
 *     fc_engine_result res;
 *     fc_error err;
 *     if (fc_engine_run(&cfg, &res, &err) != 0)  // each failed part: res.children[i]
 *         fprintf(stderr, "%s\n", err.msg);
 *     for (size_t i = 0; i < res.data.count; i++) // what was collected, in key order
 *         printf("%llu %.17g\n", (unsigned long long)res.data.keys[i], res.data.values[i]);
 *     fc_engine_result_free(&res);
 *
 * Without fork (another driver): fc_collector_open, fc_collector_accept each part's
 * bytes, fc_collector_close (below, "The engine").
 */
#ifndef FORKCOLLECT_H
#define FORKCOLLECT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ==== Errors ==== */

enum {
    FC_OK = 0,
    FC_EINVAL = -1,    /* a bad argument: a flag value, a range that overflows */
    FC_ENOMEM = -2,    /* an allocation failed */
    FC_EIO = -3,       /* a system call failed; fc_error.sys_errno says why */
    FC_ECORRUPT = -4,  /* input that is not a valid file of the format */
    FC_ECHILD = -5,    /* a child failed: killed, non-zero exit, missing results */
    FC_EKEYS = -6,     /* a child's file holds keys other than its range */
    FC_ECHECKSUM = -7, /* a file's size or checksum differs from what its child wrote */
    FC_EINTR = -8,     /* the run was cancelled (SIGINT, SIGTERM) */
    FC_EUNSUPPORTED = -9 /* the format cannot hold this data (e.g. a key too large) */
};

typedef struct fc_error {
    int code;          /* one of FC_E*, 0 when no error */
    int sys_errno;     /* errno of the failing system call, or 0 */
    char msg[512];     /* for a person: what, where, what was expected */
} fc_error;

/* Fills err (if not NULL) and returns code, so callers write `return fc_fail(...)`. */
int fc_fail(fc_error *err, int code, int sys_errno, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* The name of a code: "FC_ECORRUPT". */
const char *fc_code_name(int code);

/* ==== Buffers and datasets ==== */

typedef struct fc_buffer {
    uint8_t *data;     /* len bytes in use, cap allocated; NULL when empty */
    size_t len;
    size_t cap;
} fc_buffer;

int fc_buffer_reserve(fc_buffer *b, size_t extra, fc_error *err); /* room for extra more */
int fc_buffer_append(fc_buffer *b, const void *data, size_t n, fc_error *err);
void fc_buffer_free(fc_buffer *b);

/* Keys and values side by side; keys[i] maps to values[i]. */
typedef struct fc_dataset {
    uint64_t *keys;
    double *values;
    size_t count;      /* records in use */
    size_t cap;        /* records allocated */
} fc_dataset;

int fc_dataset_reserve(fc_dataset *d, size_t total, fc_error *err); /* cap >= total */
int fc_dataset_push(fc_dataset *d, uint64_t key, double value, fc_error *err);
void fc_dataset_free(fc_dataset *d);
/* Looks for a key held twice among records first..count-1 of d. Returns 0 when every
 * key there is unique; 1 when one repeats, with *a < *b the indices of its first two
 * occurrences (b the smallest index whose key came before); FC_ENOMEM if the check's
 * table cannot be allocated. Linear: keys in increasing order (what every writer here
 * writes) are checked in one pass with no allocation, others with a hash table of 6 to
 * 11 bytes a record, freed before it returns. */
int fc_dataset_find_repeat(const fc_dataset *d, size_t first, size_t *a, size_t *b,
                           fc_error *err);
/* Index of the first record whose key or value bits differ, or -1 if a == b exactly. */
long fc_dataset_first_difference(const fc_dataset *a, const fc_dataset *b);

/* ==== The load ==== */

/* Python's random.seed(n) followed by the in-order sum of `iterations` draws of
 * random.random(), bit for bit. */
double fc_calc(uint64_t n, uint64_t iterations);

/* The total of a run, the two ways Python adds floats (core/fsum.c).
 * fc_fsum: Python's math.fsum, the sum of v[0..count-1] correctly rounded, the same in
 * any order; Python 3.12+'s sum() gives it for the course's numbers. As math.fsum: a
 * nan among the values gives nan, infinities of one sign give that infinity; inf with
 * -inf, or a partial sum past the largest double, is FC_EINVAL (no *sum). FC_ENOMEM
 * when more than 32 partial sums are needed and malloc fails.
 * fc_sum_in_order: v[0] + v[1] + ... from the left, as Python 3.11 and older sum(). */
int fc_fsum(const double *v, size_t count, double *sum, fc_error *err);
double fc_sum_in_order(const double *v, size_t count);

/* Python's repr() of a double ("0.1", "1e+16", "-0.0", "nan", "inf"): the shortest
 * text that reads back to the same bits. buf needs FC_REPR_MAX bytes; returns the
 * length written (without the NUL). */
#define FC_REPR_MAX 32
size_t fc_format_double(double v, char *buf);
/* As json.dumps writes a float: like fc_format_double, but NaN, Infinity, -Infinity. */
size_t fc_format_double_json(double v, char *buf);

/* CRC-32C (Castagnoli) of data, continuing from crc (start with 0). */
uint32_t fc_crc32c(uint32_t crc, const void *data, size_t len);

/* ==== Codecs ==== */

/* What a format can hold: bits of fc_codec.supports (as curl's `supports` bits say
 * what a protocol handler can do). A command asks these instead of guessing from a
 * codec's name; a bit is set only when the codec's tests show it. */
enum {
    /* Every key 0..2^64-1 round-trips (otherwise only keys a double holds exactly,
     * 0..2^53, are promised). */
    FC_SUPPORTS_KEY_U64 = 1u << 0,
    /* +-Infinity and NaN are written and read back (otherwise encode refuses them). */
    FC_SUPPORTS_NONFINITE = 1u << 1,
    /* Every NaN keeps its bits (payload and sign); otherwise a NaN reads back as the
     * one quiet NaN, as in JSON and Python. */
    FC_SUPPORTS_NAN_BITS = 1u << 2,
    /* The codec is forkcollect's own code, built on no outside library (so it has no
     * library version of its own to report). */
    FC_SUPPORTS_BUILTIN = 1u << 3,
    /* Every finite double reads back to the same bits. A codec without it may change
     * some values (a JSON library that prints 15 significant digits when they read back
     * "close enough"); `compare` and `roundtrip` say how many and which. */
    FC_SUPPORTS_EXACT_DOUBLES = 1u << 4,
    /* Text values, and values nested in lists and objects: set by the codecs that
     * hold the shapes beyond numbers (fc_codec.shapes). A schema the file carries or
     * names (proto/shapes.proto for protobuf). */
    FC_SUPPORTS_STRINGS = 1u << 8,
    FC_SUPPORTS_NESTING = 1u << 9,
    FC_SUPPORTS_SCHEMA = 1u << 10
};

/* The layout version of struct fc_codec (as sqlite3_vfs.iVersion): 3 is this one
 * (2: the probe bids, `supports`; 3: decode_unverified, and records of the other
 * shapes). A codec sets .version = FC_CODEC_VERSION; a field added by a later version
 * is read only from codecs whose version has it. */
#define FC_CODEC_VERSION 3

struct fc_records; /* fc_shapes.h: records of the shapes beyond numbers */

/* The most bytes a probe is shown: the start of a file, enough to recognise it. */
#define FC_PROBE_BYTES 4096

/* One backend. Each is a const table in serializers/<name>.c, listed once: the list of
 * formats in CMakeLists.txt (docs/ARCHITECTURE.md, "Adding a format"). */
typedef struct fc_codec {
    const char *name;        /* "json", "msgpack", "protobuf", "tpl", "raw" */
    const char *extension;   /* file suffix, without the dot */
    const char *library;     /* the library it is built on, e.g. "msgpack-c" */
    /* The library's version as a string; static storage. */
    const char *(*library_version)(void);
    /* Appends the encoding of `in` to `out` (which the caller owns and frees).
     * On error `out` may hold a partial encoding. */
    int (*encode)(const fc_dataset *in, fc_buffer *out, fc_error *err);
    /* Appends the records held in data[0..len) to `out` (owned by the caller).
     * Never trusts a declared count or length: allocations are bounded by len
     * (docs/FORMATS.md gives each bound). Rejects anything else with FC_ECORRUPT
     * and a message naming the byte offset. On error `out` may hold some records. */
    int (*decode)(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err);
    /* The probe's bid, as libarchive's format bidders: how many bits of data it
     * checked and found as a file of this format starts (a 4-byte magic is 32), or
     * 0 when data cannot be the start of such a file. data is the file's first
     * bytes, at most FC_PROBE_BYTES of them, so a probe never needs the end. */
    unsigned (*probe)(const uint8_t *data, size_t len);
    unsigned version;        /* FC_CODEC_VERSION of the code that wrote the table */
    unsigned supports;       /* FC_SUPPORTS_* bits */
    /* Version 3, optional (NULL in most codecs): decode without the format's own
     * verification of untrusted bytes (FlatBuffers' Verifier), for bytes this program
     * encoded itself: `compare` times it beside decode, as zero-copy formats are
     * benchmarked both ways. Never for a file read from disk. */
    int (*decode_unverified)(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err);
    /* Version 3. The shapes other than numbers (enum fc_shape, fc_shapes.h) that the
     * format holds: bit 1u << shape for each; 0 and NULL functions when it holds none
     * yet. As encode and decode, for records of that shape: */
    unsigned shapes;
    int (*encode_records)(const struct fc_records *in, unsigned shape, fc_buffer *out,
                          fc_error *err);
    int (*decode_records)(const uint8_t *data, size_t len, unsigned shape,
                          struct fc_records *out, fc_error *err);
} fc_codec;

const fc_codec *fc_codec_find(const char *name);   /* by name or extension; NULL if unknown */
const fc_codec *fc_codec_at(size_t i);             /* NULL past the last */
size_t fc_codec_count(void);
/* The codec whose extension (or name) ends path's last component after its last
 * dot ("out/1-2.pb": protobuf); NULL when the name says nothing. */
const fc_codec *fc_codec_for_path(const char *path);
/* The codecs whose probes bid on data, highest bid first (registry order among
 * equal bids): fills up to max of them in out (and their bids in bids, if not NULL)
 * and returns how many bid. */
size_t fc_codec_bidders(const uint8_t *data, size_t len, const fc_codec **out, unsigned *bids,
                        size_t max);
/* The highest bidder for data, or NULL when no probe bids. */
const fc_codec *fc_codec_detect(const uint8_t *data, size_t len);

/* ==== Files ==== */

/* Reads the whole file at path into out (appending). For result files: it never follows
 * a symlink and never blocks; anything but a regular file (a FIFO, a directory, a
 * device) is refused with FC_EIO ("is a FIFO, not a regular file"). */
int fc_file_read(const char *path, fc_buffer *out, fc_error *err);
/* Writes data to path atomically, mode 0600: written to an unnamed file in path's
 * directory (O_TMPFILE), then linked to path, which must not exist (a symlink there is
 * never followed). Nothing is left behind on failure, nor by a kill at any moment.
 * Where the file system has no O_TMPFILE, path.part is created with
 * O_CREAT|O_EXCL|O_NOFOLLOW instead, written, linked to path and removed. */
int fc_file_write_new(const char *path, const void *data, size_t len, fc_error *err);
/* Whether fc_file_write_new could create a file in path's directory, tried the same
 * way and leaving nothing (an unnamed file closed at once, or path.part removed), for
 * a caller to find before long work that /proc, say, takes no new file. It does not
 * look at path itself. */
int fc_file_check_new(const char *path, fc_error *err);
/* The same through the temporary name `part` (NULL: path.part), recording its progress
 * in *stage as it goes (for a parent that must clean up after a child that died midway,
 * and remove only what the child made): FC_STAGE_PART once part was created by this
 * call, FC_STAGE_LINKED once path. The engine gives each child an unpredictable part
 * name, chosen before the fork, so that the parent can remove it whatever step the
 * child died at, and nobody else can take that name first. */
enum { FC_STAGE_NONE = 0, FC_STAGE_PART = 1, FC_STAGE_LINKED = 2 };
/* What a staged write has made: the stage, and from FC_STAGE_PART on the identity of
 * the file it created (st_dev, st_ino), so that whoever cleans up removes that file
 * and nothing swapped in at its name (fc_file_is). */
typedef struct fc_file_stage {
    uint32_t stage;
    uint64_t dev, ino;
} fc_file_stage;
int fc_file_write_new_staged(const char *path, const char *part, const void *data, size_t len,
                             volatile fc_file_stage *stage, fc_error *err);
/* True if path (not followed) is the regular file that *stage recorded. When path
 * cannot be looked at (lstat fails other than ENOENT: an I/O error), true if the
 * writer recorded that it linked path. */
bool fc_file_is(const char *path, const volatile fc_file_stage *stage);

/* ==== The janitor: cleaning up after a parent killed with SIGKILL ==== */

/* A small process the engine forks at the start of a run (core/janitor.c). It holds
 * one end of a socket whose other end only the parent holds (and its children, which
 * die with it). At the end of the run the parent says "done" and reaps it. If the
 * parent dies first (SIGKILL, a crash), the janitor reads EOF instead: it kills each
 * child it was told of, with its process group, removes the files they made (the
 * temporary name, and the result name if it is the file the child made: fc_file_is),
 * and the private directory with what is in it. It never outlives a run: it exits
 * on "done", or once it has cleaned up. */
typedef struct fc_janitor {
    pid_t pid;               /* 0: none */
    int fd;                  /* the parent's end of the socket; -1: none */
} fc_janitor;
/* Forks one. An error (no fork, no socket) leaves *j empty, and every call below on
 * it does nothing (fc_janitor_mkdtemp is mkdtemp): a run may go on without one. */
int fc_janitor_start(fc_janitor *j, fc_error *err);
/* mkdtemp(tmpl) for the run's private directory, the janitor told its name before it
 * exists (on the parent's death, removed only if a directory of ours is there). */
char *fc_janitor_mkdtemp(fc_janitor *j, char *tmpl);
/* Called by a child as it starts (path, part and file NULL), and again before it
 * makes a file: on the parent's death it is killed, with its process group, and part
 * and path (if path is the file that *file records: memory shared with the child) are
 * removed. */
void fc_janitor_watch(fc_janitor *j, const char *path, const char *part,
                      const volatile fc_file_stage *file);
/* Child pid is reaped, its files removed (kept false) or its result file kept for
 * the user (kept true: removed all the same if the parent dies before the end). */
void fc_janitor_forget(fc_janitor *j, pid_t pid, bool kept);
/* The run is over: the janitor is told so and reaped. */
void fc_janitor_stop(fc_janitor *j);

/* ==== Reading a result file the user named ==== */

/* The largest input read unless the caller gives another limit: 1 GiB. */
#define FC_READ_MAX_DEFAULT ((uint64_t)1 << 30)

/* How long a stream (a FIFO, a pipe) may stay silent, its writer holding it open,
 * before the read is an error rather than a wait without end: 60 s. */
#define FC_READ_IDLE_DEFAULT_MS 60000u

typedef struct fc_read_options {
    const fc_codec *from;    /* the format, as the user gave it; NULL: find it */
    uint64_t max_size;       /* refuse inputs larger than this; 0: FC_READ_MAX_DEFAULT */
    unsigned idle_ms;        /* a stream silent this long fails; 0: FC_READ_IDLE_DEFAULT_MS */
} fc_read_options;

enum fc_format_source {
    FC_FORMAT_GIVEN = 1,     /* fc_read_options.from */
    FC_FORMAT_NAME,          /* the file name's extension names a format */
    FC_FORMAT_CONTENT        /* the name says nothing; the probes' highest bid */
};

typedef struct fc_read_info {
    const fc_codec *codec;   /* the format the records were read as */
    enum fc_format_source source;
    size_t bytes;            /* the input's length */
} fc_read_info;

/* Reads the result file at path and appends its records to out. The format is
 * opt->from if given, else the one path's extension names, else the highest bidder
 * among the probes (fc_codec_bidders); when a second bidder decodes the same bytes
 * too, nothing is appended and FC_EINVAL says which formats read them. path may be a
 * symlink, a FIFO, a pipe (/dev/stdin, <(...)) or a character device: it is opened
 * so that nothing blocks (a FIFO with no writer is an error, not a hang); a regular
 * file's size is checked before it is read, a stream is read up to the limit. The
 * messages name the input, the format and how it was chosen, and, for anything
 * that could not be read, the command-line flag --from (or --max-size). info may be
 * NULL. On error out may hold some records. */
int fc_result_read(const char *path, const fc_read_options *opt, fc_dataset *out,
                   fc_read_info *info, fc_error *err);
/* The same from an open descriptor (standard input, say), called `name` in messages;
 * the format is never taken from name. fd is read from, not closed. */
int fc_result_read_fd(int fd, const char *name, const fc_read_options *opt, fc_dataset *out,
                      fc_read_info *info, fc_error *err);

/* ==== Test data ==== */

/* Fills out (appending) with one of the standard value sets:
 *   FC_VALUES_EXERCISE  keys 1..count, values fc_calc(key, iterations)
 *   FC_VALUES_EDGE      every edge class of doubles once (count is ignored): +-0,
 *                       subnormals, +-DBL_MAX, +-Inf, NaN, values needing 17 digits,
 *                       integral values, powers of ten; keys include 0 and 2^64-1
 *   FC_VALUES_RANDOM    count records of random keys and random bit patterns (seeded),
 *                       every NaN made the one quiet NaN, as JSON and Python have only one */
enum fc_values { FC_VALUES_EXERCISE, FC_VALUES_EDGE, FC_VALUES_RANDOM };
/* `param` is the exercise's iterations (FC_VALUES_EXERCISE) or the random set's seed
 * (FC_VALUES_RANDOM); the edge set takes none. */
int fc_values_make(enum fc_values kind, size_t count, uint64_t param,
                   fc_dataset *out, fc_error *err);

/* ==== Splitting work ==== */

/* The course's fork skeleton: `count` items into `parts` contiguous batches of
 * count/parts items, the leftover spread one each over the first batches. Gives the
 * offset and length of batch i. When parts > count, use fc_split_parts first. */
void fc_split(uint64_t count, unsigned parts, unsigned i, uint64_t *offset, uint64_t *len);
/* The number of non-empty batches: min(parts, count), at least 1. */
unsigned fc_split_parts(uint64_t count, unsigned parts);

/* ==== The engine: a plan and collector, a work function, drivers ====
 *
 * The engine is three parts (docs/ARCHITECTURE.md, "The engine"):
 *  - the collector (core/collect.c) plans the work, splitting start..start+count-1 into
 *    parts, and takes each part's encoded bytes from whatever driver ran it: it checks
 *    their size and CRC-32C, decodes them, checks the keys are exactly the part's range,
 *    merges them and fills the part's report. It knows nothing of processes or files;
 *  - the work function fills a part's records for its range (fc_work_calc by default);
 *  - a driver runs the work somewhere and hands the bytes to the collector. The fork
 *    driver (fc_engine_run, core/engine.c) forks one child per part, and moves each
 *    child's encoding through a transport: files (the default, the course's exercise)
 *    or pipes. An MPI driver can be built on the collector alone. */

enum fc_child_state {
    FC_CHILD_RUNNING = 0,    /* not collected yet (queued, running, or to be retried) */
    FC_CHILD_COLLECTED,      /* its bytes checked, decoded and merged */
    FC_CHILD_FAILED          /* see fc_child_report.error */
};

/* What is known about one part and the worker that ran it. Times are nanoseconds. The
 * collector fills index, first_key, count, state, error, file_bytes and decode_ns; the
 * driver the rest (the fork driver: the child's pid, status, times and path). */
typedef struct fc_child_report {
    unsigned index;          /* 0-based, in range order */
    pid_t pid;               /* the worker: a child's pid (a driver without one: 0) */
    uint64_t first_key;      /* the range: first_key .. first_key + count - 1 */
    uint64_t count;
    enum fc_child_state state;
    int status;              /* raw wait status once reaped */
    unsigned attempts;       /* children forked for this range so far */
    bool timed_out;          /* the last attempt ran past the timeout and was killed */
    bool retrying;           /* in on_collect: this failure will be retried */
    /* Written by the child into shared memory: */
    uint64_t compute_ns, encode_ns, write_ns;
    uint64_t file_bytes;     /* the encoding's size */
    /* Measured by the parent: */
    uint64_t read_ns, decode_ns;
    long max_rss_kib;        /* the child's peak resident memory, from wait4(), KiB */
    char path[4096];         /* the result file (the file transport), else "" */
    fc_error error;          /* why it failed, when state == FC_CHILD_FAILED */
} fc_child_report;
/* The name for drivers that have no children. */
typedef fc_child_report fc_part_report;

typedef struct fc_engine_result {
    fc_dataset data;         /* every key start..start+count-1 once, in key order */
    fc_child_report *children; /* one per part, in range order */
    unsigned nchildren;
    uint64_t elapsed_ns;     /* from the first fork to the last merge */
    unsigned forked;         /* children forked, retries included; 0: the run failed in
                              * its setup (directory, memory) or at its first fork, and
                              * no child ran */
    unsigned max_parallel;   /* the most children that ran at once */
    bool fork_limited;       /* fork() failed with EAGAIN, so fewer ran at once */
    bool fd_limited;         /* pipe() failed with EMFILE or ENFILE (the open-file limit:
                              * each running child takes one), so fewer ran at once */
    char dir[4096];          /* the directory used (removed unless keep); "" for pipes */
    /* What the run could not remove (unlink or rmdir failed: it is still on disk), for
     * the caller to say: how many files and directories, the first one and why. */
    unsigned left_behind;
    int left_errno;
    char left_path[4096];
    /* With a shape other than numbers: every key's record, in key order (keys
     * start..start+count-1); `data` is then empty. Freed by fc_engine_result_free. */
    struct fc_records *records;
} fc_engine_result;

/* -- The plan and collector (core/collect.c) -- */

typedef struct fc_collector fc_collector;

/* Plans start..start+count-1 in fc_split_parts(count, parts) parts and makes a collector
 * for them. Fills out->children (index, first_key, count; state FC_CHILD_RUNNING),
 * out->nchildren, and out->data (every key, its value 0 until merged); clears the rest
 * of *out. codec decodes every part. FC_EINVAL for count 0, parts 0, a range past
 * 2^64-1; FC_ENOMEM for a count that does not fit in memory. On error *col is NULL and
 * out is empty. */
int fc_collector_open(fc_collector **col, const fc_codec *codec, uint64_t start, uint64_t count,
                      unsigned parts, fc_engine_result *out, fc_error *err);

/* What the worker said it sent: checked against the bytes that arrived. */
typedef struct fc_part_sent {
    uint64_t bytes;          /* the encoding's size */
    uint32_t crc;            /* its CRC-32C (fc_crc32c(0, ...)) */
} fc_part_sent;

/* Takes part `part`'s encoding data[0..len): size and CRC-32C against *sent, decode,
 * keys exactly the part's range (each once, none outside), merge. `source` names the
 * bytes in messages ("/tmp/x/12-34.json", "its stream", "rank 3's message").
 * On success the part is FC_CHILD_COLLECTED and 0 is returned. Otherwise the part is
 * FC_CHILD_FAILED, nothing of it stays merged (so a retry starts clean), its report's
 * error says why ("child <pid> (keys a..b): <source> is 73 bytes, the child wrote 72"),
 * err gets a copy and the code is returned: FC_ECHECKSUM (size or CRC), the codec's
 * code (FC_ECORRUPT...), FC_EKEYS. A part already collected is refused with FC_EINVAL
 * and its report is left as it was; so is a part index out of range. */
int fc_collector_accept(fc_collector *col, unsigned part, const uint8_t *data, size_t len,
                        const fc_part_sent *sent, const char *source, fc_error *err);

/* Records that part `part` failed without bytes (a worker that crashed, timed out, said
 * it failed): state FC_CHILD_FAILED, error code and "child <pid> (keys a..b): <what>".
 * Returns code. */
int fc_collector_fail(fc_collector *col, unsigned part, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The part's report (NULL past the last), for the driver's own fields (pid, times). */
fc_child_report *fc_collector_part(fc_collector *col, unsigned part);

/* Collects records of another shape than numbers (fc_shapes.h): right after open,
 * before any part is accepted. FC_EUNSUPPORTED when the codec does not hold the shape;
 * out->records is then made, one record a key (null until its part is merged), and
 * `data` emptied. */
int fc_collector_set_shape(fc_collector *col, unsigned shape, fc_error *err);
/* Ends the collection: a part never collected and never failed is marked failed ("never
 * started"). Returns 0 when every part was collected, else FC_ECHILD with the first
 * failed part's message in err. Frees the collector (not out). col may be NULL. */
int fc_collector_close(fc_collector *col, fc_error *err);

/* -- The work function -- */

/* Fills out (empty, owned by the caller) with the records of keys first..first+count-1:
 * what a worker computes for one part. ctx is fc_engine_config.work_ctx. */
typedef int (*fc_work_fn)(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                          fc_dataset *out, fc_error *err);
/* The exercise: value fc_calc(key, iterations) for each key, in key order. */
int fc_work_calc(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                 fc_dataset *out, fc_error *err);

/* -- The fork driver (core/engine.c) and its transports -- */

/* How a child's encoding reaches its parent (core/transport.h has the table; a new
 * transport is one more core/transport_<name>.c). */
typedef struct fc_transport fc_transport;
/* files: <dir>/<ppid>-<pid>.<ext>, written through a .part name, read once the child
 * has exited (docs/RELIABILITY.md). The default. */
extern const fc_transport fc_transport_file;
/* pipes: the child streams a header (size, CRC-32C) and its encoding to the parent,
 * which drains every running child at once with poll(). No file is written. */
extern const fc_transport fc_transport_pipe;
/* By name ("file", "pipe"); NULL if unknown. */
const fc_transport *fc_transport_find(const char *name);
const char *fc_transport_name(const fc_transport *t);
/* The transports, in order: NULL past the last. */
const fc_transport *fc_transport_at(size_t i);

typedef struct fc_engine_config {
    const fc_codec *codec;
    uint64_t start;          /* first number */
    uint64_t count;          /* how many numbers */
    unsigned workers;        /* children to fork (fewer if count is smaller) */
    uint64_t iterations;     /* draws per number */
    const char *dir;         /* where result files go; NULL: a private directory,
                              * $TMPDIR/forkcollect-<pid>-XXXXXX (mkdtemp, mode 0700).
                              * Unused by the pipe transport. */
    bool keep;               /* keep the result files (and a private directory) */
    /* Called in the parent as each child is forked and as each is collected or fails;
     * may be NULL. The report is only valid during the call. */
    void (*on_fork)(const fc_child_report *child, void *ctx);
    void (*on_collect)(const fc_child_report *child, void *ctx);
    void *ctx;
    /* If not NULL and set non-zero (by a signal handler), the run stops its children,
     * removes what it wrote and returns FC_EINTR. */
    volatile sig_atomic_t *cancel;
    /* A child still running this many milliseconds after its fork is killed, with its
     * whole process group, and counts as failed. 0: no limit. */
    unsigned timeout_ms;
    /* A failed range is run again in a fresh child up to this many times. */
    unsigned retries;
    /* Used instead of fork() when not NULL: a seam for tests (fork failing with
     * EAGAIN). Must behave like fork(). */
    pid_t (*fork_fn)(void);
    /* What each child computes; NULL: fc_work_calc. work_ctx is passed to it. */
    fc_work_fn work;
    void *work_ctx;
    /* How each child's encoding reaches the parent; NULL: &fc_transport_file. */
    const fc_transport *transport;
    /* The shape of the records (enum fc_shape, fc_shapes.h); 0: numbers, the course.
     * A child makes another shape's records with fc_shape_records (`work` is for
     * numbers), or cuts them from `input` for FC_SHAPE_INPUT (keys 0..n-1: start and
     * count pick among them), encodes them with the codec's encode_records, and the
     * parent collects them into the result's `records`. */
    unsigned shape;
    const struct fc_records *input;
} fc_engine_config;

/* Runs the exercise. Returns 0 only when every child was collected; otherwise
 * FC_ECHILD (see each child's report), FC_EINTR, or a setup error. In every case
 * the result files are removed unless cfg->keep, and `out` holds what is known.
 *
 * Signals: if SIGCHLD is ignored (SIG_IGN) or has SA_NOCLDWAIT, the kernel would reap
 * the children before the engine could read their status; so for the duration of the
 * call SIGCHLD takes its default action (a handler stays, without SA_NOCLDWAIT), and the
 * caller's setting is put back before it returns. Meanwhile the caller's own children
 * that end are not reaped automatically: they wait as zombies for the caller's waitpid().
 * A caller whose SIGCHLD handler calls waitpid(-1) takes the engine's children's status:
 * those children are then reported as failed ("its exit status could not be read"). */
int fc_engine_run(const fc_engine_config *cfg, fc_engine_result *out, fc_error *err);
void fc_engine_result_free(fc_engine_result *r);

/* Monotonic clock in nanoseconds. */
uint64_t fc_now_ns(void);

#ifdef __cplusplus
}
#endif
#endif /* FORKCOLLECT_H */
