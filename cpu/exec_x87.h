/* exec_x87.h — the x87 state accessors that other instruction families
 * need (FXSAVE/FXRSTOR in exec_sse_state.c save and restore the x87
 * environment in the SDM's FXSAVE layout).  The x87 instructions
 * themselves are in exec_x87.c. */
#ifndef RINGSCOPE_EXEC_X87_H
#define RINGSCOPE_EXEC_X87_H
#include "cpu.h"

/* FSW with the TOP field (bits 13:11) filled in from cpu->ftop. */
uint16_t x87_status_word(const struct cpu *cpu);
/* Load FSW, including TOP. */
void x87_load_status_word(struct cpu *cpu, uint16_t fsw);
/* The FXSAVE "abridged" tag byte: bit i = 1 when physical register Ri is
 * not empty (SDM Vol. 1 §10.5.1.1). */
uint8_t x87_abridged_tags(const struct cpu *cpu);
/* Load the abridged tags: an empty register stays empty, the others get the
 * tag their contents call for (valid, zero or special). */
void x87_load_abridged_tags(struct cpu *cpu, uint8_t tags);

#endif
