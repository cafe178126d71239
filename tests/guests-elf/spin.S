/* spin.S — loops forever with interrupts off: only --max-insns stops it. */
    .text
    .globl _start
_start:
    jmp _start
