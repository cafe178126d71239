/* vectors.h — exception and interrupt vectors in words: names from SDM
 * Vol. 3A Table 6-1 and error codes decoded bit by bit (§6.13 for the
 * selector format, §4.7 Figure 4-12 for #PF). */
#ifndef RINGSCOPE_TRACE_VECTORS_H
#define RINGSCOPE_TRACE_VECTORS_H
#include <stddef.h>
#include <stdint.h>

/* "#PF" for 14, "#GP" for 13, ..., "irq0".."irq15" is not guessed here:
 * vectors 32..255 are "int". */
const char *vector_mnemonic(uint8_t v);
/* "page fault", "general protection", ... or "interrupt". */
const char *vector_description(uint8_t v);

/* The error code of vector v in words:
 *   #PF: "P" (protection) or "NP" (not present), "W" or "R", "U" or "S",
 *        then "RSVD", "I" (fetch), "PK", "SS" for each set bit;
 *   #TS #NP #SS #GP #DF #AC: "0", or "ext" (external event), "idt" / "gdt" /
 *        "ldt" (which table), "index N" (the selector or vector index).
 * Returns the length written into buf. */
size_t vector_error_words(uint8_t v, uint32_t error, char *buf, size_t cap);

#endif
