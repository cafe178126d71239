/* counter — the guest program of the run-control and gdb tests: a global
 * that one function writes (a watchpoint's target), a string for x/s, a
 * few calls to step over, and a system call.  Built -O0 -g so gdb's line
 * stepping has lines to stop at. */
#include <stdio.h>
#include <unistd.h>

long counter = 41;
const char greeting[] = "hello from the counter";

void bump(void)
{
    counter = counter + 1;
}

static long twice(long x)
{
    return 2 * x;
}

int main(void)
{
    long seen = counter;
    bump();
    seen = twice(seen);
    bump();
    printf("%s: %ld %ld pid %d\n", greeting, counter, seen, (int)getpid());
    return 0;
}
