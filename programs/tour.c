/* tour — the guided demo: every idea of the bundled programs, in order, each
 * introduced by a short paragraph and then run for real.
 *
 * Each step forks and executes the bundled program of that name from the
 * directory tour itself was started from (build/programs/ natively, /bin in
 * ringscope's filesystem), waits for it and says how it ended.  Programs that
 * are meant to die (overflow, kernelpeek) are expected to be killed.
 *
 * `ringscope run` puts all bundled programs into the guest's /bin, so
 * `ringscope run tour` finds them.  A missing program is reported and
 * skipped.
 *
 * Watch in ringscope: --trace=syscall shows each fork, execve and wait4, and
 * every program's own system calls in between. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

enum ending { EXITS_0, KILLED_SIGSEGV, ANY_ENDING };

static const struct step {
    const char *program, *argument;
    enum ending expected;
    const char *story;
} steps[] = {
    {"hello", NULL, EXITS_0,
     "A program cannot touch the screen or the serial port itself: it runs in\n"
     "ring 3, where the hardware is off limits.  printf ends in a `write` system\n"
     "call: the SYSCALL instruction switches to ring 0, the kernel's UART driver\n"
     "puts the bytes out, and SYSRETQ drops back to ring 3."},
    {"stack", NULL, EXITS_0,
     "Every call pushes a return address and makes room for locals below the\n"
     "caller's, so the stack grows down; every return pops it all again."},
    {"heap", NULL, EXITS_0,
     "malloc is library code.  It hands out pieces of memory it already holds\n"
     "and asks the kernel (brk, mmap) only when it runs out; freed blocks are\n"
     "reused, and free holes can be too small for the next request."},
    {"arena", NULL, EXITS_0,
     "An arena allocates by moving a pointer up and frees everything at once by\n"
     "moving it back; its pages are committed only as it first grows into them."},
    {"pool", NULL, EXITS_0,
     "A pool holds same-size objects; a free list lets any one be freed and its\n"
     "slot reused by the next allocation."},
    {"vmem", NULL, EXITS_0,
     "Reserving address space costs nothing; committing promises memory, which\n"
     "arrives page by page on first touch; decommit and release give it back.\n"
     "Reserve big, commit as you grow, and an array never has to move."},
    {"pagefile", "24", EXITS_0,
     "Committed memory can exceed RAM: the kernel writes pages nobody used\n"
     "lately to the pagefile and reads them back on the next touch.  This step\n"
     "uses 24 MiB; on a machine with less (ringscope run --ram 24M tour, as\n"
     "`make run` does) its pages go to the pagefile and come back."},
    {"isolation", NULL, EXITS_0,
     "After fork, parent and child use the same virtual addresses, but their\n"
     "page tables map them to different physical frames: one process cannot\n"
     "see, let alone change, the other's memory."},
    {"threads", NULL, EXITS_0,
     "Threads share their process's memory — globals and heap — but each has its\n"
     "own stack and registers; shared data needs a lock."},
    {"overflow", NULL, KILLED_SIGSEGV,
     "The stack is finite.  Unbounded recursion reaches the guard page below\n"
     "it; the page fault there is fatal and the kernel kills the process.  The\n"
     "machine and this tour keep running."},
    {"kernelpeek", NULL, KILLED_SIGSEGV,
     "Kernel memory is mapped in every process, but marked supervisor-only: a\n"
     "read from ring 3 page-faults and the kernel kills the reader."},
    {"privileged", NULL, EXITS_0,
     "Instructions that control the machine (cli, hlt, mov to cr3) fault with\n"
     "#GP in ring 3; each is tried in a child process that gets killed."},
    {"keystroke", NULL, ANY_ENDING,
     "A program asks the kernel whether a key is down, the way a game polls\n"
     "GetAsyncKeyState; the kernel answers from its keyboard driver.  Without a\n"
     "key script (--keys \"@5ms space down, @20ms space up\") it just times out."},
};

static char program_dir[256];

/* Run PROGRAM from tour's own directory; returns its wait status, or -1. */
static int run(const struct step *s)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", program_dir, s->program);
    fflush(stdout); /* before fork, or the child would print it again */
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char *argv[] = {path, (char *)s->argument, NULL};
        execve(path, argv, environ);
        printf("(cannot run %s: %s)\n", path, strerror(errno));
        _exit(127);
    }
    int status;
    return waitpid(pid, &status, 0) == pid ? status : -1;
}

/* Say how the program ended; returns 1 if that was what the step expects. */
static int report(const struct step *s, int status)
{
    if (status == -1) {
        printf("[%s: could not be started]\n", s->program);
        return 0;
    }
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        int as_expected = sig == SIGSEGV && s->expected != EXITS_0;
        printf("[%s was killed by signal %d%s%s]\n", s->program, sig, sig == SIGSEGV ? " (SIGSEGV)" : "",
               as_expected ? ", as it should be" : "");
        return as_expected;
    }
    int code = WEXITSTATUS(status);
    printf("[%s exited with status %d]\n", s->program, code);
    return s->expected == ANY_ENDING || (s->expected == EXITS_0 && code == 0);
}

int main(int argc, char **argv)
{
    (void)argc;
    snprintf(program_dir, sizeof program_dir, "%s", argv[0]);
    char *slash = strrchr(program_dir, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(program_dir, sizeof program_dir, ".");

    int n = (int)(sizeof steps / sizeof steps[0]), surprises = 0;
    printf("tour: %d small programs, one idea each\n", n);
    for (int i = 0; i < n; i++) {
        printf("\n=== %d/%d  %s ===\n%s\n\n", i + 1, n, steps[i].program, steps[i].story);
        surprises += !report(&steps[i], run(&steps[i]));
    }
    printf("\ntour: done, %d of %d steps ended as expected\n", n - surprises, n);
    return surprises ? 1 : 0;
}
