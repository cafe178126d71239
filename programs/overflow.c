/* overflow — unbounded recursion runs the stack into its guard page.
 *
 * The stack is a reserved region that the kernel commits page by page as it
 * grows down.  Below its limit lies a guard page that is never committed.
 * Each call here takes about 1 KiB of stack and never returns, so the stack
 * soon reaches the guard: the write faults (#PF, not-present), the kernel sees
 * an access outside anything committed and kills the process with SIGSEGV,
 * printing why.  The machine keeps running; only this process dies.
 *
 * What it prints: the depth reached every 1024 calls (each line is printed
 * before the next 1024 calls, so the last line shows roughly where it died),
 * then nothing — the process is gone.  The depth depends on the stack limit:
 * 8 MiB in ringscope's kernel, the same as Linux's usual `ulimit -s`.
 *
 * Watch in ringscope:
 *   ringscope run overflow                  the kernel's message, exit 139 (128+11)
 *   ringscope run --trace=exception overflow   the #PF storm as the stack grows,
 *                                              then the fatal one at the guard page */
#include <limits.h>
#include <stdio.h>

/* Never reached; volatile so the compiler cannot prove the recursion endless
 * (gcc rejects provably infinite recursion). */
static volatile long give_up_at = LONG_MAX;

__attribute__((noinline)) static long dive(long depth)
{
    volatile char frame[1000]; /* volatile: the compiler must really store it */
    frame[0] = (char)depth;
    frame[999] = (char)depth;
    if (depth == give_up_at)
        return 0;
    if (depth % 1024 == 0) {
        printf("depth %ld: about %ld MiB of stack\n", depth, depth / 1024);
        fflush(stdout);
    }
    return dive(depth + 1) + frame[0] + frame[999]; /* work after the call: no tail call */
}

int main(void)
{
    printf("overflow: recursing without end, about 1 KiB of stack per call\n");
    fflush(stdout);
    return (int)dive(1);
}
