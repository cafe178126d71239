/* exec_sse_conv.c — SSE/SSE2 conversions: between integers and
 * single/double (CVTSI2SS/SD, CVT(T)SS2SI, CVT(T)SD2SI with 32- or 64-bit
 * integers by REX.W), single<->double (CVTSS2SD, CVTSD2SS, CVTPS2PD,
 * CVTPD2PS) and packed dword<->float (CVTDQ2PS, CVTPS2DQ, CVTTPS2DQ,
 * CVTDQ2PD, CVTPD2DQ, CVTTPD2DQ).  SDM Vol. 2 pages of the same names.
 *
 * Like the arithmetic, each runs on the host under the guest's MXCSR
 * controls: rounding by MXCSR.RC (or truncation for the CVTT forms), DAZ,
 * FTZ, and the "integer indefinite" 0x80000000 / 0x8000000000000000 with
 * IE for a NaN or out-of-range source.  The MMX forms of 0F 2A/2C/2D
 * (CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI) convert the two elements the
 * 64-bit MMX operand holds with the packed host conversion, the other
 * lanes of its input zero (exact: they raise nothing). */
#include "exec_sse.h"

SSE_HOST_OP(host_cvtps2pd, "cvtps2pd")
SSE_HOST_OP(host_cvtpd2ps, "cvtpd2ps")
SSE_HOST_OP(host_cvtss2sd, "cvtss2sd")
SSE_HOST_OP(host_cvtsd2ss, "cvtsd2ss")
SSE_HOST_OP(host_cvtdq2ps, "cvtdq2ps")
SSE_HOST_OP(host_cvtps2dq, "cvtps2dq")
SSE_HOST_OP(host_cvttps2dq, "cvttps2dq")
SSE_HOST_OP(host_cvttpd2dq, "cvttpd2dq")
SSE_HOST_OP(host_cvtdq2pd, "cvtdq2pd")
SSE_HOST_OP(host_cvtpd2dq, "cvtpd2dq")

/* Forms indexed by prefix: none, 66, F3, F2.  CVTPS2PD and CVTDQ2PD read
 * only 64 bits of memory (no alignment rule). */
static const struct sse_fp_form conv_forms[256][4] = {
    [0x5a] = {{host_cvtps2pd, 8, 0, 0, 0}, {host_cvtpd2ps, 16, POST_CVT, 2, 1},
              {host_cvtss2sd, 4, 0, 0, 0}, {host_cvtsd2ss, 8, POST_CVT, 1, 1}},
    [0x5b] = {{host_cvtdq2ps, 16, 0, 0, 0}, {host_cvtps2dq, 16, 0, 0, 0},
              {host_cvttps2dq, 16, 0, 0, 0}, {0}},
    [0xe6] = {{0}, {host_cvttpd2dq, 16, 0, 0, 0}, {host_cvtdq2pd, 8, 0, 0, 0},
              {host_cvtpd2dq, 16, 0, 0, 0}},
};

void exec_conv_xmm(struct cpu *cpu, const struct insn *in)
{
    sse_exec_fp_form(cpu, in, conv_forms[in->op]);
}

/* CVTSI2SS/CVTSI2SD xmm, r/m32 (r/m64 with REX.W): only the low element
 * of the destination changes. */
#define HOST_FROM_INT(fname, text, type, width)                                          \
    static uint32_t fname(uint32_t mxcsr, union xmm *d, uint64_t v)                      \
    {                                                                                    \
        __m128i dv;                                                                      \
        type src = (type)v;                                                              \
        uint32_t saved, after;                                                           \
        memcpy(&dv, d, 16);                                                              \
        __asm__ volatile("stmxcsr %[saved]\n\tldmxcsr %[guest]\n\t" text " %" width       \
                         "[src], %[dv]\n\tstmxcsr %[after]\n\tldmxcsr %[saved]"           \
                         : [dv] "+x"(dv), [saved] "=m"(saved), [after] "=m"(after)          \
                         : [src] "r"(src), [guest] "m"(mxcsr));                           \
        memcpy(d, &dv, 16);                                                              \
        return after;                                                                    \
    }
HOST_FROM_INT(host_cvtsi2ss32, "cvtsi2ssl", uint32_t, "k")
HOST_FROM_INT(host_cvtsi2ss64, "cvtsi2ssq", uint64_t, "q")
HOST_FROM_INT(host_cvtsi2sd32, "cvtsi2sdl", uint32_t, "k")
HOST_FROM_INT(host_cvtsi2sd64, "cvtsi2sdq", uint64_t, "q")

/* NP 0F 2A CVTPI2PS xmm, mm/m64 (two int32 to the low two singles, the
 * high two kept); 66 0F 2A CVTPI2PD xmm, mm/m64 (to two doubles).  An MMX
 * register source makes the x87 -> MMX transition; memory does not. */
static void cvtpi2p(struct cpu *cpu, const struct insn *in)
{
    union xmm s = {0}, r = {0};
    if (in->mod == 3) {
        mmx_enter(cpu);
        s.q[0] = mmx_read(cpu, in->rm);
    } else {
        s.q[0] = mem_read(cpu, insn_ea(cpu, in), 8);
    }
    bool dbl = in->pfx == PFX_66;
    uint32_t after = (dbl ? host_cvtdq2pd : host_cvtdq2ps)(sse_host_mxcsr(cpu), &r, &s);
    sse_fp_report(cpu, after);
    if (dbl)
        cpu->xmm[in->reg] = r;
    else
        cpu->xmm[in->reg].q[0] = r.q[0];
    if (in->mod == 3)
        mmx_transition(cpu);
}

void exec_cvtsi2s(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx == PFX_NONE || in->pfx == PFX_66) {
        cvtpi2p(cpu, in);
        return;
    }
    bool wide = in->rex & 8;
    unsigned size = wide ? 8 : 4;
    uint64_t v = in->mod == 3 ? cpu->gpr[in->rm] & size_mask(size)
                              : mem_read(cpu, insn_ea(cpu, in), size);
    union xmm r = cpu->xmm[in->reg];
    uint32_t m = sse_host_mxcsr(cpu), after;
    if (in->pfx == PFX_F3)
        after = wide ? host_cvtsi2ss64(m, &r, v) : host_cvtsi2ss32(m, &r, v);
    else
        after = wide ? host_cvtsi2sd64(m, &r, v) : host_cvtsi2sd32(m, &r, v);
    sse_fp_report(cpu, after);
    cpu->xmm[in->reg] = r;
}

/* CVT(T)SS2SI / CVT(T)SD2SI r32/r64, xmm/m: the result goes to a general
 * register (a 32-bit result zero-extends). */
struct to_int_result {
    uint32_t mxcsr;
    uint64_t value;
};

#define HOST_TO_INT(fname, text, type, width)                                            \
    static struct to_int_result fname(uint32_t mxcsr, const union xmm *s)                \
    {                                                                                    \
        __m128i sv;                                                                      \
        type out;                                                                        \
        uint32_t saved;                                                                  \
        struct to_int_result r;                                                          \
        memcpy(&sv, s, 16);                                                              \
        __asm__ volatile("stmxcsr %[saved]\n\tldmxcsr %[guest]\n\t" text " %[sv], %" width  \
                         "[out]\n\tstmxcsr %[after]\n\tldmxcsr %[saved]"                  \
                         : [out] "=r"(out), [saved] "=m"(saved), [after] "=m"(r.mxcsr)      \
                         : [sv] "x"(sv), [guest] "m"(mxcsr));                             \
        r.value = out;                                                                   \
        return r;                                                                        \
    }
HOST_TO_INT(host_cvtss2si32, "cvtss2si", uint32_t, "k")
HOST_TO_INT(host_cvtss2si64, "cvtss2si", uint64_t, "q")
HOST_TO_INT(host_cvttss2si32, "cvttss2si", uint32_t, "k")
HOST_TO_INT(host_cvttss2si64, "cvttss2si", uint64_t, "q")
HOST_TO_INT(host_cvtsd2si32, "cvtsd2si", uint32_t, "k")
HOST_TO_INT(host_cvtsd2si64, "cvtsd2si", uint64_t, "q")
HOST_TO_INT(host_cvttsd2si32, "cvttsd2si", uint32_t, "k")
HOST_TO_INT(host_cvttsd2si64, "cvttsd2si", uint64_t, "q")

typedef struct to_int_result (*host_to_int_fn)(uint32_t mxcsr, const union xmm *s);

/* [double source][truncate][64-bit result] */
static const host_to_int_fn to_int_ops[2][2][2] = {
    {{host_cvtss2si32, host_cvtss2si64}, {host_cvttss2si32, host_cvttss2si64}},
    {{host_cvtsd2si32, host_cvtsd2si64}, {host_cvttsd2si32, host_cvttsd2si64}},
};

/* NP 0F 2D/2C CVT(T)PS2PI mm, xmm/m64 (the low two singles); 66 0F 2D/2C
 * CVT(T)PD2PI mm, xmm/m128 (two doubles, an aligned m128): to two int32
 * in an MMX register (the x87 -> MMX transition). */
static void cvtp2pi(struct cpu *cpu, const struct insn *in)
{
    bool dbl = in->pfx == PFX_66, truncate = in->op == 0x2c;
    union xmm s = {0}, r = {0};
    mmx_enter(cpu);
    sse_read_rm(cpu, in, &s, dbl ? 16 : 8, true);
    if (!dbl)
        s.q[1] = 0;
    sse_host_fn fn = dbl ? (truncate ? host_cvttpd2dq : host_cvtpd2dq)
                         : (truncate ? host_cvttps2dq : host_cvtps2dq);
    sse_fp_report(cpu, fn(sse_host_mxcsr(cpu), &r, &s));
    mmx_write(cpu, in->reg, r.q[0]);
    mmx_transition(cpu);
}

void exec_cvt2si(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx == PFX_NONE || in->pfx == PFX_66) {
        cvtp2pi(cpu, in);
        return;
    }
    bool dbl = in->pfx == PFX_F2, truncate = in->op == 0x2c, wide = in->rex & 8;
    union xmm s;
    sse_read_rm(cpu, in, &s, dbl ? 8 : 4, false);
    struct to_int_result r = to_int_ops[dbl][truncate][wide](sse_host_mxcsr(cpu), &s);
    sse_fp_report(cpu, r.mxcsr);
    cpu->gpr[in->reg] = r.value;
}
