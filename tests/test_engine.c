/* test_engine.c - the fork driver: forks, files or pipes, checks, merges, cleans up.
 * Faults are made with work functions defined here (a child that crashes, exits
 * non-zero, computes keys outside its range) and with codecs (one that cannot encode,
 * one that writes what cannot be decoded), so every path goes through fork, wait and
 * the transport exactly as a real run does. The collector alone is tests/test_collect.c. */
#include "testutil.h"
#include "seams.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char tmpdir[256];

/* Each test gets its own TMPDIR, so leftovers can be counted exactly. */
static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    setenv("TMPDIR", tmpdir, 1);
}

static int entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void teardown(void)
{
    rmdir(tmpdir);
}

static fc_engine_config config(const fc_codec *c, uint64_t count, unsigned workers)
{
    return (fc_engine_config){.codec = c, .start = 1, .count = count, .workers = workers,
                              .iterations = 200};
}

/* Loop index i: transport i / n of the n faults' (or formats') tests. */
static const fc_transport *transport_of(int i, int n)
{
    return i / n ? &fc_transport_pipe : &fc_transport_file;
}

/* Whether the codec under test keeps every bit (FC_SUPPORTS_EXACT_DOUBLES). */
static bool values_exact = true;

static void assert_exercise_values(const fc_engine_result *r, uint64_t start, uint64_t count)
{
    ck_assert_uint_eq(r->data.count, count);
    for (uint64_t i = 0; i < count; i++) {
        ck_assert_uint_eq(r->data.keys[i], start + i);
        if (values_exact) /* a codec that may lose bits: the keys only */
            ck_assert_uint_eq(bits(r->data.values[i]), bits(fc_calc(start + i, 200)));
    }
}

START_TEST(same_results_for_every_worker_count)
{
    int nformats = (int)fc_codec_count();
    const fc_codec *c = fc_codec_at((size_t)(_i % nformats));
    values_exact = (c->supports & FC_SUPPORTS_EXACT_DOUBLES) != 0;
    for (unsigned p = 1; p <= 8; p++) {
        fc_engine_config cfg = config(c, 20, p);
        cfg.transport = transport_of(_i, nformats);
        fc_engine_result r;
        fc_error e = {0};
        ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s P=%u: %s", c->name, p, e.msg);
        ck_assert_uint_eq(r.nchildren, p);
        assert_exercise_values(&r, 1, 20);
        for (unsigned i = 0; i < r.nchildren; i++) {
            ck_assert_int_eq(r.children[i].state, FC_CHILD_COLLECTED);
            ck_assert_uint_gt(r.children[i].file_bytes, 0);
        }
        fc_engine_result_free(&r);
        ck_assert_int_eq(entries(tmpdir), 0); /* the private directory is gone too */
    }
}
END_TEST

START_TEST(more_workers_than_numbers)
{
    fc_engine_config cfg = config(fc_codec_find("raw"), 3, 8);
    cfg.start = UINT64_MAX - 2; /* the last three keys there are */
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r.nchildren, 3);
    for (unsigned i = 0; i < 3; i++)
        ck_assert_uint_eq(r.children[i].count, 1);
    assert_exercise_values(&r, UINT64_MAX - 2, 3);
    fc_engine_result_free(&r);
}
END_TEST

START_TEST(keep_leaves_named_private_files_python_would_write)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/out", tmpdir);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    fc_engine_config cfg = config(fc_codec_find("json"), 5, 1);
    cfg.iterations = 1000;
    cfg.dir = dir;
    cfg.keep = true;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    char want[4096];
    snprintf(want, sizeof want, "%s/%ld-%ld.json", dir, (long)getpid(), (long)r.children[0].pid);
    ck_assert_str_eq(r.children[0].path, want);
    struct stat st;
    ck_assert_int_eq(stat(want, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    fc_buffer got = {0}, vec = read_vector("json-1-5-iter1000.json");
    ck_assert_int_eq(fc_file_read(want, &got, NULL), 0);
    ck_assert_uint_eq(got.len, vec.len);
    ck_assert_int_eq(memcmp(got.data, vec.data, got.len), 0);
    ck_assert_int_eq(entries(dir), 1); /* no .part left over */
    unlink(want);
    rmdir(dir);
    fc_buffer_free(&got);
    fc_buffer_free(&vec);
    fc_engine_result_free(&r);
}
END_TEST

START_TEST(bad_configurations)
{
    fc_engine_result r;
    fc_error e = {0};
    fc_engine_config cfg = config(fc_codec_find("raw"), 0, 2);
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EINVAL);
    fc_engine_result_free(&r);
    cfg = config(fc_codec_find("raw"), 2, 0);
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EINVAL);
    fc_engine_result_free(&r);
    cfg = config(fc_codec_find("raw"), 3, 1);
    cfg.start = UINT64_MAX - 1;
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EINVAL);
    ck_assert_str_eq(e.msg, "numbers 18446744073709551614 + 3 run past 2^64-1");
    fc_engine_result_free(&r);
    cfg = config(fc_codec_find("raw"), 3, 1);
    cfg.dir = "/nonexistent/forkcollect";
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "/nonexistent/forkcollect: No such file or directory");
    ck_assert_uint_eq(r.forked, 0); /* a setup failure: no child ran */
    ck_assert_uint_eq(r.children[0].count, 3); /* the ranges are known all the same */
    fc_engine_result_free(&r);
    cfg.dir = "/etc/hostname";
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "/etc/hostname: not a directory");
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* ==== Faulty children ==== */

static int raw_encode(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    return fc_codec_find("raw")->encode(in, out, err);
}

static int raw_decode(const uint8_t *data, size_t len, fc_dataset *out, fc_error *err)
{
    return fc_codec_find("raw")->decode(data, len, out, err);
}

static unsigned no_probe(const uint8_t *data, size_t len)
{
    (void)data, (void)len;
    return 0;
}

static const char *no_version(void)
{
    return "test";
}

/* The child holding key 1 misbehaves; the others compute as fc_work_calc does. */
static int work_fails(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                      fc_dataset *out, fc_error *err)
{
    if (first == 1)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "this work cannot");
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

static int work_crashes(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                        fc_dataset *out, fc_error *err)
{
    if (first == 1)
        raise(SIGKILL);
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

static int work_exits(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                      fc_dataset *out, fc_error *err)
{
    if (first == 1)
        _exit(3);
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

static int work_wrong_keys(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                           fc_dataset *out, fc_error *err)
{
    int rc = fc_work_calc(first, count, iterations, ctx, out, err);
    for (size_t i = 0; first == 1 && i < out->count; i++)
        out->keys[i] += 100;
    return rc;
}

static int work_duplicate_key(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                              fc_dataset *out, fc_error *err)
{
    int rc = fc_work_calc(first, count, iterations, ctx, out, err);
    for (size_t i = 0; first == 1 && i < out->count; i++)
        out->keys[i] = first;
    return rc;
}

static int work_one_short(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                          fc_dataset *out, fc_error *err)
{
    int rc = fc_work_calc(first, count, iterations, ctx, out, err);
    if (first == 1)
        out->count--; /* the last record left out */
    return rc;
}

static int work_exits_quietly(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                              fc_dataset *out, fc_error *err)
{
    if (first == 1)
        _exit(0); /* "success", with no results and nothing in its slot */
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

/* Codec faults: raw's encoding, except for the child holding key 1. */
static int encode_fails(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->keys[0] == 1)
        return fc_fail(err, FC_EUNSUPPORTED, 0, "this codec cannot");
    return raw_encode(in, out, err);
}

static int encode_garbage(const fc_dataset *in, fc_buffer *out, fc_error *err)
{
    if (in->keys[0] != 1)
        return raw_encode(in, out, err);
    return fc_buffer_append(out, "garbage", 7, err);
}

static const struct fault {
    const char *name;
    fc_work_fn work;     /* NULL: fc_work_calc */
    int (*encode)(const fc_dataset *, fc_buffer *, fc_error *); /* NULL: raw's */
    int code;
    const char *message; /* what the failed child's report says after its keys */
} faults[] = {
    {"work error", work_fails, NULL, FC_EUNSUPPORTED, "this work cannot"},
    {"encode error", NULL, encode_fails, FC_EUNSUPPORTED, "this codec cannot"},
    {"killed", work_crashes, NULL, FC_ECHILD, "killed by signal 9 (Killed)"},
    {"exit 3", work_exits, NULL, FC_ECHILD, "exited with status 3"},
    {"wrong keys", work_wrong_keys, NULL, FC_EKEYS, "record 0 has key 101, outside the range"},
    {"duplicate key", work_duplicate_key, NULL, FC_ECORRUPT,
     "offset 40: key 1 again (first at offset 24)"}, /* the decoder finds it (issue 11.2) */
    {"undecodable", NULL, encode_garbage, FC_ECORRUPT, "(faulty): offset 7: file ends inside"},
    {"a record short", work_one_short, NULL, FC_EKEYS, "holds 3 records, expected 4"},
    {"exit 0, no results", work_exits_quietly, NULL, FC_ECHILD,
     "exited without reporting its results"},
};
#define NFAULTS (int)(sizeof faults / sizeof faults[0])

START_TEST(a_failed_child_is_reported_and_the_others_collected)
{
    const struct fault *f = &faults[_i % NFAULTS];
    fc_codec faulty = {.name = "faulty", .extension = "fault", .library = "test",
                       .library_version = no_version, .encode = f->encode ? f->encode : raw_encode,
                       .decode = raw_decode, .probe = no_probe};
    fc_engine_config cfg = config(&faulty, 12, 3);
    cfg.work = f->work;
    cfg.transport = transport_of(_i, NFAULTS);
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    ck_assert_uint_eq(r.nchildren, 3);
    const fc_child_report *bad = &r.children[0];
    ck_assert_int_eq(bad->state, FC_CHILD_FAILED);
    ck_assert_msg(bad->error.code == f->code, "%s: code %s", f->name,
                  fc_code_name(bad->error.code));
    char prefix[128];
    snprintf(prefix, sizeof prefix, "child %ld (keys 1..4): ", (long)bad->pid);
    ck_assert_msg(strncmp(bad->error.msg, prefix, strlen(prefix)) == 0 &&
                      strstr(bad->error.msg, f->message) != NULL,
                  "%s: \"%s\"", f->name, bad->error.msg);
    ck_assert_str_eq(e.msg, bad->error.msg); /* the run's error names the child */
    for (unsigned i = 1; i < 3; i++)
        ck_assert_int_eq(r.children[i].state, FC_CHILD_COLLECTED);
    for (uint64_t k = 5; k <= 12; k++) /* what was collected is there */
        ck_assert_uint_eq(bits(r.data.values[k - 1]), bits(fc_calc(k, 200)));
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0); /* nothing left behind */
}
END_TEST

/* ==== Timeouts, retries, fork failures, write errors ==== */

/* True once process pid has died, within 2 s. It is not our child (it was reparented),
 * so poll until whoever adopted it has reaped it, or it shows as a zombie. */
static bool dies_soon(long pid)
{
    for (int i = 0; i < 100; i++) {
        char path[64], state = '?';
        snprintf(path, sizeof path, "/proc/%ld/stat", pid);
        FILE *st = fopen(path, "r");
        bool gone = !st || fscanf(st, "%*d %*s %c", &state) != 1 || state == 'Z';
        if (st)
            fclose(st);
        if (gone)
            return true;
        nanosleep(&(struct timespec){0, 20000000}, NULL);
    }
    return false;
}

static char grandchild_pidfile[300];

/* The child for key 1 starts a grandchild in its process group, then hangs. */
static int work_hangs(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                      fc_dataset *out, fc_error *err)
{
    if (first != 1)
        return fc_work_calc(first, count, iterations, ctx, out, err);
    pid_t g = fork();
    if (g == 0) {
        for (;;)
            pause();
    }
    FILE *f = fopen(grandchild_pidfile, "w");
    fprintf(f, "%ld\n", (long)g);
    fclose(f);
    for (;;)
        pause();
}

START_TEST(a_hung_child_is_killed_with_its_process_group)
{
    snprintf(grandchild_pidfile, sizeof grandchild_pidfile, "%s.grandchild", tmpdir);
    fc_engine_config cfg = config(fc_codec_find("raw"), 6, 3);
    cfg.work = work_hangs;
    cfg.timeout_ms = 300;
    fc_engine_result r;
    fc_error e = {0};
    uint64_t t0 = fc_now_ns();
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    ck_assert_uint_lt(fc_now_ns() - t0, 5000000000u); /* it did not hang */
    ck_assert(r.children[0].timed_out);
    ck_assert_msg(strstr(r.children[0].error.msg, "still running after the 0.300 s timeout: "
                                                  "killed with its process group"),
                  "%s", r.children[0].error.msg);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    ck_assert_int_eq(r.children[2].state, FC_CHILD_COLLECTED);
    /* The grandchild was in the child's group: it was killed too. */
    FILE *f = fopen(grandchild_pidfile, "r");
    ck_assert_ptr_nonnull(f);
    long g = 0;
    ck_assert_int_eq(fscanf(f, "%ld", &g), 1);
    fclose(f);
    unlink(grandchild_pidfile);
    ck_assert_msg(dies_soon(g), "grandchild %ld survived the timeout", g);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* The second child (keys 3..4) ends 200 ms after it starts, well before its 1 s
 * deadline; the parent is busy for 1.5 s collecting the first. An earlier version
 * judged the deadline when it next looked, and reported the second child "still
 * running after the timeout", its results discarded. */
static int work_slowly_after_key_1(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                                   fc_dataset *out, fc_error *err)
{
    if (first != 1)
        nanosleep(&(struct timespec){0, 200000000}, NULL);
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

static void busy_after_the_first(const fc_child_report *c, void *ctx)
{
    (void)ctx;
    if (c->index == 0)
        nanosleep(&(struct timespec){1, 500000000}, NULL);
}

START_TEST(a_child_that_ended_in_time_is_not_a_timeout_when_the_parent_was_busy)
{
    fc_engine_config cfg = config(fc_codec_find("raw"), 4, 2);
    cfg.work = work_slowly_after_key_1;
    cfg.timeout_ms = 1000;
    cfg.on_collect = busy_after_the_first;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert(!r.children[1].timed_out);
    assert_exercise_values(&r, 1, 4);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* Each child notes its pid in grandchild_pidfile's place, then hangs. */
static void note_pid_and_hang(void)
{
    FILE *f = fopen(grandchild_pidfile, "a");
    fprintf(f, "%ld\n", (long)getpid());
    fclose(f);
    for (;;)
        pause();
}

static int work_notes_pid_and_hangs(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                                    fc_dataset *out, fc_error *err)
{
    (void)first, (void)count, (void)iterations, (void)ctx, (void)out, (void)err;
    note_pid_and_hang();
    return 0; /* not reached */
}

/* Each child starts a grandchild in its process group; both note their pids and hang. */
static int work_starts_a_grandchild_and_hangs(uint64_t first, uint64_t count,
                                              uint64_t iterations, void *ctx, fc_dataset *out,
                                              fc_error *err)
{
    (void)fork();
    return work_notes_pid_and_hangs(first, count, iterations, ctx, out, err);
}

static int hang_step;

static void hang_at_step(const char *part, int step)
{
    (void)part;
    if (step == hang_step)
        note_pid_and_hang();
}

/* The parent is killed with SIGKILL mid-run: its children die with it
 * (PR_SET_PDEATHSIG), so none is left computing, and the janitor (core/janitor.c)
 * removes what they made. The loop's index: 0, the children hang computing, in a
 * private directory; 1, with their .part files made, in --dir; 2, with both their
 * names made, in a private directory; 3, over pipes, each with a grandchild in its
 * process group, which PR_SET_PDEATHSIG does not reach: the janitor kills the group.
 * Before the janitor, the private directory and the files stayed (issue 10). */
START_TEST(children_die_with_a_parent_killed_by_sigkill)
{
    static const int steps[4] = {-1, FC_SEAM_CREATED, FC_SEAM_LINKED, -1};
    char dir[300];
    snprintf(dir, sizeof dir, "%s/out", tmpdir);
    if (_i == 1)
        ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(grandchild_pidfile, sizeof grandchild_pidfile, "%s.pids", tmpdir);
    pid_t parent = fork();
    ck_assert_int_ge(parent, 0);
    if (parent == 0) {
        hang_step = steps[_i];
        fc_seam_write_step = hang_at_step;
        fc_engine_config cfg = config(fc_codec_find("raw"), 2, 2);
        cfg.work = _i == 0 ? work_notes_pid_and_hangs
                 : _i == 3 ? work_starts_a_grandchild_and_hangs : NULL;
        cfg.transport = _i == 3 ? &fc_transport_pipe : NULL;
        cfg.dir = _i == 1 ? dir : NULL;
        fc_engine_result r;
        fc_engine_run(&cfg, &r, NULL);
        _exit(1);
    }
    long pids[4] = {0, 0, 0, 0};
    int want = _i == 3 ? 4 : 2, got = 0; /* 3: the grandchildren too */
    for (int i = 0; i < 500 && got < want; i++) { /* wait until all of them hang */
        nanosleep(&(struct timespec){0, 10000000}, NULL);
        FILE *f = fopen(grandchild_pidfile, "r");
        for (got = 0; f && got < want && fscanf(f, "%ld", &pids[got]) == 1; got++)
            ;
        if (f)
            fclose(f);
    }
    ck_assert_msg(got == want, "the children did not start");
    if (_i == 1)
        ck_assert_int_eq(entries(dir), 2); /* the two .part files */
    ck_assert_int_eq(kill(parent, SIGKILL), 0);
    ck_assert_int_eq(waitpid(parent, NULL, 0), parent);
    bool died = true;
    for (int i = 0; i < want; i++)
        died = dies_soon(pids[i]) && died;
    if (!died) /* leave no orphan behind, holding the test runner's output open */
        for (int i = 0; i < want; i++)
            kill((pid_t)pids[i], SIGKILL);
    ck_assert_msg(died, "a child (or a grandchild, in its process group) outlived its parent");
    unlink(grandchild_pidfile);
    const char *where = _i == 1 ? dir : tmpdir;
    for (int i = 0; i < 300 && entries(where) > 0; i++) /* the janitor's work: 3 s at most */
        nanosleep(&(struct timespec){0, 10000000}, NULL);
    ck_assert_int_eq(entries(where), 0);
    rmdir(dir);
}
END_TEST

static char attempt_marker[300];

/* Fails the first time the range of key 1 is tried, succeeds after. */
static int work_fails_once(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                           fc_dataset *out, fc_error *err)
{
    if (first == 1 && access(attempt_marker, F_OK) != 0) {
        close(open(attempt_marker, O_CREAT | O_WRONLY, 0600));
        raise(SIGKILL);
    }
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

START_TEST(retries_rerun_a_failed_range_in_a_fresh_child)
{
    snprintf(attempt_marker, sizeof attempt_marker, "%s.attempt", tmpdir);
    fc_engine_config cfg = config(fc_codec_find("raw"), 9, 3);
    cfg.work = work_fails_once;
    cfg.retries = 1;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r.children[0].attempts, 2);
    ck_assert_uint_eq(r.children[1].attempts, 1);
    ck_assert_uint_eq(r.forked, 4);
    assert_exercise_values(&r, 1, 9);
    fc_engine_result_free(&r);
    /* Without retries the same fault fails the run. */
    unlink(attempt_marker);
    cfg.retries = 0;
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    ck_assert_uint_eq(r.children[0].attempts, 1);
    fc_engine_result_free(&r);
    unlink(attempt_marker);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* fork() as under a process limit: EAGAIN while `live_limit` children are alive. */
static int live, live_limit;

static pid_t limited_fork(void)
{
    if (live >= live_limit) {
        errno = EAGAIN;
        return -1;
    }
    pid_t p = fork();
    if (p > 0)
        live++;
    return p;
}

static void one_less(const fc_child_report *c, void *ctx)
{
    (void)c, (void)ctx;
    live--;
}

START_TEST(fork_eagain_runs_fewer_at_once)
{
    fc_engine_config cfg = config(fc_codec_find("raw"), 8, 4);
    cfg.fork_fn = limited_fork;
    cfg.on_collect = one_less;
    live = 0;
    live_limit = 2;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert(r.fork_limited);
    ck_assert_uint_eq(r.max_parallel, 2);
    assert_exercise_values(&r, 1, 8);
    fc_engine_result_free(&r);

    /* No fork possible at all: a clear error, nothing left behind. */
    live = 0;
    live_limit = 0;
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EIO);
    ck_assert_str_eq(e.msg, "fork for keys 1..2 failed: Resource temporarily unavailable");
    ck_assert_int_eq(e.sys_errno, EAGAIN);
    ck_assert_uint_eq(r.forked, 0);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* The open-file limit that leaves `free` descriptors to open in this process (those
 * open already stay open, whatever their number). */
static rlim_t limit_leaving(int free)
{
    int fd = 0;
    for (; free > 0; fd++)
        free -= fcntl(fd, F_GETFD) == -1;
    return (rlim_t)fd;
}

/* Under an open-file limit, pipe() fails with EMFILE: the run goes on with fewer at
 * once, as under a process limit, and fails only when not even one child can run. An
 * earlier version aborted at the first such pipe(). */
START_TEST(pipe_emfile_runs_fewer_at_once)
{
    /* Only the soft limit is lowered (room for a few pipes): valgrind refuses any change
     * of the hard one, and the soft limit is what makes pipe() fail with EMFILE. */
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    rl.rlim_cur = limit_leaving(6);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    fc_engine_config cfg = config(fc_codec_find("json"), 24, 24);
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert(r.fd_limited);
    ck_assert(!r.fork_limited);
    ck_assert_uint_lt(r.max_parallel, 24);
    ck_assert_uint_ge(r.max_parallel, 1);
    assert_exercise_values(&r, 1, 24);
    fc_engine_result_free(&r);

    /* No pipe possible at all: a clear error, nothing left behind. */
    rl.rlim_cur = limit_leaving(1);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EIO);
    ck_assert_int_eq(e.sys_errno, EMFILE);
    ck_assert_str_eq(e.msg, "pipe for keys 1..1 failed: Too many open files (the open-file "
                            "limit, ulimit -n: each running child takes one)");
    ck_assert_uint_eq(r.forked, 0);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* A stale file from another run sits at the name the first child will want (with
 * plant_suffix ".part": at the temporary name an earlier version used, <name>.part). */
static char stale_dir[300];
static const char *plant_suffix = "";
static int planted;

static pid_t fork_and_plant(void)
{
    int gate[2];
    ck_assert_int_eq(pipe(gate), 0);
    pid_t p = fork();
    if (p == 0) { /* the child waits until the stale file is in place */
        char byte;
        close(gate[1]);
        ck_assert_int_eq(read(gate[0], &byte, 1), 1);
        close(gate[0]);
        return 0;
    }
    close(gate[0]);
    if (p > 0 && !planted) {
        char path[400];
        snprintf(path, sizeof path, "%s/%ld-%ld.raw%s", stale_dir, (long)getpid(), (long)p,
                 plant_suffix);
        FILE *f = fopen(path, "w");
        fputs("stale", f);
        fclose(f);
        planted = 1;
    }
    ck_assert_int_eq(write(gate[1], "go", 1), 1);
    close(gate[1]);
    return p;
}

/* Runs 4 numbers in 2 children in stale_dir, with a file planted at the name
 * <ppid>-<pid>.raw<suffix> of the first child. */
static int run_with_a_planted_file(const char *suffix, fc_engine_result *r, fc_error *e)
{
    snprintf(stale_dir, sizeof stale_dir, "%s/out", tmpdir);
    ck_assert_int_eq(mkdir(stale_dir, 0700), 0);
    planted = 0;
    plant_suffix = suffix;
    fc_engine_config cfg = config(fc_codec_find("raw"), 4, 2);
    cfg.dir = stale_dir;
    cfg.fork_fn = fork_and_plant;
    return fc_engine_run(&cfg, r, e);
}

/* The planted file is still there, untouched, and nothing else is; then removes it. */
static void assert_only_the_planted_file_is_left(pid_t child)
{
    ck_assert_int_eq(entries(stale_dir), 1);
    fc_buffer b = {0};
    char path[400];
    snprintf(path, sizeof path, "%s/%ld-%ld.raw%s", stale_dir, (long)getpid(), (long)child,
             plant_suffix);
    ck_assert_int_eq(fc_file_read(path, &b, NULL), 0);
    ck_assert_uint_eq(b.len, 5);
    fc_buffer_free(&b);
    unlink(path);
    rmdir(stale_dir);
}

START_TEST(a_stale_file_is_never_overwritten_nor_mixed_in)
{
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(run_with_a_planted_file("", &r, &e), FC_ECHILD);
    ck_assert_int_eq(r.children[0].state, FC_CHILD_FAILED);
    ck_assert_int_eq(r.children[0].error.code, FC_EIO);
    ck_assert_msg(strstr(r.children[0].error.msg, ".raw: cannot create: File exists"), "%s",
                  r.children[0].error.msg);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    assert_only_the_planted_file_is_left(r.children[0].pid);
    fc_engine_result_free(&r);
}
END_TEST

/* In a shared sticky --dir another user could plant a file at each child's temporary
 * name, <ppid>-<pid>.<ext>.part, guessing the next pids: every child then failed. The
 * temporary name now has 16 random hex digits, so a file at the old name is no bother. */
START_TEST(a_file_at_the_old_temporary_name_does_not_stop_a_child)
{
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(run_with_a_planted_file(".part", &r, &e) == 0, "%s", e.msg);
    assert_exercise_values(&r, 1, 4);
    assert_only_the_planted_file_is_left(r.children[0].pid);
    fc_engine_result_free(&r);
}
END_TEST

/* The first child to reach step kill_step of writing its file is killed there; the
 * parent removes whatever it had made. An earlier version left the 0-byte .part of a
 * child killed right after open() (its stage not yet recorded), and with it the
 * private directory, even when a retry then succeeded. */
static int kill_step;

static void kill_at_step(const char *part, int step)
{
    (void)part;
    if (step != kill_step)
        return;
    int fd = open(attempt_marker, O_CREAT | O_EXCL | O_WRONLY, 0600); /* the first only */
    if (fd >= 0) {
        close(fd);
        raise(SIGKILL);
    }
}

START_TEST(a_child_killed_at_any_step_of_its_write_leaves_nothing)
{
    snprintf(attempt_marker, sizeof attempt_marker, "%s.attempt", tmpdir);
    kill_step = _i;
    fc_seam_write_step = kill_at_step;
    for (unsigned retries = 0; retries <= 1; retries++) {
        unlink(attempt_marker);
        fc_engine_config cfg = config(fc_codec_find("raw"), 6, 2);
        cfg.retries = retries;
        fc_engine_result r;
        fc_error e = {0};
        int rc = fc_engine_run(&cfg, &r, &e);
        unsigned attempts = 0;
        for (unsigned i = 0; i < r.nchildren; i++)
            attempts += r.children[i].attempts;
        ck_assert_uint_eq(attempts, 2 + retries); /* one child was killed */
        if (retries) {
            ck_assert_msg(rc == 0, "%s", e.msg);
            assert_exercise_values(&r, 1, 6);
        } else {
            ck_assert_int_eq(rc, FC_ECHILD);
            ck_assert_msg(strstr(e.msg, "killed by signal 9 (Killed)"), "%s", e.msg);
        }
        fc_engine_result_free(&r);
        ck_assert_int_eq(entries(tmpdir), 0); /* no file, no directory left */
    }
    fc_seam_write_step = NULL;
    unlink(attempt_marker);
}
END_TEST

/* After the first child has written its file and exited (not yet reaped), the
 * tampering of the loop's index: 0 appends a byte, 1 flips one, 2 deletes the file,
 * 3 swaps it for a FIFO (as another user could in a shared --dir), 4 for a directory
 * with a file in it; 5 (with a private directory, tamper_dir empty) plants a file in
 * the private directory. */
static char tamper_dir[300];
static int tamper_kind, tampered;

static pid_t fork_then_tamper(void)
{
    pid_t p = fork();
    if (p <= 0 || tampered)
        return p;
    siginfo_t info;
    ck_assert_int_eq(waitid(P_PID, (id_t)p, &info, WEXITED | WNOWAIT), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/%ld-%ld.raw", tamper_dir, (long)getpid(), (long)p);
    if (tamper_kind == 5) {
        glob_t g;
        snprintf(path, sizeof path, "%s/forkcollect-%ld-*/", tmpdir, (long)getpid());
        ck_assert_int_eq(glob(path, 0, NULL, &g), 0);
        snprintf(path, sizeof path, "%sx", g.gl_pathv[0]);
        globfree(&g);
        close(open(path, O_CREAT | O_WRONLY, 0600));
    } else if (tamper_kind >= 2) {
        ck_assert_int_eq(unlink(path), 0);
        if (tamper_kind == 3)
            ck_assert_int_eq(mkfifo(path, 0600), 0);
        if (tamper_kind == 4) { /* a directory, with a file in it: unlink() cannot */
            ck_assert_int_eq(mkdir(path, 0700), 0);
            strcat(path, "/x");
            close(open(path, O_CREAT | O_WRONLY, 0600));
        }
    } else {
        FILE *f = fopen(path, tamper_kind == 0 ? "ab" : "r+b");
        ck_assert_ptr_nonnull(f);
        if (tamper_kind == 1)
            fseek(f, 30, SEEK_SET);
        fputc(tamper_kind == 0 ? 'x' : 0x55, f);
        fclose(f);
    }
    tampered = 1;
    return p;
}

/* Runs 6 numbers in 2 children in tamper_dir, the first child's file tampered with. */
static int run_tampered(int kind, fc_engine_result *r)
{
    snprintf(tamper_dir, sizeof tamper_dir, "%s/out", tmpdir);
    ck_assert_int_eq(mkdir(tamper_dir, 0700), 0);
    tamper_kind = kind;
    tampered = 0;
    fc_engine_config cfg = config(fc_codec_find("raw"), 6, 2);
    cfg.dir = kind == 5 ? NULL : tamper_dir;
    cfg.fork_fn = fork_then_tamper;
    return fc_engine_run(&cfg, r, NULL);
}

START_TEST(a_changed_or_missing_file_is_caught_before_decoding)
{
    static const struct { int code; const char *says; } want[5] = {
        {FC_ECHECKSUM, "is 73 bytes, the child wrote 72"},
        {FC_ECHECKSUM, "CRC-32C differs from what the child wrote"},
        {FC_EIO, "result file: "},
        {FC_EIO, ".raw: is a FIFO, not a regular file"}, /* at once: it never blocks */
        {FC_EIO, ".raw: is a directory, not a regular file"},
    };
    fc_engine_result r;
    ck_assert_int_eq(run_tampered(_i, &r), FC_ECHILD);
    ck_assert_int_eq(r.children[0].error.code, want[_i].code);
    ck_assert_msg(strstr(r.children[0].error.msg, want[_i].says), "%s", r.children[0].error.msg);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    /* What was swapped in is not the child's file: left alone, and not called left
     * behind (the parent used to unlink a FIFO put there, issue 10). */
    ck_assert_int_eq(entries(tamper_dir), _i >= 3 ? 1 : 0);
    ck_assert_uint_eq(r.left_behind, 0);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -r %s", tamper_dir);
    ck_assert_int_eq(system(cmd), 0);
    fc_engine_result_free(&r);
}
END_TEST

/* What the parent cannot remove is said, never left without a word: here a file was
 * planted in the private directory, so rmdir() fails. */
static char shared_dir[300];

static void in_a_private_subdirectory(const fc_child_report *c, void *ctx)
{
    (void)ctx;
    char want[400];
    snprintf(want, sizeof want, "%s/forkcollect-%ld-", shared_dir, (long)getpid());
    const char *rest = c->path + strlen(want);
    ck_assert_msg(strncmp(c->path, want, strlen(want)) == 0 && strlen(rest) > 7 &&
                      rest[6] == '/', "%s is not in a private directory in %s", c->path,
                  shared_dir);
    struct stat st;
    char sub[400];
    snprintf(sub, sizeof sub, "%.*s", (int)(rest + 6 - c->path), c->path);
    ck_assert_int_eq(stat(sub, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0700);
}

/* A --dir anyone may write to (/tmp, mode 1777): anyone could make the names the
 * children will want (<ppid>-<pid>.<ext>, which the course fixes) and deny the run.
 * Its files go in a private directory inside it, removed at the end (issue 10). */
START_TEST(a_world_writable_dir_gets_a_private_subdirectory)
{
    snprintf(shared_dir, sizeof shared_dir, "%s/shared", tmpdir);
    ck_assert_int_eq(mkdir(shared_dir, 0700), 0);
    ck_assert_int_eq(chmod(shared_dir, 01777), 0);
    fc_engine_config cfg = config(fc_codec_find("raw"), 6, 2);
    cfg.dir = shared_dir;
    cfg.on_fork = in_a_private_subdirectory;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert_int_eq(entries(shared_dir), 0);
    fc_engine_result_free(&r);
    /* Writable by its owner only: the files go straight in it, as the course has it. */
    ck_assert_int_eq(chmod(shared_dir, 0755), 0);
    cfg.on_fork = NULL;
    cfg.keep = true;
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    char want[400];
    snprintf(want, sizeof want, "%s/%ld-%ld.raw", shared_dir, (long)getpid(),
             (long)r.children[0].pid);
    ck_assert_str_eq(r.children[0].path, want);
    ck_assert_int_eq(entries(shared_dir), 2);
    fc_engine_result_free(&r);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -r %s", shared_dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(what_cannot_be_removed_is_named)
{
    fc_engine_result r;
    ck_assert_int_eq(run_tampered(5, &r), 0);
    ck_assert_uint_eq(r.left_behind, 1);
    ck_assert_str_eq(r.left_path, r.dir);
    ck_assert_int_eq(r.left_errno, ENOTEMPTY);
    char cmd[sizeof r.dir + 400];
    snprintf(cmd, sizeof cmd, "rm -r %s %s", r.dir, tamper_dir);
    ck_assert_int_eq(system(cmd), 0);
    fc_engine_result_free(&r);

    /* Nothing failed to go: nothing is said. */
    fc_engine_config cfg = config(fc_codec_find("raw"), 6, 2);
    ck_assert_int_eq(fc_engine_run(&cfg, &r, NULL), 0);
    ck_assert_uint_eq(r.left_behind, 0);
    fc_engine_result_free(&r);
}
END_TEST

START_TEST(a_write_error_in_a_child_names_the_file)
{
    fc_engine_config cfg = config(fc_codec_find("json"), 4, 2);
    /* Each child may write at most 10 bytes: its write fails with EFBIG. */
    struct rlimit rl = {10, 10};
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    for (unsigned i = 0; i < 2; i++) {
        ck_assert_int_eq(r.children[i].error.code, FC_EIO);
        const char *part = strstr(r.children[i].error.msg, ".json.");
        ck_assert_msg(part && strspn(part + 6, "0123456789abcdef") == 16 &&
                          strncmp(part + 22, ".part: write of ", 16) == 0 &&
                          strstr(r.children[i].error.msg, "File too large"),
                      "%s", r.children[i].error.msg);
    }
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* The child for key 1 touches 64 MiB before it encodes. */
static int work_after_64_mib(uint64_t first, uint64_t count, uint64_t iterations, void *ctx,
                             fc_dataset *out, fc_error *err)
{
    if (first == 1) {
        size_t n = (size_t)64 << 20;
        volatile char *p = malloc(n);
        ck_assert_ptr_nonnull((void *)p);
        for (size_t i = 0; i < n; i += 4096)
            p[i] = 1;
        free((void *)p);
    }
    return fc_work_calc(first, count, iterations, ctx, out, err);
}

/* Each child's own peak memory, from wait4(): not RUSAGE_CHILDREN, which is the largest
 * of every child the process ever waited for (after exec from a shell, the compiler's). */
START_TEST(each_childs_own_peak_memory_is_reported)
{
    fc_engine_config cfg = config(fc_codec_find("raw"), 4, 2);
    cfg.work = work_after_64_mib;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    ck_assert_int_ge(r.children[0].max_rss_kib, 64 * 1024);
    ck_assert_int_gt(r.children[1].max_rss_kib, 0);
    ck_assert_int_lt(r.children[1].max_rss_kib, 64 * 1024);
    fc_engine_result_free(&r);
}
END_TEST

/* ==== Inherited signal dispositions ==== */

static void ignore_child(int sig)
{
    (void)sig;
}

/* Started with SIGCHLD ignored (loop 0), or with SA_NOCLDWAIT and a handler (loop 1), the
 * kernel reaps children itself. An earlier version then read an uninitialised wait
 * status and reported every child "killed by signal 2". */
START_TEST(sigchld_ignored_by_the_caller_still_collects)
{
    struct sigaction sa = {0}, after;
    sa.sa_handler = _i == 0 ? SIG_IGN : ignore_child;
    sa.sa_flags = _i == 0 ? 0 : SA_NOCLDWAIT;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGCHLD, &sa, NULL), 0);
    fc_engine_config cfg = config(fc_codec_find("json"), 4, 2);
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_msg(fc_engine_run(&cfg, &r, &e) == 0, "%s", e.msg);
    assert_exercise_values(&r, 1, 4);
    for (unsigned i = 0; i < r.nchildren; i++)
        ck_assert_int_eq(r.children[i].status, 0);
    fc_engine_result_free(&r);
    /* The caller's disposition is put back. */
    ck_assert_int_eq(sigaction(SIGCHLD, NULL, &after), 0);
    ck_assert(after.sa_handler == sa.sa_handler);
    ck_assert_int_eq(after.sa_flags & SA_NOCLDWAIT, sa.sa_flags);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* A fork that reaps its own child, as a caller's waitpid(-1) could: the engine finds
 * no status to read, and says so instead of reading one it never got. */
static pid_t fork_and_reap(void)
{
    pid_t p = fork();
    if (p > 0 && !tampered) {
        int status;
        ck_assert_int_eq(waitpid(p, &status, 0), p);
        tampered = 1;
    }
    return p;
}

START_TEST(a_child_reaped_by_someone_else_is_reported_not_guessed)
{
    fc_engine_config cfg = config(fc_codec_find("raw"), 4, 2);
    cfg.fork_fn = fork_and_reap;
    tampered = 0;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_ECHILD);
    ck_assert_int_eq(r.children[0].state, FC_CHILD_FAILED);
    ck_assert_int_eq(r.children[0].error.code, FC_ECHILD);
    char want[200];
    snprintf(want, sizeof want, "child %ld (keys 1..2): its exit status could not be read "
             "(waitpid: No child processes); something else in this process reaps children",
             (long)r.children[0].pid);
    ck_assert_str_eq(r.children[0].error.msg, want);
    ck_assert_int_eq(r.children[1].state, FC_CHILD_COLLECTED);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

START_TEST(cancelled_run_stops_and_cleans_up)
{
    volatile sig_atomic_t cancel = 1;
    fc_engine_config cfg = config(fc_codec_find("raw"), 10, 2);
    cfg.cancel = &cancel;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EINTR);
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

/* Each child, once it has created its temporary file (before it records that), asks
 * the parent to stop, as Ctrl-C would, and hangs there. */
static volatile sig_atomic_t stop_asked;

static void ask_to_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

static void stop_parent_and_hang(const char *part, int step)
{
    (void)part;
    if (step != FC_SEAM_CREATED)
        return;
    kill(getppid(), SIGUSR1);
    for (;;)
        pause();
}

/* An earlier version left the 0-byte .part file of a child stopped inside open(), and
 * the private directory with it, while saying "files removed". */
START_TEST(interrupted_while_children_create_their_files_leaves_nothing)
{
    stop_asked = 0;
    struct sigaction sa = {0};
    sa.sa_handler = ask_to_stop; /* kept for every child's signal, unlike signal()'s */
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(SIGUSR1, &sa, NULL), 0);
    fc_seam_write_step = stop_parent_and_hang;
    fc_engine_config cfg = config(fc_codec_find("raw"), 4, 2);
    cfg.cancel = &stop_asked;
    fc_engine_result r;
    fc_error e = {0};
    ck_assert_int_eq(fc_engine_run(&cfg, &r, &e), FC_EINTR);
    fc_seam_write_step = NULL;
    ck_assert_str_eq(e.msg, "interrupted: children stopped, files removed");
    fc_engine_result_free(&r);
    ck_assert_int_eq(entries(tmpdir), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine");
    TCase *tc = tcase_create("engine");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, same_results_for_every_worker_count, 0, 2 * (int)fc_codec_count());
    tcase_add_test(tc, more_workers_than_numbers);
    tcase_add_test(tc, keep_leaves_named_private_files_python_would_write);
    tcase_add_test(tc, bad_configurations);
    tcase_add_loop_test(tc, a_failed_child_is_reported_and_the_others_collected, 0,
                        2 * NFAULTS);
    tcase_add_test(tc, cancelled_run_stops_and_cleans_up);
    tcase_add_test(tc, interrupted_while_children_create_their_files_leaves_nothing);
    tcase_add_loop_test(tc, sigchld_ignored_by_the_caller_still_collects, 0, 2);
    tcase_add_test(tc, a_child_reaped_by_someone_else_is_reported_not_guessed);
    tcase_add_test(tc, each_childs_own_peak_memory_is_reported);
    tcase_add_test(tc, a_hung_child_is_killed_with_its_process_group);
    tcase_add_loop_test(tc, children_die_with_a_parent_killed_by_sigkill, 0, 4);
    tcase_add_test(tc, a_child_that_ended_in_time_is_not_a_timeout_when_the_parent_was_busy);
    tcase_add_test(tc, retries_rerun_a_failed_range_in_a_fresh_child);
    tcase_add_test(tc, fork_eagain_runs_fewer_at_once);
    tcase_add_test(tc, pipe_emfile_runs_fewer_at_once);
    tcase_add_test(tc, a_write_error_in_a_child_names_the_file);
    tcase_add_test(tc, a_stale_file_is_never_overwritten_nor_mixed_in);
    tcase_add_test(tc, a_file_at_the_old_temporary_name_does_not_stop_a_child);
    tcase_add_loop_test(tc, a_child_killed_at_any_step_of_its_write_leaves_nothing, 0, 4);
    tcase_add_loop_test(tc, a_changed_or_missing_file_is_caught_before_decoding, 0, 5);
    tcase_add_test(tc, what_cannot_be_removed_is_named);
    tcase_add_test(tc, a_world_writable_dir_gets_a_private_subdirectory);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
