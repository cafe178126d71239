/* spin — two processes that never give up the CPU; the timer takes it.
 *
 * After fork, parent and child each count to five million with no system
 * call.  Neither waits or sleeps, yet both make progress: the PIT raises
 * IRQ 0 (vector 32) a hundred times a second, the kernel's tick handler
 * ends the running process's time slice, and the scheduler switches to the
 * other one — loading its CR3, so the same virtual addresses now mean the
 * other process's frames.
 *
 * Watch it:  ringscope run --trace=interrupt,os spin
 *            (vector 32 from ring 3, then a context-switch with old_cr3 !=
 *            new_cr3, back and forth until both finish). */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    volatile unsigned long sum = 0;
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 1;
    }
    for (unsigned long i = 0; i < 5000000; i++)
        sum += i;
    if (pid == 0)
        return 0;
    int status;
    wait(&status);
    printf("spin: parent and child each counted to 5000000 (sum %lu); the timer shared the CPU\n",
           (unsigned long)sum);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
