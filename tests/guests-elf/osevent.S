/* osevent.S — reports one OS event through the OS-event port
 * (os/abi/osevent.h): a PROC_CREATE record for pid 7, parent 1, program
 * "init", written to RAM and announced by its physical address (OUT 0x504
 * high half, OUT 0x500 low half), then writes "event sent\n" to the kernel
 * log (port 0xE9) and exits with 42. */
#include "board.h"
    .text
    .globl _start
_start:
    lea record(%rip), %rax
    movabs $KERNEL_BASE, %rcx
    sub %rcx, %rax              /* physical address of the record */
    mov %rax, %rbx
    shr $32, %rax
    mov $0x504, %dx
    out %eax, %dx
    mov %ebx, %eax
    mov $0x500, %dx
    out %eax, %dx
    lea log(%rip), %rsi
    mov $0xe9, %dx
1:  lodsb
    test %al, %al
    jz 2f
    out %al, %dx
    jmp 1b
2:  mov $42, %ebx
    EXIT %ebx

    .data
    .balign 8
record:
    .long 0x5645534f            /* OSEV_MAGIC */
    .word 7                     /* OSEV_PROC_CREATE */
    .word 0
    .long 7                     /* pid */
    .long 7                     /* tid */
    .quad 7, 1, 0, 0, 0, 0      /* arg0 pid, arg1 parent */
    .ascii "init"
    .skip 60
    .section .rodata
log: .asciz "event sent\n"
