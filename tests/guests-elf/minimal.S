/* minimal.S — the smallest higher-half guest kernel: code, data and bss in
 * the layout a real kernel has, for the loader tests (which inspect the
 * boot state without running it) and as a stand-in kernel for CLI tests
 * that fail before the guest runs.  Running it just halts with IF=0. */
    .text
    .globl _start
_start:
    cli
1:  hlt
    jmp 1b

    .data
    .globl data_word
data_word:
    .quad 0x1122334455667788

    .bss
    .globl bss_block
bss_block:
    .skip 8192
