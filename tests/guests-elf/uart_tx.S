/* uart_tx.S — prints a message through the 16550 one byte per THR-empty
 * interrupt (IER.ETBEI; IRQ4 through the master 8259, vector 0x24; MCR.OUT2
 * gates IRQ4 on a PC), sleeping in HLT between bytes.  Exits with the
 * number of TX interrupts taken. */
#include "board.h"
    .text
    .globl _start
_start:
    IDT_INIT
    SET_GATE 0x24, uart_irq
    PIC_INIT 0xef, 0xff         /* only IRQ4 */
    lea message(%rip), %rsi
    xor %ebx, %ebx              /* interrupts taken */
    mov $0x03, %al              /* LCR: 8 data bits, no parity, 1 stop */
    mov $0x3fb, %dx
    out %al, %dx
    mov $0x08, %al              /* MCR: OUT2 */
    mov $0x3fc, %dx
    out %al, %dx
    mov $0x02, %al              /* IER: ETBEI -> THR is empty: interrupt now */
    mov $0x3f9, %dx
    out %al, %dx
    sti
wait:
    hlt
    cmpb $0, (%rsi)
    jne wait
    EXIT %ebx

/* IRQ4: IIR says why (bits 3:1 = 001: THR empty); send the next byte, or
 * turn the THR interrupt off after the last one. */
uart_irq:
    push %rax
    push %rdx
    mov $0x3fa, %dx
    in %dx, %al                 /* IIR */
    and $0x0f, %al
    cmp $0x02, %al
    jne 2f
    inc %ebx
    movzbl (%rsi), %eax
    test %eax, %eax
    jz 1f
    mov $0x3f8, %dx
    out %al, %dx
    inc %rsi
    jmp 2f
1:  mov $0x3f9, %dx             /* done: IER = 0 */
    out %al, %dx
2:  EOI_MASTER
    pop %rdx
    pop %rax
    iretq

    .section .rodata
message: .asciz "sent by interrupts\n"
    IDT_SUPPORT
