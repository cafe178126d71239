/* entry.S — the first kernel instructions.
 *
 * The loader (machine/loader.c) enters here in 64-bit mode, ring 0, on its
 * boot page tables, with RDI = the boot-info record (direct-map address) and
 * RSP on a boot stack inside memory the kernel will later reuse.  So the very
 * first thing is to move onto the kernel's own stack in .bss, then call
 * kmain(bootinfo).  RBP = 0 ends the frame-pointer chain for backtraces. */
    .section .text.entry, "ax"
    .globl _start
_start:
    leaq    boot_stack_top(%rip), %rsp
    xorl    %ebp, %ebp
    call    kmain
1:  cli
    hlt
    jmp     1b

    .bss
    .balign 4096
    .globl boot_stack
boot_stack:
    .space  16384
    .globl boot_stack_top
boot_stack_top:
    .section .note.GNU-stack, "", @progbits
