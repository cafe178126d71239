/* trace_basic.S — a tiny ring-0 guest for the tracer's end-to-end tests
 * (tests/test_trace_e2e.c) and golden trace (tests/golden/trace_basic.trace).
 * It runs on the bare harness (tests/harness.h: identity map of RAM with
 * 2 MiB pages whose PDEs have A = D = 0) and makes each kind of event once:
 *   - a store and a load in a fresh 2 MiB page (TLB miss, page walk, the
 *     walk setting A then D in the PDE, memory write/read, register changes,
 *     RFLAGS changes from ADD);
 *   - a port write to 0xE9 (the harness's output port);
 *   - MOV CR3 with the same value: the TLB drops its non-global entries
 *     (SDM Vol. 3A §4.10.4.1);
 *   - a page fault: it clears P in the PDE mapping DATA_PAGE (the PD is at
 *     0x3000, one 8-byte entry per 2 MiB), INVLPGs the page and loads from
 *     it: #PF, error code 0 (not present, read, supervisor), CR2 =
 *     DATA_PAGE + 8.  The harness's #PF stub then stops the run. */
    .intel_syntax noprefix
    .set DATA_PAGE, 0x10000000          /* HARNESS_ARENA: 2 MiB page #128 */
    .set PDE_OF_DATA, 0x3000 + 8 * (DATA_PAGE >> 21)

    .section .text.entry, "ax"
    .globl _start
_start:
    mov rax, 0x1234
    mov rdi, DATA_PAGE
    mov qword ptr [rdi], rax            /* write: miss, walk, A+D set */
    mov rbx, qword ptr [rdi]            /* read: TLB hit */
    add rax, rbx                        /* rax = 0x2468, flags change */
    call emit_char
    mov rax, cr3
    mov cr3, rax                        /* TLB flush, non-global entries */
    jmp fault

    .globl emit_char
emit_char:
    mov al, 'T'
    out 0xe9, al
    ret

    .globl fault
fault:
    and qword ptr [PDE_OF_DATA], -2     /* clear P */
    invlpg [rdi]                        /* drop the cached translation */
    mov rcx, qword ptr [rdi + 8]        /* #PF: not present */
    hlt
