/* translate.c — one linear address, one access: mmu_translate.
 *
 * Owns the order of events of a translation: the canonical check (a
 * non-canonical address is #GP(0) before paging is consulted), identity
 * when CR0.PG = 0, the TLB lookup, and on a miss the walk, the TLB fill and
 * the code-frame notification for writes.  A #PF also drops the TLB entries
 * of the faulting page (SDM Vol. 3A §4.10.4.1).
 *
 * The walk memo.  The TLB caches a 2 MiB page per 4 KiB piece, so a program
 * that wanders over large pages misses often, and each miss walks again
 * through the same three entries.  page_walk() is a function of CR0, CR3,
 * CR4, EFER, the entries it reads and the access; it writes only A bits
 * that are clear and a D bit that is clear on a write.  So when the
 * PML4E, PDPTE and PDE of a 2 MiB page still hold exactly what an earlier
 * successful walk left in them (A set in each), under the same controls,
 * and the access is allowed (and is no write to a page whose D is clear),
 * walking again would read the same, allow the same and change nothing:
 * the memo gives its result.  Each miss is still counted as a miss and a
 * walk; with an observer attached every walk is done and reported. */
#include "mmu_private.h"

static void result(const struct mmu *m, uint64_t pfn, uint64_t va, uint64_t *pa, uint8_t **host)
{
    uint8_t *frame = ram_frame(m, pfn);
    *pa = (pfn << 12) | (va & 0xfff);
    *host = frame ? frame + (va & 0xfff) : NULL;
}

static struct walk_memo *walk_memo_slot(struct mmu *m, uint64_t va)
{
    return &m->walk_memo[(va >> 21) % WALK_MEMO_SLOTS];
}

static bool walk_memo_translate(struct mmu *m, uint64_t va, unsigned access, struct translation *t)
{
    const struct walk_memo *w = walk_memo_slot(m, va);
    if (!w->valid || w->va_2m != va >> 21 || w->cr3 != m->cr3 || w->cr0 != m->cr0 ||
        w->cr4 != m->cr4 || w->efer != m->efer)
        return false;
    for (int i = 0; i < 3; i++)
        if (phys_read_entry(m, w->entry_addr[i]) != w->entry[i])
            return false;
    if ((access & ACC_WRITE) && !(w->entry[2] & PTE_D))
        return false; /* the walk would set D */
    *t = (struct translation){
        .pa = w->page_pa | (va & 0x1fffff),
        .level = 2,
        .user = w->user,
        .writable = w->writable,
        .nx = w->nx,
        .global = w->global,
        .dirty = (w->entry[2] & PTE_D) != 0,
    };
    return (tlb_allow_mask(m, t) >> (access & 31)) & 1u; /* else the walk faults */
}

static void walk_memo_remember(struct mmu *m, uint64_t va, const struct page_walk *pw,
                               const struct translation *t)
{
    if (t->level != 2)
        return;
    struct walk_memo *w = walk_memo_slot(m, va);
    w->valid = true;
    w->va_2m = va >> 21;
    w->cr0 = m->cr0, w->cr3 = m->cr3, w->cr4 = m->cr4, w->efer = m->efer;
    for (int i = 0; i < 3; i++) {
        w->entry_addr[i] = pw->entry_addr[i];
        w->entry[i] = pw->entry[i];
    }
    w->page_pa = t->pa & ~0x1fffffull;
    w->user = t->user, w->writable = t->writable, w->nx = t->nx, w->global = t->global;
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
        observe_tlb(m, TLB_HIT, va, e, TLB_CAUSE_NONE);
        result(m, e->pfn, va, pa, host);
        return true;
    }
    m->stats.misses++;
    observe_tlb(m, TLB_MISS, va, e, TLB_CAUSE_NONE);

    struct translation t;
    m->stats.walks++;
    if (m->observer || !walk_memo_translate(m, va, access, &t)) {
        struct page_walk w;
        bool ok = page_walk(m, va, access, &w, &t);
        if (m->observer && m->observer->walk)
            m->observer->walk(m->observer->ctx, &w);
        if (!ok) {
            m->stats.faults++;
            tlb_drop_page(m, va);
            *fault = w.fault;
            return false;
        }
        walk_memo_remember(m, va, &w, &t);
    }
    if (access & ACC_WRITE)
        phys_note_write(m, t.pa >> 12);
    e = tlb_fill(m, vpn, &t);
    result(m, e->pfn, va, pa, host);
    return true;
}
