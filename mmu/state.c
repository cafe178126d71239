/* state.c — the MMU's part of a machine snapshot (mmu.h: mmu_save,
 * mmu_restore): the paging controls, every TLB entry with the round-robin
 * victim choice, the counters and the code-frame marks (one bit a frame),
 * so a restored machine translates, misses and counts exactly as the
 * original did from that point on.  Host pointers are never saved: a
 * restored entry's frame pointer is computed again from its frame number.
 *
 * Why the marks: a TLB entry never allows a fast write to a marked frame,
 * so whether a write hits or walks depends on them.  The saved entries
 * agree with the saved marks; marks set since (code decoded later) are
 * cleared again, telling the CPU to forget that frame's decoded code, just
 * as a write to it would; marks cleared since are set again (a mark on a
 * frame without decoded code is harmless: the next write clears it). */
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
    uint64_t code_bits[];           /* bit pfn: frame pfn held decoded code */
};

static uint64_t mark_words(const struct mmu *m) { return (mmu_frames(m) + 63) / 64; }

size_t mmu_state_size(const struct mmu *m)
{
    return sizeof(struct mmu_state) + mark_words(m) * sizeof(uint64_t);
}

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
    memset(s->code_bits, 0, mark_words(m) * sizeof(uint64_t));
    uint64_t frames = mmu_frames(m);
    for (uint64_t pfn = 0; pfn < frames; pfn++) {
        if ((pfn & 7) == 0 && frames - pfn >= 8) { /* eight unmarked frames at once, the common case */
            uint64_t eight;
            memcpy(&eight, m->code_frame + pfn, 8);
            if (!eight) {
                pfn += 7;
                continue;
            }
        }
        if (m->code_frame[pfn])
            s->code_bits[pfn / 64] |= 1ull << (pfn % 64);
    }
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
    mmu_tlb_changed(m); /* translations the CPU remembers from before are void */
    uint64_t frames = mmu_frames(m);
    for (uint64_t pfn = 0; pfn < frames; pfn++) {
        bool was = (s->code_bits[pfn / 64] >> (pfn % 64)) & 1;
        if (!was && (pfn & 63) == 0 && frames - pfn >= 64 && !s->code_bits[pfn / 64]) {
            uint64_t any = 0, eight;
            for (int k = 0; k < 64; k += 8) {
                memcpy(&eight, m->code_frame + pfn + k, 8);
                any |= eight;
            }
            if (!any) { /* 64 frames unmarked then and now */
                pfn += 63;
                continue;
            }
        }
        if (was)
            m->code_frame[pfn] = 1;
        else if (m->code_frame[pfn])
            phys_note_write(m, pfn); /* clears the mark, the CPU forgets the frame's code */
    }
}
