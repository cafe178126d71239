/* exec_sse42_string.c — the SSE4.2 string and text instructions
 * PCMPESTRM (66 0F 3A 60), PCMPESTRI (61), PCMPISTRM (62), PCMPISTRI (63)
 * xmm1, xmm2/m128 (unaligned allowed), imm8.  SDM Vol. 2B §4.1 "Imm8
 * Control Byte Operation for PCMPESTRI / PCMPESTRM / PCMPISTRI /
 * PCMPISTRM":
 *   imm8[1:0]  element format: unsigned bytes, unsigned words, signed
 *              bytes, signed words (16 or 8 elements)
 *   imm8[3:2]  aggregation: equal any, ranges, equal each, equal ordered
 *   imm8[5:4]  polarity: positive, negative, positive, masked negative
 *   imm8[6]    the index: least (0) or most (1) significant set bit
 *              (…I); the mask: a bit mask (0) or element mask (1) (…M)
 * Lengths: explicit (E): |RAX| and |RDX| (EAX/EDX without REX.W)
 * saturated to the element count; implicit (I): up to the first zero
 * element.  Results: ECX = index (or the element count if none set), or
 * XMM0 = mask.  Flags: CF = IntRes2 ≠ 0, ZF = xmm2's string is shorter
 * than the register, SF = the same for xmm1, OF = IntRes2[0], AF = PF = 0. */
#include "exec_sse.h"
#include "flags_eval.h"

/* Element i of x in the format imm8[1:0] asks for, sign-extended or not. */
static int element(const union xmm *x, unsigned fmt, unsigned i)
{
    switch (fmt) {
    case 0: return x->b[i];
    case 1: return x->w[i];
    case 2: return (int8_t)x->b[i];
    default: return (int16_t)x->w[i];
    }
}

static unsigned implicit_length(const union xmm *x, unsigned n, unsigned fmt)
{
    for (unsigned i = 0; i < n; i++)
        if (element(x, fmt, i) == 0)
            return i;
    return n;
}

static unsigned explicit_length(uint64_t reg, bool wide, unsigned n)
{
    /* The absolute value of the signed length, saturated to n. */
    int64_t v = wide ? (int64_t)reg : (int64_t)(int32_t)reg;
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    return mag > n ? n : (unsigned)mag;
}

/* IntRes2 of the comparison of a (xmm1, the "set"/pattern, la valid
 * elements) with b (xmm2/m128, the string, lb valid). */
static unsigned compare_strings(const union xmm *a, unsigned la, const union xmm *b, unsigned lb,
                                unsigned imm, unsigned n)
{
    unsigned fmt = imm & 3, agg = (imm >> 2) & 3, res = 0;
    switch (agg) {
    case 0: /* equal any: b[j] is one of a[0..la) */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i < la; i++)
                if (element(a, fmt, i) == element(b, fmt, j)) {
                    res |= 1u << j;
                    break;
                }
        break;
    case 1: /* ranges: a[i] <= b[j] <= a[i+1] for an even i with both valid */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i + 1 < la; i += 2)
                if (element(a, fmt, i) <= element(b, fmt, j) &&
                    element(b, fmt, j) <= element(a, fmt, i + 1)) {
                    res |= 1u << j;
                    break;
                }
        break;
    case 2: /* equal each: both invalid counts as equal, one invalid as not */
        for (unsigned i = 0; i < n; i++) {
            bool va = i < la, vb = i < lb;
            if ((!va && !vb) || (va && vb && element(a, fmt, i) == element(b, fmt, i)))
                res |= 1u << i;
        }
        break;
    default: /* equal ordered: a (the substring) occurs in b starting at j */
        for (unsigned j = 0; j < n; j++) {
            bool match = true;
            for (unsigned k = 0; k + j < n && match; k++) {
                if (k >= la)
                    break;                 /* the substring ended: matches */
                if (j + k >= lb || element(a, fmt, k) != element(b, fmt, j + k))
                    match = false;
            }
            if (match)
                res |= 1u << j;
        }
        break;
    }
    switch ((imm >> 4) & 3) {
    case 1: res ^= (1u << n) - 1; break;           /* negative */
    case 3: res ^= (1u << lb) - 1; break;          /* masked negative: only b's valid elements */
    default: break;
    }
    return res;
}

void exec_pcmpstr(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    unsigned imm = (uint8_t)in->imm, n = (imm & 1) ? 8 : 16;
    union xmm b;
    sse_read_rm(cpu, in, &b, 16, false);
    const union xmm *a = &cpu->xmm[in->reg];
    bool explicit_len = in->op <= 0x61, index = in->op & 1;
    unsigned la, lb;
    if (explicit_len) {
        la = explicit_length(cpu->gpr[RAX], in->rex & 8, n);
        lb = explicit_length(cpu->gpr[RDX], in->rex & 8, n);
    } else {
        la = implicit_length(a, n, imm & 3);
        lb = implicit_length(&b, n, imm & 3);
    }
    unsigned res = compare_strings(a, la, &b, lb, imm, n);
    if (index) {
        unsigned i = n;
        if (res)
            i = (imm & 0x40) ? 31u - (unsigned)__builtin_clz(res) : (unsigned)__builtin_ctz(res);
        cpu->gpr[RCX] = i;
    } else {
        union xmm m = {0};
        if (imm & 0x40) {
            for (unsigned i = 0; i < n; i++)
                if ((res >> i) & 1) {
                    if (n == 16)
                        m.b[i] = 0xff;
                    else
                        m.w[i] = 0xffff;
                }
        } else {
            m.w[0] = (uint16_t)res;
        }
        cpu->xmm[0] = m;
    }
    flags_update(cpu, RF_STATUS, (res ? RF_CF : 0) | (lb < n ? RF_ZF : 0) | (la < n ? RF_SF : 0) |
                                     ((res & 1) ? RF_OF : 0));
}
