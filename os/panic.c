/* panic.c — kernel panic: report, backtrace, stop the machine.
 *
 * The backtrace follows the frame-pointer chain: every kernel function is
 * compiled with -fno-omit-frame-pointer, so its prologue is
 * "push %rbp; mov %rsp, %rbp" and [rbp] holds the caller's RBP, [rbp+8] the
 * return address.  The chain ends at RBP = 0 (entry.S clears it). */
#include "panic.h"
#include <stdarg.h>
#include "abi/osevent.h"
#include "console.h"
#include "events.h"
#include "memlayout.h"
#include "printf.h"
#include "trap.h"
#include "x86.h"

#define BACKTRACE_MAX 24

void machine_exit(uint32_t status)
{
    for (;;) {
        outl(OSEV_EXIT_PORT, status);
        cli();
        __asm__ volatile("hlt");
    }
}

static void backtrace(uint64_t rbp)
{
    kprintf("backtrace:\n");
    for (int i = 0; i < BACKTRACE_MAX && rbp; i++) {
        if (rbp < KERNEL_HALF_START || (rbp & 7))
            break; /* not a kernel stack address: the chain is broken */
        const uint64_t *frame = (const uint64_t *)rbp;
        kprintf("  #%d %016lx\n", i, frame[1]);
        rbp = frame[0];
    }
}

static void __attribute__((noreturn)) die(uint64_t rip, uint64_t rbp, const char *message)
{
    kprintf("panic: %s\n", message);
    backtrace(rbp);
    cprintf("\nkernel panic: %s\n", message);
    osev_report(OSEV_PANIC, rip, 0, 0, 0, 0, 0, message);
    machine_exit(PANIC_EXIT_STATUS);
}

void panic(const char *fmt, ...)
{
    cli();
    char message[160];
    va_list ap;
    va_start(ap, fmt);
    kvsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    uint64_t rsp;
    __asm__ volatile("mov %%rsp, %0" : "=r"(rsp));
    kprintf("panic: called from %016lx  rsp %016lx  rbp %016lx  rflags %016lx\n",
            (uint64_t)__builtin_return_address(0), rsp, read_rbp(), read_rflags());
    kprintf("  cr2 %016lx  cr3 %016lx\n", read_cr2(), read_cr3());
    die((uint64_t)__builtin_return_address(0), read_rbp(), message);
}

void panic_trap(const struct trapframe *tf, const char *what)
{
    cli();
    char message[160];
    ksnprintf(message, sizeof message, "%s in kernel at rip %016lx (error code 0x%lx)", what, tf->rip, tf->err);
    kprintf("panic: trap %lu (%s), error code %lx, cr2 %016lx\n", tf->trapno, what, tf->err, read_cr2());
    kprintf("  rip %016lx  cs %04lx  rflags %016lx  rsp %016lx  ss %04lx\n", tf->rip, tf->cs, tf->rflags,
            tf->rsp, tf->ss);
    kprintf("  rax %016lx  rbx %016lx  rcx %016lx  rdx %016lx\n", tf->rax, tf->rbx, tf->rcx, tf->rdx);
    kprintf("  rsi %016lx  rdi %016lx  rbp %016lx  r8  %016lx\n", tf->rsi, tf->rdi, tf->rbp, tf->r8);
    kprintf("  r9  %016lx  r10 %016lx  r11 %016lx  r12 %016lx\n", tf->r9, tf->r10, tf->r11, tf->r12);
    kprintf("  r13 %016lx  r14 %016lx  r15 %016lx  cr3 %016lx\n", tf->r13, tf->r14, tf->r15, read_cr3());
    die(tf->rip, tf->rbp, message);
}
