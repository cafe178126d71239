/* state.c — the MMU's part of a machine snapshot (mmu.h: mmu_save,
 * mmu_restore): the paging controls, every TLB entry with the round-robin
 * victim choice, and the counters, so a restored machine translates, misses
 * and counts exactly as the original did from that point on.  Host
 * pointers are never saved: a restored entry's frame pointer is computed
 * again from its frame number. */
#include <string.h>
#include "mmu_private.h"

struct saved_tlb_entry {
    uint64_t vpn, pfn;
    uint32_t allow;
    uint8_t flags, level;
};

struct mmu_state {
    uint64_t cr0, cr3, cr4, efer;
    struct saved_tlb_entry tlb[TLB_SETS][TLB_WAYS];
    uint8_t tlb_next_victim[TLB_SETS];
    struct tlb_stats stats;
};

size_t mmu_state_size(void) { return sizeof(struct mmu_state); }

void mmu_save(const struct mmu *m, void *block)
{
    struct mmu_state *s = block;
    memset(s, 0, sizeof *s);
    s->cr0 = m->cr0, s->cr3 = m->cr3, s->cr4 = m->cr4, s->efer = m->efer;
    for (int set = 0; set < TLB_SETS; set++)
        for (int way = 0; way < TLB_WAYS; way++) {
            const struct tlb_entry *e = &m->tlb[set][way];
            s->tlb[set][way] = (struct saved_tlb_entry){
                .vpn = e->vpn, .pfn = e->pfn, .allow = e->allow, .flags = e->flags, .level = e->level};
        }
    memcpy(s->tlb_next_victim, m->tlb_next_victim, sizeof s->tlb_next_victim);
    s->stats = m->stats;
}

void mmu_restore(struct mmu *m, const void *block)
{
    const struct mmu_state *s = block;
    /* The controls as they were, without the flush a CR write implies: the
     * TLB is restored whole below. */
    m->cr0 = s->cr0, m->cr3 = s->cr3, m->cr4 = s->cr4, m->efer = s->efer;
    for (int set = 0; set < TLB_SETS; set++)
        for (int way = 0; way < TLB_WAYS; way++) {
            const struct saved_tlb_entry *p = &s->tlb[set][way];
            m->tlb[set][way] = (struct tlb_entry){
                .vpn = p->vpn, .pfn = p->pfn, .allow = p->allow, .flags = p->flags, .level = p->level,
                .host = p->vpn != TLB_INVALID ? ram_frame(m, p->pfn) : NULL};
        }
    memcpy(m->tlb_next_victim, s->tlb_next_victim, sizeof m->tlb_next_victim);
    m->stats = s->stats;
    m->tlb_gen++; /* translations the CPU remembers from before are void */
    /* Frames that hold decoded code now must not be writable through the
     * fast path, whatever the entry allowed when it was saved:
     * mmu_mark_code takes that right away again. */
    for (int set = 0; set < TLB_SETS; set++)
        for (int way = 0; way < TLB_WAYS; way++) {
            const struct tlb_entry *e = &m->tlb[set][way];
            if (e->vpn != TLB_INVALID && e->host && mmu_is_code_frame(m, e->pfn))
                mmu_mark_code(m, e->pfn);
        }
}
