/* tlb.c — the translation lookaside buffer.
 *
 * Owns: a TLB_SETS x TLB_WAYS set-associative cache of 4 KiB translations
 * indexed by the low bits of the virtual page number (a 2 MiB or 1 GiB page
 * is cached per 4 KiB piece), round-robin victim choice per set (so runs
 * are reproducible), the flushes the SDM ties to control-register writes
 * and INVLPG (SDM Vol. 3A §4.10.4), and the entry list for the debugger.
 *
 * Each entry carries `allow`: bit a is set when the ACC_* combination a may
 * use the entry without a walk.  The rights of every level, CR0.WP, SMEP,
 * SMAP and NXE are folded in at fill time; write combinations are also
 * withheld while the page's Dirty bit is clear (the next write walks and
 * sets it, §4.8) and while the frame holds decoded code (the write walks
 * and tells the CPU).  An access the entry does not allow walks again. */
#include "mmu_private.h"

static struct tlb_entry *tlb_set(struct mmu *m, uint64_t vpn)
{
    return m->tlb[vpn & (TLB_SETS - 1)];
}

struct tlb_entry *tlb_lookup(struct mmu *m, uint64_t vpn)
{
    struct tlb_entry *set = tlb_set(m, vpn);
    for (int w = 0; w < TLB_WAYS; w++)
        if (set[w].vpn == vpn)
            return &set[w];
    return NULL;
}

/* access_allow_mask() is a function of the page's U, R/W and XD rights and
 * of CR0.WP, CR4.SMEP and CR4.SMAP (EFER.NXE is already in t->nx): computed
 * once per combination (a fill would otherwise evaluate 32 access kinds). */
static unsigned allow_memo_key(const struct mmu *m, const struct translation *t)
{
    return (t->user ? 1u : 0u) | (t->writable ? 2u : 0u) | (t->nx ? 4u : 0u) |
           ((m->cr0 & CR0_WP) ? 8u : 0u) | ((m->cr4 & CR4_SMEP) ? 16u : 0u) |
           ((m->cr4 & CR4_SMAP) ? 32u : 0u);
}

uint32_t tlb_allow_mask(struct mmu *m, const struct translation *t)
{
    unsigned k = allow_memo_key(m, t);
    if (!((m->allow_memo_known >> k) & 1u)) {
        m->allow_memo[k] = access_allow_mask(m, t);
        m->allow_memo_known |= 1ull << k;
    }
    return m->allow_memo[k];
}

const struct tlb_entry *tlb_fill(struct mmu *m, uint64_t vpn, const struct translation *t)
{
    struct tlb_entry *set = tlb_set(m, vpn);
    struct tlb_entry *e = tlb_lookup(m, vpn);
    for (int w = 0; !e && w < TLB_WAYS; w++)
        if (set[w].vpn == TLB_INVALID)
            e = &set[w];
    if (!e) {
        uint8_t *next = &m->tlb_next_victim[vpn & (TLB_SETS - 1)];
        e = &set[*next % TLB_WAYS];
        *next = (uint8_t)((*next + 1) % TLB_WAYS);
    }
    uint64_t pfn = t->pa >> 12;
    e->vpn = vpn;
    e->pfn = pfn;
    e->host = ram_frame(m, pfn);
    e->allow = tlb_allow_mask(m, t);
    if (!t->dirty || (e->host && m->code_frame[pfn]))
        e->allow &= ~ALLOW_WRITE_COMBOS;
    e->flags = (uint8_t)((t->writable ? TLBF_W : 0) | (t->user ? TLBF_U : 0) |
                         (t->nx ? TLBF_NX : 0) | (t->global ? TLBF_G : 0) |
                         (t->dirty ? TLBF_D : 0));
    e->level = t->level;
    mmu_tlb_changed(m);
    observe_tlb(m, TLB_FILL, vpn << 12, e, TLB_CAUSE_NONE);
    return e;
}

/* Drop every entry of the page containing va.  A large page is cached as
 * 4 KiB pieces, so every piece of the 2 MiB / 1 GiB page goes: INVLPG and
 * a #PF "invalidate all TLB entries corresponding to the translation"
 * (SDM Vol. 3A §4.10.4.1). */
void tlb_drop_page(struct mmu *m, uint64_t va)
{
    uint64_t vpn = va >> 12;
    for (int s = 0; s < TLB_SETS; s++)
        for (int w = 0; w < TLB_WAYS; w++) {
            struct tlb_entry *e = &m->tlb[s][w];
            if (e->vpn == TLB_INVALID)
                continue;
            unsigned piece_bits = 9 * (e->level - 1u); /* 0, 9 or 18 */
            if ((e->vpn >> piece_bits) == (vpn >> piece_bits))
                e->vpn = TLB_INVALID;
        }
    mmu_tlb_changed(m);
}

void tlb_revoke_writes(struct mmu *m, uint64_t pfn)
{
    for (int s = 0; s < TLB_SETS; s++)
        for (int w = 0; w < TLB_WAYS; w++)
            if (m->tlb[s][w].vpn != TLB_INVALID && m->tlb[s][w].pfn == pfn)
                m->tlb[s][w].allow &= ~ALLOW_WRITE_COMBOS;
    mmu_tlb_changed(m);
}

static void flush(struct mmu *m, bool keep_global, enum tlb_flush_cause cause)
{
    for (int s = 0; s < TLB_SETS; s++)
        for (int w = 0; w < TLB_WAYS; w++)
            if (!keep_global || !(m->tlb[s][w].flags & TLBF_G))
                m->tlb[s][w].vpn = TLB_INVALID;
    mmu_tlb_changed(m);
    m->stats.flushes++;
    observe_tlb(m, keep_global ? TLB_FLUSH_NONGLOBAL : TLB_FLUSH_ALL, 0, NULL, cause);
}

void mmu_flush_all(struct mmu *m)
{
    flush(m, false, TLB_CAUSE_EXTERNAL);
}

/* INVLPG (SDM Vol. 2A): invalidate the translation of the page containing
 * va, global or not; a NOP for a non-canonical address. */
void mmu_invlpg(struct mmu *m, uint64_t va)
{
    if (!va_canonical(va))
        return;
    tlb_drop_page(m, va);
    m->stats.invlpgs++;
    observe_tlb(m, TLB_FLUSH_PAGE, va, NULL, TLB_CAUSE_INVLPG);
}

/* The CPU calls this after every write of CR0, CR3, CR4 or EFER.  SDM Vol.
 * 3A §4.10.4.1: MOV to CR3 drops the non-global entries; a change of
 * CR0.PG/WP, CR4.PGE/SMEP/SMAP/PAE drops everything — and so does EFER.NXE,
 * whose meaning `allow` and the reserved-bit checks bake in.  A write of
 * CR3 with its old value still flushes (the classic way to flush), so a
 * call that changes nothing is taken as such a write; dropping entries is
 * always permitted, whichever register it really was. */
void mmu_set_control(struct mmu *m, uint64_t cr0, uint64_t cr3, uint64_t cr4, uint64_t efer,
                     enum tlb_flush_cause cause)
{
    bool flush_everything = ((m->cr0 ^ cr0) & (CR0_PG | CR0_WP)) ||
                            ((m->cr4 ^ cr4) & (CR4_PGE | CR4_SMEP | CR4_SMAP | CR4_PAE)) ||
                            ((m->efer ^ efer) & EFER_NXE);
    bool unchanged = m->cr0 == cr0 && m->cr3 == cr3 && m->cr4 == cr4 && m->efer == efer;
    bool cr3_write = m->cr3 != cr3 || unchanged;
    m->cr0 = cr0;
    m->cr3 = cr3;
    m->cr4 = cr4;
    m->efer = efer;
    if (flush_everything)
        flush(m, false, cause);
    else if (cr3_write)
        flush(m, true, cause);
}

void mmu_set_observer(struct mmu *m, const struct mmu_observer *o)
{
    m->observer = o;
}

size_t mmu_tlb_entries(const struct mmu *m, struct tlb_entry *out, size_t max)
{
    size_t n = 0;
    for (int s = 0; s < TLB_SETS; s++)
        for (int w = 0; w < TLB_WAYS; w++)
            if (m->tlb[s][w].vpn != TLB_INVALID) {
                if (n < max) {
                    out[n] = m->tlb[s][w];
                    out[n].host = NULL; /* host pointers stay inside */
                    out[n].allow = 0;
                }
                n++;
            }
    return n;
}

void mmu_tlb_stats(const struct mmu *m, struct tlb_stats *out) { *out = m->stats; }

void mmu_get_controls(const struct mmu *m, struct mmu_controls *out)
{
    *out = (struct mmu_controls){.cr0 = m->cr0, .cr3 = m->cr3, .cr4 = m->cr4, .efer = m->efer};
}

