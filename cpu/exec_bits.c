/* exec_bits.c — single-bit and bit-scan instructions: BT/BTS/BTR/BTC
 * (0F A3 AB B3 BB, group 8 0F BA), BSF/BSR (0F BC/BD), TZCNT/LZCNT (F3 0F
 * BC/BD), POPCNT (F3 0F B8) and BSWAP (0F C8+r).  SDM Vol. 2A "BT", "BTS",
 * "BTR", "BTC", "BSF", "BSR", "TZCNT", "LZCNT", "POPCNT", "BSWAP". */
#include "exec_integer.h"

enum { BIT_TEST, BIT_SET, BIT_RESET, BIT_COMPLEMENT };

/* Test bit `bit` of the operand, then change it as `op` says; CF = the old
 * bit, ZF unaffected, OF SF AF PF undefined (left unchanged here). */
static void bit_op(struct cpu *cpu, const struct insn *in, unsigned op, uint64_t ea, unsigned bit)
{
    unsigned size = in->opsize;
    uint64_t mask = 1ull << bit;
    uint64_t v = in->mod == 3 ? reg_read(cpu, in, in->rm, size) : mem_read(cpu, ea, size);
    uint64_t nv = op == BIT_SET ? v | mask : op == BIT_RESET ? v & ~mask : v ^ mask;
    if (op != BIT_TEST) {
        if (in->mod == 3)
            reg_write(cpu, in, in->rm, size, nv);
        else
            mem_write(cpu, ea, size, nv);
    }
    flags_update(cpu, RF_CF, (v & mask) ? RF_CF : 0);
}

/* BT* r/m, reg: with a memory operand the register is a signed bit offset
 * that may address beyond the operand: the word accessed is at
 * EA + size * (offset DIV (8 * size)). */
static void bit_reg_form(struct cpu *cpu, const struct insn *in, unsigned op)
{
    if (op == BIT_TEST)
        no_lock(cpu, in);
    else
        lock_needs_memory(cpu, in);
    unsigned size = in->opsize, bits = size * 8;
    uint64_t offset = reg_read(cpu, in, in->reg, size);
    uint64_t ea = 0;
    if (in->mod != 3) {
        int64_t words = sext(offset, size) >> __builtin_ctz(bits);
        ea = insn_ea(cpu, in) + (uint64_t)(words * (int64_t)size);
        if (in->addrsize == 4)
            ea = (uint32_t)ea;
    }
    bit_op(cpu, in, op, ea, (unsigned)offset & (bits - 1));
}

void exec_bt(struct cpu *cpu, const struct insn *in) { bit_reg_form(cpu, in, BIT_TEST); }
void exec_bts(struct cpu *cpu, const struct insn *in) { bit_reg_form(cpu, in, BIT_SET); }
void exec_btr(struct cpu *cpu, const struct insn *in) { bit_reg_form(cpu, in, BIT_RESET); }
void exec_btc(struct cpu *cpu, const struct insn *in) { bit_reg_form(cpu, in, BIT_COMPLEMENT); }

/* 0F BA: group 8 — /4 BT, /5 BTS, /6 BTR, /7 BTC with an imm8 offset
 * (taken modulo the operand width). */
void exec_group8(struct cpu *cpu, const struct insn *in)
{
    unsigned r = in->reg & 7;
    if (r < 4)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned op = r - 4;
    if (op == BIT_TEST)
        no_lock(cpu, in);
    else
        lock_needs_memory(cpu, in);
    uint64_t ea = in->mod == 3 ? 0 : insn_ea(cpu, in);
    bit_op(cpu, in, op, ea, (unsigned)in->imm & (in->opsize * 8 - 1));
}

/* BSF/BSR: index of the lowest/highest set bit.  A zero source sets ZF and
 * leaves the destination register entirely unchanged (Intel); CF OF SF AF
 * PF are undefined (unchanged here). */
static void bit_scan(struct cpu *cpu, const struct insn *in, bool reverse)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    uint64_t v = rm_read(cpu, in, size);
    if (v == 0) {
        flags_update(cpu, RF_ZF, RF_ZF);
        return;
    }
    reg_write(cpu, in, in->reg, size, reverse ? 63 - __builtin_clzll(v) : __builtin_ctzll(v));
    flags_update(cpu, RF_ZF, 0);
}

/* F3 0F BC TZCNT (BMI1) / F3 0F BD LZCNT (LZCNT): the number of trailing /
 * leading zero bits, the operand width for a zero source.  CF = the source
 * was 0, ZF = the result is 0; OF SF AF PF undefined (unchanged here).
 * CPUID reports BMI1 and ABM, so F3 no longer falls back to BSF/BSR. */
static void count_zeros(struct cpu *cpu, const struct insn *in, bool leading)
{
    no_lock(cpu, in);
    unsigned size = in->opsize, bits = size * 8;
    uint64_t v = rm_read(cpu, in, size);
    unsigned n = v == 0 ? bits : leading ? (unsigned)__builtin_clzll(v) - (64 - bits)
                                         : (unsigned)__builtin_ctzll(v);
    reg_write(cpu, in, in->reg, size, n);
    flags_update(cpu, RF_CF | RF_ZF, (v == 0 ? RF_CF : 0) | (n == 0 ? RF_ZF : 0));
}

void exec_bsf(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_F3)
        count_zeros(cpu, in, false);
    else
        bit_scan(cpu, in, false);
}

void exec_bsr(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_F3)
        count_zeros(cpu, in, true);
    else
        bit_scan(cpu, in, true);
}

/* F3 0F B8: POPCNT — the number of set bits.  ZF = the source was 0; CF
 * OF SF AF PF are cleared (SDM POPCNT). */
void exec_popcnt(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    unsigned size = in->opsize;
    uint64_t v = rm_read(cpu, in, size);
    reg_write(cpu, in, in->reg, size, (uint64_t)__builtin_popcountll(v));
    flags_update(cpu, RF_STATUS, v == 0 ? RF_ZF : 0);
}

/* BSWAP r32/r64 (0F C8+r).  With a 16-bit operand the result is undefined;
 * here it is 0. */
void exec_bswap(struct cpu *cpu, const struct insn *in)
{
    no_lock(cpu, in);
    uint64_t v = cpu->gpr[in->reg];
    switch (in->opsize) {
    case 8: cpu->gpr[in->reg] = __builtin_bswap64(v); break;
    case 4: cpu->gpr[in->reg] = __builtin_bswap32((uint32_t)v); break;
    default: cpu->gpr[in->reg] = v & ~0xffffull; break;
    }
}
