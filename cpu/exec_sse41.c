/* exec_sse41.c — SSE4.1 (and SSE4.2's PCMPGTQ) on XMM registers, the
 * integer and data-movement instructions: variable and immediate blends,
 * PTEST, sign/zero extension (PMOVSX/PMOVZX), 64-bit multiply and compare,
 * PACKUSDW, signed/unsigned min/max, PMULLD, PHMINPOSUW, MPSADBW, MOVNTDQA
 * and the insert/extract family (PINSRB/D/Q, INSERTPS, PEXTRB/W/D/Q,
 * EXTRACTPS).  All take a 66 prefix.  SDM Vol. 2, the pages named below. */
#include "exec_sse.h"
#include "flags_eval.h"

#define OP(name) \
    static void name(union xmm *r, const union xmm *d, const union xmm *s, unsigned imm, \
                     const union xmm *x0, unsigned bytes __attribute__((unused)))
#define UNUSED_ARGS (void)imm, (void)x0

/* PBLENDVB/BLENDVPS/BLENDVPD: take s where XMM0's element sign bit is set. */
OP(pblendvb)
{
    (void)imm;
    for (int i = 0; i < 16; i++)
        r->b[i] = (x0->b[i] & 0x80) ? s->b[i] : d->b[i];
}
OP(blendvps)
{
    (void)imm;
    for (int i = 0; i < 4; i++)
        r->d[i] = (x0->d[i] >> 31) ? s->d[i] : d->d[i];
}
OP(blendvpd)
{
    (void)imm;
    for (int i = 0; i < 2; i++)
        r->q[i] = (x0->q[i] >> 63) ? s->q[i] : d->q[i];
}
/* BLENDPS/BLENDPD/PBLENDW: take s where imm8 bit i is set. */
OP(blendps)
{
    (void)x0;
    for (int i = 0; i < 4; i++)
        r->d[i] = (imm >> i) & 1 ? s->d[i] : d->d[i];
}
OP(blendpd)
{
    (void)x0;
    for (int i = 0; i < 2; i++)
        r->q[i] = (imm >> i) & 1 ? s->q[i] : d->q[i];
}
OP(pblendw)
{
    (void)x0;
    for (int i = 0; i < 8; i++)
        r->w[i] = (imm >> i) & 1 ? s->w[i] : d->w[i];
}

/* PMOVSX/PMOVZX: the low elements of s widened (the memory operand is
 * only as large as the elements used). */
#define PMOV(name, n, to, from_expr)                                                \
    OP(name)                                                                        \
    {                                                                               \
        UNUSED_ARGS;                                                                \
        (void)d;                                                                    \
        union xmm t;                                                                \
        for (int i = 0; i < (n); i++)                                               \
            t.to[i] = from_expr;                                                    \
        *r = t;                                                                     \
    }
PMOV(pmovsxbw, 8, w, (uint16_t)SB(s, i))
PMOV(pmovsxbd, 4, d, (uint32_t)SB(s, i))
PMOV(pmovsxbq, 2, q, (uint64_t)SB(s, i))
PMOV(pmovsxwd, 4, d, (uint32_t)SW(s, i))
PMOV(pmovsxwq, 2, q, (uint64_t)SW(s, i))
PMOV(pmovsxdq, 2, q, (uint64_t)SD(s, i))
PMOV(pmovzxbw, 8, w, s->b[i])
PMOV(pmovzxbd, 4, d, s->b[i])
PMOV(pmovzxbq, 2, q, s->b[i])
PMOV(pmovzxwd, 4, d, s->w[i])
PMOV(pmovzxwq, 2, q, s->w[i])
PMOV(pmovzxdq, 2, q, s->d[i])

#define LANES(name, n, stmt)                                                        \
    OP(name)                                                                        \
    {                                                                               \
        UNUSED_ARGS;                                                                \
        union xmm t;                                                                \
        for (int i = 0; i < (n); i++)                                               \
            stmt;                                                                   \
        *r = t;                                                                     \
    }
/* PMULDQ: signed products of the even dwords. */
LANES(pmuldq, 2, t.q[i] = (uint64_t)((int64_t)SD(d, 2 * i) * SD(s, 2 * i)))
LANES(pcmpeqq, 2, t.q[i] = d->q[i] == s->q[i] ? ~0ull : 0)
LANES(pcmpgtq, 2, t.q[i] = SQ(d, i) > SQ(s, i) ? ~0ull : 0)
LANES(pminsb, 16, t.b[i] = SB(d, i) < SB(s, i) ? d->b[i] : s->b[i])
LANES(pminsd, 4, t.d[i] = SD(d, i) < SD(s, i) ? d->d[i] : s->d[i])
LANES(pminuw, 8, t.w[i] = d->w[i] < s->w[i] ? d->w[i] : s->w[i])
LANES(pminud, 4, t.d[i] = d->d[i] < s->d[i] ? d->d[i] : s->d[i])
LANES(pmaxsb, 16, t.b[i] = SB(d, i) > SB(s, i) ? d->b[i] : s->b[i])
LANES(pmaxsd, 4, t.d[i] = SD(d, i) > SD(s, i) ? d->d[i] : s->d[i])
LANES(pmaxuw, 8, t.w[i] = d->w[i] > s->w[i] ? d->w[i] : s->w[i])
LANES(pmaxud, 4, t.d[i] = d->d[i] > s->d[i] ? d->d[i] : s->d[i])
/* PMULLD: the low 32 bits of the signed (= unsigned) products. */
LANES(pmulld, 4, t.d[i] = d->d[i] * s->d[i])

/* PACKUSDW: signed dwords to unsigned-saturated words, d low, s high. */
OP(packusdw)
{
    UNUSED_ARGS;
    union xmm t;
    for (int i = 0; i < 4; i++) {
        t.w[i] = sat_u16(SD(d, i));
        t.w[4 + i] = sat_u16(SD(s, i));
    }
    *r = t;
}

/* PHMINPOSUW: the minimum unsigned word of s and its (lowest) index. */
OP(phminposuw)
{
    UNUSED_ARGS;
    (void)d;
    unsigned best = 0;
    for (unsigned i = 1; i < 8; i++)
        if (s->w[i] < s->w[best])
            best = i;
    union xmm t = {0};
    t.w[0] = s->w[best];
    t.w[1] = (uint16_t)best;
    *r = t;
}

/* MPSADBW: eight sums of absolute differences of 4-byte groups: d's
 * bytes from offset imm[2]*4 (sliding by one per result), s's fixed group
 * imm[1:0]*4. */
OP(mpsadbw)
{
    (void)x0;
    unsigned off_d = (imm >> 2 & 1) * 4, off_s = (imm & 3) * 4;
    union xmm t;
    for (unsigned i = 0; i < 8; i++) {
        unsigned sum = 0;
        for (unsigned k = 0; k < 4; k++) {
            int a = d->b[off_d + i + k], b = s->b[off_s + k];
            sum += (unsigned)(a > b ? a - b : b - a);
        }
        t.w[i] = (uint16_t)sum;
    }
    *r = t;
}

/* MOVNTDQA: an aligned load (the non-temporal hint has no effect here). */
OP(movntdqa)
{
    UNUSED_ARGS;
    (void)d;
    *r = *s;
}

static const struct xmm_op sse41_ops[256] = {
    [0x10] = {pblendvb, 16, true}, [0x14] = {blendvps, 16, true}, [0x15] = {blendvpd, 16, true},
    [0x20] = {pmovsxbw, 8, false}, [0x21] = {pmovsxbd, 4, false}, [0x22] = {pmovsxbq, 2, false},
    [0x23] = {pmovsxwd, 8, false}, [0x24] = {pmovsxwq, 4, false}, [0x25] = {pmovsxdq, 8, false},
    [0x28] = {pmuldq, 16, true},   [0x29] = {pcmpeqq, 16, true},  [0x2a] = {movntdqa, 16, true},
    [0x2b] = {packusdw, 16, true},
    [0x30] = {pmovzxbw, 8, false}, [0x31] = {pmovzxbd, 4, false}, [0x32] = {pmovzxbq, 2, false},
    [0x33] = {pmovzxwd, 8, false}, [0x34] = {pmovzxwq, 4, false}, [0x35] = {pmovzxdq, 8, false},
    [0x37] = {pcmpgtq, 16, true},
    [0x38] = {pminsb, 16, true},   [0x39] = {pminsd, 16, true},   [0x3a] = {pminuw, 16, true},
    [0x3b] = {pminud, 16, true},   [0x3c] = {pmaxsb, 16, true},   [0x3d] = {pmaxsd, 16, true},
    [0x3e] = {pmaxuw, 16, true},   [0x3f] = {pmaxud, 16, true},   [0x40] = {pmulld, 16, true},
    [0x41] = {phminposuw, 16, true},
};

static const struct xmm_op sse41_imm_ops[256] = {
    [0x0c] = {blendps, 16, true}, [0x0d] = {blendpd, 16, true}, [0x0e] = {pblendw, 16, true},
    [0x42] = {mpsadbw, 16, true},
};

/* 66 0F 38 xx: the two-operand SSE4.1/4.2 integer instructions. */
void exec_sse41(struct cpu *cpu, const struct insn *in)
{
    if (in->op == 0x2a)
        sse_require_mem(cpu, in);          /* MOVNTDQA: memory only */
    sse_exec_xmm_op(cpu, in, &sse41_ops[in->op]);
}

/* 66 0F 3A xx: the blends with an immediate and MPSADBW. */
void exec_sse41_imm(struct cpu *cpu, const struct insn *in)
{
    sse_exec_xmm_op(cpu, in, &sse41_imm_ops[in->op]);
}

/* 66 0F 38 17: PTEST — ZF = (d AND s) is all zero, CF = (NOT d AND s) is
 * all zero; AF OF PF SF cleared. */
void exec_ptest(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s;
    sse_read_rm(cpu, in, &s, 16, true);
    const union xmm *d = &cpu->xmm[in->reg];
    bool zf = !((d->q[0] & s.q[0]) | (d->q[1] & s.q[1]));
    bool cf = !((~d->q[0] & s.q[0]) | (~d->q[1] & s.q[1]));
    flags_update(cpu, RF_STATUS, (zf ? RF_ZF : 0) | (cf ? RF_CF : 0));
}

/* 66 0F 3A 14-17: PEXTRB/PEXTRW/PEXTRD/PEXTRQ/EXTRACTPS r/m, xmm, imm8 —
 * the element imm8 selects (modulo the element count) stored to memory
 * (element size) or zero-extended into a general register (32 bits, or 64
 * with REX.W for PEXTRQ; PEXTRB/W/EXTRACTPS zero-extend to 64). */
void exec_pextr(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    const union xmm *x = &cpu->xmm[in->reg];
    unsigned imm = (uint8_t)in->imm, size;
    uint64_t v;
    switch (in->op) {
    case 0x14: size = 1; v = x->b[imm & 15]; break;
    case 0x15: size = 2; v = x->w[imm & 7]; break;
    case 0x16:
        if (in->rex & 8) {
            size = 8;
            v = x->q[imm & 1];
        } else {
            size = 4;
            v = x->d[imm & 3];
        }
        break;
    default: size = 4; v = x->d[imm & 3]; break;
    }
    if (in->mod == 3)
        cpu->gpr[in->rm] = v;
    else
        mem_write(cpu, insn_ea(cpu, in), size, v);
}

/* 66 0F 3A 20/22: PINSRB xmm, r32/m8 / PINSRD/PINSRQ xmm, r/m32/64, imm8
 * — the element imm8 selects replaced.  66 0F 3A 21: INSERTPS xmm,
 * xmm/m32, imm8 — the single imm8[7:6] selects from a register source (a
 * memory source is that single) into element imm8[5:4], then the elements
 * in the zero mask imm8[3:0] cleared. */
void exec_pinsr(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned imm = (uint8_t)in->imm;
    union xmm x = cpu->xmm[in->reg];
    if (in->op == 0x21) {
        uint32_t v = in->mod == 3 ? cpu->xmm[in->rm].d[imm >> 6]
                                  : (uint32_t)mem_read(cpu, insn_ea(cpu, in), 4);
        x.d[(imm >> 4) & 3] = v;
        for (int i = 0; i < 4; i++)
            if ((imm >> i) & 1)
                x.d[i] = 0;
    } else {
        unsigned size = in->op == 0x20 ? 1 : (in->rex & 8) ? 8 : 4;
        uint64_t v = in->mod == 3 ? cpu->gpr[in->rm] : mem_read(cpu, insn_ea(cpu, in), size);
        switch (size) {
        case 1: x.b[imm & 15] = (uint8_t)v; break;
        case 4: x.d[imm & 3] = (uint32_t)v; break;
        default: x.q[imm & 1] = v; break;
        }
    }
    cpu->xmm[in->reg] = x;
}
