/* block.c — building the fast engine's decoded blocks (block.h). */
#include "block.h"
#include "exec.h"
#include "opcode_table.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(BLOCK_MAX_INSNS <= 256, "struct insn's since_sync is a byte");
_Static_assert(BLOCK_MAX_INSNS <= UINT16_MAX, "struct block's n");

struct block_cache *block_cache_new(bool translate)
{
    struct block_cache *bc = calloc(1, sizeof(struct block_cache));
    if (bc)
        bc->translate = translate;
    return bc;
}

void block_cache_free(struct block_cache *bc)
{
    if (!bc)
        return;
    jit_free(bc->jit);
    free(bc->arena);
    free(bc);
}

/* An instruction after which the next one in memory can only run by a
 * jump to it: decoding further would only fill the block with what is
 * probably padding or another function.  (A block stays correct without
 * this: run.c leaves a block whenever RIP is not the next instruction.) */
static bool ends_block(const struct insn *in)
{
    if (in->map == MAP_1BYTE) {
        switch (in->op) {
        case 0xc2: case 0xc3: case 0xca: case 0xcb: /* ret, retf */
        case 0xcc: case 0xcd: case 0xcf:            /* int3, int n, iretq */
        case 0xe8: case 0xe9: case 0xeb:            /* call, jmp rel */
        case 0xf4:                                  /* hlt */
            return true;
        case 0xff: /* FF /2 /3 call, /4 /5 jmp indirect */
            return in->reg >= 2 && in->reg <= 5;
        default:
            return false;
        }
    }
    if (in->map == MAP_0F)
        return in->op == 0x05 || in->op == 0x07 || in->op == 0x0b; /* syscall, sysret, ud2 */
    return false;
}

void block_translate(struct block_cache *bc, struct block *b)
{
    if (!bc->jit && !(bc->jit = jit_new())) {
        bc->translate = false; /* no executable memory: blocks run interpreted */
        return;
    }
    b->code = jit_translate(bc->jit, bc, b);
}

static bool plain_op(const struct insn *in);

/* BLOCK_INSN_PLAIN: the integer forms that can only read and write
 * registers and flags.  Register operands only (mod 11b), or none; LOCK
 * makes any of them #UD, so none with it. */
static bool plain_insn(const struct insn *in)
{
    if (in->lock || in->exec == exec_ud)
        return false;
    return plain_op(in);
}

/* BLOCK_INSN_MEM: the instructions plain_op() names with a memory operand
 * (their handlers touch memory only through mem_read/mem_write and the
 * stack accessors), MOV r/m, imm, and PUSH/POP of a register. */
static bool mem_insn(const struct insn *in)
{
    if (in->lock || in->exec == exec_ud || !in->has_modrm || in->mod == 3 || in->rip_rel) {
        if (in->lock || in->exec == exec_ud || in->map != MAP_1BYTE || in->has_modrm)
            return false;
        return in->op >= 0x50 && in->op <= 0x5f; /* PUSH r, POP r */
    }
    if (in->map == MAP_1BYTE && (in->op == 0xc6 || in->op == 0xc7)) /* MOV r/m, imm */
        return (in->reg & 7) == 0;
    if (in->map == MAP_1BYTE && in->op == 0x8d)
        return false; /* LEA: plain */
    if (in->map == MAP_0F && in->op == 0x1f)
        return false; /* NOP: plain */
    struct insn as_reg = *in;
    as_reg.mod = 3;
    return plain_op(&as_reg);
}

static bool plain_op(const struct insn *in)
{
    const uint8_t op = in->op;
    if (in->map == MAP_1BYTE) {
        if (op < 0x40) { /* ADD OR ADC SBB AND SUB XOR CMP: r/m forms 0-3, accumulator forms 4-5 */
            unsigned k = op & 7;
            return (k <= 3 && in->mod == 3) || k == 4 || k == 5;
        }
        switch (op) {
        case 0x63:                         /* MOVSXD */
        case 0x69: case 0x6b:              /* IMUL r, r/m, imm */
        case 0x80: case 0x81: case 0x83:   /* group 1 */
        case 0x84: case 0x85:              /* TEST */
        case 0x86: case 0x87:              /* XCHG */
        case 0x88: case 0x89: case 0x8a: case 0x8b: /* MOV */
            return in->mod == 3;
        case 0x8d: /* LEA computes an address and reads no memory; RIP-relative reads next RIP */
            return in->mod != 3 && !in->rip_rel;
        case 0x90: /* NOP / XCHG r8, rAX; F3 90 is PAUSE */
            return !in->rep;
        case 0x91: case 0x92: case 0x93: case 0x94: case 0x95: case 0x96: case 0x97: /* XCHG */
        case 0x98: case 0x99:              /* CBW family, CWD family */
        case 0xa8: case 0xa9:              /* TEST rAX, imm */
            return true;
        case 0xc0: case 0xc1: case 0xd0: case 0xd1: case 0xd2: case 0xd3: /* group 2 but /6 */
            return in->mod == 3 && (in->reg & 7) != 6;
        case 0xf6: case 0xf7: /* group 3: TEST NOT NEG MUL IMUL (DIV and IDIV can #DE) */
            return in->mod == 3 && (in->reg & 7) != 1 && (in->reg & 7) < 6;
        case 0xfe: case 0xff: /* INC, DEC */
            return in->mod == 3 && (in->reg & 7) <= 1;
        default:
            return op >= 0xb0 && op <= 0xbf; /* MOV r, imm */
        }
    }
    if (in->map == MAP_0F) {
        if ((op >= 0x40 && op <= 0x4f) || (op >= 0x90 && op <= 0x9f)) /* CMOVcc, SETcc */
            return in->mod == 3;
        switch (op) {
        case 0x1f: /* NOP r/m: reads no memory */
            return true;
        case 0xa3: case 0xab: case 0xb3: case 0xbb: /* BT BTS BTR BTC r/m, r */
        case 0xa4: case 0xa5: case 0xac: case 0xad: /* SHLD, SHRD */
        case 0xaf:                                  /* IMUL r, r/m */
        case 0xb6: case 0xb7: case 0xbe: case 0xbf: /* MOVZX, MOVSX */
            return in->mod == 3 && !in->rep;
        case 0xba: /* group 8: BT BTS BTR BTC r/m, imm */
            return in->mod == 3 && (in->reg & 7) >= 4;
        default:
            return false;
        }
    }
    return false;
}

/* BLOCK_INSN_NEAR_JCC: Jcc rel8/rel32 whose target (off: the instruction's
 * offset in its page) lies in the same page. */
static bool near_jcc(const struct insn *in, unsigned off)
{
    if (in->lock || !((in->map == MAP_1BYTE && in->op >= 0x70 && in->op <= 0x7f) ||
                      (in->map == MAP_0F && in->op >= 0x80 && in->op <= 0x8f)))
        return false;
    int64_t target = (int64_t)off + in->len + (int64_t)in->imm;
    return target >= 0 && target < 0x1000;
}

struct block *block_build(struct block_cache *bc, struct block *slot, const uint8_t *page, uint64_t pa,
                          uint32_t gen)
{
    if (!bc->arena && !(bc->arena = calloc(BLOCK_ARENA_INSNS, sizeof *bc->arena)))
        return NULL;
    /* Full: forget every block and its translation at once. */
    if (BLOCK_ARENA_INSNS - bc->used < BLOCK_MAX_INSNS || (bc->jit && bc->jit->full)) {
        memset(bc->table, 0, sizeof bc->table);
        bc->used = 0;
        bc->flushes++;
        if (bc->jit)
            jit_reset(bc->jit);
    }
    struct insn *out = bc->arena + bc->used;
    unsigned off = (unsigned)(pa & 0xfff), n = 0, last_sync = 0;
    while (n < BLOCK_MAX_INSNS && off < 0x1000) {
        struct insn *in = &out[n];
        if (decode(page + off, 0x1000 - off, in) != DECODE_OK)
            break;
        exec_fn fast = opcode_variant(in);
        if (fast)
            in->exec = fast;
        in->engine = plain_insn(in) ? BLOCK_INSN_PLAIN : near_jcc(in, off) ? BLOCK_INSN_NEAR_JCC
                   : mem_insn(in) ? BLOCK_INSN_MEM : 0;
        in->since_sync = (uint8_t)(n - last_sync);
        in->exit_behind = in->engine ? in->since_sync : 0;
        if (!in->engine)
            last_sync = n;
        in->block_off = (uint16_t)(off - (pa & 0xfff));
        in->block_last = 0;
        n++;
        off += in->len;
        if (ends_block(in))
            break;
    }
    bc->decoded += n;
    if (!n)
        return NULL;
    bc->used += n;
    bc->builds++;
    slot->pa = pa;
    slot->gen = gen;
    slot->n = (uint16_t)n;
    slot->insn = out;
    slot->code = NULL;
    slot->runs = 0;
    if (out[n - 1].engine == BLOCK_INSN_PLAIN)
        out[n - 1].engine = out[n - 1].exit_behind = 0;
    out[n - 1].block_last = 1;
    return slot;
}
