/* test_isa_v2.c — x86-64-v2 and the scalar extensions (issue 16) against
 * the host CPU: every form ringscope implements of SSE3, SSSE3, SSE4.1,
 * SSE4.2 (PCMPESTRI/M, PCMPISTRI/M with every imm8 control byte, CRC32),
 * POPCNT, LZCNT, TZCNT, BMI1, BMI2, ADX, MOVBE, CMPXCHG16B, LAHF/SAHF,
 * PCLMULQDQ and AES-NI runs natively (tests/oracle.c, oracle_exec) and in
 * ringscope (tests/harness.c, harness_exec at CPL 3) from the same state —
 * random registers mixed with edge values, register and memory operands
 * (aligned and misaligned), random imm8 — and must agree on every GPR, the
 * status flags (masked only where the SDM leaves them undefined, per form
 * below), XMM0-15, MXCSR, the bytes around the memory operand and the
 * exception vector.  The host must have these extensions (checked with
 * CPUID first; the test fails, it does not skip, when it lacks them).
 *
 * Plus what the host cannot be compared on: RDRAND/RDSEED (deterministic
 * here: the same sequence every run, CF = 1), the CPUID bits ringscope now
 * reports, VEX decoding corner cases that must be #UD (VEX.L = 1 on BMI,
 * a 66/F2/F3/REX/LOCK prefix before VEX, AVX forms), and static musl and
 * glibc programs built with -march=x86-64-v2 -mbmi -mbmi2 -madx -mlzcnt
 * -mmovbe -maes -mpclmul whose output must equal the native run's. */
#include <check.h>
#include <cpuid.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "linux_oracle.h"
#include "oracle.h"
#include "cpu/cpuid.h"
#include "cpu/decode.h"
#include "trace/disasm.h"

/* ---- deterministic random inputs ---------------------------------------- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static uint64_t gen_gpr(void)
{
    static const uint64_t edges[] = {
        0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x7fffffffffffffffull,
        0x8000000000000000ull, 0xffffffffffffffffull, 0x1000001, 0xffffffff80000000ull,
        0x8000, 0x7fff, 0xffff, 0x10000, 0x3f, 0x40, 0x1f, 0x20, 0x0808, 0x2010, 0x4000,
        0xfffffffffffffffeull, 0x00000000ffffff01ull, 0xff00ff00ff00ff00ull,
    };
    switch (rnd() % 4) {
    case 0: return edges[rnd() % (sizeof edges / sizeof edges[0])];
    case 1: return rnd() % 300;                            /* small: counts, indices, lengths */
    case 2: return rnd() & rnd() & rnd();                  /* sparse bits */
    default: return rnd();
    }
}

/* XMM contents: random, or bytes from a small alphabet with zeros (string
 * instructions find matches, ends and ranges), or float edge values. */
static void gen_xmm(union xmm *x, bool strings)
{
    static const uint8_t alphabet[] = {0, 'a', 'b', 'c', 'z', 'A', 0x80, 0xff, '0', '9'};
    unsigned kind = strings ? (rnd() % 4 ? 1 : 0) : rnd() % 4;
    for (int i = 0; i < 16; i++)
        x->b[i] = (uint8_t)rnd();
    if (kind == 1) {
        for (int i = 0; i < 16; i++)
            x->b[i] = (rnd() % 8) ? alphabet[1 + rnd() % 4] : alphabet[rnd() % sizeof alphabet];
        if (rnd() % 3 == 0)
            x->b[rnd() % 16] = 0;
        if (rnd() % 8 == 0)
            for (int i = 0; i < 16; i += 2)
                x->b[i + 1] = rnd() % 4 ? 0 : x->b[i + 1]; /* word strings */
    } else if (kind == 2) {
        static const uint32_t f[] = {0, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00000, 0x7f800001,
                                     0x00000001, 0x3f800000, 0xbf800000, 0x3fc00000, 0x4b000001,
                                     0x3f000000, 0x40200000, 0x7f7fffff};
        for (int i = 0; i < 4; i++)
            x->d[i] = (rnd() & 1) ? f[rnd() % (sizeof f / sizeof f[0])] : x->d[i];
    } else if (kind == 3) {
        static const uint64_t d[] = {0, 0x8000000000000000ull, 0x7ff0000000000000ull,
                                     0x7ff8000000000000ull, 0x7ff0000000000001ull, 1,
                                     0x3ff0000000000000ull, 0x3ff8000000000000ull,
                                     0x4330000000000001ull, 0x3fe0000000000000ull};
        for (int i = 0; i < 2; i++)
            x->q[i] = (rnd() & 1) ? d[rnd() % (sizeof d / sizeof d[0])] : x->q[i];
    }
}

/* Elements whose products and sums overflow or underflow (or are exact
 * tiny values): the cases where unmasked OE/UE differ from masked ones. */
static void gen_extreme(union xmm *x, bool dbl)
{
    static const float f[] = {0x1p-63f, 0x1p-70f, 1e-20f, -1e-19f, 0x1p-126f, 0x1p-149f, 1e30f,
                              -3e38f, 0x1.8p100f, 1.5f, 0.0f, -0.0f, 0x1p64f, 0x1.fffffep127f};
    static const double d[] = {0x1p-511, 0x1p-540, 1e-160, -1e-155, 0x1p-1022, 0x1p-1074,
                               1e200, -1e308, 0x1.8p600, 1.5, 0.0, 0x1p512, 0x1.fffffffffffffp1023};
    for (int i = 0; i < 4; i++) {
        float v = f[rnd() % (sizeof f / sizeof f[0])] * (float)(1 + rnd() % 3);
        memcpy(&x->d[i], &v, 4);
    }
    if (dbl)
        for (int i = 0; i < 2; i++) {
            double v = d[rnd() % (sizeof d / sizeof d[0])] * (double)(1 + rnd() % 3);
            memcpy(&x->q[i], &v, 8);
        }
}

static uint32_t gen_mxcsr(void)
{
    uint32_t m = (uint32_t)(rnd() % 4) << 13 | 0x1f80;
    if (rnd() % 4 == 0)
        m |= 0x40;
    if (rnd() % 4 == 0)
        m |= 0x8000;
    if (rnd() % 8 == 0)
        m &= ~(uint32_t)(rnd() & 0x1f80);
    m |= (uint32_t)(rnd() & 0x3f) * (rnd() % 4 == 0);
    return m ? m : 0x1f80; /* (0 means "the default" to harness_exec) */
}

/* ---- instruction forms ---------------------------------------------------- */

enum {
    /* where the operands live */
    FF_GPR_REG = 1u << 0,   /* ModRM.reg is a general register (else XMM) */
    FF_GPR_RM = 1u << 1,    /* a register r/m is a general register (else XMM) */
    FF_MEM_ONLY = 1u << 2,
    FF_REG_ONLY = 1u << 3,
    FF_ALIGNED = 1u << 4,   /* a 16-byte memory operand must be aligned (#GP otherwise) */
    FF_IMM = 1u << 5,       /* an imm8 follows */
    FF_ALL_IMM = 1u << 6,   /* run every imm8 value (PCMPxSTRx) */
    FF_STRINGS = 1u << 7,   /* XMM inputs from a small alphabet; RAX/RDX small lengths */
    FF_VEX = 1u << 8,       /* VEX-encoded (C4), VEX.vvvv a general register */
    FF_XMM0 = 1u << 9,      /* implicit XMM0 operand (BLENDV): give it sign-bit variety */
    FF_RDX_SRC = 1u << 10,  /* MULX: RDX is a source */
    FF_LAHF = 1u << 11,     /* no ModRM at all */
    FF_LOCK = 1u << 12,     /* a LOCK prefix */
    FF_XLAT = 1u << 13,     /* XLATB: RBX points into the arena */
    FF_EXTREME = 1u << 14,  /* FP operands near overflow/underflow, OE and/or UE unmasked */
};

struct form {
    const char *name;
    uint8_t pfx;      /* 0, 0x66, 0xf2 or 0xf3 (legacy), or VEX.pp as that prefix byte */
    uint8_t map;      /* 1: 0F, 2: 0F 38, 3: 0F 3A (0: one-byte opcode) */
    uint8_t op;
    int8_t group;     /* fixed ModRM.reg, or -1 */
    uint8_t w;        /* REX.W / VEX.W */
    uint8_t osize16;  /* an extra 66 prefix (16-bit operand size) */
    uint16_t flags;
    uint16_t undef;   /* status flags the SDM leaves undefined for this form */
};

#define UNDEF_ASZP (RF_AF | RF_SF | RF_ZF | RF_PF)
#define UNDEF_OSAP (RF_OF | RF_SF | RF_AF | RF_PF)

/* A general-register form in its 16/32/64-bit sizes. */
#define GPR3(nm, pfx, map, op, fl, un)                                            \
    {nm " r16", pfx, map, op, -1, 0, 1, FF_GPR_REG | FF_GPR_RM | (fl), un},      \
    {nm " r32", pfx, map, op, -1, 0, 0, FF_GPR_REG | FF_GPR_RM | (fl), un},      \
    {nm " r64", pfx, map, op, -1, 1, 0, FF_GPR_REG | FF_GPR_RM | (fl), un}
#define GPR2(nm, pfx, map, op, grp, fl, un)                                       \
    {nm " r32", pfx, map, op, grp, 0, 0, FF_GPR_REG | FF_GPR_RM | (fl), un},     \
    {nm " r64", pfx, map, op, grp, 1, 0, FF_GPR_REG | FF_GPR_RM | (fl), un}
#define VEX2(nm, pp, map, op, grp, fl, un) GPR2(nm, pp, map, op, grp, FF_VEX | (fl), un)
/* An XMM, XMM/m128 form (66 prefix unless stated). */
#define X(nm, pfx, map, op, fl) {nm, pfx, map, op, -1, 0, 0, (fl), 0}
#define A FF_ALIGNED

static const struct form forms[] = {
    /* POPCNT, LZCNT, TZCNT (SDM: LZCNT/TZCNT leave OF SF AF PF undefined) */
    GPR3("popcnt", 0xf3, 1, 0xb8, 0, 0),
    GPR3("lzcnt", 0xf3, 1, 0xbd, 0, UNDEF_OSAP),
    GPR3("tzcnt", 0xf3, 1, 0xbc, 0, UNDEF_OSAP),
    /* ADX */
    GPR2("adcx", 0x66, 2, 0xf6, -1, 0, 0),
    GPR2("adox", 0xf3, 2, 0xf6, -1, 0, 0),
    /* MOVBE: memory only */
    GPR3("movbe load", 0, 2, 0xf0, FF_MEM_ONLY, 0),
    GPR3("movbe store", 0, 2, 0xf1, FF_MEM_ONLY, 0),
    /* CRC32 (SSE4.2): r/m8 and r/m16/32/64 sources, 32/64-bit destinations */
    {"crc32 r32, r/m8", 0xf2, 2, 0xf0, -1, 0, 0, FF_GPR_REG | FF_GPR_RM, 0},
    {"crc32 r64, r/m8", 0xf2, 2, 0xf0, -1, 1, 0, FF_GPR_REG | FF_GPR_RM, 0},
    GPR3("crc32 r, r/m", 0xf2, 2, 0xf1, 0, 0),
    /* BMI1 (VEX): ANDN/BEXTR: AF PF undefined (BEXTR also SF); BLS*: AF PF */
    VEX2("andn", 0, 2, 0xf2, -1, 0, RF_AF | RF_PF),
    VEX2("bextr", 0, 2, 0xf7, -1, 0, RF_AF | RF_PF | RF_SF),
    VEX2("blsr", 0, 2, 0xf3, 1, 0, RF_AF | RF_PF),
    VEX2("blsmsk", 0, 2, 0xf3, 2, 0, RF_AF | RF_PF),
    VEX2("blsi", 0, 2, 0xf3, 3, 0, RF_AF | RF_PF),
    /* BMI2 (VEX) */
    VEX2("bzhi", 0, 2, 0xf5, -1, 0, RF_AF | RF_PF),
    VEX2("pext", 0xf3, 2, 0xf5, -1, 0, 0),
    VEX2("pdep", 0xf2, 2, 0xf5, -1, 0, 0),
    VEX2("mulx", 0xf2, 2, 0xf6, -1, FF_RDX_SRC, 0),
    VEX2("sarx", 0xf3, 2, 0xf7, -1, 0, 0),
    VEX2("shlx", 0x66, 2, 0xf7, -1, 0, 0),
    VEX2("shrx", 0xf2, 2, 0xf7, -1, 0, 0),
    VEX2("rorx", 0xf2, 3, 0xf0, -1, FF_IMM, 0),
    /* CMPXCHG16B, LAHF/SAHF in 64-bit mode */
    {"cmpxchg16b", 0, 1, 0xc7, 1, 1, 0, FF_MEM_ONLY | FF_GPR_REG | A, 0},
    {"cmpxchg8b", 0, 1, 0xc7, 1, 0, 0, FF_MEM_ONLY | FF_GPR_REG, 0},
    {"lock cmpxchg16b", 0, 1, 0xc7, 1, 1, 0, FF_MEM_ONLY | FF_GPR_REG | A | FF_LOCK, 0},
    {"xlatb", 0, 0, 0xd7, -1, 0, 0, FF_LAHF | FF_XLAT, 0},
    {"lahf", 0, 0, 0x9f, -1, 0, 0, FF_LAHF, 0},
    {"sahf", 0, 0, 0x9e, -1, 0, 0, FF_LAHF, 0},
    /* SSE3 */
    X("addsubpd", 0x66, 1, 0xd0, A), X("addsubps", 0xf2, 1, 0xd0, A),
    X("haddpd", 0x66, 1, 0x7c, A), X("haddps", 0xf2, 1, 0x7c, A),
    X("hsubpd", 0x66, 1, 0x7d, A), X("hsubps", 0xf2, 1, 0x7d, A),
    X("movsldup", 0xf3, 1, 0x12, A), X("movshdup", 0xf3, 1, 0x16, A),
    X("movddup", 0xf2, 1, 0x12, 0), X("lddqu", 0xf2, 1, 0xf0, FF_MEM_ONLY),
    /* SSE/SSE2 with an MMX source, its memory form (the MMX register forms:
     * tests/isa_v2/mmx_bridge.c) */
    X("cvtpi2ps m64", 0, 1, 0x2a, FF_MEM_ONLY), X("cvtpi2pd m64", 0x66, 1, 0x2a, FF_MEM_ONLY),
    /* SSSE3 */
    X("pshufb", 0x66, 2, 0x00, A), X("phaddw", 0x66, 2, 0x01, A), X("phaddd", 0x66, 2, 0x02, A),
    X("phaddsw", 0x66, 2, 0x03, A), X("pmaddubsw", 0x66, 2, 0x04, A),
    X("phsubw", 0x66, 2, 0x05, A), X("phsubd", 0x66, 2, 0x06, A), X("phsubsw", 0x66, 2, 0x07, A),
    X("psignb", 0x66, 2, 0x08, A), X("psignw", 0x66, 2, 0x09, A), X("psignd", 0x66, 2, 0x0a, A),
    X("pmulhrsw", 0x66, 2, 0x0b, A), X("pabsb", 0x66, 2, 0x1c, A), X("pabsw", 0x66, 2, 0x1d, A),
    X("pabsd", 0x66, 2, 0x1e, A), X("palignr", 0x66, 3, 0x0f, A | FF_IMM),
    /* SSE4.1 */
    X("pblendvb", 0x66, 2, 0x10, A | FF_XMM0), X("blendvps", 0x66, 2, 0x14, A | FF_XMM0),
    X("blendvpd", 0x66, 2, 0x15, A | FF_XMM0), X("ptest", 0x66, 2, 0x17, A),
    X("pmovsxbw", 0x66, 2, 0x20, 0), X("pmovsxbd", 0x66, 2, 0x21, 0),
    X("pmovsxbq", 0x66, 2, 0x22, 0), X("pmovsxwd", 0x66, 2, 0x23, 0),
    X("pmovsxwq", 0x66, 2, 0x24, 0), X("pmovsxdq", 0x66, 2, 0x25, 0),
    X("pmuldq", 0x66, 2, 0x28, A), X("pcmpeqq", 0x66, 2, 0x29, A),
    X("movntdqa", 0x66, 2, 0x2a, A | FF_MEM_ONLY), X("packusdw", 0x66, 2, 0x2b, A),
    X("pmovzxbw", 0x66, 2, 0x30, 0), X("pmovzxbd", 0x66, 2, 0x31, 0),
    X("pmovzxbq", 0x66, 2, 0x32, 0), X("pmovzxwd", 0x66, 2, 0x33, 0),
    X("pmovzxwq", 0x66, 2, 0x34, 0), X("pmovzxdq", 0x66, 2, 0x35, 0),
    X("pminsb", 0x66, 2, 0x38, A), X("pminsd", 0x66, 2, 0x39, A), X("pminuw", 0x66, 2, 0x3a, A),
    X("pminud", 0x66, 2, 0x3b, A), X("pmaxsb", 0x66, 2, 0x3c, A), X("pmaxsd", 0x66, 2, 0x3d, A),
    X("pmaxuw", 0x66, 2, 0x3e, A), X("pmaxud", 0x66, 2, 0x3f, A), X("pmulld", 0x66, 2, 0x40, A),
    X("phminposuw", 0x66, 2, 0x41, A),
    X("roundps", 0x66, 3, 0x08, A | FF_IMM), X("roundpd", 0x66, 3, 0x09, A | FF_IMM),
    X("roundss", 0x66, 3, 0x0a, FF_IMM), X("roundsd", 0x66, 3, 0x0b, FF_IMM),
    X("blendps", 0x66, 3, 0x0c, A | FF_IMM), X("blendpd", 0x66, 3, 0x0d, A | FF_IMM),
    X("pblendw", 0x66, 3, 0x0e, A | FF_IMM),
    X("pextrb", 0x66, 3, 0x14, FF_GPR_RM | FF_IMM), X("pextrw m16/r32", 0x66, 3, 0x15, FF_GPR_RM | FF_IMM),
    X("pextrd", 0x66, 3, 0x16, FF_GPR_RM | FF_IMM),
    {"pextrq", 0x66, 3, 0x16, -1, 1, 0, FF_GPR_RM | FF_IMM, 0},
    X("extractps", 0x66, 3, 0x17, FF_GPR_RM | FF_IMM),
    X("pinsrb", 0x66, 3, 0x20, FF_GPR_RM | FF_IMM), X("insertps", 0x66, 3, 0x21, FF_IMM),
    X("pinsrd", 0x66, 3, 0x22, FF_GPR_RM | FF_IMM),
    {"pinsrq", 0x66, 3, 0x22, -1, 1, 0, FF_GPR_RM | FF_IMM, 0},
    X("dpps", 0x66, 3, 0x40, A | FF_IMM), X("dppd", 0x66, 3, 0x41, A | FF_IMM),
    X("mpsadbw", 0x66, 3, 0x42, A | FF_IMM),
    /* the floating-point forms whose flags are recomputed when OE/UE are unmasked */
    X("dpps OE/UE unmasked", 0x66, 3, 0x40, A | FF_IMM | FF_EXTREME),
    X("dppd OE/UE unmasked", 0x66, 3, 0x41, A | FF_IMM | FF_EXTREME),
    X("addsubpd OE/UE unmasked", 0x66, 1, 0xd0, A | FF_EXTREME),
    X("addsubps OE/UE unmasked", 0xf2, 1, 0xd0, A | FF_EXTREME),
    X("haddpd OE/UE unmasked", 0x66, 1, 0x7c, A | FF_EXTREME),
    X("haddps OE/UE unmasked", 0xf2, 1, 0x7c, A | FF_EXTREME),
    X("hsubpd OE/UE unmasked", 0x66, 1, 0x7d, A | FF_EXTREME),
    X("hsubps OE/UE unmasked", 0xf2, 1, 0x7d, A | FF_EXTREME),
    X("roundps extremes", 0x66, 3, 0x08, A | FF_IMM | FF_EXTREME),
    X("roundsd extremes", 0x66, 3, 0x0b, FF_IMM | FF_EXTREME),
    /* SSE4.2 (CRC32 above) */
    X("pcmpgtq", 0x66, 2, 0x37, A),
    X("pcmpestrm", 0x66, 3, 0x60, FF_ALL_IMM | FF_STRINGS),
    X("pcmpestri", 0x66, 3, 0x61, FF_ALL_IMM | FF_STRINGS),
    {"pcmpestrm rex.w", 0x66, 3, 0x60, -1, 1, 0, FF_IMM | FF_STRINGS, 0},
    {"pcmpestri rex.w", 0x66, 3, 0x61, -1, 1, 0, FF_IMM | FF_STRINGS, 0},
    X("pcmpistrm", 0x66, 3, 0x62, FF_ALL_IMM | FF_STRINGS),
    X("pcmpistri", 0x66, 3, 0x63, FF_ALL_IMM | FF_STRINGS),
    /* PCLMULQDQ, AES-NI */
    X("pclmulqdq", 0x66, 3, 0x44, A | FF_IMM),
    X("aesimc", 0x66, 2, 0xdb, A), X("aesenc", 0x66, 2, 0xdc, A),
    X("aesenclast", 0x66, 2, 0xdd, A), X("aesdec", 0x66, 2, 0xde, A),
    X("aesdeclast", 0x66, 2, 0xdf, A), X("aeskeygenassist", 0x66, 3, 0xdf, A | FF_IMM),
};

/* ---- running one case ---------------------------------------------------------- */

static struct harness *h;
static unsigned long cases_run, forms_run, imm_values_run;

#define ARENA_WINDOW 0x1000ull
#define CHECK_BYTES 96

/* Base registers usable with mod=10 and no SIB byte (not RSP/R12). */
static const uint8_t bases[] = {RAX, RCX, RDX, RBX, RBP, RSI, RDI, R8, R9, R10, R11, R13, R14, R15};

struct encoded {
    uint8_t bytes[20];
    size_t len;
};

static struct encoded encode(const struct form *f, unsigned reg, unsigned rm, unsigned vvvv,
                             bool mem, int32_t disp, uint8_t imm)
{
    struct encoded e = {{0}, 0};
    unsigned r = f->group >= 0 ? (unsigned)f->group : reg;
    if (f->flags & FF_VEX) {
        /* C4 [R X B mmmmm] [W vvvv L pp], the register bits inverted. */
        unsigned pp = f->pfx == 0x66 ? 1 : f->pfx == 0xf3 ? 2 : f->pfx == 0xf2 ? 3 : 0;
        e.bytes[e.len++] = 0xc4;
        e.bytes[e.len++] = (uint8_t)((((r & 8) ? 0 : 0x80) | 0x40 | ((rm & 8) ? 0 : 0x20)) | f->map);
        e.bytes[e.len++] = (uint8_t)((f->w ? 0x80 : 0) | ((~vvvv & 15) << 3) | pp);
        e.bytes[e.len++] = f->op;
    } else {
        if (f->flags & FF_LOCK)
            e.bytes[e.len++] = 0xf0;
        if (f->osize16)
            e.bytes[e.len++] = 0x66;
        if (f->pfx)
            e.bytes[e.len++] = f->pfx;
        uint8_t rex = 0x40 | (f->w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
        if (rex != 0x40 || ((f->flags & FF_GPR_RM) && f->op == 0xf0 && f->map == 2 && (rnd() & 1)))
            e.bytes[e.len++] = rex;                 /* (a byte r/m: sometimes SPL.. not AH..) */
        if (f->map >= 1)
            e.bytes[e.len++] = 0x0f;
        if (f->map == 2)
            e.bytes[e.len++] = 0x38;
        if (f->map == 3)
            e.bytes[e.len++] = 0x3a;
        e.bytes[e.len++] = f->op;
        if (f->flags & FF_LAHF)
            return e;
    }
    e.bytes[e.len++] = (uint8_t)(((mem ? 2u : 3u) << 6) | ((r & 7) << 3) | (rm & 7));
    if (mem) {
        memcpy(&e.bytes[e.len], &disp, 4);
        e.len += 4;
    }
    if (f->flags & (FF_IMM | FF_ALL_IMM))
        e.bytes[e.len++] = imm;
    return e;
}

static void describe(char *buf, size_t n, const struct encoded *e)
{
    size_t k = 0;
    for (size_t i = 0; i < e->len && k + 3 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%02x ", e->bytes[i]);
}

static bool same_state(const struct regs *a, const struct regs *b, uint64_t undef, char *why,
                       size_t n)
{
    for (int i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i]) {
            snprintf(why, n, "gpr%d host %#llx ours %#llx", i, (unsigned long long)a->gpr[i],
                     (unsigned long long)b->gpr[i]);
            return false;
        }
    const uint64_t fl = (RF_STATUS | RF_DF) & ~undef;
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

/* Run one random case of form f; false (with a message) on a mismatch. */
static bool run_case(const struct form *f, bool mem, int imm_fixed, char *msg, size_t n)
{
    struct regs in, host_out, our_out;
    memset(&in, 0, sizeof in);
    bool strings = f->flags & FF_STRINGS;
    for (int i = 0; i < 16; i++) {
        gen_xmm(&in.xmm[i], strings);
        if (f->flags & FF_EXTREME)
            gen_extreme(&in.xmm[i], f->pfx == 0x66 && f->op != 0x40);
        in.gpr[i] = gen_gpr();
    }
    if (strings) { /* explicit lengths: mostly -20..20, sometimes huge or negative */
        in.gpr[RAX] = rnd() % 8 ? (uint64_t)(int64_t)((int)(rnd() % 41) - 20) : gen_gpr();
        in.gpr[RDX] = rnd() % 8 ? (uint64_t)(int64_t)((int)(rnd() % 41) - 20) : gen_gpr();
    }
    in.gpr[RSP] = HARNESS_ARENA + 0x8000;
    in.rflags = 0x202 | (rnd() & RF_STATUS);
    in.mxcsr = gen_mxcsr();
    if (f->flags & FF_EXTREME) { /* OE, UE or both unmasked; PE and DE sometimes */
        in.mxcsr &= ~((1 + rnd() % 3) << 10 | (rnd() % 4 == 0 ? 0x1000u : 0) |
                      (rnd() % 4 == 0 ? 0x100u : 0));
        if (!in.mxcsr)
            in.mxcsr = 0x80;     /* (0 means "the default" to harness_exec) */
    }

    unsigned reg = rnd() % 16, rm = rnd() % 16, vvvv = rnd() % 16;
    if (f->flags & FF_LAHF)
        reg = rm = 0;
    if ((f->flags & FF_GPR_REG) && reg == RSP)
        reg = RBX;
    if ((f->flags & FF_GPR_RM) && rm == RSP)
        rm = RSI;
    if ((f->flags & FF_VEX) && vvvv == RSP)
        vvvv = RDI;
    if (f->op == 0xf0 && f->map == 3)
        vvvv = 0;                               /* RORX: VEX.vvvv must be 1111b */
    uint8_t imm = imm_fixed >= 0 ? (uint8_t)imm_fixed : (uint8_t)rnd();

    int32_t disp = 0;
    uint64_t addr = 0;
    if (mem) {
        rm = bases[rnd() % (sizeof bases / sizeof bases[0])];
        if (f->op == 0xc7 && f->map == 1) {
            if (rm == RAX || rm == RDX)
                rm = RSI;                       /* CMPXCHG8B/16B read RDX:RAX */
            if (rnd() % 2) {                    /* the comparison succeeds half the time */
                in.gpr[RAX] = 0x1111;
                in.gpr[RDX] = 0x2222;
            }
        }
        if ((f->flags & FF_GPR_REG) && rm == reg)
            reg = (reg + 1) % 16 == RSP ? 5 : (reg + 1) % 16;
        bool misalign = (f->flags & FF_ALIGNED) ? rnd() % 10 == 0 : rnd() % 2;
        addr = HARNESS_ARENA + ARENA_WINDOW + 64 + (rnd() % 200) * 16 + (misalign ? rnd() % 16 : 0);
        disp = (int32_t)(rnd() % 256) - 128;
        in.gpr[rm] = addr - (uint64_t)(int64_t)disp;
    }
    if (f->flags & FF_XLAT) {              /* XLATB reads [RBX + AL] */
        addr = HARNESS_ARENA + ARENA_WINDOW + 64 + (rnd() % 200) * 16;
        in.gpr[RBX] = addr - 32 + rnd() % 64 - (in.gpr[RAX] & 0xff);
    }
    if ((f->flags & FF_VEX) && mem && vvvv == rm && rnd() % 2)
        vvvv = (vvvv + 3) % 16 == RSP ? 0 : (vvvv + 3) % 16;
    uint8_t window[CHECK_BYTES];
    if (addr) {
        for (int i = 0; i < CHECK_BYTES; i += 16) {
            union xmm x;
            gen_xmm(&x, strings);
            if (f->flags & FF_EXTREME)
                gen_extreme(&x, f->pfx == 0x66 && f->op != 0x40);
            memcpy(window + i, &x, 16);
        }
        if (f->op == 0xc7 && f->map == 1 && in.gpr[RAX] == 0x1111) {
            uint64_t lo = f->w ? 0x1111 : 0x0000222200001111ull, hi = 0x2222;
            memcpy(window + 32, &lo, 8);
            if (f->w)
                memcpy(window + 40, &hi, 8);
        }
        memcpy(oracle_arena() + (addr - 32 - HARNESS_ARENA), window, CHECK_BYTES);
        ck_assert(mmu_phys_write(h->mmu, addr - 32, window, CHECK_BYTES));
    }

    struct encoded e = encode(f, reg, rm, vvvv, mem, disp, imm);
    int hv = oracle_exec(e.bytes, e.len, &in, &host_out);
    int ov = harness_exec(h, e.bytes, e.len, 3, &in, &our_out);
    cases_run++;
    char what[80], why[160];
    describe(what, sizeof what, &e);
    if (hv != ov) {
        snprintf(msg, n, "%s [%s]: vector host %d ours %d (mxcsr in %#x host %#x ours %#x)",
                 f->name, what, hv, ov, in.mxcsr, host_out.mxcsr, our_out.mxcsr);
        return false;
    }
    if (hv >= 0)
        return true;
    if (!same_state(&host_out, &our_out, f->undef, why, sizeof why)) {
        snprintf(msg, n, "%s [%s]: %s", f->name, what, why);
        return false;
    }
    if (addr && !oracle_arena_matches(h, addr - 32, CHECK_BYTES)) {
        snprintf(msg, n, "%s [%s]: memory differs", f->name, what);
        return false;
    }
    return true;
}

#define STATES 600
#define STATES_PER_IMM 60

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
    printf("test_isa_v2: %lu forms, %lu cases against the host CPU (%lu imm8 values of "
           "PCMPxSTRx)\n", forms_run, cases_run, imm_values_run);
}

/* The host must implement what we compare against. */
START_TEST(host_has_the_extensions)
{
    unsigned a, b, c, d;
    __cpuid_count(1, 0, a, b, c, d);
    ck_assert_msg((c & (1u << 0)) && (c & (1u << 9)) && (c & (1u << 19)) && (c & (1u << 20)) &&
                      (c & (1u << 23)) && (c & (1u << 1)) && (c & (1u << 25)) && (c & (1u << 22)),
                  "host lacks SSE3/SSSE3/SSE4.x/POPCNT/PCLMULQDQ/AES/MOVBE: ecx=%#x", c);
    __cpuid_count(7, 0, a, b, c, d);
    ck_assert_msg((b & (1u << 3)) && (b & (1u << 8)) && (b & (1u << 19)),
                  "host lacks BMI1/BMI2/ADX: ebx=%#x", b);
    __cpuid_count(0x80000001, 0, a, b, c, d);
    ck_assert_msg((c & (1u << 5)) && (c & 1), "host lacks LZCNT/LAHF-LM: ecx=%#x", c);
}
END_TEST

START_TEST(form_matches_host)
{
    const struct form *f = &forms[_i];
    rng = 0x9e3779b97f4a7c15ull ^ ((uint64_t)(_i + 1) * 0x100000001b3ull);
    char msg[400];
    int failures = 0;
    forms_run++;
    for (int pass = 0; pass < 2; pass++) {
        bool mem = pass == 1;
        if ((mem && (f->flags & (FF_REG_ONLY | FF_LAHF))) || (!mem && (f->flags & FF_MEM_ONLY)))
            continue;
        if (f->flags & FF_ALL_IMM) {
            for (int imm = 0; imm < 256; imm++) {
                imm_values_run += !mem;
                for (int k = 0; k < STATES_PER_IMM; k++)
                    if (!run_case(f, mem, imm, msg, sizeof msg) && failures++ < 3)
                        fprintf(stderr, "MISMATCH %s\n", msg);
            }
            continue;
        }
        for (int k = 0; k < STATES; k++)
            if (!run_case(f, mem, -1, msg, sizeof msg) && failures++ < 3)
                fprintf(stderr, "MISMATCH %s\n", msg);
    }
    ck_assert_msg(failures == 0, "%s: %d mismatches (first printed above)", f->name, failures);
}
END_TEST

/* Every form as the trace and the debugger show it (trace/disasm.c,
 * capstone behind the length our decoder gives): our decoder reads the
 * encoding's full length, and the text names the instruction our opcode
 * table names, never "(bad)". */
START_TEST(disassembly_names_every_form)
{
    struct disasm *d = disasm_new();
    ck_assert_ptr_nonnull(d);
    rng = 0x5eed;
    unsigned checked = 0;
    for (size_t i = 0; i < sizeof forms / sizeof forms[0]; i++) {
        const struct form *f = &forms[i];
        for (int k = 0; k < 8; k++) {
            bool mem = (f->flags & FF_MEM_ONLY) || (!(f->flags & (FF_REG_ONLY | FF_LAHF)) && (k & 1));
            unsigned reg = rnd() % 16, rm = mem ? bases[rnd() % sizeof bases] : rnd() % 16;
            struct encoded e = encode(f, f->flags & FF_LAHF ? 0 : reg, f->flags & FF_LAHF ? 0 : rm,
                                      f->op == 0xf0 && f->map == 3 ? 0 : rnd() % 16, mem,
                                      (int32_t)(rnd() % 256) - 128, (uint8_t)rnd());
            struct insn in;
            ck_assert_msg(decode(e.bytes, e.len, &in) == DECODE_OK && in.len == e.len,
                          "%s: decode", f->name);
            const char *ours = insn_mnemonic(&in);
            struct disasm_line l = disasm_text(d, HARNESS_CODE, HARNESS_CODE, e.bytes, in.len);
            const char *text = strncmp(l.text, "lock ", 5) == 0 ? l.text + 5 : l.text;
            size_t n = strcspn(text, " ");
            ck_assert_msg(ours && strlen(ours) == n && strncmp(text, ours, n) == 0,
                          "%s: trace text \"%s\", our name %s", f->name, l.text, ours);
            checked++;
        }
    }
    printf("test_isa_v2: %u encodings of %zu forms named alike by our decoder and the trace's "
           "disassembly\n", checked, sizeof forms / sizeof forms[0]);
    disasm_free(d);
}
END_TEST

/* ---- what the host cannot show ----------------------------------------------- */

static int run_ours(const uint8_t *code, size_t len, struct regs *in, struct regs *out)
{
    in->gpr[RSP] = HARNESS_ARENA + 0x8000;
    in->rflags |= 0x202;
    return harness_exec(h, code, len, 3, in, out);
}

/* RDRAND/RDSEED: no host comparison (the host's are random); ours are a
 * deterministic sequence (the same numbers every run and after a new CPU),
 * CF = 1 and the other status flags 0, all operand sizes. */
START_TEST(rdrand_is_deterministic)
{
    static const uint8_t rdrand_rax[] = {0x48, 0x0f, 0xc7, 0xf0};
    static const uint8_t rdseed_ecx[] = {0x0f, 0xc7, 0xf9};
    static const uint8_t rdrand_dx[] = {0x66, 0x0f, 0xc7, 0xf2};
    uint64_t first[3];
    for (int round = 0; round < 2; round++) {
        harness_free(h);
        h = harness_new(0);
        struct regs in, out;
        memset(&in, 0, sizeof in);
        in.rflags = RF_ZF | RF_SF | RF_OF;
        in.gpr[RDX] = 0xaaaaaaaaaaaaaaaaull;
        in.gpr[RCX] = ~0ull;
        ck_assert_int_eq(run_ours(rdrand_rax, sizeof rdrand_rax, &in, &out), -1);
        ck_assert_uint_eq(out.rflags & RF_STATUS, RF_CF);
        uint64_t a = out.gpr[RAX];
        ck_assert_int_eq(run_ours(rdseed_ecx, sizeof rdseed_ecx, &in, &out), -1);
        ck_assert_uint_eq(out.gpr[RCX] >> 32, 0);   /* 32-bit destination zero-extends */
        ck_assert_uint_eq(out.rflags & RF_STATUS, RF_CF);
        uint64_t c = out.gpr[RCX];
        ck_assert_int_eq(run_ours(rdrand_dx, sizeof rdrand_dx, &in, &out), -1);
        ck_assert_uint_eq(out.gpr[RDX] >> 16, 0xaaaaaaaaaaaaull); /* 16-bit: the rest kept */
        if (round == 0) {
            first[0] = a, first[1] = c, first[2] = out.gpr[RDX];
            ck_assert_uint_ne(a, (uint32_t)c);
        } else {
            ck_assert_uint_eq(a, first[0]);
            ck_assert_uint_eq(c, first[1]);
            ck_assert_uint_eq(out.gpr[RDX], first[2]);
        }
    }
}
END_TEST

/* CPUID reports exactly the implemented extensions and no AVX/OSXSAVE. */
START_TEST(cpuid_reports_the_extensions)
{
    struct cpuid_regs r1 = cpuid_query(1, 0), r7 = cpuid_query(7, 0),
                      r81 = cpuid_query(0x80000001, 0);
    /* leaf 1 ECX: SSE3 0, PCLMULQDQ 1, SSSE3 9, CX16 13, SSE4.1 19, SSE4.2 20, MOVBE 22,
     * POPCNT 23, AES 25, RDRAND 30; not XSAVE 26, OSXSAVE 27, AVX 28, FMA 12, F16C 29. */
    ck_assert_uint_eq(r1.ecx, (1u << 0) | (1u << 1) | (1u << 9) | (1u << 13) | (1u << 19) |
                                  (1u << 20) | (1u << 22) | (1u << 23) | (1u << 25) | (1u << 30));
    /* leaf 7 EBX: BMI1 3, SMEP 7, BMI2 8, RDSEED 18, ADX 19, SMAP 20; not AVX2 5. */
    ck_assert_uint_eq(r7.ebx, (1u << 3) | (1u << 7) | (1u << 8) | (1u << 18) | (1u << 19) |
                                  (1u << 20));
    ck_assert_uint_eq(r7.ecx, 0);
    /* 0x80000001 ECX: LAHF-LM 0, ABM (LZCNT) 5; EDX: RDTSCP 27 among the rest. */
    ck_assert_uint_eq(r81.ecx, (1u << 0) | (1u << 5));
    ck_assert(r81.edx & (1u << 27));
}
END_TEST

/* VEX: what must be #UD — VEX.L = 1 on BMI, a legacy 66/F2/F3/REX/LOCK
 * before VEX, reserved maps, AVX forms (no row), RORX with vvvv != 1111b.
 * The host agrees on every one of these (it has AVX, so the AVX form is
 * compared only in ringscope). */
START_TEST(vex_invalid_forms_are_ud)
{
    static const struct {
        uint8_t b[8];
        uint8_t len;
        bool host;   /* the host raises #UD too */
    } cases[] = {
        {{0xc4, 0xe2, 0x7c, 0xf2, 0xc1}, 5, true},        /* andn with VEX.L = 1 */
        {{0x66, 0xc4, 0xe2, 0x78, 0xf2, 0xc1}, 6, true},  /* 66 before VEX */
        {{0xf3, 0xc4, 0xe2, 0x78, 0xf2, 0xc1}, 6, true},  /* F3 before VEX */
        {{0x48, 0xc4, 0xe2, 0x78, 0xf2, 0xc1}, 6, true},  /* REX before VEX */
        {{0xf0, 0xc4, 0xe2, 0x78, 0xf2, 0x01}, 6, true},  /* LOCK before VEX */
        {{0xc4, 0xe4, 0x78, 0xf2, 0xc1}, 5, true},        /* mmmmm = 4: reserved */
        {{0xc4, 0xe3, 0x73, 0xf0, 0xc1, 0x05}, 6, true},  /* rorx with vvvv = 1 */
        {{0xc5, 0xf8, 0x58, 0xc1}, 4, false},             /* vaddps: AVX, not reported */
        {{0xc5, 0xf8, 0x77}, 3, false},                   /* vzeroupper */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct regs in, out;
        memset(&in, 0, sizeof in);
        in.gpr[RCX] = HARNESS_ARENA + 0x1000;
        in.gpr[RSP] = HARNESS_ARENA + 0x8000;
        in.rflags = 0x202;
        in.mxcsr = 0x1f80;
        ck_assert_msg(run_ours(cases[i].b, cases[i].len, &in, &out) == EXC_UD, "case %zu", i);
        if (cases[i].host)
            ck_assert_msg(oracle_exec(cases[i].b, cases[i].len, &in, &out) == EXC_UD,
                          "host case %zu", i);
    }
}
END_TEST

/* ---- real programs built for x86-64-v2 ------------------------------------------ */

#define V2_FLAGS "-march=x86-64-v2 -mbmi -mbmi2 -madx -mlzcnt -mmovbe -maes -mpclmul"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s", path);
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    do {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            ck_assert_ptr_nonnull(buf);
        }
        n = fread(buf + len, 1, 4096, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = 0;
    return buf;
}

/* tests/isa_v2/v2_program.c for musl and glibc: the same stdout and status
 * as natively (glibc's string functions are its SSE4.2/SSSE3 versions
 * here, see the next test). */
START_TEST(v2_programs_same_as_native)
{
    char *src = slurp("tests/isa_v2/v2_program.c");
    const char *musl = oracle_compile("v2_musl", "musl-gcc -static " V2_FLAGS, src);
    const char *glibc = oracle_compile("v2_glibc", "gcc -static " V2_FLAGS, src);
    machine_free(oracle_same_as_native(musl, 0, NULL, NULL, 0));
    machine_free(oracle_same_as_native(glibc, 0, NULL, NULL, 0));
    free(src);
}
END_TEST

/* tests/isa_v2/mmx_bridge.c: MOVDQ2Q, MOVQ2DQ, the MMX conversions and
 * EMMS with the x87 state they change (TOP, tags, the register's exponent;
 * no transition for a memory source), as natively. */
START_TEST(mmx_bridge_same_as_native)
{
    char *src = slurp("tests/isa_v2/mmx_bridge.c");
    machine_free(oracle_same_as_native(oracle_musl("mmx_bridge_musl", src), 0, NULL, NULL, 0));
    machine_free(oracle_same_as_native(oracle_glibc("mmx_bridge_glibc", src), 0, NULL, NULL, 0));
    free(src);
}
END_TEST

/* tests/isa_v2/tour.c under `ringscope run --trace=insn`: capstone's
 * disassembly in the trace names every new instruction it executes, and
 * the symbols show glibc's ifuncs chose its SSE4.2 and SSSE3 functions
 * from our CPUID (and they ran: the program's output is checked). */
START_TEST(trace_names_the_new_instructions)
{
    char *src = slurp("tests/isa_v2/tour.c");
    const char *exe = oracle_compile("tour", "gcc -static " V2_FLAGS, src);
    free(src);
    char trace[512], out[512], cmd[2048];
    snprintf(trace, sizeof trace, "%s/tour.trace", oracle_workdir());
    snprintf(out, sizeof out, "%s/tour.out", oracle_workdir());
    snprintf(cmd, sizeof cmd, "%s run --trace=insn --trace-ring 3 --trace-file %s %s > %s",
             oracle_ringscope(), trace, exe, out);
    ck_assert_msg(system(cmd) == 0, "%s", cmd);
    char *o = slurp(out);
    ck_assert_msg(strcmp(o, "2886620786010904030 1 0 7\n") == 0, "output %s", o);
    free(o);
    char *t = slurp(trace);
    static const char *const names[] = {
        "popcnt", "lzcnt", "tzcnt", "andn", "bextr", "blsr", "blsi", "blsmsk", "bzhi", "pdep",
        "pext", "mulx", "shlx", "shrx", "sarx", "rorx", "adcx", "adox", "movbe", "crc32",
        "aesenc", "pclmulqdq", "pshufb", "pmulld", "roundsd", "pcmpistri",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char pat[32];
        snprintf(pat, sizeof pat, " %s ", names[i]);
        ck_assert_msg(strstr(t, pat), "no %s in the trace", names[i]);
    }
    ck_assert_msg(strstr(t, "__strcasecmp_sse42") && strstr(t, "__strcspn_sse42") &&
                      strstr(t, "_ssse3+"), "glibc did not pick its SSE4.2/SSSE3 functions");
    free(t);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("isa_v2");
    TCase *tc = tcase_create("host");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, host_has_the_extensions);
    tcase_add_loop_test(tc, form_matches_host, 0, (int)(sizeof forms / sizeof forms[0]));
    tcase_add_test(tc, disassembly_names_every_form);
    tcase_add_test(tc, rdrand_is_deterministic);
    tcase_add_test(tc, cpuid_reports_the_extensions);
    tcase_add_test(tc, vex_invalid_forms_are_ud);
    suite_add_tcase(s, tc);
    TCase *prog = tcase_create("programs");
    tcase_add_checked_fixture(prog, NULL, oracle_cleanup);
    tcase_set_timeout(prog, 300);
    tcase_add_test(prog, v2_programs_same_as_native);
    tcase_add_test(prog, trace_names_the_new_instructions);
    tcase_add_test(prog, mmx_bridge_same_as_native);
    suite_add_tcase(s, prog);
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
