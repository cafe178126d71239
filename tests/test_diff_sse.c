/* test_diff_sse.c — SSE/SSE2 instructions differentially against the host
 * CPU: every form ringscope implements runs natively (oracle_exec) and in
 * ringscope (harness_exec) from the same state — XMM registers full of
 * edge values (±0, ±inf, QNaN, SNaN, denormals, integer boundaries, the
 * 2^31/2^63 conversion limits) and random bits, random MXCSR rounding
 * modes, DAZ/FTZ, masks and sticky flags — in register and memory forms,
 * with aligned and misaligned memory operands.  Compared: all GPRs, the
 * status flags, XMM0-15, MXCSR, the arena bytes around the operand, and
 * the exception vector (#GP for misalignment, #XM for unmasked SIMD
 * floating-point exceptions).
 *
 * Plus what the host cannot show from ring 3: CR0.EM/TS (#UD/#NM) and
 * CR4.OSXMMEXCPT = 0 (#UD instead of #XM).  The MMX forms of the same
 * opcodes (no prefix): tests/test_mmx.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "oracle.h"

/* ---- deterministic random inputs ---------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint32_t pick32(const uint32_t *v, size_t n) { return v[rnd() % n]; }
static uint64_t pick64(const uint64_t *v, size_t n) { return v[rnd() % n]; }

/* A single-precision value: edges or random. */
static uint32_t gen_f32(void)
{
    static const uint32_t edges[] = {
        0x00000000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0xffc00000,
        0x7f800001, 0xff812345, 0x7fa00000, 0x00000001, 0x807fffff, 0x00400000,
        0x3f800000, 0xbf800000, 0x3f000000, 0x3fc00000, 0x40200000, 0xbfc00000,
        0x4f000000, 0xcf000000, 0x4effffff, 0xcf000001, 0x5f000000, 0xdf000000,
        0x5effffff, 0xdf000001, 0x7f7fffff, 0xff7fffff, 0x00800000, 0x80800000,
        0x0c000000, 0x72000000, 0x3eaaaaab, 0x4b000001, 0x4b7fffff,
    };
    switch (rnd() % 4) {
    case 0:
        return pick32(edges, sizeof edges / sizeof edges[0]);
    case 1: { /* a small integer or half-integer */
        float f = (float)((int)(rnd() % 2001) - 1000) / ((rnd() & 1) ? 2.0f : 1.0f);
        uint32_t b;
        memcpy(&b, &f, 4);
        return b;
    }
    case 2: /* random sign and fraction, a moderate exponent */
        return (uint32_t)(rnd() & 0x807fffff) | (uint32_t)((100 + rnd() % 56) << 23);
    default:
        return (uint32_t)rnd();
    }
}

static uint64_t gen_f64(void)
{
    static const uint64_t edges[] = {
        0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0xfff0000000000000ull,
        0x7ff8000000000000ull, 0xfff8000000000000ull, 0x7ff0000000000001ull,
        0xfff4000000000000ull, 0x0000000000000001ull, 0x800fffffffffffffull,
        0x3ff0000000000000ull, 0xbff0000000000000ull, 0x3fe0000000000000ull,
        0x3ff8000000000000ull, 0x41e0000000000000ull, 0xc1e0000000000000ull,
        0x41dfffffffffffffull, 0xc1e0000000200000ull, 0x41dfffffffc00000ull,
        0x43e0000000000000ull, 0xc3e0000000000000ull, 0x43dfffffffffffffull,
        0x7fefffffffffffffull, 0xffefffffffffffffull, 0x0010000000000000ull,
        0x47efffffe0000000ull, 0x47f0000000000000ull, 0x3690000000000000ull,
        0x36a0000000000000ull, 0x3fd5555555555555ull, 0x4330000000000001ull,
    };
    switch (rnd() % 4) {
    case 0:
        return pick64(edges, sizeof edges / sizeof edges[0]);
    case 1: {
        double d = (double)((int)(rnd() % 2001) - 1000) / ((rnd() & 1) ? 2.0 : 1.0);
        uint64_t b;
        memcpy(&b, &d, 8);
        return b;
    }
    case 2:
        return (rnd() & 0x800fffffffffffffull) | ((uint64_t)(900 + rnd() % 250) << 52);
    default:
        return rnd();
    }
}

static uint16_t gen_word(void)
{
    static const uint16_t edges[] = {0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0x8001,
                                     0xffff, 0xff80, 0xff7f, 0x00ff};
    return (rnd() & 1) ? edges[rnd() % (sizeof edges / sizeof edges[0])] : (uint16_t)rnd();
}

enum lanes { L_F32, L_F64, L_INT };

static void gen_xmm(union xmm *x, enum lanes hint)
{
    unsigned kind = rnd() % 8;
    if (kind < 5)
        kind = hint;
    else
        kind = kind - 5;
    for (int i = 0; i < 4; i++)
        x->d[i] = gen_f32();
    if (kind == L_F64)
        for (int i = 0; i < 2; i++)
            x->q[i] = gen_f64();
    else if (kind == L_INT)
        for (int i = 0; i < 8; i++)
            x->w[i] = (rnd() & 1) ? gen_word() : (uint16_t)rnd();
}

static uint64_t gen_gpr(void)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xffffffffffffffffull, 0x1000001, 0xffffffff80000000ull,
        0x20000000000001ull, 0xfffffffffffffffeull, 0x00000000ffffff01ull,
    };
    switch (rnd() % 3) {
    case 0: return pick64(edges, sizeof edges / sizeof edges[0]);
    case 1: return (uint64_t)(int64_t)(int32_t)(rnd() % 100000 - 50000);
    default: return rnd();
    }
}

static uint32_t gen_mxcsr(void)
{
    uint32_t m = (uint32_t)(rnd() % 4) << 13;      /* rounding control */
    if (rnd() % 4 == 0)
        m |= 0x40;                                 /* DAZ */
    if (rnd() % 4 == 0)
        m |= 0x8000;                               /* FTZ */
    m |= (rnd() % 8 == 0) ? (uint32_t)(rnd() & 0x1f80) : 0x1f80u; /* masks */
    m |= (uint32_t)(rnd() & 0x3f) * (rnd() % 4 == 0); /* sticky flags */
    return m ? m : 0x1f80;
}

/* ---- instruction forms ---------------------------------------------------- */

enum {
    FF_IMM = 1u << 0,      /* an imm8 follows */
    FF_MEM_ONLY = 1u << 1,
    FF_REG_ONLY = 1u << 2,
    FF_ALIGNED = 1u << 3,  /* a 16-byte memory operand must be aligned */
    FF_GPR_REG = 1u << 4,  /* ModRM.reg names a general register */
    FF_GPR_RM = 1u << 5,   /* a register r/m names a general register */
    FF_W = 1u << 6,        /* REX.W */
    FF_MXCSR_MEM = 1u << 7,/* the memory operand is an MXCSR image */
};

struct form {
    const char *name;
    uint8_t pfx;   /* 0, 0x66, 0xf3 or 0xf2 */
    uint8_t op;    /* the byte after 0F */
    int8_t group;  /* fixed ModRM.reg for group opcodes, -1 for an XMM/GPR operand */
    uint16_t flags;
    enum lanes lanes;
};

#define F(name, pfx, op, flags, lanes) {name, pfx, op, -1, flags, lanes}
#define G(name, pfx, op, grp, flags, lanes) {name, pfx, op, grp, flags, lanes}
#define A FF_ALIGNED

static const struct form forms[] = {
    /* moves */
    F("movups", 0, 0x10, 0, L_F32), F("movupd", 0x66, 0x10, 0, L_F64),
    F("movss", 0xf3, 0x10, 0, L_F32), F("movsd", 0xf2, 0x10, 0, L_F64),
    F("movups st", 0, 0x11, 0, L_F32), F("movupd st", 0x66, 0x11, 0, L_F64),
    F("movss st", 0xf3, 0x11, 0, L_F32), F("movsd st", 0xf2, 0x11, 0, L_F64),
    F("movlps/movhlps", 0, 0x12, 0, L_F32), F("movlpd", 0x66, 0x12, FF_MEM_ONLY, L_F64),
    F("movlps st", 0, 0x13, FF_MEM_ONLY, L_F32), F("movlpd st", 0x66, 0x13, FF_MEM_ONLY, L_F64),
    F("movhps/movlhps", 0, 0x16, 0, L_F32), F("movhpd", 0x66, 0x16, FF_MEM_ONLY, L_F64),
    F("movhps st", 0, 0x17, FF_MEM_ONLY, L_F32), F("movhpd st", 0x66, 0x17, FF_MEM_ONLY, L_F64),
    F("movaps", 0, 0x28, A, L_F32), F("movapd", 0x66, 0x28, A, L_F64),
    F("movaps st", 0, 0x29, A, L_F32), F("movapd st", 0x66, 0x29, A, L_F64),
    F("movntps", 0, 0x2b, A | FF_MEM_ONLY, L_F32), F("movntpd", 0x66, 0x2b, A | FF_MEM_ONLY, L_F64),
    F("movmskps", 0, 0x50, FF_REG_ONLY | FF_GPR_REG, L_F32),
    F("movmskpd", 0x66, 0x50, FF_REG_ONLY | FF_GPR_REG, L_F64),
    F("movd xmm,r/m32", 0x66, 0x6e, FF_GPR_RM, L_INT),
    F("movq xmm,r/m64", 0x66, 0x6e, FF_GPR_RM | FF_W, L_INT),
    F("movdqa", 0x66, 0x6f, A, L_INT), F("movdqu", 0xf3, 0x6f, 0, L_INT),
    F("movd r/m32,xmm", 0x66, 0x7e, FF_GPR_RM, L_INT),
    F("movq r/m64,xmm", 0x66, 0x7e, FF_GPR_RM | FF_W, L_INT),
    F("movq xmm,xmm/m64", 0xf3, 0x7e, 0, L_INT),
    F("movdqa st", 0x66, 0x7f, A, L_INT), F("movdqu st", 0xf3, 0x7f, 0, L_INT),
    F("movnti m32", 0, 0xc3, FF_MEM_ONLY | FF_GPR_REG, L_INT),
    F("movnti m64", 0, 0xc3, FF_MEM_ONLY | FF_GPR_REG | FF_W, L_INT),
    F("movq xmm/m64,xmm", 0x66, 0xd6, 0, L_INT),
    F("movntdq", 0x66, 0xe7, A | FF_MEM_ONLY, L_INT),
    F("maskmovdqu", 0x66, 0xf7, FF_REG_ONLY, L_INT),
    /* floating-point arithmetic and logic */
#define FP4(nm, op)                                                                     \
    F(nm "ps", 0, op, A, L_F32), F(nm "pd", 0x66, op, A, L_F64),                         \
        F(nm "ss", 0xf3, op, 0, L_F32), F(nm "sd", 0xf2, op, 0, L_F64)
    FP4("sqrt", 0x51), FP4("add", 0x58), FP4("mul", 0x59), FP4("sub", 0x5c),
    FP4("min", 0x5d), FP4("div", 0x5e), FP4("max", 0x5f),
    F("rsqrtps", 0, 0x52, A, L_F32), F("rsqrtss", 0xf3, 0x52, 0, L_F32),
    F("rcpps", 0, 0x53, A, L_F32), F("rcpss", 0xf3, 0x53, 0, L_F32),
    F("andps", 0, 0x54, A, L_F32), F("andpd", 0x66, 0x54, A, L_F64),
    F("andnps", 0, 0x55, A, L_F32), F("andnpd", 0x66, 0x55, A, L_F64),
    F("orps", 0, 0x56, A, L_F32), F("orpd", 0x66, 0x56, A, L_F64),
    F("xorps", 0, 0x57, A, L_F32), F("xorpd", 0x66, 0x57, A, L_F64),
    F("cmpps", 0, 0xc2, A | FF_IMM, L_F32), F("cmppd", 0x66, 0xc2, A | FF_IMM, L_F64),
    F("cmpss", 0xf3, 0xc2, FF_IMM, L_F32), F("cmpsd", 0xf2, 0xc2, FF_IMM, L_F64),
    F("ucomiss", 0, 0x2e, 0, L_F32), F("ucomisd", 0x66, 0x2e, 0, L_F64),
    F("comiss", 0, 0x2f, 0, L_F32), F("comisd", 0x66, 0x2f, 0, L_F64),
    F("unpcklps", 0, 0x14, A, L_F32), F("unpcklpd", 0x66, 0x14, A, L_F64),
    F("unpckhps", 0, 0x15, A, L_F32), F("unpckhpd", 0x66, 0x15, A, L_F64),
    F("shufps", 0, 0xc6, A | FF_IMM, L_F32), F("shufpd", 0x66, 0xc6, A | FF_IMM, L_F64),
    /* conversions */
    F("cvtsi2ss r/m32", 0xf3, 0x2a, FF_GPR_RM, L_F32),
    F("cvtsi2ss r/m64", 0xf3, 0x2a, FF_GPR_RM | FF_W, L_F32),
    F("cvtsi2sd r/m32", 0xf2, 0x2a, FF_GPR_RM, L_F64),
    F("cvtsi2sd r/m64", 0xf2, 0x2a, FF_GPR_RM | FF_W, L_F64),
    F("cvttss2si r32", 0xf3, 0x2c, FF_GPR_REG, L_F32),
    F("cvttss2si r64", 0xf3, 0x2c, FF_GPR_REG | FF_W, L_F32),
    F("cvttsd2si r32", 0xf2, 0x2c, FF_GPR_REG, L_F64),
    F("cvttsd2si r64", 0xf2, 0x2c, FF_GPR_REG | FF_W, L_F64),
    F("cvtss2si r32", 0xf3, 0x2d, FF_GPR_REG, L_F32),
    F("cvtss2si r64", 0xf3, 0x2d, FF_GPR_REG | FF_W, L_F32),
    F("cvtsd2si r32", 0xf2, 0x2d, FF_GPR_REG, L_F64),
    F("cvtsd2si r64", 0xf2, 0x2d, FF_GPR_REG | FF_W, L_F64),
    F("cvtps2pd", 0, 0x5a, 0, L_F32), F("cvtpd2ps", 0x66, 0x5a, A, L_F64),
    F("cvtss2sd", 0xf3, 0x5a, 0, L_F32), F("cvtsd2ss", 0xf2, 0x5a, 0, L_F64),
    F("cvtdq2ps", 0, 0x5b, A, L_INT), F("cvtps2dq", 0x66, 0x5b, A, L_F32),
    F("cvttps2dq", 0xf3, 0x5b, A, L_F32),
    F("cvttpd2dq", 0x66, 0xe6, A, L_F64), F("cvtdq2pd", 0xf3, 0xe6, 0, L_INT),
    F("cvtpd2dq", 0xf2, 0xe6, A, L_F64),
    /* packed integer */
#define PI(nm, op) F(nm, 0x66, op, A, L_INT)
    PI("punpcklbw", 0x60), PI("punpcklwd", 0x61), PI("punpckldq", 0x62), PI("packsswb", 0x63),
    PI("pcmpgtb", 0x64), PI("pcmpgtw", 0x65), PI("pcmpgtd", 0x66), PI("packuswb", 0x67),
    PI("punpckhbw", 0x68), PI("punpckhwd", 0x69), PI("punpckhdq", 0x6a), PI("packssdw", 0x6b),
    PI("punpcklqdq", 0x6c), PI("punpckhqdq", 0x6d),
    PI("pcmpeqb", 0x74), PI("pcmpeqw", 0x75), PI("pcmpeqd", 0x76),
    PI("psrlw", 0xd1), PI("psrld", 0xd2), PI("psrlq", 0xd3), PI("paddq", 0xd4),
    PI("pmullw", 0xd5), PI("psubusb", 0xd8), PI("psubusw", 0xd9), PI("pminub", 0xda),
    PI("pand", 0xdb), PI("paddusb", 0xdc), PI("paddusw", 0xdd), PI("pmaxub", 0xde),
    PI("pandn", 0xdf), PI("pavgb", 0xe0), PI("psraw", 0xe1), PI("psrad", 0xe2),
    PI("pavgw", 0xe3), PI("pmulhuw", 0xe4), PI("pmulhw", 0xe5), PI("psubsb", 0xe8),
    PI("psubsw", 0xe9), PI("pminsw", 0xea), PI("por", 0xeb), PI("paddsb", 0xec),
    PI("paddsw", 0xed), PI("pmaxsw", 0xee), PI("pxor", 0xef), PI("psllw", 0xf1),
    PI("pslld", 0xf2), PI("psllq", 0xf3), PI("pmuludq", 0xf4), PI("pmaddwd", 0xf5),
    PI("psadbw", 0xf6), PI("psubb", 0xf8), PI("psubw", 0xf9), PI("psubd", 0xfa),
    PI("psubq", 0xfb), PI("paddb", 0xfc), PI("paddw", 0xfd), PI("paddd", 0xfe),
    F("pshufd", 0x66, 0x70, A | FF_IMM, L_INT), F("pshufhw", 0xf3, 0x70, A | FF_IMM, L_INT),
    F("pshuflw", 0xf2, 0x70, A | FF_IMM, L_INT),
    G("psrlw imm", 0x66, 0x71, 2, FF_REG_ONLY | FF_IMM, L_INT),
    G("psraw imm", 0x66, 0x71, 4, FF_REG_ONLY | FF_IMM, L_INT),
    G("psllw imm", 0x66, 0x71, 6, FF_REG_ONLY | FF_IMM, L_INT),
    G("psrld imm", 0x66, 0x72, 2, FF_REG_ONLY | FF_IMM, L_INT),
    G("psrad imm", 0x66, 0x72, 4, FF_REG_ONLY | FF_IMM, L_INT),
    G("pslld imm", 0x66, 0x72, 6, FF_REG_ONLY | FF_IMM, L_INT),
    G("psrlq imm", 0x66, 0x73, 2, FF_REG_ONLY | FF_IMM, L_INT),
    G("psrldq", 0x66, 0x73, 3, FF_REG_ONLY | FF_IMM, L_INT),
    G("psllq imm", 0x66, 0x73, 6, FF_REG_ONLY | FF_IMM, L_INT),
    G("pslldq", 0x66, 0x73, 7, FF_REG_ONLY | FF_IMM, L_INT),
    F("pinsrw", 0x66, 0xc4, FF_GPR_RM | FF_IMM, L_INT),
    F("pextrw", 0x66, 0xc5, FF_GPR_REG | FF_REG_ONLY | FF_IMM, L_INT),
    F("pmovmskb", 0x66, 0xd7, FF_GPR_REG | FF_REG_ONLY, L_INT),
    /* state, fences and hints */
    G("ldmxcsr", 0, 0xae, 2, FF_MEM_ONLY | FF_MXCSR_MEM, L_INT),
    G("stmxcsr", 0, 0xae, 3, FF_MEM_ONLY, L_INT),
    G("lfence", 0, 0xae, 5, FF_REG_ONLY, L_INT),
    G("mfence", 0, 0xae, 6, FF_REG_ONLY, L_INT),
    G("sfence", 0, 0xae, 7, FF_REG_ONLY, L_INT),
    G("clflush", 0, 0xae, 7, FF_MEM_ONLY, L_INT),
    G("prefetchnta", 0, 0x18, 0, FF_MEM_ONLY, L_INT),
    G("prefetcht0", 0, 0x18, 1, FF_MEM_ONLY, L_INT),
    G("prefetcht1", 0, 0x18, 2, FF_MEM_ONLY, L_INT),
    G("prefetcht2", 0, 0x18, 3, FF_MEM_ONLY, L_INT),
    G("prefetchw", 0, 0x0d, 1, FF_MEM_ONLY, L_INT),
};

/* ---- running one case ---------------------------------------------------------- */

static struct harness *h;

#define ARENA_WINDOW 0x1000ull /* operands live in [ARENA + 0x1000, + 0x2000) */
#define CHECK_BYTES 96

/* Base registers usable with mod=10 and no SIB byte (not RSP/R12). */
static const uint8_t bases[] = {RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8, R9, R10, R11, R13, R14, R15};

struct encoded {
    uint8_t bytes[16];
    size_t len;
};

static struct encoded encode(const struct form *f, unsigned reg, unsigned rm, bool mem,
                             int32_t disp, uint8_t imm)
{
    struct encoded e = {{0}, 0};
    if (f->pfx)
        e.bytes[e.len++] = f->pfx;
    unsigned r = f->group >= 0 ? (unsigned)f->group : reg;
    uint8_t rex = 0x40 | ((f->flags & FF_W) ? 8 : 0) | ((r & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
    if (rex != 0x40)
        e.bytes[e.len++] = rex;
    e.bytes[e.len++] = 0x0f;
    e.bytes[e.len++] = f->op;
    e.bytes[e.len++] = (uint8_t)(((mem ? 2u : 3u) << 6) | ((r & 7) << 3) | (rm & 7));
    if (mem) {
        memcpy(&e.bytes[e.len], &disp, 4);
        e.len += 4;
    }
    if (f->flags & FF_IMM)
        e.bytes[e.len++] = imm;
    return e;
}

static void describe(char *buf, size_t n, const struct encoded *e, const struct regs *in)
{
    size_t k = 0;
    for (size_t i = 0; i < e->len && k + 3 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%02x ", e->bytes[i]);
    snprintf(buf + k, n - k, "mxcsr=%#x", in->mxcsr);
}

static bool same_state(const struct regs *a, const struct regs *b, char *why, size_t n)
{
    for (int i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i]) {
            snprintf(why, n, "gpr%d host %#llx ours %#llx", i, (unsigned long long)a->gpr[i],
                     (unsigned long long)b->gpr[i]);
            return false;
        }
    const uint64_t fl = RF_STATUS | RF_DF;
    if ((a->rflags & fl) != (b->rflags & fl)) {
        snprintf(why, n, "rflags host %#llx ours %#llx", (unsigned long long)(a->rflags & fl),
                 (unsigned long long)(b->rflags & fl));
        return false;
    }
    for (int i = 0; i < 16; i++)
        if (memcmp(&a->xmm[i], &b->xmm[i], 16)) {
            snprintf(why, n, "xmm%d host %016llx%016llx ours %016llx%016llx", i,
                     (unsigned long long)a->xmm[i].q[1], (unsigned long long)a->xmm[i].q[0],
                     (unsigned long long)b->xmm[i].q[1], (unsigned long long)b->xmm[i].q[0]);
            return false;
        }
    if (a->mxcsr != b->mxcsr) {
        snprintf(why, n, "mxcsr host %#x ours %#x", a->mxcsr, b->mxcsr);
        return false;
    }
    return true;
}

/* Run one random case of form f; returns false (with a message) on a
 * mismatch. */
static bool run_case(const struct form *f, bool mem, char *msg, size_t n)
{
    struct regs in, host_out, our_out;
    memset(&in, 0, sizeof in);
    for (int i = 0; i < 16; i++) {
        gen_xmm(&in.xmm[i], f->lanes);
        in.gpr[i] = gen_gpr();
    }
    in.gpr[RSP] = HARNESS_ARENA + 0x8000;
    in.rflags = 0x202 | (rnd() & RF_STATUS);
    in.mxcsr = gen_mxcsr();

    unsigned reg = rnd() % 16, rm = rnd() % 16;
    if ((f->flags & FF_GPR_REG) && reg == RSP)
        reg = RBX;
    if ((f->flags & FF_GPR_RM) && rm == RSP)
        rm = RSI;
    uint8_t imm = (uint8_t)rnd();
    if (f->op >= 0x71 && f->op <= 0x73 && rnd() % 2)
        imm = (uint8_t)(rnd() % 20); /* mostly in-range shift counts */

    int32_t disp = 0;
    uint64_t addr = 0;
    if (mem) {
        rm = bases[rnd() % (sizeof bases / sizeof bases[0])];
        if ((f->flags & FF_GPR_REG) && rm == reg)
            reg = (reg + 1) % 16 == RSP ? 5 : (reg + 1) % 16;
        bool misalign = (f->flags & FF_ALIGNED) ? rnd() % 10 == 0 : rnd() % 2;
        addr = HARNESS_ARENA + ARENA_WINDOW + 64 + (rnd() % 200) * 16 + (misalign ? rnd() % 16 : 0);
        disp = (int32_t)(rnd() % 256) - 128;
        in.gpr[rm] = addr - (uint64_t)(int64_t)disp;
    }
    if (f->op == 0xf7) { /* MASKMOVDQU stores to [RDI] */
        addr = HARNESS_ARENA + ARENA_WINDOW + 64 + (rnd() % 200) * 16 + rnd() % 16;
        in.gpr[RDI] = addr;
    }
    uint8_t window[CHECK_BYTES];
    if (addr) {
        for (int i = 0; i < CHECK_BYTES; i += 8) {
            uint64_t v = (rnd() & 1) ? gen_f64() : ((uint64_t)gen_f32() << 32 | gen_f32());
            memcpy(window + i, &v, 8);
        }
        if (f->flags & FF_MXCSR_MEM) {
            uint32_t m = gen_mxcsr();
            /* A reserved bit: #GP.  Not bit 17, MXCSR.MM on AMD CPUs with
             * misaligned-SSE support, which such a host accepts. */
            if (rnd() % 10 == 0)
                m |= 1u << (18 + rnd() % 14);
            else if (rnd() % 20 == 0)
                m |= 1u << 16;
            memcpy(window + 32, &m, 4);
        }
        memcpy(oracle_arena() + (addr - 32 - HARNESS_ARENA), window, CHECK_BYTES);
        ck_assert(mmu_phys_write(h->mmu, addr - 32, window, CHECK_BYTES));
    }

    struct encoded e = encode(f, reg, rm, mem, disp, imm);
    int hv = oracle_exec(e.bytes, e.len, &in, &host_out);
    int ov = harness_exec(h, e.bytes, e.len, 0, &in, &our_out);
    char what[96], why[160];
    describe(what, sizeof what, &e, &in);
    if (hv != ov) {
        snprintf(msg, n, "%s [%s]: vector host %d ours %d", f->name, what, hv, ov);
        return false;
    }
    if (hv == 19 && host_out.mxcsr != our_out.mxcsr) {
        snprintf(msg, n, "%s [%s]: #XM mxcsr host %#x ours %#x", f->name, what, host_out.mxcsr,
                 our_out.mxcsr);
        return false;
    }
    if (hv >= 0)
        return true;
    if (!same_state(&host_out, &our_out, why, sizeof why)) {
        snprintf(msg, n, "%s [%s]: %s", f->name, what, why);
        return false;
    }
    if (addr && !oracle_arena_matches(h, addr - 32, CHECK_BYTES)) {
        snprintf(msg, n, "%s [%s]: memory differs", f->name, what);
        return false;
    }
    return true;
}

#define STATES 1000

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
}

START_TEST(form_matches_host)
{
    const struct form *f = &forms[_i];
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(_i + 1) * 0x100000001b3ull);
    char msg[400];
    int failures = 0;
    for (int pass = 0; pass < 2; pass++) {
        bool mem = pass == 1;
        if ((mem && (f->flags & FF_REG_ONLY)) || (!mem && (f->flags & FF_MEM_ONLY)))
            continue;
        for (int k = 0; k < STATES; k++) {
            if (!run_case(f, mem, msg, sizeof msg)) {
                if (failures++ < 3)
                    fprintf(stderr, "MISMATCH %s\n", msg);
            }
        }
    }
    ck_assert_msg(failures == 0, "%s: %d mismatches (first printed above)", f->name, failures);
}
END_TEST

/* ---- what the host cannot show ----------------------------------------------- */

static int exec_with_cr(const uint8_t *code, size_t len, uint64_t cr0_set, uint64_t cr4_clear,
                        uint32_t mxcsr, struct regs *out)
{
    struct regs in;
    memset(&in, 0, sizeof in);
    in.rflags = 0x202;
    in.gpr[RSP] = HARNESS_ARENA + 0x8000; /* the exception frame goes here */
    in.mxcsr = mxcsr;
    in.xmm[1].f[0] = 1.0f;
    in.xmm[2].f[0] = 0.0f;
    uint64_t cr0 = h->cpu->cr0, cr4 = h->cpu->cr4;
    h->cpu->cr0 |= cr0_set;
    h->cpu->cr4 &= ~cr4_clear;
    int v = harness_exec(h, code, len, 0, &in, out);
    h->cpu->cr0 = cr0;
    h->cpu->cr4 = cr4;
    return v;
}

START_TEST(cr0_em_ts_and_osxmmexcpt)
{
    static const uint8_t divss[] = {0xf3, 0x0f, 0x5e, 0xca}; /* divss xmm1, xmm2 */
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x04, 0x25, 0x00, 0x00, 0x00, 0x10};
    struct regs out;
    /* SDM Vol. 2 "Exceptions (All Operating Modes)" of SSE instructions. */
    ck_assert_int_eq(exec_with_cr(divss, sizeof divss, 1u << 2, 0, 0x1f80, &out), EXC_UD);
    ck_assert_int_eq(exec_with_cr(divss, sizeof divss, 1u << 3, 0, 0x1f80, &out), EXC_NM);
    ck_assert_int_eq(exec_with_cr(fxsave, sizeof fxsave, 1u << 2, 0, 0x1f80, &out), EXC_NM);
    /* Division by zero with ZE unmasked: #XM, or #UD without OSXMMEXCPT;
     * the destination is unchanged and ZE is recorded. */
    ck_assert_int_eq(exec_with_cr(divss, sizeof divss, 0, 0, 0x1f80 & ~0x200u, &out), EXC_XM);
    ck_assert_float_eq(out.xmm[1].f[0], 1.0f);
    ck_assert_uint_eq(out.mxcsr & 0x3f, 0x4);
    ck_assert_int_eq(exec_with_cr(divss, sizeof divss, 0, 1u << 10, 0x1f80 & ~0x200u, &out),
                     EXC_UD);
    /* Masked: the infinity. */
    ck_assert_int_eq(exec_with_cr(divss, sizeof divss, 0, 0, 0x1f80, &out), -1);
    ck_assert_uint_eq(out.xmm[1].d[0], 0x7f800000u);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("diff_sse");
    TCase *tc = tcase_create("host");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, form_matches_host, 0, (int)(sizeof forms / sizeof forms[0]));
    tcase_add_test(tc, cr0_em_ts_and_osxmmexcpt);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
