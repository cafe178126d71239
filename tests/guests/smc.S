/* smc.S — self-modifying code (tests/test_system.c).  The guest runs an
 * instruction, overwrites its bytes, and runs it again; the new bytes must
 * execute (SDM Vol. 3A §11.6: a write to code is seen by the next fetch of
 * that code).  Twice:
 *   1. through the same linear address as the code;
 *   2. through an alias: a second linear address (0x40000000 + physical)
 *      mapped onto the same frame by a page-directory entry the guest adds,
 *      so the write goes through another TLB entry than the fetch.
 * Each run of a patched site prints the digit its `mov eax, imm32`
 * loaded: the output must be "1213".  Runs in ring 0 on the harness's
 * identity map (PML4 at 0x1000, PDPT at 0x2000). */
    .intel_syntax noprefix

    .set PDPT, 0x2000
    .set ALIAS_PD, 0x40000          /* a free page for the alias's page directory */
    .set ALIAS_BASE, 0x40000000     /* PDPT entry 1: 1 GiB */

    .section .text.entry, "ax"
    .globl _start
_start:
    xor ebx, ebx
same_page:
    mov eax, 1                      /* B8 imm32: the immediate is patched */
    add al, '0'
    out 0xe9, al
    inc ebx
    cmp ebx, 2
    je alias
    mov byte ptr [rip + same_page + 1], 2
    jmp same_page

alias:
    /* ALIAS_BASE + x maps physical x (one 2-MiB page covers the guest). */
    mov qword ptr [ALIAS_PD], 0x83  /* P | W | PS, physical 0 */
    mov qword ptr [PDPT + 8], ALIAS_PD | 3
    xor ebx, ebx
alias_site:
    mov eax, 1
    add al, '0'
    out 0xe9, al
    inc ebx
    cmp ebx, 2
    je done
    lea rdi, [rip + alias_site + 1]
    add rdi, ALIAS_BASE
    mov byte ptr [rdi], 3           /* write through the alias */
    jmp alias_site

done:
    xor eax, eax
    out 0xf4, eax
1:  hlt
    jmp 1b
