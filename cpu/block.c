/* block.c — building the fast engine's decoded blocks (block.h). */
#include "block.h"
#include "opcode_table.h"
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct block_cache *block_cache_new(void)
{
    return calloc(1, sizeof(struct block_cache));
}

void block_cache_free(struct block_cache *bc)
{
    if (!bc)
        return;
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

struct block *block_build(struct block_cache *bc, struct block *slot, const uint8_t *page, uint64_t pa,
                          uint32_t gen)
{
    if (!bc->arena && !(bc->arena = calloc(BLOCK_ARENA_INSNS, sizeof *bc->arena)))
        return NULL;
    if (BLOCK_ARENA_INSNS - bc->used < BLOCK_MAX_INSNS) {
        memset(bc->table, 0, sizeof bc->table);
        bc->used = 0;
        bc->flushes++;
    }
    struct insn *out = bc->arena + bc->used;
    unsigned off = (unsigned)(pa & 0xfff), n = 0;
    while (n < BLOCK_MAX_INSNS && off < 0x1000) {
        struct insn *in = &out[n];
        if (decode(page + off, 0x1000 - off, in) != DECODE_OK)
            break;
        exec_fn fast = opcode_variant(in);
        if (fast)
            in->exec = fast;
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
    slot->n = n;
    slot->insn = out;
    return slot;
}
