/* mpi_exec.c - --engine mpi in forkcollect, which never links MPI: run forkcollect-mpi,
 * the same command built with the MPI driver, in place of this process. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_mpi_start(const char *cmd, fc_engine_config *cfg, const cli_mpi *m)
{
    (void)cfg;
    (void)m;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 32);
    if (n < 0)
        return fail(cmd, "--engine mpi: cannot find this program (/proc/self/exe): %s",
                    strerror(errno));
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    strcpy(slash ? slash + 1 : self, "forkcollect-mpi");
    char **argv = calloc((size_t)cli_argc + 1, sizeof *argv);
    if (!argv)
        return fail(cmd, "out of memory");
    for (int i = 0; i < cli_argc; i++)
        argv[i] = cli_argv[i];
    argv[0] = self;
    cli_flush();
    execv(self, argv); /* the same pid: mpirun's rank stays this process */
    int e = errno;
    free(argv);
    if (e == ENOENT)
        return fail(cmd, "--engine mpi: this forkcollect was built without MPI (there is no "
                         "%s); install Open MPI (libopenmpi-dev, see scripts/bootstrap) and "
                         "build again", self);
    return fail(cmd, "--engine mpi: cannot run %s: %s", self, strerror(e));
}

int cli_mpi_run(const fc_engine_config *cfg, const cli_mpi *m, fc_engine_result *res,
                fc_error *err)
{
    (void)cfg;
    (void)m;
    memset(res, 0, sizeof *res);
    return fc_fail(err, FC_EINVAL, 0, "--engine mpi: not in this build"); /* not reached */
}
