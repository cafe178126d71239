/* status.S — exits through the exit port with 0x18B: the machine reports
 * the whole value, the ringscope process exits with its low byte, 139
 * (128 + 11, how the kernel reports a program killed by SIGSEGV). */
    .text
    .globl _start
_start:
    mov $0x18b, %eax
    mov $0xf4, %dx
    out %eax, %dx
    cli
    hlt
