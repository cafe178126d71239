/* exec_sse_unmasked.c — SIMD floating-point overflow and underflow when
 * they are unmasked.  The host computes guest operations with every
 * exception masked (exec_sse.h), and the masked responses differ in what
 * they flag: a masked underflow is reported only when the tiny result is
 * also inexact after denormalisation, an unmasked one for every tiny
 * result; with OE or UE unmasked, PE reports whether the result rounded
 * with an unbounded exponent is inexact (SDM Vol. 1 §4.9.1.4, §4.9.1.5,
 * §11.5.2.2; x86 detects tininess after rounding).
 *
 * So, when MXCSR unmasks OE or UE, each element of ADD/SUB/MUL/DIV and of
 * the double-to-single conversions is recomputed on the host's x87 unit,
 * whose 15-bit exponent makes single and double results unbounded, with
 * the precision control set to the element's format and the rounding
 * control from MXCSR.RC; the masked flags of the element come from the
 * host's SSE unit as usual. */
#include "exec_sse.h"

SSE_HOST_OP(host_addss, "addss")
SSE_HOST_OP(host_subss, "subss")
SSE_HOST_OP(host_mulss, "mulss")
SSE_HOST_OP(host_divss, "divss")
SSE_HOST_OP(host_addsd, "addsd")
SSE_HOST_OP(host_subsd, "subsd")
SSE_HOST_OP(host_mulsd, "mulsd")
SSE_HOST_OP(host_divsd, "divsd")
SSE_HOST_OP(host_cvtsd2ss, "cvtsd2ss")

/* [op][double elements] — the scalar operation for one element. */
static const sse_host_fn scalar_ops[][2] = {
    [POST_ADD] = {host_addss, host_addsd},
    [POST_SUB] = {host_subss, host_subsd},
    [POST_MUL] = {host_mulss, host_mulsd},
    [POST_DIV] = {host_divss, host_divsd},
    [POST_CVT] = {NULL, host_cvtsd2ss},
};

/* *r = a OP b on the x87 unit under control word cw; returns its FSW. */
#define X87_EXACT(fname, text)                                                            \
    static uint16_t fname(uint16_t cw, long double a, long double b, long double *r)      \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile("fnstcw %[saved]\n\tfldcw %[cw]\n\tfnclex\n\t"                   \
                         "fldt %[b]\n\tfldt %[a]\n\t" text "\n\tfnstsw %[sw]\n\t"           \
                         "fstpt %[r]\n\tfstp %%st(0)\n\tfnclex\n\tfldcw %[saved]"          \
                         : [r] "=m"(*r), [sw] "=m"(sw), [saved] "=m"(saved)                 \
                         : [cw] "m"(cw), [a] "m"(a), [b] "m"(b)                             \
                         : "st", "st(1)");                                                \
        return sw;                                                                        \
    }
X87_EXACT(x87_add, "fadd %%st(1), %%st")
X87_EXACT(x87_sub, "fsub %%st(1), %%st")
X87_EXACT(x87_mul, "fmul %%st(1), %%st")
X87_EXACT(x87_div, "fdiv %%st(1), %%st")

#define X87_PE 0x20u

/* Element i as an extended value, with DAZ applied. */
static long double element(const union xmm *x, unsigned i, bool dbl, bool daz)
{
    if (dbl) {
        uint64_t b = x->q[i];
        if (daz && ((b >> 52) & 0x7ff) == 0)
            b &= 1ull << 63;
        double v;
        memcpy(&v, &b, 8);
        return v;
    }
    uint32_t b = x->d[i];
    if (daz && ((b >> 23) & 0xff) == 0)
        b &= 1u << 31;
    float v;
    memcpy(&v, &b, 4);
    return v;
}

uint32_t sse_unmasked_post_flags(const struct cpu *cpu, enum sse_post_op op, unsigned lanes,
                                 bool dbl, const union xmm *d, const union xmm *s)
{
    const uint32_t mxcsr = cpu->mxcsr, host = sse_host_mxcsr(cpu);
    const bool daz = mxcsr & MXCSR_DAZ;
    const bool oe_unmasked = !(mxcsr & (MXCSR_OE << MXCSR_MASK_SHIFT));
    const bool ue_unmasked = !(mxcsr & (MXCSR_UE << MXCSR_MASK_SHIFT));
    /* The result format: double for PD/SD arithmetic, else single. */
    const bool dbl_result = dbl && op != POST_CVT;
    const long double min_normal = dbl_result ? 0x1p-1022L : 0x1p-126L;
    const long double max_finite = dbl_result ? 0x1.fffffffffffffp1023L : 0x1.fffffep127L;
    /* x87 control word: all masked, PC = 24 or 53 bits, RC as MXCSR.RC
     * (the two fields encode the rounding modes alike). */
    const uint16_t cw = (uint16_t)(0x3f | (dbl_result ? 0x200 : 0) | (((mxcsr >> 13) & 3) << 10));
    uint32_t flags = 0;
    for (unsigned i = 0; i < lanes; i++) {
        union xmm de = {0}, se = {0};
        if (dbl) {
            de.q[0] = d->q[i];
            se.q[0] = s->q[i];
        } else {
            de.d[0] = d->d[i];
            se.d[0] = s->d[i];
        }
        uint32_t masked = scalar_ops[op][dbl](host, &de, &se) & MXCSR_FLAGS;
        uint32_t pre = masked & (MXCSR_IE | MXCSR_DE | MXCSR_ZE);
        flags |= pre;
        if (masked & (MXCSR_IE | MXCSR_ZE))
            continue; /* a NaN or infinity from an invalid or x/0: nothing else */
        long double r, a = element(op == POST_CVT ? s : d, i, dbl, daz);
        long double b = op == POST_CVT ? 1.0L : element(s, i, dbl, daz);
        uint16_t sw;
        switch (op) {
        case POST_ADD: sw = x87_add(cw, a, b, &r); break;
        case POST_SUB: sw = x87_sub(cw, a, b, &r); break;
        case POST_DIV: sw = x87_div(cw, a, b, &r); break;
        default: sw = x87_mul(cw, a, b, &r); break;
        }
        long double mag = r < 0 ? -r : r;
        bool inexact = sw & X87_PE;
        if (mag != mag || mag == (long double)__builtin_infl()) {
            flags |= masked; /* NaN or infinite operands: exact */
        } else if (mag > max_finite) {
            flags |= oe_unmasked ? MXCSR_OE | (inexact ? MXCSR_PE : 0)
                                 : masked & (MXCSR_OE | MXCSR_PE);
        } else if (mag != 0 && mag < min_normal) {
            flags |= ue_unmasked ? MXCSR_UE | (inexact ? MXCSR_PE : 0)
                                 : masked & (MXCSR_UE | MXCSR_PE);
        } else {
            flags |= masked & MXCSR_PE;
        }
    }
    return flags;
}
