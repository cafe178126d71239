/* exec_sse3.c — SSE3 on XMM registers: ADDSUBPS/PD (F2/66 0F D0),
 * HADDPS/PD (F2/66 0F 7C), HSUBPS/PD (F2/66 0F 7D), MOVSLDUP (F3 0F 12),
 * MOVDDUP (F2 0F 12), MOVSHDUP (F3 0F 16), LDDQU (F2 0F F0).  (FISTTP,
 * SSE3's x87 store, is in exec_x87.c.)  SDM Vol. 2, those pages.
 *
 * The arithmetic runs on the host's SSE unit like the SSE2 arithmetic
 * (exec_sse_fp.c); with OE or UE unmasked the flags come from
 * sse_unmasked_post_flags() applied lane by lane to the pairs each result
 * lane adds or subtracts. */
#include "exec_sse.h"

SSE_HOST_OP(host_addsubps, "addsubps")
SSE_HOST_OP(host_addsubpd, "addsubpd")
SSE_HOST_OP(host_haddps, "haddps")
SSE_HOST_OP(host_haddpd, "haddpd")
SSE_HOST_OP(host_hsubps, "hsubps")
SSE_HOST_OP(host_hsubpd, "hsubpd")

/* The exception flags of the lanes of an SSE3 operation when OE or UE is
 * unmasked: each result lane is one add or subtract of two elements. */
static uint32_t post_flags(const struct cpu *cpu, unsigned op, bool dbl, const union xmm *d,
                           const union xmm *s)
{
    union xmm a = {0}, b = {0};
    if (op == 0xd0) {
        /* ADDSUB: even lanes d - s, odd lanes d + s. */
        union xmm a2 = {0}, b2 = {0};
        unsigned lanes = dbl ? 2 : 4;
        for (unsigned i = 0; i < lanes; i++) {
            union xmm *x = (i & 1) ? &a2 : &a, *y = (i & 1) ? &b2 : &b;
            if (dbl) {
                x->q[i] = d->q[i];
                y->q[i] = s->q[i];
            } else {
                x->d[i] = d->d[i];
                y->d[i] = s->d[i];
            }
        }
        return sse_unmasked_post_flags(cpu, POST_SUB, lanes, dbl, &a, &b) |
               sse_unmasked_post_flags(cpu, POST_ADD, lanes, dbl, &a2, &b2);
    }
    /* HADD/HSUB: lane i of the result combines elements 2i and 2i+1 of d
     * (low half) or of s (high half). */
    if (dbl) {
        a.q[0] = d->q[0], b.q[0] = d->q[1];
        a.q[1] = s->q[0], b.q[1] = s->q[1];
    } else {
        a.d[0] = d->d[0], b.d[0] = d->d[1], a.d[1] = d->d[2], b.d[1] = d->d[3];
        a.d[2] = s->d[0], b.d[2] = s->d[1], a.d[3] = s->d[2], b.d[3] = s->d[3];
    }
    return sse_unmasked_post_flags(cpu, op == 0x7c ? POST_ADD : POST_SUB, dbl ? 2 : 4, dbl, &a, &b);
}

/* 0F D0 / 7C / 7D with 66 (packed double) or F2 (packed single). */
void exec_sse3_fp(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66 && in->pfx != PFX_F2)
        cpu_fault(cpu, EXC_UD, 0);
    bool dbl = in->pfx == PFX_66;
    sse_host_fn fn = in->op == 0xd0 ? (dbl ? host_addsubpd : host_addsubps)
                   : in->op == 0x7c ? (dbl ? host_haddpd : host_haddps)
                                    : (dbl ? host_hsubpd : host_hsubps);
    union xmm s, r = cpu->xmm[in->reg];
    sse_read_rm(cpu, in, &s, 16, true);
    uint32_t after = fn(sse_host_mxcsr(cpu), &r, &s);
    const uint32_t om_um = (MXCSR_OE | MXCSR_UE) << MXCSR_MASK_SHIFT;
    if ((cpu->mxcsr & om_um) != om_um)
        after = post_flags(cpu, in->op, dbl, &cpu->xmm[in->reg], &s);
    sse_fp_report(cpu, after);
    cpu->xmm[in->reg] = r;
}

/* F3 0F 12 MOVSLDUP / F3 0F 16 MOVSHDUP xmm, xmm/m128: the even / odd
 * singles duplicated; F2 0F 12 MOVDDUP xmm, xmm/m64: the low double
 * duplicated (an unaligned 8-byte load). */
void exec_sse3_dup(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    union xmm s, r;
    if (in->pfx == PFX_F2) {
        if (in->op != 0x12)
            cpu_fault(cpu, EXC_UD, 0);
        sse_read_rm(cpu, in, &s, 8, false);
        r.q[0] = r.q[1] = s.q[0];
    } else {
        sse_read_rm(cpu, in, &s, 16, true);
        unsigned odd = in->op == 0x16;
        r.d[0] = r.d[1] = s.d[odd];
        r.d[2] = r.d[3] = s.d[2 + odd];
    }
    cpu->xmm[in->reg] = r;
}

/* F2 0F F0: LDDQU xmm, m128 — an unaligned 16-byte load. */
void exec_lddqu(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    sse_require_mem(cpu, in);
    if (in->pfx != PFX_F2)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s;
    sse_read_rm(cpu, in, &s, 16, false);
    cpu->xmm[in->reg] = s;
}
