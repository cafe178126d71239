/* trapframe.h — the frame every entry into the guest kernel builds on the
 * thread's kernel stack (shared ABI: os/trap.h for the kernel, the gdb
 * stub's thread view for the host).
 *
 * An entry from ring 3 starts at the top of the thread's kernel stack
 * (TSS.RSP0, SDM Vol. 3A §6.12.1; the SYSCALL entry switches to the same
 * place): the CPU pushes SS, RSP, RFLAGS, CS, RIP (SDM Vol. 3A §6.14.2,
 * Figure 6-9), the entry code the error code slot, the vector and the
 * general registers.  So a thread that is not on the CPU keeps its user
 * registers in the TF_SIZE bytes below its RSP0. */
#ifndef RINGSCOPE_ABI_TRAPFRAME_H
#define RINGSCOPE_ABI_TRAPFRAME_H

#define TF_SIZE 176     /* sizeof(struct trapframe) */
#define TF_RIP 136      /* offsets used by trapentry.S */
#define TF_CS 144

#ifndef __ASSEMBLER__
#include <stdint.h>

struct trapframe {
    /* pushed by trapentry.S (r15 last, so it is at the lowest address) */
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t trapno;
    uint64_t err;   /* the CPU's error code, or 0 */
    /* pushed by the CPU */
    uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trapframe) == TF_SIZE, "trapframe size");
_Static_assert(__builtin_offsetof(struct trapframe, rip) == TF_RIP, "trapframe rip");
_Static_assert(__builtin_offsetof(struct trapframe, cs) == TF_CS, "trapframe cs");
#endif

#endif
