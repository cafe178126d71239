/* opcode_table.h — the tables opcode_table.c expands from the one opcode
 * table, opcodes.def: each slot's *format* (does a ModRM byte follow, which
 * immediate, which operand-size rule), one 16-bit word per (map, opcode) in
 * opcode_format[][] for the decoder; its handler (opcode_handler[][]); its
 * specialised variants (opcode_variant); its mnemonic (insn_mnemonic,
 * decode.h).  The format flags follow the opcode maps of SDM Vol. 2
 * Appendix A (A.3) and the superscripts there: d64/f64 (Table A-1),
 * "i64"/"o64" invalid slots. */
#ifndef RINGSCOPE_OPCODE_TABLE_H
#define RINGSCOPE_OPCODE_TABLE_H
#include <stdint.h>
#include "decode.h"

enum opcode_format_flag {
    F_MODRM = 1u << 0,    /* a ModRM byte follows the opcode */
    F_BYTE = 1u << 1,     /* byte operation: operand size 1 */
    F_D64 = 1u << 2,      /* d64: defaults to 64-bit operand size; 66 selects 16 */
    F_F64 = 1u << 3,      /* f64: operand size forced to 64 bits, 66 ignored (Intel) */
    F_INVALID = 1u << 4,  /* no such instruction in 64-bit mode: #UD */
    F_CHECK = 1u << 5,    /* validity depends on ModRM/prefix: valid iff insn_mnemonic() names it */
    F_REGONLY = 1u << 6,  /* MOV CR/DR: ModRM.mod is ignored and read as 11b (no SIB/disp) */
    F_PLUSR = 1u << 7,    /* register number in the opcode's low 3 bits (+ REX.B) */
    F_MEMONLY = 1u << 8,  /* the r/m operand must be memory (mod != 11b), else #UD */
    F_SSE = 1u << 9,      /* 66 may be a mandatory prefix: it does not change the operand size */
    F_NO64 = 1u << 10,    /* IN/OUT/INS/OUTS: at most 32-bit, REX.W ignored */
    F_VEX_L0 = 1u << 11,  /* VEX maps: VEX.L must be 0 (scalar and LZ forms), else #UD */
    F_IMM_SHIFT = 12,     /* bits 12..15: enum imm_kind */
};

enum imm_kind {
    IMM_NONE = 0,
    IMM_B,     /* Ib / Jb: one byte, sign-extended */
    IMM_W,     /* Iw: two bytes, zero-extended (RET/RETF imm16) */
    IMM_Z,     /* Iz / Jz: 2 bytes at operand size 16, else 4, sign-extended */
    IMM_V,     /* MOV r, imm (B8+r): 2, 4, or 8 bytes with REX.W */
    IMM_MOFFS, /* MOV A0-A3: an address of address size (8, or 4 with 67) */
    IMM_ENTER, /* ENTER Iw, Ib */
    IMM_GRP3,  /* F6/F7: Ib/Iz only for /0 and /1 (TEST) */
};

#define FMT_IMM(k) ((uint16_t)((k) << F_IMM_SHIFT))
#define FMT_IMM_KIND(f) ((f) >> F_IMM_SHIFT)

extern const uint16_t opcode_format[MAP_COUNT][256];

/* The handler of each slot; NULL where opcodes.def has no row (decode()
 * then installs exec_ud in the legacy maps, and rejects the encoding in
 * the VEX maps: a VEX form without a row is #UD). */
extern const exec_fn opcode_handler[MAP_COUNT][256];

/* A handler variant for a decoded instruction (see opcodes.def, column
 * "variants"), or NULL when its generic handler is the one to run. */
exec_fn opcode_variant(const struct insn *in);

#endif
