/* ata.S — writes one sector through the ATA PIO interface and reads it
 * back (ATA/ATAPI-6: WRITE SECTORS 0x30, READ SECTORS 0x20, 28-bit LBA;
 * polling, with interrupts off through Device Control nIEN).  Sector LBA 5
 * gets bytes i ^ 0x5A.  Exits with 0 if the read-back matches, 1 if not,
 * 2 if the drive reported an error. */
#include "board.h"
    .set LBA, 5
    .text
    .globl _start
_start:
    mov $0x02, %al              /* Device Control: nIEN */
    mov $0x3f6, %dx
    out %al, %dx
    lea sector_out(%rip), %rdi  /* the pattern */
    xor %ecx, %ecx
1:  mov %cl, %al
    xor $0x5a, %al
    mov %al, (%rdi, %rcx)
    inc %ecx
    cmp $512, %ecx
    jb 1b

    mov $0x30, %al              /* WRITE SECTORS */
    call command
    call wait_drq
    lea sector_out(%rip), %rsi
    mov $256, %ecx
    mov $0x1f0, %dx
2:  mov (%rsi), %ax             /* the data register moves 16 bits */
    out %ax, %dx
    add $2, %rsi
    dec %ecx
    jnz 2b
    call wait_ready

    mov $0x20, %al              /* READ SECTORS */
    call command
    call wait_drq
    lea sector_in(%rip), %rdi
    mov $256, %ecx
    mov $0x1f0, %dx
3:  in %dx, %ax
    mov %ax, (%rdi)
    add $2, %rdi
    dec %ecx
    jnz 3b

    lea sector_out(%rip), %rsi
    lea sector_in(%rip), %rdi
    xor %ecx, %ecx
4:  mov (%rsi, %rcx), %al
    cmp (%rdi, %rcx), %al
    jne mismatch
    inc %ecx
    cmp $512, %ecx
    jb 4b
    xor %ebx, %ebx
    EXIT %ebx
mismatch:
    mov $1, %ebx
    EXIT %ebx
drive_error:
    mov $2, %ebx
    EXIT %ebx

/* command: device 0 in LBA mode, 1 sector at LBA, command AL. */
command:
    mov %al, %bl
    call wait_ready
    mov $0xe0, %al              /* Device: LBA, DEV 0, LBA 27:24 = 0 */
    mov $0x1f6, %dx
    out %al, %dx
    mov $1, %al
    mov $0x1f2, %dx
    out %al, %dx
    mov $LBA, %al
    mov $0x1f3, %dx
    out %al, %dx
    xor %eax, %eax
    mov $0x1f4, %dx
    out %al, %dx
    mov $0x1f5, %dx
    out %al, %dx
    mov %bl, %al
    mov $0x1f7, %dx
    out %al, %dx
    ret

/* Status: wait for BSY (0x80) clear; ERR (0x01) -> drive_error. */
wait_ready:
    mov $0x1f7, %dx
5:  in %dx, %al
    test $0x80, %al
    jnz 5b
    test $0x01, %al
    jnz drive_error
    ret

/* ... and then DRQ (0x08). */
wait_drq:
    call wait_ready
    test $0x08, %al
    jz wait_drq
    ret

    .bss
sector_out: .skip 512
sector_in:  .skip 512
