/* exec_bmi.c — the VEX-encoded general-register instructions of BMI1 and
 * BMI2 (SDM Vol. 2A/2B, the pages named below; Table 2-28 for their
 * exception class "Type 13": #UD when VEX.L = 1, which decode() rejects).
 * Operands: ModRM.reg (in->reg), ModRM.r/m and the register VEX.vvvv
 * names (in->vvvv); VEX.W selects 64-bit operands (in->opsize 8, else 4).
 * BMI1: ANDN, BEXTR, BLSI, BLSMSK, BLSR (and TZCNT, in exec_bits.c).
 * BMI2: BZHI, MULX, PDEP, PEXT, RORX, SARX, SHLX, SHRX — no flags. */
#include "exec_integer.h"

static inline uint64_t vvvv_read(const struct cpu *cpu, const struct insn *in, unsigned size)
{
    return cpu->gpr[in->vvvv] & size_mask(size);
}

/* VEX 0F 38 F2: ANDN r, vvvv, r/m — r = ~vvvv & r/m.  SF ZF from the
 * result, CF = OF = 0; AF and PF undefined (the logic record sets PF from
 * the result and AF = 0). */
void exec_andn(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize;
    uint64_t src2 = rm_read(cpu, in, size);
    uint64_t res = ~vvvv_read(cpu, in, size) & src2 & size_mask(size);
    reg_write(cpu, in, in->reg, size, res);
    lf_set(cpu, LF_LOGIC, size, 0, 0, res);
}

/* VEX 0F 38 F3 (group 17): BLSR /1 (r/m & (r/m - 1)), BLSMSK /2
 * (r/m ^ (r/m - 1)), BLSI /3 (r/m & -r/m), into vvvv.  SF from the result,
 * OF = 0; BLSR/BLSI: ZF from the result; BLSMSK: ZF = 0 (its result is
 * never 0); CF: BLSR/BLSMSK "source was 0", BLSI "source was not 0". */
void exec_group17(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize, r = in->reg & 7;
    uint64_t src = rm_read(cpu, in, size), res;
    bool cf;
    switch (r) {
    case 1: res = src & (src - 1); cf = src == 0; break;
    case 2: res = src ^ (src - 1); cf = src == 0; break;
    case 3: res = src & (0 - src); cf = src != 0; break;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
    res &= size_mask(size);
    reg_write(cpu, in, in->vvvv, size, res);
    lf_set_zsp(cpu, size, res, cf ? RF_CF : 0);
}

/* Parallel bit deposit/extract (PDEP/PEXT): the set bits of `mask` in
 * ascending order take/give the low bits of `src` in ascending order. */
static uint64_t pdep(uint64_t src, uint64_t mask)
{
    uint64_t res = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & (0 - mask);
        if (src & bit)
            res |= low;
        mask &= mask - 1;
    }
    return res;
}

static uint64_t pext(uint64_t src, uint64_t mask)
{
    uint64_t res = 0;
    for (uint64_t bit = 1; mask; bit <<= 1) {
        uint64_t low = mask & (0 - mask);
        if (src & low)
            res |= bit;
        mask &= mask - 1;
    }
    return res;
}

/* VEX 0F 38 F5: NP BZHI r, r/m, vvvv — zero the bits of r/m from index
 * vvvv[7:0] up (CF = the index exceeds the operand size - 1, and then r/m
 * is copied whole; SF ZF from the result, OF = 0).
 * F3 PEXT r, vvvv, r/m and F2 PDEP r, vvvv, r/m: r/m is the mask. */
void exec_bzhi_pext_pdep(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize, bits = size * 8;
    uint64_t rm = rm_read(cpu, in, size), v = vvvv_read(cpu, in, size);
    switch (in->pfx) {
    case PFX_NONE: {
        unsigned n = (uint8_t)v;
        uint64_t res = n < bits ? rm & ((1ull << n) - 1) : rm;
        reg_write(cpu, in, in->reg, size, res);
        lf_set_zsp(cpu, size, res, n > bits - 1 ? RF_CF : 0);
        return;
    }
    case PFX_F3: reg_write(cpu, in, in->reg, size, pext(v, rm)); return;
    case PFX_F2: reg_write(cpu, in, in->reg, size, pdep(v, rm)); return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

/* VEX F2 0F 38 F6: MULX r_hi, vvvv_lo, r/m — unsigned rDX * r/m, the low
 * half to vvvv, then the high half to r (so r = vvvv gets the high half,
 * SDM MULX); flags unchanged. */
void exec_mulx(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx != PFX_F2)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = in->opsize;
    uint64_t src = rm_read(cpu, in, size), lo, hi;
    if (size == 8) {
        unsigned __int128 p = (unsigned __int128)cpu->gpr[RDX] * src;
        lo = (uint64_t)p;
        hi = (uint64_t)(p >> 64);
    } else {
        uint64_t p = (uint64_t)(uint32_t)cpu->gpr[RDX] * src;
        lo = (uint32_t)p;
        hi = p >> 32;
    }
    reg_write(cpu, in, in->vvvv, size, lo);
    reg_write(cpu, in, in->reg, size, hi);
}

/* VEX 0F 38 F7: NP BEXTR r, r/m, vvvv — the field of r/m starting at bit
 * vvvv[7:0], vvvv[15:8] bits long (ZF from the result, CF = OF = 0; AF SF
 * PF undefined).  66 SHLX, F3 SARX, F2 SHRX r, r/m, vvvv: shifts by vvvv
 * modulo the operand width; flags unchanged. */
void exec_bextr_shiftx(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize, bits = size * 8;
    uint64_t src = rm_read(cpu, in, size), ctl = vvvv_read(cpu, in, size), res;
    unsigned count = (unsigned)ctl & (bits - 1);
    switch (in->pfx) {
    case PFX_NONE: {
        unsigned start = (uint8_t)ctl, len = (uint8_t)(ctl >> 8);
        res = start < bits ? src >> start : 0;
        if (len < 64)
            res &= (1ull << len) - 1;
        reg_write(cpu, in, in->reg, size, res);
        lf_set(cpu, LF_LOGIC, size, 0, 0, res);
        return;
    }
    case PFX_66: res = src << count; break;
    case PFX_F3: res = (uint64_t)(sext(src, size) >> count); break;
    default: res = src >> count; break;
    }
    reg_write(cpu, in, in->reg, size, res & size_mask(size));
}

/* VEX F2 0F 3A F0: RORX r, r/m, imm8 — rotate right by imm8 modulo the
 * operand width; flags unchanged.  (VEX.vvvv other than 1111b does not
 * decode: #UD, opcode_table.c name_rorx.) */
void exec_rorx(struct cpu *cpu, const struct insn *in)
{
    unsigned size = in->opsize, bits = size * 8, n = (unsigned)in->imm & (bits - 1);
    uint64_t v = rm_read(cpu, in, size);
    uint64_t res = n ? (v >> n) | (v << (bits - n)) : v;
    reg_write(cpu, in, in->reg, size, res & size_mask(size));
}
