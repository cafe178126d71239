/* exec_sse_int.c — the packed-integer instructions of MMX, SSE and SSE2,
 * on XMM registers (66 prefix, 16 bytes) and on MMX registers (no prefix,
 * 8 bytes; SDM Vol. 1 ch. 9) by one function per instruction that works
 * over `bytes` bytes of its operands: add/subtract with wrap-around and
 * saturation, multiplies, logic, compares, shifts, unpacks, packs,
 * shuffles, PINSRW/PEXTRW, averages, min/max, PSADBW and PMOVMSKB.
 * SDM Vol. 2, the instruction pages named in each table entry. */
#include "exec_sse.h"

/* r = d OP s over `bytes` (16: XMM, 8: MMX) bytes of the operands. */
typedef void (*pint_fn)(union xmm *r, const union xmm *d, const union xmm *s, unsigned bytes);
#define PINT(name) \
    static void name(union xmm *r, const union xmm *d, const union xmm *s, unsigned bytes)

/* One function per instruction: r = d OP s, element-wise over the `n`
 * lanes an XMM register holds (n / 2 in an MMX register). */
#define LANEWISE(name, n, stmt)                                                  \
    PINT(name)                                                                   \
    {                                                                            \
        for (unsigned i = 0; i < (n) * bytes / 16; i++)                          \
            stmt;                                                                \
    }

/* PADDB/W/D/Q, PSUBB/W/D/Q: wrap-around. */
LANEWISE(paddb, 16, r->b[i] = (uint8_t)(d->b[i] + s->b[i]))
LANEWISE(paddw, 8, r->w[i] = (uint16_t)(d->w[i] + s->w[i]))
LANEWISE(paddd, 4, r->d[i] = d->d[i] + s->d[i])
LANEWISE(paddq, 2, r->q[i] = d->q[i] + s->q[i])
LANEWISE(psubb, 16, r->b[i] = (uint8_t)(d->b[i] - s->b[i]))
LANEWISE(psubw, 8, r->w[i] = (uint16_t)(d->w[i] - s->w[i]))
LANEWISE(psubd, 4, r->d[i] = d->d[i] - s->d[i])
LANEWISE(psubq, 2, r->q[i] = d->q[i] - s->q[i])
/* PADDSB/W, PSUBSB/W (signed saturation), PADDUSB/W, PSUBUSB/W (unsigned). */
LANEWISE(paddsb, 16, r->b[i] = sat_s8(SB(d, i) + SB(s, i)))
LANEWISE(paddsw, 8, r->w[i] = sat_s16(SW(d, i) + SW(s, i)))
LANEWISE(psubsb, 16, r->b[i] = sat_s8(SB(d, i) - SB(s, i)))
LANEWISE(psubsw, 8, r->w[i] = sat_s16(SW(d, i) - SW(s, i)))
LANEWISE(paddusb, 16, r->b[i] = sat_u8(d->b[i] + s->b[i]))
LANEWISE(paddusw, 8, r->w[i] = sat_u16(d->w[i] + s->w[i]))
LANEWISE(psubusb, 16, r->b[i] = sat_u8(d->b[i] - s->b[i]))
LANEWISE(psubusw, 8, r->w[i] = sat_u16(d->w[i] - s->w[i]))
/* PMULLW, PMULHW, PMULHUW: low or high half of the 32-bit products. */
LANEWISE(pmullw, 8, r->w[i] = (uint16_t)((uint32_t)d->w[i] * s->w[i]))
LANEWISE(pmulhw, 8, r->w[i] = (uint16_t)((SW(d, i) * SW(s, i)) >> 16))
LANEWISE(pmulhuw, 8, r->w[i] = (uint16_t)(((uint32_t)d->w[i] * s->w[i]) >> 16))
/* PMULUDQ: even dwords, unsigned, 64-bit products. */
LANEWISE(pmuludq, 2, r->q[i] = (uint64_t)d->d[2 * i] * s->d[2 * i])
/* PMADDWD: adjacent signed word products summed (0x8000*0x8000*2 wraps). */
LANEWISE(pmaddwd, 4,
         r->d[i] = (uint32_t)((int64_t)SW(d, 2 * i) * SW(s, 2 * i) +
                              (int64_t)SW(d, 2 * i + 1) * SW(s, 2 * i + 1)))
/* PAND, PANDN (NOT d AND s), POR, PXOR. */
LANEWISE(pand, 2, r->q[i] = d->q[i] & s->q[i])
LANEWISE(pandn, 2, r->q[i] = ~d->q[i] & s->q[i])
LANEWISE(por, 2, r->q[i] = d->q[i] | s->q[i])
LANEWISE(pxor, 2, r->q[i] = d->q[i] ^ s->q[i])
/* PCMPEQB/W/D, PCMPGTB/W/D (signed): all-ones where true. */
LANEWISE(pcmpeqb, 16, r->b[i] = d->b[i] == s->b[i] ? 0xff : 0)
LANEWISE(pcmpeqw, 8, r->w[i] = d->w[i] == s->w[i] ? 0xffff : 0)
LANEWISE(pcmpeqd, 4, r->d[i] = d->d[i] == s->d[i] ? ~0u : 0)
LANEWISE(pcmpgtb, 16, r->b[i] = SB(d, i) > SB(s, i) ? 0xff : 0)
LANEWISE(pcmpgtw, 8, r->w[i] = SW(d, i) > SW(s, i) ? 0xffff : 0)
LANEWISE(pcmpgtd, 4, r->d[i] = SD(d, i) > SD(s, i) ? ~0u : 0)
/* PMINUB, PMAXUB, PMINSW, PMAXSW, PAVGB, PAVGW (rounded up). */
LANEWISE(pminub, 16, r->b[i] = d->b[i] < s->b[i] ? d->b[i] : s->b[i])
LANEWISE(pmaxub, 16, r->b[i] = d->b[i] > s->b[i] ? d->b[i] : s->b[i])
LANEWISE(pminsw, 8, r->w[i] = SW(d, i) < SW(s, i) ? d->w[i] : s->w[i])
LANEWISE(pmaxsw, 8, r->w[i] = SW(d, i) > SW(s, i) ? d->w[i] : s->w[i])
LANEWISE(pavgb, 16, r->b[i] = (uint8_t)((d->b[i] + s->b[i] + 1) >> 1))
LANEWISE(pavgw, 8, r->w[i] = (uint16_t)((d->w[i] + s->w[i] + 1) >> 1))

/* PSADBW: per quadword, the sum of absolute byte differences in the low
 * word, the other words zero. */
PINT(psadbw)
{
    for (unsigned q = 0; q < bytes / 8; q++) {
        unsigned sum = 0;
        for (unsigned i = 8 * q; i < 8 * q + 8; i++)
            sum += d->b[i] > s->b[i] ? d->b[i] - s->b[i] : s->b[i] - d->b[i];
        r->q[q] = sum;
    }
}

/* PUNPCKLBW..PUNPCKHQDQ: interleave elements of `size` bytes from the low
 * or high half of d and s (d first). */
static void unpack(union xmm *r, const union xmm *d, const union xmm *s, unsigned bytes,
                   unsigned size, bool high)
{
    unsigned half = high ? bytes / 2 : 0;
    union xmm t = {0};
    for (unsigned i = 0; i < bytes / 2 / size; i++) {
        memcpy(&t.b[2 * i * size], &d->b[half + i * size], size);
        memcpy(&t.b[(2 * i + 1) * size], &s->b[half + i * size], size);
    }
    *r = t;
}
#define UNPACK(name, size, high)                                            \
    PINT(name)                                                              \
    {                                                                       \
        unpack(r, d, s, bytes, size, high);                                 \
    }
UNPACK(punpcklbw, 1, false)
UNPACK(punpcklwd, 2, false)
UNPACK(punpckldq, 4, false)
UNPACK(punpcklqdq, 8, false)
UNPACK(punpckhbw, 1, true)
UNPACK(punpckhwd, 2, true)
UNPACK(punpckhdq, 4, true)
UNPACK(punpckhqdq, 8, true)

/* PACKSSWB, PACKUSWB (signed words to unsigned bytes), PACKSSDW: d's
 * elements fill the low half, s's the high half. */
PINT(packsswb)
{
    union xmm t = {0};
    unsigned n = bytes / 2;
    for (unsigned i = 0; i < n; i++) {
        t.b[i] = sat_s8(SW(d, i));
        t.b[n + i] = sat_s8(SW(s, i));
    }
    *r = t;
}
PINT(packuswb)
{
    union xmm t = {0};
    unsigned n = bytes / 2;
    for (unsigned i = 0; i < n; i++) {
        t.b[i] = sat_u8(SW(d, i));
        t.b[n + i] = sat_u8(SW(s, i));
    }
    *r = t;
}
PINT(packssdw)
{
    union xmm t = {0};
    unsigned n = bytes / 4;
    for (unsigned i = 0; i < n; i++) {
        t.w[i] = sat_s16(SD(d, i));
        t.w[n + i] = sat_s16(SD(s, i));
    }
    *r = t;
}

/* Logical and arithmetic shifts of every `bits`-wide lane by a count;
 * a count of the lane width or more gives 0 (logical) or the sign fill
 * (arithmetic) — SDM PSRLW/PSRAW/PSLLW pages. */
enum shift_kind { SHIFT_LEFT, SHIFT_RIGHT_LOGICAL, SHIFT_RIGHT_ARITH };

static void shift_lanes(union xmm *x, unsigned bytes, unsigned bits, enum shift_kind kind,
                        uint64_t count)
{
    for (unsigned i = 0; i < 8 * bytes / bits; i++) {
        uint64_t v, sign;
        switch (bits) {
        case 16: v = x->w[i]; break;
        case 32: v = x->d[i]; break;
        default: v = x->q[i]; break;
        }
        sign = (v >> (bits - 1)) & 1;
        if (kind == SHIFT_RIGHT_ARITH) {
            unsigned c = count > bits - 1 ? bits - 1 : (unsigned)count;
            uint64_t fill = sign ? size_mask(bits / 8) & ~(size_mask(bits / 8) >> c) : 0;
            v = (v >> c) | fill;
        } else if (count >= bits) {
            v = 0;
        } else {
            v = kind == SHIFT_LEFT ? v << count : v >> count;
        }
        v &= size_mask(bits / 8);
        switch (bits) {
        case 16: x->w[i] = (uint16_t)v; break;
        case 32: x->d[i] = (uint32_t)v; break;
        default: x->q[i] = v; break;
        }
    }
}

#define SHIFT_BY_XMM(name, bits, kind)                                      \
    PINT(name)                                                              \
    {                                                                       \
        *r = *d;                                                            \
        shift_lanes(r, bytes, bits, kind, s->q[0]);                         \
    }
SHIFT_BY_XMM(psllw, 16, SHIFT_LEFT)
SHIFT_BY_XMM(pslld, 32, SHIFT_LEFT)
SHIFT_BY_XMM(psllq, 64, SHIFT_LEFT)
SHIFT_BY_XMM(psrlw, 16, SHIFT_RIGHT_LOGICAL)
SHIFT_BY_XMM(psrld, 32, SHIFT_RIGHT_LOGICAL)
SHIFT_BY_XMM(psrlq, 64, SHIFT_RIGHT_LOGICAL)
SHIFT_BY_XMM(psraw, 16, SHIFT_RIGHT_ARITH)
SHIFT_BY_XMM(psrad, 32, SHIFT_RIGHT_ARITH)

/* The 0F xx packed-integer instructions of the form xmm1, xmm2/m128 (66)
 * and mm1, mm2/m64 (no prefix; not PUNPCKLQDQ/PUNPCKHQDQ). */
static pint_fn const pint_ops[256] = {
    [0x60] = punpcklbw, [0x61] = punpcklwd, [0x62] = punpckldq, [0x63] = packsswb,
    [0x64] = pcmpgtb,   [0x65] = pcmpgtw,   [0x66] = pcmpgtd,   [0x67] = packuswb,
    [0x68] = punpckhbw, [0x69] = punpckhwd, [0x6a] = punpckhdq, [0x6b] = packssdw,
    [0x6c] = punpcklqdq, [0x6d] = punpckhqdq,
    [0x74] = pcmpeqb,   [0x75] = pcmpeqw,   [0x76] = pcmpeqd,
    [0xd1] = psrlw,     [0xd2] = psrld,     [0xd3] = psrlq,     [0xd4] = paddq,
    [0xd5] = pmullw,
    [0xd8] = psubusb,   [0xd9] = psubusw,   [0xda] = pminub,    [0xdb] = pand,
    [0xdc] = paddusb,   [0xdd] = paddusw,   [0xde] = pmaxub,    [0xdf] = pandn,
    [0xe0] = pavgb,     [0xe1] = psraw,     [0xe2] = psrad,     [0xe3] = pavgw,
    [0xe4] = pmulhuw,   [0xe5] = pmulhw,
    [0xe8] = psubsb,    [0xe9] = psubsw,    [0xea] = pminsw,    [0xeb] = por,
    [0xec] = paddsb,    [0xed] = paddsw,    [0xee] = pmaxsw,    [0xef] = pxor,
    [0xf1] = psllw,     [0xf2] = pslld,     [0xf3] = psllq,     [0xf4] = pmuludq,
    [0xf5] = pmaddwd,   [0xf6] = psadbw,
    [0xf8] = psubb,     [0xf9] = psubw,     [0xfa] = psubd,     [0xfb] = psubq,
    [0xfc] = paddb,     [0xfd] = paddw,     [0xfe] = paddd,
};

void exec_packed_int(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE && in->op != 0x6c && in->op != 0x6d) {
        mmx_check_usable(cpu, in);
        union xmm d = {0}, s = {0}, r = {0};
        d.q[0] = mmx_read(cpu, in->reg);
        /* PUNPCKLBW/WD/DQ mm, mm/m32 read only the low doubleword. */
        s.q[0] = mmx_read_rm(cpu, in, in->op >= 0x60 && in->op <= 0x62 ? 4 : 8);
        pint_ops[in->op](&r, &d, &s, 8);
        mmx_commit(cpu, in->reg, r.q[0]);
        return;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s, r;
    sse_read_rm(cpu, in, &s, 16, true);
    pint_ops[in->op](&r, &cpu->xmm[in->reg], &s, 16);
    cpu->xmm[in->reg] = r;
}

/* 0F 70: 66 PSHUFD, F3 PSHUFHW, F2 PSHUFLW xmm1, xmm2/m128, imm8;
 * no prefix: PSHUFW mm1, mm2/m64, imm8 (SSE) — PSHUFLW on an MMX register. */
void exec_pshuf(struct cpu *cpu, const struct insn *in)
{
    union xmm s = {0}, r;
    if (in->pfx == PFX_NONE) {
        mmx_check_usable(cpu, in);
        s.q[0] = mmx_read_rm(cpu, in, 8);
    } else {
        sse_check_usable(cpu, in);
        sse_read_rm(cpu, in, &s, 16, true);
    }
    unsigned imm = (uint8_t)in->imm;
    r = s;
    for (int i = 0; i < 4; i++) {
        unsigned sel = (imm >> (2 * i)) & 3;
        switch (in->pfx) {
        case PFX_66: r.d[i] = s.d[sel]; break;
        case PFX_F3: r.w[4 + i] = s.w[4 + sel]; break;
        default: r.w[i] = s.w[sel]; break;
        }
    }
    if (in->pfx == PFX_NONE)
        mmx_commit(cpu, in->reg, r.q[0]);
    else
        cpu->xmm[in->reg] = r;
}

/* 0F 71/72/73 (groups 12-14): shifts of xmm (66) or mm (no prefix) by
 * imm8, selected by ModRM.reg; 66 73 /3 PSRLDQ and /7 PSLLDQ shift the
 * whole XMM register by bytes. */
void exec_sse_shift_imm(struct cpu *cpu, const struct insn *in)
{
    bool mmx = in->pfx == PFX_NONE;
    if (mmx)
        mmx_check_usable(cpu, in);
    else
        sse_check_usable(cpu, in);
    if ((!mmx && in->pfx != PFX_66) || in->mod != 3)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned bits = in->op == 0x71 ? 16 : in->op == 0x72 ? 32 : 64;
    unsigned count = (uint8_t)in->imm, bytes = mmx ? 8 : 16;
    union xmm x = {0};
    if (mmx)
        x.q[0] = mmx_read(cpu, in->rm);
    else
        x = cpu->xmm[in->rm];
    switch (in->reg & 7) {
    case 2: shift_lanes(&x, bytes, bits, SHIFT_RIGHT_LOGICAL, count); break;
    case 4:
        if (bits == 64)
            cpu_fault(cpu, EXC_UD, 0); /* no PSRAQ in SSE2 */
        shift_lanes(&x, bytes, bits, SHIFT_RIGHT_ARITH, count);
        break;
    case 6: shift_lanes(&x, bytes, bits, SHIFT_LEFT, count); break;
    case 3:
    case 7: {
        if (bits != 64 || mmx)
            cpu_fault(cpu, EXC_UD, 0);
        union xmm t = {0};
        for (unsigned i = 0; i < 16; i++) {
            if ((in->reg & 7) == 3 && i + count < 16)
                t.b[i] = x.b[i + count];
            else if ((in->reg & 7) == 7 && i >= count)
                t.b[i] = x.b[i - count];
        }
        x = t;
        break;
    }
    default: cpu_fault(cpu, EXC_UD, 0);
    }
    if (mmx)
        mmx_commit(cpu, in->rm, x.q[0]);
    else
        cpu->xmm[in->rm] = x;
}

/* The checks of an instruction with an XMM (66) or MMX (no prefix)
 * operand and nothing else; true for the MMX form. */
static bool xmm_or_mmx_usable(struct cpu *cpu, const struct insn *in)
{
    if (in->pfx == PFX_NONE) {
        mmx_check_usable(cpu, in);
        return true;
    }
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    return false;
}

/* 66 0F D7: PMOVMSKB r32, xmm / 0F D7: PMOVMSKB r32, mm (SSE) — the top
 * bit of each byte. */
void exec_pmovmskb(struct cpu *cpu, const struct insn *in)
{
    sse_require_reg(cpu, in);
    bool mmx = xmm_or_mmx_usable(cpu, in);
    union xmm s = {0};
    if (mmx)
        s.q[0] = mmx_read(cpu, in->rm);
    else
        s = cpu->xmm[in->rm];
    uint64_t mask = 0;
    for (unsigned i = 0; i < (mmx ? 8u : 16u); i++)
        mask |= (uint64_t)(s.b[i] >> 7) << i;
    cpu->gpr[in->reg] = mask;
    if (mmx)
        mmx_transition(cpu);
}

/* 66 0F C4: PINSRW xmm, r32/m16, imm8 (word imm8[2:0]);
 * 0F C4: PINSRW mm, r32/m16, imm8 (SSE; word imm8[1:0]). */
void exec_pinsrw(struct cpu *cpu, const struct insn *in)
{
    bool mmx = xmm_or_mmx_usable(cpu, in);
    uint16_t v = in->mod == 3 ? (uint16_t)cpu->gpr[in->rm]
                              : (uint16_t)mem_read(cpu, insn_ea(cpu, in), 2);
    if (mmx) {
        union xmm x = {.q = {mmx_read(cpu, in->reg), 0}};
        x.w[in->imm & 3] = v;
        mmx_commit(cpu, in->reg, x.q[0]);
        return;
    }
    cpu->xmm[in->reg].w[in->imm & 7] = v;
}

/* 66 0F C5: PEXTRW r32, xmm, imm8 / 0F C5: PEXTRW r32, mm, imm8 (SSE;
 * word imm8[1:0]) — zero-extended into the 64-bit register. */
void exec_pextrw(struct cpu *cpu, const struct insn *in)
{
    sse_require_reg(cpu, in);
    if (xmm_or_mmx_usable(cpu, in)) {
        cpu->gpr[in->reg] = (uint16_t)(mmx_read(cpu, in->rm) >> (16 * (in->imm & 3)));
        mmx_transition(cpu);
        return;
    }
    cpu->gpr[in->reg] = cpu->xmm[in->rm].w[in->imm & 7];
}
