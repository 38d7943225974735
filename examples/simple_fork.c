/* simple_fork.c - the first lesson: fork, exit with a status, wait for it.
 *
 * fork() returns twice: 0 in the child, the child's pid in the parent. The child
 * prints who it is and exits with status 3. The parent waits and takes the exit code
 * out of the raw status word twice: with WEXITSTATUS(), the portable way, and by hand
 * (on Linux the code sits in bits 8..15 of the word; the low bits say how the child
 * ended, 0 meaning "it called exit").
 *
 *   build/examples/simple_fork
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    printf("parent: pid %ld\n", (long)getpid());
    fflush(stdout); /* or the child would print the parent's buffered line again */

    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        printf("child:  pid %ld, parent %ld, exiting with status 3\n", (long)getpid(),
               (long)getppid());
        exit(3);
    }

    int status;
    if (waitpid(pid, &status, 0) != pid) {
        perror("waitpid");
        return 1;
    }
    printf("parent: child %ld ended, raw status 0x%04x (%d)\n", (long)pid, (unsigned)status,
           status);
    if (WIFEXITED(status))
        printf("parent: WEXITSTATUS(status) = %d\n", WEXITSTATUS(status));
    printf("parent: by hand, (status >> 8) & 0xff = %d\n", (status >> 8) & 0xff);
    return 0;
}
