/* exec_shift.c — shifts and rotates: group 2 (C0 C1 D0-D3: ROL ROR RCL RCR
 * SHL SHR SAL SAR) and the double shifts SHLD/SHRD (0F A4 A5 AC AD).
 * SDM Vol. 2B "SAL/SAR/SHL/SHR", "RCL/RCR/ROL/ROR", "SHLD", "SHRD".
 *
 * The count is masked to 5 bits (6 with REX.W); a masked count of 0
 * changes nothing, not even the flags.  OF is defined only for a count of
 * 1 and AF never; where the SDM leaves them undefined we compute the
 * count-1 formula (SHL: MSB(result) ^ CF; SHR: MSB(original); SAR: 0) and
 * AF = 0. */
#include "exec_integer.h"

enum { ROT_ROL, ROT_ROR, ROT_RCL, ROT_RCR, SH_SHL, SH_SHR, SH_SAL, SH_SAR };

static inline uint64_t flag_bit(bool b, uint64_t flag)
{
    return b ? flag : 0;
}

/* Apply group-2 operation `op` to v with a masked, non-zero count.
 * Shifts record their result lazily; rotates touch only CF and OF. */
static inline __attribute__((always_inline)) uint64_t
shift_rotate(struct cpu *cpu, unsigned op, unsigned size, uint64_t v, unsigned count)
{
    unsigned bits = size * 8;
    uint64_t m = size_mask(size);
    uint64_t res;
    bool cf, of = false;
    switch (op) {
    case ROT_ROL: {
        unsigned n = count % bits;
        res = n ? ((v << n) | (v >> (bits - n))) & m : v;
        cf = res & 1;
        of = lf_sign(res, size) ^ cf;
        flags_update(cpu, RF_CF | RF_OF, flag_bit(cf, RF_CF) | flag_bit(of, RF_OF));
        return res;
    }
    case ROT_ROR: {
        unsigned n = count % bits;
        res = n ? ((v >> n) | (v << (bits - n))) & m : v;
        cf = lf_sign(res, size);
        of = cf ^ ((res >> (bits - 2)) & 1);
        flags_update(cpu, RF_CF | RF_OF, flag_bit(cf, RF_CF) | flag_bit(of, RF_OF));
        return res;
    }
    case ROT_RCL: case ROT_RCR: {
        /* Rotate through CF: a (size*8 + 1)-bit rotation. */
        unsigned n = bits < 32 ? count % (bits + 1) : count;
        cf = flag_cf(cpu);
        res = v;
        if (op == ROT_RCR)
            of = lf_sign(res, size) ^ cf; /* RCR: OF from the operand before rotating */
        for (unsigned i = 0; i < n; i++) {
            bool out;
            if (op == ROT_RCL) {
                out = lf_sign(res, size);
                res = ((res << 1) | cf) & m;
            } else {
                out = res & 1;
                res = (res >> 1) | ((uint64_t)cf << (bits - 1));
            }
            cf = out;
        }
        if (op == ROT_RCL)
            of = lf_sign(res, size) ^ cf;
        flags_update(cpu, RF_CF | RF_OF, flag_bit(cf, RF_CF) | flag_bit(of, RF_OF));
        return res;
    }
    case SH_SHL: case SH_SAL:
        /* count < 64; for 8/16-bit operands count may exceed the width
         * (CF is then undefined; the 64-bit shift gives 0). */
        res = (v << count) & m;
        cf = count <= bits ? (v >> (bits - count)) & 1 : 0;
        of = lf_sign(res, size) ^ cf;
        break;
    case SH_SHR:
        res = count < bits ? v >> count : 0;
        cf = count <= bits ? (v >> (count - 1)) & 1 : 0;
        of = lf_sign(v, size);
        break;
    default: { /* SAR */
        int64_t s = sext(v, size);
        res = (uint64_t)(s >> (count < bits ? count : bits - 1)) & m;
        cf = (s >> (count - 1 < bits ? count - 1 : bits - 1)) & 1;
        of = false;
        break;
    }
    }
    lf_set_zsp(cpu, size, res, flag_bit(cf, RF_CF) | flag_bit(of, RF_OF));
    return res;
}

/* Where the count comes from: C0/C1 imm8, D0/D1 the constant 1, D2/D3 CL. */
enum count_source { COUNT_IMM, COUNT_ONE, COUNT_CL };

static inline __attribute__((always_inline)) void
group2(struct cpu *cpu, const struct insn *in, enum count_source source, unsigned op, unsigned size,
       enum operand_form form)
{
    no_lock_form(cpu, in, form);
    unsigned raw_count = source == COUNT_IMM ? (unsigned)in->imm & 0xff
                       : source == COUNT_ONE ? 1u : (unsigned)cpu->gpr[RCX] & 0xff;
    unsigned count = raw_count & (size == 8 ? 63 : 31);
    if (rm_is_reg(in, form)) {
        /* The destination is written even for a count of 0: a 32-bit
         * register is zero-extended (as measured on the host CPU). */
        uint64_t v = reg_read(cpu, in, in->rm, size);
        reg_write(cpu, in, in->rm, size, count ? shift_rotate(cpu, op, size, v, count) : v);
        return;
    }
    uint64_t ea = insn_ea(cpu, in);
    uint64_t v = mem_read(cpu, ea, size);
    if (!count)
        return;
    /* Compute on a copy of the flag state: a faulting write must not
     * change RFLAGS. */
    uint64_t saved_rflags = cpu->rflags;
    struct lazy_flags saved_lf = cpu->lf;
    uint64_t res = shift_rotate(cpu, op, size, v, count);
    uint64_t new_rflags = cpu->rflags;
    struct lazy_flags new_lf = cpu->lf;
    cpu->rflags = saved_rflags;
    cpu->lf = saved_lf;
    mem_write(cpu, ea, size, res);
    cpu->rflags = new_rflags;
    cpu->lf = new_lf;
}

/* C0/C1: count imm8; D0/D1: count 1; D2/D3: count CL. */
void exec_group2_imm(struct cpu *cpu, const struct insn *in)
{
    group2(cpu, in, COUNT_IMM, in->reg & 7, in->opsize, OPERAND_ANY);
}

void exec_group2_one(struct cpu *cpu, const struct insn *in)
{
    group2(cpu, in, COUNT_ONE, in->reg & 7, in->opsize, OPERAND_ANY);
}

void exec_group2_cl(struct cpu *cpu, const struct insn *in)
{
    group2(cpu, in, COUNT_CL, in->reg & 7, in->opsize, OPERAND_ANY);
}

/* SHLD/SHRD r/m, reg, count: shift the destination, filling from the
 * source register.  CF = the last bit shifted out of the destination; OF
 * (count 1) = sign change; SF ZF PF from the result; AF undefined (0).
 * A count greater than the operand size (16-bit forms) gives an undefined
 * result: here the 16-bit value is shifted as part of dest:src:dest. */
static void double_shift(struct cpu *cpu, const struct insn *in, unsigned raw_count, bool left)
{
    no_lock(cpu, in);
    unsigned size = in->opsize, bits = size * 8;
    unsigned count = raw_count & (size == 8 ? 63 : 31);
    uint64_t m = size_mask(size);
    uint64_t src = reg_read(cpu, in, in->reg, size);
    uint64_t ea = in->mod == 3 ? 0 : insn_ea(cpu, in);
    uint64_t dst = in->mod == 3 ? reg_read(cpu, in, in->rm, size) : mem_read(cpu, ea, size);
    if (!count) {
        if (in->mod == 3) /* written anyway: zero-extends a 32-bit register */
            reg_write(cpu, in, in->rm, size, dst);
        return;
    }
    uint64_t res;
    bool cf;
    if (size == 8 || count <= bits) {
        if (left) {
            res = count == bits ? src : ((dst << count) | (src >> (bits - count))) & m;
            cf = (dst >> (bits - count)) & 1;
        } else {
            res = count == bits ? src : ((dst >> count) | (src << (bits - count))) & m;
            cf = (dst >> (count - 1)) & 1;
        }
    } else { /* 16-bit operand, count 17..31: shift within dest:src:dest */
        uint64_t wide = (dst << 32) | (src << 16) | dst;
        if (left) {
            res = (wide << count >> 32) & m;
            cf = (wide >> (48 - count)) & 1;
        } else {
            res = (wide >> count) & m;
            cf = (wide >> (count - 1)) & 1;
        }
    }
    bool of = lf_sign(res ^ dst, size);
    if (in->mod == 3)
        reg_write(cpu, in, in->rm, size, res);
    else
        mem_write(cpu, ea, size, res);
    lf_set_zsp(cpu, size, res, flag_bit(cf, RF_CF) | flag_bit(of, RF_OF));
}

void exec_shld_imm(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (unsigned)in->imm & 0xff, true);
}

void exec_shld_cl(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (unsigned)cpu->gpr[RCX] & 0xff, true);
}

void exec_shrd_imm(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (unsigned)in->imm & 0xff, false);
}

void exec_shrd_cl(struct cpu *cpu, const struct insn *in)
{
    double_shift(cpu, in, (unsigned)cpu->gpr[RCX] & 0xff, false);
}

/* Variants of the common group-2 forms for the choosers below: the
 * shifts and plain rotates with each count source (RCL/RCR stay generic). */
#define SHIFT_OP_VARIANTS(NAME, SOURCE)                                                            \
    SIZE_FORM_VARIANTS(NAME##_rol, group2, SOURCE, ROT_ROL,)                                       \
    SIZE_FORM_VARIANTS(NAME##_ror, group2, SOURCE, ROT_ROR,)                                       \
    SIZE_FORM_VARIANTS(NAME##_shl, group2, SOURCE, SH_SHL,)                                        \
    SIZE_FORM_VARIANTS(NAME##_shr, group2, SOURCE, SH_SHR,)                                        \
    SIZE_FORM_VARIANTS(NAME##_sal, group2, SOURCE, SH_SAL,)                                        \
    SIZE_FORM_VARIANTS(NAME##_sar, group2, SOURCE, SH_SAR,)                                        \
    static const exec_fn *const NAME##_op_variants[8] = {                                         \
        NAME##_rol_variants, NAME##_ror_variants, NULL, NULL,                                     \
        NAME##_shl_variants, NAME##_shr_variants, NAME##_sal_variants, NAME##_sar_variants};

SHIFT_OP_VARIANTS(group2_imm, COUNT_IMM)
SHIFT_OP_VARIANTS(group2_one, COUNT_ONE)
SHIFT_OP_VARIANTS(group2_cl, COUNT_CL)

/* The operation is ModRM.reg; RCL/RCR (/2 /3) have no variants. */
static exec_fn group2_variant(const struct insn *in, const exec_fn *const op_variants[8])
{
    int v = size_form_index(in);
    if (v < 0 || in->lock)
        return NULL;
    const exec_fn *variants = op_variants[in->reg & 7];
    return variants ? variants[v] : NULL;
}

exec_fn exec_group2_imm_variant(const struct insn *in)
{
    return group2_variant(in, group2_imm_op_variants);
}

exec_fn exec_group2_one_variant(const struct insn *in)
{
    return group2_variant(in, group2_one_op_variants);
}

exec_fn exec_group2_cl_variant(const struct insn *in)
{
    return group2_variant(in, group2_cl_op_variants);
}
