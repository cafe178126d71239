/* exec.h — the dispatch table that maps (opcode map, opcode byte) to the
 * handler that executes it, and the registration functions through which
 * each instruction family fills its part.
 *
 * Ownership of opcodes (each registers only its own; a second registration
 * of the same slot is a programming error caught at start-up):
 *   exec_int.c     general-purpose integer instructions
 *   exec_sse.c     SSE/SSE2 (0F 10-17, 28-2F, 50-7F, C2-C6, D0-FF, 0F AE, 0F 18, ...)
 *   exec_x87.c     D8-DF
 *   exec_system.c  system instructions (see that file)
 *
 * Handler contract: on entry cpu->rip is the instruction's address and
 * cpu->next_rip the address after it.  A handler checks everything that can
 * fault *before* it changes architectural state, then commits; it branches
 * by writing cpu->next_rip.  Faults go through cpu_fault() (never return).
 * Validity (e.g. a LOCK or F2/F3 prefix where none is allowed, ModRM.mod=3
 * where memory is required) is checked by the handler: #UD. */
#ifndef RINGSCOPE_EXEC_H
#define RINGSCOPE_EXEC_H
#include "cpu.h"

extern exec_fn dispatch_table[4][256];

/* Fill dispatch_table once (idempotent). */
void exec_init(void);
/* Set one slot; aborts on a duplicate registration (start-up bug). */
void exec_register(int map, int op, exec_fn fn);

void exec_int_register(void);
void exec_sse_register(void);
void exec_x87_register(void);
void exec_system_register(void);

/* The handler of every unassigned slot: raises #UD. */
void exec_ud(struct cpu *cpu, const struct insn *in);

#endif
