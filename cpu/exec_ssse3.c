/* exec_ssse3.c — SSSE3 (0F 38 00-0B, 1C-1E and 0F 3A 0F) on XMM registers
 * (66 prefix, 16 bytes) and on MMX registers (no prefix, 8 bytes), one
 * function per instruction over `bytes` bytes of its operands: byte
 * shuffle, horizontal add/subtract, multiply-add and rounded high
 * multiply, sign and absolute value, byte align.  SDM Vol. 2,
 * the instruction pages named below. */
#include "exec_sse.h"

#define OP(name) \
    static void name(union xmm *r, const union xmm *d, const union xmm *s, unsigned imm, \
                     const union xmm *x0, unsigned bytes)
#define UNUSED_ARGS (void)imm, (void)x0

/* PSHUFB: byte i of the result is d[s[i] & 15] (MMX: & 7), or 0 when
 * s[i] bit 7 is set. */
OP(pshufb)
{
    UNUSED_ARGS;
    union xmm t = {0};
    for (unsigned i = 0; i < bytes; i++)
        t.b[i] = (s->b[i] & 0x80) ? 0 : d->b[s->b[i] & (bytes - 1)];
    *r = t;
}

/* PHADD/PHSUB W/D/SW: adjacent pairs of d fill the low half, of s the
 * high half; element 2i op element 2i+1. */
#define HORIZONTAL(name, lanes, field, expr)                                        \
    OP(name)                                                                        \
    {                                                                               \
        UNUSED_ARGS;                                                                \
        union xmm t = {0};                                                          \
        unsigned half = (lanes) * bytes / 32;                                       \
        for (unsigned i = 0; i < half; i++) {                                       \
            const union xmm *x = d;                                                 \
            unsigned a0 = 2 * i, a1 = 2 * i + 1;                                     \
            t.field[i] = expr;                                                      \
            x = s;                                                                  \
            t.field[i + half] = expr;                                               \
        }                                                                           \
        *r = t;                                                                     \
    }
HORIZONTAL(phaddw, 8, w, (uint16_t)(x->w[a0] + x->w[a1]))
HORIZONTAL(phaddd, 4, d, x->d[a0] + x->d[a1])
HORIZONTAL(phaddsw, 8, w, sat_s16(SW(x, a0) + SW(x, a1)))
HORIZONTAL(phsubw, 8, w, (uint16_t)(x->w[a0] - x->w[a1]))
HORIZONTAL(phsubd, 4, d, x->d[a0] - x->d[a1])
HORIZONTAL(phsubsw, 8, w, sat_s16(SW(x, a0) - SW(x, a1)))

/* PMADDUBSW: unsigned bytes of d times signed bytes of s, adjacent
 * products summed with signed saturation to words. */
OP(pmaddubsw)
{
    UNUSED_ARGS;
    union xmm t = {0};
    for (unsigned i = 0; i < bytes / 2; i++)
        t.w[i] = sat_s16(d->b[2 * i] * SB(s, 2 * i) + d->b[2 * i + 1] * SB(s, 2 * i + 1));
    *r = t;
}

/* PMULHRSW: (d * s >> 14, + 1) >> 1 — the rounded high half scaled by 2. */
OP(pmulhrsw)
{
    UNUSED_ARGS;
    union xmm t = {0};
    for (unsigned i = 0; i < bytes / 2; i++)
        t.w[i] = (uint16_t)((((SW(d, i) * SW(s, i)) >> 14) + 1) >> 1);
    *r = t;
}

/* PSIGNB/W/D: d negated where s is negative, zeroed where s is zero. */
#define PSIGN(name, lanes, field, S)                                                \
    OP(name)                                                                        \
    {                                                                               \
        UNUSED_ARGS;                                                                \
        union xmm t = {0};                                                          \
        for (unsigned i = 0; i < (lanes) * bytes / 16; i++)                         \
            t.field[i] = S(s, i) < 0 ? 0 - d->field[i] : S(s, i) == 0 ? 0 : d->field[i]; \
        *r = t;                                                                     \
    }
PSIGN(psignb, 16, b, SB)
PSIGN(psignw, 8, w, SW)
PSIGN(psignd, 4, d, SD)

/* PABSB/W/D: the unsigned absolute value of each element of s. */
#define PABS(name, lanes, field, S)                                                 \
    OP(name)                                                                        \
    {                                                                               \
        UNUSED_ARGS;                                                                \
        (void)d;                                                                    \
        union xmm t = {0};                                                          \
        for (unsigned i = 0; i < (lanes) * bytes / 16; i++)                         \
            t.field[i] = S(s, i) < 0 ? 0 - s->field[i] : s->field[i];               \
        *r = t;                                                                     \
    }
PABS(pabsb, 16, b, SB)
PABS(pabsw, 8, w, SW)
PABS(pabsd, 4, d, SD)

/* PALIGNR: the 32-byte d:s (d high) shifted right by imm8 bytes, the low
 * 16 (MMX: the 16-byte d:s, the low 8). */
OP(palignr)
{
    (void)x0;
    uint8_t cat[32] = {0};
    memcpy(cat, s->b, bytes);
    memcpy(cat + bytes, d->b, bytes);
    union xmm t = {0};
    for (unsigned i = 0; i < bytes; i++)
        t.b[i] = imm + i < 2 * bytes ? cat[imm + i] : 0;
    *r = t;
}

static const struct xmm_op ssse3_ops[256] = {
    [0x00] = {pshufb, 16, true, true},    [0x01] = {phaddw, 16, true, true},  [0x02] = {phaddd, 16, true, true},
    [0x03] = {phaddsw, 16, true, true},   [0x04] = {pmaddubsw, 16, true, true}, [0x05] = {phsubw, 16, true, true},
    [0x06] = {phsubd, 16, true, true},    [0x07] = {phsubsw, 16, true, true}, [0x08] = {psignb, 16, true, true},
    [0x09] = {psignw, 16, true, true},    [0x0a] = {psignd, 16, true, true},  [0x0b] = {pmulhrsw, 16, true, true},
    [0x1c] = {pabsb, 16, true, true},     [0x1d] = {pabsw, 16, true, true},   [0x1e] = {pabsd, 16, true, true},
};

void exec_ssse3(struct cpu *cpu, const struct insn *in)
{
    sse_exec_xmm_op(cpu, in, &ssse3_ops[in->op]);
}

void exec_palignr(struct cpu *cpu, const struct insn *in)
{
    static const struct xmm_op op = {palignr, 16, true, true};
    sse_exec_xmm_op(cpu, in, &op);
}
