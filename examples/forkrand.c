/* forkrand.c - a child inherits its parent's random generator, state and all.
 *
 * The parent seeds a generator and forks. Without reseeding, parent and child hold
 * copies of the same state, so they draw the same "random" numbers. A child that
 * reseeds (here with its pid) draws its own. This is why forkcollect's load reseeds
 * for every number: calc(n) depends on n only, never on which child computed it.
 *
 *   build/examples/forkrand
 */
#define _XOPEN_SOURCE 700 /* srand48, drand48 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

enum { DRAWS = 4 };

/* Forks; the child (reseeded if asked) and then the parent each draw DRAWS numbers.
 * The child's line comes first: the parent waits for it before drawing. */
static void draw_both(int reseed_child)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    const char *who = pid == 0 ? "child " : "parent";
    if (pid == 0 && reseed_child)
        srand48((long)getpid());
    if (pid != 0)
        waitpid(pid, NULL, 0);
    printf("  %s:", who);
    for (int i = 0; i < DRAWS; i++)
        printf(" %.6f", drand48());
    printf("\n");
    if (pid == 0) {
        fflush(stdout);
        _exit(0);
    }
}

int main(void)
{
    srand48(2026);
    printf("without reseeding in the child:\n");
    draw_both(0);
    srand48(2026);
    printf("with the child reseeded from its pid:\n");
    draw_both(1);
    return 0;
}
