/* isolation — two processes, the same virtual address, different memory.
 *
 * fork gives the child a copy of the parent's address space: the same
 * virtual addresses, mapped by the child's own page tables.  At first both
 * tables point at the same physical frames, read-only (copy-on-write); the
 * first write by either side faults, and the kernel gives the writer a
 * private copy of that page.  From then on the same address means different
 * physical memory in each process.
 *
 * Here both processes write a different value to one global variable at the
 * same moment (a pipe makes each wait until the other has written), then each
 * reads its own value back.  The global's address is printed: it is the same
 * in both, and the same natively, because this static program is linked at a
 * fixed address.
 *
 * Watch in ringscope:
 *   ringscope run --trace=exception,os isolation
 *       the fork, then a copy-on-write #PF (error 0x7) on the global's page
 *   ringscope run --trace=walk,os isolation 2>&1 | grep -E 'va=0x408|proc-create'
 *       walks of the same page ending at different physical addresses */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile long shared_looking = 7; /* one global, two processes */

static void signal_other(int fd) { (void)!write(fd, "x", 1); }
static void wait_for_other(int fd)
{
    char c;
    (void)!read(fd, &c, 1);
}

int main(void)
{
    int to_child[2], to_parent[2];
    if (pipe(to_child) != 0 || pipe(to_parent) != 0)
        return 1;
    printf("isolation: the global lives at %p and holds %ld before fork\n", (void *)&shared_looking, shared_looking);
    fflush(stdout); /* before fork, or the child would print it again */

    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        shared_looking = 222;
        signal_other(to_parent[1]);  /* "I wrote mine" */
        wait_for_other(to_child[0]); /* until the parent wrote its own */
        printf("child:  wrote 222 at %p, the parent wrote 111 there too; I read back %ld\n",
               (void *)&shared_looking, shared_looking);
        return shared_looking == 222 ? 0 : 1;
    }
    wait_for_other(to_parent[0]);
    shared_looking = 111;
    signal_other(to_child[1]);
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    printf("parent: wrote 111 at %p, the child wrote 222 there too; I read back %ld\n", (void *)&shared_looking,
           shared_looking);
    int child_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    printf("same virtual address, different values: each process has its own page behind it (%s)\n",
           child_ok && shared_looking == 111 ? "confirmed" : "NOT confirmed");
    return child_ok && shared_looking == 111 ? 0 : 1;
}
