/* fork_skeleton.c - split a list into P batches and fork one child per batch.
 *
 * The course's skeleton: each batch gets count / P items, and the leftover
 * (count % P) is spread one each over the first batches, so batch sizes differ by at
 * most one and every item is in exactly one batch. Each child handles its batch (here
 * it only prints it) and exits; the parent waits for all of them.
 *
 *   build/examples/fork_skeleton [ITEMS [P]]      (default 10 items, 3 children)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int count = argc > 1 ? atoi(argv[1]) : 10;
    int parts = argc > 2 ? atoi(argv[2]) : 3;
    if (count < 1 || parts < 1) {
        fprintf(stderr, "usage: fork_skeleton [ITEMS [P]] (both at least 1)\n");
        return 2;
    }
    if (parts > count)
        parts = count; /* never fork a child with nothing to do */

    int base = count / parts, extra = count % parts, start = 0;
    for (int i = 0; i < parts; i++) {
        int len = base + (i < extra ? 1 : 0);
        fflush(stdout);
        pid_t pid = fork();
        if (pid < 0) {
            perror("fork");
            return 1;
        }
        if (pid == 0) {
            printf("child %d (pid %ld): items", i, (long)getpid());
            for (int k = start; k < start + len; k++)
                printf(" %d", k);
            printf("\n");
            exit(0);
        }
        start += len;
    }

    int failed = 0, status;
    for (int i = 0; i < parts; i++) {
        if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
            failed++;
    }
    printf("parent: %d children done, %d failed\n", parts, failed);
    return failed ? 1 : 0;
}
