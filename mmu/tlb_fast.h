/* tlb_fast.h — the inline TLB lookup on the CPU's memory fast path.
 * Included by mmu.h only. */
#ifndef RINGSCOPE_TLB_FAST_H
#define RINGSCOPE_TLB_FAST_H

/* e->allow has bit `access` set (access is a combination of ACC_* < 32)
 * when that exact kind of access is permitted on the page without a walk:
 * permission bits, CR0.WP/SMEP/SMAP and the Dirty bit are folded in when
 * the entry is filled.  With an observer attached every access takes the
 * slow path so hits are reported too. */
static inline uint8_t *tlb_fast(struct mmu *m, uint64_t va, unsigned access)
{
    uint64_t vpn = va >> 12;
    struct tlb_entry *set = m->tlb[vpn & (TLB_SETS - 1)];
    for (int w = 0; w < TLB_WAYS; w++) {
        if (set[w].vpn == vpn && ((set[w].allow >> access) & 1u) && set[w].host) {
            m->stats.hits++;
            return set[w].host + (va & 0xfff);
        }
    }
    return NULL;
}

/* The same lookup, also telling which entry hit (*slot: its index in
 * m->tlb viewed as one array), so a caller can re-check that one entry
 * next time (tlb_entry_at) while it keeps accessing the same page. */
static inline uint8_t *tlb_fast_slot(struct mmu *m, uint64_t va, unsigned access, unsigned *slot)
{
    uint64_t vpn = va >> 12;
    unsigned set_index = (unsigned)(vpn & (TLB_SETS - 1));
    struct tlb_entry *set = m->tlb[set_index];
    for (int w = 0; w < TLB_WAYS; w++) {
        if (set[w].vpn == vpn && ((set[w].allow >> access) & 1u) && set[w].host) {
            m->stats.hits++;
            *slot = set_index * TLB_WAYS + (unsigned)w;
            return set[w].host + (va & 0xfff);
        }
    }
    return NULL;
}

/* Entry number `slot` (< TLB_SETS * TLB_WAYS) of m->tlb. */
static inline const struct tlb_entry *tlb_entry_at(const struct mmu *m, unsigned slot)
{
    return &m->tlb[0][0] + slot;
}
#endif
