/* mpi.c - --engine mpi in forkcollect-mpi: the commands over the MPI driver
 * (core/mpi_driver.c). Rank 0 prints what `run` prints, with ranks and hosts where the
 * fork engine names pids; the other ranks print nothing of their own: their failures
 * reach rank 0, which reports them. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "fc_mpi.h"

#include <stdlib.h>
#include <string.h>

/* For tests only: FORKCOLLECT_MPI_CHUNK=N sends an encoding in messages of at most N
 * bytes (instead of FC_MPI_CHUNK_DEFAULT), so that the splitting of messages over 2 GiB
 * is tested with small ones. */
#define CHUNK_ENV "FORKCOLLECT_MPI_CHUNK"

static fc_mpi_options options(const cli_mpi *m)
{
    const char *chunk = getenv(CHUNK_ENV);
    fc_mpi_options opt = {.file_transport = m->file};
    if (chunk && *chunk)
        opt.chunk_bytes = (size_t)strtoull(chunk, NULL, 10);
    return opt;
}

static const char *host_of(const fc_child_report *c)
{
    const fc_mpi_rank *rk = fc_mpi_rank_info((int)c->index + 1);
    return rk ? rk->host : "?";
}

static void print_start(const fc_child_report *c, void *ctx)
{
    (void)ctx;
    printf("started   rank %u on %s (pid %ld): keys %llu..%llu (%llu number%s)\n",
           c->index + 1, host_of(c), (long)c->pid, (unsigned long long)c->first_key,
           (unsigned long long)(c->first_key + c->count - 1), (unsigned long long)c->count,
           plural(c->count));
    cli_flush();
}

static void print_collect(const fc_child_report *c, void *ctx)
{
    const cli_mpi *m = ctx;
    char t1[32], t2[32], t3[32], t4[32];
    if (c->state != FC_CHILD_COLLECTED) {
        printf("FAILED    %s\n", c->error.msg);
        cli_flush();
        return;
    }
    printf("collected rank %u on %s: %llu record%s, %llu bytes (compute %s, encode %s, %s %s, "
           "decode %s)\n",
           c->index + 1, host_of(c), (unsigned long long)c->count, plural(c->count),
           (unsigned long long)c->file_bytes, human_ns((double)c->compute_ns, t1),
           human_ns((double)c->encode_ns, t2), m->file ? "write" : "receive",
           human_ns((double)(m->file ? c->write_ns : c->read_ns), t3),
           human_ns((double)c->decode_ns, t4));
    cli_flush();
}

/* At exit: MPI_Finalize, or MPI_Abort when a rank may still be computing or sending
 * (it would keep MPI_Finalize waiting), or nothing when a signal is ending the job. */
static void end_job(void)
{
    if (cli_cancel)
        return;
    if (fc_mpi_must_abort())
        fc_mpi_abort(EXIT_FAIL);
    fc_mpi_stop(); /* rank 0: the other ranks wait for the next run or this */
    fc_mpi_finalize();
}

static const char *command = "run"; /* for messages: the command that started MPI */

int cli_mpi_start(const char *cmd, fc_engine_config *cfg, const cli_mpi *m)
{
    static cli_mpi saved;
    command = cmd;
    fc_error err = {0};
    int rank = 0, size = 0;
    if (fc_mpi_init(&cli_argc, &cli_argv, &rank, &size, &err) != 0)
        return fail(cmd, "%s", err.msg);
    atexit(end_job);
    if (size < 2)
        return usage_error(cmd, "--engine mpi needs at least 2 ranks (rank 0 collects, the "
                                "others compute): mpirun -np N forkcollect %s --engine mpi "
                                "..., N >= 2", cmd);
    if (rank != 0) {
        fc_mpi_options opt = options(m);
        fc_engine_result res;
        int rc = fc_mpi_run(cfg, &opt, &res, &err);
        if (rc == FC_EIO) /* MPI itself failed here; anything else is rank 0's to say */
            return fail(cmd, "%s", err.msg);
        return EXIT_OK;
    }
    saved = *m;
    cfg->workers = (unsigned)size - 1;
    cfg->on_fork = print_start;
    cfg->on_collect = print_collect;
    cfg->ctx = &saved;
    return CLI_GO_ON;
}

int cli_mpi_run(const fc_engine_config *cfg, const cli_mpi *m, fc_engine_result *res,
                fc_error *err)
{
    fc_mpi_options opt = options(m);
    int rc = fc_mpi_run(cfg, &opt, res, err);
    if (rc == FC_EINTR) {
        char list[1024] = "";
        for (unsigned i = 0; i < res->nchildren; i++) {
            const fc_child_report *c = &res->children[i];
            size_t used = strlen(list);
            if (c->state != FC_CHILD_COLLECTED)
                snprintf(list + used, sizeof list - used, " rank %u on %s (keys %llu..%llu)",
                         i + 1, host_of(c), (unsigned long long)c->first_key,
                         (unsigned long long)(c->first_key + c->count - 1));
        }
        note(command, "the MPI job is ending: when a rank dies, mpirun ends every rank (its "
                      "message names the rank that died); not collected:%s", list);
    } else if (fc_mpi_must_abort()) {
        note(command, "ending the MPI job with MPI_Abort: the ranks that did not report may "
                      "still be running");
    }
    return rc;
}
