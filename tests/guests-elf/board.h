/* board.h — assembler helpers shared by the board test guests (included by
 * the .S files, which gcc runs through the C preprocessor).
 *
 *   IDT_INIT            an IDT of 256 64-bit interrupt gates (SDM Vol. 3A
 *                       §6.14.1, Figure 6-8: offset 15:0, selector 0x08,
 *                       IST 0, type 0xE + P, offset 31:16, offset 63:32),
 *                       every vector at `unexpected` (exits with 0xEE00 +
 *                       nothing else), loaded with LIDT
 *   SET_GATE v, handler point vector v at handler
 *   PIC_INIT m, s       program both 8259s (ICW1-4: edge, cascade on IR2,
 *                       8086 mode; master vectors 0x20-0x27, slave
 *                       0x28-0x2F) and load masks m (master), s (slave)
 *   EOI_MASTER          non-specific EOI (OCW2 0x20) to the master
 *   EXIT reg32          write reg32 to the exit port 0xF4
 * The kernel image is linked at 0xFFFFFFFF80000000 + its physical address
 * (tests/guests-elf/kernel.ld): VIRT_TO_PHYS subtracts that. */

#define EXIT_PORT 0xf4
#define KERNEL_BASE 0xffffffff80000000

.macro IDT_INIT
    lea idt(%rip), %rdi
    mov $256, %ecx
1000:
    lea unexpected(%rip), %rax
    call set_gate
    add $16, %rdi
    dec %ecx
    jnz 1000b
    lidt idtr(%rip)
.endm

.macro SET_GATE vector, handler
    lea idt + 16 * \vector(%rip), %rdi
    lea \handler(%rip), %rax
    call set_gate
.endm

.macro PIC_INIT master_mask, slave_mask
    mov $0x11, %al          /* ICW1: edge triggered, cascade, ICW4 needed */
    out %al, $0x20
    out %al, $0xa0
    mov $0x20, %al          /* ICW2: vector bases */
    out %al, $0x21
    mov $0x28, %al
    out %al, $0xa1
    mov $0x04, %al          /* ICW3: slave on master IR2, slave id 2 */
    out %al, $0x21
    mov $0x02, %al
    out %al, $0xa1
    mov $0x01, %al          /* ICW4: 8086 mode, normal EOI */
    out %al, $0x21
    out %al, $0xa1
    mov $\master_mask, %al  /* OCW1: masks */
    out %al, $0x21
    mov $\slave_mask, %al
    out %al, $0xa1
.endm

.macro EOI_MASTER
    mov $0x20, %al
    out %al, $0x20
.endm

.macro EXIT reg
    mov $EXIT_PORT, %dx
    mov \reg, %eax
    out %eax, %dx
    cli
    hlt
.endm

/* The gate code and the IDT itself, once per guest. */
.macro IDT_SUPPORT
    .text
/* set_gate: RAX = handler address, RDI = the 16-byte gate. */
set_gate:
    mov %ax, (%rdi)
    movw $0x08, 2(%rdi)
    movw $0x8e00, 4(%rdi)   /* P=1, DPL 0, type 0xE: 64-bit interrupt gate */
    shr $16, %rax
    mov %ax, 6(%rdi)
    shr $16, %rax
    mov %eax, 8(%rdi)
    movl $0, 12(%rdi)
    ret
unexpected:
    mov $0xee00, %ecx
    EXIT %ecx
    .data
    .balign 16
idtr:
    .word 256 * 16 - 1
    .quad idt
    .bss
    .balign 16
idt:
    .skip 256 * 16
    .text
.endm
