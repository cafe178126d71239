/* uart_rx.S — receives console input by interrupt (IER.ERBFI: received
 * data available, IIR bits 3:1 = 010; IRQ4, vector 0x24), sleeping in HLT
 * until a '\n' arrives, then prints "got: LINE" back by polling and exits
 * with the number of RX interrupts taken. */
#include "board.h"
    .text
    .globl _start
_start:
    IDT_INIT
    SET_GATE 0x24, uart_irq
    PIC_INIT 0xef, 0xff         /* only IRQ4 */
    lea line(%rip), %rdi        /* where the next byte goes */
    xor %ebx, %ebx              /* RX interrupts */
    xor %r12d, %r12d            /* set when '\n' arrived */
    mov $0x08, %al              /* MCR: OUT2 */
    mov $0x3fc, %dx
    out %al, %dx
    mov $0x01, %al              /* IER: ERBFI */
    mov $0x3f9, %dx
    out %al, %dx
    sti
wait:
    hlt
    test %r12d, %r12d
    jz wait
    cli
    lea prefix(%rip), %rsi
    call puts
    lea line(%rip), %rsi
    call puts
    EXIT %ebx

/* IRQ4: drain RBR while LSR.DR (bit 0) says a byte waits. */
uart_irq:
    push %rax
    push %rdx
    inc %ebx
1:  mov $0x3fd, %dx
    in %dx, %al
    test $0x01, %al
    jz 2f
    mov $0x3f8, %dx
    in %dx, %al
    lea line_end(%rip), %rdx
    cmp %rdx, %rdi              /* never past the buffer */
    jae 1b
    mov %al, (%rdi)
    inc %rdi
    cmp $'\n', %al
    jne 1b
    mov $1, %r12d
    jmp 1b
2:  EOI_MASTER
    pop %rdx
    pop %rax
    iretq

/* puts: print the NUL-terminated string at RSI by polling LSR.THRE. */
puts:
    movzbl (%rsi), %ecx
    test %ecx, %ecx
    jz 3f
    mov $0x3fd, %dx
4:  in %dx, %al
    test $0x20, %al
    jz 4b
    mov $0x3f8, %dx
    mov %cl, %al
    out %al, %dx
    inc %rsi
    jmp puts
3:  ret

    .section .rodata
prefix: .asciz "got: "
    .bss
line: .skip 64
line_end: .skip 1
    IDT_SUPPORT
