/* test_mmx.c — the MMX instruction set and every MMX-register form of
 * SSE, SSE2 and SSSE3 against the host CPU (tests/oracle.c) and capstone.
 *
 * The MMX registers are the significands of the eight x87 registers (SDM
 * Vol. 1 §9.5), so each case compares the whole x87 state, not only the
 * result: both CPUs first load the same random FXSAVE image (FXRSTOR64:
 * random TOP, abridged tags, 80-bit register contents, condition codes),
 * run the instruction under test from the same GPR/XMM state with random
 * register numbers (REX.R/REX.B set at random: an MMX operand ignores them)
 * and random register or memory operands, then store FXSAVE64, FNSTENV
 * and FNSAVE images.  Compared: every GPR, RFLAGS, XMM0-15, MXCSR, the bytes around
 * the memory operand, the exception vector, and from the images FCW, FSW
 * (TOP), the abridged tag word, the full tag word (FNSTENV, FNSAVE) and
 * all eight 80-bit registers (FXSAVE, FNSAVE) — the facts of §9.5.1: an
 * MMX write puts the value in bits 63:0 and all ones in bits 79:64, every
 * MMX instruction sets TOP = 0 and every tag valid, EMMS TOP = 0 and every
 * tag empty.
 *
 * Also: a pending unmasked x87 exception makes every MMX instruction #MF
 * (host-checked), CR0.EM = 1 → #UD and CR0.TS = 1 → #NM (ours only: the
 * host's CR0 cannot be set), the decoder's length and name against
 * capstone 4.0.2 on every form, and static musl and glibc programs built
 * from the intrinsics headers (tests/mmx/intrinsics.c; -mmmx -mssse3, and
 * -mmmx -msse -mno-sse2 so that gcc keeps MMX values in MMX registers)
 * printing what they print natively. */
#include <capstone/capstone.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "harness.h"
#include "linux_oracle.h"
#include "mmu/mmu.h"
#include "oracle.h"
#include "cpu/cpuid.h"
#include "cpu/decode.h"

static uint64_t rng = 0x2545f4914f6cdd1dull;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Element edge values in every lane width: saturation, sign, shift counts. */
static uint64_t gen_q(void)
{
    static const uint64_t edges[] = {
        0, ~0ull, 0x8000800080008000ull, 0x7fff7fff7fff7fffull, 0x8080808080808080ull,
        0x7f7f7f7f7f7f7f7full, 0x0101010101010101ull, 0x80000000ffffffffull,
        0x000000007fffffffull, 0xff00ff00ff00ff00ull, 0x0000000000000010ull, 0x3f, 0x40, 0x20,
        0x0f0e0d0c0b0a0908ull, 0x8706050403020100ull, 0x0000ffff0000ffffull, 15, 16, 31, 32, 63,
        64, 0x7fffffffffffffffull, 0x8000000000000000ull,
    };
    switch (rnd() % 5) {
    case 0: return edges[rnd() % (sizeof edges / sizeof edges[0])];
    case 1: return rnd() % 80;
    case 2: return rnd() & rnd();
    case 3: { /* lanes mixed from the edge values */
        uint64_t a = edges[rnd() % (sizeof edges / sizeof edges[0])], m = rnd();
        return (a & m) | (rnd() & ~m & 0x00ff00ff00ff00ffull);
    }
    default: return rnd();
    }
}

/* ---- forms ------------------------------------------------------------------ */

enum {
    F_IMM = 1u << 0,      /* an imm8 follows */
    F_GPR_REG = 1u << 1,  /* ModRM.reg is a general register */
    F_GPR_RM = 1u << 2,   /* a register r/m is a general register */
    F_MEM_ONLY = 1u << 3,
    F_REG_ONLY = 1u << 4,
    F_RDI = 1u << 5,      /* MASKMOVQ: stores to [RDI] */
    F_NO_MODRM = 1u << 6, /* EMMS */
};

struct form {
    const char *name;     /* the Intel mnemonic (our decoder's and capstone's name) */
    uint8_t pfx;          /* 0, or 0x66/0xf2/0xf3 for the SSE forms with an MMX operand */
    uint8_t map;          /* 1: 0F, 2: 0F 38, 3: 0F 3A */
    uint8_t op;
    int8_t group;         /* fixed ModRM.reg, or -1 */
    uint8_t w;            /* REX.W */
    uint8_t flags;
};

#define M(nm, op) {nm, 0, 1, op, -1, 0, 0}
#define M38(nm, op) {nm, 0, 2, op, -1, 0, 0}
#define SHIFT(nm, op, grp) {nm, 0, 1, op, grp, 0, F_IMM | F_REG_ONLY}

static const struct form forms[] = {
    /* MMX (SDM Vol. 1 §9.4, Table 9-2) */
    M("punpcklbw", 0x60), M("punpcklwd", 0x61), M("punpckldq", 0x62), M("packsswb", 0x63),
    M("pcmpgtb", 0x64), M("pcmpgtw", 0x65), M("pcmpgtd", 0x66), M("packuswb", 0x67),
    M("punpckhbw", 0x68), M("punpckhwd", 0x69), M("punpckhdq", 0x6a), M("packssdw", 0x6b),
    {"movd", 0, 1, 0x6e, -1, 0, F_GPR_RM}, {"movq", 0, 1, 0x6e, -1, 1, F_GPR_RM},
    M("movq", 0x6f),
    SHIFT("psrlw", 0x71, 2), SHIFT("psraw", 0x71, 4), SHIFT("psllw", 0x71, 6),
    SHIFT("psrld", 0x72, 2), SHIFT("psrad", 0x72, 4), SHIFT("pslld", 0x72, 6),
    SHIFT("psrlq", 0x73, 2), SHIFT("psllq", 0x73, 6),
    M("pcmpeqb", 0x74), M("pcmpeqw", 0x75), M("pcmpeqd", 0x76),
    {"emms", 0, 1, 0x77, -1, 0, F_NO_MODRM},
    {"movd", 0, 1, 0x7e, -1, 0, F_GPR_RM}, {"movq", 0, 1, 0x7e, -1, 1, F_GPR_RM},
    M("movq", 0x7f),
    M("psrlw", 0xd1), M("psrld", 0xd2), M("psrlq", 0xd3), M("pmullw", 0xd5),
    M("psubusb", 0xd8), M("psubusw", 0xd9), M("pand", 0xdb), M("paddusb", 0xdc),
    M("paddusw", 0xdd), M("pandn", 0xdf), M("psraw", 0xe1), M("psrad", 0xe2),
    M("pmulhw", 0xe5), M("psubsb", 0xe8), M("psubsw", 0xe9), M("por", 0xeb), M("paddsb", 0xec),
    M("paddsw", 0xed), M("pxor", 0xef), M("psllw", 0xf1), M("pslld", 0xf2), M("psllq", 0xf3),
    M("pmaddwd", 0xf5), M("psubb", 0xf8), M("psubw", 0xf9), M("psubd", 0xfa), M("paddb", 0xfc),
    M("paddw", 0xfd), M("paddd", 0xfe),
    /* SSE's integer instructions on MMX registers */
    {"pshufw", 0, 1, 0x70, -1, 0, F_IMM},
    {"pinsrw", 0, 1, 0xc4, -1, 0, F_IMM | F_GPR_RM},
    {"pextrw", 0, 1, 0xc5, -1, 0, F_IMM | F_GPR_REG | F_REG_ONLY},
    {"pmovmskb", 0, 1, 0xd7, -1, 0, F_GPR_REG | F_REG_ONLY},
    M("pminub", 0xda), M("pmaxub", 0xde), M("pavgb", 0xe0), M("pavgw", 0xe3), M("pmulhuw", 0xe4),
    {"movntq", 0, 1, 0xe7, -1, 0, F_MEM_ONLY},
    M("pminsw", 0xea), M("pmaxsw", 0xee), M("psadbw", 0xf6),
    {"maskmovq", 0, 1, 0xf7, -1, 0, F_REG_ONLY | F_RDI},
    /* SSE2's on MMX registers */
    M("paddq", 0xd4), M("pmuludq", 0xf4), M("psubq", 0xfb),
    /* SSE/SSE2 with one MMX and one XMM operand */
    {"cvtpi2ps", 0, 1, 0x2a, -1, 0, 0}, {"cvtpi2pd", 0x66, 1, 0x2a, -1, 0, 0},
    {"cvttps2pi", 0, 1, 0x2c, -1, 0, 0}, {"cvttpd2pi", 0x66, 1, 0x2c, -1, 0, 0},
    {"cvtps2pi", 0, 1, 0x2d, -1, 0, 0}, {"cvtpd2pi", 0x66, 1, 0x2d, -1, 0, 0},
    {"movq2dq", 0xf3, 1, 0xd6, -1, 0, F_REG_ONLY}, {"movdq2q", 0xf2, 1, 0xd6, -1, 0, F_REG_ONLY},
    /* SSSE3 on MMX registers */
    M38("pshufb", 0x00), M38("phaddw", 0x01), M38("phaddd", 0x02), M38("phaddsw", 0x03),
    M38("pmaddubsw", 0x04), M38("phsubw", 0x05), M38("phsubd", 0x06), M38("phsubsw", 0x07),
    M38("psignb", 0x08), M38("psignw", 0x09), M38("psignd", 0x0a), M38("pmulhrsw", 0x0b),
    M38("pabsb", 0x1c), M38("pabsw", 0x1d), M38("pabsd", 0x1e),
    {"palignr", 0, 3, 0x0f, -1, 0, F_IMM},
};
#define NFORMS (sizeof forms / sizeof forms[0])

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
    unsigned r = f->group >= 0 ? (unsigned)f->group | (reg & 8) : reg;
    if (f->pfx)
        e.bytes[e.len++] = f->pfx;
    uint8_t rex = 0x40 | (f->w ? 8 : 0) | ((r & 8) ? 4 : 0) | ((rm & 8) ? 1 : 0);
    if (rex != 0x40)
        e.bytes[e.len++] = rex;
    e.bytes[e.len++] = 0x0f;
    if (f->map == 2)
        e.bytes[e.len++] = 0x38;
    if (f->map == 3)
        e.bytes[e.len++] = 0x3a;
    e.bytes[e.len++] = f->op;
    if (f->flags & F_NO_MODRM)
        return e;
    e.bytes[e.len++] = (uint8_t)(((mem ? 2u : 3u) << 6) | ((r & 7) << 3) | (rm & 7));
    if (mem) {
        memcpy(&e.bytes[e.len], &disp, 4);
        e.len += 4;
    }
    if (f->flags & F_IMM)
        e.bytes[e.len++] = imm;
    return e;
}

static void describe(char *buf, size_t n, const uint8_t *b, size_t len)
{
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < len && k + 3 < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%02x ", b[i]);
}

/* ---- the x87 images ---------------------------------------------------------- */

#define FX_IN (HARNESS_ARENA + 0xa000)   /* the FXRSTOR image */
#define FX_OUT (HARNESS_ARENA + 0xa400)  /* FXSAVE after the instruction */
#define ENV_OUT (HARNESS_ARENA + 0xa800) /* FNSTENV after that */
#define SAVE_OUT (HARNESS_ARENA + 0xac00) /* FNSAVE after that */
#define ENV_SIZE 28                      /* 32-bit protected-mode format (no REX.W) */
#define SAVE_SIZE 108                    /* the environment, then ST(0)..ST(7), 10 bytes each */

/* [disp32] with no base and no index: ModRM mod=00 rm=100, SIB 25. */
static struct encoded abs_insn(const uint8_t *opcode, size_t n, unsigned reg, uint64_t addr)
{
    struct encoded e = {{0}, 0};
    memcpy(e.bytes, opcode, n);
    e.len = n;
    e.bytes[e.len++] = (uint8_t)(reg << 3 | 4);
    e.bytes[e.len++] = 0x25;
    uint32_t a = (uint32_t)addr;
    memcpy(&e.bytes[e.len], &a, 4);
    e.len += 4;
    return e;
}

static const uint8_t rexw_0fae[] = {0x48, 0x0f, 0xae};
static const uint8_t op_d9[] = {0xd9};
static const uint8_t op_dd[] = {0xdd};

/* A random x87 state: control word with every exception masked (the #MF
 * test unmasks one), random rounding/precision, TOP, condition codes,
 * masked exception flags, abridged tags and register contents (bits 79:64
 * sometimes all ones, as an MMX write leaves them, sometimes zero). */
static void gen_fx(uint8_t fx[512], uint32_t mxcsr, const union xmm *xmm)
{
    memset(fx, 0, 512);
    uint16_t fcw = (uint16_t)(0x037f | (rnd() & 0x0f00)), fsw = (uint16_t)(rnd() & 0x7f3f);
    fsw &= (uint16_t)~0x00c0; /* ES and SF clear: nothing pending */
    memcpy(fx + 0, &fcw, 2);
    memcpy(fx + 2, &fsw, 2);
    fx[4] = (uint8_t)rnd();
    memcpy(fx + 24, &mxcsr, 4);
    uint32_t mask = 0xffff;
    memcpy(fx + 28, &mask, 4);
    for (int i = 0; i < 8; i++) {
        uint64_t sig = gen_q();
        uint16_t exp = rnd() % 3 == 0 ? 0xffff : rnd() % 2 ? 0 : (uint16_t)rnd();
        memcpy(fx + 32 + 16 * i, &sig, 8);
        memcpy(fx + 40 + 16 * i, &exp, 2);
    }
    memcpy(fx + 160, xmm, 256);
}

/* The parts of the images the instruction may change: FCW, FSW, abridged
 * FTW, MXCSR, the eight registers' 80 bits, XMM0-15; the full tag word. */
static bool same_x87(const uint8_t *a, const uint8_t *b, const uint8_t *ea, const uint8_t *eb,
                     const uint8_t *sa, const uint8_t *sb, char *why, size_t n)
{
    if (memcmp(a, b, 5)) {
        snprintf(why, n, "fcw/fsw/ftw host %02x%02x %02x%02x %02x ours %02x%02x %02x%02x %02x",
                 a[1], a[0], a[3], a[2], a[4], b[1], b[0], b[3], b[2], b[4]);
        return false;
    }
    if (memcmp(a + 24, b + 24, 4)) {
        snprintf(why, n, "fxsave mxcsr differs");
        return false;
    }
    for (int i = 0; i < 8; i++)
        if (memcmp(a + 32 + 16 * i, b + 32 + 16 * i, 10)) {
            uint64_t sa, sb;
            uint16_t xa, xb;
            memcpy(&sa, a + 32 + 16 * i, 8), memcpy(&xa, a + 40 + 16 * i, 2);
            memcpy(&sb, b + 32 + 16 * i, 8), memcpy(&xb, b + 40 + 16 * i, 2);
            snprintf(why, n, "R%d host %04x:%016llx ours %04x:%016llx", i, xa,
                     (unsigned long long)sa, xb, (unsigned long long)sb);
            return false;
        }
    if (memcmp(a + 160, b + 160, 256)) {
        snprintf(why, n, "fxsave xmm area differs");
        return false;
    }
    if (memcmp(ea, eb, 2) || memcmp(ea + 4, eb + 4, 2) || memcmp(ea + 8, eb + 8, 2)) {
        snprintf(why, n, "fnstenv fcw/fsw/ftw host %02x%02x %02x%02x %02x%02x ours %02x%02x "
                 "%02x%02x %02x%02x", ea[1], ea[0], ea[5], ea[4], ea[9], ea[8], eb[1], eb[0],
                 eb[5], eb[4], eb[9], eb[8]);
        return false;
    }
    if (memcmp(sa, sb, 2) || memcmp(sa + 4, sb + 4, 2) || memcmp(sa + 8, sb + 8, 2) ||
        memcmp(sa + 28, sb + 28, 80)) {
        snprintf(why, n, "fnsave image differs (tag word host %02x%02x ours %02x%02x)", sa[9],
                 sa[8], sb[9], sb[8]);
        return false;
    }
    return true;
}

static bool same_regs(const struct regs *a, const struct regs *b, char *why, size_t n)
{
    for (int i = 0; i < 16; i++)
        if (a->gpr[i] != b->gpr[i]) {
            snprintf(why, n, "gpr%d host %#llx ours %#llx", i, (unsigned long long)a->gpr[i],
                     (unsigned long long)b->gpr[i]);
            return false;
        }
    const uint64_t fl = RF_STATUS | RF_DF;
    if ((a->rflags & fl) != (b->rflags & fl)) {
        snprintf(why, n, "rflags host %#llx ours %#llx", (unsigned long long)a->rflags,
                 (unsigned long long)b->rflags);
        return false;
    }
    for (int i = 0; i < 16; i++)
        if (memcmp(&a->xmm[i], &b->xmm[i], 16)) {
            snprintf(why, n, "xmm%d differs", i);
            return false;
        }
    if (a->mxcsr != b->mxcsr) {
        snprintf(why, n, "mxcsr host %#x ours %#x", a->mxcsr, b->mxcsr);
        return false;
    }
    return true;
}

/* ---- running one case ---------------------------------------------------------- */

static struct harness *h;
static unsigned long cases_run, forms_run, mem_cases, mf_cases;

#define WINDOW_BASE (HARNESS_ARENA + 0x1000)
#define CHECK_BYTES 64

/* Put `n` bytes at guest/host address `addr` in both worlds. */
static void both_write(uint64_t addr, const void *p, size_t n)
{
    memcpy(oracle_arena() + (addr - HARNESS_ARENA), p, n);
    ck_assert(mmu_phys_write(h->mmu, addr, p, n));
}

/* The whole case on one CPU: FXRSTOR64, the instruction, FXSAVE64,
 * FNSTENV, FNSAVE.  Returns the instruction's vector (-1: retired). */
static int run_world(bool host, const struct encoded *e, const struct regs *in, struct regs *out,
                     uint8_t fx[512], uint8_t env[ENV_SIZE], uint8_t sv[SAVE_SIZE])
{
    struct encoded rstor = abs_insn(rexw_0fae, 3, 1, FX_IN), save = abs_insn(rexw_0fae, 3, 0, FX_OUT),
                   stenv = abs_insn(op_d9, 1, 6, ENV_OUT), fnsave = abs_insn(op_dd, 1, 6, SAVE_OUT);
    struct regs tmp;
    int v;
#define EXEC(code, len, i, o) \
    (host ? oracle_exec(code, len, i, o) : harness_exec(h, code, len, 3, i, o))
    ck_assert_int_eq(EXEC(rstor.bytes, rstor.len, in, &tmp), -1);
    v = EXEC(e->bytes, e->len, in, out);
    struct regs after = v < 0 ? *out : *in;
    ck_assert_int_eq(EXEC(save.bytes, save.len, &after, &tmp), -1);
    ck_assert_int_eq(EXEC(stenv.bytes, stenv.len, &after, &tmp), -1);
    ck_assert_int_eq(EXEC(fnsave.bytes, fnsave.len, &after, &tmp), -1);
#undef EXEC
    if (host) {
        __asm__ volatile("fninit"); /* the test program's own x87 state */
        memcpy(fx, oracle_arena() + (FX_OUT - HARNESS_ARENA), 512);
        memcpy(env, oracle_arena() + (ENV_OUT - HARNESS_ARENA), ENV_SIZE);
        memcpy(sv, oracle_arena() + (SAVE_OUT - HARNESS_ARENA), SAVE_SIZE);
    } else {
        ck_assert(mmu_phys_read(h->mmu, FX_OUT, fx, 512));
        ck_assert(mmu_phys_read(h->mmu, ENV_OUT, env, ENV_SIZE));
        ck_assert(mmu_phys_read(h->mmu, SAVE_OUT, sv, SAVE_SIZE));
    }
    return v;
}

/* One random case of form f (mem: a memory operand); `pending`: the x87
 * state has an unmasked exception pending (FSW.ES, FCW's mask clear). */
static bool run_case(const struct form *f, bool mem, bool pending, char *msg, size_t n)
{
    struct regs in, host_out, our_out;
    memset(&in, 0, sizeof in);
    for (int i = 0; i < 16; i++) {
        in.gpr[i] = gen_q();
        in.xmm[i].q[0] = gen_q();
        in.xmm[i].q[1] = gen_q();
    }
    in.gpr[RSP] = HARNESS_ARENA + 0x8000;
    in.rflags = 0x202 | (rnd() & RF_STATUS);
    in.mxcsr = 0x1f80 | (uint32_t)(rnd() % 4) << 13;

    unsigned reg = rnd() % 16, rm = rnd() % 16;
    if ((f->flags & F_GPR_REG) && reg == RSP)
        reg = RBX;
    if ((f->flags & F_GPR_RM) && rm == RSP)
        rm = RSI;
    int32_t disp = 0;
    uint64_t addr = 0;
    if (mem) {
        rm = bases[rnd() % (sizeof bases / sizeof bases[0])];
        if ((f->flags & F_GPR_REG) && rm == reg)
            reg = (reg + 1) % 16 == RSP ? RBP : (reg + 1) % 16;
        addr = WINDOW_BASE + 64 + (rnd() % 100) * 16 + rnd() % 16;
        disp = (int32_t)(rnd() % 256) - 128;
        in.gpr[rm] = addr - (uint64_t)(int64_t)disp;
    }
    if (f->flags & F_RDI) {
        addr = WINDOW_BASE + 64 + (rnd() % 100) * 16 + rnd() % 16;
        in.gpr[RDI] = addr;
    }
    uint8_t window[CHECK_BYTES];
    if (addr) {
        for (int i = 0; i < CHECK_BYTES; i += 8) {
            uint64_t q = gen_q();
            memcpy(window + i, &q, 8);
        }
        both_write(addr - 16, window, CHECK_BYTES);
    }
    uint8_t fx[512];
    gen_fx(fx, in.mxcsr, in.xmm);
    if (pending) { /* an unmasked exception flag and ES: #MF before any MMX instruction */
        static const uint16_t bits[] = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20};
        uint16_t b = bits[rnd() % 6], fcw, fsw;
        memcpy(&fcw, fx, 2), memcpy(&fsw, fx + 2, 2);
        fcw &= (uint16_t)~b;
        fsw |= (uint16_t)(b | 0x8080);
        memcpy(fx, &fcw, 2), memcpy(fx + 2, &fsw, 2);
    }
    both_write(FX_IN, fx, 512);

    struct encoded e = encode(f, reg, rm, mem, disp, (uint8_t)(rnd() % 4 ? rnd() % 24 : rnd()));
    uint8_t hfx[512], ofx[512], henv[ENV_SIZE], oenv[ENV_SIZE], hsv[SAVE_SIZE], osv[SAVE_SIZE];
    int hv = run_world(true, &e, &in, &host_out, hfx, henv, hsv);
    int ov = run_world(false, &e, &in, &our_out, ofx, oenv, osv);
    cases_run++;
    mem_cases += mem;
    char what[64], why[200];
    describe(what, sizeof what, e.bytes, e.len);
    if (hv != ov) {
        snprintf(msg, n, "%s [%s]: vector host %d ours %d", f->name, what, hv, ov);
        return false;
    }
    if (hv >= 0)
        return true;
    if (!same_regs(&host_out, &our_out, why, sizeof why) ||
        !same_x87(hfx, ofx, henv, oenv, hsv, osv, why, sizeof why)) {
        snprintf(msg, n, "%s [%s]: %s", f->name, what, why);
        return false;
    }
    if (addr && !oracle_arena_matches(h, addr - 16, CHECK_BYTES)) {
        snprintf(msg, n, "%s [%s]: memory differs", f->name, what);
        return false;
    }
    return true;
}

#define STATES 1500

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
    printf("test_mmx: %lu forms, %lu cases against the host CPU (%lu with a memory operand, "
           "%lu with a pending x87 exception)\n", forms_run, cases_run, mem_cases, mf_cases);
}

START_TEST(form_matches_host)
{
    const struct form *f = &forms[_i];
    rng = 0x2545f4914f6cdd1dull ^ ((uint64_t)(_i + 1) * 0x100000001b3ull);
    char msg[400];
    int failures = 0;
    forms_run++;
    for (int pass = 0; pass < 2; pass++) {
        bool mem = pass == 1;
        if ((mem && (f->flags & (F_REG_ONLY | F_NO_MODRM))) || (!mem && (f->flags & F_MEM_ONLY)))
            continue;
        for (int k = 0; k < STATES; k++)
            if (!run_case(f, mem, false, msg, sizeof msg) && failures++ < 3)
                fprintf(stderr, "MISMATCH %s\n", msg);
    }
    /* A pending unmasked x87 exception: #MF on both (or, for the SSE
     * forms that only read an MMX register from memory, whatever the
     * host does). */
    for (int k = 0; k < 20; k++) {
        bool mem = (f->flags & F_MEM_ONLY) || (!(f->flags & (F_REG_ONLY | F_NO_MODRM)) && (k & 1));
        mf_cases++;
        if (!run_case(f, mem, true, msg, sizeof msg) && failures++ < 3)
            fprintf(stderr, "MISMATCH (x87 exception pending) %s\n", msg);
    }
    ck_assert_msg(failures == 0, "%s: %d mismatches (first printed above)", f->name, failures);
}
END_TEST

/* CR0.EM = 1 → #UD, CR0.TS = 1 → #NM for every MMX instruction (SDM Vol. 2,
 * the MMX pages' "Protected Mode Exceptions"; Vol. 3A §2.5 Table 2-2).  The
 * host's CR0 is the kernel's, so this one is checked against the SDM. */
START_TEST(cr0_em_and_ts)
{
    unsigned checked = 0;
    for (size_t i = 0; i < NFORMS; i++) {
        const struct form *f = &forms[i];
        bool mem = f->flags & F_MEM_ONLY;
        struct encoded e = encode(f, f->flags & F_GPR_REG ? RAX : 1, mem ? RSI : 2, mem, 0x10, 1);
        for (int bit = 2; bit <= 3; bit++) {
            struct regs in, out;
            memset(&in, 0, sizeof in);
            in.rflags = 0x202;
            in.gpr[RSP] = HARNESS_ARENA + 0x8000;
            in.gpr[RDI] = in.gpr[RSI] = HARNESS_ARENA + 0x1000;
            uint64_t cr0 = h->cpu->cr0;
            h->cpu->cr0 |= 1ull << bit;
            int v = harness_exec(h, e.bytes, e.len, 3, &in, &out);
            h->cpu->cr0 = cr0;
            ck_assert_msg(v == (bit == 2 ? EXC_UD : EXC_NM), "%s with CR0.%s: vector %d", f->name,
                          bit == 2 ? "EM" : "TS", v);
            checked++;
        }
    }
    printf("test_mmx: %u CR0.EM/TS cases\n", checked);
}
END_TEST

/* Encodings next to the MMX forms that do not exist: #UD on the host and
 * here (no MMX PUNPCKLQDQ/PUNPCKHQDQ, PSRLDQ/PSLLDQ, PSRAQ; the shift
 * groups' other /r and memory forms; PMOVMSKB, PEXTRW, MASKMOVQ, MOVDQ2Q
 * with memory, MOVNTQ with a register; SSE4.1 opcodes without 66). */
START_TEST(missing_forms_are_ud_on_both)
{
    static const struct {
        uint8_t b[8];
        uint8_t len;
    } cases[] = {
        {{0x0f, 0x6c, 0xc1}, 3},       {{0x0f, 0x6d, 0xc1}, 3},
        {{0x0f, 0x73, 0xd9, 0x08}, 4}, {{0x0f, 0x73, 0xf9, 0x08}, 4},
        {{0x0f, 0x73, 0xe1, 0x08}, 4}, {{0x0f, 0x71, 0xc1, 0x08}, 4},
        {{0x0f, 0x72, 0xf9, 0x08}, 4}, {{0x0f, 0x71, 0x10, 0x08}, 4},
        {{0x0f, 0xd7, 0x00}, 3},       {{0x0f, 0xe7, 0xc1}, 3},
        {{0x0f, 0xf7, 0x00}, 3},       {{0x0f, 0xc5, 0x00, 0x01}, 4},
        {{0xf2, 0x0f, 0xd6, 0x00}, 4}, {{0xf3, 0x0f, 0xd6, 0x00}, 4},
        {{0x0f, 0x38, 0x10, 0xc1}, 4}, {{0x0f, 0x38, 0x40, 0xc1}, 4},
        {{0x0f, 0x3a, 0x0e, 0xc1, 0x00}, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct regs in, out;
        memset(&in, 0, sizeof in);
        in.gpr[RAX] = HARNESS_ARENA + 0x1000;
        in.gpr[RSP] = HARNESS_ARENA + 0x8000;
        in.rflags = 0x202;
        in.mxcsr = 0x1f80;
        int hv = oracle_exec(cases[i].b, cases[i].len, &in, &out);
        __asm__ volatile("fninit");
        ck_assert_msg(hv == EXC_UD, "host: case %zu vector %d", i, hv);
        ck_assert_msg(harness_exec(h, cases[i].b, cases[i].len, 3, &in, &out) == EXC_UD,
                      "ours: case %zu", i);
    }
}
END_TEST

/* CPUID.1:EDX.MMX[bit 23] is set, as on every x86-64 CPU. */
START_TEST(cpuid_reports_mmx)
{
    ck_assert(cpuid_query(1, 0).edx & (1u << 23));
}
END_TEST

/* The one known capstone 4.0.2 divergence here: REX.W 0F 6E / 0F 7E is
 * MOVQ mm, r/m64 / MOVQ r/m64, mm (SDM MOVD/MOVQ; objdump says movq), which
 * capstone names "movd" while printing the 64-bit operand it decoded.
 * Accepted only with that operand in capstone's own text. */
static bool movq_named_movd(const struct insn *in, const cs_insn *cs)
{
    if (in->map != MAP_0F || (in->op != 0x6e && in->op != 0x7e) || in->pfx != PFX_NONE ||
        !(in->rex & 8) || strcmp(cs->mnemonic, "movd") != 0)
        return false;
    const char *gpr = strchr(cs->op_str, ',') && in->op == 0x6e ? strchr(cs->op_str, ',') + 2
                                                                 : cs->op_str;
    return strncmp(gpr, "qword ptr", 9) == 0 || gpr[0] == 'r';
}

/* The decoder against capstone 4.0.2 on every form: the same length and
 * the same mnemonic, register and memory operands, with and without REX. */
START_TEST(decoder_agrees_with_capstone)
{
    csh cs;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
    cs_insn *insn = cs_malloc(cs);
    rng = 0xdecade;
    unsigned compared = 0, divergences = 0;
    for (size_t i = 0; i < NFORMS; i++) {
        const struct form *f = &forms[i];
        for (int k = 0; k < 16; k++) {
            bool mem = (f->flags & F_MEM_ONLY) ||
                       (!(f->flags & (F_REG_ONLY | F_NO_MODRM)) && (k & 1));
            unsigned reg = rnd() % 16, rm = mem ? bases[rnd() % sizeof bases] : rnd() % 16;
            struct encoded e = encode(f, reg, rm, mem, (int32_t)(rnd() % 256) - 128, (uint8_t)rnd());
            struct insn in;
            char hex[64];
            describe(hex, sizeof hex, e.bytes, e.len);
            ck_assert_msg(decode(e.bytes, e.len, &in) == DECODE_OK && in.len == e.len,
                          "%s [%s]: our decoder", f->name, hex);
            const char *ours = insn_mnemonic(&in);
            ck_assert_msg(ours && strcmp(ours, f->name) == 0, "%s [%s]: we name it %s", f->name,
                          hex, ours ? ours : "(none)");
            const uint8_t *p = e.bytes;
            size_t size = e.len;
            uint64_t address = 0x400000;
            ck_assert_msg(cs_disasm_iter(cs, &p, &size, &address, insn), "%s [%s]: capstone rejects",
                          f->name, hex);
            bool same = strcmp(insn->mnemonic, ours) == 0;
            if (!same && movq_named_movd(&in, insn)) {
                same = true;
                divergences++;
            }
            ck_assert_msg(insn->size == e.len && same, "%s [%s]: capstone %s %s/%u, ours %s/%zu",
                          f->name, hex, insn->mnemonic, insn->op_str, insn->size, ours, e.len);
            compared++;
        }
    }
    cs_free(insn, 1);
    cs_close(&cs);
    printf("test_mmx: %u encodings of %zu forms: our decoder and capstone agree on length and "
           "mnemonic (%u of them capstone's movd for MOVQ mm, r/m64)\n", compared, NFORMS,
           divergences);
}
END_TEST

/* ---- real programs ----------------------------------------------------------- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long len = ftell(f);
    ck_assert_int_ge(len, 0);
    rewind(f);
    char *buf = malloc((size_t)len + 1);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    buf[len] = 0;
    return buf;
}

/* How many instructions of the binary at `path` name an MMX register
 * (objdump's disassembly). */
static int mmx_instructions(const char *path)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "objdump -d '%s' | grep -c '%%mm[0-7]'", path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    int n = -1;
    ck_assert_int_eq(fscanf(p, "%d", &n), 1);
    pclose(p);
    return n;
}

/* tests/mmx/intrinsics.c: <mmintrin.h>, <xmmintrin.h>'s _mm_*_pi* and
 * <tmmintrin.h> over many inputs, for musl and glibc, built with -mmmx
 * -mssse3 and with -mmmx -msse -mno-sse2 (where gcc computes every MMX
 * intrinsic in MMX registers: checked by counting them), as natively. */
START_TEST(intrinsics_programs_same_as_native)
{
    static const struct {
        const char *name, *cc;
        bool all_mmx;
    } builds[] = {
        {"mmx_ssse3_musl", "musl-gcc -static -O1 -mmmx -mssse3", false},
        {"mmx_ssse3_glibc", "gcc -static -O1 -mmmx -mssse3", false},
        {"mmx_only_musl", "musl-gcc -static -O1 -mmmx -msse -mno-sse2", true},
        {"mmx_only_glibc", "gcc -static -O1 -mmmx -msse -mno-sse2", true},
    };
    char *src = slurp("tests/mmx/intrinsics.c");
    for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++) {
        const char *exe = oracle_compile(builds[i].name, builds[i].cc, src);
        int n = mmx_instructions(exe);
        printf("test_mmx: %s: %d instructions on MMX registers\n", builds[i].name, n);
        ck_assert_msg(n >= (builds[i].all_mmx ? 250 : 100), "%s: only %d MMX instructions",
                      builds[i].name, n);
        machine_free(oracle_same_as_native(exe, 0, NULL, NULL, 0));
    }
    free(src);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("mmx");
    TCase *tc = tcase_create("host");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, form_matches_host, 0, (int)NFORMS);
    tcase_add_test(tc, cr0_em_and_ts);
    tcase_add_test(tc, missing_forms_are_ud_on_both);
    tcase_add_test(tc, cpuid_reports_mmx);
    tcase_add_test(tc, decoder_agrees_with_capstone);
    suite_add_tcase(s, tc);
    TCase *prog = tcase_create("programs");
    tcase_add_checked_fixture(prog, NULL, oracle_cleanup);
    tcase_set_timeout(prog, 300);
    tcase_add_test(prog, intrinsics_programs_same_as_native);
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
