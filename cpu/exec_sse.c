/* exec_sse.c — the helpers the SSE/SSE2 family's files share:
 * availability checks, XMM/memory operands with the alignment rule, and
 * MXCSR exception reporting.  See exec_sse.h for the file split. */
#include "exec_sse.h"

void sse_check_usable(struct cpu *cpu, const struct insn *in)
{
    if (in->lock || (cpu->cr0 & CR0_EM))
        cpu_fault(cpu, EXC_UD, 0);
    if (cpu->cr0 & CR0_TS)
        cpu_fault(cpu, EXC_NM, 0);
}

void sse_require_reg(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3)
        cpu_fault(cpu, EXC_UD, 0);
}

void sse_require_mem(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        cpu_fault(cpu, EXC_UD, 0);
}

uint64_t sse_ea(struct cpu *cpu, const struct insn *in, bool aligned)
{
    uint64_t ea = insn_ea(cpu, in);
    if (aligned && (ea & 15))
        cpu_fault(cpu, EXC_GP, 0);
    return ea;
}

void sse_read_rm(struct cpu *cpu, const struct insn *in, union xmm *out, unsigned size,
                 bool aligned)
{
    if (in->mod == 3) {
        *out = cpu->xmm[in->rm];
        return;
    }
    uint64_t ea = sse_ea(cpu, in, aligned && size == 16);
    union xmm v = {0};
    mem_read_buf(cpu, ea, &v, size);
    *out = v;
}

void sse_fp_report(struct cpu *cpu, uint32_t flags)
{
    flags &= MXCSR_FLAGS;
    uint32_t unmasked = flags & ~(cpu->mxcsr >> MXCSR_MASK_SHIFT);
    if (!unmasked) {
        cpu->mxcsr |= flags;
        return;
    }
    const uint32_t pre = MXCSR_IE | MXCSR_DE | MXCSR_ZE;
    cpu->mxcsr |= (unmasked & pre) ? (flags & pre) : flags;
    cpu_fault(cpu, (cpu->cr4 & CR4_OSXMMEXCPT) ? EXC_XM : EXC_UD, 0);
}

void sse_exec_fp_form(struct cpu *cpu, const struct insn *in, const struct sse_fp_form forms[4])
{
    sse_check_usable(cpu, in);
    const struct sse_fp_form *f = &forms[in->pfx];
    if (!f->fn)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s, r = cpu->xmm[in->reg];
    sse_read_rm(cpu, in, &s, f->size, true);
    uint32_t after = f->fn(sse_host_mxcsr(cpu), &r, &s);
    const uint32_t om_um = (MXCSR_OE | MXCSR_UE) << MXCSR_MASK_SHIFT;
    if (f->post != POST_NONE && (cpu->mxcsr & om_um) != om_um)
        after = sse_unmasked_post_flags(cpu, f->post, f->lanes, f->dbl, &cpu->xmm[in->reg], &s);
    sse_fp_report(cpu, after);
    cpu->xmm[in->reg] = r;
}

void sse_exec_xmm_op(struct cpu *cpu, const struct insn *in, const struct xmm_op *op)
{
    if (in->pfx == PFX_NONE && op->mmx && op->fn) {
        mmx_check_usable(cpu, in);
        union xmm d = {0}, s = {0}, r = {0};
        d.q[0] = mmx_read(cpu, in->reg);
        s.q[0] = mmx_read_rm(cpu, in, 8);
        op->fn(&r, &d, &s, (uint8_t)in->imm, &cpu->xmm[0], 8);
        mmx_commit(cpu, in->reg, r.q[0]);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66 || !op->fn)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s, r;
    if (in->mod == 3) {
        s = cpu->xmm[in->rm];
    } else {
        uint64_t ea = sse_ea(cpu, in, op->aligned && op->size == 16);
        s = (union xmm){0};
        mem_read_buf(cpu, ea, &s, op->size);
    }
    op->fn(&r, &cpu->xmm[in->reg], &s, (uint8_t)in->imm, &cpu->xmm[0], 16);
    cpu->xmm[in->reg] = r;
}

void mmx_enter(struct cpu *cpu)
{
    if ((cpu->fsw & 0x80) && (cpu->cr0 & CR0_NE))
        cpu_fault(cpu, EXC_MF, 0);             /* FSW.ES: a pending x87 exception */
}

void mmx_transition(struct cpu *cpu)
{
    cpu->ftop = 0;
    cpu->fsw &= (uint16_t)~(7u << 11);         /* FSW.TOP */
    cpu->ftw = 0;                              /* all eight registers valid */
}

uint64_t mmx_read(const struct cpu *cpu, unsigned i)
{
    uint64_t v;
    memcpy(&v, &cpu->fpr[i & 7], 8);
    return v;
}

void mmx_write(struct cpu *cpu, unsigned i, uint64_t v)
{
    uint8_t raw[sizeof(long double)] = {0};
    memcpy(raw, &v, 8);
    raw[8] = raw[9] = 0xff;
    memcpy(&cpu->fpr[i & 7], raw, sizeof raw);
}

void mmx_check_usable(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    mmx_enter(cpu);
}

uint64_t mmx_read_rm(struct cpu *cpu, const struct insn *in, unsigned size)
{
    if (in->mod == 3)
        return mmx_read(cpu, in->rm);
    return mem_read(cpu, insn_ea(cpu, in), size);
}

void mmx_commit(struct cpu *cpu, unsigned i, uint64_t v)
{
    mmx_write(cpu, i, v);
    mmx_transition(cpu);
}
