/* mpi_bare.c - the floor for the MPI driver's collect (benchmarks/mpi): rank 1 sends
 * BYTES bytes as one MPI_BYTE message, REPEAT times; rank 0 takes each as the driver
 * does (MPI_Probe, MPI_Get_count, MPI_Recv) and prints the median nanoseconds from the
 * start of the probe to the end of the receive. A barrier before each send lines the
 * two ranks up, so the time is the transfer, not the sender's lateness.
 *
 *   mpirun -np 2 build/benchmarks/mpi_bare BYTES [REPEAT]
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int by_value(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    long bytes = argc > 1 ? atol(argv[1]) : 1 << 20;
    int repeat = argc > 2 ? atoi(argv[2]) : 9;
    if (bytes < 1 || bytes > 1L << 30 || repeat < 1 || repeat > 1000) {
        if (rank == 0)
            fprintf(stderr, "usage: mpirun -np 2 mpi_bare BYTES (1..2^30) [REPEAT (1..1000)]\n");
        MPI_Finalize();
        return 2;
    }
    unsigned char *buf = calloc((size_t)bytes, 1);
    uint64_t *t = calloc((size_t)repeat, sizeof *t);
    if (!buf || !t)
        MPI_Abort(MPI_COMM_WORLD, 1);
    for (int i = 0; i < repeat; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        if (rank == 1) {
            MPI_Send(buf, (int)bytes, MPI_BYTE, 0, 2, MPI_COMM_WORLD);
        } else if (rank == 0) {
            MPI_Status st;
            int n = 0;
            uint64_t t0 = now_ns();
            MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_BYTE, &n);
            MPI_Recv(buf, n, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            t[i] = now_ns() - t0;
        }
    }
    if (rank == 0) {
        qsort(t, (size_t)repeat, sizeof *t, by_value);
        printf("%ld bytes: median %.1f us (min %.1f, max %.1f) over %d messages\n", bytes,
               (double)t[repeat / 2] / 1e3, (double)t[0] / 1e3, (double)t[repeat - 1] / 1e3,
               repeat);
    }
    free(buf);
    free(t);
    MPI_Finalize();
    return 0;
}
