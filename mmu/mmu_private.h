/* mmu_private.h — what the MMU's own files share and nobody else sees:
 * the result of a page walk, the walk itself (walk.c), the TLB operations
 * (tlb.c) and the physical-memory helpers the walk uses (phys.c). */
#ifndef RINGSCOPE_MMU_PRIVATE_H
#define RINGSCOPE_MMU_PRIVATE_H
#include "mmu_internal.h"

/* The frame-address bits of a paging entry the modelled part can emit. */
#define PHYS_ADDR_MASK (PTE_ADDR_MASK & ((1ull << MMU_MAXPHYADDR) - 1))

/* The `allow` bits of every ACC_* combination that contains ACC_WRITE
 * (bit 1 of the combination): 2,3, 6,7, 10,11, ... = 0b1100 per nibble. */
#define ALLOW_WRITE_COMBOS 0xCCCCCCCCu

/* A successful walk: where the address goes and the effective rights, which
 * combine the entries of every level (SDM Vol. 3A §4.6.1: U and W are
 * ANDed, XD is ORed). */
struct translation {
    uint64_t pa;
    uint8_t level;      /* 1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB page */
    bool user;          /* U=1 at every level: a user-mode page */
    bool writable;      /* R/W=1 at every level */
    bool nx;            /* XD=1 at some level and EFER.NXE=1 */
    bool global;        /* G=1 in the final entry and CR4.PGE=1 */
    bool dirty;         /* D of the final entry after this walk */
};

/* The walk of a translation: the 4-level tables rooted at m->cr3 for va
 * (canonical, paging on), the access check, and A/D bits set in guest
 * memory when it succeeds.  Fills *w with every entry read; on success
 * fills *t and returns true, else w->fault holds the #PF. */
bool page_walk(struct mmu *m, uint64_t va, unsigned access, struct page_walk *w, struct translation *t);
/* The side-effect-free part of it, from any cr3: reads the entries and
 * checks presence and reserved bits (access only shapes the #PF error
 * code); t->dirty is the final entry's D as found. */
bool walk_tables(const struct mmu *m, uint64_t cr3, uint64_t va, unsigned access,
                 struct page_walk *w, struct translation *t);
/* The reserved bits set in entry e at depth 0 = PML4E, 1 = PDPTE, 2 = PDE,
 * 3 = PTE under the current EFER.NXE (0: none, the entry is usable). */
uint64_t entry_reserved_bits(const struct mmu *m, int depth, uint64_t e);
/* Bit `a` set for every ACC_* combination a < 32 that t's rights permit
 * under the current CR0.WP / CR4.SMEP / CR4.SMAP / EFER.NXE. */
uint32_t access_allow_mask(const struct mmu *m, const struct translation *t);

/* Paging-structure entries live in RAM: an entry address outside RAM reads
 * as open bus (all-ones), never reaching a device. */
uint64_t phys_read_entry(const struct mmu *m, uint64_t pa);
void phys_write_entry(struct mmu *m, uint64_t pa, uint64_t value);
/* A write reached RAM frame pfn: if it holds decoded code, clear the mark
 * and tell the CPU (on_code_write). */
void phys_note_write(struct mmu *m, uint64_t pfn);

static inline uint64_t mmu_frames(const struct mmu *m)
{
    return m->ram_size >> 12;
}

static inline uint8_t *ram_frame(const struct mmu *m, uint64_t pfn)
{
    return pfn < mmu_frames(m) ? m->ram + (pfn << 12) : NULL;
}

/* TLB (tlb.c). */
struct tlb_entry *tlb_lookup(struct mmu *m, uint64_t vpn);
const struct tlb_entry *tlb_fill(struct mmu *m, uint64_t vpn, const struct translation *t);
/* Drop the entries of the page containing va (INVLPG, and a #PF: SDM Vol.
 * 3A §4.10.4.1), every 4 KiB piece of a large page. */
void tlb_drop_page(struct mmu *m, uint64_t va);
/* access_allow_mask() for t under the current controls, memoised. */
uint32_t tlb_allow_mask(struct mmu *m, const struct translation *t);
/* Take write permission away from every entry that maps frame pfn. */
void tlb_revoke_writes(struct mmu *m, uint64_t pfn);

static inline void observe_tlb(const struct mmu *m, enum tlb_event_kind kind, uint64_t va,
                               const struct tlb_entry *e, enum tlb_flush_cause cause)
{
    if (m->observer && m->observer->tlb)
        m->observer->tlb(m->observer->ctx, kind, va, e, cause);
}

#endif
