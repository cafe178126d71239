/* pit.S — programs 8254 channel 0 as a rate generator (control word 0x34:
 * counter 0, lobyte/hibyte, mode 2, binary) with N = 1193 input clocks
 * (about 1 ms at 1.193182 MHz), takes IRQ0 (vector 0x20) five times while
 * sleeping in HLT, then exits with the number of ticks.  The run costs a few
 * hundred instructions: the machine skips the idle time. */
#include "board.h"
    .set DIVISOR, 1193
    .text
    .globl _start
_start:
    IDT_INIT
    SET_GATE 0x20, timer_irq
    PIC_INIT 0xfe, 0xff         /* only IRQ0 */
    xor %ebx, %ebx
    mov $0x34, %al
    out %al, $0x43
    mov $(DIVISOR & 0xff), %al
    out %al, $0x40
    .globl count_written
count_written:                  /* (the high byte is written by the next OUT) */
    mov $(DIVISOR >> 8), %al
    out %al, $0x40
    sti
1:  hlt
    cmp $5, %ebx
    jb 1b
    EXIT %ebx

timer_irq:
    push %rax
    inc %ebx
    EOI_MASTER
    pop %rax
    iretq
    IDT_SUPPORT
