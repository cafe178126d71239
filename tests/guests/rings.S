/* rings.S — a ring-0 test guest that builds its own GDT (with a 64-bit TSS
 * descriptor), IDT and TSS (RSP0, IST1, IST2), loads them, enables SYSCALL
 * (EFER.SCE, STAR, LSTAR, FMASK), drops to ring 3 with IRETQ and runs one
 * scenario, chosen by RDI at entry (tests/test_rings.c sets it):
 *   1  ring 3: HLT, CLI, MOV CR3, IN, WRMSR — each #GP(0), handled in ring 0
 *   2  ring 3: SYSCALL into LSTAR, SYSRETQ back
 *   3  ring 3: INT 0x80 (DPL-3 gate, stack switch), INT 0x81 (DPL-0 gate: #GP)
 *   4  INT 0x82 through a gate with IST=2, from ring 0 and from ring 3
 *   5  ring 0: SYSRETQ with a non-canonical RCX — #GP in ring 0
 *   6  ring 0: IDT limit 0, then UD2 — triple fault
 *   7  ring 0: #GP whose gate names a data segment — #GP in delivery — #DF (IST1)
 *   8  ring 3: HLT, and the #GP handler stops the machine at once so the
 *      test can inspect the CPU and the frame
 *   9  ring 3: HLT with TSS.RSP0 on an unmapped page: pushing the #GP frame
 *      page-faults, so does pushing the #PF frame — #DF (IST1)
 * Handlers report through port 0xE9 as text lines; ring 3 reaches the port
 * only through syscalls (IOPL is 0).  The run ends with an exit code written
 * to port 0xF4.  Handlers clobber RAX RCX RDX RSI RDI R8-R11: the
 * scenarios keep their state in R12-R15 (R12 = where a #GP resumes).
 * The table at `labels` (0x100008) gives the test the addresses it checks. */
    .intel_syntax noprefix

    .set KSTACK_TOP, 0x70000        /* TSS.RSP0 */
    .set SYSCALL_STACK_TOP, 0x68000 /* switched to by the syscall entry */
    .set DF_STACK_TOP, 0x60000      /* TSS.IST1 */
    .set IST2_STACK_TOP, 0x58000    /* TSS.IST2 */
    .set USER_STACK_TOP, 0x50000
    .set BOOT_STACK_TOP, 0x78000
    .set UNMAPPED_STACK_TOP, 0x40001000

    .set KERNEL_CS, 0x08
    .set KERNEL_DS, 0x10
    .set USER_DS, 0x23
    .set USER_CS, 0x2b
    .set TSS_SEL, 0x30

    .set GATE_INT_DPL0, 0x8e
    .set GATE_INT_DPL3, 0xee

/* Print a literal string (clobbers RAX RSI). */
.macro PUTS text
    .pushsection .rodata
.Lstr\@: .asciz "\text"
    .popsection
    lea rsi, [rip + .Lstr\@]
    call puts
.endm

/* Exit code for port 0xF4 (ring 0 only). */
.macro EXIT code
    mov eax, \code
    out 0xf4, eax
    jmp hang
.endm

    .section .text.entry, "ax"
    .globl _start
_start:
    jmp start_kernel
    .balign 8
labels:                             /* read by tests/test_rings.c */
    .quad p_hlt, p_cli, p_movcr3, p_in, p_wrmsr     /* 0-4 */
    .quad after_syscall, p_int81, after_int80       /* 5-7 */
    .quad p_sysret, p_hlt8, gp_handler, p_gp_fault  /* 8-11 */
    .quad after_int82_user, after_int82_kernel      /* 12-13 */
    .quad gdt, tss, int80_handler                   /* 14-16 */

    .text
start_kernel:
    mov r15, rdi                    /* scenario */
    mov rsp, BOOT_STACK_TOP

    /* The TSS descriptor (SDM Figure 8-4): 16 bytes, type 9. */
    lea rax, [rip + tss]
    lea rdi, [rip + gdt + TSS_SEL]
    mov word ptr [rdi], 103         /* limit 15:0 */
    mov word ptr [rdi + 2], ax      /* base 15:0 */
    shr rax, 16
    mov byte ptr [rdi + 4], al      /* base 23:16 */
    mov byte ptr [rdi + 5], 0x89    /* P=1 DPL=0 type=9 (available 64-bit TSS) */
    mov byte ptr [rdi + 6], 0       /* limit 19:16, G=0 */
    mov byte ptr [rdi + 7], ah      /* base 31:24 */
    shr rax, 16
    mov dword ptr [rdi + 8], eax    /* base 63:32 */
    mov dword ptr [rdi + 12], 0

    lgdt [rip + gdtr]
    /* Reload CS from the new GDT with an IRETQ to ring 0. */
    mov rax, rsp
    push KERNEL_DS
    push rax
    pushfq
    push KERNEL_CS
    lea rax, [rip + 1f]
    push rax
    iretq
1:  mov ax, KERNEL_DS
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    mov ax, TSS_SEL
    ltr ax

    /* IDT: every vector to `unexpected`, then the ones the scenarios use. */
    xor ebx, ebx
2:  mov edi, ebx
    lea rsi, [rip + unexpected]
    mov edx, GATE_INT_DPL0
    xor ecx, ecx
    mov r8d, KERNEL_CS
    call set_gate
    inc ebx
    cmp ebx, 256
    jne 2b
    mov edi, 13
    lea rsi, [rip + gp_handler]
    mov edx, GATE_INT_DPL0
    xor ecx, ecx
    mov r8d, KERNEL_CS
    call set_gate
    mov edi, 8
    lea rsi, [rip + df_handler]
    mov edx, GATE_INT_DPL0
    mov ecx, 1                      /* IST1 */
    mov r8d, KERNEL_CS
    call set_gate
    mov edi, 0x80
    lea rsi, [rip + int80_handler]
    mov edx, GATE_INT_DPL3
    xor ecx, ecx
    mov r8d, KERNEL_CS
    call set_gate
    mov edi, 0x81                   /* DPL 0: INT 0x81 from ring 3 is #GP */
    lea rsi, [rip + int80_handler]
    mov edx, GATE_INT_DPL0
    xor ecx, ecx
    mov r8d, KERNEL_CS
    call set_gate
    mov edi, 0x82
    lea rsi, [rip + ist_handler]
    mov edx, GATE_INT_DPL3
    mov ecx, 2                      /* IST2 */
    mov r8d, KERNEL_CS
    call set_gate
    lidt [rip + idtr]

    /* SYSCALL: EFER.SCE, STAR (kernel CS 0x08 / SS 0x10; SYSRET base 0x18:
     * CS 0x2b, SS 0x23), LSTAR, FMASK = TF DF IF IOPL AC NT. */
    mov ecx, 0xc0000080
    rdmsr
    or eax, 1
    wrmsr
    mov ecx, 0xc0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, 0xc0000082
    lea rax, [rip + syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xc0000084
    mov eax, 0x47700
    xor edx, edx
    wrmsr

    cmp r15, 4
    je kernel_int82
    cmp r15, 5
    je kernel_sysret
    cmp r15, 6
    je kernel_triple
    cmp r15, 7
    je kernel_double
    cmp r15, 9
    jne to_user
    /* Scenario 9: RSP0 -> a linear address the harness does not map (its
     * PDPT covers the first GiB only). */
    movabs rax, UNMAPPED_STACK_TOP
    mov [rip + tss + 4], rax
    jmp to_user

kernel_int82:
    int 0x82
after_int82_kernel:
    jmp to_user

kernel_sysret:
    movabs rcx, 0x0000800000000000  /* not canonical */
    mov r11d, 0x202
    lea r12, [rip + 1f]
p_sysret:
    sysretq
1:  EXIT 0x55

kernel_triple:
    lidt [rip + idtr_empty]
    ud2
    EXIT 0xee                       /* not reached */

kernel_double:
    /* Point the #GP gate at a data segment: delivering #GP raises #GP. */
    mov edi, 13
    lea rsi, [rip + gp_handler]
    mov edx, GATE_INT_DPL0
    xor ecx, ecx
    mov r8d, KERNEL_DS
    call set_gate
    movabs rax, 0x8000000000000000
p_gp_fault:
    mov rbx, [rax]                  /* non-canonical: #GP(0) */
    EXIT 0xee                       /* not reached */

to_user:
    /* IRETQ to ring 3: SS, RSP, RFLAGS (IF=1, IOPL=0), CS, RIP. */
    push USER_DS
    push USER_STACK_TOP
    push 0x202
    push USER_CS
    lea rax, [rip + user_entry]
    push rax
    iretq

/* ------------------------------------------------------------- ring 3 */
user_entry:
    cmp r15, 1
    je user_privileged
    cmp r15, 2
    je user_syscall
    cmp r15, 3
    je user_int
    cmp r15, 4
    je user_int82
    cmp r15, 8
    je user_hlt8
    cmp r15, 9
    je user_hlt8
    mov edi, 0xee
    jmp user_exit

user_privileged:
    lea r12, [rip + 1f]
p_hlt:
    hlt
1:  lea r12, [rip + 1f]
p_cli:
    cli
1:  lea r12, [rip + 1f]
p_movcr3:
    mov cr3, rax
1:  lea r12, [rip + 1f]
p_in:
    in al, 0x80
1:  lea r12, [rip + 1f]
p_wrmsr:
    wrmsr
1:  mov edi, 0x11
    jmp user_exit

user_syscall:
    pushfq
    pop r14                         /* RFLAGS as SYSCALL will see it */
    mov eax, 2                      /* "check" */
    syscall
after_syscall:
    pushfq
    pop rdx
    mov di, cs
    mov si, ss
    movzx edi, di
    movzx esi, si
    mov eax, 3                      /* "report user state" */
    syscall
    mov edi, 0x22
    jmp user_exit

user_int:
    int 0x80
after_int80:
    lea r12, [rip + 1f]
p_int81:
    int 0x81
1:  mov edi, 0x33
    jmp user_exit

user_int82:
    int 0x82
after_int82_user:
    mov edi, 0x44
    jmp user_exit

user_hlt8:
p_hlt8:
    hlt
    mov edi, 0xee
    jmp user_exit

user_exit:
    mov eax, 60
    syscall
    jmp user_exit

/* ------------------------------------------------------------- ring 0 */

/* SYSCALL entry: RAX = 2 check (print RCX, R11, R14, CS, SS, RFLAGS),
 * 3 report (print RDI=CS, RSI=SS, RDX=RFLAGS of ring 3), 60 exit(RDI). */
syscall_entry:
    mov [rip + saved_user_rsp], rsp
    mov rsp, SYSCALL_STACK_TOP
    mov [rip + saved_rcx], rcx
    mov [rip + saved_r11], r11
    cmp eax, 60
    je sys_exit
    cmp eax, 3
    je sys_report
    PUTS "SYSCALL rcx="
    mov rax, [rip + saved_rcx]
    call puthex
    PUTS " r11="
    mov rax, [rip + saved_r11]
    call puthex
    PUTS " r14="
    mov rax, r14
    call puthex
    PUTS " cs="
    mov ax, cs
    movzx eax, ax
    call puthex
    PUTS " ss="
    mov ax, ss
    movzx eax, ax
    call puthex
    PUTS " rflags="
    pushfq
    pop rax
    call puthex
    PUTS "\n"
    jmp sys_return
sys_report:
    mov r8, rdx                     /* PUTS and puthex clobber RSI and RDX */
    mov r9, rsi
    PUTS "USER cs="
    mov rax, rdi
    call puthex
    PUTS " ss="
    mov rax, r9
    call puthex
    PUTS " rflags="
    mov rax, r8
    call puthex
    PUTS "\n"
sys_return:
    mov rcx, [rip + saved_rcx]
    mov r11, [rip + saved_r11]
    mov rsp, [rip + saved_user_rsp]
    sysretq
sys_exit:
    mov eax, edi
    out 0xf4, eax
    jmp hang

/* #GP (vector 13): frame = error, RIP, CS, RFLAGS, RSP, SS.  Prints them,
 * the CPL and which stack the handler runs on, then resumes at R12. */
gp_handler:
    cmp r15, 8
    jne 1f
    mov eax, 0x88                   /* scenario 8: stop right here */
    out 0xf4, eax
    jmp hang
1:  PUTS "GP err="
    mov rax, [rsp]
    call puthex
    PUTS " rip="
    mov rax, [rsp + 8]
    call puthex
    PUTS " cs="
    mov rax, [rsp + 16]
    call puthex
    PUTS " ss="
    mov rax, [rsp + 40]
    call puthex
    call print_cpl
    lea rax, [rsp + 48]
    call print_stack
    PUTS "\n"
    cmp r15, 5
    je 2f
    add rsp, 8                      /* drop the error code */
    mov [rsp], r12                  /* resume after the faulting instruction */
    iretq
2:  EXIT 0x55

/* INT 0x80 (DPL 3 gate): prints the frame, CPL, stack and IF. */
int80_handler:
    PUTS "INT80 rip="
    mov rax, [rsp]
    call puthex
    PUTS " cs="
    mov rax, [rsp + 8]
    call puthex
    PUTS " rflags="
    mov rax, [rsp + 16]
    call puthex
    PUTS " rsp="
    mov rax, [rsp + 24]
    call puthex
    PUTS " ss="
    mov rax, [rsp + 32]
    call puthex
    call print_cpl
    lea rax, [rsp + 40]
    call print_stack
    PUTS " if="
    pushfq
    pop rax
    shr eax, 9
    and eax, 1
    call puthex
    PUTS "\n"
    iretq

/* INT 0x82 (IST2 gate). */
ist_handler:
    PUTS "IST cs="
    mov rax, [rsp + 8]
    call puthex
    call print_cpl
    lea rax, [rsp + 40]
    call print_stack
    PUTS "\n"
    iretq

/* #DF (IST1): the error code is 0; the saved RIP is undefined (SDM
 * Interrupt 8), so it is not printed. */
df_handler:
    PUTS "DF err="
    mov rax, [rsp]
    call puthex
    PUTS " cs="
    mov rax, [rsp + 16]
    call puthex
    call print_cpl
    lea rax, [rsp + 48]
    call print_stack
    PUTS "\n"
    EXIT 0x77

unexpected:
    PUTS "UNEXPECTED "
    mov rax, [rsp]
    call puthex
    PUTS " "
    mov rax, [rsp + 8]
    call puthex
    PUTS " "
    mov rax, [rsp + 16]
    call puthex
    PUTS "\n"
    EXIT 0xee

/* " cpl=N" from the CS register. */
print_cpl:
    PUTS " cpl="
    mov ax, cs
    and eax, 3
    add al, '0'
    out 0xe9, al
    ret

/* " stack=X": RAX is the RSP the frame started at (before pushes).  X is
 * rsp0, ist1 or ist2 when it is that stack's top, else the value.  (The
 * return address of this call is on the stack: RAX was computed before.) */
print_stack:
    mov rdi, rax
    PUTS " stack="
    cmp rdi, KSTACK_TOP
    je 1f
    cmp rdi, DF_STACK_TOP
    je 2f
    cmp rdi, IST2_STACK_TOP
    je 3f
    mov rax, rdi
    jmp puthex
1:  PUTS "rsp0"
    ret
2:  PUTS "ist1"
    ret
3:  PUTS "ist2"
    ret

/* set_gate(EDI = vector, RSI = handler, DL = P/DPL/type, CL = IST,
 * R8W = selector): a 16-byte interrupt gate (SDM Figure 6-8). */
set_gate:
    lea rax, [rip + idt]
    shl rdi, 4
    add rdi, rax
    mov rax, rsi
    mov word ptr [rdi], ax          /* offset 15:0 */
    mov word ptr [rdi + 2], r8w     /* selector */
    mov byte ptr [rdi + 4], cl      /* IST */
    mov byte ptr [rdi + 5], dl      /* type, DPL, P */
    shr rax, 16
    mov word ptr [rdi + 6], ax      /* offset 31:16 */
    shr rax, 16
    mov dword ptr [rdi + 8], eax    /* offset 63:32 */
    mov dword ptr [rdi + 12], 0
    ret

/* puts(RSI): a NUL-terminated string to port 0xE9 (clobbers RAX RSI). */
puts:
    mov al, [rsi]
    test al, al
    jz 1f
    out 0xe9, al
    inc rsi
    jmp puts
1:  ret

/* puthex(RAX): 16 hex digits (clobbers RAX RCX RDX RSI). */
puthex:
    mov rsi, rax
    mov ecx, 16
1:  rol rsi, 4
    mov eax, esi
    and eax, 15
    lea rdx, [rip + hexdigits]
    mov al, [rdx + rax]
    out 0xe9, al
    dec ecx
    jnz 1b
    ret

hang:
    hlt
    jmp hang

    .section .rodata
hexdigits:
    .ascii "0123456789abcdef"

    .data
    .balign 16
gdt:
    .quad 0
    .quad 0x00af9a000000ffff        /* 0x08 kernel code, 64-bit, DPL 0 */
    .quad 0x00cf92000000ffff        /* 0x10 kernel data */
    .quad 0x00cffa000000ffff        /* 0x18 user code, 32-bit (SYSRET base) */
    .quad 0x00cff2000000ffff        /* 0x20 user data, DPL 3 */
    .quad 0x00affa000000ffff        /* 0x28 user code, 64-bit, DPL 3 */
    .quad 0, 0                      /* 0x30 TSS, filled in at start */
gdt_end:
    .balign 8
    .word 0, 0, 0
gdtr:
    .word gdt_end - gdt - 1
    .quad gdt
    .word 0, 0, 0
idtr:
    .word 256 * 16 - 1
    .quad idt
    .word 0, 0, 0
idtr_empty:
    .word 0
    .quad 0

    .balign 16
tss:                                /* 64-bit TSS (SDM Figure 8-11) */
    .long 0
    .quad KSTACK_TOP                /* RSP0 */
    .quad 0, 0                      /* RSP1, RSP2 */
    .quad 0
    .quad DF_STACK_TOP              /* IST1 */
    .quad IST2_STACK_TOP            /* IST2 */
    .quad 0, 0, 0, 0, 0             /* IST3-7 */
    .quad 0
    .word 0
    .word 104                       /* I/O map base: none */

saved_user_rsp: .quad 0
saved_rcx: .quad 0
saved_r11: .quad 0

    .bss
    .balign 16
idt:
    .skip 256 * 16
