/* test_x87.c — x87 instruction sequences run natively on the host CPU
 * (oracle_exec) and in ringscope (one harness_exec per instruction, the
 * x87 state carried in the CPU between them), from the same arena
 * contents: operands of every format with edge values (±0, ±inf, QNaN,
 * SNaN, denormals, pseudo-denormals, unnormals, integer limits) and random
 * ones, under every rounding control and precision control.  Each sequence
 * ends with FNSAVE, so the comparison covers FCW, FSW (flags, condition
 * codes, TOP), the full tag word and all eight registers, plus everything
 * the sequence stored to the arena and RFLAGS/RAX.
 *
 * FIP/FCS/FOP/FDP/FDS are excluded: ringscope runs each instruction at the
 * harness's code address (so FIP differs by construction) and newer CPUs
 * store FOP/FDP only on exceptions and zero FCS/FDS. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "cpu/decode.h"
#include "harness.h"
#include "oracle.h"

/* ---- the sequences (assembled by the host toolchain) ---------------------
 * Arena layout (A = HARNESS_ARENA): inputs at A+0x00..0xff — control word
 * at +0, MXCSR at +4, extended a at +0x10, b at +0x20, m64 at +0x30, m32 at
 * +0x38, m32int at +0x3c, m16int at +0x40, m64int at +0x48; outputs at
 * +0x100..; FNSTENV images at +0x300 (32-bit) and +0x320 (16-bit); FXSAVE areas at +0x400 and +0x600;
 * FNSAVE images at +0x800 and +0x880. */
#define SEQ(name, body)                                                                   \
    extern const uint8_t name##_start[], name##_end[];                                    \
    __asm__(".pushsection .rodata\n.set A, 0x10000000\n" #name "_start:\n" body           \
            "\n" #name "_end:\n.popsection\n");

SEQ(seq_arith,
    "fninit\n fldcw A\n fldt A+0x10\n fldt A+0x20\n"
    "fld %st(1)\n fadd %st(1), %st\n fstpt A+0x100\n"
    "fld %st(1)\n fsub %st(1), %st\n fstpt A+0x110\n"
    "fld %st(1)\n fsubr %st(1), %st\n fstpt A+0x120\n"
    "fld %st(1)\n fmul %st(1), %st\n fstpt A+0x130\n"
    "fld %st(1)\n fdiv %st(1), %st\n fstpt A+0x140\n"
    "fld %st(1)\n fdivr %st(1), %st\n fstpt A+0x150\n"
    "fld %st(1)\n fsqrt\n fstpt A+0x160\n"
    "fld %st(1)\n frndint\n fstpt A+0x170\n"
    "fld %st(1)\n faddl A+0x30\n fstpt A+0x180\n"
    "fld %st(1)\n fmuls A+0x38\n fstpt A+0x190\n"
    "fld %st(1)\n fidivl A+0x3c\n fstpt A+0x1a0\n"
    "fld %st(1)\n fisubs A+0x40\n fstpt A+0x1b0\n"
    "fld %st(1)\n fsubrl A+0x30\n fstpt A+0x1c0\n"
    "fld %st(1)\n fdivrs A+0x38\n fstpt A+0x1d0\n"
    "fld %st(1)\n fsts A+0x1e0\n fstpl A+0x1e8\n"
    "fld %st(1)\n fistl A+0x1f0\n fistpll A+0x1f8\n"
    "fld %st(1)\n fists A+0x1f4\n fistps A+0x1f6\n"
    "fld %st(1)\n fscale\n fstpt A+0x200\n"
    "fld %st(1)\n fprem\n fnstsw A+0x2f0\n fstpt A+0x210\n"
    "fld %st(1)\n fprem1\n fnstsw A+0x2f2\n fstpt A+0x220\n"
    "fld %st(1)\n fxtract\n fstpt A+0x230\n fstpt A+0x240\n"
    "fld %st(1)\n fadd %st, %st(2)\n fsub %st, %st(2)\n fsubr %st, %st(2)\n fstpt A+0x250\n"
    "fld %st(1)\n fmul %st, %st(2)\n fdiv %st, %st(2)\n fdivr %st, %st(2)\n fstpt A+0x260\n"
    "fld %st(0)\n faddp %st, %st(1)\n fld %st(1)\n fsubp %st, %st(1)\n"
    "fld %st(1)\n fsubrp %st, %st(1)\n fld %st(1)\n fmulp %st, %st(1)\n"
    "fld %st(1)\n fdivp %st, %st(1)\n fld %st(1)\n fdivrp %st, %st(1)\n"
    "fildl A+0x3c\n filds A+0x40\n fildll A+0x48\n"
    "fnstsw A+0x2f4\n fnsave A+0x800\n")

SEQ(seq_compare,
    "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n"
    "fcom %st(1)\n fnstsw A+0x100\n fucom %st(1)\n fnstsw A+0x102\n"
    "fcoml A+0x30\n fnstsw A+0x104\n fcoms A+0x38\n fnstsw A+0x106\n"
    "ficoml A+0x3c\n fnstsw A+0x108\n ficoms A+0x40\n fnstsw A+0x10a\n"
    "ftst\n fnstsw A+0x10c\n fxam\n fnstsw A+0x10e\n"
    "fld %st(1)\n fcomp %st(1)\n fnstsw A+0x110\n fld %st(0)\n fucomp %st(2)\n fnstsw A+0x112\n"
    "fld %st(1)\n fld %st(1)\n fcompp\n fnstsw A+0x114\n"
    "fld %st(1)\n fld %st(1)\n fucompp\n fnstsw A+0x116\n"
    "fld %st(0)\n fcompl A+0x30\n fld %st(0)\n ficompl A+0x3c\n fnstsw A+0x118\n"
    "fnsave A+0x800\n")

/* FISTTP (SSE3): stores truncated whatever FCW.RC says, then pops; an
 * empty ST(0) stores the integer indefinite. */
SEQ(seq_fisttp,
    "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n"
    "fld %st(0)\n fisttpl A+0x100\n fld %st(0)\n fisttpll A+0x108\n fld %st(0)\n fisttps A+0x110\n"
    "fnstsw A+0x112\n fld %st(1)\n fisttpl A+0x114\n fld %st(1)\n fisttpll A+0x118\n"
    "fld %st(1)\n fisttps A+0x120\n fnstsw A+0x122\n fstp %st(0)\n fstp %st(0)\n"
    "fisttpl A+0x124\n fnstsw A+0x128\n fnsave A+0x800\n")

SEQ(seq_fcomi, "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n fcomi %st(1), %st\n fnsave A+0x800\n")
SEQ(seq_fucomi, "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n fucomi %st(1), %st\n fnsave A+0x800\n")
SEQ(seq_fcomip, "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n fcomip %st(1), %st\n fnsave A+0x800\n")
SEQ(seq_fucomip, "fninit\n fldcw A\n fldt A+0x20\n fldt A+0x10\n fucomip %st(1), %st\n fnsave A+0x800\n")

SEQ(seq_fxam,
    "fninit\n fldcw A\n fldt A+0x10\n fxam\n fnstsw A+0x100\n fchs\n fxam\n fnstsw A+0x102\n"
    "fabs\n fxam\n fnstsw A+0x104\n fstp %st(0)\n fxam\n fnstsw A+0x106\n"
    "flds A+0x38\n fxam\n fnstsw A+0x108\n fldl A+0x30\n fxam\n fnstsw A+0x10a\n"
    "fnsave A+0x800\n")

SEQ(seq_constants,
    "fninit\n fldcw A\n fldpi\n fldl2e\n fldl2t\n fldlg2\n fldln2\n fld1\n fldz\n fnsave A+0x800\n")

SEQ(seq_stack,
    "fninit\n fldcw A\n fldt A+0x10\n fld1\n fld1\n fld1\n fldt A+0x20\n fld1\n fld1\n fld1\n"
    "fnstsw A+0x100\n fldz\n fnstsw A+0x102\n fldpi\n fnstsw A+0x104\n"
    "fxch %st(3)\n fincstp\n fdecstp\n fdecstp\n fxch %st(0)\n ffree %st(2)\n fld %st(2)\n"
    "fnstsw A+0x106\n fst %st(5)\n fstp %st(1)\n fincstp\n fincstp\n"
    "fnstsw A+0x108\n fnsave A+0x800\n")

SEQ(seq_underflow,
    "fninit\n fldcw A\n fadd %st(1), %st\n fnstsw A+0x100\n fsubl A+0x30\n fstps A+0x104\n"
    "fistl A+0x108\n fistpll A+0x110\n fistps A+0x118\n fstpl A+0x120\n fstpt A+0x130\n"
    "fcom %st(1)\n fnstsw A+0x140\n fxch %st(1)\n fchs\n fabs\n fsqrt\n fnstsw A+0x142\n"
    "fld %st(4)\n fstp %st(2)\n fnstsw A+0x144\n fldt A+0x10\n fadd %st(3), %st\n"
    "fnstsw A+0x146\n fnsave A+0x800\n")

SEQ(seq_fcmov,
    "fninit\n fldt A+0x20\n"
    "fldt A+0x10\n fcmovb %st(1), %st\n fstpt A+0x100\n"
    "fldt A+0x10\n fcmove %st(1), %st\n fstpt A+0x110\n"
    "fldt A+0x10\n fcmovbe %st(1), %st\n fstpt A+0x120\n"
    "fldt A+0x10\n fcmovu %st(1), %st\n fstpt A+0x130\n"
    "fldt A+0x10\n fcmovnb %st(1), %st\n fstpt A+0x140\n"
    "fldt A+0x10\n fcmovne %st(1), %st\n fstpt A+0x150\n"
    "fldt A+0x10\n fcmovnbe %st(1), %st\n fstpt A+0x160\n"
    "fldt A+0x10\n fcmovnu %st(1), %st\n fstpt A+0x170\n"
    "fnsave A+0x800\n")

SEQ(seq_transcendental,
    "fninit\n fldcw A\n"
    "flds A+0x38\n f2xm1\n fstpt A+0x100\n"
    "fldt A+0x10\n fsin\n fnstsw A+0x1f0\n fstpt A+0x110\n"
    "fldt A+0x10\n fcos\n fnstsw A+0x1f2\n fstpt A+0x120\n"
    "fldt A+0x20\n fldt A+0x10\n fyl2x\n fstpt A+0x130\n"
    "fldt A+0x20\n flds A+0x38\n fyl2xp1\n fstpt A+0x140\n"
    "fldt A+0x20\n fldt A+0x10\n fpatan\n fstpt A+0x150\n"
    "fldt A+0x10\n fldt A+0x20\n fyl2x\n fldl A+0x30\n fpatan\n fstpt A+0x160\n"
    "fnstsw A+0x1f4\n fnsave A+0x800\n")

SEQ(seq_env,
    "fninit\n fldcw A\n fldt A+0x10\n fldt A+0x20\n fdiv %st(1), %st\n fld %st(1)\n"
    "fsqrt\n fnstenv A+0x300\n fnstcw A+0x100\n fldcw A\n fnstsw %ax\n fldenv A+0x300\n"
    ".byte 0x66\n fnstenv A+0x320\n fldcw A\n .byte 0x66\n fldenv A+0x320\n"
    "fnstsw A+0x102\n fnstcw A+0x104\n fnclex\n fnstsw A+0x106\n fldt A+0x10\n"
    "fnsave A+0x880\n frstor A+0x880\n fnstsw A+0x108\n fnstcw A+0x10a\n fnsave A+0x800\n")

SEQ(seq_fxsave,
    "fninit\n fldcw A\n ldmxcsr A+4\n fldt A+0x10\n fldt A+0x20\n fld1\n fdiv %st(2), %st\n"
    "fld %st(1)\n fstp %st(3)\n ffree %st(4)\n fxsave A+0x400\n fxsave64 A+0x600\n"
    "fninit\n fxrstor A+0x400\n fnstsw A+0x100\n stmxcsr A+0x104\n fnsave A+0x800\n"
    "fxrstor64 A+0x600\n fnsave A+0x880\n")

/* ZE unmasked (CW 0x37b): the division by zero sets ES; non-waiting
 * instructions go on, the next waiting one raises #MF (CR0.NE = 1). */
SEQ(seq_pending_mf,
    "fninit\n fldcw A\n fldz\n fld1\n fdiv %st(1), %st\n fnstsw A+0x100\n fnstcw A+0x102\n"
    "fnstenv A+0x300\n fldcw A\n fld1\n fnsave A+0x800\n")

/* ---- inputs ------------------------------------------------------------------ */

static uint64_t rng;

static uint64_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void put_f80(uint8_t *p, uint64_t mant, uint16_t se)
{
    memcpy(p, &mant, 8);
    memcpy(p + 8, &se, 2);
}

static void gen_f80(uint8_t *p)
{
    static const struct { uint64_t mant; uint16_t se; } edges[] = {
        {0, 0}, {0, 0x8000}, {1ull << 63, 0x7fff}, {1ull << 63, 0xffff},
        {0xc000000000000000ull, 0x7fff}, {0xc000000000000000ull, 0xffff},
        {0xa000000000000000ull, 0x7fff}, {0x8000000000000001ull, 0xffff},
        {0x0000000000001234ull, 0}, {0x7fffffffffffffffull, 0x8000},
        {0x8000000000000001ull, 0}, {0x4000000000000000ull, 0x3fff},
        {0x4000000000000001ull, 0x7fff}, {~0ull, 0x7ffe}, {~0ull, 0xfffe},
        {1ull << 63, 1}, {1ull << 63, 0x3fff}, {1ull << 63, 0xbfff}, {1ull << 63, 0x3ffe},
        {0xc000000000000000ull, 0x3fff}, {0xa000000000000000ull, 0x4000},
        {0xa000000000000000ull, 0xc000}, {1ull << 63, 0x3fff + 63}, {1ull << 63, 0xbfff + 63},
        {~0ull, 0x3fff + 62}, {0xfffe000000000000ull, 0x3fff + 14},
        {0xffff000000000000ull, 0xbfff + 15}, {1ull << 63, 0x3fff + 31},
        {0xffffffff00000000ull, 0xbfff + 31}, {0xc90fdaa22168c235ull, 0x4000},
        {0xc90fdaa22168c234ull, 0x4001}, {0x8000000000000400ull, 0x3fff},
    };
    switch (rnd() % 6) {
    case 0: {
        size_t i = rnd() % (sizeof edges / sizeof edges[0]);
        put_f80(p, edges[i].mant, edges[i].se);
        return;
    }
    case 1: {
        long double v = (long double)((int64_t)(rnd() % 4001) - 2000) / ((rnd() & 1) ? 4 : 1);
        memcpy(p, &v, 10);
        return;
    }
    case 2:
        put_f80(p, rnd() | 1ull << 63, (uint16_t)((rnd() & 0x8000) | (0x3fff - 70 + rnd() % 140)));
        return;
    case 3:
        put_f80(p, rnd() | 1ull << 63, (uint16_t)((rnd() & 0x8000) | (1 + rnd() % 0x7ffe)));
        return;
    case 4: { /* a double or float value, exactly */
        long double v = (rnd() & 1) ? (long double)(double)((int64_t)rnd() >> (rnd() % 64)) *
                                          0x1p-20L
                                    : (long double)((float)(rnd() % 100000) * 1.37e-3f);
        memcpy(p, &v, 10);
        return;
    }
    default:
        put_f80(p, rnd(), (uint16_t)rnd());
        return;
    }
}

static uint64_t gen_f64_bits(void)
{
    static const uint64_t edges[] = {0, 0x8000000000000000ull, 0x7ff0000000000000ull,
                                     0x7ff8000000000000ull, 0x7ff4000000000000ull,
                                     0x0000000000000001ull, 0x3ff0000000000000ull,
                                     0xc1e0000000000000ull, 0x7fefffffffffffffull};
    if (rnd() % 3 == 0)
        return edges[rnd() % (sizeof edges / sizeof edges[0])];
    return (rnd() & 0x800fffffffffffffull) | ((uint64_t)(1023 - 60 + rnd() % 120) << 52);
}

static uint32_t gen_f32_bits(void)
{
    static const uint32_t edges[] = {0, 0x80000000, 0x7f800000, 0x7fc00000, 0x7fa00000,
                                     0x00000001, 0x3f800000, 0xbf000000, 0x3e800000};
    if (rnd() % 3 == 0)
        return edges[rnd() % (sizeof edges / sizeof edges[0])];
    return (uint32_t)(rnd() & 0x807fffff) | (uint32_t)((127 - 20 + rnd() % 40) << 23);
}

/* FCW: all exceptions masked, bit 6 set as FNINIT leaves it, random
 * precision control (24, 53 or 64 bits) and rounding control. */
static uint16_t gen_cw(void)
{
    static const uint16_t pc[] = {0x000, 0x200, 0x300};
    return (uint16_t)(0x7f | pc[rnd() % 3] | (rnd() % 4) << 10);
}

/* The same with IM, DM, ZM and PM each cleared at random: those unmasked
 * exceptions must leave the destination as the SDM says and raise #MF at
 * the next waiting instruction.  (OM and UM stay masked: see exec_x87.c
 * for the unmasked overflow/underflow simplification.  Compares are not
 * run unmasked: for an unmasked #IA or #D the SDM leaves C3 C2 C0 unset,
 * as ringscope does, while AMD CPUs write them — model-specific.) */
static uint16_t gen_cw_unmasked(void)
{
    return (uint16_t)(gen_cw() & ~(rnd() & 0x27));
}

static void gen_inputs(uint8_t *in, uint16_t cw)
{
    memset(in, 0, 0x100);
    memcpy(in, &cw, 2);
    uint32_t mxcsr = 0x1f80 | (uint32_t)(rnd() % 4) << 13 | (uint32_t)(rnd() & 0x3f);
    memcpy(in + 4, &mxcsr, 4);
    gen_f80(in + 0x10);
    gen_f80(in + 0x20);
    uint64_t m64 = gen_f64_bits();
    memcpy(in + 0x30, &m64, 8);
    uint32_t m32 = gen_f32_bits();
    memcpy(in + 0x38, &m32, 4);
    uint32_t i32 = (rnd() & 1) ? (uint32_t)rnd() : (uint32_t)(rnd() % 200) - 100;
    memcpy(in + 0x3c, &i32, 4);
    uint16_t i16 = (uint16_t)rnd();
    memcpy(in + 0x40, &i16, 2);
    uint64_t i64 = rnd() >> (rnd() % 64);
    memcpy(in + 0x48, &i64, 8);
}

/* ---- running a sequence in both worlds --------------------------------------- */

static struct harness *h;

#define IN_SIZE 0x100
#define OUT_BASE 0x100
#define OUT_SIZE 0x800
#define SAVE 0x800   /* FNSAVE images at SAVE and SAVE + 0x80 */
#define ENV 0x300
#define FX 0x400     /* FXSAVE areas at FX and FX + 0x200 */

/* Bytes not compared: the instruction/data pointers of the FNSTENV/FNSAVE
 * images (offsets 12-27; 6-13 in the 16-bit format), and of the FXSAVE areas (FOP, FIP, FDP: 6-23)
 * plus MXCSR_MASK (28-31), which is model-specific (checked separately).
 * And in both kinds of image, the bytes of registers tagged empty: FNSAVE
 * and FXSAVE store whatever stale bits those hold. */
static void mark_ignored(const uint8_t *arena, bool *skip)
{
    memset(skip, 0, OUT_BASE + OUT_SIZE);
    for (unsigned i = 12; i < 28; i++)
        skip[ENV + i] = true;
    for (unsigned i = 6; i < 14; i++) /* the 16-bit image (66 prefix) at ENV + 0x20 */
        skip[ENV + 0x20 + i] = true;
    for (unsigned img = SAVE; img < SAVE + 0x100; img += 0x80) {
        for (unsigned i = 12; i < 28; i++)
            skip[img + i] = true;
        uint16_t fsw, ftw;
        memcpy(&fsw, arena + img + 4, 2);
        memcpy(&ftw, arena + img + 8, 2);
        for (unsigned st = 0; st < 8; st++)
            if (((ftw >> (2 * ((st + (fsw >> 11)) & 7))) & 3) == 3)
                memset(skip + img + 28 + 10 * st, 1, 10);
    }
    for (unsigned fx = FX; fx < FX + 0x400; fx += 0x200) {
        for (unsigned i = 6; i < 24; i++)
            skip[fx + i] = true;
        for (unsigned i = 28; i < 32; i++)
            skip[fx + i] = true;
        uint16_t fsw;
        memcpy(&fsw, arena + fx + 2, 2);
        for (unsigned st = 0; st < 8; st++)
            if (!((arena[fx + 4] >> ((st + (fsw >> 11)) & 7)) & 1))
                memset(skip + fx + 32 + 16 * st, 1, 10);
    }
}

struct outcome {
    int vector;     /* -1, or the exception that stopped the sequence */
    size_t at;      /* offset of the instruction that raised it */
    struct regs regs;
};

/* Both worlds run the sequence one instruction at a time (oracle_exec
 * and harness_exec take one instruction each), GPRs, RFLAGS, XMM and MXCSR
 * handed from one instruction to the next.  The host's x87 state simply
 * persists between the oracle's calls: nothing in between uses the x87. */
typedef int (*exec_one_fn)(const uint8_t *code, size_t len, const struct regs *in,
                           struct regs *out);

static int exec_ours(const uint8_t *code, size_t len, const struct regs *in, struct regs *out)
{
    return harness_exec(h, code, len, 0, in, out);
}

static struct outcome run_sequence(exec_one_fn exec_one, const uint8_t *code, size_t len,
                                   const struct regs *in)
{
    struct outcome o = {.vector = -1, .at = len, .regs = *in};
    size_t off = 0;
    while (off < len) {
        struct insn insn;
        int r = decode(code + off, len - off, &insn);
        ck_assert_msg(r == DECODE_OK, "decode failed at +%zu", off);
        struct regs next;
        int v = exec_one(code + off, insn.len, &o.regs, &next);
        o.regs = next;
        if (v >= 0) {
            o.vector = v;
            o.at = off;
            break;
        }
        off += insn.len;
    }
    return o;
}

static void describe_input(char *buf, size_t n, const uint8_t *in)
{
    uint16_t cw;
    memcpy(&cw, in, 2);
    uint64_t am, bm;
    uint16_t ae, be;
    memcpy(&am, in + 0x10, 8);
    memcpy(&ae, in + 0x18, 2);
    memcpy(&bm, in + 0x20, 8);
    memcpy(&be, in + 0x28, 2);
    snprintf(buf, n, "cw=%#06x a=%04x:%016llx b=%04x:%016llx", cw, ae, (unsigned long long)am, be,
             (unsigned long long)bm);
}

/* Run one case; false (with a message) on a mismatch. */
static bool run_case(const char *name, const uint8_t *code, size_t len, const uint8_t *input,
                     uint64_t rflags, char *msg, size_t n)
{
    uint8_t *native = oracle_arena();
    static uint8_t fill[OUT_SIZE], ours[OUT_SIZE];
    memset(fill, 0xa5, sizeof fill);
    memcpy(native, input, IN_SIZE);
    memcpy(native + OUT_BASE, fill, OUT_SIZE);
    ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA, input, IN_SIZE));
    ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA + OUT_BASE, fill, OUT_SIZE));

    struct regs in;
    memset(&in, 0, sizeof in);
    for (int i = 0; i < 16; i++) {
        in.gpr[i] = rnd();
        in.xmm[i].q[0] = rnd();
        in.xmm[i].q[1] = rnd();
    }
    in.gpr[RSP] = HARNESS_ARENA + 0x8000;
    in.rflags = 0x202 | (rflags & RF_STATUS);
    in.mxcsr = 0x1f80;

    struct outcome a = run_sequence(oracle_exec, code, len, &in);
    struct outcome b = run_sequence(exec_ours, code, len, &in);
    char what[120];
    describe_input(what, sizeof what, input);
    if (a.vector != b.vector || a.at != b.at) {
        snprintf(msg, n, "%s [%s]: host vector %d at +%zu, ours %d at +%zu", name, what, a.vector,
                 a.at, b.vector, b.at);
        return false;
    }
    if (a.vector < 0) {
        const uint64_t fl = RF_STATUS;
        if ((a.regs.rflags & fl) != (b.regs.rflags & fl)) {
            snprintf(msg, n, "%s [%s]: rflags host %#llx ours %#llx", name, what,
                     (unsigned long long)(a.regs.rflags & fl),
                     (unsigned long long)(b.regs.rflags & fl));
            return false;
        }
        for (int i = 0; i < 16; i++)
            if (a.regs.gpr[i] != b.regs.gpr[i]) {
                snprintf(msg, n, "%s [%s]: gpr%d host %#llx ours %#llx", name, what, i,
                         (unsigned long long)a.regs.gpr[i], (unsigned long long)b.regs.gpr[i]);
                return false;
            }
        if (memcmp(a.regs.xmm, b.regs.xmm, sizeof a.regs.xmm) || a.regs.mxcsr != b.regs.mxcsr) {
            snprintf(msg, n, "%s [%s]: xmm/mxcsr differ", name, what);
            return false;
        }
    }
    ck_assert(mmu_phys_read(h->mmu, HARNESS_ARENA + OUT_BASE, ours, OUT_SIZE));
    static bool skip[OUT_BASE + OUT_SIZE];
    mark_ignored(native, skip);
    for (unsigned i = 0; i < OUT_SIZE; i++) {
        unsigned off = OUT_BASE + i;
        if (!skip[off] && ours[i] != native[off]) {
            size_t k = (size_t)snprintf(msg, n, "%s [%s]: arena +%#x host", name, what, off);
            unsigned from = off & ~15u;
            for (unsigned j = from; j < from + 16 && k < n; j++)
                k += (size_t)snprintf(msg + k, n - k, " %02x", native[j]);
            k += (size_t)snprintf(msg + k, n - k, " ours");
            for (unsigned j = from; j < from + 16 && k < n; j++)
                k += (size_t)snprintf(msg + k, n - k, " %02x", ours[j - OUT_BASE]);
            return false;
        }
    }
    return true;
}

static void run_many(const char *name, const uint8_t *start, const uint8_t *end, int cases,
                     uint64_t seed, uint16_t (*cw)(void))
{
    rng = seed;
    char msg[600];
    int failures = 0;
    uint8_t input[IN_SIZE];
    for (int k = 0; k < cases; k++) {
        gen_inputs(input, cw());
        if (!run_case(name, start, (size_t)(end - start), input, rnd(), msg, sizeof msg) &&
            failures++ < 3)
            fprintf(stderr, "MISMATCH %s\n", msg);
    }
    ck_assert_msg(failures == 0, "%s: %d of %d cases differ (first printed above)", name,
                  failures, cases);
}

#define RUN(seq, cases, seed) run_many(#seq, seq##_start, seq##_end, cases, seed, gen_cw)

static void setup(void)
{
    h = harness_new(0);
    ck_assert_ptr_nonnull(h);
}

static void teardown(void)
{
    harness_free(h);
}

START_TEST(arithmetic_in_every_rounding_and_precision_mode) { RUN(seq_arith, 3000, 1); }
END_TEST

START_TEST(compares_into_fsw) { RUN(seq_compare, 2000, 2); }
END_TEST

START_TEST(compares_into_rflags)
{
    RUN(seq_fcomi, 500, 3);
    RUN(seq_fucomi, 500, 4);
    RUN(seq_fcomip, 500, 5);
    RUN(seq_fucomip, 500, 6);
}
END_TEST

START_TEST(fxam_classes) { RUN(seq_fxam, 2000, 7); }
END_TEST

START_TEST(constants_in_every_rounding_mode) { RUN(seq_constants, 200, 8); }
END_TEST

START_TEST(stack_overflow_and_underflow)
{
    RUN(seq_stack, 300, 9);
    RUN(seq_underflow, 500, 10);
}
END_TEST

START_TEST(fcmov_conditions) { RUN(seq_fcmov, 500, 11); }
END_TEST

START_TEST(fisttp_truncates) { RUN(seq_fisttp, 2000, 23); }
END_TEST

START_TEST(fisttp_unmasked)
{
    run_many("seq_fisttp (unmasked)", seq_fisttp_start, seq_fisttp_end, 1000, 29, gen_cw_unmasked);
}
END_TEST

START_TEST(transcendental_helpers) { RUN(seq_transcendental, 1000, 12); }
END_TEST

START_TEST(environment_save_and_restore) { RUN(seq_env, 1000, 13); }
END_TEST

START_TEST(fxsave_layout_and_fxrstor) { RUN(seq_fxsave, 1000, 14); }
END_TEST

START_TEST(unmasked_exceptions_in_arithmetic)
{
    run_many("seq_arith (unmasked)", seq_arith_start, seq_arith_end, 2000, 17, gen_cw_unmasked);
    run_many("seq_underflow (unmasked)", seq_underflow_start, seq_underflow_end, 300, 19,
             gen_cw_unmasked);
}
END_TEST

START_TEST(unmasked_exception_raises_mf_at_next_waiting_instruction)
{
    uint8_t input[IN_SIZE];
    char msg[600];
    rng = 15;
    gen_inputs(input, 0x37b); /* ZM clear */
    bool same = run_case("seq_pending_mf", seq_pending_mf_start,
                         (size_t)(seq_pending_mf_end - seq_pending_mf_start), input, 0, msg,
                         sizeof msg);
    ck_assert_msg(same, "%s", msg);
    /* And the host agreed on where: the FLD1 after FLDCW (SDM §8.6). */
    ck_assert_int_eq(run_sequence(oracle_exec, seq_pending_mf_start,
                                  (size_t)(seq_pending_mf_end - seq_pending_mf_start),
                                  &(struct regs){.rflags = 0x202, .mxcsr = 0x1f80,
                                                 .gpr[RSP] = HARNESS_ARENA + 0x8000})
                         .vector,
                     EXC_MF);
}
END_TEST

/* What the host cannot show from ring 3 — SDM Vol. 3A Table 2-2 (CR0.MP,
 * EM and TS) and the FWAIT page: x87 instructions raise #NM when EM or TS
 * is set; FWAIT only when MP and TS are both set. */
static int exec_with_cr0(const uint8_t *code, size_t len, uint64_t set, uint64_t clear)
{
    struct regs in = {.rflags = 0x202, .mxcsr = 0x1f80, .gpr[RSP] = HARNESS_ARENA + 0x8000};
    struct regs out;
    uint64_t cr0 = h->cpu->cr0;
    h->cpu->cr0 = (cr0 | set) & ~clear;
    int v = harness_exec(h, code, len, 0, &in, &out);
    h->cpu->cr0 = cr0;
    return v;
}

START_TEST(cr0_em_ts_mp)
{
    static const uint8_t fld1[] = {0xd9, 0xe8}, fnstcw[] = {0xd9, 0x3c, 0x25, 0, 1, 0, 0x10},
                         fwait[] = {0x9b}, fninit[] = {0xdb, 0xe3};
    const uint64_t MP = 1u << 1, EM = 1u << 2, TS = 1u << 3;
    ck_assert_int_eq(exec_with_cr0(fninit, sizeof fninit, 0, 0), -1);
    ck_assert_int_eq(exec_with_cr0(fld1, sizeof fld1, TS, 0), EXC_NM);
    ck_assert_int_eq(exec_with_cr0(fld1, sizeof fld1, EM, 0), EXC_NM);
    ck_assert_int_eq(exec_with_cr0(fnstcw, sizeof fnstcw, TS, 0), EXC_NM);
    ck_assert_int_eq(exec_with_cr0(fwait, sizeof fwait, MP | TS, 0), EXC_NM);
    ck_assert_int_eq(exec_with_cr0(fwait, sizeof fwait, TS, MP), -1);
    ck_assert_int_eq(exec_with_cr0(fwait, sizeof fwait, EM, TS), -1);
    ck_assert_int_eq(exec_with_cr0(fld1, sizeof fld1, 0, 0), -1);
    ck_assert_int_eq(exec_with_cr0(fninit, sizeof fninit, 0, 0), -1);
}
END_TEST

/* MXCSR_MASK in the FXSAVE image is model-specific (AMD adds MM, bit 17);
 * ours reports the bits LDMXCSR accepts: 0xffff, DAZ included. */
START_TEST(fxsave_mxcsr_mask)
{
    static const uint8_t fxsave[] = {0x0f, 0xae, 0x04, 0x25, 0x00, 0x04, 0x00, 0x10};
    struct regs in = {.rflags = 0x202, .mxcsr = 0x1f80, .gpr[RSP] = HARNESS_ARENA + 0x8000};
    struct regs out;
    ck_assert_int_eq(harness_exec(h, fxsave, sizeof fxsave, 0, &in, &out), -1);
    uint32_t mask;
    ck_assert(mmu_phys_read(h->mmu, HARNESS_ARENA + 0x400 + 28, &mask, 4));
    ck_assert_uint_eq(mask, 0xffff);
    /* Misaligned: #GP(0). */
    static const uint8_t misaligned[] = {0x0f, 0xae, 0x04, 0x25, 0x08, 0x04, 0x00, 0x10};
    ck_assert_int_eq(harness_exec(h, misaligned, sizeof misaligned, 0, &in, &out), EXC_GP);
}
END_TEST

/* ---- compiled code ------------------------------------------------------------
 * A freestanding C kernel compiled by the host's gcc at test time (-O2):
 * long double, double and float arithmetic, conversions in every
 * direction, compares — the x87 and SSE2 code gcc really emits (FLDCW
 * around FISTP for truncation, FCOMI/FUCOMI + SETcc, FILD with the 2^64
 * fix-up for unsigned, CVTTSD2SI, MINSD, ...).  The flat binary runs at
 * HARNESS_GUEST_BASE natively (called as a function) and in ringscope
 * (called from a stub that ends the run through port 0xF4), on the same
 * arena inputs; the arena outputs must match byte for byte. */
static const char kernel_source[] =
    "typedef unsigned long u64;\n"
    "#define IN ((const unsigned char *)0x10000000)\n"
    "#define OUT ((unsigned char *)0x10002000)\n"
    "#define SETS 64\n"
    "struct in_set { long double x, y; double d, e; float f, g; long l; unsigned long u; int i, pad; };\n"
    "struct out_set { long double r[16]; double dr[8]; float fr[4]; long lr[6]; int cr[8]; };\n"
    "_Static_assert(sizeof(struct in_set) == 80, \"\");\n"
    "void entry(void)\n"
    "{\n"
    "    __asm__ volatile(\"fninit\");\n"
    "    __builtin_ia32_ldmxcsr(0x1f80);\n"
    "    const struct in_set *in = (const void *)IN;\n"
    "    struct out_set *out = (void *)OUT;\n"
    "    for (int k = 0; k < SETS; k++) {\n"
    "        const struct in_set *s = &in[k];\n"
    "        struct out_set *o = &out[k];\n"
    "        long double x = s->x, y = s->y;\n"
    "        o->r[0] = x + y; o->r[1] = x - y; o->r[2] = x * y; o->r[3] = x / y;\n"
    "        o->r[4] = __builtin_sqrtl(x); o->r[5] = __builtin_fabsl(y); o->r[6] = -x;\n"
    "        o->r[7] = x * s->d + y * s->f; o->r[8] = (long double)s->l; o->r[9] = (long double)s->u;\n"
    "        o->r[10] = (long double)s->i / 3.0L; o->r[11] = __builtin_rintl(x);\n"
    "        o->r[12] = x > y ? x : y; o->r[13] = x * 0.1L + 1e300L;\n"
    "        o->r[14] = (long double)(double)x; o->r[15] = (long double)(float)y;\n"
    "        double d = s->d, e = s->e; float f = s->f, g = s->g;\n"
    "        o->dr[0] = d + e * 3.0; o->dr[1] = d / e; o->dr[2] = __builtin_sqrt(d);\n"
    "        o->dr[3] = d < e ? d : e; o->dr[4] = (double)x; o->dr[5] = (double)s->u;\n"
    "        o->dr[6] = (double)s->l * f; o->dr[7] = __builtin_copysign(d, e);\n"
    "        o->fr[0] = f * g + 1.0f; o->fr[1] = (float)d; o->fr[2] = f / g; o->fr[3] = (float)s->i;\n"
    "        o->lr[0] = (long)x; o->lr[1] = (long)(unsigned long)y; o->lr[2] = (long)d;\n"
    "        o->lr[3] = (int)f; o->lr[4] = (long)__builtin_llrintl(y); o->lr[5] = (long)(unsigned long)e;\n"
    "        o->cr[0] = x < y; o->cr[1] = x == y; o->cr[2] = x >= y; o->cr[3] = __builtin_isnan(x);\n"
    "        o->cr[4] = d < e; o->cr[5] = d == e; o->cr[6] = f <= g; o->cr[7] = __builtin_isunordered(x, y);\n"
    "    }\n"
    "}\n";

#define KERNEL_SETS 64
#define KERNEL_IN_SIZE 80   /* sizeof(struct in_set) in the kernel */
#define KERNEL_OUT 0x2000
#define KERNEL_OUT_SIZE 416 /* sizeof(struct out_set) */

/* Compile and link the kernel in a private temporary directory (the normal
 * and the sanitizer builds may run this test at the same time). */
static size_t build_kernel(uint8_t *image, size_t cap)
{
    char dir[] = "/tmp/ringscope-x87-XXXXXX", path[128], cmd[1024];
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/kernel.c", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(kernel_source, f);
    fclose(f);
    snprintf(cmd, sizeof cmd,
             "cd %s && gcc -O2 -ffreestanding -fno-pic -fno-pie -fno-stack-protector "
             "-fno-math-errno -fcf-protection=none -c kernel.c -o kernel.o && "
             "ld -N -e entry -Ttext 0x100000 --no-warn-rwx-segments -o kernel.elf kernel.o && "
             "objcopy -O binary kernel.elf kernel.bin",
             dir);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "building the kernel failed");
    snprintf(path, sizeof path, "%s/kernel.bin", dir);
    f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    size_t n = fread(image, 1, cap, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, cap);
    return n;
}

static void gen_kernel_inputs(uint8_t *in)
{
    memset(in, 0, KERNEL_SETS * KERNEL_IN_SIZE);
    for (int k = 0; k < KERNEL_SETS; k++) {
        uint8_t *p = in + k * KERNEL_IN_SIZE;
        gen_f80(p);
        gen_f80(p + 16);
        uint64_t d = gen_f64_bits(), e = gen_f64_bits();
        memcpy(p + 32, &d, 8);
        memcpy(p + 40, &e, 8);
        uint32_t f = gen_f32_bits(), g = gen_f32_bits();
        memcpy(p + 48, &f, 4);
        memcpy(p + 52, &g, 4);
        uint64_t l = rnd() >> (rnd() % 64), u = (rnd() & 1) ? rnd() : rnd() >> 40;
        if (rnd() & 1)
            l = -l;
        memcpy(p + 56, &l, 8);
        memcpy(p + 64, &u, 8);
        uint32_t i = (uint32_t)rnd();
        memcpy(p + 72, &i, 4);
    }
}

START_TEST(compiled_float_code_matches_host)
{
    static uint8_t image[16384];
    size_t n = build_kernel(image, sizeof image);
    void *native = mmap((void *)HARNESS_GUEST_BASE, 0x4000, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    ck_assert_msg(native == (void *)HARNESS_GUEST_BASE, "cannot map %#llx natively",
                  HARNESS_GUEST_BASE);
    memcpy(native, image, n);
    ck_assert(mmu_phys_write(h->mmu, HARNESS_GUEST_BASE, image, n));
    /* call HARNESS_GUEST_BASE; out %al, $0xf4 */
    uint8_t stub[7] = {0xe8, 0, 0, 0, 0, 0xe6, 0xf4};
    int32_t rel = (int32_t)(HARNESS_GUEST_BASE - (HARNESS_CODE + 5));
    memcpy(stub + 1, &rel, 4);
    ck_assert(mmu_phys_write(h->mmu, HARNESS_CODE, stub, sizeof stub));

    static uint8_t inputs[KERNEL_SETS * KERNEL_IN_SIZE], fill[KERNEL_SETS * KERNEL_OUT_SIZE],
        ours[KERNEL_SETS * KERNEL_OUT_SIZE];
    uint8_t *arena = oracle_arena();
    memset(fill, 0xa5, sizeof fill);
    rng = 16;
    for (int round = 0; round < 24; round++) {
        gen_kernel_inputs(inputs);
        memcpy(arena, inputs, sizeof inputs);
        memcpy(arena + KERNEL_OUT, fill, sizeof fill);
        ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA, inputs, sizeof inputs));
        ck_assert(mmu_phys_write(h->mmu, HARNESS_ARENA + KERNEL_OUT, fill, sizeof fill));

        ((void (*)(void))native)();

        struct cpu *c = h->cpu;
        c->rip = HARNESS_CODE;
        c->gpr[RSP] = HARNESS_STACK_TOP;
        c->halted = 0;
        c->stop_request = 0;
        ck_assert_int_eq(harness_run(h, 10000000), STOP_REQUEST);
        ck_assert_uint_eq(c->rip, HARNESS_CODE + sizeof stub);
        ck_assert(mmu_phys_read(h->mmu, HARNESS_ARENA + KERNEL_OUT, ours, sizeof ours));
        for (size_t i = 0; i < sizeof ours; i++)
            ck_assert_msg(ours[i] == arena[KERNEL_OUT + i],
                          "round %d: output set %zu byte %zu: host %02x ours %02x", round,
                          i / KERNEL_OUT_SIZE, i % KERNEL_OUT_SIZE, arena[KERNEL_OUT + i], ours[i]);
    }
    munmap(native, 0x4000);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("x87");
    TCase *tc = tcase_create("host");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, arithmetic_in_every_rounding_and_precision_mode);
    tcase_add_test(tc, compares_into_fsw);
    tcase_add_test(tc, compares_into_rflags);
    tcase_add_test(tc, fxam_classes);
    tcase_add_test(tc, constants_in_every_rounding_mode);
    tcase_add_test(tc, stack_overflow_and_underflow);
    tcase_add_test(tc, fcmov_conditions);
    tcase_add_test(tc, fisttp_truncates);
    tcase_add_test(tc, fisttp_unmasked);
    tcase_add_test(tc, transcendental_helpers);
    tcase_add_test(tc, environment_save_and_restore);
    tcase_add_test(tc, fxsave_layout_and_fxrstor);
    tcase_add_test(tc, unmasked_exceptions_in_arithmetic);
    tcase_add_test(tc, unmasked_exception_raises_mf_at_next_waiting_instruction);
    tcase_add_test(tc, fxsave_mxcsr_mask);
    tcase_add_test(tc, cr0_em_ts_mp);
    tcase_add_test(tc, compiled_float_code_matches_host);
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
