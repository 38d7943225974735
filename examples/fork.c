/* fork.c - what a parent and its child share after fork(), and what they do not.
 *
 * After fork() the child has a copy of the parent's memory, not the same memory: a
 * variable set before the fork starts with the same value in both, and a change made
 * in one is invisible to the other. Open files are shared (both write to the same
 * stdout). wait() returns the pid of the child that ended and its status.
 *
 *   build/examples/fork
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int counter = 100; /* set before the fork: both processes start with 100 */
    printf("before fork: counter = %d\n", counter);
    fflush(stdout);

    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    if (pid == 0) {
        counter += 1; /* changes the child's copy only */
        printf("child:  counter = %d (changed in the child)\n", counter);
        exit(0);
    }

    int status;
    pid_t ended = wait(&status);
    printf("parent: wait() returned %ld (fork() had returned %ld), exit status %d\n",
           (long)ended, (long)pid, WEXITSTATUS(status));
    printf("parent: counter = %d (unchanged: the child changed its own copy)\n", counter);
    return 0;
}
