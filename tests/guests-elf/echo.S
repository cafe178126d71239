/* echo.S — copies console input to console output by polling the UART
 * (LSR.DR bit 0: a byte waits in RBR; LSR.THRE bit 5: THR can take one)
 * until it has echoed a '.', then exits with the number of bytes echoed. */
    .set UART, 0x3f8
    .set UART_LSR, 0x3fd
    .text
    .globl _start
_start:
    xor %ebx, %ebx
next:
    mov $UART_LSR, %dx
1:  in %dx, %al
    test $0x01, %al
    jz 1b
    mov $UART, %dx
    in %dx, %al
    mov %al, %cl
    mov $UART_LSR, %dx
2:  in %dx, %al
    test $0x20, %al
    jz 2b
    mov $UART, %dx
    mov %cl, %al
    out %al, %dx
    inc %ebx
    cmp $'.', %cl
    jne next
    mov %ebx, %eax
    mov $0xf4, %dx
    out %eax, %dx
    hlt
