/*
 * fc_mpi.h - the MPI driver (core/mpi_driver.c): the exercise across the ranks of an MPI
 * job, on the engine's plan and collector. Built only when CMake finds MPI, into its own
 * small library (fc_mpi) that only forkcollect-mpi links: libforkcollect never needs
 * libmpi. docs/ARCHITECTURE.md, "MPI", says why; docs/RELIABILITY.md, "MPI", what a
 * failure does.
 *
 *   rank 0 (the parent)                          rank r = 1..N-1 (a child, part r-1)
 *   plan the parts; broadcast the setup ──────▶  work(range), encode
 *   gather every rank's host and pid   ◀──────   (file transport: write the file)
 *   probe MPI_ANY_SOURCE for a header  ◀──────   header: part, size, CRC-32C, times
 *   receive that rank's bytes          ◀──────   its encoding as MPI_BYTE, in messages
 *   (or read its file), then the collector:      of at most chunk_bytes
 *   size, CRC, decode, keys, merge
 *
 * As the rest of core/, it never prints and never exits (fc_mpi_abort excepted: ending
 * the job is its whole purpose).
 */
#ifndef FC_MPI_H
#define FC_MPI_H

#include "forkcollect.h"

/* The largest message a rank sends: an encoding larger is sent in pieces this size
 * (MPI counts are ints, so one message holds less than 2 GiB). */
#define FC_MPI_CHUNK_DEFAULT ((size_t)1 << 30)

typedef struct fc_mpi_options {
    /* Each rank writes its file in cfg->dir (which every rank must see: shared storage)
     * as <dir>/<pid of rank 0>-r<rank>.<ext>, and sends only its name, size and CRC-32C;
     * rank 0 reads it. Otherwise the encoding itself is sent. */
    bool file_transport;
    size_t chunk_bytes;      /* the largest message; 0: FC_MPI_CHUNK_DEFAULT */
} fc_mpi_options;

/* One rank of the job, as rank 0 knows it. */
typedef struct fc_mpi_rank {
    char host[64];           /* MPI_Get_processor_name */
    long pid;
} fc_mpi_rank;

/* MPI_Init, then this process's rank and the size of MPI_COMM_WORLD. Errors are
 * returned (MPI_ERRORS_RETURN) where MPI can return them. */
int fc_mpi_init(int *argc, char ***argv, int *rank, int *size, fc_error *err);

/* Runs the exercise of cfg (codec, start, count, iterations, dir, keep, timeout_ms,
 * cancel, on_fork, on_collect, work) over the job, every rank calling it.
 * Rank 0 plans fc_split_parts(count, W) parts, W = cfg->workers (0: every other rank;
 * at most size - 1), rank r computing part r-1, and may call it again for another run;
 * calls on_fork for each part as its rank starts, collects the parts in the order their
 * headers arrive, calls on_collect for each, and fills out as fc_engine_run does (a
 * report's pid is its rank's; its error names the rank and its host). It returns 0
 * when every part was collected, FC_ECHILD (see the reports), FC_EINTR when *cancel
 * was set (the parts not collected are failed), or a setup error (a --dir that is not
 * one, no memory), which the other ranks hear of and return 0 for. Past cfg->timeout_ms (from the start), the parts not collected fail as
 * timed out, and FC_ECHILD is returned: the job must then end with fc_mpi_abort(), as
 * must any run where fc_mpi_must_abort() says so.
 * The other ranks, in their one call, compute and send their part of each run rank 0
 * starts (or tell rank 0 why they could not), and return 0 once rank 0 calls
 * fc_mpi_stop; out is left empty. A failure of their own is rank 0's to report. */
int fc_mpi_run(const fc_engine_config *cfg, const fc_mpi_options *opt, fc_engine_result *out,
               fc_error *err);

/* Rank 0, after its last fc_mpi_run and before MPI_Finalize: tells the other ranks the
 * job is over. Not when the job must abort. Once only; nothing on other ranks. */
void fc_mpi_stop(void);

/* Rank 0, after fc_mpi_run: what it knows of rank r (NULL past the last). */
const fc_mpi_rank *fc_mpi_rank_info(int r);

/* True when a rank may still be computing or sending: MPI_Finalize could wait for it
 * forever, so the job must end with fc_mpi_abort. */
bool fc_mpi_must_abort(void);

/* MPI_Finalize. */
void fc_mpi_finalize(void);
/* MPI_Abort(MPI_COMM_WORLD, status): mpirun ends every rank. */
void fc_mpi_abort(int status) __attribute__((noreturn));

/* For tests only: FORKCOLLECT_MPI_FAULT=KIND:RANK makes rank RANK fail as KIND says:
 * die (SIGKILL before it sends), hang (never sends), crc (a byte of its encoding changed
 * after its CRC was taken), junk (bytes that are no file of the format, with their true
 * CRC), header (a header of the wrong size). Read by fc_mpi_run. */
#define FC_MPI_FAULT_ENV "FORKCOLLECT_MPI_FAULT"

#endif
