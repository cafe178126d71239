/* trapentry.S — the entry stubs for all 32 exceptions and the 16 PIC IRQs.
 *
 * The CPU pushes an error code only for vectors 8, 10-14, 17, 21, 29, 30
 * (SDM Vol. 3A Table 6-1); every other stub pushes a 0 in its place so the
 * trap frame has one layout.  Each stub pushes its vector number and jumps
 * to alltraps, which:
 *   1. SWAPGS if the trap came from ring 3 (CS.RPL = 3 in the pushed
 *      frame): GS.base becomes the kernel's per-CPU block;
 *   2. pushes the general registers: the frame is now struct trapframe;
 *   3. calls trap(tf).
 * trapret undoes it and ends with IRETQ, which pops RIP, CS, RFLAGS, RSP, SS
 * (SDM Vol. 2A IRET). */
#include "trap.h"

    .text

.macro TRAP_NOERR n
    .globl vector\n
vector\n:
    pushq   $0
    pushq   $\n
    jmp     alltraps
.endm

.macro TRAP_ERR n
    .globl vector\n
vector\n:
    pushq   $\n
    jmp     alltraps
.endm

TRAP_NOERR 0
TRAP_NOERR 1
TRAP_NOERR 2
TRAP_NOERR 3
TRAP_NOERR 4
TRAP_NOERR 5
TRAP_NOERR 6
TRAP_NOERR 7
TRAP_ERR   8
TRAP_NOERR 9
TRAP_ERR   10
TRAP_ERR   11
TRAP_ERR   12
TRAP_ERR   13
TRAP_ERR   14
TRAP_NOERR 15
TRAP_NOERR 16
TRAP_ERR   17
TRAP_NOERR 18
TRAP_NOERR 19
TRAP_NOERR 20
TRAP_ERR   21
TRAP_NOERR 22
TRAP_NOERR 23
TRAP_NOERR 24
TRAP_NOERR 25
TRAP_NOERR 26
TRAP_NOERR 27
TRAP_NOERR 28
TRAP_ERR   29
TRAP_ERR   30
TRAP_NOERR 31
.irp n, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
TRAP_NOERR \n
.endr

/* The table idt_init() reads: the address of each stub, vectors 0-47. */
    .section .rodata
    .balign 8
    .globl trap_vectors
trap_vectors:
.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
    .quad vector\n
.endr
    .text

.macro PUSH_GPRS
    pushq   %rax
    pushq   %rbx
    pushq   %rcx
    pushq   %rdx
    pushq   %rsi
    pushq   %rdi
    pushq   %rbp
    pushq   %r8
    pushq   %r9
    pushq   %r10
    pushq   %r11
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
.endm

.macro POP_GPRS
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %r11
    popq    %r10
    popq    %r9
    popq    %r8
    popq    %rbp
    popq    %rdi
    popq    %rsi
    popq    %rdx
    popq    %rcx
    popq    %rbx
    popq    %rax
.endm

alltraps:
    testb   $3, 24(%rsp)            /* CS of the interrupted context (after vector, error code, RIP) */
    jz      1f
    swapgs
1:  PUSH_GPRS
    movq    %rsp, %rdi
    call    trap
    .globl trapret
trapret:
    POP_GPRS
    testb   $3, 24(%rsp)
    jz      2f
    swapgs
2:  addq    $16, %rsp               /* vector and error code */
    iretq

/* syscall_entry — where SYSCALL lands (IA32_LSTAR).
 *
 * SYSCALL (SDM Vol. 2B) saved the user RIP in RCX and RFLAGS in R11, cleared
 * the RFLAGS bits in IA32_FMASK (IF among them: no interrupt until we are on
 * a kernel stack), loaded CS/SS from IA32_STAR — and did nothing else: RSP
 * is still the user's.  So: SWAPGS to reach the per-CPU block, park the
 * user RSP there, load this thread's kernel stack, and build the same trap
 * frame an interrupt from ring 3 would have (vector T_SYSCALL).
 *
 * Return: syscall() returns 0 for the fast path — restore the registers,
 * RCX = RIP and R11 = RFLAGS for SYSRETQ, the user RSP, SWAPGS, SYSRETQ —
 * or non-zero when the frame was rewritten (execve, a new thread) and must
 * go out through IRETQ, which restores every register. */
    .globl syscall_entry
syscall_entry:
    swapgs
    movq    %rsp, %gs:8             /* PERCPU_USER_RSP */
    movq    %gs:0, %rsp             /* PERCPU_KERNEL_RSP */
    pushq   $0x23                   /* SS = SEL_UDATA */
    pushq   %gs:8                   /* RSP */
    pushq   %r11                    /* RFLAGS */
    pushq   $0x2b                   /* CS = SEL_UCODE */
    pushq   %rcx                    /* RIP */
    pushq   $0                      /* error code */
    pushq   $T_SYSCALL
    PUSH_GPRS
    movq    %rsp, %rdi
    call    syscall
    testl   %eax, %eax
    jnz     trapret
    POP_GPRS
    addq    $16, %rsp               /* vector and error code */
    movq    0(%rsp), %rcx           /* user RIP */
    movq    16(%rsp), %r11          /* user RFLAGS */
    movq    24(%rsp), %rsp          /* user RSP */
    swapgs
    sysretq

    .section .note.GNU-stack, "", @progbits
