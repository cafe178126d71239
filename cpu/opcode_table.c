/* opcode_table.c — expands the opcode table (opcodes.def) into the tables
 * the emulator looks up: the decoder's format words (opcode_format), the
 * handlers (opcode_handler), the specialised-variant choosers
 * (opcode_variant) and the Intel mnemonics (insn_mnemonic).  Here, too,
 * the few naming rules that a table row cannot spell (NAME_BY(fn) in
 * opcodes.def).  Sources: SDM Vol. 2 Appendix A (opcode maps, Tables
 * A-2..A-7 for the one-, two- and three-byte maps, A-6 for the
 * ModRM-extended groups, A.4 for x87 escape opcodes).
 *
 * The names double as the validity tables of F_CHECK slots: a form that
 * has no name (an undefined group member, an SSE opcode with a prefix it
 * does not take, an undefined x87 register form) is #UD. */
#include "opcode_table.h"

#include <stddef.h>
#include "exec.h"

/* ------------------------------------------- naming rules NAME_BY(fn) */

/* D8-DF: x87 escapes, by ModRM (SDM Tables A-7..A-21). */
static const char *name_x87(const struct insn *in)
{
    /* Memory forms: [opcode D8..DF][ModRM.reg]. */
    static const char *const mem[8][8] = {
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", NULL, "fst", "fstp", "fldenv", "fldcw", "fnstenv", "fnstcw" },
        { "fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr" },
        { "fild", "fisttp", "fist", "fistp", NULL, "fld", NULL, "fstp" },
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", "fisttp", "fst", "fstp", "frstor", NULL, "fnsave", "fnstsw" },
        { "fiadd", "fimul", "ficom", "ficomp", "fisub", "fisubr", "fidiv", "fidivr" },
        { "fild", "fisttp", "fist", "fistp", "fbld", "fild", "fbstp", "fistp" },
    };
    /* Register forms with ST(i) operands: [opcode][ModRM.reg]; NULL rows are
     * decided by the whole ModRM byte below.  DC/DE E0-FF: FSUBR/FSUB/FDIVR/
     * FDIV ST(i),ST(0) — the SDM's (reverse-looking) assignment. */
    static const char *const reg[8][8] = {
        { "fadd", "fmul", "fcom", "fcomp", "fsub", "fsubr", "fdiv", "fdivr" },
        { "fld", "fxch", NULL, NULL, NULL, NULL, NULL, NULL },
        { "fcmovb", "fcmove", "fcmovbe", "fcmovu", NULL, NULL, NULL, NULL },
        { "fcmovnb", "fcmovne", "fcmovnbe", "fcmovnu", NULL, "fucomi", "fcomi", NULL },
        { "fadd", "fmul", NULL, NULL, "fsubr", "fsub", "fdivr", "fdiv" },
        { "ffree", NULL, "fst", "fstp", "fucom", "fucomp", NULL, NULL },
        { "faddp", "fmulp", NULL, NULL, "fsubrp", "fsubp", "fdivrp", "fdivp" },
        { NULL, NULL, NULL, NULL, NULL, "fucomip", "fcomip", NULL },
    };
    /* D9 E0..FF, one name per ModRM byte. */
    static const char *const d9_e0[32] = {
        "fchs", "fabs", NULL, NULL, "ftst", "fxam", NULL, NULL,
        "fld1", "fldl2t", "fldl2e", "fldpi", "fldlg2", "fldln2", "fldz", NULL,
        "f2xm1", "fyl2x", "fptan", "fpatan", "fxtract", "fprem1", "fdecstp", "fincstp",
        "fprem", "fyl2xp1", "fsqrt", "fsincos", "frndint", "fscale", "fsin", "fcos",
    };
    unsigned esc = in->op & 7, r = in->reg & 7, modrm = 0xc0 | r << 3 | (in->rm & 7);
    if (in->mod != 3)
        return mem[esc][r];
    if (reg[esc][r])
        return reg[esc][r];
    switch (esc) {
    case 1:
        if (modrm == 0xd0)
            return "fnop";
        return modrm >= 0xe0 ? d9_e0[modrm - 0xe0] : NULL;
    case 2: return modrm == 0xe9 ? "fucompp" : NULL;
    case 3: return modrm == 0xe2 ? "fnclex" : modrm == 0xe3 ? "fninit" : NULL;
    case 6: return modrm == 0xd9 ? "fcompp" : NULL;
    case 7: return modrm == 0xe0 ? "fnstsw" : NULL;
    default: return NULL;
    }
}

/* 90: NOP, PAUSE (F3 90), or XCHG r8, rAX with REX.B. */
static const char *name_nop_pause(const struct insn *in)
{
    if (in->rex & 1)
        return "xchg";
    return in->rep == 0xf3 ? "pause" : "nop";
}

/* C6/C7 (group 11): MOV /0; XABORT/XBEGIN as C6/C7 F8. */
static const char *name_mov_xabort(const struct insn *in)
{
    if ((in->reg & 7) == 0)
        return "mov";
    return in->mod == 3 && (in->reg & 7) == 7 && (in->rm & 7) == 0 ? "xabort" : NULL;
}

static const char *name_mov_xbegin(const struct insn *in)
{
    if ((in->reg & 7) == 0)
        return "mov";
    return in->mod == 3 && (in->reg & 7) == 7 && (in->rm & 7) == 0 ? "xbegin" : NULL;
}

/* E3: JRCXZ, JECXZ with a 67 prefix. */
static const char *name_jrcxz(const struct insn *in)
{
    return in->addrsize == 4 ? "jecxz" : "jrcxz";
}

/* FF (group 5): far CALL/JMP (/3 /5) need an m16:xx operand. */
static const char *name_group5(const struct insn *in)
{
    static const char *const grp5[8] = { "inc", "dec", "call", "call", "jmp", "jmp", "push", NULL };
    unsigned r = in->reg & 7;
    if ((r == 3 || r == 5) && in->mod == 3)
        return NULL;
    return grp5[r];
}

/* 0F 01 (group 7): memory forms by ModRM.reg, register forms by the whole
 * ModRM byte (Table A-6). */
static const char *name_group7(const struct insn *in)
{
    static const char *const grp7[8] = { "sgdt", "sidt", "lgdt", "lidt", "smsw", NULL, "lmsw", "invlpg" };
    unsigned r = in->reg & 7;
    if (in->mod != 3)
        return grp7[r];
    unsigned modrm = 0xc0 | r << 3 | (in->rm & 7);
    switch (modrm) {
    case 0xc1: return "vmcall";
    case 0xc2: return "vmlaunch";
    case 0xc3: return "vmresume";
    case 0xc4: return "vmxoff";
    case 0xc8: return "monitor";
    case 0xc9: return "mwait";
    case 0xca: return "clac";
    case 0xcb: return "stac";
    case 0xcf: return "encls";
    case 0xd0: return "xgetbv";
    case 0xd1: return "xsetbv";
    case 0xd4: return "vmfunc";
    case 0xd5: return "xend";
    case 0xd6: return "xtest";
    case 0xd7: return "enclu";
    case 0xee: return "rdpkru";
    case 0xef: return "wrpkru";
    case 0xf8: return "swapgs";
    case 0xf9: return "rdtscp";
    default:
        if (modrm >= 0xe0 && modrm <= 0xe7)
            return "smsw";
        if (modrm >= 0xf0 && modrm <= 0xf7)
            return "lmsw";
        return NULL;
    }
}

/* 0F 0D: the PREFETCHW group; the other forms are NOPs. */
static const char *name_prefetchw(const struct insn *in)
{
    unsigned r = in->reg & 7, mem = in->mod != 3;
    if (mem && r == 1)
        return "prefetchw";
    if (mem && r == 2)
        return "prefetchwt1";
    if (mem && r == 0)
        return "prefetch";
    return "nop";
}

/* 0F 12 / 0F 16: the register forms without prefix are MOVHLPS/MOVLHPS;
 * MOVLPD/MOVHPD (66) exist only with memory. */
static const char *name_movlp_movhlps(const struct insn *in)
{
    static const char *const names[4] = { "movlps", "movlpd", "movsldup", "movddup" };
    if (in->mod == 3 && in->pfx == PFX_NONE)
        return "movhlps";
    if (in->mod == 3 && in->pfx == PFX_66)
        return NULL;
    return names[in->pfx];
}

static const char *name_movhp_movlhps(const struct insn *in)
{
    static const char *const names[4] = { "movhps", "movhpd", "movshdup", NULL };
    if (in->mod == 3 && in->pfx == PFX_NONE)
        return "movlhps";
    if (in->mod == 3 && in->pfx == PFX_66)
        return NULL;
    return names[in->pfx];
}

/* 0F 18 (group 16): prefetch hints with memory /0-/3, else a hint NOP. */
static const char *name_prefetch_hint(const struct insn *in)
{
    static const char *const hints[4] = { "prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2" };
    return in->mod != 3 && (in->reg & 7) < 4 ? hints[in->reg & 7] : "nop";
}

/* 0F 1E: a hint NOP (reserved NOP space, Table A-6 note); F3 0F 1E FA/FB
 * are ENDBR64/ENDBR32. */
static const char *name_endbr(const struct insn *in)
{
    if (in->pfx == PFX_F3 && in->mod == 3 && (in->reg & 7) == 7 &&
        ((in->rm & 7) == 2 || (in->rm & 7) == 3))
        return (in->rm & 7) == 2 ? "endbr64" : "endbr32";
    return "nop";
}

/* 0F 20/22: the control registers that exist: CR0, CR2, CR3, CR4, CR8 (REX.R). */
static const char *name_mov_cr(const struct insn *in)
{
    return (in->reg == 0 || in->reg == 2 || in->reg == 3 || in->reg == 4 || in->reg == 8) ? "mov" : NULL;
}

/* 0F 21/23: DR0-DR7 (DR8-15: #UD). */
static const char *name_mov_dr(const struct insn *in)
{
    return in->reg < 8 ? "mov" : NULL;
}

/* 0F 6E / 0F 7E: MOVD, or MOVQ with REX.W (F3 0F 7E is MOVQ xmm, xmm/m64). */
static const char *name_movd_movq(const struct insn *in)
{
    static const char *const names[2][4] = {
        { "movd", "movd", NULL, NULL },     /* 0F 6E */
        { "movd", "movd", "movq", NULL },   /* 0F 7E */
    };
    const char *name = names[in->op == 0x7e][in->pfx];
    if (name && in->pfx != PFX_F3 && (in->rex & 8))
        return "movq";
    return name;
}

/* 0F 71-73 (groups 12-14): shifts by an immediate, register operand only;
 * PSRLDQ/PSLLDQ exist for XMM (66) only. */
static const char *name_sse_shift_imm(const struct insn *in)
{
    static const char *const shifts[3][8] = {
        { NULL, NULL, "psrlw", NULL, "psraw", NULL, "psllw", NULL },
        { NULL, NULL, "psrld", NULL, "psrad", NULL, "pslld", NULL },
        { NULL, NULL, "psrlq", "psrldq", NULL, NULL, "psllq", "pslldq" },
    };
    unsigned r = in->reg & 7;
    if (in->mod != 3 || in->pfx > PFX_66)
        return NULL;
    if ((r == 3 || r == 7) && in->pfx != PFX_66)
        return NULL;
    return shifts[in->op - 0x71][r];
}

/* 0F AE (group 15): state save/restore and CLFLUSH with memory; fences
 * and (F3) RD/WR FS/GS BASE with a register. */
static const char *name_group15(const struct insn *in)
{
    unsigned r = in->reg & 7;
    if (in->mod != 3) {
        static const char *const np[8] = { "fxsave", "fxrstor", "ldmxcsr", "stmxcsr",
                                           "xsave", "xrstor", "xsaveopt", "clflush" };
        static const char *const np64[8] = { "fxsave64", "fxrstor64", "ldmxcsr", "stmxcsr",
                                             "xsave64", "xrstor64", "xsaveopt64", "clflush" };
        if (in->pfx == PFX_66)
            return r == 6 ? "clwb" : r == 7 ? "clflushopt" : NULL;
        if (in->pfx != PFX_NONE)
            return NULL;
        return (in->rex & 8) ? np64[r] : np[r];
    }
    if (in->pfx == PFX_F3) {
        static const char *const fsgs[4] = { "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase" };
        return r < 4 ? fsgs[r] : NULL;
    }
    if (in->pfx != PFX_NONE)
        return NULL;
    return r == 5 ? "lfence" : r == 6 ? "mfence" : r == 7 ? "sfence" : NULL;
}

/* 0F C7 (group 9): CMPXCHG8B/16B and state/VMX forms with memory,
 * RDRAND/RDSEED/RDPID with a register. */
static const char *name_group9(const struct insn *in)
{
    unsigned r = in->reg & 7, w = (in->rex & 8) != 0;
    if (in->mod != 3) {
        switch (r) {
        case 1: return w ? "cmpxchg16b" : "cmpxchg8b";
        case 3: return in->pfx == PFX_NONE ? (w ? "xrstors64" : "xrstors") : NULL;
        case 4: return in->pfx == PFX_NONE ? (w ? "xsavec64" : "xsavec") : NULL;
        case 5: return in->pfx == PFX_NONE ? (w ? "xsaves64" : "xsaves") : NULL;
        case 6: return in->pfx == PFX_NONE ? "vmptrld" : in->pfx == PFX_66 ? "vmclear"
                     : in->pfx == PFX_F3 ? "vmxon" : NULL;
        case 7: return in->pfx == PFX_NONE ? "vmptrst" : NULL;
        default: return NULL;
        }
    }
    if (r == 6 && in->pfx <= PFX_66)
        return "rdrand";
    if (r == 7 && in->pfx <= PFX_66)
        return "rdseed";
    if (r == 7 && in->pfx == PFX_F3)
        return "rdpid";
    return NULL;
}

/* 0F D6: MOVQ xmm/m64, xmm (66); MOVQ2DQ/MOVDQ2Q (F3/F2) between registers. */
static const char *name_0f_d6(const struct insn *in)
{
    static const char *const names[4] = { NULL, "movq", "movq2dq", "movdq2q" };
    if (in->pfx != PFX_66 && in->mod != 3)
        return NULL;
    return names[in->pfx];
}

/* 0F 38 F0/F1: MOVBE (NP or 66 = 16-bit, memory only), CRC32 (F2; 66 F2 =
 * 16-bit source). */
static const char *name_movbe_crc32(const struct insn *in)
{
    static const char *const names[4] = { "movbe", "movbe", NULL, "crc32" };
    if (in->pfx != PFX_F2 && in->mod == 3)
        return NULL;
    return names[in->pfx];
}

/* VEX 0F 38 F3 (group 17, BMI1): /1 BLSR, /2 BLSMSK, /3 BLSI, no prefix. */
static const char *name_group17(const struct insn *in)
{
    static const char *const grp17[8] = { NULL, "blsr", "blsmsk", "blsi", NULL, NULL, NULL, NULL };
    return in->pfx == PFX_NONE ? grp17[in->reg & 7] : NULL;
}

/* VEX F2 0F 3A F0: RORX; its VEX.vvvv is reserved and must be 1111b
 * (stored un-inverted: 0), else #UD. */
static const char *name_rorx(const struct insn *in)
{
    return in->pfx == PFX_F2 && in->vvvv == 0 ? "rorx" : NULL;
}

/* 0F 3A 16 / 22: PEXTRD/PINSRD, PEXTRQ/PINSRQ with REX.W. */
static const char *name_pextr(const struct insn *in)
{
    if (in->pfx != PFX_66)
        return NULL;
    return (in->rex & 8) ? "pextrq" : "pextrd";
}

static const char *name_pinsr(const struct insn *in)
{
    if (in->pfx != PFX_66)
        return NULL;
    return (in->rex & 8) ? "pinsrq" : "pinsrd";
}

/* ------------------------------------------------ the expanded tables */

/* The format column's words (opcodes.def's legend). */
#define M F_MODRM
#define B F_BYTE
#define D64 F_D64
#define F64 F_F64
#define INV F_INVALID
#define CK F_CHECK
#define REGONLY F_REGONLY
#define PLUSR F_PLUSR
#define MEMONLY F_MEMONLY
#define MANDATORY_PFX F_SSE
#define SSE (F_MODRM | F_CHECK | F_SSE)
#define NO64 F_NO64
#define L0 F_VEX_L0
#define VEXGPR (F_MODRM | F_CHECK | F_SSE | F_VEX_L0)
#define IB FMT_IMM(IMM_B)
#define IW FMT_IMM(IMM_W)
#define IZ FMT_IMM(IMM_Z)
#define IV FMT_IMM(IMM_V)
#define MOFFS FMT_IMM(IMM_MOFFS)
#define ENTER FMT_IMM(IMM_ENTER)
#define GRP3 FMT_IMM(IMM_GRP3)

const uint16_t opcode_format[MAP_COUNT][256] = {
#define OPCODE(map, op, format, handler, variants, mnemonic) [MAP_##map][0x##op] = (format),
#define OPCODES(map, first, last, format, handler, variants, mnemonic) \
    [MAP_##map][0x##first ... 0x##last] = (format),
#include "opcodes.def"
#undef OPCODE
#undef OPCODES
};

const exec_fn opcode_handler[MAP_COUNT][256] = {
#define OPCODE(map, op, format, handler, variants, mnemonic) [MAP_##map][0x##op] = exec_##handler,
#define OPCODES(map, first, last, format, handler, variants, mnemonic) \
    [MAP_##map][0x##first ... 0x##last] = exec_##handler,
#include "opcodes.def"
#undef OPCODE
#undef OPCODES
};

typedef exec_fn (*variant_chooser)(const struct insn *in);
#define VARIANTS_none(handler) NULL
#define VARIANTS_variants(handler) exec_##handler##_variant

static const variant_chooser opcode_variants[MAP_COUNT][256] = {
#define OPCODE(map, op, format, handler, variants, mnemonic) \
    [MAP_##map][0x##op] = VARIANTS_##variants(handler),
#define OPCODES(map, first, last, format, handler, variants, mnemonic) \
    [MAP_##map][0x##first ... 0x##last] = VARIANTS_##variants(handler),
#include "opcodes.def"
#undef OPCODE
#undef OPCODES
};

/* The handler of every slot without an instruction (column "ud"). */
void exec_ud(struct cpu *cpu, const struct insn *in)
{
    (void)in;
    cpu_fault(cpu, EXC_UD, 0);
}

exec_fn opcode_variant(const struct insn *in)
{
    variant_chooser choose = opcode_variants[in->map][in->op];
    return choose ? choose(in) : NULL;
}

/* The mnemonic column: a rule and the names it picks from. */
enum mnemonic_rule {
    MN_NONE, MN_FIXED, MN_BY_SIZE, MN_BY_REG, MN_BY_PREFIX, MN_BY_PREFIX_MEM, MN_BY_PREFIX_REG,
    MN_BY_FUNCTION,
};
struct mnemonic {
    enum mnemonic_rule rule;
    const char *const *names;
    const char *(*fn)(const struct insn *in);
};
#define NO_NAME { MN_NONE, NULL, NULL }
#define NAME(s) { MN_FIXED, (const char *const[1]){ s }, NULL }
#define NAME_BY_SIZE(w, d, q) { MN_BY_SIZE, (const char *const[3]){ w, d, q }, NULL }
#define NAME_BY_REG(...) { MN_BY_REG, (const char *const[8]){ __VA_ARGS__ }, NULL }
#define NAME_BY_PREFIX(np, p66, f3, f2) { MN_BY_PREFIX, (const char *const[4]){ np, p66, f3, f2 }, NULL }
#define NAME_BY_PREFIX_MEM(np, p66, f3, f2) \
    { MN_BY_PREFIX_MEM, (const char *const[4]){ np, p66, f3, f2 }, NULL }
#define NAME_BY_PREFIX_REG(np, p66, f3, f2) \
    { MN_BY_PREFIX_REG, (const char *const[4]){ np, p66, f3, f2 }, NULL }
#define NAME_MMX_SSE2(s) NAME_BY_PREFIX(s, s, NULL, NULL)
#define NAME_66(s) NAME_BY_PREFIX(NULL, s, NULL, NULL)
#define NAME_BY(fn) { MN_BY_FUNCTION, NULL, fn }

static const struct mnemonic opcode_mnemonic[MAP_COUNT][256] = {
#define OPCODE(map, op, format, handler, variants, mnemonic) [MAP_##map][0x##op] = mnemonic,
#define OPCODES(map, first, last, format, handler, variants, mnemonic) \
    [MAP_##map][0x##first ... 0x##last] = mnemonic,
#include "opcodes.def"
#undef OPCODE
#undef OPCODES
};

const char *insn_mnemonic(const struct insn *in)
{
    if (in->map >= MAP_COUNT)
        return NULL;
    const struct mnemonic *m = &opcode_mnemonic[in->map][in->op];
    switch (m->rule) {
    case MN_FIXED: return m->names[0];
    case MN_BY_SIZE: return m->names[in->opsize == 2 ? 0 : in->opsize == 4 ? 1 : 2];
    case MN_BY_REG: return m->names[in->reg & 7];
    case MN_BY_PREFIX: return m->names[in->pfx];
    case MN_BY_PREFIX_MEM: return in->mod != 3 ? m->names[in->pfx] : NULL;
    case MN_BY_PREFIX_REG: return in->mod == 3 ? m->names[in->pfx] : NULL;
    case MN_BY_FUNCTION: return m->fn(in);
    case MN_NONE: break;
    }
    return NULL;
}
