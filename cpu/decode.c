/* decode.c — the x86-64 instruction decoder (64-bit mode): bytes in,
 * `struct insn` out.  Table-driven: the format and the handler of each
 * opcode slot come from the opcode table (opcodes.def, expanded into
 * opcode_format[][] and opcode_handler[][] by opcode_table.c); this file
 * walks the encoding of SDM Vol. 2 §2.1-2.2: legacy prefixes, REX, opcode
 * (1-, 2- or 3-byte map), ModRM, SIB, displacement, immediate. */
#include "decode.h"

#include "exec.h"
#include "opcode_table.h"

/* SDM Vol. 2 §2.3.11: an instruction longer than 15 bytes raises #GP(0). */
#define MAX_INSN_LEN 15

/* Reads the next byte, or leaves decode() with TOO_LONG (the 16th byte
 * would be needed) or SHORT (the caller must supply more bytes). */
#define NEXT_BYTE(dst)                                     \
    do {                                                   \
        if (pos >= MAX_INSN_LEN)                           \
            return DECODE_TOO_LONG;                        \
        if (pos >= avail)                                  \
            return DECODE_SHORT;                           \
        (dst) = bytes[pos++];                              \
    } while (0)

/* Little-endian field of n bytes at bytes[pos], with the same limits. */
static inline int take_field(const uint8_t *bytes, size_t avail, size_t *pos, unsigned n,
                             uint64_t *value)
{
    if (*pos + n > MAX_INSN_LEN)
        return DECODE_TOO_LONG;
    if (*pos + n > avail)
        return DECODE_SHORT;
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v |= (uint64_t)bytes[*pos + i] << (8 * i);
    *pos += n;
    *value = v;
    return DECODE_OK;
}

static inline int64_t sign_extend(uint64_t v, unsigned bytes)
{
    unsigned shift = 64 - 8 * bytes;
    return bytes >= 8 ? (int64_t)v : (int64_t)(v << shift) >> shift;
}

/* LOCK (SDM LOCK—Assert LOCK# Signal Prefix) is allowed only on these
 * read-modify-write instructions with a memory destination; elsewhere #UD. */
static int lock_allowed(unsigned map, unsigned op, unsigned reg)
{
    if (map == MAP_1BYTE) {
        if (op < 0x38 && (op & 7) < 2)
            return 1;                      /* ADD OR ADC SBB AND SUB XOR Eb/Ev,G (not CMP) */
        switch (op) {
        case 0x80: case 0x81: case 0x83: return reg != 7;     /* group 1 except CMP */
        case 0x86: case 0x87: return 1;                       /* XCHG */
        case 0xf6: case 0xf7: return reg == 2 || reg == 3;    /* NOT NEG */
        case 0xfe: case 0xff: return reg <= 1;                /* INC DEC */
        default: return 0;
        }
    }
    if (map != MAP_0F)
        return 0;
    switch (op) {
    case 0xab: case 0xb3: case 0xbb: return 1;                /* BTS BTR BTC */
    case 0xba: return reg >= 5;                               /* BTS BTR BTC Ev, Ib */
    case 0xb0: case 0xb1: case 0xc0: case 0xc1: return 1;    /* CMPXCHG XADD */
    case 0xc7: return reg == 1;                               /* CMPXCHG8B/16B */
    default: return 0;
    }
}

int decode(const uint8_t *bytes, size_t avail, struct insn *out)
{
    size_t pos = 0;
    uint8_t b, rex = 0, rep = 0, has66 = 0, has67 = 0, lock = 0, seg = SEG_NONE;

    /* Legacy prefixes in any order and number (SDM §2.1.1), then REX, which
     * counts only when it is the last byte before the opcode (§2.2.1). */
    for (;;) {
        NEXT_BYTE(b);
        switch (b) {
        case 0x66: has66 = 1; rex = 0; continue;
        case 0x67: has67 = 1; rex = 0; continue;
        case 0xf0: lock = 1; rex = 0; continue;
        case 0xf2: case 0xf3: rep = b; rex = 0; continue;
        /* ES/CS/SS/DS overrides are ignored in 64-bit mode (SDM Vol. 1 §3.3.7.1). */
        case 0x26: case 0x2e: case 0x36: case 0x3e: rex = 0; continue;
        case 0x64: seg = SEG_FS; rex = 0; continue;
        case 0x65: seg = SEG_GS; rex = 0; continue;
        default: break;
        }
        if ((b & 0xf0) == 0x40) {
            rex = b;
            continue;
        }
        break;
    }

    unsigned map = MAP_1BYTE;
    uint8_t vex = 0, vvvv = 0, vex_l = 0;
    if (b == 0xc4 || b == 0xc5) {
        /* VEX (SDM Vol. 2 §2.3): in 64-bit mode C4/C5 always begin a VEX
         * prefix (LES/LDS do not exist).  66, F2, F3, LOCK or REX before it
         * are #UD (§2.3.2); R, X, B and vvvv are stored inverted.
         *   C5 [R vvvv L pp]                   map 0F, W = 0, X = B = 0
         *   C4 [R X B mmmmm] [W vvvv L pp]     map by mmmmm
         * pp is the implied mandatory prefix: none, 66, F3, F2. */
        if (has66 || rep || lock || rex)
            return DECODE_INVALID;
        uint8_t p1, p2, mmmmm = 1;
        NEXT_BYTE(p1);
        if (b == 0xc4) {
            NEXT_BYTE(p2);
            mmmmm = p1 & 0x1f;
            rex = (uint8_t)(0x40 | (p2 & 0x80) >> 4 | (~p1 & 0xe0) >> 5);
        } else {
            p2 = p1;
            rex = (uint8_t)(0x40 | (~p1 & 0x80) >> 5);
        }
        if (mmmmm < 1 || mmmmm > 3)
            return DECODE_INVALID;          /* reserved maps: #UD */
        vex = b == 0xc4 ? 3 : 2;
        vvvv = (uint8_t)((~p2 >> 3) & 15);
        vex_l = (p2 >> 2) & 1;
        switch (p2 & 3) {
        case 1: has66 = 1; break;
        case 2: rep = 0xf3; break;
        case 3: rep = 0xf2; break;
        default: break;
        }
        map = MAP_VEX0F + mmmmm - 1u;
        NEXT_BYTE(b);
        if (!opcode_handler[map][b])
            return DECODE_INVALID;          /* a VEX form ringscope does not implement (AVX…): #UD */
        if ((opcode_format[map][b] & F_VEX_L0) && vex_l)
            return DECODE_INVALID;          /* scalar VEX forms: VEX.L = 1 is #UD */
    } else if (b == 0x0f) {
        NEXT_BYTE(b);
        map = MAP_0F;
        if (b == 0x38 || b == 0x3a) {
            map = b == 0x38 ? MAP_0F38 : MAP_0F3A;
            NEXT_BYTE(b);
        }
    }
    uint16_t fmt = opcode_format[map][b];
    if (fmt & F_INVALID)
        return DECODE_INVALID;

    out->map = (uint8_t)map;
    out->op = b;
    out->rex = rex;
    out->vex = vex;
    out->vvvv = vvvv;
    out->vex_l = vex_l;
    out->rep = rep;
    out->has66 = has66;
    out->lock = lock;
    out->seg = seg;
    out->pfx = rep == 0xf3 ? PFX_F3 : rep == 0xf2 ? PFX_F2 : has66 ? PFX_66 : PFX_NONE;
    out->addrsize = has67 ? 4 : 8;
    out->disp = 0;
    out->imm = 0;
    out->imm2 = 0;
    out->immsize = 0;
    out->dispsize = 0;
    out->has_modrm = 0;
    out->mod = 0;
    out->reg = 0;
    out->rm = 0;
    out->base = REG_NONE;
    out->index = REG_NONE;
    out->scale = 0;
    out->rip_rel = 0;

    /* Operand size (SDM Vol. 1 §3.6.1 and Table A-1 d64/f64 superscripts). */
    unsigned rex_w = rex & 8, opsize;
    if (fmt & F_BYTE)
        opsize = 1;
    else if (fmt & F_F64)
        opsize = 8;
    else if (fmt & F_NO64)
        opsize = has66 ? 2 : 4;            /* IN/OUT/INS/OUTS: REX.W ignored */
    else if (rex_w)
        opsize = 8;
    else if (has66 && !((fmt & F_SSE) && out->pfx == PFX_66))
        opsize = 2;
    else
        opsize = (fmt & F_D64) ? 8 : 4;

    if (fmt & F_PLUSR)
        out->reg = (b & 7) | (rex & 1) << 3;

    if (fmt & F_MODRM) {
        uint8_t modrm;
        NEXT_BYTE(modrm);
        unsigned mod = modrm >> 6, reg = (modrm >> 3) & 7, rm = modrm & 7;
        if (fmt & F_REGONLY)
            mod = 3;                       /* MOV CR/DR: mod ignored (SDM MOV—Move to/from Control Registers) */
        out->has_modrm = 1;
        out->mod = (uint8_t)mod;
        out->reg = (uint8_t)(reg | (rex & 4) << 1);
        out->rm = (uint8_t)(rm | (rex & 1) << 3);
        if (mod == 3 && (fmt & F_MEMONLY))
            return DECODE_INVALID;
        if (map == MAP_1BYTE && b == 0xff) {
            /* Group 5: CALL/JMP near are f64, PUSH is d64 (Table A-6). */
            if (reg == 2 || reg == 4)
                opsize = 8;
            else if (reg == 6 && opsize == 4)
                opsize = 8;
        }
        out->opsize = (uint8_t)opsize;
        if (fmt & F_CHECK) {
            if (!insn_mnemonic(out))
                return DECODE_INVALID;
            if (map == MAP_1BYTE && (b == 0x8c || b == 0x8e))
                out->reg = (uint8_t)reg;   /* MOV Sreg: REX.R is ignored (6 segment registers) */
        }
        if (lock && (mod == 3 || !lock_allowed(map, b, reg)))
            return DECODE_INVALID;

        if (mod != 3) {
            uint64_t disp = 0;
            unsigned dispsize = mod == 1 ? 1 : mod == 2 ? 4 : 0;
            if (rm == 4) {
                /* SIB (SDM Table 2-3).  Index 100b without REX.X means none. */
                uint8_t sib;
                NEXT_BYTE(sib);
                unsigned base = sib & 7, index = ((sib >> 3) & 7) | (rex & 2) << 2;
                out->scale = sib >> 6;
                if (index != 4)
                    out->index = (uint8_t)index;
                if (base == 5 && mod == 0)
                    dispsize = 4;          /* no base: [index*s + disp32] */
                else
                    out->base = (uint8_t)(base | (rex & 1) << 3);
            } else if (rm == 5 && mod == 0) {
                out->rip_rel = 1;          /* [RIP + disp32] (SDM §2.2.1.6) */
                dispsize = 4;
            } else {
                out->base = out->rm;
            }
            if (dispsize) {
                int rc = take_field(bytes, avail, &pos, dispsize, &disp);
                if (rc)
                    return rc;
                out->disp = sign_extend(disp, dispsize);
                out->dispsize = (uint8_t)dispsize;
            }
        }
    } else {
        out->opsize = (uint8_t)opsize;
        if (lock)
            return DECODE_INVALID;
        if (fmt & F_CHECK) {               /* EMMS: only without prefix */
            if (!insn_mnemonic(out))
                return DECODE_INVALID;
        }
    }

    /* Immediates (SDM Appendix A.2.2 operand codes Ib/Iw/Iz/Iv, moffs). */
    unsigned immsize = 0;
    int sign = 1;
    switch (FMT_IMM_KIND(fmt)) {
    case IMM_NONE: break;
    case IMM_B: immsize = 1; break;
    case IMM_W: immsize = 2; sign = 0; break;
    case IMM_Z: immsize = opsize == 2 ? 2 : 4; break;
    case IMM_V: immsize = opsize; sign = opsize != 8; break;
    case IMM_GRP3:
        if ((out->reg & 7) < 2)
            immsize = opsize == 1 ? 1 : opsize == 2 ? 2 : 4;
        break;
    case IMM_MOFFS: {
        /* The moffs is the memory operand's address: disp with no base. */
        uint64_t moffs;
        int rc = take_field(bytes, avail, &pos, out->addrsize, &moffs);
        if (rc)
            return rc;
        out->disp = (int64_t)moffs;
        out->dispsize = out->addrsize;
        break;
    }
    case IMM_ENTER: {
        uint64_t size, level;
        int rc = take_field(bytes, avail, &pos, 2, &size);
        if (!rc)
            rc = take_field(bytes, avail, &pos, 1, &level);
        if (rc)
            return rc;
        out->imm = size;
        out->imm2 = (uint16_t)level;
        out->immsize = 3;
        break;
    }
    }
    if (immsize) {
        uint64_t imm;
        int rc = take_field(bytes, avail, &pos, immsize, &imm);
        if (rc)
            return rc;
        out->imm = sign ? (uint64_t)sign_extend(imm, immsize) : imm;
        out->immsize = (uint8_t)immsize;
    }

    out->len = (uint8_t)pos;
    exec_fn fn = opcode_handler[map][b];
    out->exec = fn ? fn : exec_ud;
    return DECODE_OK;
}
