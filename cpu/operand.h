/* operand.h — reading and writing instruction operands: general registers
 * by size (including AH/CH/DH/BH and the rule that a 32-bit write
 * zero-extends into the full 64-bit register, SDM Vol. 1 §3.4.1.1), the
 * effective address of a ModRM memory operand, and r/m operands. */
#ifndef RINGSCOPE_OPERAND_H
#define RINGSCOPE_OPERAND_H
#include <stdbool.h>
#include "cpu.h"
#include "mem.h"

static inline uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

/* Register r (0..15) at `size` bytes.  Without REX, byte registers 4..7 are
 * AH CH DH BH; with any REX they are SPL BPL SIL DIL. */
static inline uint64_t reg_read(const struct cpu *cpu, const struct insn *in, unsigned r,
                                unsigned size)
{
    if (size == 1 && !in->rex && r >= 4 && r < 8)
        return (cpu->gpr[r - 4] >> 8) & 0xff;
    return cpu->gpr[r] & size_mask(size);
}

static inline void reg_write(struct cpu *cpu, const struct insn *in, unsigned r, unsigned size,
                             uint64_t v)
{
    switch (size) {
    case 1:
        if (!in->rex && r >= 4 && r < 8)
            cpu->gpr[r - 4] = (cpu->gpr[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
        else
            cpu->gpr[r] = (cpu->gpr[r] & ~0xffull) | (v & 0xff);
        break;
    case 2: cpu->gpr[r] = (cpu->gpr[r] & ~0xffffull) | (v & 0xffff); break;
    case 4: cpu->gpr[r] = (uint32_t)v; break; /* zero-extends */
    default: cpu->gpr[r] = v; break;
    }
}

/* Effective address (the offset within the segment, what LEA computes) of
 * the memory operand: base + index<<scale + disp (RIP-relative: next RIP +
 * disp), truncated to 32 bits under a 67 prefix. */
static inline uint64_t insn_offset(const struct cpu *cpu, const struct insn *in)
{
    uint64_t ea = (uint64_t)in->disp;
    if (in->rip_rel)
        ea += cpu->next_rip;
    if (in->base != REG_NONE)
        ea += cpu->gpr[in->base];
    if (in->index != REG_NONE)
        ea += cpu->gpr[in->index] << in->scale;
    if (in->addrsize == 4)
        ea = (uint32_t)ea;
    return ea;
}

/* Linear address of the memory operand: the offset plus the FS/GS base
 * when overridden (other segment bases are 0 in 64-bit mode, SDM Vol. 3A
 * §3.4.4). */
static inline uint64_t insn_ea(const struct cpu *cpu, const struct insn *in)
{
    uint64_t ea = insn_offset(cpu, in);
    if (in->seg == SEG_FS || in->seg == SEG_GS)
        ea += cpu->seg[in->seg].base;
    return ea;
}

/* Which r/m operand a handler variant serves: decided by ModRM.mod at run
 * time (OPERAND_ANY), or fixed when the variant was chosen for a decoded
 * instruction (opcodes.def, "variants"), so the tests fold away.  The memory
 * forms with a known address shape (64-bit addressing, no RIP base, no
 * FS/GS override) compute the effective address without insn_ea()'s
 * tests: OPERAND_MEM_BASE is base + disp, OPERAND_MEM_INDEX is
 * base + (index << scale) + disp. */
enum operand_form { OPERAND_ANY, OPERAND_REG, OPERAND_MEM, OPERAND_MEM_BASE, OPERAND_MEM_INDEX };

static inline bool rm_is_reg(const struct insn *in, enum operand_form form)
{
    return form == OPERAND_ANY ? in->mod == 3 : form == OPERAND_REG;
}

/* The form of a decoded instruction's r/m operand, for choosing a variant. */
static inline enum operand_form insn_operand_form(const struct insn *in)
{
    if (in->mod == 3)
        return OPERAND_REG;
    if (in->rip_rel || in->addrsize != 8 || in->seg == SEG_FS || in->seg == SEG_GS ||
        in->base == REG_NONE)
        return OPERAND_MEM;
    return in->index == REG_NONE ? OPERAND_MEM_BASE : OPERAND_MEM_INDEX;
}

/* insn_ea() for a memory operand of the given form. */
static inline uint64_t insn_ea_form(const struct cpu *cpu, const struct insn *in,
                                    enum operand_form form)
{
    if (form == OPERAND_MEM_BASE)
        return (uint64_t)in->disp + cpu->gpr[in->base];
    if (form == OPERAND_MEM_INDEX)
        return (uint64_t)in->disp + cpu->gpr[in->base] + (cpu->gpr[in->index] << in->scale);
    return insn_ea(cpu, in);
}

/* The r/m operand (register when mod == 3, else memory). */
static inline uint64_t rm_read_form(struct cpu *cpu, const struct insn *in, unsigned size,
                                    enum operand_form form)
{
    if (rm_is_reg(in, form))
        return reg_read(cpu, in, in->rm, size);
    return mem_read(cpu, insn_ea_form(cpu, in, form), size);
}

static inline void rm_write_form(struct cpu *cpu, const struct insn *in, unsigned size,
                                 enum operand_form form, uint64_t v)
{
    if (rm_is_reg(in, form))
        reg_write(cpu, in, in->rm, size, v);
    else
        mem_write(cpu, insn_ea_form(cpu, in, form), size, v);
}

static inline uint64_t rm_read(struct cpu *cpu, const struct insn *in, unsigned size)
{
    return rm_read_form(cpu, in, size, OPERAND_ANY);
}

static inline void rm_write(struct cpu *cpu, const struct insn *in, unsigned size, uint64_t v)
{
    rm_write_form(cpu, in, size, OPERAND_ANY, v);
}

#endif
