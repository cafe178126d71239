/* exec_branch.c — near jumps and everything that tests a condition: JMP
 * (EB, E9, FF /4), Jcc (70-7F, 0F 80-8F), LOOP/LOOPE/LOOPNE/JRCXZ (E0-E3),
 * SETcc (0F 90-9F) and CMOVcc (0F 40-4F).  Conditions come from
 * flags_cond(), which evaluates only the flags a condition needs.
 * SDM Vol. 2 "Jcc", "JMP", "LOOP/LOOPcc", "SETcc", "CMOVcc". */
#include "exec_int.h"

/* EB rel8, E9 rel32. */
static void exec_jmp_rel(struct cpu *cpu, const struct insn *in)
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

static void exec_jcc(struct cpu *cpu, const struct insn *in)
{
    jcc(cpu, in, in->op & 15);
}

/* E0 LOOPNE, E1 LOOPE, E2 LOOP: decrement the count register (RCX, or ECX
 * with a 67 prefix) without touching flags, branch if it is not zero (and
 * ZF matches).  E3 JRCXZ/JECXZ: branch if the count register is zero. */
static void exec_loop(struct cpu *cpu, const struct insn *in)
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
static void exec_setcc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    rm_write(cpu, in, 1, flags_cond(cpu, in->op & 15));
}

/* 0F 40-4F: CMOVcc reg, r/m.  The source is read (and may fault) whatever
 * the condition; a 32-bit destination is zero-extended even when the
 * condition is false. */
static void exec_cmovcc(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    uint64_t v = rm_read(cpu, in, size);
    if (flags_cond(cpu, in->op & 15))
        reg_write(cpu, in, in->reg, size, v);
    else if (size == 4)
        reg_write(cpu, in, in->reg, 4, cpu->gpr[in->reg]);
}

/* Jcc with the condition fixed, so flags_cond() folds to the one test. */
#define JCC_VARIANT(cc) \
    static void exec_jcc_##cc(struct cpu *cpu, const struct insn *in) { jcc(cpu, in, cc); }
JCC_VARIANT(0) JCC_VARIANT(1) JCC_VARIANT(2) JCC_VARIANT(3) JCC_VARIANT(4) JCC_VARIANT(5)
JCC_VARIANT(6) JCC_VARIANT(7) JCC_VARIANT(8) JCC_VARIANT(9) JCC_VARIANT(10) JCC_VARIANT(11)
JCC_VARIANT(12) JCC_VARIANT(13) JCC_VARIANT(14) JCC_VARIANT(15)
static const exec_fn jcc_variants[16] = {
    exec_jcc_0, exec_jcc_1, exec_jcc_2, exec_jcc_3, exec_jcc_4, exec_jcc_5, exec_jcc_6, exec_jcc_7,
    exec_jcc_8, exec_jcc_9, exec_jcc_10, exec_jcc_11, exec_jcc_12, exec_jcc_13, exec_jcc_14, exec_jcc_15,
};

exec_fn exec_branch_specialize(const struct insn *in)
{
    if (in->lock)
        return NULL;
    if (in->exec == exec_jcc)
        return jcc_variants[in->op & 15];
    return NULL;
}

void exec_branch_register(void)
{
    exec_register(MAP_1BYTE, 0xeb, exec_jmp_rel);
    exec_register(MAP_1BYTE, 0xe9, exec_jmp_rel);
    for (int cc = 0; cc < 16; cc++) {
        exec_register(MAP_1BYTE, 0x70 + cc, exec_jcc);
        exec_register(MAP_0F, 0x80 + cc, exec_jcc);
        exec_register(MAP_0F, 0x90 + cc, exec_setcc);
        exec_register(MAP_0F, 0x40 + cc, exec_cmovcc);
    }
    for (int op = 0xe0; op <= 0xe3; op++)
        exec_register(MAP_1BYTE, op, exec_loop);
}
