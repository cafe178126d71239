/* rings.S — a round trip through the rings with SYSRET and SYSCALL (SDM
 * Vol. 2B): the kernel sets STAR (kernel CS 0x08; SYSRET CS = 0x10+16|3 =
 * 0x23, SS = 0x10+8|3 = 0x1b) and LSTAR, makes the first 2 MiB of the boot
 * identity map user-accessible (U bit in the PML4E, PDPTE and PDE that map
 * it, reached through the direct map from the boot-info record's
 * boot_pml4), and SYSRETs to `user_code` at its identity (physical)
 * address.  Ring 3 makes syscall 60 with RDI = 7; the kernel's entry exits
 * with (RAX << 8) | RDI = 0x3C07. */
#include "board.h"
    .set DIRECT_MAP, 0xffff800000000000
    .set BI_BOOT_PML4, 80       /* offsetof(struct bootinfo, boot_pml4) */
    .text
    .globl _start
_start:
    mov $0xc0000081, %ecx       /* IA32_STAR */
    xor %eax, %eax
    mov $0x00100008, %edx       /* [63:48] = 0x10 (SYSRET base), [47:32] = 0x08 (SYSCALL CS) */
    wrmsr
    lea syscall_entry(%rip), %rax
    mov %rax, %rdx
    shr $32, %rdx
    mov $0xc0000082, %ecx       /* IA32_LSTAR */
    wrmsr

    movabs $DIRECT_MAP, %r8
    movabs $0x000ffffffffff000, %r9 /* the address bits of an entry */
    mov BI_BOOT_PML4(%rdi), %rax
    add %r8, %rax               /* PML4 */
    orq $4, (%rax)              /* PML4E[0].U */
    mov (%rax), %rbx
    and %r9, %rbx
    add %r8, %rbx               /* PDPT */
    orq $4, (%rbx)              /* PDPTE[0].U */
    mov (%rbx), %rcx
    and %r9, %rcx
    add %r8, %rcx               /* PD */
    orq $4, (%rcx)              /* PDE[0].U: 0-2 MiB */
    mov %cr3, %rax              /* flush the TLB */
    mov %rax, %cr3

    lea user_code(%rip), %rcx
    movabs $KERNEL_BASE, %rax
    sub %rax, %rcx              /* RIP after SYSRET: the identity address */
    mov $0x2, %r11d             /* RFLAGS in ring 3 */
    .globl to_user
to_user:
    sysretq

    .globl user_code
user_code:
    mov $60, %eax
    mov $7, %edi
    syscall
    ud2

    .globl syscall_entry
syscall_entry:
    mov %eax, %ebx
    shl $8, %ebx
    or %edi, %ebx
    EXIT %ebx
