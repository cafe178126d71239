/* exec_int.h — the general-purpose integer instruction family: the
 * registration function of each file and the few checks they share.
 *   exec_alu.c     ADD..CMP, TEST, NOT/NEG, INC/DEC, XADD, CMPXCHG(8B/16B), group 1/3/4/5 dispatch
 *   exec_muldiv.c  MUL, IMUL (all forms), DIV, IDIV
 *   exec_shift.c   SHL/SHR/SAR, ROL/ROR/RCL/RCR, SHLD/SHRD
 *   exec_bits.c    BT/BTS/BTR/BTC, BSF/BSR, BSWAP
 *   exec_move.c    MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CBW.., LAHF/SAHF, flag ops, NOPs
 *   exec_stack.c   PUSH/POP, PUSHF/POPF, CALL/RET, ENTER/LEAVE
 *   exec_branch.c  JMP, Jcc, LOOP/JRCXZ, SETcc, CMOVcc
 *   exec_string.c  MOVS, CMPS, SCAS, LODS, STOS with REP/REPE/REPNE */
#ifndef RINGSCOPE_EXEC_INT_H
#define RINGSCOPE_EXEC_INT_H
#include "exec.h"
#include "flags_eval.h"
#include "operand.h"

void exec_alu_register(void);
void exec_muldiv_register(void);
void exec_shift_register(void);
void exec_bits_register(void);
void exec_move_register(void);
void exec_stack_register(void);
void exec_branch_register(void);
void exec_string_register(void);

/* Group 3 (F6/F7) /4../7 and group 5 (FF) /2 /4 /6 live with their kin. */
void exec_mul_div(struct cpu *cpu, const struct insn *in);
void exec_call_indirect(struct cpu *cpu, const struct insn *in);
void exec_jmp_indirect(struct cpu *cpu, const struct insn *in);
void exec_push_rm(struct cpu *cpu, const struct insn *in);

/* LOCK is #UD except on the memory forms of the read-modify-write
 * instructions that allow it (SDM Vol. 2A, LOCK). */
static inline void no_lock(struct cpu *cpu, const struct insn *in)
{
    if (__builtin_expect(in->lock, 0))
        cpu_fault(cpu, EXC_UD, 0);
}

static inline void lock_needs_memory(struct cpu *cpu, const struct insn *in)
{
    if (__builtin_expect(in->lock, 0) && in->mod == 3)
        cpu_fault(cpu, EXC_UD, 0);
}

/* A linear address is canonical when bits 63:47 are all equal. */
/* Near branches in 64-bit mode: the operand size is 64 bits (the 66
 * prefix is ignored on Intel 64), and a non-canonical target raises #GP(0)
 * at the branch (SDM Vol. 2A, JMP/CALL/RET/Jcc). */
static inline void branch_to(struct cpu *cpu, uint64_t target)
{
    if (__builtin_expect(!va_canonical(target), 0))
        cpu_fault(cpu, EXC_GP, 0);
    cpu->next_rip = target;
}

/* Operand size of PUSH/POP/CALL-style stack operations in 64-bit mode:
 * 8 bytes, or 2 with a 66 prefix (there is no 32-bit push). */
static inline unsigned stack_opsize(const struct insn *in)
{
    return in->opsize == 2 ? 2 : 8;
}

#endif
