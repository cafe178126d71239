/* exec_sse_move.c — SSE/SSE2 and MMX data movement: MOVUPS/MOVAPS/MOVUPD/
 * MOVAPD, MOVSS/MOVSD, MOVLPS/MOVHPS/MOVLPD/MOVHPD/MOVHLPS/MOVLHPS,
 * MOVD/MOVQ (XMM and MMX), MOVDQA/MOVDQU, MOVQ2DQ/MOVDQ2Q, the
 * non-temporal stores (MOVNTPS/MOVNTPD/MOVNTDQ/MOVNTQ/MOVNTI, plain stores
 * here: there is no cache to bypass), MASKMOVDQU/MASKMOVQ, EMMS and
 * MOVMSKPS/MOVMSKPD.  SDM Vol. 2 instruction pages of the same names.
 * Moves never raise SIMD floating-point exceptions. */
#include "exec_sse.h"

/* 0F 10: MOVUPS/MOVUPD xmm, xmm/m128; F3: MOVSS; F2: MOVSD.  A scalar load
 * from memory zeroes the rest of the register; a register-to-register
 * MOVSS/MOVSD replaces only the low element. */
void exec_sse_mov_load(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    union xmm *d = &cpu->xmm[in->reg];
    union xmm v;
    switch (in->pfx) {
    case PFX_F3:
        if (in->mod == 3) {
            d->d[0] = cpu->xmm[in->rm].d[0];
            return;
        }
        sse_read_rm(cpu, in, &v, 4, false);
        break;
    case PFX_F2:
        if (in->mod == 3) {
            d->q[0] = cpu->xmm[in->rm].q[0];
            return;
        }
        sse_read_rm(cpu, in, &v, 8, false);
        break;
    default:
        sse_read_rm(cpu, in, &v, 16, false);
        break;
    }
    *d = v;
}

/* Store `size` low bytes of *v to the r/m operand (register: the whole
 * register for 16, only the low element for 4/8). */
static void store_rm(struct cpu *cpu, const struct insn *in, const union xmm *v, unsigned size,
                     bool aligned)
{
    if (in->mod == 3) {
        union xmm *d = &cpu->xmm[in->rm];
        if (size == 16)
            *d = *v;
        else if (size == 8)
            d->q[0] = v->q[0];
        else
            d->d[0] = v->d[0];
        return;
    }
    uint64_t ea = sse_ea(cpu, in, aligned && size == 16);
    mem_write_buf(cpu, ea, v, size);
}

/* 0F 11: MOVUPS/MOVUPD xmm/m128, xmm; F3: MOVSS; F2: MOVSD. */
void exec_sse_mov_store(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    union xmm v = cpu->xmm[in->reg];
    unsigned size = in->pfx == PFX_F3 ? 4 : in->pfx == PFX_F2 ? 8 : 16;
    store_rm(cpu, in, &v, size, false);
}

/* 0F 28/29: MOVAPS/MOVAPD (aligned; F2/F3 forms do not exist). */
void exec_movap_load(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm v;
    sse_read_rm(cpu, in, &v, 16, true);
    cpu->xmm[in->reg] = v;
}

void exec_movap_store(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm v = cpu->xmm[in->reg];
    store_rm(cpu, in, &v, 16, true);
}

/* 0F 12: MOVLPS xmm, m64 / MOVHLPS xmm, xmm (high of source to low);
 * 66: MOVLPD xmm, m64.  The high quadword of the destination is kept. */
void exec_movlp_load(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx >= PFX_F3) {
        exec_sse3_dup(cpu, in);            /* MOVSLDUP, MOVDDUP (SSE3) */
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3 || (in->pfx == PFX_66 && in->mod == 3))
        cpu_fault(cpu, EXC_UD, 0);
    uint64_t lo;
    if (in->mod == 3)
        lo = cpu->xmm[in->rm].q[1];
    else
        lo = mem_read(cpu, insn_ea(cpu, in), 8);
    cpu->xmm[in->reg].q[0] = lo;
}

/* 0F 16: MOVHPS xmm, m64 / MOVLHPS xmm, xmm (low of source to high);
 * 66: MOVHPD xmm, m64. */
void exec_movhp_load(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_F3) {
        exec_sse3_dup(cpu, in);            /* MOVSHDUP (SSE3) */
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3 || (in->pfx == PFX_66 && in->mod == 3))
        cpu_fault(cpu, EXC_UD, 0);
    uint64_t hi;
    if (in->mod == 3)
        hi = cpu->xmm[in->rm].q[0];
    else
        hi = mem_read(cpu, insn_ea(cpu, in), 8);
    cpu->xmm[in->reg].q[1] = hi;
}

/* 0F 13 / 0F 17: MOVLPS/MOVLPD m64, xmm and MOVHPS/MOVHPD m64, xmm. */
void exec_movlp_store(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    sse_require_mem(cpu, in);
    mem_write(cpu, insn_ea(cpu, in), 8, cpu->xmm[in->reg].q[0]);
}

void exec_movhp_store(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    sse_require_mem(cpu, in);
    mem_write(cpu, insn_ea(cpu, in), 8, cpu->xmm[in->reg].q[1]);
}

/* 0F 2B: MOVNTPS/MOVNTPD m128, xmm (aligned); 66 0F E7: MOVNTDQ. */
void exec_movnt_ps(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    sse_require_mem(cpu, in);
    union xmm v = cpu->xmm[in->reg];
    mem_write_buf(cpu, sse_ea(cpu, in, true), &v, 16);
}

/* 0F E7: MOVNTQ m64, mm (SSE). */
static void movntq(struct cpu *cpu, const struct insn *in)
{
    sse_require_mem(cpu, in);
    mmx_check_usable(cpu, in);
    mem_write(cpu, insn_ea(cpu, in), 8, mmx_read(cpu, in->reg));
    mmx_transition(cpu);
}

void exec_movntdq(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE) {
        movntq(cpu, in);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    sse_require_mem(cpu, in);
    union xmm v = cpu->xmm[in->reg];
    mem_write_buf(cpu, sse_ea(cpu, in, true), &v, 16);
}

/* 0F C3: MOVNTI m32/m64, r32/r64 — a general-register store (no SSE state,
 * so no CR0.EM/TS check). */
void exec_movnti(struct cpu *cpu, const struct insn *in)
{
    if (in->lock || in->pfx != PFX_NONE || in->mod == 3)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = (in->rex & 8) ? 8 : 4;
    mem_write(cpu, insn_ea(cpu, in), size, cpu->gpr[in->reg] & size_mask(size));
}

/* 0F 50: MOVMSKPS r32, xmm / 66: MOVMSKPD — the sign bits, zero-extended
 * into the full 64-bit register. */
void exec_movmsk(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    sse_require_reg(cpu, in);
    const union xmm *s = &cpu->xmm[in->rm];
    uint64_t mask = 0;
    if (in->pfx == PFX_NONE) {
        for (int i = 0; i < 4; i++)
            mask |= (uint64_t)(s->d[i] >> 31) << i;
    } else if (in->pfx == PFX_66) {
        for (int i = 0; i < 2; i++)
            mask |= (s->q[i] >> 63) << i;
    } else {
        cpu_fault(cpu, EXC_UD, 0);
    }
    cpu->gpr[in->reg] = mask;
}

/* 66 0F 6E: MOVD xmm, r/m32 / MOVQ xmm, r/m64 (REX.W): zero-extends into
 * the XMM register; 0F 6E: MOVD mm, r/m32 / MOVQ mm, r/m64 (MMX). */
void exec_movd_to_xmm(struct cpu *cpu, const struct insn *in)
{
    bool mmx = in->pfx == PFX_NONE;
    if (mmx)
        mmx_check_usable(cpu, in);
    else
        sse_check_usable(cpu, in);
    if (!mmx && in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = (in->rex & 8) ? 8 : 4;
    uint64_t v = in->mod == 3 ? cpu->gpr[in->rm] & size_mask(size)
                              : mem_read(cpu, insn_ea(cpu, in), size);
    if (mmx) {
        mmx_commit(cpu, in->reg, v);
        return;
    }
    union xmm *d = &cpu->xmm[in->reg];
    d->q[0] = v;
    d->q[1] = 0;
}

/* 66 0F 7E: MOVD r/m32, xmm / MOVQ r/m64, xmm (REX.W);
 * 0F 7E: MOVD r/m32, mm / MOVQ r/m64, mm (MMX);
 * F3 0F 7E: MOVQ xmm, xmm/m64 (zero-extends to 128 bits). */
void exec_movd_from_xmm(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE) {
        mmx_check_usable(cpu, in);
        unsigned size = (in->rex & 8) ? 8 : 4;
        uint64_t v = mmx_read(cpu, in->reg) & size_mask(size);
        if (in->mod == 3)
            cpu->gpr[in->rm] = v; /* a 32-bit write zero-extends */
        else
            mem_write(cpu, insn_ea(cpu, in), size, v);
        mmx_transition(cpu);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx == PFX_F3) {
        uint64_t v = in->mod == 3 ? cpu->xmm[in->rm].q[0] : mem_read(cpu, insn_ea(cpu, in), 8);
        cpu->xmm[in->reg].q[0] = v;
        cpu->xmm[in->reg].q[1] = 0;
        return;
    }
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned size = (in->rex & 8) ? 8 : 4;
    uint64_t v = cpu->xmm[in->reg].q[0] & size_mask(size);
    if (in->mod == 3)
        cpu->gpr[in->rm] = v; /* a 32-bit write zero-extends */
    else
        mem_write(cpu, insn_ea(cpu, in), size, v);
}

/* 66 0F D6: MOVQ xmm/m64, xmm (a register destination is zero-extended). */
/* F3 0F D6 MOVQ2DQ xmm, mm / F2 0F D6 MOVDQ2Q mm, xmm (SSE2): the bridge
 * between XMM and MMX registers.  MMX register i is the 64-bit
 * significand of x87 physical register R_i; like every MMX instruction
 * these make the x87 stack MMX-shaped: TOP = 0 and all tags valid, and a
 * write sets R_i's sign and exponent to all ones (SDM Vol. 1 §9.5.1,
 * Table 9-1).  Pending unmasked x87 exceptions raise #MF first. */
static void movq_mmx_bridge(struct cpu *cpu, const struct insn *in)
{
    sse_require_reg(cpu, in);
    mmx_enter(cpu);
    if (in->pfx == PFX_F3) {
        cpu->xmm[in->reg].q[0] = mmx_read(cpu, in->rm);
        cpu->xmm[in->reg].q[1] = 0;
    } else {
        mmx_write(cpu, in->reg, cpu->xmm[in->rm].q[0]);
    }
    mmx_transition(cpu);
}

/* 0F 77: EMMS — leave MMX use: every x87 register tagged empty and, like
 * every MMX instruction, TOP = 0 (SDM Vol. 1 §9.5.1, Table 9-1). */
void exec_emms(struct cpu *cpu, const struct insn *in)
{
    if (in->lock || (cpu->cr0 & CR0_EM))
        cpu_fault(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_fault(cpu, EXC_NM, 0);
    mmx_enter(cpu);
    mmx_transition(cpu);
    cpu->ftw = 0xffff;
}

void exec_movq_store(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx == PFX_F3 || in->pfx == PFX_F2) {
        movq_mmx_bridge(cpu, in);
        return;
    }
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    uint64_t v = cpu->xmm[in->reg].q[0];
    if (in->mod == 3) {
        cpu->xmm[in->rm].q[0] = v;
        cpu->xmm[in->rm].q[1] = 0;
    } else {
        mem_write(cpu, insn_ea(cpu, in), 8, v);
    }
}

/* 0F 6F: MOVQ mm, mm/m64; 0F 7F: MOVQ mm/m64, mm (MMX). */
static void movq_mmx_load(struct cpu *cpu, const struct insn *in)
{
    mmx_check_usable(cpu, in);
    mmx_commit(cpu, in->reg, mmx_read_rm(cpu, in, 8));
}

static void movq_mmx_store(struct cpu *cpu, const struct insn *in)
{
    mmx_check_usable(cpu, in);
    uint64_t v = mmx_read(cpu, in->reg);
    if (in->mod == 3) {
        mmx_commit(cpu, in->rm, v);
        return;
    }
    mem_write(cpu, insn_ea(cpu, in), 8, v);
    mmx_transition(cpu);
}

/* 66 0F 6F / 7F: MOVDQA (aligned); F3 0F 6F / 7F: MOVDQU. */
void exec_movdq_load(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE) {
        movq_mmx_load(cpu, in);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66 && in->pfx != PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm v;
    sse_read_rm(cpu, in, &v, 16, in->pfx == PFX_66);
    cpu->xmm[in->reg] = v;
}

void exec_movdq_store(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE) {
        movq_mmx_store(cpu, in);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66 && in->pfx != PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm v = cpu->xmm[in->reg];
    store_rm(cpu, in, &v, 16, in->pfx == PFX_66);
}

/* 66 0F F7: MASKMOVDQU xmm1, xmm2 / 0F F7: MASKMOVQ mm1, mm2 (SSE) —
 * store the bytes of the first operand whose mask byte in the second has
 * bit 7 set to DS:[RDI] (EDI with a 67 prefix).  Checked byte by byte
 * like hardware: bytes before a faulting one may be written. */
void exec_maskmovdqu(struct cpu *cpu, const struct insn *in)
{
    bool mmx = in->pfx == PFX_NONE;
    if (mmx)
        mmx_check_usable(cpu, in);
    else
        sse_check_usable(cpu, in);
    if (!mmx && in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    sse_require_reg(cpu, in);
    uint64_t base = cpu->gpr[RDI];
    if (in->addrsize == 4)
        base = (uint32_t)base;
    if (in->seg == SEG_FS || in->seg == SEG_GS)
        base += cpu->seg[in->seg].base;
    union xmm v = {0}, mask = {0};
    if (mmx) {
        v.q[0] = mmx_read(cpu, in->reg);
        mask.q[0] = mmx_read(cpu, in->rm);
    } else {
        v = cpu->xmm[in->reg];
        mask = cpu->xmm[in->rm];
    }
    for (unsigned i = 0; i < (mmx ? 8u : 16u); i++)
        if (mask.b[i] & 0x80)
            mem_write(cpu, base + i, 1, v.b[i]);
    if (mmx)
        mmx_transition(cpu);
}
