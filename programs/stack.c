/* stack — call frames, push/pop, locals and return addresses.
 *
 * The stack is ordinary memory that RSP points into; CALL pushes a return
 * address and moves RSP down, each function then takes room for its locals
 * below that, RET pops the return address back into RIP.  So nested calls
 * sit at ever lower addresses: the stack grows down.
 *
 * What it prints: how far RSP moves for a push and a pop, and for a chain of
 * recursive calls how far below its caller's each frame lies.  It prints
 * distances, not addresses, because where the stack starts differs between
 * runs (Linux randomizes it) and machines; the distances are fixed by the
 * compiled code.  Return addresses are code addresses of this static binary,
 * so they are printed as they are.
 *
 * Watch in ringscope:
 *   ringscope run --trace=insn,reg,mem --trace-from descend --trace-until printf stack
 *       every call/push/ret of the recursion with RSP old->new, and the
 *       8-byte return addresses written to and read from the stack */
#include <stdint.h>
#include <stdio.h>

#define DEPTH 5

static uintptr_t local_addr[DEPTH + 1]; /* where each depth's local array is */
static uintptr_t return_addr[DEPTH + 1]; /* where each depth returns to */

/* Each call keeps a local array alive across the recursive call (it is read
 * after the call returns), so every depth has a real frame of its own. */
__attribute__((noinline)) static int descend(int depth)
{
    volatile int local[10];
    local[0] = depth;
    local_addr[depth] = (uintptr_t)&local[0];
    return_addr[depth] = (uintptr_t)__builtin_return_address(0);
    int below = depth < DEPTH ? descend(depth + 1) : 0;
    return local[0] + below;
}

/* PUSH writes 8 bytes at RSP-8 and lowers RSP by 8; POP reads them back and
 * raises RSP by 8 (SDM Vol. 2B, PUSH and POP).  The 128-byte step first keeps
 * the push clear of the red zone the compiler may use below RSP. */
static void push_pop(void)
{
    uint64_t before, after_push, after_pop, popped;
    __asm__ volatile("sub $128, %%rsp\n\t"
                     "mov %%rsp, %0\n\t"
                     "pushq $0x1234\n\t"
                     "mov %%rsp, %1\n\t"
                     "popq %2\n\t"
                     "mov %%rsp, %3\n\t"
                     "add $128, %%rsp"
                     : "=&r"(before), "=&r"(after_push), "=&r"(popped), "=&r"(after_pop)
                     :
                     : "memory");
    printf("  push $0x1234 moved RSP down by %ld bytes\n", (long)(before - after_push));
    printf("  pop moved RSP back up by %ld bytes and returned 0x%lx\n", (long)(after_pop - after_push),
           (unsigned long)popped);
}

int main(void)
{
    printf("stack: call frames live on the stack, and the stack grows down\n\n");
    printf("push and pop:\n");
    push_pop();

    printf("\nrecursion %d calls deep (each call keeps a 40-byte local array):\n", DEPTH);
    int sum = descend(1);
    int same_size = 1;
    for (int d = 2; d <= DEPTH; d++) {
        long below = (long)(local_addr[d - 1] - local_addr[d]);
        printf("  depth %d: its locals are %ld bytes below depth %d's\n", d, below, d - 1);
        if (below != (long)(local_addr[1] - local_addr[2]))
            same_size = 0;
    }
    printf("  every frame has the same size: %s\n", same_size ? "yes" : "no");
    printf("  depth 1 returns to 0x%lx (in main)\n", (unsigned long)return_addr[1]);
    for (int d = 2; d <= DEPTH; d++)
        printf("  depth %d returns to 0x%lx (in descend, just after it calls itself)\n", d,
               (unsigned long)return_addr[d]);
    printf("\nunwinding: the calls returned %d = 1+2+3+4+5, each RET popping its return address\n", sum);
    return sum == 15 ? 0 : 1;
}
