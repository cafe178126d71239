/* exec_integer.h — the general-purpose integer instruction family (not
 * INT n: that is exec_interrupts.c): what its files share — the LOCK
 * checks, near-branch and stack helpers, and the macros that compile a
 * handler's body into specialised variants.  Which opcode each handler
 * runs is in opcodes.def.
 *   exec_alu.c     ADD..CMP, TEST, NOT/NEG, INC/DEC, XADD, CMPXCHG(8B/16B), group 1/3/4/5 dispatch
 *   exec_muldiv.c  MUL, IMUL (all forms), DIV, IDIV
 *   exec_shift.c   SHL/SHR/SAR, ROL/ROR/RCL/RCR, SHLD/SHRD
 *   exec_bits.c    BT/BTS/BTR/BTC, BSF/BSR, TZCNT/LZCNT, POPCNT, BSWAP
 *   exec_bmi.c     VEX BMI1/BMI2: ANDN BEXTR BLSI BLSMSK BLSR BZHI MULX PDEP PEXT RORX SARX SHLX SHRX
 *   exec_scalar_ext.c  ADCX/ADOX, MOVBE, CRC32, RDRAND/RDSEED
 *   exec_move.c    MOV forms, MOVZX/MOVSX/MOVSXD, LEA, XCHG, CBW.., LAHF/SAHF, flag ops, NOPs
 *   exec_stack.c   PUSH/POP, PUSHF/POPF, CALL/RET, ENTER/LEAVE
 *   exec_branch.c  JMP, Jcc, LOOP/JRCXZ, SETcc, CMOVcc
 *   exec_string.c  MOVS, CMPS, SCAS, LODS, STOS with REP/REPE/REPNE */
#ifndef RINGSCOPE_EXEC_INTEGER_H
#define RINGSCOPE_EXEC_INTEGER_H
#include "exec.h"
#include "flags_eval.h"
#include "operand.h"

/* Handler variants for the hottest forms.  When an instruction enters the
 * decoded-instruction cache, the exec_<handler>_variant() its opcodes.def
 * row names ("variants") may replace its handler with a variant of the
 * *same* code compiled for a fixed operand size (1, 2, 4 or 8 bytes), r/m form
 * (register or memory) and, where the opcode selects it, operation or
 * condition, so the size masks, form tests and operation switches fold
 * away.  A variant is chosen only for an instruction the generic handler
 * would run with exactly those parameters and without a LOCK prefix; it
 * behaves identically.  A chooser returns NULL when there is none. */

/* log2 of an operand size of 1, 2, 4 or 8 bytes. */
static inline int size_log2(unsigned size)
{
    return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
}

/* Index of the (size, form) variant of an instruction: 0-7 for sizes 1,
 * 2, 4 and 8 with a register or memory r/m operand. */
static inline int size_form_index(const struct insn *in)
{
    return size_log2(in->opsize) * 2 + (in->mod != 3);
}

/* Define NAME_1r, NAME_1m, ... NAME_8m calling the always-inline
 * BODY(cpu, in, ARGS..., size, form), and the table NAME_variants in
 * size_form_index() order. */
#define SIZE_FORM_VARIANTS(NAME, BODY, ...)                                                    \
    static void NAME##_1r(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 1, OPERAND_REG); } \
    static void NAME##_1m(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 1, OPERAND_MEM); } \
    static void NAME##_2r(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 2, OPERAND_REG); } \
    static void NAME##_2m(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 2, OPERAND_MEM); } \
    static void NAME##_4r(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 4, OPERAND_REG); } \
    static void NAME##_4m(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 4, OPERAND_MEM); } \
    static void NAME##_8r(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 8, OPERAND_REG); } \
    static void NAME##_8m(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ 8, OPERAND_MEM); } \
    static const exec_fn NAME##_variants[8] = {NAME##_1r, NAME##_1m, NAME##_2r, NAME##_2m,     \
                                               NAME##_4r, NAME##_4m, NAME##_8r, NAME##_8m};

/* The same with the memory form split by address shape (operand.h,
 * insn_operand_form): 16 variants, indexed by size_ea_index(). */
static inline int size_ea_index(const struct insn *in)
{
    return size_log2(in->opsize) * 4 + (int)insn_operand_form(in) - OPERAND_REG;
}

#define SIZE_EA_VARIANTS_OF(NAME, SIZE, BODY, ...)                                             \
    static void NAME##_##SIZE##r(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ SIZE, OPERAND_REG); } \
    static void NAME##_##SIZE##m(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ SIZE, OPERAND_MEM); } \
    static void NAME##_##SIZE##b(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ SIZE, OPERAND_MEM_BASE); } \
    static void NAME##_##SIZE##i(struct cpu *cpu, const struct insn *in) { BODY(cpu, in, __VA_ARGS__ SIZE, OPERAND_MEM_INDEX); }
#define SIZE_EA_VARIANTS(NAME, BODY, ...)                                                      \
    SIZE_EA_VARIANTS_OF(NAME, 1, BODY, __VA_ARGS__)                                            \
    SIZE_EA_VARIANTS_OF(NAME, 2, BODY, __VA_ARGS__)                                            \
    SIZE_EA_VARIANTS_OF(NAME, 4, BODY, __VA_ARGS__)                                            \
    SIZE_EA_VARIANTS_OF(NAME, 8, BODY, __VA_ARGS__)                                            \
    static const exec_fn NAME##_variants[16] = {NAME##_1r, NAME##_1m, NAME##_1b, NAME##_1i,    \
                                                NAME##_2r, NAME##_2m, NAME##_2b, NAME##_2i,    \
                                                NAME##_4r, NAME##_4m, NAME##_4b, NAME##_4i,    \
                                                NAME##_8r, NAME##_8m, NAME##_8b, NAME##_8i};

/* Group 3 (F6/F7) /4../7 and group 5 (FF) /2 /4 /6 live with their kin. */
void exec_mul_div(struct cpu *cpu, const struct insn *in);
void exec_call_indirect(struct cpu *cpu, const struct insn *in);
void exec_jmp_indirect(struct cpu *cpu, const struct insn *in);
void exec_push_rm(struct cpu *cpu, const struct insn *in);
/* Group 9 (0F C7) /6 /7 register forms: RDRAND, RDSEED (exec_scalar_ext.c). */
void exec_rdrand(struct cpu *cpu, const struct insn *in);

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

/* The same checks in a body compiled for a fixed r/m form: such a variant
 * is only chosen for an instruction without LOCK (the variant choosers), so
 * only the generic handler (OPERAND_ANY) needs to test. */
static inline void no_lock_form(struct cpu *cpu, const struct insn *in, enum operand_form form)
{
    if (form == OPERAND_ANY)
        no_lock(cpu, in);
}

static inline void lock_needs_memory_form(struct cpu *cpu, const struct insn *in,
                                          enum operand_form form)
{
    if (form == OPERAND_ANY)
        lock_needs_memory(cpu, in);
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
