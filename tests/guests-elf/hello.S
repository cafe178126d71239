/* hello.S — the stand-in guest kernel: proves the boot path end to end.
 * Checks the boot-info record RDI points to (os/abi/bootinfo.h), prints
 * "hello from the test kernel: CMDLINE\n" through the 16550 UART at 0x3F8
 * by polling LSR.THRE, writes "test kernel log\n" to the kernel-log port
 * 0xE9, and exits through the exit port 0xF4 with status 0, or 3 if the
 * boot-info magic is wrong. */
    .set UART, 0x3f8
    .set UART_LSR, 0x3fd
    .set LSR_THRE, 0x20
    .set EXIT_PORT, 0xf4
    .set BI_CMDLINE, 872            /* offsetof(struct bootinfo, cmdline) */

    .text
    .globl _start
_start:
    mov %rdi, %rbx                  /* boot info (direct-map address) */
    movabs $0x31544f4f42435352, %rax /* BOOTINFO_MAGIC "RSCBOOT1" */
    cmp %rax, (%rbx)
    jne bad_magic
    lea greeting(%rip), %rsi
    call puts
    lea BI_CMDLINE(%rbx), %rsi
    call puts
    lea newline(%rip), %rsi
    call puts
    lea log_line(%rip), %rsi
    mov $0xe9, %dx
4:  lodsb
    test %al, %al
    jz 5f
    out %al, %dx
    jmp 4b
5:  xor %eax, %eax
    jmp exit
bad_magic:
    mov $3, %eax
exit:
    mov $EXIT_PORT, %dx
    out %eax, %dx
1:  hlt
    jmp 1b

/* puts: print the NUL-terminated string at RSI. */
puts:
    movzbl (%rsi), %ecx
    test %ecx, %ecx
    jz 3f
    mov $UART_LSR, %dx
2:  in %dx, %al
    test $LSR_THRE, %al
    jz 2b
    mov $UART, %dx
    mov %cl, %al
    out %al, %dx
    inc %rsi
    jmp puts
3:  ret

    .section .rodata
greeting: .asciz "hello from the test kernel: "
newline:  .asciz "\n"
log_line: .asciz "test kernel log\n"
