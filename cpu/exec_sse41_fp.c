/* exec_sse41_fp.c — the SSE4.1 floating-point instructions: ROUNDPS,
 * ROUNDPD, ROUNDSS, ROUNDSD (66 0F 3A 08-0B) and the dot products DPPS,
 * DPPD (66 0F 3A 40/41).  Like the SSE2 arithmetic (exec_sse_fp.c) they
 * run on the host's SSE unit under the guest's MXCSR controls with every
 * exception masked; the imm8 is part of the host instruction, so there is
 * one host function per imm8 value the instruction distinguishes (ROUND:
 * imm8[3:0], the upper bits are reserved and ignored; DPPS/DPPD: all 8
 * bits).  Rounding to an integral value cannot overflow or underflow; the
 * dot products' intermediate products and sums can: with OE or UE
 * unmasked, their flags are recomputed stage by stage (the products, then
 * each level of sums), stopping at the first stage that raises an
 * unmasked exception, as the host CPU does. */
#include "exec_sse.h"

#define HEX16(M, ...)                                                                   \
    M(__VA_ARGS__, 0) M(__VA_ARGS__, 1) M(__VA_ARGS__, 2) M(__VA_ARGS__, 3)              \
    M(__VA_ARGS__, 4) M(__VA_ARGS__, 5) M(__VA_ARGS__, 6) M(__VA_ARGS__, 7)              \
    M(__VA_ARGS__, 8) M(__VA_ARGS__, 9) M(__VA_ARGS__, a) M(__VA_ARGS__, b)              \
    M(__VA_ARGS__, c) M(__VA_ARGS__, d) M(__VA_ARGS__, e) M(__VA_ARGS__, f)

/* The same, for the outer of two nested expansions (a macro cannot
 * expand itself). */
#define HEX16_OUTER(M, ...)                                                             \
    M(__VA_ARGS__, 0) M(__VA_ARGS__, 1) M(__VA_ARGS__, 2) M(__VA_ARGS__, 3)              \
    M(__VA_ARGS__, 4) M(__VA_ARGS__, 5) M(__VA_ARGS__, 6) M(__VA_ARGS__, 7)              \
    M(__VA_ARGS__, 8) M(__VA_ARGS__, 9) M(__VA_ARGS__, a) M(__VA_ARGS__, b)              \
    M(__VA_ARGS__, c) M(__VA_ARGS__, d) M(__VA_ARGS__, e) M(__VA_ARGS__, f)

/* host_<op>_<hi><lo>: the host instruction with imm8 0x<hi><lo>. */
#define IMM_OP(op, hi, lo) SSE_HOST_OP(host_##op##_##hi##lo, #op " $0x" #hi #lo ",")
#define IMM_REF(op, hi, lo) host_##op##_##hi##lo,
#define IMM_ROW(op, hi) HEX16(IMM_OP, op, hi)
#define IMM_ROW_REF(op, hi) HEX16(IMM_REF, op, hi)

IMM_ROW(roundps, 0)
IMM_ROW(roundpd, 0)
IMM_ROW(roundss, 0)
IMM_ROW(roundsd, 0)
HEX16_OUTER(IMM_ROW, dpps)
HEX16_OUTER(IMM_ROW, dppd)

static const sse_host_fn round_fns[4][16] = {
    {IMM_ROW_REF(roundps, 0)}, {IMM_ROW_REF(roundpd, 0)},
    {IMM_ROW_REF(roundss, 0)}, {IMM_ROW_REF(roundsd, 0)},
};
static const sse_host_fn dpps_fns[256] = {HEX16_OUTER(IMM_ROW_REF, dpps)};
static const sse_host_fn dppd_fns[256] = {HEX16_OUTER(IMM_ROW_REF, dppd)};

SSE_HOST_OP(host_mulps, "mulps")
SSE_HOST_OP(host_mulpd, "mulpd")
SSE_HOST_OP(host_addps, "addps")

/* The exception flags of DPPS/DPPD (imm8[7:4]: the elements multiplied;
 * the others count as +0) when OE or UE is unmasked: the products, the
 * pairwise sums, and (DPPS) the final sum, each stage's flags from
 * sse_unmasked_post_flags(); the first stage with an unmasked exception
 * ends the instruction, so later stages add nothing. */
static uint32_t dp_unmasked_flags(const struct cpu *cpu, bool dbl, unsigned imm,
                                  const union xmm *d, const union xmm *s)
{
    const uint32_t unmasked = ~(cpu->mxcsr >> MXCSR_MASK_SHIFT) & MXCSR_FLAGS;
    unsigned lanes = dbl ? 2 : 4;
    union xmm a = {0}, b = {0}, p;
    for (unsigned i = 0; i < lanes; i++)
        if ((imm >> (4 + i)) & 1) {
            if (dbl)
                a.q[i] = d->q[i], b.q[i] = s->q[i];
            else
                a.d[i] = d->d[i], b.d[i] = s->d[i];
        }
    uint32_t flags = sse_unmasked_post_flags(cpu, POST_MUL, lanes, dbl, &a, &b);
    if (flags & unmasked)
        return flags;
    p = a;
    (dbl ? host_mulpd : host_mulps)(sse_host_mxcsr(cpu), &p, &b);
    /* Sums of pairs: lane 0 + lane 1 (and, for singles, lane 2 + lane 3). */
    union xmm x = {0}, y = {0};
    if (dbl) {
        x.q[0] = p.q[0], y.q[0] = p.q[1];
    } else {
        x.d[0] = p.d[0], y.d[0] = p.d[1], x.d[1] = p.d[2], y.d[1] = p.d[3];
    }
    flags |= sse_unmasked_post_flags(cpu, POST_ADD, dbl ? 1 : 2, dbl, &x, &y);
    if ((flags & unmasked) || dbl)
        return flags;
    (host_addps)(sse_host_mxcsr(cpu), &x, &y);
    union xmm t0 = {0}, t1 = {0};
    t0.d[0] = x.d[0], t1.d[0] = x.d[1];
    return flags | sse_unmasked_post_flags(cpu, POST_ADD, 1, false, &t0, &t1);
}

/* 66 0F 3A 08-0B: ROUNDPS/PD xmm, xmm/m128 (aligned), ROUNDSS/SD xmm,
 * xmm/m32/m64, imm8 — imm8[1:0] the rounding mode unless imm8[2] (use
 * MXCSR.RC), imm8[3] suppresses the precision exception.
 * 66 0F 3A 40/41: DPPS/DPPD xmm, xmm/m128 (aligned), imm8. */
void exec_sse41_fp(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned imm = (uint8_t)in->imm, size = 16;
    sse_host_fn fn;
    if (in->op >= 0x08 && in->op <= 0x0b) {
        fn = round_fns[in->op - 0x08][imm & 15];
        size = in->op == 0x0a ? 4 : in->op == 0x0b ? 8 : 16;
    } else {
        fn = in->op == 0x40 ? dpps_fns[imm] : dppd_fns[imm];
    }
    union xmm s, r = cpu->xmm[in->reg];
    sse_read_rm(cpu, in, &s, size, true);
    uint32_t after = fn(sse_host_mxcsr(cpu), &r, &s);
    const uint32_t om_um = (MXCSR_OE | MXCSR_UE) << MXCSR_MASK_SHIFT;
    if ((in->op == 0x40 || in->op == 0x41) && (cpu->mxcsr & om_um) != om_um)
        after = dp_unmasked_flags(cpu, in->op == 0x41, imm, &cpu->xmm[in->reg], &s);
    sse_fp_report(cpu, after);
    cpu->xmm[in->reg] = r;
}
