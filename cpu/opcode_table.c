/* opcode_table.c — the opcode maps of 64-bit mode as data: the format of
 * every slot (opcode_format, see opcode_table.h) and the Intel mnemonic of
 * every valid form (insn_mnemonic).  Sources: SDM Vol. 2 Appendix A (opcode
 * maps, Tables A-2..A-7 for the one-, two- and three-byte maps, A-6 for the
 * ModRM-extended groups, A.4 for x87 escape opcodes).
 *
 * The name tables double as the validity tables of F_CHECK slots: a form
 * that has no name here (an undefined group member, an SSE opcode with a
 * prefix it does not take, an undefined x87 register form) is #UD. */
#include "opcode_table.h"

#include <stddef.h>

#define M F_MODRM
#define B F_BYTE
#define IB FMT_IMM(IMM_B)
#define IW FMT_IMM(IMM_W)
#define IZ FMT_IMM(IMM_Z)
#define INV F_INVALID
#define CK F_CHECK
#define SSE (F_MODRM | F_CHECK | F_SSE)

/* Rows of the one-byte ALU block (ADD..CMP): Eb,Gb  Ev,Gv  Gb,Eb  Gv,Ev  AL,Ib  rAX,Iz. */
#define ALU_ROW(x) [x] = M | B, [x + 1] = M, [x + 2] = M | B, [x + 3] = M, \
                   [x + 4] = IB | B, [x + 5] = IZ

const uint16_t opcode_format[4][256] = {
    [MAP_1BYTE] = {
        ALU_ROW(0x00), ALU_ROW(0x08), ALU_ROW(0x10), ALU_ROW(0x18),
        ALU_ROW(0x20), ALU_ROW(0x28), ALU_ROW(0x30), ALU_ROW(0x38),
        /* PUSH/POP ES CS SS DS, DAA DAS AAA AAS: i64 */
        [0x06] = INV, [0x07] = INV, [0x0e] = INV, [0x16] = INV, [0x17] = INV,
        [0x1e] = INV, [0x1f] = INV, [0x27] = INV, [0x2f] = INV, [0x37] = INV, [0x3f] = INV,
        [0x50 ... 0x5f] = F_D64 | F_PLUSR,
        [0x60] = INV, [0x61] = INV, [0x62] = INV,   /* PUSHA POPA BOUND (62 = EVEX) */
        [0x63] = M,                                 /* MOVSXD */
        [0x68] = IZ | F_D64, [0x69] = M | IZ, [0x6a] = IB | F_D64, [0x6b] = M | IB,
        [0x6c] = B, [0x6d] = F_NO64, [0x6e] = B, [0x6f] = F_NO64,
        [0x70 ... 0x7f] = IB | F_F64,               /* Jcc Jb */
        [0x80] = M | B | IB, [0x81] = M | IZ, [0x82] = INV, [0x83] = M | IB,
        [0x84] = M | B, [0x85] = M, [0x86] = M | B, [0x87] = M,
        [0x88] = M | B, [0x89] = M, [0x8a] = M | B, [0x8b] = M,
        [0x8c] = M | CK, [0x8d] = M | F_MEMONLY, [0x8e] = M | CK, [0x8f] = M | CK | F_D64,
        [0x90 ... 0x97] = F_PLUSR,
        [0x9a] = INV,                               /* CALLF ptr16:32 */
        [0x9c] = F_D64, [0x9d] = F_D64,
        [0xa0] = FMT_IMM(IMM_MOFFS) | B, [0xa1] = FMT_IMM(IMM_MOFFS),
        [0xa2] = FMT_IMM(IMM_MOFFS) | B, [0xa3] = FMT_IMM(IMM_MOFFS),
        [0xa4] = B, [0xa6] = B, [0xa8] = IB | B, [0xa9] = IZ, [0xaa] = B, [0xac] = B, [0xae] = B,
        [0xb0 ... 0xb7] = IB | B | F_PLUSR,
        [0xb8 ... 0xbf] = FMT_IMM(IMM_V) | F_PLUSR,
        [0xc0] = M | B | IB, [0xc1] = M | IB, [0xc2] = IW | F_F64, [0xc3] = F_F64,
        [0xc4] = INV, [0xc5] = INV,                 /* VEX (no AVX here) */
        [0xc6] = M | B | IB | CK, [0xc7] = M | IZ | CK,
        [0xc8] = FMT_IMM(IMM_ENTER) | F_D64, [0xc9] = F_D64, [0xca] = IW,
        [0xcd] = IB, [0xce] = INV,                  /* INTO */
        [0xd0] = M | B, [0xd1] = M, [0xd2] = M | B, [0xd3] = M,
        [0xd4] = INV, [0xd5] = INV, [0xd6] = INV,   /* AAM AAD SALC */
        [0xd8 ... 0xdf] = M | CK,                   /* x87 escape */
        [0xe0 ... 0xe3] = IB | F_F64,               /* LOOPcc, JrCXZ */
        [0xe4] = IB | B, [0xe5] = IB | F_NO64, [0xe6] = IB | B, [0xe7] = IB | F_NO64,
        [0xe8] = IZ | F_F64, [0xe9] = IZ | F_F64, [0xea] = INV, [0xeb] = IB | F_F64,
        [0xec] = B, [0xed] = F_NO64, [0xee] = B, [0xef] = F_NO64,
        [0xf6] = M | B | FMT_IMM(IMM_GRP3), [0xf7] = M | FMT_IMM(IMM_GRP3),
        [0xfe] = M | B | CK, [0xff] = M | CK,
    },
    [MAP_0F] = {
        [0x00] = M | CK, [0x01] = M | CK, [0x02] = M, [0x03] = M,
        [0x04] = INV, [0x0a] = INV, [0x0c] = INV,
        [0x0d] = M,                                 /* PREFETCHW group / NOP */
        [0x0e] = INV, [0x0f] = INV,                 /* FEMMS, 3DNow! (AMD only) */
        [0x10 ... 0x17] = SSE,
        [0x18 ... 0x1f] = M,                        /* prefetch / hint NOPs */
        [0x20 ... 0x23] = M | F_REGONLY | F_F64 | CK,
        [0x24 ... 0x27] = INV,
        [0x28 ... 0x2f] = SSE,
        /* 0F 38 and 0F 3A are the escapes to the three-byte maps (decode()). */
        [0x36] = INV, [0x39] = INV, [0x3b ... 0x3f] = INV,
        [0x40 ... 0x4f] = M,                        /* CMOVcc */
        [0x50 ... 0x6f] = SSE,
        [0x70] = SSE | IB, [0x71 ... 0x73] = SSE | IB,
        [0x74 ... 0x76] = SSE, [0x77] = CK | F_SSE, /* EMMS */
        [0x78] = M | CK | F_F64, [0x79] = M | CK | F_F64, /* VMREAD VMWRITE */
        [0x7a] = INV, [0x7b] = INV,
        [0x7c ... 0x7f] = SSE,
        [0x80 ... 0x8f] = IZ | F_F64,               /* Jcc Jz */
        [0x90 ... 0x9f] = M | B,                    /* SETcc */
        [0xa0] = F_D64, [0xa1] = F_D64, [0xa3] = M, [0xa4] = M | IB, [0xa5] = M,
        [0xa6] = INV, [0xa7] = INV,
        [0xa8] = F_D64, [0xa9] = F_D64, [0xab] = M, [0xac] = M | IB, [0xad] = M,
        [0xae] = M | CK, [0xaf] = M,
        [0xb0] = M | B, [0xb1] = M, [0xb2] = M | F_MEMONLY, [0xb3] = M,
        [0xb4] = M | F_MEMONLY, [0xb5] = M | F_MEMONLY, [0xb6] = M, [0xb7] = M,
        [0xb8] = M | CK, [0xb9] = M, [0xba] = M | IB | CK, [0xbb] = M,
        [0xbc ... 0xbf] = M,
        [0xc0] = M | B, [0xc1] = M, [0xc2] = SSE | IB, [0xc3] = M | CK | F_MEMONLY,
        [0xc4 ... 0xc6] = SSE | IB, [0xc7] = M | CK,
        [0xc8 ... 0xcf] = F_PLUSR,                  /* BSWAP */
        [0xd0 ... 0xfe] = SSE,
        [0xff] = M,                                 /* UD0 (Intel: with ModRM) */
    },
    /* Three-byte maps: every slot is checked against the name tables. */
    [MAP_0F38] = { [0x00 ... 0xef] = SSE, [0xf0 ... 0xff] = M | CK },
    [MAP_0F3A] = { [0x00 ... 0xff] = SSE | IB },
};

/* ---------------------------------------------------------------- names */

static const char *const alu_names[8] = { "add", "or", "adc", "sbb", "and", "sub", "xor", "cmp" };
static const char *const shift_names[8] = { "rol", "ror", "rcl", "rcr", "shl", "shr", "sal", "sar" };
static const char *const grp3_names[8] = { "test", "test", "not", "neg", "mul", "imul", "div", "idiv" };

/* Name by operand size: 16, 32 or 64 bits. */
static const char *by_size(const struct insn *in, const char *w, const char *d, const char *q)
{
    return in->opsize == 2 ? w : in->opsize == 4 ? d : q;
}

static const char *jcc_name(unsigned cc)
{
    static const char *const names[16] = {
        "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
        "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg",
    };
    return names[cc & 15];
}

static const char *x87_name(const struct insn *in)
{
    /* Memory forms: [opcode D8..DF][ModRM.reg] (SDM Table A-7..A-21). */
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

static const char *one_byte_name(const struct insn *in)
{
    unsigned op = in->op, r = in->reg & 7;
    if (op < 0x40 && (op & 7) < 6)
        return alu_names[op >> 3];
    if (op >= 0x50 && op <= 0x57)
        return "push";
    if (op >= 0x58 && op <= 0x5f)
        return "pop";
    if (op >= 0x70 && op <= 0x7f)
        return jcc_name(op);
    if (op >= 0xb0 && op <= 0xbf)
        return "mov";
    if (op >= 0xd8 && op <= 0xdf)
        return x87_name(in);
    if (op >= 0x91 && op <= 0x97)
        return "xchg";
    switch (op) {
    case 0x63: return "movsxd";
    case 0x68: case 0x6a: return "push";
    case 0x69: case 0x6b: return "imul";
    case 0x6c: return "insb";
    case 0x6d: return by_size(in, "insw", "insd", "insd");
    case 0x6e: return "outsb";
    case 0x6f: return by_size(in, "outsw", "outsd", "outsd");
    case 0x80: case 0x81: case 0x83: return alu_names[r];
    case 0x84: case 0x85: return "test";
    case 0x86: case 0x87: return "xchg";
    case 0x88: case 0x89: case 0x8a: case 0x8b: return "mov";
    case 0x8c: return r <= 5 ? "mov" : NULL;             /* mov r/m, Sreg */
    case 0x8d: return "lea";
    case 0x8e: return r <= 5 && r != 1 ? "mov" : NULL;   /* mov Sreg, r/m: not CS */
    case 0x8f: return r == 0 ? "pop" : NULL;             /* /1-/7: XOP escape */
    case 0x90:
        if (in->rex & 1)
            return "xchg";                               /* xchg r8, rax */
        return in->rep == 0xf3 ? "pause" : "nop";
    case 0x98: return by_size(in, "cbw", "cwde", "cdqe");
    case 0x99: return by_size(in, "cwd", "cdq", "cqo");
    case 0x9b: return "fwait";
    case 0x9c: return in->opsize == 2 ? "pushf" : "pushfq";
    case 0x9d: return in->opsize == 2 ? "popf" : "popfq";
    case 0x9e: return "sahf";
    case 0x9f: return "lahf";
    case 0xa0: case 0xa1: case 0xa2: case 0xa3: return "mov";
    case 0xa4: return "movsb";
    case 0xa5: return by_size(in, "movsw", "movsd", "movsq");
    case 0xa6: return "cmpsb";
    case 0xa7: return by_size(in, "cmpsw", "cmpsd", "cmpsq");
    case 0xa8: case 0xa9: return "test";
    case 0xaa: return "stosb";
    case 0xab: return by_size(in, "stosw", "stosd", "stosq");
    case 0xac: return "lodsb";
    case 0xad: return by_size(in, "lodsw", "lodsd", "lodsq");
    case 0xae: return "scasb";
    case 0xaf: return by_size(in, "scasw", "scasd", "scasq");
    case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: return shift_names[r];
    case 0xc2: case 0xc3: return "ret";
    case 0xc6:
        if (r == 0)
            return "mov";
        return in->mod == 3 && r == 7 && (in->rm & 7) == 0 ? "xabort" : NULL;
    case 0xc7:
        if (r == 0)
            return "mov";
        return in->mod == 3 && r == 7 && (in->rm & 7) == 0 ? "xbegin" : NULL;
    case 0xc8: return "enter";
    case 0xc9: return "leave";
    case 0xca: case 0xcb: return "retf";
    case 0xcc: return "int3";
    case 0xcd: return "int";
    case 0xcf: return by_size(in, "iret", "iretd", "iretq");
    case 0xd7: return "xlatb";
    case 0xe0: return "loopne";
    case 0xe1: return "loope";
    case 0xe2: return "loop";
    case 0xe3: return in->addrsize == 4 ? "jecxz" : "jrcxz";
    case 0xe4: case 0xe5: case 0xec: case 0xed: return "in";
    case 0xe6: case 0xe7: case 0xee: case 0xef: return "out";
    case 0xe8: return "call";
    case 0xe9: case 0xeb: return "jmp";
    case 0xf1: return "int1";
    case 0xf4: return "hlt";
    case 0xf5: return "cmc";
    case 0xf6: case 0xf7: return grp3_names[r];
    case 0xf8: return "clc";
    case 0xf9: return "stc";
    case 0xfa: return "cli";
    case 0xfb: return "sti";
    case 0xfc: return "cld";
    case 0xfd: return "std";
    case 0xfe: return r == 0 ? "inc" : r == 1 ? "dec" : NULL;
    case 0xff: {
        static const char *const grp5[8] = { "inc", "dec", "call", "call", "jmp", "jmp", "push", NULL };
        if ((r == 3 || r == 5) && in->mod == 3)
            return NULL;                                 /* far CALL/JMP need m16:xx */
        return grp5[r];
    }
    default: return NULL;
    }
}

/* SSE/MMX slots of the 0F map selected by the mandatory prefix:
 * [opcode - 0x10][PFX_NONE, PFX_66, PFX_F3, PFX_F2]. */
struct sse_names {
    const char *n[4];
};
#define MMX_SSE2(name) { { name, name, NULL, NULL } }   /* NP = MMX mm, 66 = SSE2 xmm */
#define SSE2_ONLY(name) { { NULL, name, NULL, NULL } }
#define PS_PD_SS_SD(op) { { op "ps", op "pd", op "ss", op "sd" } }
#define PS_PD(op) { { op "ps", op "pd", NULL, NULL } }

static const struct sse_names sse_0f10[0x30] = {         /* 0F 10..3F */
    [0x00] = { { "movups", "movupd", "movss", "movsd" } },
    [0x01] = { { "movups", "movupd", "movss", "movsd" } },
    [0x02] = { { "movlps", "movlpd", "movsldup", "movddup" } },
    [0x03] = { { "movlps", "movlpd", NULL, NULL } },
    [0x04] = PS_PD("unpckl"),
    [0x05] = PS_PD("unpckh"),
    [0x06] = { { "movhps", "movhpd", "movshdup", NULL } },
    [0x07] = { { "movhps", "movhpd", NULL, NULL } },
    [0x18] = PS_PD("mova"),
    [0x19] = PS_PD("mova"),
    [0x1a] = { { "cvtpi2ps", "cvtpi2pd", "cvtsi2ss", "cvtsi2sd" } },
    [0x1b] = PS_PD("movnt"),
    [0x1c] = { { "cvttps2pi", "cvttpd2pi", "cvttss2si", "cvttsd2si" } },
    [0x1d] = { { "cvtps2pi", "cvtpd2pi", "cvtss2si", "cvtsd2si" } },
    [0x1e] = { { "ucomiss", "ucomisd", NULL, NULL } },
    [0x1f] = { { "comiss", "comisd", NULL, NULL } },
};

static const struct sse_names sse_0f50[0x30] = {         /* 0F 50..7F */
    [0x00] = PS_PD("movmsk"),
    [0x01] = PS_PD_SS_SD("sqrt"),
    [0x02] = { { "rsqrtps", NULL, "rsqrtss", NULL } },
    [0x03] = { { "rcpps", NULL, "rcpss", NULL } },
    [0x04] = PS_PD("and"),
    [0x05] = PS_PD("andn"),
    [0x06] = PS_PD("or"),
    [0x07] = PS_PD("xor"),
    [0x08] = PS_PD_SS_SD("add"),
    [0x09] = PS_PD_SS_SD("mul"),
    [0x0a] = { { "cvtps2pd", "cvtpd2ps", "cvtss2sd", "cvtsd2ss" } },
    [0x0b] = { { "cvtdq2ps", "cvtps2dq", "cvttps2dq", NULL } },
    [0x0c] = PS_PD_SS_SD("sub"),
    [0x0d] = PS_PD_SS_SD("min"),
    [0x0e] = PS_PD_SS_SD("div"),
    [0x0f] = PS_PD_SS_SD("max"),
    [0x10] = MMX_SSE2("punpcklbw"),
    [0x11] = MMX_SSE2("punpcklwd"),
    [0x12] = MMX_SSE2("punpckldq"),
    [0x13] = MMX_SSE2("packsswb"),
    [0x14] = MMX_SSE2("pcmpgtb"),
    [0x15] = MMX_SSE2("pcmpgtw"),
    [0x16] = MMX_SSE2("pcmpgtd"),
    [0x17] = MMX_SSE2("packuswb"),
    [0x18] = MMX_SSE2("punpckhbw"),
    [0x19] = MMX_SSE2("punpckhwd"),
    [0x1a] = MMX_SSE2("punpckhdq"),
    [0x1b] = MMX_SSE2("packssdw"),
    [0x1c] = SSE2_ONLY("punpcklqdq"),
    [0x1d] = SSE2_ONLY("punpckhqdq"),
    [0x1e] = MMX_SSE2("movd"),                           /* movq with REX.W */
    [0x1f] = { { "movq", "movdqa", "movdqu", NULL } },
    [0x20] = { { "pshufw", "pshufd", "pshufhw", "pshuflw" } },
    [0x24] = MMX_SSE2("pcmpeqb"),
    [0x25] = MMX_SSE2("pcmpeqw"),
    [0x26] = MMX_SSE2("pcmpeqd"),
    [0x27] = { { "emms", NULL, NULL, NULL } },
    [0x2c] = { { NULL, "haddpd", NULL, "haddps" } },
    [0x2d] = { { NULL, "hsubpd", NULL, "hsubps" } },
    [0x2e] = { { "movd", "movd", "movq", NULL } },       /* movq with REX.W */
    [0x2f] = { { "movq", "movdqa", "movdqu", NULL } },
};

static const struct sse_names sse_0fd0[0x30] = {         /* 0F D0..FF */
    [0x00] = { { NULL, "addsubpd", NULL, "addsubps" } },
    [0x01] = MMX_SSE2("psrlw"),
    [0x02] = MMX_SSE2("psrld"),
    [0x03] = MMX_SSE2("psrlq"),
    [0x04] = MMX_SSE2("paddq"),
    [0x05] = MMX_SSE2("pmullw"),
    [0x06] = { { NULL, "movq", "movq2dq", "movdq2q" } },
    [0x07] = MMX_SSE2("pmovmskb"),
    [0x08] = MMX_SSE2("psubusb"),
    [0x09] = MMX_SSE2("psubusw"),
    [0x0a] = MMX_SSE2("pminub"),
    [0x0b] = MMX_SSE2("pand"),
    [0x0c] = MMX_SSE2("paddusb"),
    [0x0d] = MMX_SSE2("paddusw"),
    [0x0e] = MMX_SSE2("pmaxub"),
    [0x0f] = MMX_SSE2("pandn"),
    [0x10] = MMX_SSE2("pavgb"),
    [0x11] = MMX_SSE2("psraw"),
    [0x12] = MMX_SSE2("psrad"),
    [0x13] = MMX_SSE2("pavgw"),
    [0x14] = MMX_SSE2("pmulhuw"),
    [0x15] = MMX_SSE2("pmulhw"),
    [0x16] = { { NULL, "cvttpd2dq", "cvtdq2pd", "cvtpd2dq" } },
    [0x17] = { { "movntq", "movntdq", NULL, NULL } },
    [0x18] = MMX_SSE2("psubsb"),
    [0x19] = MMX_SSE2("psubsw"),
    [0x1a] = MMX_SSE2("pminsw"),
    [0x1b] = MMX_SSE2("por"),
    [0x1c] = MMX_SSE2("paddsb"),
    [0x1d] = MMX_SSE2("paddsw"),
    [0x1e] = MMX_SSE2("pmaxsw"),
    [0x1f] = MMX_SSE2("pxor"),
    [0x20] = { { NULL, NULL, NULL, "lddqu" } },
    [0x21] = MMX_SSE2("psllw"),
    [0x22] = MMX_SSE2("pslld"),
    [0x23] = MMX_SSE2("psllq"),
    [0x24] = MMX_SSE2("pmuludq"),
    [0x25] = MMX_SSE2("pmaddwd"),
    [0x26] = MMX_SSE2("psadbw"),
    [0x27] = { { "maskmovq", "maskmovdqu", NULL, NULL } },
    [0x28] = MMX_SSE2("psubb"),
    [0x29] = MMX_SSE2("psubw"),
    [0x2a] = MMX_SSE2("psubd"),
    [0x2b] = MMX_SSE2("psubq"),
    [0x2c] = MMX_SSE2("paddb"),
    [0x2d] = MMX_SSE2("paddw"),
    [0x2e] = MMX_SSE2("paddd"),
};

/* 0F 38 (SSSE3, SSE4.1/4.2, AES, SHA): [opcode][PFX]. */
static const struct sse_names sse_0f38[256] = {
    [0x00] = MMX_SSE2("pshufb"), [0x01] = MMX_SSE2("phaddw"), [0x02] = MMX_SSE2("phaddd"),
    [0x03] = MMX_SSE2("phaddsw"), [0x04] = MMX_SSE2("pmaddubsw"), [0x05] = MMX_SSE2("phsubw"),
    [0x06] = MMX_SSE2("phsubd"), [0x07] = MMX_SSE2("phsubsw"), [0x08] = MMX_SSE2("psignb"),
    [0x09] = MMX_SSE2("psignw"), [0x0a] = MMX_SSE2("psignd"), [0x0b] = MMX_SSE2("pmulhrsw"),
    [0x10] = SSE2_ONLY("pblendvb"), [0x14] = SSE2_ONLY("blendvps"), [0x15] = SSE2_ONLY("blendvpd"),
    [0x17] = SSE2_ONLY("ptest"),
    [0x1c] = MMX_SSE2("pabsb"), [0x1d] = MMX_SSE2("pabsw"), [0x1e] = MMX_SSE2("pabsd"),
    [0x20] = SSE2_ONLY("pmovsxbw"), [0x21] = SSE2_ONLY("pmovsxbd"), [0x22] = SSE2_ONLY("pmovsxbq"),
    [0x23] = SSE2_ONLY("pmovsxwd"), [0x24] = SSE2_ONLY("pmovsxwq"), [0x25] = SSE2_ONLY("pmovsxdq"),
    [0x28] = SSE2_ONLY("pmuldq"), [0x29] = SSE2_ONLY("pcmpeqq"), [0x2a] = SSE2_ONLY("movntdqa"),
    [0x2b] = SSE2_ONLY("packusdw"),
    [0x30] = SSE2_ONLY("pmovzxbw"), [0x31] = SSE2_ONLY("pmovzxbd"), [0x32] = SSE2_ONLY("pmovzxbq"),
    [0x33] = SSE2_ONLY("pmovzxwd"), [0x34] = SSE2_ONLY("pmovzxwq"), [0x35] = SSE2_ONLY("pmovzxdq"),
    [0x37] = SSE2_ONLY("pcmpgtq"), [0x38] = SSE2_ONLY("pminsb"), [0x39] = SSE2_ONLY("pminsd"),
    [0x3a] = SSE2_ONLY("pminuw"), [0x3b] = SSE2_ONLY("pminud"), [0x3c] = SSE2_ONLY("pmaxsb"),
    [0x3d] = SSE2_ONLY("pmaxsd"), [0x3e] = SSE2_ONLY("pmaxuw"), [0x3f] = SSE2_ONLY("pmaxud"),
    [0x40] = SSE2_ONLY("pmulld"), [0x41] = SSE2_ONLY("phminposuw"),
    [0x80] = SSE2_ONLY("invept"), [0x81] = SSE2_ONLY("invvpid"), [0x82] = SSE2_ONLY("invpcid"),
    [0xc8] = { { "sha1nexte" } }, [0xc9] = { { "sha1msg1" } }, [0xca] = { { "sha1msg2" } },
    [0xcb] = { { "sha256rnds2" } }, [0xcc] = { { "sha256msg1" } }, [0xcd] = { { "sha256msg2" } },
    [0xdb] = SSE2_ONLY("aesimc"), [0xdc] = SSE2_ONLY("aesenc"), [0xdd] = SSE2_ONLY("aesenclast"),
    [0xde] = SSE2_ONLY("aesdec"), [0xdf] = SSE2_ONLY("aesdeclast"),
    /* F0/F1: MOVBE (NP or 66 = 16-bit), CRC32 (F2; 66 F2 = 16-bit source). */
    [0xf0] = { { "movbe", "movbe", NULL, "crc32" } },
    [0xf1] = { { "movbe", "movbe", NULL, "crc32" } },
    [0xf6] = { { NULL, "adcx", "adox", NULL } },
};

/* 0F 3A (all take Ib). */
static const struct sse_names sse_0f3a[256] = {
    [0x08] = SSE2_ONLY("roundps"), [0x09] = SSE2_ONLY("roundpd"), [0x0a] = SSE2_ONLY("roundss"),
    [0x0b] = SSE2_ONLY("roundsd"), [0x0c] = SSE2_ONLY("blendps"), [0x0d] = SSE2_ONLY("blendpd"),
    [0x0e] = SSE2_ONLY("pblendw"), [0x0f] = MMX_SSE2("palignr"),
    [0x14] = SSE2_ONLY("pextrb"), [0x15] = SSE2_ONLY("pextrw"), [0x16] = SSE2_ONLY("pextrd"),
    [0x17] = SSE2_ONLY("extractps"), [0x20] = SSE2_ONLY("pinsrb"), [0x21] = SSE2_ONLY("insertps"),
    [0x22] = SSE2_ONLY("pinsrd"),
    [0x40] = SSE2_ONLY("dpps"), [0x41] = SSE2_ONLY("dppd"), [0x42] = SSE2_ONLY("mpsadbw"),
    [0x44] = SSE2_ONLY("pclmulqdq"),
    [0x60] = SSE2_ONLY("pcmpestrm"), [0x61] = SSE2_ONLY("pcmpestri"),
    [0x62] = SSE2_ONLY("pcmpistrm"), [0x63] = SSE2_ONLY("pcmpistri"),
    [0xcc] = { { "sha1rnds4" } },
    [0xdf] = SSE2_ONLY("aeskeygenassist"),
};

/* 0F 01 register forms (mod = 11b), by the whole ModRM byte (Table A-6, group 7). */
static const char *grp7_reg_name(unsigned modrm)
{
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

static const char *two_byte_name(const struct insn *in)
{
    unsigned op = in->op, r = in->reg & 7, mem = in->mod != 3, w = (in->rex & 8) != 0;
    const char *name;
    if (op >= 0x40 && op <= 0x4f) {
        static const char *const cmov[16] = {
            "cmovo", "cmovno", "cmovb", "cmovae", "cmove", "cmovne", "cmovbe", "cmova",
            "cmovs", "cmovns", "cmovp", "cmovnp", "cmovl", "cmovge", "cmovle", "cmovg",
        };
        return cmov[op & 15];
    }
    if (op >= 0x80 && op <= 0x8f)
        return jcc_name(op);
    if (op >= 0x90 && op <= 0x9f) {
        static const char *const setcc[16] = {
            "seto", "setno", "setb", "setae", "sete", "setne", "setbe", "seta",
            "sets", "setns", "setp", "setnp", "setl", "setge", "setle", "setg",
        };
        return setcc[op & 15];
    }
    if (op >= 0xc8 && op <= 0xcf)
        return "bswap";
    if (op >= 0x19 && op <= 0x1f) {
        /* Hint NOPs (Table A-6 note: reserved NOP space); F3 0F 1E FA/FB = ENDBR64/32. */
        if (op == 0x1e && in->pfx == PFX_F3 && !mem && r == 7 && ((in->rm & 7) == 2 || (in->rm & 7) == 3))
            return (in->rm & 7) == 2 ? "endbr64" : "endbr32";
        return "nop";
    }
    if ((op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f)) {
        name = sse_0f10[op - 0x10].n[in->pfx];
        /* Register forms: NP 0F 12/16 are MOVHLPS/MOVLHPS; the MOVLPx/MOVHPx
         * stores, 66 0F 12/16 and MOVNTPS/PD exist only with memory. */
        if (name && !mem) {
            if ((op == 0x12 || op == 0x16) && in->pfx == PFX_NONE)
                return op == 0x12 ? "movhlps" : "movlhps";
            if (op == 0x13 || op == 0x17 || op == 0x2b ||
                ((op == 0x12 || op == 0x16) && in->pfx == PFX_66))
                return NULL;
        }
        return name;
    }
    if (op >= 0x50 && op <= 0x7f) {
        if (op >= 0x71 && op <= 0x73) {
            static const char *const shifts[3][8] = {
                { NULL, NULL, "psrlw", NULL, "psraw", NULL, "psllw", NULL },
                { NULL, NULL, "psrld", NULL, "psrad", NULL, "pslld", NULL },
                { NULL, NULL, "psrlq", "psrldq", NULL, NULL, "psllq", "pslldq" },
            };
            if (mem || in->pfx > PFX_66)
                return NULL;
            if ((r == 3 || r == 7) && in->pfx != PFX_66)
                return NULL;                             /* psrldq/pslldq are xmm only */
            return shifts[op - 0x71][r];
        }
        if (op == 0x78 || op == 0x79)
            return in->pfx == PFX_NONE ? (op == 0x78 ? "vmread" : "vmwrite") : NULL;
        name = sse_0f50[op - 0x50].n[in->pfx];
        if (!name)
            return NULL;
        if (op == 0x50 && mem)
            return NULL;
        if ((op == 0x6e || op == 0x7e) && in->pfx != PFX_F3 && w)
            return "movq";
        return name;
    }
    if (op >= 0xd0) {
        if (op == 0xff)
            return "ud0";
        name = sse_0fd0[op - 0xd0].n[in->pfx];
        if (!name)
            return NULL;
        if ((op == 0xd7 || op == 0xf7 || (op == 0xd6 && in->pfx != PFX_66)) && mem)
            return NULL;
        if ((op == 0xe7 || op == 0xf0) && !mem)
            return NULL;
        return name;
    }
    switch (op) {
    case 0x00: {
        static const char *const grp6[8] = { "sldt", "str", "lldt", "ltr", "verr", "verw", NULL, NULL };
        return grp6[r];
    }
    case 0x01: {
        static const char *const grp7[8] = { "sgdt", "sidt", "lgdt", "lidt", "smsw", NULL, "lmsw", "invlpg" };
        if (mem)
            return grp7[r];
        return grp7_reg_name(0xc0 | r << 3 | (in->rm & 7));
    }
    case 0x02: return "lar";
    case 0x03: return "lsl";
    case 0x05: return "syscall";
    case 0x06: return "clts";
    case 0x07: return "sysret";
    case 0x08: return "invd";
    case 0x09: return "wbinvd";
    case 0x0b: return "ud2";
    case 0x0d:
        if (mem && r == 1)
            return "prefetchw";
        if (mem && r == 2)
            return "prefetchwt1";
        if (mem && r == 0)
            return "prefetch";
        return "nop";
    case 0x18: {
        static const char *const hints[4] = { "prefetchnta", "prefetcht0", "prefetcht1", "prefetcht2" };
        return mem && r < 4 ? hints[r] : "nop";
    }
    case 0x20: case 0x22:
        /* Control registers that exist: CR0, CR2, CR3, CR4, CR8 (REX.R). */
        return (in->reg == 0 || in->reg == 2 || in->reg == 3 || in->reg == 4 || in->reg == 8) ? "mov" : NULL;
    case 0x21: case 0x23: return in->reg < 8 ? "mov" : NULL;   /* DR8-15: #UD */
    case 0x30: return "wrmsr";
    case 0x31: return "rdtsc";
    case 0x32: return "rdmsr";
    case 0x33: return "rdpmc";
    case 0x34: return "sysenter";
    case 0x35: return "sysexit";
    case 0x37: return "getsec";
    case 0xa0: case 0xa8: return "push";
    case 0xa1: case 0xa9: return "pop";
    case 0xa2: return "cpuid";
    case 0xa3: return "bt";
    case 0xa4: case 0xa5: return "shld";
    case 0xaa: return "rsm";
    case 0xab: return "bts";
    case 0xac: case 0xad: return "shrd";
    case 0xae:
        if (mem) {
            static const char *const np[8] = { "fxsave", "fxrstor", "ldmxcsr", "stmxcsr",
                                               "xsave", "xrstor", "xsaveopt", "clflush" };
            static const char *const np64[8] = { "fxsave64", "fxrstor64", "ldmxcsr", "stmxcsr",
                                                 "xsave64", "xrstor64", "xsaveopt64", "clflush" };
            if (in->pfx == PFX_66)
                return r == 6 ? "clwb" : r == 7 ? "clflushopt" : NULL;
            if (in->pfx != PFX_NONE)
                return NULL;
            return w ? np64[r] : np[r];
        }
        if (in->pfx == PFX_F3) {
            static const char *const fsgs[4] = { "rdfsbase", "rdgsbase", "wrfsbase", "wrgsbase" };
            return r < 4 ? fsgs[r] : NULL;
        }
        if (in->pfx != PFX_NONE)
            return NULL;
        return r == 5 ? "lfence" : r == 6 ? "mfence" : r == 7 ? "sfence" : NULL;
    case 0xaf: return "imul";
    case 0xb0: case 0xb1: return "cmpxchg";
    case 0xb2: return "lss";
    case 0xb3: return "btr";
    case 0xb4: return "lfs";
    case 0xb5: return "lgs";
    case 0xb6: case 0xb7: return "movzx";
    case 0xb8: return in->pfx == PFX_F3 ? "popcnt" : NULL;   /* NP 0F B8 = JMPE (IA-64) */
    case 0xb9: return "ud1";
    case 0xba: {
        static const char *const grp8[8] = { NULL, NULL, NULL, NULL, "bt", "bts", "btr", "btc" };
        return grp8[r];
    }
    case 0xbb: return "btc";
    case 0xbc: return in->pfx == PFX_F3 ? "tzcnt" : "bsf";
    case 0xbd: return in->pfx == PFX_F3 ? "lzcnt" : "bsr";
    case 0xbe: case 0xbf: return "movsx";
    case 0xc0: case 0xc1: return "xadd";
    case 0xc2: {
        static const char *const cmp[4] = { "cmpps", "cmppd", "cmpss", "cmpsd" };
        return cmp[in->pfx];
    }
    case 0xc3: return in->pfx == PFX_NONE ? "movnti" : NULL;
    case 0xc4: return in->pfx <= PFX_66 ? "pinsrw" : NULL;
    case 0xc5: return in->pfx <= PFX_66 && !mem ? "pextrw" : NULL;
    case 0xc6: return in->pfx == PFX_NONE ? "shufps" : in->pfx == PFX_66 ? "shufpd" : NULL;
    case 0xc7:
        if (mem) {
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
    default: return NULL;
    }
}

const char *insn_mnemonic(const struct insn *in)
{
    const char *name;
    switch (in->map) {
    case MAP_1BYTE: return one_byte_name(in);
    case MAP_0F: return two_byte_name(in);
    case MAP_0F38:
        name = sse_0f38[in->op].n[in->pfx];
        /* CRC32 takes F2 with or without 66; MOVBE takes NP/66 but memory only. */
        if ((in->op == 0xf0 || in->op == 0xf1) && in->pfx != PFX_F2 && in->mod == 3)
            return NULL;
        if (in->op == 0x2a && in->mod == 3)
            return NULL;                                 /* movntdqa m128 */
        if (in->op >= 0x80 && in->op <= 0x82 && in->mod == 3)
            return NULL;                                 /* invept/invvpid/invpcid m128 */
        return name;
    case MAP_0F3A:
        name = sse_0f3a[in->op].n[in->pfx];
        if ((in->op == 0x16 || in->op == 0x22) && name && (in->rex & 8))
            return in->op == 0x16 ? "pextrq" : "pinsrq";
        return name;
    default: return NULL;
    }
}
