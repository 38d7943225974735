/* compute_with_fork.c - the exercise with fork: where the lessons meet the toolkit.
 *
 * The numbers 1..COUNT are split into P ranges as the course's compute_with_fork.py
 * splits them: COUNT / P numbers each, and the last child takes the rest (20 over 3:
 * 1..6, 7..12, 13..20). As each child is forked, its range is printed the way the
 * course's program prints it, "do: 1-7", the end excluded as in Python's range(1, 7).
 * Each child computes calc(n) for its range, encodes its results with the chosen
 * format and writes them to "<parent pid>-<child pid>.<ext>" in a private directory,
 * then exits. The parent waits for each child in turn, reads its file, decodes it and
 * puts each value in its place. Then come the same lines as compute's: "n value", and
 * the total, printed as Python prints them (fc_format_double, fc_fsum).
 *
 * `forkcollect run` splits differently, as the fork skeleton does (the leftover one
 * each over the first children: 7, 7, 6), so its children's ranges differ from these;
 * the values and the total are the same.
 *
 * It uses libforkcollect on purpose: fc_calc() for the load, the codec table for the
 * format, fc_file_write_new() for a safe file. forkcollect's engine (core/engine.c)
 * is this program grown up: children collected as they end, files checked against a
 * checksum, every failure reported.
 *
 *   build/examples/compute_with_fork [--format F] [COUNT [ITERATIONS [P]]]
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* mkdtemp */
#include "forkcollect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* The child: compute, encode, write, exit. Never returns. */
static void child(const fc_codec *codec, const char *dir, uint64_t first, uint64_t len,
                  uint64_t iterations)
{
    fc_dataset d = {0};
    fc_buffer buf = {0};
    fc_error err = {0};
    char path[4200];
    for (uint64_t n = first; n < first + len; n++)
        if (fc_dataset_push(&d, n, fc_calc(n, iterations), &err) != 0)
            _exit(1);
    snprintf(path, sizeof path, "%s/%ld-%ld.%s", dir, (long)getppid(), (long)getpid(),
             codec->extension);
    if (codec->encode(&d, &buf, &err) != 0 || fc_file_write_new(path, buf.data, buf.len, &err) != 0) {
        fprintf(stderr, "child %ld: %s\n", (long)getpid(), err.msg);
        _exit(1);
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    const fc_codec *codec = fc_codec_find("json");
    int a = 1;
    if (argc > 2 && strcmp(argv[1], "--format") == 0) {
        if (!(codec = fc_codec_find(argv[2]))) {
            fprintf(stderr, "compute_with_fork: unknown format '%s'\n", argv[2]);
            return 2;
        }
        a = 3;
    }
    uint64_t count = argc > a ? strtoull(argv[a], NULL, 10) : 20;
    uint64_t iterations = argc > a + 1 ? strtoull(argv[a + 1], NULL, 10) : 10000000u;
    unsigned parts = argc > a + 2 ? (unsigned)atoi(argv[a + 2]) : 2;
    if (count < 1 || parts < 1 || parts > 64) {
        fprintf(stderr, "usage: compute_with_fork [--format F] [COUNT [ITERATIONS [P]]]\n");
        return 2;
    }
    if (parts > count)
        parts = (unsigned)count;

    char dir[] = "/tmp/compute_with_fork-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    pid_t pids[64];
    uint64_t firsts[64];
    uint64_t chunk = count / parts;
    for (unsigned i = 0; i < parts; i++) {
        uint64_t first = 1 + i * chunk, end = i + 1 < parts ? first + chunk : count + 1;
        firsts[i] = first;
        printf("do: %" PRIu64 "-%" PRIu64 "\n", first, end);
        fflush(stdout);
        pids[i] = fork();
        if (pids[i] < 0) {
            perror("fork");
            return 1;
        }
        if (pids[i] == 0)
            child(codec, dir, first, end - first, iterations);
    }

    double *values = calloc(count, sizeof *values);
    int failed = 0;
    for (unsigned i = 0; i < parts; i++) {
        int status;
        char path[4200];
        fc_buffer buf = {0};
        fc_dataset d = {0};
        fc_error err = {0};
        waitpid(pids[i], &status, 0);
        snprintf(path, sizeof path, "%s/%ld-%ld.%s", dir, (long)getpid(), (long)pids[i],
                 codec->extension);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
            fc_file_read(path, &buf, &err) != 0 ||
            codec->decode(buf.data, buf.len, &d, &err) != 0) {
            fprintf(stderr, "child %ld (from %" PRIu64 "): failed %s\n", (long)pids[i],
                    firsts[i], err.msg);
            failed = 1;
        }
        for (size_t k = 0; k < d.count; k++)
            if (d.keys[k] >= 1 && d.keys[k] <= count)
                values[d.keys[k] - 1] = d.values[k];
        unlink(path);
        fc_buffer_free(&buf);
        fc_dataset_free(&d);
    }
    rmdir(dir);
    if (failed) {
        free(values);
        return 1;
    }
    char text[FC_REPR_MAX];
    double total = 0.0;
    for (uint64_t n = 1; n <= count; n++) {
        fc_format_double(values[n - 1], text);
        printf("%" PRIu64 " %s\n", n, text);
    }
    fc_error err = {0};
    int rc = fc_fsum(values, count, &total, &err);
    free(values);
    if (rc != 0) {
        fprintf(stderr, "compute_with_fork: no total: %s\n", err.msg);
        return 1;
    }
    fc_format_double(total, text);
    printf("total %s\n", text);
    return 0;
}
