/* keyboard.S — takes IRQ1 (vector 0x21) from the i8042 and reads each
 * scancode from port 0x60 (the controller's power-on state already has
 * IRQ1 and set-2 -> set-1 translation on).  After two scancodes (a key's
 * make and break) it exits with (first << 8) | second. */
#include "board.h"
    .text
    .globl _start
_start:
    IDT_INIT
    SET_GATE 0x21, keyboard_irq
    PIC_INIT 0xfd, 0xff         /* only IRQ1 */
    xor %ebx, %ebx              /* scancodes, shifted in */
    xor %r12d, %r12d            /* how many */
    sti
1:  hlt
    cmp $2, %r12d
    jb 1b
    EXIT %ebx

keyboard_irq:
    push %rax
    in $0x64, %al               /* status: OBF (bit 0) = a byte waits */
    test $0x01, %al
    jz 2f
    in $0x60, %al
    shl $8, %ebx
    mov %al, %bl
    inc %r12d
2:  EOI_MASTER
    pop %rax
    iretq
    IDT_SUPPORT
