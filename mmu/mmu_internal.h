/* mmu_internal.h — the inside of the MMU, for the files of mmu/ and cpu/ only.
 *
 * cpu/ needs it for its memory fast path (tlb_fast: one set index, up to
 * TLB_WAYS compares, one bit test, inline in every load and store) and for
 * the run loop's reuse of the current code page (mmu_tlb_gen,
 * mmu_count_tlb_hit).  Everybody else holds a `struct mmu *` and uses the
 * queries of mmu.h; tests/sh/test_mmu_private.sh fails the build's tests
 * when a file outside mmu/ and cpu/ (or tests/test_mmu.c) includes this. */
#ifndef RINGSCOPE_MMU_INTERNAL_H
#define RINGSCOPE_MMU_INTERNAL_H
#include "mmu.h"

/* translate.c: a recent successful walk that ended in a 2 MiB page, kept
 * so a TLB miss in that page can skip the walk when the walk provably
 * would give the same result and change nothing (see translate.c). */
struct walk_memo {
    bool valid;
    uint64_t va_2m;                    /* va >> 21 */
    uint64_t cr0, cr3, cr4, efer;      /* the controls the walk ran under */
    uint64_t entry_addr[3], entry[3];  /* PML4E, PDPTE, PDE after the walk's A/D updates */
    uint64_t page_pa;                  /* physical address of the 2 MiB page */
    bool user, writable, nx, global;   /* the walk's effective rights */
};
#define WALK_MEMO_SLOTS 16

struct mmu {
    uint8_t *ram;
    uint64_t ram_size;
    struct bus *bus;
    uint64_t cr0, cr3, cr4, efer;
    struct tlb_entry tlb[TLB_SETS][TLB_WAYS];
    uint8_t tlb_next_victim[TLB_SETS];
    struct tlb_stats stats;
    /* Frames holding decoded instructions: a write to one must invalidate
     * the CPU's decoded-instruction cache (self-modifying code, program
     * loading).  TLB entries never allow fast writes to such a frame. */
    uint8_t *code_frame;                         /* one byte per RAM frame */
    void (*on_code_write)(void *ctx, uint64_t pfn);
    void *code_ctx;
    const struct mmu_observer *observer;         /* NULL: no tracing */
    /* tlb.c: access_allow_mask() remembered by the six inputs it depends
     * on (allow_memo_key); bit k of allow_memo_known: allow_memo[k] is set. */
    uint32_t allow_memo[64];
    uint64_t allow_memo_known;
    /* Bumped by tlb.c whenever an entry is filled, dropped or loses rights:
     * while it is unchanged, a translation once found in the TLB would be
     * found again the same (the CPU's fetch relies on it, cpu/run.c). */
    uint64_t tlb_gen;
    /* Written 1 with every change of tlb_gen when set (the CPU's fast
     * engine leaves its block then, cpu/run.c); NULL: nobody asked. */
    uint8_t *tlb_changed;
    struct walk_memo walk_memo[WALK_MEMO_SLOTS];
};

/* A TLB entry changed: bump tlb_gen and raise the CPU's flag. */
static inline void mmu_tlb_changed(struct mmu *m)
{
    m->tlb_gen++;
    if (m->tlb_changed)
        *m->tlb_changed = 1;
}

/* The CPU's decoded-instruction cache: called with the frame number when a
 * write reaches a frame marked by mmu_mark_code (the mark is then gone). */
void mmu_set_code_write_handler(struct mmu *m, void (*on_code_write)(void *ctx, uint64_t pfn), void *ctx);

/* The byte to set to 1 whenever a TLB entry changes (see tlb_changed). */
static inline void mmu_set_tlb_changed_flag(struct mmu *m, uint8_t *flag)
{
    m->tlb_changed = flag;
}

/* Mark a frame as holding decoded instructions (called by the CPU's
 * decoded-instruction cache); later writes to it call on_code_write. */
void mmu_mark_code(struct mmu *m, uint64_t pfn);

static inline bool mmu_is_code_frame(const struct mmu *m, uint64_t pfn)
{
    return pfn < (m->ram_size >> 12) && m->code_frame[pfn];
}

/* The physical address of a host pointer into RAM (one the TLB or
 * mmu_translate gave). */
static inline uint64_t mmu_host_to_pa(const struct mmu *m, const uint8_t *host)
{
    return (uint64_t)(host - m->ram);
}

/* Changes whenever any TLB entry changes (see tlb_gen above). */
static inline uint64_t mmu_tlb_gen(const struct mmu *m)
{
    return m->tlb_gen;
}

/* A TLB hit the CPU found without asking (its remembered code page, which
 * holds only while mmu_tlb_gen is unchanged): counted like any other. */
static inline void mmu_count_tlb_hit(struct mmu *m)
{
    m->stats.hits++;
}

/* n such hits at once. */
static inline void mmu_count_tlb_hits(struct mmu *m, uint64_t n)
{
    m->stats.hits += n;
}

#include "tlb_fast.h"
#endif
