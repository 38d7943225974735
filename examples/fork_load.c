/* fork_load.c - a CPU-bound job split over N children: the speedup of fork.
 *
 * The job is a fixed amount of arithmetic (WORK steps of a 64-bit mixing function).
 * With N children each does WORK / N steps at the same time, on different cores if
 * there are any free. Compare:
 *
 *   time build/examples/fork_load 1
 *   time build/examples/fork_load 2
 *
 * Each child prints a checksum of its share; the parent prints their XOR, which is
 * the same whatever N is (the steps are numbered, not shared), so the speedup comes
 * with the same answer.
 *
 *   build/examples/fork_load [N [WORK]]    (default 1 child, 2000000000 steps)
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* One step: a value depending only on the step's number (splitmix64's mixer). */
static uint64_t step(uint64_t i)
{
    uint64_t x = i + 0x9e3779b97f4a7c15u;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9u;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebu;
    return x ^ (x >> 31);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1;
    uint64_t work = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000000u;
    if (n < 1 || n > 256) {
        fprintf(stderr, "usage: fork_load [N [WORK]] (N from 1 to 256)\n");
        return 2;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);

    int fds[256][2];
    for (int c = 0; c < n; c++) {
        if (pipe(fds[c]) != 0) {
            perror("pipe");
            return 1;
        }
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            uint64_t from = work / (uint64_t)n * (uint64_t)c, to = c == n - 1 ? work : from + work / (uint64_t)n;
            uint64_t sum = 0;
            for (uint64_t i = from; i < to; i++)
                sum ^= step(i);
            /* The result goes back through a pipe: 8 bytes, nothing to parse. */
            if (write(fds[c][1], &sum, sizeof sum) != (ssize_t)sizeof sum)
                _exit(1);
            _exit(0);
        }
        close(fds[c][1]);
    }

    uint64_t total = 0;
    for (int c = 0; c < n; c++) {
        uint64_t part = 0;
        if (read(fds[c][0], &part, sizeof part) != (ssize_t)sizeof part) {
            fprintf(stderr, "child %d sent nothing\n", c);
            return 1;
        }
        total ^= part;
        close(fds[c][0]);
    }
    while (wait(NULL) > 0)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%d children, %" PRIu64 " steps: checksum %016" PRIx64 ", %.3f s\n", n, work, total, s);
    return 0;
}
