/* dcache.h — the decoded-instruction cache: each instruction is decoded once
 * and found again by the guest-physical address of its first byte.
 *
 * Direct-mapped; an entry is valid while its frame's generation number is
 * unchanged.  A write to a frame that holds decoded code (the MMU reports it
 * through on_code_write) bumps the generation, so self-modifying code and
 * program loading re-decode.  Instructions that cross a page boundary are
 * never cached (they depend on two frames). */
#ifndef RINGSCOPE_DCACHE_H
#define RINGSCOPE_DCACHE_H
#include <stdint.h>
#include "decode.h"

#define DCACHE_BITS 16

struct dcache_entry {
    uint64_t pa;     /* physical address of the first byte; ~0 when empty */
    uint32_t gen;    /* frame generation when decoded */
    struct insn insn;
};

struct dcache {
    struct dcache_entry entry[1u << DCACHE_BITS];
    uint32_t *frame_gen;   /* one per RAM frame */
    uint64_t nframes;
    uint64_t hits, misses, invalidations;
    /* The TLB entry (tlb_entry_at) that translated the last fetch: checked
     * again first while RIP stays in that page.  Any index is safe: the
     * entry is re-checked on every use. */
    unsigned code_tlb_slot;
};

struct dcache *dcache_new(uint64_t ram_size);
void dcache_free(struct dcache *dc);
/* The MMU's on_code_write callback: forget every instruction of frame pfn. */
void dcache_invalidate_frame(void *dc, uint64_t pfn);

static inline struct dcache_entry *dcache_slot(struct dcache *dc, uint64_t pa)
{
    return &dc->entry[(pa ^ (pa >> DCACHE_BITS)) & ((1u << DCACHE_BITS) - 1)];
}

#endif
