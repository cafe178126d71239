/* translate.c — one linear address, one access: mmu_translate.
 *
 * Owns the order of events of a translation: the canonical check (a
 * non-canonical address is #GP(0) before paging is consulted), identity
 * when CR0.PG = 0, the TLB lookup, and on a miss the walk, the TLB fill and
 * the code-frame notification for writes.  A #PF also drops the TLB entries
 * of the faulting page (SDM Vol. 3A §4.10.4.1). */
#include "mmu_private.h"

static void result(const struct mmu *m, uint64_t pfn, uint64_t va, uint64_t *pa, uint8_t **host)
{
    uint8_t *frame = ram_frame(m, pfn);
    *pa = (pfn << 12) | (va & 0xfff);
    *host = frame ? frame + (va & 0xfff) : NULL;
}

bool mmu_translate(struct mmu *m, uint64_t va, unsigned access, uint64_t *pa, uint8_t **host,
                   struct mmu_fault *fault)
{
    if (!va_canonical(va)) {
        m->stats.faults++;
        *fault = (struct mmu_fault){ .vector = 13, .error = 0, .addr = va };
        return false;
    }
    if (!(m->cr0 & CR0_PG)) {
        *pa = va;
        *host = va < m->ram_size ? m->ram + va : NULL;
        return true;
    }

    uint64_t vpn = va >> 12;
    const struct tlb_entry *e = tlb_lookup(m, vpn);
    if (e && ((e->allow >> (access & 31)) & 1u)) {
        m->stats.hits++;
        observe_tlb(m, TLB_HIT, va, e);
        result(m, e->pfn, va, pa, host);
        return true;
    }
    m->stats.misses++;
    observe_tlb(m, TLB_MISS, va, e);

    struct page_walk w;
    struct translation t;
    m->stats.walks++;
    bool ok = page_walk(m, va, access, WALK_TRANSLATE, &w, &t);
    if (m->observer && m->observer->walk)
        m->observer->walk(m->observer->ctx, &w);
    if (!ok) {
        m->stats.faults++;
        tlb_drop_page(m, va);
        *fault = w.fault;
        return false;
    }
    if (access & ACC_WRITE)
        phys_note_write(m, t.pa >> 12);
    e = tlb_fill(m, vpn, &t);
    result(m, e->pfn, va, pa, host);
    return true;
}
