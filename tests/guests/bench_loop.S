/* bench_loop.S — the guest of `make bench` (tests/bench_loop.c): a
 * compute-heavy bare-metal loop in ring 0 with paging on (the harness's
 * identity map).  It fills an 8 MiB array, then runs 16 rounds of integer
 * hashing over it: each step loads a pseudo-randomly chosen element (so the
 * loads wander over 2048 pages and exercise the TLB), mixes it into an
 * FNV-style hash with a multiply and a rotate, and stores into the next
 * element — about 150 million instructions.  The final hash is printed
 * as 16 hex digits and a newline on port 0xE9; then exit code 0 on port
 * 0xF4.  tests/bench_loop.c recomputes the same hash natively. */
    .intel_syntax noprefix

    .set ARRAY, 0x1000000           /* 16 MiB: inside the harness's RAM */
    .set N_LOG2, 20
    .set N, 1 << N_LOG2             /* 8-byte elements: 8 MiB */
    .set ROUNDS, 16

    .section .text.entry, "ax"
    .globl _start
_start:
    mov rdi, ARRAY
    xor ecx, ecx
    movabs r8, 0x9e3779b97f4a7c15   /* 2^64 / golden ratio */
fill:                               /* a[i] = i * K */
    mov rax, rcx
    imul rax, r8
    mov [rdi + rcx * 8], rax
    inc rcx
    cmp rcx, N
    jne fill

    movabs rbx, 0xcbf29ce484222325  /* FNV-1a offset basis */
    movabs r9, 0x100000001b3        /* FNV prime */
    mov r10d, ROUNDS
round:
    xor ecx, ecx
mix:                                /* h = rol((h ^ a[h >> 44]) * P, 29) + i; a[i] ^= h */
    mov rdx, rbx
    shr rdx, 64 - N_LOG2
    xor rbx, [rdi + rdx * 8]
    imul rbx, r9
    rol rbx, 29
    add rbx, rcx
    xor [rdi + rcx * 8], rbx
    inc rcx
    cmp rcx, N
    jne mix
    dec r10d
    jnz round

    mov ecx, 16                     /* print RBX as hex */
1:  rol rbx, 4
    mov eax, ebx
    and eax, 15
    lea rdx, [rip + hexdigits]
    mov al, [rdx + rax]
    out 0xe9, al
    dec ecx
    jnz 1b
    mov al, '\n'
    out 0xe9, al
    xor eax, eax
    out 0xf4, eax
2:  hlt
    jmp 2b

hexdigits:
    .ascii "0123456789abcdef"
