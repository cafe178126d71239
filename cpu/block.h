/* block.h — the fast engine's decoded blocks: straight-line runs of
 * instructions decoded once, found by the guest-physical address of their
 * first byte, and executed back to back by run.c without a per-instruction
 * lookup.
 *
 * A block holds the instructions that follow one another in one 4 KiB
 * frame from its start, up to BLOCK_MAX_INSNS, the end of the frame (an
 * instruction that would cross it is left out), an undecodable encoding
 * or an unconditional transfer (jmp, call, ret, int, syscall...).  A
 * conditional branch does not end it: execution simply leaves the block
 * when RIP is not the next instruction's address.  Like the per-instruction
 * cache (dcache.h) a block is valid while its frame's generation is the
 * one it was decoded at, so self-modifying code and reloaded pages are
 * decoded afresh.
 *
 * Storage: a direct-mapped table of block headers and one arena of
 * decoded instructions, both allocated zeroed (untouched pages cost
 * nothing); when the arena is full every block is forgotten at once. */
#ifndef RINGSCOPE_BLOCK_H
#define RINGSCOPE_BLOCK_H
#include <stdbool.h>
#include <stdint.h>
#include "decode.h"
#include "jit.h"

#define BLOCK_BITS 12
#define BLOCK_MAX_INSNS 32
#define BLOCK_ARENA_INSNS (1u << 16)

struct block {
    uint64_t pa;              /* first byte; an empty header reads pa 0, gen 0 */
    uint32_t gen;             /* the frame's generation when decoded */
    uint16_t n;               /* instructions, 1..BLOCK_MAX_INSNS */
    uint16_t runs;            /* times entered untranslated, up to JIT_HOT */
    const struct insn *insn;  /* n decoded instructions in the arena */
    jit_fn code;              /* its translation (jit.h), or NULL; other
                               * translations jump in at code + jit->chain_offset */
};
_Static_assert(sizeof(struct block) == 32, "a header is half a cache line (the table is touched at start-up)");

struct block_cache {
    struct block table[1u << BLOCK_BITS];
    struct insn *arena;       /* BLOCK_ARENA_INSNS, allocated on the first build */
    uint32_t used;
    uint64_t builds, flushes, decoded;
    bool translate;           /* hot blocks are translated (jit.h) */
    struct jit *jit;          /* the translating tier, made at the first translation */
};

/* struct insn's `engine` byte in a block: what run_blocks may leave out
 * around the handler (0: nothing, the instruction runs with RIP, next RIP,
 * icount and the MMU's counters current and the exit word tested after).
 * BLOCK_INSN_PLAIN: it reads and writes only general registers and flags
 * and cannot fault (register operands, no LOCK, no #DE): it reads no RIP or
 * icount, touches no memory (so no TLB change) and changes no exit word.
 * BLOCK_INSN_NEAR_JCC: a Jcc whose target is in the same page, so it
 * cannot fault (#GP for a non-canonical target, SDM Vol. 2 "Jcc"); it reads
 * and may change next RIP only. */
/* BLOCK_INSN_MEM: the same instructions with a memory operand (not
 * RIP-relative), and PUSH/POP of a register: they may fault, walk or reach
 * the bus, but only through the memory slow paths and cpu_fault(), which
 * write RIP, icount and the fetch hits first (cpu_block_sync, mem.h); they
 * read no RIP and may change the exit word (a TLB fill). */
/* The block's last instruction is never BLOCK_INSN_PLAIN (one would run
 * as 0): the loop looks for the end (block_last) only after the others. */
enum { BLOCK_INSN_PLAIN = 1, BLOCK_INSN_NEAR_JCC = 2, BLOCK_INSN_MEM = 3 };

/* translate: give hot blocks to the translating tier (when the host
 * allows executable memory). */
struct block_cache *block_cache_new(bool translate);
void block_cache_free(struct block_cache *bc);

static inline struct block *block_slot(struct block_cache *bc, uint64_t pa)
{
    return &bc->table[(uint32_t)((pa * 0x9e3779b97f4a7c15ull) >> (64 - BLOCK_BITS))];
}

/* Decode the block that starts at pa (page: the host address of its
 * frame) into *slot, tagged with generation gen.  Returns slot, or NULL
 * when not even the first instruction decodes within the frame (it
 * crosses into the next page, or is invalid): the caller takes the
 * interpreter's path for it.  Sets *decoded to the instructions decoded. */
struct block *block_build(struct block_cache *bc, struct block *slot, const uint8_t *page, uint64_t pa,
                          uint32_t gen);

/* For a translation that leaves its block for `rip` with the chain's
 * engine word unchanged (run.c): when run_blocks would go on into a
 * translated block there — its start translated by the TLB without a
 * walk, the block built for the frame's generation, and a whole block
 * before `limit` — the fetch is done as the loop would do it (the hit
 * counted, the code page remembered) and that block's chain entry
 * returned; else NULL, with nothing changed.  A chain crossing into
 * another page is the chain the loop would start there: with the word
 * unchanged no boundary event is pending and the limit is the same. */
const void *run_chain_target(struct cpu *cpu, uint64_t rip, uint64_t limit);

/* Translate b (on its JIT_HOT'th run), making the translating tier on
 * first use; b->code stays NULL when it cannot. */
void block_translate(struct block_cache *bc, struct block *b);

#endif
