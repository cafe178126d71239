/* peek.c — looking at address spaces without touching them: mmu_peek (one
 * address, any CR3), mmu_visit (every mapping of an address space, like
 * QEMU's `info tab`) and mmu_probe (the current CR3, as a walk event).
 *
 * They read paging entries with the walk's own rules (walk.c: open bus
 * outside RAM, reserved bits under the current EFER.NXE, PS only in a PDPTE
 * or PDE) and never write: no Accessed/Dirty bit, no TLB change, no
 * counter, no observer event, no device access. */
#include <string.h>
#include "mmu_private.h"

/* The page's entry in the current TLB, if any (whatever rights it allows). */
static const struct tlb_entry *tlb_holds(const struct mmu *m, uint64_t va)
{
    uint64_t vpn = va >> 12;
    const struct tlb_entry *set = m->tlb[vpn & (TLB_SETS - 1)];
    for (int w = 0; w < TLB_WAYS; w++)
        if (set[w].vpn == vpn)
            return &set[w];
    return NULL;
}

bool mmu_peek(const struct mmu *m, uint64_t cr3, uint64_t va, struct mmu_peek *out)
{
    memset(out, 0, sizeof *out);
    out->va = va;
    out->cr3 = cr3;
    if (!va_canonical(va)) {
        out->result = PEEK_NON_CANONICAL;
        out->fault = (struct mmu_fault){.vector = 13, .error = 0, .addr = va};
        return false;
    }
    if (!(m->cr0 & CR0_PG)) {
        out->result = PEEK_PAGING_OFF;
        out->ok = true;
        out->pa = va;
        out->user = out->writable = true;
        return true;
    }
    if (cr3 == m->cr3) {
        const struct tlb_entry *e = tlb_holds(m, va);
        if (e) {
            out->in_tlb = true;
            out->tlb_pa = (e->pfn << 12) | (va & 0xfff);
        }
    }
    struct page_walk w;
    struct translation t;
    bool ok = walk_tables(m, cr3, va, 0, &w, &t);
    out->levels = w.levels;
    memcpy(out->entry_addr, w.entry_addr, sizeof out->entry_addr);
    memcpy(out->entry, w.entry, sizeof out->entry);
    if (!ok) {
        out->result = (w.fault.error & PF_RSVD) ? PEEK_RESERVED : PEEK_NOT_PRESENT;
        out->fault = w.fault;
        return false;
    }
    uint64_t leaf = w.entry[w.levels - 1];
    out->result = PEEK_MAPPED;
    out->ok = true;
    out->pa = t.pa;
    out->page_size = 1ull << (12 + 9 * (t.level - 1));
    out->user = t.user;
    out->writable = t.writable;
    out->nx = t.nx;
    out->global = t.global;
    out->dirty = t.dirty;
    out->accessed = leaf & PTE_A;
    return true;
}

/* mmu_peek_pa when the TLB does not hold the page: the walk. */
static __attribute__((noinline)) bool walked_pa(const struct mmu *m, uint64_t cr3, uint64_t va, uint64_t *pa)
{
    if (!va_canonical(va))
        return false;
    struct page_walk w;
    struct translation t;
    if (!walk_tables(m, cr3, va, 0, &w, &t))
        return false;
    *pa = t.pa;
    return true;
}

/* mmu_peek_pa, inline in both callers (a tracer asks for every
 * instruction, and nearly always the TLB answers). */
static inline bool current_pa(const struct mmu *m, uint64_t cr3, uint64_t va, uint64_t *pa)
{
    if (!(m->cr0 & CR0_PG)) {
        *pa = va;
        return true;
    }
    const struct tlb_entry *e = cr3 == m->cr3 ? tlb_holds(m, va) : NULL;
    if (e) {
        *pa = (e->pfn << 12) | (va & 0xfff);
        return true;
    }
    return walked_pa(m, cr3, va, pa);
}

bool mmu_peek_pa(const struct mmu *m, uint64_t cr3, uint64_t va, uint64_t *pa)
{
    return current_pa(m, cr3, va, pa);
}

bool mmu_peek_read(const struct mmu *m, uint64_t cr3, uint64_t va, void *dst, size_t len, uint64_t *pa)
{
    if (len > 0x1000 - (va & 0xfff) || !current_pa(m, cr3, va, pa))
        return false;
    if (*pa >= m->ram_size || m->ram_size - *pa < len)
        return false;
    if (len == 16)
        memcpy(dst, m->ram + *pa, 16); /* an instruction's bytes: one load, no call */
    else
        memcpy(dst, m->ram + *pa, len);
    return true;
}

bool mmu_probe(const struct mmu *m, uint64_t va, struct page_walk *out)
{
    if (!va_canonical(va)) {
        memset(out, 0, sizeof *out);
        out->va = va;
        out->fault = (struct mmu_fault){.vector = 13, .error = 0, .addr = va};
        return false;
    }
    if (!(m->cr0 & CR0_PG)) {
        memset(out, 0, sizeof *out);
        out->va = va;
        out->ok = true;
        out->pa = va;
        return true;
    }
    struct translation t;
    return walk_tables(m, m->cr3, va, 0, out, &t);
}

/* ---- mmu_visit ------------------------------------------------------------ */

/* Paging entries are guest data: a table that points back at itself would
 * otherwise make the visit astronomically long. */
#define VISIT_BUDGET (1u << 22)

struct visit {
    const struct mmu *m;
    uint64_t lo, hi;
    unsigned what;
    bool (*fn)(void *ctx, const struct mmu_mapping *map);
    void *ctx;
    uint64_t budget;
};

/* Canonical form of a 48-bit linear address (SDM Vol. 1 §3.3.7.1). */
static uint64_t canonical(uint64_t va) { return (uint64_t)((int64_t)(va << 16) >> 16); }

/* The table at `table` of level 4 (PML4) .. 1 (PT), mapping from `base`
 * (not yet canonical), reached with the rights combined so far. */
static bool visit_table(struct visit *v, uint64_t table, int level, uint64_t base, bool user,
                        bool writable, bool xd)
{
    const struct mmu *m = v->m;
    if (table >= m->ram_size || m->ram_size - table < 0x1000)
        return true; /* open bus: every entry reads all-ones, reserved bits set */
    if (v->what & MMU_VISIT_TABLES) {
        struct mmu_mapping t = {.kind = MMU_VISIT_TABLE, .level = level, .size = 0x1000, .pa = table};
        if (!v->fn(v->ctx, &t))
            return false;
    }
    int depth = 4 - level;
    uint64_t span = 1ull << (12 + 9 * (level - 1));
    for (unsigned i = 0; i < 512; i++) {
        uint64_t va = canonical(base + i * span);
        if (va + span <= v->lo || va >= v->hi)
            continue;
        if (v->budget == 0)
            return false;
        v->budget--;
        uint64_t addr = table + i * 8, e = phys_read_entry(m, addr);
        if (!(e & PTE_P) || entry_reserved_bits(m, depth, e))
            continue;
        bool u = user && (e & PTE_U), w = writable && (e & PTE_W), x = xd || (e & PTE_NX);
        if (level == 1 || ((level == 2 || level == 3) && (e & PTE_PS))) {
            if (!(v->what & MMU_VISIT_PAGES))
                continue;
            struct mmu_mapping p = {
                .kind = MMU_VISIT_PAGE, .level = level, .va = va, .size = span,
                .pa = e & PHYS_ADDR_MASK & ~(span - 1), .entry = e, .entry_addr = addr,
                .user = u, .writable = w, .nx = x && (m->efer & EFER_NXE),
                .global = (e & PTE_G) && (m->cr4 & CR4_PGE),
            };
            if (!v->fn(v->ctx, &p))
                return false;
        } else if (!visit_table(v, e & PHYS_ADDR_MASK, level - 1, base + i * span, u, w, x)) {
            return false;
        }
    }
    return true;
}

bool mmu_visit(const struct mmu *m, uint64_t cr3, uint64_t lo, uint64_t hi, unsigned what,
               bool (*fn)(void *ctx, const struct mmu_mapping *map), void *ctx)
{
    struct visit v = {m, lo, hi, what, fn, ctx, VISIT_BUDGET};
    return visit_table(&v, cr3 & PHYS_ADDR_MASK, 4, 0, true, true, false);
}
