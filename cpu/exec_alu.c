/* exec_alu.c — the two-operand arithmetic and logic instructions (ADD OR
 * ADC SBB AND SUB XOR CMP in their 00-3F and group-1 encodings), TEST,
 * NOT/NEG, INC/DEC, XADD, CMPXCHG, CMPXCHG8B/16B, and the dispatch of
 * groups 3, 4 and 5 (SDM Vol. 2A/2B under each mnemonic).
 *
 * Faults leave state untouched: the result is computed, the destination
 * written (which may fault), and only then the flags record is stored. */
#include "exec_integer.h"

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* Compute dst OP src at `size` bytes; returns the flags record (res is the
 * truncated result).  ADC/SBB read CF from the current flags. */
static inline struct lazy_flags alu_compute(const struct cpu *cpu, unsigned op, unsigned size,
                                            uint64_t dst, uint64_t src)
{
    uint64_t m = size_mask(size);
    struct lazy_flags lf = {.dst = dst & m, .src = src & m, .size = (uint8_t)size};
    switch (op) {
    case ALU_ADD: lf.op = LF_ADD; lf.res = (dst + src) & m; break;
    case ALU_OR: lf.op = LF_LOGIC; lf.res = (dst | src) & m; break;
    case ALU_ADC: {
        uint64_t c = flag_cf(cpu);
        lf.op = c ? LF_ADC1 : LF_ADD;
        lf.res = (dst + src + c) & m;
        break;
    }
    case ALU_SBB: {
        uint64_t c = flag_cf(cpu);
        lf.op = c ? LF_SBB1 : LF_SUB;
        lf.res = (dst - src - c) & m;
        break;
    }
    case ALU_AND: lf.op = LF_LOGIC; lf.res = dst & src & m; break;
    case ALU_XOR: lf.op = LF_LOGIC; lf.res = (dst ^ src) & m; break;
    default: lf.op = LF_SUB; lf.res = (dst - src) & m; break; /* SUB, CMP */
    }
    return lf;
}

/* dst (r/m) OP= src, for the register-source and immediate forms. */
static inline __attribute__((always_inline)) void
alu_to_rm(struct cpu *cpu, const struct insn *in, unsigned op, uint64_t src, unsigned size,
          enum operand_form form)
{
    if (op == ALU_CMP)
        no_lock_form(cpu, in, form);
    else
        lock_needs_memory_form(cpu, in, form);
    struct lazy_flags lf;
    if (rm_is_reg(in, form)) {
        lf = alu_compute(cpu, op, size, reg_read(cpu, in, in->rm, size), src);
        if (op != ALU_CMP)
            reg_write(cpu, in, in->rm, size, lf.res);
    } else {
        uint64_t ea = insn_ea_form(cpu, in, form);
        lf = alu_compute(cpu, op, size, mem_read(cpu, ea, size), src);
        if (op != ALU_CMP)
            mem_write(cpu, ea, size, lf.res);
    }
    cpu->lf = lf;
}

/* 00-3F with low bits 0/1: Eb,Gb / Ev,Gv. */
static inline __attribute__((always_inline)) void
alu_rm_reg(struct cpu *cpu, const struct insn *in, unsigned op, unsigned size, enum operand_form form)
{
    alu_to_rm(cpu, in, op, reg_read(cpu, in, in->reg, size), size, form);
}

void exec_alu_rm_reg(struct cpu *cpu, const struct insn *in)
{
    alu_rm_reg(cpu, in, in->op >> 3, in->opsize, OPERAND_ANY);
}

/* 00-3F with low bits 2/3: Gb,Eb / Gv,Ev. */
static inline __attribute__((always_inline)) void
alu_reg_rm(struct cpu *cpu, const struct insn *in, unsigned op, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    struct lazy_flags lf = alu_compute(cpu, op, size, reg_read(cpu, in, in->reg, size),
                                       rm_read_form(cpu, in, size, form));
    if (op != ALU_CMP)
        reg_write(cpu, in, in->reg, size, lf.res);
    cpu->lf = lf;
}

void exec_alu_reg_rm(struct cpu *cpu, const struct insn *in)
{
    alu_reg_rm(cpu, in, in->op >> 3, in->opsize, OPERAND_ANY);
}

/* 00-3F with low bits 4/5: AL,Ib / rAX,Iz. */
void exec_alu_acc_imm(struct cpu *cpu, const struct insn *in)
{
    unsigned op = in->op >> 3, size = in->opsize;
    no_lock(cpu, in);
    struct lazy_flags lf = alu_compute(cpu, op, size, reg_read(cpu, in, RAX, size), in->imm);
    if (op != ALU_CMP)
        reg_write(cpu, in, RAX, size, lf.res);
    cpu->lf = lf;
}

/* 80, 81, 83: group 1, operation in ModRM.reg, immediate source. */
static inline __attribute__((always_inline)) void
group1(struct cpu *cpu, const struct insn *in, unsigned op, unsigned size, enum operand_form form)
{
    alu_to_rm(cpu, in, op, in->imm, size, form);
}

void exec_group1(struct cpu *cpu, const struct insn *in)
{
    group1(cpu, in, in->reg & 7, in->opsize, OPERAND_ANY);
}

static inline void test_values(struct cpu *cpu, unsigned size, uint64_t a, uint64_t b)
{
    lf_set(cpu, LF_LOGIC, size, 0, 0, a & b & size_mask(size));
}

/* 84/85: TEST r/m, reg. */
static inline __attribute__((always_inline)) void
test_rm_reg(struct cpu *cpu, const struct insn *in, unsigned size, enum operand_form form)
{
    no_lock_form(cpu, in, form);
    test_values(cpu, size, rm_read_form(cpu, in, size, form), reg_read(cpu, in, in->reg, size));
}

void exec_test_rm_reg(struct cpu *cpu, const struct insn *in)
{
    test_rm_reg(cpu, in, in->opsize, OPERAND_ANY);
}

/* A8/A9: TEST AL/rAX, imm. */
void exec_test_acc_imm(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    test_values(cpu, in->opsize, reg_read(cpu, in, RAX, in->opsize), in->imm);
}

/* F6/F7: group 3 — /0 and /1 TEST imm, /2 NOT, /3 NEG, /4-/7 MUL IMUL DIV IDIV. */
void exec_group3(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    switch (in->reg & 7) {
    case 0: case 1:
        no_lock(cpu, in);
        test_values(cpu, size, rm_read(cpu, in, size), in->imm);
        return;
    case 2: /* NOT: no flags */
        lock_needs_memory(cpu, in);
        if (in->mod == 3) {
            reg_write(cpu, in, in->rm, size, ~reg_read(cpu, in, in->rm, size));
        } else {
            uint64_t ea = insn_ea(cpu, in);
            mem_write(cpu, ea, size, ~mem_read(cpu, ea, size));
        }
        return;
    case 3: { /* NEG: 0 - dst; CF = (dst != 0) follows from the SUB record */
        lock_needs_memory(cpu, in);
        uint64_t m = size_mask(size), v, res;
        if (in->mod == 3) {
            v = reg_read(cpu, in, in->rm, size);
            res = (0 - v) & m;
            reg_write(cpu, in, in->rm, size, res);
        } else {
            uint64_t ea = insn_ea(cpu, in);
            v = mem_read(cpu, ea, size);
            res = (0 - v) & m;
            mem_write(cpu, ea, size, res);
        }
        lf_set(cpu, LF_SUB, size, 0, v, res);
        return;
    }
    default:
        exec_mul_div(cpu, in);
        return;
    }
}

/* INC/DEC r/m: like ADD/SUB 1 but CF is preserved. */
static inline __attribute__((always_inline)) void
inc_dec_sized(struct cpu *cpu, const struct insn *in, bool dec, unsigned size, enum operand_form form)
{
    lock_needs_memory_form(cpu, in, form);
    uint64_t m = size_mask(size), v, res;
    if (rm_is_reg(in, form)) {
        v = reg_read(cpu, in, in->rm, size);
        res = (dec ? v - 1 : v + 1) & m;
        reg_write(cpu, in, in->rm, size, res);
    } else {
        uint64_t ea = insn_ea_form(cpu, in, form);
        v = mem_read(cpu, ea, size);
        res = (dec ? v - 1 : v + 1) & m;
        mem_write(cpu, ea, size, res);
    }
    lf_set_incdec(cpu, dec ? LF_DEC : LF_INC, size, v, res);
}

static void inc_dec(struct cpu *cpu, const struct insn *in, bool dec)
{
    inc_dec_sized(cpu, in, dec, in->opsize, OPERAND_ANY);
}

/* FE: group 4 — /0 INC Eb, /1 DEC Eb. */
void exec_group4(struct cpu *cpu, const struct insn *in)
{
    unsigned r = in->reg & 7;
    if (r > 1)
        cpu_fault(cpu, EXC_UD, 0);
    inc_dec(cpu, in, r == 1);
}

/* FF: group 5 — /0 INC, /1 DEC, /2 CALL near, /4 JMP near, /6 PUSH.
 * /3 and /5 (far CALL/JMP through memory) and /7 are #UD here. */
void exec_group5(struct cpu *cpu, const struct insn *in)
{
    switch (in->reg & 7) {
    case 0: inc_dec(cpu, in, false); return;
    case 1: inc_dec(cpu, in, true); return;
    case 2: exec_call_indirect(cpu, in); return;
    case 4: exec_jmp_indirect(cpu, in); return;
    case 6: exec_push_rm(cpu, in); return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

/* 0F C0/C1: XADD r/m, reg — TEMP = SRC + DEST; SRC = DEST; DEST = TEMP. */
void exec_xadd(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    lock_needs_memory(cpu, in);
    uint64_t src = reg_read(cpu, in, in->reg, size);
    struct lazy_flags lf;
    if (in->mod == 3) {
        uint64_t dst = reg_read(cpu, in, in->rm, size);
        lf = alu_compute(cpu, ALU_ADD, size, dst, src);
        reg_write(cpu, in, in->reg, size, dst);
        reg_write(cpu, in, in->rm, size, lf.res);
    } else {
        uint64_t ea = insn_ea(cpu, in);
        uint64_t dst = mem_read(cpu, ea, size);
        lf = alu_compute(cpu, ALU_ADD, size, dst, src);
        mem_write(cpu, ea, size, lf.res);
        reg_write(cpu, in, in->reg, size, dst);
    }
    cpu->lf = lf;
}

/* 0F B0/B1: CMPXCHG r/m, reg — compare the accumulator with DEST (flags of
 * CMP acc, DEST); equal: DEST = SRC; else the accumulator = DEST.  A memory
 * destination is always written (with its old value on failure). */
void exec_cmpxchg(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    lock_needs_memory(cpu, in);
    uint64_t acc = reg_read(cpu, in, RAX, size);
    uint64_t src = reg_read(cpu, in, in->reg, size);
    uint64_t dst;
    if (in->mod == 3) {
        dst = reg_read(cpu, in, in->rm, size);
        if (acc == dst)
            reg_write(cpu, in, in->rm, size, src);
    } else {
        uint64_t ea = insn_ea(cpu, in);
        dst = mem_read(cpu, ea, size);
        mem_write(cpu, ea, size, acc == dst ? src : dst);
    }
    if (acc != dst)
        reg_write(cpu, in, RAX, size, dst);
    lf_set(cpu, LF_SUB, size, acc, dst, (acc - dst) & size_mask(size));
}

/* 0F C7 (group 9) /1: CMPXCHG8B m64 / (REX.W) CMPXCHG16B m128 — compare EDX:EAX
 * (RDX:RAX) with the memory operand; equal: ZF=1 and store ECX:EBX
 * (RCX:RBX); else ZF=0 and load it into EDX:EAX (RDX:RAX).  Only ZF
 * changes.  CMPXCHG16B needs a 16-byte aligned operand, else #GP(0). */
void exec_group9(struct cpu *cpu, const struct insn *in)
{
    unsigned r = in->reg & 7;
    if (in->mod == 3 && (r == 6 || r == 7) && in->pfx <= PFX_66) {
        exec_rdrand(cpu, in);               /* RDRAND / RDSEED (exec_scalar_ext.c) */
        return;
    }
    if (r != 1 || in->mod == 3)
        cpu_fault(cpu, EXC_UD, 0);
    uint64_t ea = insn_ea(cpu, in);
    bool wide = in->rex & 8;
    uint64_t old[2], cmp_lo, cmp_hi;
    if (wide) {
        if (ea & 15)
            cpu_fault(cpu, EXC_GP, 0);
        mem_read_buf(cpu, ea, old, 16);
        cmp_lo = cpu->gpr[RAX];
        cmp_hi = cpu->gpr[RDX];
    } else {
        uint64_t v = mem_read(cpu, ea, 8);
        old[0] = (uint32_t)v;
        old[1] = v >> 32;
        cmp_lo = (uint32_t)cpu->gpr[RAX];
        cmp_hi = (uint32_t)cpu->gpr[RDX];
    }
    bool equal = old[0] == cmp_lo && old[1] == cmp_hi;
    if (wide) {
        uint64_t store[2] = {cpu->gpr[RBX], cpu->gpr[RCX]};
        mem_write_buf(cpu, ea, equal ? store : old, 16);
    } else {
        uint64_t store = (cpu->gpr[RCX] << 32) | (uint32_t)cpu->gpr[RBX];
        mem_write(cpu, ea, 8, equal ? store : (old[1] << 32) | old[0]);
    }
    if (!equal) {
        cpu->gpr[RAX] = old[0];
        cpu->gpr[RDX] = old[1];
    }
    flags_update(cpu, RF_ZF, equal ? RF_ZF : 0);
}

/* The variants the choosers below pick from: per operation for the ALU
 * forms, per size and r/m form for all. */
#define ALU_OP_VARIANTS(NAME, BODY)                                                              \
    SIZE_EA_VARIANTS(NAME##_add, BODY, ALU_ADD,) SIZE_EA_VARIANTS(NAME##_or, BODY, ALU_OR,)        \
    SIZE_EA_VARIANTS(NAME##_adc, BODY, ALU_ADC,) SIZE_EA_VARIANTS(NAME##_sbb, BODY, ALU_SBB,)      \
    SIZE_EA_VARIANTS(NAME##_and, BODY, ALU_AND,) SIZE_EA_VARIANTS(NAME##_sub, BODY, ALU_SUB,)      \
    SIZE_EA_VARIANTS(NAME##_xor, BODY, ALU_XOR,) SIZE_EA_VARIANTS(NAME##_cmp, BODY, ALU_CMP,)      \
    static const exec_fn *const NAME##_op_variants[8] = {                                       \
        NAME##_add_variants, NAME##_or_variants, NAME##_adc_variants, NAME##_sbb_variants,      \
        NAME##_and_variants, NAME##_sub_variants, NAME##_xor_variants, NAME##_cmp_variants};

ALU_OP_VARIANTS(alu_rm_reg, alu_rm_reg)
ALU_OP_VARIANTS(alu_reg_rm, alu_reg_rm)
ALU_OP_VARIANTS(group1, group1)
SIZE_EA_VARIANTS(test_rm_reg, test_rm_reg)
SIZE_EA_VARIANTS(inc, inc_dec_sized, false,)
SIZE_EA_VARIANTS(dec, inc_dec_sized, true,)

/* The (size, address shape) variant index of an instruction without LOCK,
 * or -1. */
static int unlocked_size_ea_index(const struct insn *in)
{
    return in->lock ? -1 : size_ea_index(in);
}

exec_fn exec_alu_rm_reg_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : alu_rm_reg_op_variants[in->op >> 3][v];
}

exec_fn exec_alu_reg_rm_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : alu_reg_rm_op_variants[in->op >> 3][v];
}

exec_fn exec_group1_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : group1_op_variants[in->reg & 7][v];
}

exec_fn exec_test_rm_reg_variant(const struct insn *in)
{
    int v = unlocked_size_ea_index(in);
    return v < 0 ? NULL : test_rm_reg_variants[v];
}

/* Group 5's near CALL/JMP/PUSH through r/m go straight to their handlers
 * (any operand size: those handlers decide it); INC/DEC to a variant. */
exec_fn exec_group5_variant(const struct insn *in)
{
    switch (in->reg & 7) {
    case 2: return exec_call_indirect;
    case 4: return exec_jmp_indirect;
    case 6: return exec_push_rm;
    default: break;
    }
    int v = unlocked_size_ea_index(in);
    if (v < 0 || (in->reg & 7) > 1)
        return NULL;
    return (in->reg & 7) ? dec_variants[v] : inc_variants[v];
}
