/* trap.h — the trap frame and the vectors.
 *
 * Every entry into the kernel (exception, interrupt, syscall) builds one
 * struct trapframe on the thread's kernel stack: the CPU pushes SS, RSP,
 * RFLAGS, CS, RIP (and for some exceptions an error code) — SDM Vol. 3A
 * 6.14.2, Figure 6-9 — and the entry code (trapentry.S) pushes the vector
 * and the general registers.  Returning to user mode pops it again. */
#ifndef OS_TRAP_H
#define OS_TRAP_H

#define T_DIVIDE 0      /* #DE */
#define T_DEBUG 1       /* #DB */
#define T_NMI 2
#define T_BREAKPOINT 3  /* #BP (INT3) */
#define T_OVERFLOW 4    /* #OF */
#define T_BOUND 5       /* #BR */
#define T_INVALID_OP 6  /* #UD */
#define T_NO_DEVICE 7   /* #NM */
#define T_DOUBLE_FAULT 8 /* #DF */
#define T_INVALID_TSS 10 /* #TS */
#define T_NO_SEGMENT 11 /* #NP */
#define T_STACK 12      /* #SS */
#define T_GP 13         /* #GP */
#define T_PAGE_FAULT 14 /* #PF */
#define T_FPU 16        /* #MF */
#define T_ALIGNMENT 17  /* #AC */
#define T_MACHINE_CHECK 18 /* #MC */
#define T_SIMD 19       /* #XM */
#define T_IRQ0 0x20     /* the 8259s are remapped to vectors 0x20-0x2F */
#define IRQ_TIMER 0
#define IRQ_KEYBOARD 1
#define IRQ_COM1 4
#define IRQ_ATA 14
#define T_SYSCALL 0x100 /* pseudo vector recorded by the SYSCALL entry */
#define T_NONE 0x101    /* a frame rebuilt by rt_sigreturn */

#include "abi/trapframe.h"   /* struct trapframe, TF_SIZE, TF_RIP, TF_CS */

#ifndef __ASSEMBLER__
#include <stdint.h>

static inline int tf_from_user(const struct trapframe *tf) { return (tf->cs & 3) == 3; }

void idt_init(void);
/* The last step before any return to ring 3 (trap or syscall): pending
 * signals, then a check that the return RIP is canonical — IRETQ to a
 * non-canonical RIP would raise #GP in ring 0 (SDM Vol. 2A IRET), and a
 * signal handler address or a sigreturn frame can hold any value. */
void prepare_return_to_user(struct trapframe *tf);
void trap(struct trapframe *tf);
/* Return to the context in tf (trapentry.S): pops the registers, SWAPGS if
 * going to ring 3, IRETQ. */
void trapret(void);
const char *trap_name(uint64_t trapno);
#endif

#endif
