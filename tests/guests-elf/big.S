/* big.S — a guest kernel with a 16 MiB bss: too big for a small --ram. */
    .text
    .globl _start
_start:
    cli
    hlt
    .bss
    .skip 16 << 20
