/* dcache.h — the decoded-instruction cache: each instruction is decoded once
 * and found again by the guest-physical address of its first byte.
 *
 * Direct-mapped; an entry is valid while its frame's generation number is
 * unchanged.  An empty (zeroed) entry reads pa 0, generation 0: frame 0's
 * generation starts at 1 and no generation wraps back to 0, so it never
 * matches.  A write to a frame that holds decoded code (the MMU reports it
 * through on_code_write) bumps the generation, so self-modifying code and
 * program loading re-decode.  Instructions that cross a page boundary are
 * never cached (they depend on two frames). */
#ifndef RINGSCOPE_DCACHE_H
#define RINGSCOPE_DCACHE_H
#include <stdint.h>
#include <stdbool.h>
#include "block.h"
#include "decode.h"

#define DCACHE_BITS 16
#define CODE_PAGE_NONE (~0ull)

struct dcache_entry {
    uint64_t pa;     /* physical address of the first byte */
    uint32_t gen;    /* frame generation when decoded; 0 when empty */
    struct insn insn;
};

struct dcache {
    struct dcache_entry entry[1u << DCACHE_BITS];
    uint32_t *frame_gen;   /* one per RAM frame */
    uint64_t nframes;
    uint64_t hits, misses, invalidations;
    /* The code page of the last fetch, as the TLB translated it: valid
     * while mmu_tlb_gen() == tlb_gen (no TLB entry changed since) and the
     * CPL is the same, so the fetch of the next instruction in that page
     * needs no TLB lookup.  tlb_gen == CODE_PAGE_NONE: nothing cached. */
    struct code_page {
        uint64_t va;              /* linear address of the page */
        uint64_t pa;              /* its physical address */
        const uint8_t *host;      /* its host address */
        const uint32_t *frame_gen;/* &frame_gen[pa >> 12] */
        uint32_t slot_key;        /* dcache_page_key(pa) */
        uint64_t tlb_gen;
        uint8_t cpl;
    } code;
    /* The fast engine's blocks (block.h), used when nothing watches
     * instructions or memory; plain: the environment asked for the plain
     * interpreter (RINGSCOPE_ENGINE=interp) even then. */
    struct block_cache *blocks;
    bool plain;
    uint8_t *block_break;  /* &cpu->block_break: set 1 by an invalidation */
};

struct dcache *dcache_new(uint64_t ram_size);
void dcache_free(struct dcache *dc);
/* The MMU's on_code_write callback: forget every instruction of frame pfn. */
void dcache_invalidate_frame(void *dc, uint64_t pfn);

static inline struct dcache_entry *dcache_slot(struct dcache *dc, uint64_t pa)
{
    return &dc->entry[(pa ^ (pa >> DCACHE_BITS)) & ((1u << DCACHE_BITS) - 1)];
}

/* The same slot computed from a page's part and the offset in the page:
 * for pa = page + offset (page 4 KiB-aligned, offset < 4096) the bits of
 * page and offset do not overlap and pa >> DCACHE_BITS == page >> DCACHE_BITS,
 * so the index is page_key(page) ^ offset. */
_Static_assert(DCACHE_BITS >= 12, "an offset within a page must fit in the index");
static inline uint32_t dcache_page_key(uint64_t page)
{
    return (uint32_t)((page ^ (page >> DCACHE_BITS)) & ((1u << DCACHE_BITS) - 1));
}

static inline struct dcache_entry *dcache_slot_in_page(struct dcache *dc, uint32_t page_key,
                                                       uint64_t offset)
{
    return &dc->entry[page_key ^ (uint32_t)offset];
}

#endif
