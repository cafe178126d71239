/* exec_branch.c — near jumps and everything that tests a condition: JMP
 * (EB, E9, FF /4), Jcc (70-7F, 0F 80-8F), LOOP/LOOPE/LOOPNE/JRCXZ (E0-E3),
 * SETcc (0F 90-9F) and CMOVcc (0F 40-4F).  Conditions come from
 * flags_cond(), which evaluates only the flags a condition needs.
 * SDM Vol. 2 "Jcc", "JMP", "LOOP/LOOPcc", "SETcc", "CMOVcc". */
#include "exec_integer.h"

/* EB rel8, E9 rel32. */
void exec_jmp_rel(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    branch_to(cpu, cpu->next_rip + in->imm);
}

/* FF /4: JMP r/m64. */
void exec_jmp_indirect(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    branch_to(cpu, rm_read(cpu, in, 8));
}

/* 70-7F rel8, 0F 80-8F rel32: the condition is the opcode's low nibble. */
static inline __attribute__((always_inline)) void jcc(struct cpu *cpu, const struct insn *in, unsigned cc)
{
    no_lock(cpu, in);
    if (flags_cond(cpu, cc))
        branch_to(cpu, cpu->next_rip + in->imm);
}

void exec_jcc(struct cpu *cpu, const struct insn *in)
{
    jcc(cpu, in, in->op & 15);
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP: decrement the count register (RCX, or ECX
 * with a 67 prefix) without touching flags, branch if it is not zero (and
 * ZF matches).  E3 JRCXZ/JECXZ: branch if the count register is zero. */
void exec_loop(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned asize = in->addrsize;
    uint64_t count = cpu->gpr[RCX] & size_mask(asize);
    bool taken;
    if (in->op == 0xe3) {
        taken = count == 0;
    } else {
        count = (count - 1) & size_mask(asize);
        taken = count != 0;
        if (in->op == 0xe0)
            taken = taken && !flag_zf(cpu);
        else if (in->op == 0xe1)
            taken = taken && flag_zf(cpu);
        uint64_t target = cpu->next_rip + in->imm;
        if (taken && !va_canonical(target))
            cpu_fault(cpu, EXC_GP, 0);
        reg_write(cpu, in, RCX, asize, count);
    }
    if (taken)
        branch_to(cpu, cpu->next_rip + in->imm);
}

/* 0F 90-9F: SETcc r/m8. */
static inline __attribute__((always_inline)) void setcc(struct cpu *cpu, const struct insn *in, unsigned cc)
{
    no_lock(cpu, in);
    rm_write(cpu, in, 1, flags_cond(cpu, cc));
}

void exec_setcc(struct cpu *cpu, const struct insn *in)
{
    setcc(cpu, in, in->op & 15);
}

/* 0F 40-4F: CMOVcc reg, r/m.  The source is read (and may fault) whatever
 * the condition; a 32-bit destination is zero-extended even when the
 * condition is false. */
static inline __attribute__((always_inline)) void cmovcc(struct cpu *cpu, const struct insn *in, unsigned cc)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    uint64_t v = rm_read(cpu, in, size);
    if (flags_cond(cpu, cc))
        reg_write(cpu, in, in->reg, size, v);
    else if (size == 4)
        reg_write(cpu, in, in->reg, 4, cpu->gpr[in->reg]);
}

void exec_cmovcc(struct cpu *cpu, const struct insn *in)
{
    cmovcc(cpu, in, in->op & 15);
}

/* Jcc, SETcc and CMOVcc with the condition fixed, so flags_cond() folds to
 * the one test. */
#define CC_VARIANTS(NAME)                                                                          \
    static void NAME##_o(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 0); }             \
    static void NAME##_no(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 1); }            \
    static void NAME##_b(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 2); }             \
    static void NAME##_ae(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 3); }            \
    static void NAME##_e(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 4); }             \
    static void NAME##_ne(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 5); }            \
    static void NAME##_be(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 6); }            \
    static void NAME##_a(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 7); }             \
    static void NAME##_s(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 8); }             \
    static void NAME##_ns(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 9); }            \
    static void NAME##_p(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 10); }            \
    static void NAME##_np(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 11); }           \
    static void NAME##_l(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 12); }            \
    static void NAME##_ge(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 13); }           \
    static void NAME##_le(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 14); }           \
    static void NAME##_g(struct cpu *cpu, const struct insn *in) { NAME(cpu, in, 15); }            \
    static const exec_fn NAME##_variants[16] = {                                                   \
        NAME##_o, NAME##_no, NAME##_b, NAME##_ae, NAME##_e, NAME##_ne, NAME##_be, NAME##_a,        \
        NAME##_s, NAME##_ns, NAME##_p, NAME##_np, NAME##_l, NAME##_ge, NAME##_le, NAME##_g};

CC_VARIANTS(jcc)
CC_VARIANTS(setcc)
CC_VARIANTS(cmovcc)

/* The condition is the opcode's low 4 bits. */
exec_fn exec_jcc_variant(const struct insn *in)
{
    return in->lock ? NULL : jcc_variants[in->op & 15];
}

exec_fn exec_setcc_variant(const struct insn *in)
{
    return in->lock ? NULL : setcc_variants[in->op & 15];
}

exec_fn exec_cmovcc_variant(const struct insn *in)
{
    return in->lock ? NULL : cmovcc_variants[in->op & 15];
}
