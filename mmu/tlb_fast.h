/* tlb_fast.h — the inline TLB lookup on the CPU's memory fast path.
 * Included by mmu_internal.h only. */
#ifndef RINGSCOPE_TLB_FAST_H
#define RINGSCOPE_TLB_FAST_H

/* Inline fast path: the host pointer for va if the TLB already permits
 * `access` on that page without a walk, else NULL (then call
 * mmu_translate).
 *
 * e->allow has bit `access` set (access is a combination of ACC_* < 32)
 * when that exact kind of access is permitted on the page without a walk:
 * permission bits, CR0.WP/SMEP/SMAP and the Dirty bit are folded in when
 * the entry is filled.  With an observer attached every access takes the
 * slow path so hits are reported too. */
static inline uint8_t *tlb_fast_peek(struct mmu *m, uint64_t va, unsigned access);

static inline uint8_t *tlb_fast(struct mmu *m, uint64_t va, unsigned access)
{
    uint8_t *p = tlb_fast_peek(m, va, access);
    if (p)
        mmu_count_tlb_hit(m);
    return p;
}

/* tlb_fast() without counting the hit: for a caller that counts it only
 * once it has decided to use the translation (cpu/run.c). */
static inline uint8_t *tlb_fast_peek(struct mmu *m, uint64_t va, unsigned access)
{
    uint64_t vpn = va >> 12;
    struct tlb_entry *e = m->tlb[vpn & (TLB_SETS - 1)];
    /* A page has at most one entry (tlb_fill reuses an entry of the same
     * page), so find the way by page number alone, then check it. */
    _Static_assert(TLB_WAYS == 4, "the way search below is unrolled for 4 ways");
    if (e[0].vpn != vpn) {
        if (e[1].vpn == vpn)
            e += 1;
        else if (e[2].vpn == vpn)
            e += 2;
        else if (e[3].vpn == vpn)
            e += 3;
        else
            return NULL;
    }
    if (((e->allow >> access) & 1u) && e->host)
        return e->host + (va & 0xfff);
    return NULL;
}

#endif
