/* segments.h — the kernel's GDT selectors, the TSS, and the per-CPU block
 * that SWAPGS makes reachable through GS in the kernel. */
#ifndef OS_SEGMENTS_H
#define OS_SEGMENTS_H

/* Selector = index * 8 | RPL.  The order is dictated by SYSCALL/SYSRET
 * (SDM Vol. 2B SYSCALL, SYSRET): SYSCALL loads CS = STAR[47:32] and
 * SS = STAR[47:32] + 8; 64-bit SYSRET loads CS = STAR[63:48] + 16 and
 * SS = STAR[63:48] + 8, both with RPL 3.  With STAR[63:48] = 0x18:
 * user data must be at 0x20 and user code at 0x28. */
#define SEL_KCODE 0x08
#define SEL_KDATA 0x10
#define SEL_USER_BASE 0x18   /* slot of a 32-bit user code segment: unused (no compat mode) */
#define SEL_UDATA (0x20 | 3)
#define SEL_UCODE (0x28 | 3)
#define SEL_TSS 0x30         /* a 16-byte system descriptor: slots 6 and 7 */

/* Offsets in struct percpu, used by the assembly entry code through %gs. */
#define PERCPU_KERNEL_RSP 0
#define PERCPU_USER_RSP 8

#ifndef __ASSEMBLER__
#include <stdint.h>

/* The one CPU's block.  In the kernel GS.base points here; in user mode the
 * user's GS.base is live and this address waits in IA32_KERNEL_GS_BASE
 * until SWAPGS exchanges the two (SDM Vol. 2B SWAPGS). */
struct percpu {
    uint64_t kernel_rsp; /* top of the running thread's kernel stack */
    uint64_t user_rsp;   /* scratch: user RSP during the syscall entry */
};
_Static_assert(__builtin_offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "percpu");
_Static_assert(__builtin_offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "percpu");

extern struct percpu percpu;

void gdt_init(void);
/* The stack the CPU switches to on an interrupt or exception from ring 3
 * (TSS.RSP0) and the one the syscall entry loads: the running thread's. */
void set_kernel_stack(uint64_t top);
#endif

#endif
