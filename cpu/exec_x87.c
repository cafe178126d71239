/* exec_x87.c — the x87 FPU instructions (escape opcodes D8-DF and FWAIT),
 * the subset that musl's printf/strtold and libm use: loads and stores of
 * every memory format except BCD, constants, the four arithmetic
 * operations in all their forms, compares into FSW or RFLAGS, FXAM/FTST,
 * FSQRT/FRNDINT/FSCALE/FPREM/FPREM1/FXTRACT, the transcendental helpers of
 * libm (F2XM1, FYL2X, FYL2XP1, FPATAN, FSIN, FCOS), FCMOVcc, stack
 * management, and the control instructions (FLDCW/FNSTCW, FNSTSW,
 * FNSTENV/FLDENV, FNSAVE/FRSTOR, FNINIT, FNCLEX).  SDM Vol. 1 ch. 8 and the
 * Vol. 2 instruction pages; opcode map: SDM Vol. 2 Appendix A.4.
 *
 * The register stack: physical registers R0-R7 in cpu->fpr, ST(i) is
 * R[(TOP + i) mod 8]; the tag word (2 bits per physical register: 00
 * valid, 01 zero, 10 special, 11 empty) detects stack overflow (a push
 * onto a non-empty R[TOP-1]) and underflow (reading an empty register):
 * both set IE and SF (C1 = 1 for overflow, 0 for underflow) and, with IM
 * masked, produce the "real indefinite" QNaN (SDM §8.5.1.1).
 *
 * Arithmetic runs on the host's x87 unit — the same 80-bit format — under
 * the guest's FCW (precision and rounding control) with all exceptions
 * masked; the status word the host reports gives the exception flags and
 * C1 (rounded up).  Unmasked exceptions set ES and B and raise #MF at the
 * next waiting x87 instruction when CR0.NE = 1 (SDM §8.7); with an
 * unmasked IE, DE or ZE the destination is left unchanged.  Simplification:
 * with OE/UE unmasked, a register destination receives the masked result
 * (infinity/denormal), not the SDM's bias-adjusted one, and an exact tiny
 * result does not raise UE; the flags are those of the masked operation.
 *
 * Not implemented (#UD): FBLD/FBSTP (BCD), FPTAN/FSINCOS.  FISTTP (SSE3)
 * is FISTP with the rounding control forced to truncation. */
#include "exec_x87.h"
#include "exec_sse.h"

/* FSW bits (SDM Vol. 1 §8.1.3, Figure 8-4). */
enum {
    FSW_IE = 1u << 0, FSW_DE = 1u << 1, FSW_ZE = 1u << 2, FSW_OE = 1u << 3,
    FSW_UE = 1u << 4, FSW_PE = 1u << 5, FSW_SF = 1u << 6, FSW_ES = 1u << 7,
    FSW_C0 = 1u << 8, FSW_C1 = 1u << 9, FSW_C2 = 1u << 10, FSW_TOP = 7u << 11,
    FSW_C3 = 1u << 14, FSW_B = 1u << 15,
    FSW_EXC = 0x3f, FSW_CC = FSW_C0 | FSW_C1 | FSW_C2 | FSW_C3,
};
#define FSW_TOP_SHIFT 11

/* Tag values (SDM Vol. 1 §8.1.7). */
enum { TAG_VALID = 0, TAG_ZERO = 1, TAG_SPECIAL = 2, TAG_EMPTY = 3 };

/* ---- the 80-bit format ------------------------------------------------ */

struct f80 {
    uint64_t mant; /* bit 63: the explicit integer bit */
    uint16_t se;   /* sign (bit 15) and 15-bit biased exponent */
};

static struct f80 f80_bits(long double v)
{
    struct f80 b;
    unsigned char raw[10];
    memcpy(raw, &v, 10);
    memcpy(&b.mant, raw, 8);
    memcpy(&b.se, raw + 8, 2);
    return b;
}

static long double f80_value(uint64_t mant, uint16_t se)
{
    long double v = 0;
    memcpy(&v, &mant, 8);
    memcpy((unsigned char *)&v + 8, &se, 2);
    return v;
}

/* The real indefinite: -QNaN with fraction 0 (SDM Table 8-10). */
static long double indefinite(void)
{
    return f80_value(0xc000000000000000ull, 0xffff);
}

static unsigned tag_of(long double v)
{
    struct f80 b = f80_bits(v);
    unsigned exp = b.se & 0x7fff;
    if (exp == 0)
        return b.mant == 0 ? TAG_ZERO : TAG_SPECIAL;
    if (exp == 0x7fff || !(b.mant >> 63))
        return TAG_SPECIAL;
    return TAG_VALID;
}

/* ---- stack and status word -------------------------------------------- */

static unsigned phys(const struct cpu *cpu, unsigned i)
{
    return (cpu->ftop + i) & 7;
}

static unsigned tag_get(const struct cpu *cpu, unsigned p)
{
    return (cpu->ftw >> (2 * p)) & 3;
}

static void tag_set(struct cpu *cpu, unsigned p, unsigned tag)
{
    cpu->ftw = (uint16_t)((cpu->ftw & ~(3u << (2 * p))) | (tag << (2 * p)));
}

static bool st_empty(const struct cpu *cpu, unsigned i)
{
    return tag_get(cpu, phys(cpu, i)) == TAG_EMPTY;
}

static long double st_get(const struct cpu *cpu, unsigned i)
{
    return cpu->fpr[phys(cpu, i)];
}

static void st_set(struct cpu *cpu, unsigned i, long double v)
{
    cpu->fpr[phys(cpu, i)] = v;
    tag_set(cpu, phys(cpu, i), tag_of(v));
}

static void set_top(struct cpu *cpu, unsigned top)
{
    cpu->ftop = top & 7;
    cpu->fsw = (uint16_t)((cpu->fsw & ~FSW_TOP) | (cpu->ftop << FSW_TOP_SHIFT));
}

uint16_t x87_status_word(const struct cpu *cpu)
{
    return (uint16_t)((cpu->fsw & ~FSW_TOP) | ((cpu->ftop & 7) << FSW_TOP_SHIFT));
}

void x87_load_status_word(struct cpu *cpu, uint16_t fsw)
{
    cpu->fsw = fsw;
    cpu->ftop = (fsw & FSW_TOP) >> FSW_TOP_SHIFT;
}

uint8_t x87_abridged_tags(const struct cpu *cpu)
{
    uint8_t tags = 0;
    for (unsigned p = 0; p < 8; p++)
        if (tag_get(cpu, p) != TAG_EMPTY)
            tags |= (uint8_t)(1u << p);
    return tags;
}

void x87_load_abridged_tags(struct cpu *cpu, uint8_t tags)
{
    for (unsigned p = 0; p < 8; p++)
        tag_set(cpu, p, (tags >> p) & 1 ? tag_of(cpu->fpr[p]) : TAG_EMPTY);
}

/* The full tag word as FNSTENV/FNSAVE store it: non-empty registers get
 * the tag their contents call for. */
static uint16_t full_tag_word(const struct cpu *cpu)
{
    uint16_t ftw = 0;
    for (unsigned p = 0; p < 8; p++) {
        unsigned t = tag_get(cpu, p) == TAG_EMPTY ? TAG_EMPTY : tag_of(cpu->fpr[p]);
        ftw |= (uint16_t)(t << (2 * p));
    }
    return ftw;
}

/* Recompute the exception summary: ES (and B) are set while an unmasked
 * exception flag is set (SDM §8.1.3.6). */
static void update_summary(struct cpu *cpu)
{
    if (cpu->fsw & ~cpu->fcw & FSW_EXC)
        cpu->fsw |= FSW_ES | FSW_B;
    else
        cpu->fsw &= (uint16_t)~(FSW_ES | FSW_B);
}

/* Record the exception flags an operation raised (IE DE ZE OE UE PE SF).
 * Returns true when the result may be stored: false when an unmasked IE,
 * DE or ZE means the destination stays unchanged. */
static bool raise_flags(struct cpu *cpu, unsigned flags)
{
    flags &= FSW_EXC | FSW_SF;
    cpu->fsw |= (uint16_t)flags;
    unsigned unmasked = flags & ~cpu->fcw & FSW_EXC;
    if (unmasked)
        cpu->fsw |= FSW_ES | FSW_B;
    return !(unmasked & (FSW_IE | FSW_DE | FSW_ZE));
}

static void set_c1(struct cpu *cpu, bool c1)
{
    cpu->fsw = (uint16_t)((cpu->fsw & ~FSW_C1) | (c1 ? FSW_C1 : 0));
}

/* Set C3 C2 C1 C0 (`cc` holds them in their FSW positions). */
static void set_cc(struct cpu *cpu, unsigned cc)
{
    cpu->fsw = (uint16_t)((cpu->fsw & ~FSW_CC) | (cc & FSW_CC));
}

/* A stack underflow: IE + SF with C1 = 0.  True if the masked response
 * (store the indefinite) should be carried out. */
static bool underflow(struct cpu *cpu)
{
    set_c1(cpu, false);
    return raise_flags(cpu, FSW_IE | FSW_SF);
}

/* Push v; on overflow (R[TOP-1] not empty) IE + SF with C1 = 1 and, if
 * masked, the indefinite is pushed instead. */
static void push(struct cpu *cpu, long double v)
{
    if (tag_get(cpu, phys(cpu, 7)) != TAG_EMPTY) {
        set_c1(cpu, true);
        if (!raise_flags(cpu, FSW_IE | FSW_SF))
            return;
        v = indefinite();
    }
    set_top(cpu, cpu->ftop - 1u);
    st_set(cpu, 0, v);
}

static void pop(struct cpu *cpu)
{
    tag_set(cpu, phys(cpu, 0), TAG_EMPTY);
    set_top(cpu, cpu->ftop + 1u);
}

/* The control word the host computes under: the guest's precision and
 * rounding control, every exception masked. */
static uint16_t host_cw(const struct cpu *cpu)
{
    return (uint16_t)(cpu->fcw | FSW_EXC);
}

/* ---- host computations -------------------------------------------------
 * Each asm statement loads the guest's control word, runs the operation on
 * the host's x87 stack (left empty again afterwards, as the ABI requires),
 * captures FNSTSW right after the operation and restores the host's control
 * word.  FLD m80 raises nothing, so operands enter exactly. */

#define X87_ENTER "fnstcw %[saved]\n\tfldcw %[cw]\n\tfnclex\n\t"
#define X87_LEAVE "fnclex\n\tfldcw %[saved]"

/* *r = a OP b for OP in text, with a in ST(0) and b in ST(1). */
#define X87_HOST_BINOP(fname, text)                                                       \
    static uint16_t fname(uint16_t cw, long double a, long double b, long double *r)      \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile(X87_ENTER "fldt %[b]\n\tfldt %[a]\n\t" text "\n\tfnstsw %[sw]\n\t" \
                         "fstpt %[r]\n\tfstp %%st(0)\n\t" X87_LEAVE                        \
                         : [r] "=m"(*r), [sw] "=m"(sw), [saved] "=m"(saved)                 \
                         : [cw] "m"(cw), [a] "m"(a), [b] "m"(b)                             \
                         : "st", "st(1)");                                                \
        return sw;                                                                        \
    }
X87_HOST_BINOP(host_fadd, "fadd %%st(1), %%st")
X87_HOST_BINOP(host_fmul, "fmul %%st(1), %%st")
X87_HOST_BINOP(host_fsub, "fsub %%st(1), %%st")
X87_HOST_BINOP(host_fsubr, "fsubr %%st(1), %%st")
X87_HOST_BINOP(host_fdiv, "fdiv %%st(1), %%st")
X87_HOST_BINOP(host_fdivr, "fdivr %%st(1), %%st")

/* ST(0) OP m for a memory operand m of each format (single, double,
 * 16/32-bit integer): the host reads the operand in its own format, so the
 * conversion's exceptions (SNaN, denormal) and their priority against the
 * operation's own (an unsupported ST(0) is IE only) come out as on the
 * hardware.  The compare forms leave ST(0) and report C3 C2 C0. */
#define X87_HOST_MEMOP(fname, text, type)                                                 \
    static uint16_t fname(uint16_t cw, long double a, type m, long double *r)             \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile(X87_ENTER "fldt %[a]\n\t" text " %[m]\n\tfnstsw %[sw]\n\t"          \
                         "fstpt %[r]\n\t" X87_LEAVE                                        \
                         : [r] "=m"(*r), [sw] "=m"(sw), [saved] "=m"(saved)                 \
                         : [cw] "m"(cw), [a] "m"(a), [m] "m"(m)                             \
                         : "st");                                                         \
        return sw;                                                                        \
    }
/* One operation in its four memory formats: mnemonic + s/l, fi + s/l. */
#define X87_HOST_MEMOPS(op)                                                               \
    X87_HOST_MEMOP(host_##op##_f32, "f" #op "s", uint32_t)                                \
    X87_HOST_MEMOP(host_##op##_f64, "f" #op "l", uint64_t)                                \
    X87_HOST_MEMOP(host_##op##_i16, "fi" #op "s", uint16_t)                               \
    X87_HOST_MEMOP(host_##op##_i32, "fi" #op "l", uint32_t)
X87_HOST_MEMOPS(add)
X87_HOST_MEMOPS(mul)
X87_HOST_MEMOPS(com)
X87_HOST_MEMOPS(sub)
X87_HOST_MEMOPS(subr)
X87_HOST_MEMOPS(div)
X87_HOST_MEMOPS(divr)

/* An operation on ST(0) and ST(1) that leaves both in place (the one-
 * operand ones ignore ST(1)): FSQRT, FRNDINT, FSCALE, FPREM, ... */
#define X87_HOST_ST01(fname, text)                                                        \
    static uint16_t fname(uint16_t cw, long double *st0, long double *st1)                \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile(X87_ENTER "fldt %[s1]\n\tfldt %[s0]\n\t" text "\n\tfnstsw %[sw]\n\t" \
                         "fstpt %[s0]\n\tfstpt %[s1]\n\t" X87_LEAVE                        \
                         : [s0] "+m"(*st0), [s1] "+m"(*st1), [sw] "=m"(sw),                 \
                           [saved] "=m"(saved)                                            \
                         : [cw] "m"(cw)                                                   \
                         : "st", "st(1)");                                                \
        return sw;                                                                        \
    }
X87_HOST_ST01(host_fsqrt, "fsqrt")
X87_HOST_ST01(host_frndint, "frndint")
X87_HOST_ST01(host_f2xm1, "f2xm1")
X87_HOST_ST01(host_fsin, "fsin")
X87_HOST_ST01(host_fcos, "fcos")
X87_HOST_ST01(host_fscale, "fscale")
X87_HOST_ST01(host_fprem, "fprem")
X87_HOST_ST01(host_fprem1, "fprem1")

/* ST(1) = f(ST(0), ST(1)), then pop: FYL2X, FYL2XP1, FPATAN.  The result
 * is written to *st1. */
#define X87_HOST_POP(fname, text)                                                         \
    static uint16_t fname(uint16_t cw, long double st0, long double *st1)                 \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile(X87_ENTER "fldt %[s1]\n\tfldt %[s0]\n\t" text "\n\tfnstsw %[sw]\n\t" \
                         "fstpt %[s1]\n\t" X87_LEAVE                                      \
                         : [s1] "+m"(*st1), [sw] "=m"(sw), [saved] "=m"(saved)              \
                         : [cw] "m"(cw), [s0] "m"(st0)                                    \
                         : "st", "st(1)");                                                \
        return sw;                                                                        \
    }
X87_HOST_POP(host_fyl2x, "fyl2x")
X87_HOST_POP(host_fyl2xp1, "fyl2xp1")
X87_HOST_POP(host_fpatan, "fpatan")

/* FXTRACT: ST(0) becomes the exponent (new ST(1)) and the significand is
 * pushed (new ST(0)). */
static uint16_t host_fxtract(uint16_t cw, long double v, long double *sig, long double *exp)
{
    uint16_t saved, sw;
    __asm__ volatile(X87_ENTER "fldt %[v]\n\tfxtract\n\tfnstsw %[sw]\n\t"
                     "fstpt %[sig]\n\tfstpt %[exp]\n\t" X87_LEAVE
                     : [sig] "=m"(*sig), [exp] "=m"(*exp), [sw] "=m"(sw), [saved] "=m"(saved)
                     : [cw] "m"(cw), [v] "m"(v)
                     : "st", "st(1)");
    return sw;
}

/* The constants: stored in the CPU with 66 bits and rounded by FCW.RC. */
#define X87_HOST_CONST(fname, text)                                                       \
    static long double fname(uint16_t cw)                                                 \
    {                                                                                     \
        uint16_t saved;                                                                   \
        long double r;                                                                    \
        __asm__ volatile(X87_ENTER text "\n\tfstpt %[r]\n\t" X87_LEAVE                    \
                         : [r] "=m"(r), [saved] "=m"(saved)                               \
                         : [cw] "m"(cw)                                                   \
                         : "st");                                                         \
        return r;                                                                         \
    }
X87_HOST_CONST(host_fldl2t, "fldl2t")
X87_HOST_CONST(host_fldl2e, "fldl2e")
X87_HOST_CONST(host_fldpi, "fldpi")
X87_HOST_CONST(host_fldlg2, "fldlg2")
X87_HOST_CONST(host_fldln2, "fldln2")

/* Compare a (ST(0)) with b: text is "fcomi" (signals on any NaN) or
 * "fucomi" (only on an SNaN); returns FSW and the ZF PF CF it set. */
struct host_cmp {
    uint16_t sw;
    uint8_t zf, pf, cf;
};
#define X87_HOST_CMP(fname, text)                                                         \
    static struct host_cmp fname(uint16_t cw, long double a, long double b)               \
    {                                                                                     \
        uint16_t saved;                                                                   \
        struct host_cmp r;                                                                \
        __asm__ volatile(X87_ENTER "fldt %[b]\n\tfldt %[a]\n\t" text " %%st(1), %%st\n\t"  \
                         "setz %[zf]\n\tsetp %[pf]\n\tsetc %[cf]\n\tfnstsw %[sw]\n\t"       \
                         "fstp %%st(0)\n\tfstp %%st(0)\n\t" X87_LEAVE                      \
                         : [sw] "=m"(r.sw), [saved] "=m"(saved), [zf] "=q"(r.zf),           \
                           [pf] "=q"(r.pf), [cf] "=q"(r.cf)                                \
                         : [cw] "m"(cw), [a] "m"(a), [b] "m"(b)                             \
                         : "st", "st(1)", "cc");                                          \
        return r;                                                                         \
    }
X87_HOST_CMP(host_fcomi, "fcomi")
X87_HOST_CMP(host_fucomi, "fucomi")

/* Stores with rounding by FCW.RC: FST m32/m64 and FIST m16/m32/m64 (out of
 * range or NaN: IE and the integer indefinite). */
#define X87_HOST_STORE(fname, text, type)                                                 \
    static uint16_t fname(uint16_t cw, long double v, type *out)                          \
    {                                                                                     \
        uint16_t saved, sw;                                                               \
        __asm__ volatile(X87_ENTER "fldt %[v]\n\t" text " %[out]\n\tfnstsw %[sw]\n\t" X87_LEAVE \
                         : [out] "=m"(*out), [sw] "=m"(sw), [saved] "=m"(saved)             \
                         : [cw] "m"(cw), [v] "m"(v)                                       \
                         : "st");                                                         \
        return sw;                                                                        \
    }
X87_HOST_STORE(host_fstp32, "fstps", uint32_t)
X87_HOST_STORE(host_fstp64, "fstpl", uint64_t)
X87_HOST_STORE(host_fistp16, "fistps", uint16_t)
X87_HOST_STORE(host_fistp32, "fistpl", uint32_t)
X87_HOST_STORE(host_fistp64, "fistpll", uint64_t)

/* ---- instruction prologue ---------------------------------------------- */

/* Every x87 instruction: CR0.EM or CR0.TS → #NM.  A waiting instruction
 * (all but the FN* control ones) first raises #MF for a pending unmasked
 * exception when CR0.NE = 1 (with NE = 0 the PC's FERR# line would signal
 * it; this machine has no such line, so the guest just continues). */
static void x87_begin(struct cpu *cpu, bool waiting)
{
    if (cpu->cr0 & (CR0_EM | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
    if (waiting && (cpu->fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        cpu_fault(cpu, EXC_MF, 0);
}

/* The last-instruction pointers FNSTENV/FXSAVE report: RIP, opcode (low 11
 * bits: escape & 7, then ModRM) and the data address. */
static void note_last(struct cpu *cpu, const struct insn *in, uint64_t ea)
{
    cpu->fip = cpu->rip;
    cpu->fop = (uint16_t)(((in->op & 7u) << 8) | (in->mod << 6) | ((in->reg & 7u) << 3) |
                          (in->rm & 7u));
    if (in->mod != 3)
        cpu->fdp = ea;
}

/* ---- operand loading ---------------------------------------------------- */

enum mem_format { MF_F32, MF_I32, MF_F64, MF_I16 };

/* Read a memory operand and convert it to extended precision.  Integer
 * conversions are exact; a single/double SNaN raises IE (and is quieted),
 * a denormal raises DE.  *flags receives those. */
static long double load_operand(struct cpu *cpu, uint64_t ea, enum mem_format fmt,
                                unsigned *flags)
{
    *flags = 0;
    switch (fmt) {
    case MF_I16: return (int16_t)mem_read(cpu, ea, 2);
    case MF_I32: return (int32_t)mem_read(cpu, ea, 4);
    case MF_F32: {
        uint32_t bits = (uint32_t)mem_read(cpu, ea, 4);
        uint32_t exp = (bits >> 23) & 0xff, frac = bits & 0x7fffff;
        if (exp == 0xff && frac && !(frac & 0x400000))
            *flags = FSW_IE;
        else if (exp == 0 && frac)
            *flags = FSW_DE;
        float f;
        memcpy(&f, &bits, 4);
        return f;
    }
    default: {
        uint64_t bits = mem_read(cpu, ea, 8);
        uint64_t exp = (bits >> 52) & 0x7ff, frac = bits & 0xfffffffffffffull;
        if (exp == 0x7ff && frac && !(frac & 0x8000000000000ull))
            *flags = FSW_IE;
        else if (exp == 0 && frac)
            *flags = FSW_DE;
        double d;
        memcpy(&d, &bits, 8);
        return d;
    }
    }
}

/* ---- arithmetic and compares ------------------------------------------- */

/* The ModRM.reg operation of D8/DC/DA/DE. */
enum { AR_ADD, AR_MUL, AR_COM, AR_COMP, AR_SUB, AR_SUBR, AR_DIV, AR_DIVR };

typedef uint16_t (*host_binop_fn)(uint16_t cw, long double a, long double b, long double *r);
static const host_binop_fn binops[8] = {
    [AR_ADD] = host_fadd, [AR_MUL] = host_fmul, [AR_SUB] = host_fsub,
    [AR_SUBR] = host_fsubr, [AR_DIV] = host_fdiv, [AR_DIVR] = host_fdivr,
};

/* ST(dst) = ST(dst) OP b.  `operands_empty`: an operand register is empty
 * (stack underflow).  Returns false when an unmasked exception stops the
 * instruction. */
static bool arith(struct cpu *cpu, unsigned op, unsigned dst, bool operands_empty, long double b)
{
    if (operands_empty) {
        if (!underflow(cpu))
            return false;
        st_set(cpu, dst, indefinite());
        return true;
    }
    long double r;
    uint16_t sw = binops[op](host_cw(cpu), st_get(cpu, dst), b, &r);
    set_c1(cpu, sw & FSW_C1);
    if (!raise_flags(cpu, sw))
        return false;
    st_set(cpu, dst, r);
    return true;
}

/* Compare ST(0) with b into C3 C2 C0 (FCOM/FUCOM/FTST/FICOM; C1 = 0).
 * Returns false when an unmasked exception stops the instruction (a
 * popping compare then does not pop). */
static bool compare_cc(struct cpu *cpu, bool operands_empty, long double b, bool quiet)
{
    set_c1(cpu, false);
    if (operands_empty) {
        if (!underflow(cpu))
            return false;
        set_cc(cpu, FSW_C3 | FSW_C2 | FSW_C0);
        return true;
    }
    struct host_cmp r = (quiet ? host_fucomi : host_fcomi)(host_cw(cpu), st_get(cpu, 0), b);
    if (!raise_flags(cpu, r.sw))
        return false;
    set_cc(cpu, (r.zf ? FSW_C3 : 0) | (r.pf ? FSW_C2 : 0) | (r.cf ? FSW_C0 : 0));
    return true;
}

/* FCOMI/FUCOMI(P): ZF PF CF from the compare, OF SF AF cleared.  Returns
 * false when an unmasked exception stops the instruction. */
static bool compare_rflags(struct cpu *cpu, unsigned i, bool quiet)
{
    uint64_t fl = cpu_rflags(cpu) & ~RF_STATUS;
    set_c1(cpu, false);
    if (st_empty(cpu, 0) || st_empty(cpu, i)) {
        if (!underflow(cpu))
            return false;
        fl |= RF_ZF | RF_PF | RF_CF;
    } else {
        struct host_cmp r = (quiet ? host_fucomi : host_fcomi)(host_cw(cpu), st_get(cpu, 0),
                                                                st_get(cpu, i));
        if (!raise_flags(cpu, r.sw))
            return false;
        fl |= (r.zf ? RF_ZF : 0) | (r.pf ? RF_PF : 0) | (r.cf ? RF_CF : 0);
    }
    cpu_set_rflags(cpu, fl);
    return true;
}

/* D8/DC/DA/DE with a memory operand: ST(0) = ST(0) OP m32fp/m64fp/m32int/
 * m16int, or compare (FCOM/FCOMP/FICOM/FICOMP), computed by the host on
 * the operand in its memory format. */
struct memop_set {
    uint16_t (*f32)(uint16_t, long double, uint32_t, long double *);
    uint16_t (*f64)(uint16_t, long double, uint64_t, long double *);
    uint16_t (*i16)(uint16_t, long double, uint16_t, long double *);
    uint16_t (*i32)(uint16_t, long double, uint32_t, long double *);
};
#define MEMOP_SET(op) {host_##op##_f32, host_##op##_f64, host_##op##_i16, host_##op##_i32}
static const struct memop_set memops[8] = {
    [AR_ADD] = MEMOP_SET(add),   [AR_MUL] = MEMOP_SET(mul), [AR_COM] = MEMOP_SET(com),
    [AR_COMP] = MEMOP_SET(com),  [AR_SUB] = MEMOP_SET(sub), [AR_SUBR] = MEMOP_SET(subr),
    [AR_DIV] = MEMOP_SET(div),   [AR_DIVR] = MEMOP_SET(divr),
};

static void arith_mem(struct cpu *cpu, const struct insn *in, enum mem_format fmt)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    static const unsigned sizes[] = {[MF_F32] = 4, [MF_I32] = 4, [MF_F64] = 8, [MF_I16] = 2};
    uint64_t m = mem_read(cpu, ea, sizes[fmt]);
    note_last(cpu, in, ea);
    unsigned op = in->reg & 7;
    bool compare = op == AR_COM || op == AR_COMP;
    set_c1(cpu, false);
    if (st_empty(cpu, 0)) {
        if (!underflow(cpu))
            return;
        if (compare) {
            set_cc(cpu, FSW_C3 | FSW_C2 | FSW_C0);
            if (op == AR_COMP)
                pop(cpu);
        } else {
            st_set(cpu, 0, indefinite());
        }
        return;
    }
    const struct memop_set *set = &memops[op];
    long double r;
    uint16_t sw, cw = host_cw(cpu);
    long double a = st_get(cpu, 0);
    switch (fmt) {
    case MF_F32: sw = set->f32(cw, a, (uint32_t)m, &r); break;
    case MF_F64: sw = set->f64(cw, a, m, &r); break;
    case MF_I16: sw = set->i16(cw, a, (uint16_t)m, &r); break;
    default: sw = set->i32(cw, a, (uint32_t)m, &r); break;
    }
    if (compare) {
        if (raise_flags(cpu, sw)) {
            set_cc(cpu, sw & (FSW_C3 | FSW_C2 | FSW_C0));
            if (op == AR_COMP)
                pop(cpu);
        }
        return;
    }
    set_c1(cpu, sw & FSW_C1);
    if (raise_flags(cpu, sw))
        st_set(cpu, 0, r);
}

/* Register forms: D8 (ST(0) = ST(0) OP ST(i)), DC (ST(i) = ST(i) OP ST(0))
 * and DE (the DC forms, then pop).  With ST(i) as the destination the
 * SUB/SUBR and DIV/DIVR encodings swap meaning (SDM Table A-10). */
static void arith_reg(struct cpu *cpu, const struct insn *in, bool dest_sti, bool pop_after)
{
    x87_begin(cpu, true);
    note_last(cpu, in, 0);
    unsigned op = in->reg & 7, i = in->rm & 7;
    bool empty = st_empty(cpu, 0) || st_empty(cpu, i);
    if (op == AR_COM || op == AR_COMP) {
        /* FCOM/FCOMP ST(i); DC D0+i, DC D8+i and DE D0+i are aliases. */
        if (compare_cc(cpu, empty, st_get(cpu, i), false) && (op == AR_COMP || pop_after))
            pop(cpu);
        return;
    }
    bool done;
    if (dest_sti)
        done = arith(cpu, op >= AR_SUB ? op ^ 1 : op, i, empty, st_get(cpu, 0));
    else
        done = arith(cpu, op, 0, empty, st_get(cpu, i));
    if (done && pop_after)
        pop(cpu);
}

/* ---- loads and stores --------------------------------------------------- */

static void fld_value(struct cpu *cpu, long double v, unsigned load_flags)
{
    set_c1(cpu, false);
    if (raise_flags(cpu, load_flags))
        push(cpu, v);
}

/* FST/FSTP m32fp/m64fp: rounded by FCW.RC; FIST/FISTP m16/m32/m64int;
 * FISTTP m16/m32/m64int (SSE3): rounded toward zero whatever FCW.RC says. */
enum store_format { SF_F32, SF_F64, SF_I16, SF_I32, SF_I64, SF_T16, SF_T32, SF_T64 };

static void store_st0(struct cpu *cpu, const struct insn *in, enum store_format fmt, bool pop_after)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    static const unsigned sizes[] = {4, 8, 2, 4, 8, 2, 4, 8};
    /* The masked response to an empty ST(0): the destination format's
     * indefinite (QNaN, or the integer indefinite 100..0b). */
    static const uint64_t indef[] = {0xffc00000u, 0xfff8000000000000ull, 0x8000u,
                                     0x80000000u, 0x8000000000000000ull, 0x8000u,
                                     0x80000000u, 0x8000000000000000ull};
    uint64_t bits = indef[fmt];
    uint16_t sw = FSW_IE | FSW_SF;
    if (!st_empty(cpu, 0)) {
        long double v = st_get(cpu, 0);
        uint16_t cw = host_cw(cpu);
        if (fmt >= SF_T16)
            cw |= 0x0c00;                  /* FISTTP: RC = 11b, truncate */
        switch (fmt) {
        case SF_F32: { uint32_t o; sw = host_fstp32(cw, v, &o); bits = o; break; }
        case SF_F64: { uint64_t o; sw = host_fstp64(cw, v, &o); bits = o; break; }
        case SF_I16: case SF_T16: { uint16_t o; sw = host_fistp16(cw, v, &o); bits = o; break; }
        case SF_I32: case SF_T32: { uint32_t o; sw = host_fistp32(cw, v, &o); bits = o; break; }
        default: { uint64_t o; sw = host_fistp64(cw, v, &o); bits = o; break; }
        }
    }
    /* An unmasked IE, OE or UE leaves memory and the stack untouched (SDM
     * §8.5.4-8.5.5: a memory destination gets no bias-adjusted result).
     * The write may fault (#PF): it comes before any x87 state changes. */
    bool stopped = sw & ~cpu->fcw & (FSW_IE | FSW_OE | FSW_UE);
    if (!stopped)
        mem_write(cpu, ea, sizes[fmt], bits);
    note_last(cpu, in, ea);
    set_c1(cpu, (sw & (FSW_SF | FSW_C1)) == FSW_C1);
    raise_flags(cpu, sw);
    if (!stopped && pop_after)
        pop(cpu);
}

/* FSTP m80fp: the register bits unchanged. */
static void store_m80(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    bool empty = st_empty(cpu, 0);
    long double v = empty ? indefinite() : st_get(cpu, 0);
    if (!empty || (cpu->fcw & FSW_IE))
        mem_write_buf(cpu, ea, &v, 10);
    note_last(cpu, in, ea);
    set_c1(cpu, false);
    if (!empty || underflow(cpu))
        pop(cpu);
}

static void load_m80(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    long double v = 0;
    mem_read_buf(cpu, ea, &v, 10);
    note_last(cpu, in, ea);
    fld_value(cpu, v, 0);
}

static void load_mem(struct cpu *cpu, const struct insn *in, enum mem_format fmt)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    unsigned flags;
    long double v = load_operand(cpu, ea, fmt, &flags);
    note_last(cpu, in, ea);
    fld_value(cpu, v, flags);
}

static void load_m64int(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, true);
    uint64_t ea = insn_ea(cpu, in);
    long double v = (int64_t)mem_read(cpu, ea, 8);
    note_last(cpu, in, ea);
    fld_value(cpu, v, 0);
}

/* FST/FSTP ST(i). */
static void store_reg(struct cpu *cpu, const struct insn *in, bool pop_after)
{
    x87_begin(cpu, true);
    note_last(cpu, in, 0);
    unsigned i = in->rm & 7;
    set_c1(cpu, false);
    if (st_empty(cpu, 0)) {
        if (!underflow(cpu))
            return;
        st_set(cpu, i, indefinite());
    } else {
        st_set(cpu, i, st_get(cpu, 0));
    }
    if (pop_after)
        pop(cpu);
}

/* ---- environment --------------------------------------------------------- */

/* FNSTENV/FLDENV image: the 28-byte 32-bit protected-mode format, or the
 * 14-byte 16-bit one with a 66 prefix (SDM Vol. 1 Figures 8-9 and 8-10).
 * The reserved upper halves of the 32-bit format's fields are stored as
 * ones, as the hardware does (test_x87 compares with the host). */
static unsigned env_size(const struct insn *in)
{
    return in->has66 ? 14 : 28;
}

static void env_store(struct cpu *cpu, const struct insn *in, uint8_t *img)
{
    unsigned w = in->has66 ? 2 : 4;
    uint32_t fields[7] = {
        0xffff0000u | cpu->fcw,
        0xffff0000u | x87_status_word(cpu),
        0xffff0000u | full_tag_word(cpu),
        (uint32_t)cpu->fip,
        (uint32_t)(cpu->fop & 0x7ff) << 16, /* FCS selector 0 (deprecated) */
        (uint32_t)cpu->fdp,
        0xffff0000u, /* FDS selector 0 (deprecated) */
    };
    for (int i = 0; i < 7; i++)
        memcpy(img + i * w, &fields[i], w);
}

static void env_load(struct cpu *cpu, const struct insn *in, const uint8_t *img)
{
    unsigned w = in->has66 ? 2 : 4;
    uint32_t fields[7] = {0};
    for (int i = 0; i < 7; i++)
        memcpy(&fields[i], img + i * w, w);
    cpu->fcw = (uint16_t)fields[0];
    x87_load_status_word(cpu, (uint16_t)fields[1]);
    /* Only "empty or not" is taken from the tag word (SDM §8.1.7). */
    for (unsigned p = 0; p < 8; p++)
        tag_set(cpu, p, ((fields[2] >> (2 * p)) & 3) == TAG_EMPTY ? TAG_EMPTY
                                                                 : tag_of(cpu->fpr[p]));
    cpu->fip = fields[3];
    cpu->fop = in->has66 ? 0 : (uint16_t)((fields[4] >> 16) & 0x7ff);
    cpu->fdp = fields[5];
    update_summary(cpu);
}

static void fninit(struct cpu *cpu)
{
    cpu->fcw = 0x37f;
    cpu->fsw = 0;
    cpu->ftop = 0;
    cpu->ftw = 0xffff;
    cpu->fip = cpu->fdp = 0;
    cpu->fop = 0;
}

static void fnstenv(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, false);
    uint8_t img[28];
    env_store(cpu, in, img);
    mem_write_buf(cpu, insn_ea(cpu, in), img, env_size(in));
    cpu->fcw |= FSW_EXC; /* FNSTENV then masks all exceptions */
    update_summary(cpu);
}

static void fldenv(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, true);
    uint8_t img[28];
    mem_read_buf(cpu, insn_ea(cpu, in), img, env_size(in));
    env_load(cpu, in, img);
}

/* FNSAVE: the environment, then ST(0)..ST(7) in 10-byte form; then FNINIT. */
static void fnsave(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, false);
    uint8_t img[28 + 80];
    unsigned n = env_size(in);
    env_store(cpu, in, img);
    for (unsigned i = 0; i < 8; i++) {
        long double v = st_get(cpu, i);
        memcpy(img + n + 10 * i, &v, 10);
    }
    mem_write_buf(cpu, insn_ea(cpu, in), img, n + 80);
    fninit(cpu);
}

static void frstor(struct cpu *cpu, const struct insn *in)
{
    x87_begin(cpu, true);
    uint8_t img[28 + 80];
    unsigned n = env_size(in);
    mem_read_buf(cpu, insn_ea(cpu, in), img, n + 80);
    /* Registers first (in ST order under the new TOP), then the tags. */
    unsigned top = (img[(in->has66 ? 2 : 4) + 1] >> 3) & 7;
    for (unsigned i = 0; i < 8; i++) {
        long double v = 0;
        memcpy(&v, img + n + 10 * i, 10);
        cpu->fpr[(top + i) & 7] = v;
    }
    env_load(cpu, in, img);
}

/* ---- D9 register forms ---------------------------------------------------- */

/* FXAM: the class of ST(0) into C3 C2 C0, its sign into C1 (SDM FXAM). */
static void fxam(struct cpu *cpu)
{
    struct f80 b = f80_bits(st_get(cpu, 0));
    unsigned exp = b.se & 0x7fff, cc;
    bool integer_bit = b.mant >> 63;
    if (st_empty(cpu, 0))
        cc = FSW_C3 | FSW_C0;
    else if (exp == 0)
        cc = b.mant == 0 ? FSW_C3 : FSW_C3 | FSW_C2; /* zero : denormal */
    else if (!integer_bit)
        cc = 0; /* unsupported: unnormal, pseudo-NaN, pseudo-infinity */
    else if (exp == 0x7fff)
        cc = (b.mant << 1) == 0 ? FSW_C2 | FSW_C0 : FSW_C0; /* infinity : NaN */
    else
        cc = FSW_C2; /* normal */
    set_cc(cpu, cc | ((b.se >> 15) ? FSW_C1 : 0));
}

/* One host operation on ST(0) (and ST(1) when `two`), results in place;
 * `cc` selects the condition codes the instruction defines (C1 always:
 * round-up; C2 for FSIN/FCOS: operand out of range; all four for FPREM). */
static void st01_op(struct cpu *cpu, uint16_t (*fn)(uint16_t, long double *, long double *),
                    bool two, unsigned cc)
{
    if (st_empty(cpu, 0) || (two && st_empty(cpu, 1))) {
        if (underflow(cpu))
            st_set(cpu, 0, indefinite());
        return;
    }
    long double a = st_get(cpu, 0), b = two ? st_get(cpu, 1) : 0.0L;
    uint16_t sw = fn(host_cw(cpu), &a, &b);
    cc |= FSW_C1;
    cpu->fsw = (uint16_t)((cpu->fsw & ~cc) | (sw & cc));
    if (raise_flags(cpu, sw))
        st_set(cpu, 0, a);
}

/* FYL2X, FYL2XP1, FPATAN: ST(1) = f(ST(0), ST(1)), pop. */
static void pop_op(struct cpu *cpu, uint16_t (*fn)(uint16_t, long double, long double *))
{
    if (st_empty(cpu, 0) || st_empty(cpu, 1)) {
        if (underflow(cpu)) {
            st_set(cpu, 1, indefinite());
            pop(cpu);
        }
        return;
    }
    long double r = st_get(cpu, 1);
    uint16_t sw = fn(host_cw(cpu), st_get(cpu, 0), &r);
    set_c1(cpu, sw & FSW_C1);
    if (raise_flags(cpu, sw)) {
        st_set(cpu, 1, r);
        pop(cpu);
    }
}

static void fxtract(struct cpu *cpu)
{
    if (st_empty(cpu, 0)) {
        if (underflow(cpu)) {
            st_set(cpu, 0, indefinite());
            push(cpu, indefinite());
        }
        return;
    }
    if (!st_empty(cpu, 7)) {
        push(cpu, 0); /* overflow: the masked response pushes the indefinite */
        return;
    }
    long double sig, exp;
    uint16_t sw = host_fxtract(host_cw(cpu), st_get(cpu, 0), &sig, &exp);
    set_c1(cpu, sw & FSW_C1);
    if (raise_flags(cpu, sw)) {
        st_set(cpu, 0, exp);
        push(cpu, sig);
    }
}

static void exec_d9_reg(struct cpu *cpu, const struct insn *in)
{
    unsigned reg = in->reg & 7, i = in->rm & 7;
    uint16_t cw = host_cw(cpu);
    x87_begin(cpu, true);
    switch (reg) {
    case 0: { /* FLD ST(i) */
        note_last(cpu, in, 0);
        set_c1(cpu, false);
        if (st_empty(cpu, i)) {
            /* Underflow is reported (not overflow) and the masked
             * response loads the indefinite whatever R[TOP-1] holds. */
            if (underflow(cpu)) {
                set_top(cpu, cpu->ftop - 1u);
                st_set(cpu, 0, indefinite());
            }
        } else {
            push(cpu, st_get(cpu, i));
        }
        return;
    }
    case 1: { /* FXCH ST(i) */
        note_last(cpu, in, 0);
        set_c1(cpu, false);
        long double a = st_get(cpu, 0), b = st_get(cpu, i);
        if (st_empty(cpu, 0) || st_empty(cpu, i)) {
            if (!underflow(cpu))
                return;
            if (st_empty(cpu, 0))
                a = indefinite();
            if (st_empty(cpu, i))
                b = indefinite();
        }
        st_set(cpu, 0, b);
        st_set(cpu, i, a);
        return;
    }
    case 2: /* D9 D0: FNOP */
        if (i != 0)
            cpu_fault(cpu, EXC_UD, 0);
        note_last(cpu, in, 0);
        return;
    case 3: /* D9 D8+i: FSTP1, an alias of FSTP ST(i) */
        store_reg(cpu, in, true);
        return;
    default:
        break;
    }
    note_last(cpu, in, 0);
    switch (0xe0 + ((reg - 4) << 3) + i) {
    case 0xe0: /* FCHS */
    case 0xe1: /* FABS */
        if (st_empty(cpu, 0)) {
            if (underflow(cpu))
                st_set(cpu, 0, indefinite());
            return;
        }
        {
            struct f80 b = f80_bits(st_get(cpu, 0));
            b.se = i == 0 ? b.se ^ 0x8000 : b.se & 0x7fff;
            set_c1(cpu, false);
            st_set(cpu, 0, f80_value(b.mant, b.se));
        }
        return;
    case 0xe4: /* FTST: compare with +0.0 */
        compare_cc(cpu, st_empty(cpu, 0), 0.0L, false);
        return;
    case 0xe5: fxam(cpu); return;
    case 0xe8: fld_value(cpu, 1.0L, 0); return;
    case 0xe9: fld_value(cpu, host_fldl2t(cw), 0); return;
    case 0xea: fld_value(cpu, host_fldl2e(cw), 0); return;
    case 0xeb: fld_value(cpu, host_fldpi(cw), 0); return;
    case 0xec: fld_value(cpu, host_fldlg2(cw), 0); return;
    case 0xed: fld_value(cpu, host_fldln2(cw), 0); return;
    case 0xee: fld_value(cpu, 0.0L, 0); return;
    case 0xf0: st01_op(cpu, host_f2xm1, false, 0); return;
    case 0xf1: pop_op(cpu, host_fyl2x); return;
    case 0xf3: pop_op(cpu, host_fpatan); return;
    case 0xf4: fxtract(cpu); return;
    case 0xf5: st01_op(cpu, host_fprem1, true, FSW_CC); return;
    case 0xf6: set_c1(cpu, false); set_top(cpu, cpu->ftop - 1u); return; /* FDECSTP */
    case 0xf7: set_c1(cpu, false); set_top(cpu, cpu->ftop + 1u); return; /* FINCSTP */
    case 0xf8: st01_op(cpu, host_fprem, true, FSW_CC); return;
    case 0xf9: pop_op(cpu, host_fyl2xp1); return;
    case 0xfa: st01_op(cpu, host_fsqrt, false, 0); return;
    case 0xfc: st01_op(cpu, host_frndint, false, 0); return;
    case 0xfd: st01_op(cpu, host_fscale, true, 0); return;
    case 0xfe: st01_op(cpu, host_fsin, false, FSW_C2); return;
    case 0xff: st01_op(cpu, host_fcos, false, FSW_C2); return;
    default: cpu_fault(cpu, EXC_UD, 0); /* FPTAN, FSINCOS and the holes */
    }
}

/* ---- the escape opcodes --------------------------------------------------- */

void exec_x87_d8(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        arith_reg(cpu, in, false, false);
    else
        arith_mem(cpu, in, MF_F32);
}

void exec_x87_d9(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3) {
        exec_d9_reg(cpu, in);
        return;
    }
    switch (in->reg & 7) {
    case 0: load_mem(cpu, in, MF_F32); return;
    case 2: store_st0(cpu, in, SF_F32, false); return;
    case 3: store_st0(cpu, in, SF_F32, true); return;
    case 4: fldenv(cpu, in); return;
    case 5: { /* FLDCW m16 */
        x87_begin(cpu, true);
        cpu->fcw = (uint16_t)mem_read(cpu, insn_ea(cpu, in), 2);
        update_summary(cpu);
        return;
    }
    case 6: fnstenv(cpu, in); return;
    case 7: /* FNSTCW m16 */
        x87_begin(cpu, false);
        mem_write(cpu, insn_ea(cpu, in), 2, cpu->fcw);
        return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

/* FCMOVcc ST(0), ST(i): DA C0/C8/D0/D8 = B E BE U, DB the negations. */
static void fcmov(struct cpu *cpu, const struct insn *in, bool negate)
{
    x87_begin(cpu, true);
    note_last(cpu, in, 0);
    uint64_t fl = cpu_rflags(cpu);
    bool cond;
    switch (in->reg & 7) {
    case 0: cond = fl & RF_CF; break;
    case 1: cond = fl & RF_ZF; break;
    case 2: cond = fl & (RF_CF | RF_ZF); break;
    default: cond = fl & RF_PF; break;
    }
    unsigned i = in->rm & 7;
    set_c1(cpu, false);
    if (st_empty(cpu, 0) || st_empty(cpu, i)) {
        if (underflow(cpu))
            st_set(cpu, 0, indefinite());
        return;
    }
    if (cond != negate)
        st_set(cpu, 0, st_get(cpu, i));
}

void exec_x87_da(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3) {
        arith_mem(cpu, in, MF_I32);
        return;
    }
    if ((in->reg & 7) < 4) {
        fcmov(cpu, in, false);
        return;
    }
    if ((in->reg & 7) == 5 && (in->rm & 7) == 1) { /* DA E9: FUCOMPP */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        bool empty = st_empty(cpu, 0) || st_empty(cpu, 1);
        if (compare_cc(cpu, empty, st_get(cpu, 1), true)) {
            pop(cpu);
            pop(cpu);
        }
        return;
    }
    cpu_fault(cpu, EXC_UD, 0);
}

void exec_x87_db(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3) {
        switch (in->reg & 7) {
        case 0: load_mem(cpu, in, MF_I32); return;
        case 1: store_st0(cpu, in, SF_T32, true); return;   /* FISTTP m32int */
        case 2: store_st0(cpu, in, SF_I32, false); return;
        case 3: store_st0(cpu, in, SF_I32, true); return;
        case 5: load_m80(cpu, in); return;
        case 7: store_m80(cpu, in); return;
        default: cpu_fault(cpu, EXC_UD, 0); /* holes */
        }
    }
    unsigned reg = in->reg & 7, i = in->rm & 7;
    if (reg < 4) {
        fcmov(cpu, in, true);
        return;
    }
    switch (reg) {
    case 4:
        switch (i) {
        case 0: case 1: case 4: /* FNENI, FNDISI, FNSETPM: no-ops since the 287 */
            x87_begin(cpu, false);
            return;
        case 2: /* FNCLEX */
            x87_begin(cpu, false);
            cpu->fsw &= (uint16_t)~(FSW_EXC | FSW_SF | FSW_ES | FSW_B);
            return;
        case 3: /* FNINIT */
            x87_begin(cpu, false);
            fninit(cpu);
            return;
        default: cpu_fault(cpu, EXC_UD, 0);
        }
    case 5: /* FUCOMI ST(0), ST(i) */
    case 6: /* FCOMI */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        compare_rflags(cpu, i, reg == 5);
        return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

void exec_x87_dc(struct cpu *cpu, const struct insn *in)
{
    if (in->mod == 3)
        arith_reg(cpu, in, true, false);
    else
        arith_mem(cpu, in, MF_F64);
}

void exec_x87_dd(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3) {
        switch (in->reg & 7) {
        case 0: load_mem(cpu, in, MF_F64); return;
        case 1: store_st0(cpu, in, SF_T64, true); return;   /* FISTTP m64int */
        case 2: store_st0(cpu, in, SF_F64, false); return;
        case 3: store_st0(cpu, in, SF_F64, true); return;
        case 4: frstor(cpu, in); return;
        case 6: fnsave(cpu, in); return;
        case 7: /* FNSTSW m16 */
            x87_begin(cpu, false);
            mem_write(cpu, insn_ea(cpu, in), 2, x87_status_word(cpu));
            return;
        default: cpu_fault(cpu, EXC_UD, 0);
        }
    }
    unsigned i = in->rm & 7;
    switch (in->reg & 7) {
    case 0: /* FFREE ST(i) */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        tag_set(cpu, phys(cpu, i), TAG_EMPTY);
        return;
    case 1: /* DD C8+i: FXCH4, an alias of FXCH */
        exec_d9_reg(cpu, in);
        return;
    case 2: store_reg(cpu, in, false); return;
    case 3: store_reg(cpu, in, true); return;
    case 4: /* FUCOM ST(i) */
    case 5: /* FUCOMP ST(i) */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        if (compare_cc(cpu, st_empty(cpu, 0) || st_empty(cpu, i), st_get(cpu, i), true) &&
            (in->reg & 7) == 5)
            pop(cpu);
        return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

void exec_x87_de(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3) {
        arith_mem(cpu, in, MF_I16);
        return;
    }
    if ((in->reg & 7) == AR_COMP && (in->rm & 7) != 1)
        cpu_fault(cpu, EXC_UD, 0);
    if ((in->reg & 7) == AR_COMP) { /* DE D9: FCOMPP */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        if (compare_cc(cpu, st_empty(cpu, 0) || st_empty(cpu, 1), st_get(cpu, 1), false)) {
            pop(cpu);
            pop(cpu);
        }
        return;
    }
    arith_reg(cpu, in, true, true);
}

void exec_x87_df(struct cpu *cpu, const struct insn *in)
{
    if (in->mod != 3) {
        switch (in->reg & 7) {
        case 0: load_mem(cpu, in, MF_I16); return;
        case 1: store_st0(cpu, in, SF_T16, true); return;   /* FISTTP m16int */
        case 2: store_st0(cpu, in, SF_I16, false); return;
        case 3: store_st0(cpu, in, SF_I16, true); return;
        case 5: load_m64int(cpu, in); return;
        case 7: store_st0(cpu, in, SF_I64, true); return;
        default: cpu_fault(cpu, EXC_UD, 0); /* FBLD, FBSTP */
        }
    }
    unsigned reg = in->reg & 7, i = in->rm & 7;
    switch (reg) {
    case 0: /* DF C0+i: FFREEP (free, then pop) */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        tag_set(cpu, phys(cpu, i), TAG_EMPTY);
        pop(cpu);
        return;
    case 1: exec_d9_reg(cpu, in); return;     /* FXCH7 alias */
    case 2: case 3: store_reg(cpu, in, true); return; /* FSTP8/FSTP9 aliases */
    case 4: /* DF E0: FNSTSW AX */
        if (i != 0)
            cpu_fault(cpu, EXC_UD, 0);
        x87_begin(cpu, false);
        cpu->gpr[RAX] = (cpu->gpr[RAX] & ~0xffffull) | x87_status_word(cpu);
        return;
    case 5: /* FUCOMIP */
    case 6: /* FCOMIP */
        x87_begin(cpu, true);
        note_last(cpu, in, 0);
        if (compare_rflags(cpu, i, reg == 5))
            pop(cpu);
        return;
    default: cpu_fault(cpu, EXC_UD, 0);
    }
}

/* 9B: FWAIT — #NM when CR0.MP and CR0.TS are both set, else the pending
 * unmasked-exception check of every waiting instruction. */
void exec_fwait(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    if ((cpu->cr0 & (CR0_MP | CR0_TS)) == (CR0_MP | CR0_TS))
        cpu_fault(cpu, EXC_NM, 0);
    if ((cpu->fsw & FSW_ES) && (cpu->cr0 & CR0_NE))
        cpu_fault(cpu, EXC_MF, 0);
}
