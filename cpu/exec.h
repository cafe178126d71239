/* exec.h — what every instruction handler shares: the handler contract and
 * the declaration of every handler named in the opcode table (opcodes.def,
 * column "handler": exec_<handler>, and exec_<handler>_variant where the
 * row has "variants").  Which handler runs an opcode is decided there, and
 * only there.
 *
 * The handlers live by family:
 *   exec_alu.c … exec_string.c   general-purpose integer instructions (exec_integer.h)
 *   exec_sse*.c                  SSE/SSE2 (exec_sse.h)
 *   exec_x87.c                   D8-DF and FWAIT
 *   exec_system.c, exec_segments.c, exec_interrupts.c, exec_syscall.c,
 *   exec_io.c                    system instructions (exec_system.h)
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

/* The handler of every slot without one (column "ud"): raises #UD. */
void exec_ud(struct cpu *cpu, const struct insn *in);

#define OPCODE_DECLARE_none(handler) void exec_##handler(struct cpu *cpu, const struct insn *in);
#define OPCODE_DECLARE_variants(handler) \
    OPCODE_DECLARE_none(handler) exec_fn exec_##handler##_variant(const struct insn *in);
#define OPCODE(map, op, format, handler, variants, mnemonic) OPCODE_DECLARE_##variants(handler)
#define OPCODES(map, first, last, format, handler, variants, mnemonic) \
    OPCODE_DECLARE_##variants(handler)
#include "opcodes.def"
#undef OPCODE
#undef OPCODES
#undef OPCODE_DECLARE_none
#undef OPCODE_DECLARE_variants

#endif
