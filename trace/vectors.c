/* vectors.c — vector names and error-code words (vectors.h). */
#include "vectors.h"
#include <stdio.h>

static const struct {
    const char *mnemonic, *description;
} exceptions[32] = {
    [0] = {"#DE", "divide error"},        [1] = {"#DB", "debug"},
    [2] = {"NMI", "non-maskable interrupt"}, [3] = {"#BP", "breakpoint"},
    [4] = {"#OF", "overflow"},            [5] = {"#BR", "bound range exceeded"},
    [6] = {"#UD", "invalid opcode"},      [7] = {"#NM", "device not available"},
    [8] = {"#DF", "double fault"},        [9] = {"CSO", "coprocessor segment overrun"},
    [10] = {"#TS", "invalid TSS"},        [11] = {"#NP", "segment not present"},
    [12] = {"#SS", "stack-segment fault"}, [13] = {"#GP", "general protection"},
    [14] = {"#PF", "page fault"},         [16] = {"#MF", "x87 floating-point error"},
    [17] = {"#AC", "alignment check"},    [18] = {"#MC", "machine check"},
    [19] = {"#XM", "SIMD floating-point exception"}, [20] = {"#VE", "virtualization exception"},
    [21] = {"#CP", "control protection"},
};

const char *vector_mnemonic(uint8_t v)
{
    if (v < 32)
        return exceptions[v].mnemonic ? exceptions[v].mnemonic : "reserved";
    return "int";
}

const char *vector_description(uint8_t v)
{
    if (v < 32)
        return exceptions[v].description ? exceptions[v].description : "reserved";
    return "interrupt";
}

size_t vector_error_words(uint8_t v, uint32_t e, char *buf, size_t cap)
{
    int n;
    if (v == 14) {
        n = snprintf(buf, cap, "%s %s %s%s%s%s%s", e & 1 ? "P" : "NP", e & 2 ? "W" : "R",
                     e & 4 ? "U" : "S", e & 8 ? " RSVD" : "", e & 16 ? " I" : "",
                     e & 32 ? " PK" : "", e & 64 ? " SS" : "");
    } else if (e == 0) {
        n = snprintf(buf, cap, "0");
    } else {
        /* Selector error code: bit 0 EXT, bit 1 IDT, bit 2 TI, 15:3 index. */
        const char *table = e & 2 ? "idt" : e & 4 ? "ldt" : "gdt";
        n = snprintf(buf, cap, "%s%s index %u", e & 1 ? "ext " : "", table,
                     (unsigned)(e >> 3) & 0x1fff);
    }
    if (n < 0)
        n = 0;
    return (size_t)n < cap ? (size_t)n : (cap ? cap - 1 : 0);
}
