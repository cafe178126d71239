/* privileged — instructions only ring 0 may execute, tried from ring 3.
 *
 * Some instructions control the whole machine: CLI turns interrupts off (and
 * with them the scheduler's timer), HLT stops the CPU, MOV to CR3 switches to
 * another set of page tables — another address space.  The CPU checks the
 * current privilege level (CPL, the low bits of CS) before executing them;
 * in ring 3 each raises #GP(0), a general-protection fault with error code 0
 * (SDM Vol. 2: CLI needs CPL <= IOPL, HLT and MOV CRn need CPL 0).  The kernel
 * kills the offender with SIGSEGV; user programs must ask the kernel instead.
 *
 * Each instruction runs in a forked child, so one run shows all three faults
 * and the parent reports how each child died.
 *
 *   usage: privileged [cli|hlt|cr3]    (default: all three, one child each)
 *
 * Watch in ringscope:
 *   ringscope run privileged                    three kills, parent exits 0
 *   ringscope run --trace=exception privileged  #GP (vector 13), error code 0,
 *                                               CPL 3, at each instruction */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void run_cli(void) { __asm__ volatile("cli"); }
static void run_hlt(void) { __asm__ volatile("hlt"); }
static void run_cr3(void) { __asm__ volatile("mov %0, %%cr3" : : "r"(0ul) : "memory"); }

static const struct {
    const char *name, *what;
    void (*run)(void);
} tries[] = {
    {"cli", "cli (turn interrupts off)", run_cli},
    {"hlt", "hlt (stop the CPU)", run_hlt},
    {"cr3", "mov %rax, %cr3 (switch page tables)", run_cr3},
};

static int try_in_child(int i)
{
    printf("%s:\n", tries[i].what);
    fflush(stdout); /* before fork, or the child would print it again */
    pid_t pid = fork();
    if (pid < 0)
        return 1;
    if (pid == 0) {
        tries[i].run();
        printf("  executed in ring 3: the CPU did not stop it\n");
        _exit(1);
    }
    int status;
    if (waitpid(pid, &status, 0) != pid)
        return 1;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        printf("  the child was killed by signal %d (%s)\n", sig, sig == SIGSEGV ? "SIGSEGV" : "unexpected");
        return sig != SIGSEGV;
    }
    printf("  the child exited with status %d\n", WEXITSTATUS(status));
    return 1;
}

int main(int argc, char **argv)
{
    int n = (int)(sizeof tries / sizeof tries[0]), failures = 0, matched = 0;
    printf("privileged: ring-0 instructions tried in ring 3, each in its own child process\n\n");
    for (int i = 0; i < n; i++)
        if (argc < 2 || strcmp(argv[1], tries[i].name) == 0) {
            failures += try_in_child(i);
            matched++;
        }
    if (!matched) {
        printf("usage: privileged [cli|hlt|cr3]\n");
        return 2;
    }
    return failures ? 1 : 0;
}
