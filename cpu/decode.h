/* decode.h — decoding x86-64 machine code into `struct insn`.
 *
 * The decoder is pure: bytes in, a decoded instruction (or an error) out.
 * It knows the *format* of every encoding (prefixes, REX, opcode maps,
 * ModRM/SIB, displacement and immediate sizes) — SDM Vol. 2 §2.1-2.2 and
 * Appendix A — but not what instructions do; execution handlers are looked
 * up in the opcode table (opcodes.def) by opcode. */
#ifndef RINGSCOPE_DECODE_H
#define RINGSCOPE_DECODE_H
#include <stddef.h>
#include <stdint.h>

struct cpu;
struct insn;
typedef void (*exec_fn)(struct cpu *cpu, const struct insn *in);

/* Opcode maps: the legacy ones, and the maps a VEX prefix selects with its
 * mmmmm field (SDM Vol. 2 §2.3.6.1: 1 = 0F, 2 = 0F 38, 3 = 0F 3A), kept
 * apart because a VEX opcode is a different instruction from the legacy
 * one with the same bytes (VEX 0F 38 F2 is ANDN). */
enum {
    MAP_1BYTE = 0, MAP_0F = 1, MAP_0F38 = 2, MAP_0F3A = 3,
    MAP_VEX0F = 4, MAP_VEX0F38 = 5, MAP_VEX0F3A = 6,
    MAP_COUNT = 7,
};

/* Segment registers in their x86 encoding order (SDM Table 3-?: Sreg). */
enum { SEG_ES = 0, SEG_CS = 1, SEG_SS = 2, SEG_DS = 3, SEG_FS = 4, SEG_GS = 5, SEG_NONE = 7 };

/* The last of F2/F3 seen (they select REP/REPNE for string instructions and
 * the mandatory prefix for SSE), and whether 66 was present. */
enum { PFX_NONE = 0, PFX_66 = 1, PFX_F3 = 2, PFX_F2 = 3 };

#define REG_NONE 0xff

struct insn {
    exec_fn exec;      /* handler from the opcode table (never NULL: #UD handler) */
    int64_t disp;      /* displacement, sign-extended */
    uint64_t imm;      /* first immediate, sign-extended to 64 bits as the encoding says (Ib/Iz are sign-extended; Iw for RET/ENTER and imm64 are raw) */
    uint16_t imm2;     /* ENTER's second immediate (Ib) — stored zero-extended */
    uint8_t len;       /* total length in bytes, 1..15 */
    uint8_t map;       /* MAP_* */
    uint8_t op;        /* opcode byte within the map */
    uint8_t has_modrm;
    uint8_t mod;       /* ModRM.mod (0..3) */
    uint8_t reg;       /* ModRM.reg | REX.R<<3 (0..15), or opcode low 3 bits | REX.B<<3 for +r forms */
    uint8_t rm;        /* ModRM.rm | REX.B<<3 when mod==3 (register operand) */
    uint8_t base;      /* memory operand base register (0..15) or REG_NONE */
    uint8_t index;     /* memory operand index register (0..15) or REG_NONE */
    uint8_t scale;     /* index scale as a shift count 0..3 */
    uint8_t rip_rel;   /* memory operand is RIP-relative (disp added to next RIP) */
    uint8_t opsize;    /* effective operand size in bytes: 1 (byte ops), 2, 4 or 8 */
    uint8_t addrsize;  /* effective address size in bytes: 4 (67 prefix) or 8 */
    uint8_t seg;       /* segment override (SEG_*) or SEG_NONE */
    uint8_t pfx;       /* PFX_*: mandatory/REP prefix (last F2/F3 wins, else 66) */
    uint8_t has66;     /* a 66 prefix was present */
    uint8_t rep;       /* 0, 0xF3 or 0xF2: last REP-class prefix seen */
    uint8_t lock;      /* F0 present */
    uint8_t rex;       /* the REX byte (0x40..0x4F) or 0 if none */
    uint8_t immsize;   /* bytes of immediate(s) in the encoding */
    uint8_t vex;       /* 0, or 2/3: the instruction has a 2-byte (C5) or 3-byte (C4) VEX prefix */
    uint8_t vvvv;      /* VEX.vvvv un-inverted: the extra register operand (0..15); 0 without VEX */
    uint8_t vex_l;     /* VEX.L: vector length 256 (1) or 128/scalar (0) */
    uint8_t dispsize;  /* bytes of displacement in the encoding */
    /* Set by block_build only, for run_blocks (cpu/block.h): */
    uint8_t engine;    /* BLOCK_INSN_* */
    uint8_t since_sync;  /* instructions since the block's state was last written (block.h) */
    uint8_t exit_behind; /* the same after it ran: 0 for an instruction that writes it */
    uint8_t block_last;  /* the last instruction of its block */
    uint16_t block_off;  /* bytes from the block's first instruction */
};

/* decode() results. */
enum {
    DECODE_OK = 0,
    DECODE_SHORT = -1,   /* more bytes needed than were available */
    DECODE_TOO_LONG = -2,/* longer than 15 bytes: #GP(0) (SDM §2.3.11) */
    DECODE_INVALID = -3, /* no such encoding: #UD */
};

/* Decode one instruction from `bytes` (up to `avail` readable bytes) in
 * 64-bit mode.  Fills *out (including out->exec from the opcode table) and
 * returns DECODE_OK, or one of the errors above.  Pure and reentrant. */
int decode(const uint8_t *bytes, size_t avail, struct insn *out);

/* The Intel mnemonic (lowercase) of a decoded instruction: group opcodes
 * resolved by ModRM.reg, SSE forms by the mandatory prefix, size-named forms
 * (cwde, movsq, iretq...) by operand size.  NULL for a form that does not
 * exist (decode() never returns such a form; it consults these name tables
 * to validate group, SSE and x87 forms).  For tests and the debugger's
 * fallback. */
const char *insn_mnemonic(const struct insn *in);

#endif
