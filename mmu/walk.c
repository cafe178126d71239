/* walk.c — the 4-level page walk and the access-rights rules.
 *
 * Owns: the walk PML4 -> PDPT -> PD -> PT from CR3 (SDM Vol. 3A §4.5.4,
 * Figure 4-8/4-9/4-10 for 4 KiB, 2 MiB and 1 GiB pages), the reserved-bit
 * checks (Tables 4-14..4-20), the rights of §4.6 (U/S, R/W, XD, CR0.WP,
 * CR4.SMEP, CR4.SMAP with RFLAGS.AC), the #PF error code (§4.7) and the
 * Accessed/Dirty updates (§4.8).  The side-effect-free queries built on
 * the walk (mmu_peek, mmu_visit) live in peek.c.
 *
 * Side effects happen only for a translation that succeeds: the walk first
 * reads every entry and checks the access, then sets A in each entry used
 * and D in the final entry of a write.  (Whether a faulting walk sets A in
 * the upper levels is model-specific on real parts; this model never does,
 * so a fault leaves guest memory untouched.) */
#include <string.h>
#include "mmu_private.h"

/* Bits 51:MAXPHYADDR of any entry: an address the part cannot emit. */
#define RSVD_ABOVE_MAXPHYADDR (((1ull << 52) - 1) & ~((1ull << MMU_MAXPHYADDR) - 1))
/* Large-page address bits below the page boundary, except bit 12 (PAT):
 * 1 GiB page (PDPTE.PS=1): bits 29:13; 2 MiB page (PDE.PS=1): bits 20:13. */
#define RSVD_1G_LOW 0x3fffe000ull
#define RSVD_2M_LOW 0x001fe000ull

uint64_t entry_reserved_bits(const struct mmu *m, int depth, uint64_t e)
{
    uint64_t rsvd = RSVD_ABOVE_MAXPHYADDR;
    if (!(m->efer & EFER_NXE))
        rsvd |= PTE_NX; /* XD is reserved unless EFER.NXE = 1 */
    if (depth == 0)
        rsvd |= PTE_PS; /* a PML4E cannot map a page */
    else if (depth == 1 && (e & PTE_PS))
        rsvd |= RSVD_1G_LOW;
    else if (depth == 2 && (e & PTE_PS))
        rsvd |= RSVD_2M_LOW;
    return e & rsvd;
}

/* §4.7: P, W/R, U/S, RSVD as given; I/D only exists when EFER.NXE = 1 or
 * CR4.SMEP = 1 (otherwise that bit is reserved and reads 0). */
static uint32_t pf_error(const struct mmu *m, unsigned access, uint32_t bits)
{
    if (access & ACC_WRITE)
        bits |= PF_W;
    if (access & ACC_USER)
        bits |= PF_U;
    if ((access & ACC_EXEC) && ((m->efer & EFER_NXE) || (m->cr4 & CR4_SMEP)))
        bits |= PF_I;
    return bits;
}

/* §4.6.1: may this access use a page with these effective rights? */
static bool access_permitted(const struct mmu *m, const struct translation *t, unsigned access)
{
    bool write = access & ACC_WRITE, fetch = access & ACC_EXEC;
    if (access & ACC_USER) {
        /* User-mode: only user pages; writes need R/W (CR0.WP does not
         * matter); fetches need XD clear. */
        if (!t->user)
            return false;
        return fetch ? !t->nx : !write || t->writable;
    }
    if (fetch) {
        /* Supervisor fetch: never from a user page under SMEP. */
        if (t->user && (m->cr4 & CR4_SMEP))
            return false;
        return !t->nx;
    }
    /* Supervisor data access to a user page under SMAP: only an explicit
     * access with RFLAGS.AC = 1 (implicit accesses never carry ACC_AC). */
    if (t->user && (m->cr4 & CR4_SMAP) && !(access & ACC_AC))
        return false;
    /* Supervisor write: read-only pages are writable only while CR0.WP = 0. */
    return !write || t->writable || !(m->cr0 & CR0_WP);
}

uint32_t access_allow_mask(const struct mmu *m, const struct translation *t)
{
    uint32_t allow = 0;
    for (unsigned a = 0; a < 32; a++)
        if (access_permitted(m, t, a))
            allow |= 1u << a;
    return allow;
}

static bool walk_fault(const struct mmu *m, struct page_walk *w, uint32_t bits)
{
    w->ok = false;
    w->fault.vector = 14;
    w->fault.error = pf_error(m, w->access, bits);
    w->fault.addr = w->va;
    return false;
}

bool walk_tables(const struct mmu *m, uint64_t cr3, uint64_t va, unsigned access,
                 struct page_walk *w, struct translation *t)
{
    memset(w, 0, sizeof *w);
    w->va = va;
    w->access = access;

    uint64_t table = cr3 & PHYS_ADDR_MASK;
    bool user = true, writable = true, xd = false;
    int depth = 0;
    for (;; depth++) {
        unsigned shift = 39 - 9 * depth; /* va bits 47:39, 38:30, 29:21, 20:12 */
        uint64_t addr = table + ((va >> shift) & 511) * 8;
        uint64_t e = phys_read_entry(m, addr);
        w->entry_addr[depth] = addr;
        w->entry[depth] = w->entry_before[depth] = e;
        w->levels = depth + 1;
        if (!(e & PTE_P))
            return walk_fault(m, w, 0);
        if (entry_reserved_bits(m, depth, e))
            return walk_fault(m, w, PF_P | PF_RSVD);
        user = user && (e & PTE_U);
        writable = writable && (e & PTE_W);
        xd = xd || (e & PTE_NX);
        if (depth == 3 || ((depth == 1 || depth == 2) && (e & PTE_PS)))
            break;
        table = e & PHYS_ADDR_MASK;
    }

    uint64_t leaf = w->entry[depth];
    unsigned page_shift = 12 + 9 * (3 - depth);
    uint64_t offset_mask = (1ull << page_shift) - 1;
    t->pa = (leaf & PHYS_ADDR_MASK & ~offset_mask) | (va & offset_mask);
    t->level = (uint8_t)(4 - depth);
    t->user = user;
    t->writable = writable;
    t->nx = xd && (m->efer & EFER_NXE);
    t->global = (leaf & PTE_G) && (m->cr4 & CR4_PGE);
    t->dirty = leaf & PTE_D;
    w->ok = true;
    w->pa = t->pa;
    return true;
}

bool page_walk(struct mmu *m, uint64_t va, unsigned access, struct page_walk *w, struct translation *t)
{
    if (!walk_tables(m, m->cr3, va, access, w, t))
        return false;
    if (!access_permitted(m, t, access)) {
        w->pa = 0; /* a fault reports the entries read, no address */
        return walk_fault(m, w, PF_P);
    }
    /* §4.8: A in every entry used, D in the final entry of a write. */
    int depth = w->levels - 1;
    for (int i = 0; i <= depth; i++) {
        uint64_t e = w->entry[i] | PTE_A;
        if (i == depth && (access & ACC_WRITE))
            e |= PTE_D;
        if (e != w->entry[i]) {
            phys_write_entry(m, w->entry_addr[i], e);
            w->entry[i] = e;
        }
    }
    t->dirty = w->entry[depth] & PTE_D;
    return true;
}
