/* exec_sse_fp.c — SSE/SSE2 floating-point arithmetic (ADD/SUB/MUL/DIV/MIN/
 * MAX/SQRT, RCP/RSQRT in PS/PD/SS/SD forms), bitwise logic (AND/ANDN/OR/
 * XOR PS/PD), compares (CMPPS/CMPPD/CMPSS/CMPSD with the 8 legacy
 * predicates, COMISS/COMISD/UCOMISS/UCOMISD into RFLAGS), and shuffles
 * (SHUFPS/SHUFPD, UNPCKLPS/UNPCKHPS/UNPCKLPD/UNPCKHPD).
 *
 * The arithmetic runs on the host's SSE unit under the guest's MXCSR
 * controls (rounding, DAZ, FTZ) with every exception masked, and the flags
 * it raised are then checked against the guest's masks (exec_sse.c).  This
 * reproduces IEEE-754 rounding, NaN propagation, the "second operand"
 * rule of MIN/MAX and the exception flags bit for bit.  RCPPS/RSQRTPS are
 * approximations whose exact bits are model-specific (SDM: relative error
 * ≤ 1.5·2^-12); they follow the host CPU's. */
#include "exec_sse.h"

#define ARITH4(name)                                \
    SSE_HOST_OP(host_##name##ps, #name "ps")        \
    SSE_HOST_OP(host_##name##pd, #name "pd")        \
    SSE_HOST_OP(host_##name##ss, #name "ss")        \
    SSE_HOST_OP(host_##name##sd, #name "sd")
ARITH4(add)
ARITH4(sub)
ARITH4(mul)
ARITH4(div)
ARITH4(min)
ARITH4(max)
ARITH4(sqrt)
SSE_HOST_OP(host_rcpps, "rcpps")
SSE_HOST_OP(host_rcpss, "rcpss")
SSE_HOST_OP(host_rsqrtps, "rsqrtps")
SSE_HOST_OP(host_rsqrtss, "rsqrtss")

#define FORMS4(name)                                                                     \
    {                                                                                    \
        {host_##name##ps, 16, 0, 0, 0}, {host_##name##pd, 16, 0, 0, 0},                  \
        {host_##name##ss, 4, 0, 0, 0}, {host_##name##sd, 8, 0, 0, 0}                     \
    }
/* The same for the operations that can overflow or underflow. */
#define FORMS4_POST(name, post)                                                          \
    {                                                                                    \
        {host_##name##ps, 16, post, 4, 0}, {host_##name##pd, 16, post, 2, 1},            \
        {host_##name##ss, 4, post, 1, 0}, {host_##name##sd, 8, post, 1, 1}               \
    }
static const struct sse_fp_form arith_forms[256][4] = {
    [0x51] = FORMS4(sqrt),
    [0x52] = {{host_rsqrtps, 16, 0, 0, 0}, {0}, {host_rsqrtss, 4, 0, 0, 0}, {0}},
    [0x53] = {{host_rcpps, 16, 0, 0, 0}, {0}, {host_rcpss, 4, 0, 0, 0}, {0}},
    [0x58] = FORMS4_POST(add, POST_ADD),
    [0x59] = FORMS4_POST(mul, POST_MUL),
    [0x5c] = FORMS4_POST(sub, POST_SUB),
    [0x5d] = FORMS4(min),
    [0x5e] = FORMS4_POST(div, POST_DIV),
    [0x5f] = FORMS4(max),
};

void exec_sse_fp_arith(struct cpu *cpu, const struct insn *in)
{
    sse_exec_fp_form(cpu, in, arith_forms[in->op]);
}

/* CMPPS/CMPPD/CMPSS/CMPSD xmm1, xmm2/m, imm8: the legacy encodings use
 * imm8[2:0] — EQ, LT, LE, UNORD, NEQ, NLT, NLE, ORD (SDM CMPPS, Table 3-7);
 * the result is an all-ones or all-zeros mask per element.  LT/LE/NLT/NLE
 * signal invalid on a QNaN operand, the others only on an SNaN. */
#define CMP4(pred)                                              \
    SSE_HOST_OP(host_cmpps_##pred, "cmpps $" #pred ",")         \
    SSE_HOST_OP(host_cmppd_##pred, "cmppd $" #pred ",")         \
    SSE_HOST_OP(host_cmpss_##pred, "cmpss $" #pred ",")         \
    SSE_HOST_OP(host_cmpsd_##pred, "cmpsd $" #pred ",")
CMP4(0)
CMP4(1)
CMP4(2)
CMP4(3)
CMP4(4)
CMP4(5)
CMP4(6)
CMP4(7)
#define CMP_FORMS(pred)                                                                  \
    {                                                                                    \
        {host_cmpps_##pred, 16, 0, 0, 0}, {host_cmppd_##pred, 16, 0, 0, 0},              \
        {host_cmpss_##pred, 4, 0, 0, 0}, {host_cmpsd_##pred, 8, 0, 0, 0}                 \
    }
static const struct sse_fp_form cmp_forms[8][4] = {
    CMP_FORMS(0), CMP_FORMS(1), CMP_FORMS(2), CMP_FORMS(3),
    CMP_FORMS(4), CMP_FORMS(5), CMP_FORMS(6), CMP_FORMS(7),
};

void exec_sse_cmp(struct cpu *cpu, const struct insn *in)
{
    sse_exec_fp_form(cpu, in, cmp_forms[in->imm & 7]);
}

/* COMISS/COMISD/UCOMISS/UCOMISD xmm1, xmm2/m: ZF PF CF = 111 unordered,
 * 000 greater, 001 less, 100 equal; OF SF AF cleared.  COMIS* signal
 * invalid on any NaN, UCOMIS* only on an SNaN. */
struct comi_result {
    uint32_t mxcsr;
    uint8_t zf, pf, cf;
};

#define HOST_COMI(fname, text)                                                           \
    static struct comi_result fname(uint32_t mxcsr, const union xmm *a, const union xmm *b) \
    {                                                                                    \
        __m128i av, bv;                                                                  \
        uint32_t saved;                                                                  \
        struct comi_result r;                                                            \
        memcpy(&av, a, 16);                                                              \
        memcpy(&bv, b, 16);                                                              \
        __asm__ volatile("stmxcsr %[saved]\n\tldmxcsr %[guest]\n\t" text " %[bv], %[av]\n\t" \
                         "setz %[zf]\n\tsetp %[pf]\n\tsetc %[cf]\n\t"                       \
                         "stmxcsr %[after]\n\tldmxcsr %[saved]"                            \
                         : [saved] "=m"(saved), [after] "=m"(r.mxcsr), [zf] "=q"(r.zf),     \
                           [pf] "=q"(r.pf), [cf] "=q"(r.cf)                                \
                         : [av] "x"(av), [bv] "x"(bv), [guest] "m"(mxcsr)                  \
                         : "cc");                                                        \
        return r;                                                                        \
    }
HOST_COMI(host_comiss, "comiss")
HOST_COMI(host_comisd, "comisd")
HOST_COMI(host_ucomiss, "ucomiss")
HOST_COMI(host_ucomisd, "ucomisd")

void exec_comi(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    bool dbl = in->pfx == PFX_66, ordered_signal = in->op == 0x2f;
    union xmm b;
    sse_read_rm(cpu, in, &b, dbl ? 8 : 4, false);
    struct comi_result r = dbl ? (ordered_signal ? host_comisd : host_ucomisd)(
                                     sse_host_mxcsr(cpu), &cpu->xmm[in->reg], &b)
                               : (ordered_signal ? host_comiss : host_ucomiss)(
                                     sse_host_mxcsr(cpu), &cpu->xmm[in->reg], &b);
    sse_fp_report(cpu, r.mxcsr);
    uint64_t fl = cpu_rflags(cpu) & ~RF_STATUS;
    fl |= (r.zf ? RF_ZF : 0) | (r.pf ? RF_PF : 0) | (r.cf ? RF_CF : 0);
    cpu_set_rflags(cpu, fl);
}

/* 0F 54-57: ANDPS/ANDNPS/ORPS/XORPS and the 66 PD forms (pure bit logic,
 * no exceptions; ANDN complements the destination). */
void exec_sse_fp_logic(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s;
    sse_read_rm(cpu, in, &s, 16, true);
    union xmm *d = &cpu->xmm[in->reg];
    for (int i = 0; i < 2; i++) {
        switch (in->op) {
        case 0x54: d->q[i] &= s.q[i]; break;
        case 0x55: d->q[i] = ~d->q[i] & s.q[i]; break;
        case 0x56: d->q[i] |= s.q[i]; break;
        default: d->q[i] ^= s.q[i]; break;
        }
    }
}

/* 0F 14/15: UNPCKLPS/UNPCKHPS, 66: UNPCKLPD/UNPCKHPD — interleave the low
 * (14) or high (15) halves, destination element first. */
void exec_sse_unpck(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s, r, d = cpu->xmm[in->reg];
    sse_read_rm(cpu, in, &s, 16, true);
    bool high = in->op == 0x15;
    if (in->pfx == PFX_66) {
        r.q[0] = d.q[high];
        r.q[1] = s.q[high];
    } else {
        r.d[0] = d.d[2 * high];
        r.d[1] = s.d[2 * high];
        r.d[2] = d.d[2 * high + 1];
        r.d[3] = s.d[2 * high + 1];
    }
    cpu->xmm[in->reg] = r;
}

/* 0F C6: SHUFPS xmm1, xmm2/m128, imm8 — the low two elements chosen from
 * xmm1, the high two from the source; 66: SHUFPD (imm8 bits 0 and 1). */
void exec_sse_shuf(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx >= PFX_F3)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s, r, d = cpu->xmm[in->reg];
    sse_read_rm(cpu, in, &s, 16, true);
    unsigned imm = (uint8_t)in->imm;
    if (in->pfx == PFX_66) {
        r.q[0] = d.q[imm & 1];
        r.q[1] = s.q[(imm >> 1) & 1];
    } else {
        r.d[0] = d.d[imm & 3];
        r.d[1] = d.d[(imm >> 2) & 3];
        r.d[2] = s.d[(imm >> 4) & 3];
        r.d[3] = s.d[(imm >> 6) & 3];
    }
    cpu->xmm[in->reg] = r;
}
