/* swtch.S — the kernel context switch (see proc.c). */
    .text
/* swtch(struct context **save, struct context *load): the kernel's context
 * switch.  Pushes the callee-saved registers (the System V ABI says the
 * caller already saved the rest), stores RSP in *save, loads the other
 * thread's RSP and pops its callee-saved registers: the RET then continues
 * wherever that thread called swtch (or in thread_start for a new one). */
    .globl swtch
swtch:
    pushq   %rbp
    pushq   %rbx
    pushq   %r12
    pushq   %r13
    pushq   %r14
    pushq   %r15
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret

    .section .note.GNU-stack, "", @progbits
