/* swap.c — the pagefile and the page replacer.
 *
 * The pagefile is the whole ATA disk, cut into 4 KiB slots (8 sectors
 * each); slot 0 is never used, so 0 can mean "no slot".  When the frame
 * allocator runs dry it calls swap_reclaim(), which sweeps the resident
 * user pages of every process like the hand of a clock (second chance):
 *   - a page whose Accessed bit is set was used since the hand last passed:
 *     clear A (and flush the TLB entry so the CPU sets it again on the next
 *     use) and move on;
 *   - a page with A clear is evicted: if it is dirty (D set by the CPU on a
 *     write) or has no copy in the pagefile, it is written to a slot; a
 *     clean page whose last page-in left an up-to-date copy is just dropped.
 *     Its PTE becomes "swapped" (not present, slot number inside) and the
 *     frame is freed.
 * Frames shared copy-on-write (reference count > 1) are skipped.  The next
 * touch of an evicted page faults; vma.c reads the slot back (page-in).
 * A PTE mapping a page of a shared object (PTE_OBJ) is only unmapped by
 * the hand; the object writes the page out once no mapping is left
 * (vma_reclaim_object_pte, memobj.c) to a slot of its own, not tied to a
 * frame (so such pages never count as evictable in place).  Areas locked
 * by mlock are skipped.
 *
 * Nothing here is a scan per page: free slots are found in a bitmap, 64 at
 * a time, from where the last one was taken (next fit); the hand goes on
 * from where it stopped; and once the pagefile is full and no resident
 * page has a copy in it to fall back on, nothing can be evicted and
 * swap_reclaim says so at once (the faulting program is then out of
 * memory) instead of sweeping every page in vain. */
#include "kinfo.h"
#include "swap.h"
#include "abi/osevent.h"
#include "ata.h"
#include "events.h"
#include "frame.h"
#include "kheap.h"
#include "memlayout.h"
#include "panic.h"
#include "printf.h"
#include "proc.h"

#define SECTORS_PER_SLOT (PAGE_SIZE / ATA_SECTOR)

static bool enabled;
static bool reclaiming;
static uint64_t nslots;
static uint16_t *slot_refs;  /* per slot: PTEs and frames referring to it */
static uint64_t *slot_used;  /* bitmap: bit s set while slot s has references (or does not exist) */
static uint64_t slot_words;  /* 64-bit words in slot_used */
static uint64_t slots_free;
static uint64_t slot_hint = 1;
static int hand_proc;        /* the clock hand: a process and an address in it */
static uint64_t hand_va;

static void slot_mark(uint64_t slot, bool used)
{
    if (used)
        slot_used[slot / 64] |= 1ull << (slot % 64);
    else
        slot_used[slot / 64] &= ~(1ull << (slot % 64));
}

bool swap_init(void)
{
    if (!ata_init())
        return false;
    nslots = ata_sectors() / SECTORS_PER_SLOT;
    if (nslots < 2)
        return false;
    slot_words = (nslots + 63) / 64;
    slot_refs = kheap_alloc(nslots * sizeof *slot_refs);
    slot_used = kheap_alloc(slot_words * sizeof *slot_used);
    if (!slot_refs || !slot_used)
        return false;
    /* Slot 0 and the bits past the last slot are never handed out. */
    slot_refs[0] = 1;
    slot_mark(0, true);
    for (uint64_t s = nslots; s < slot_words * 64; s++)
        slot_mark(s, true);
    slots_free = nslots - 1;
    enabled = true;
    kprintf("swap: pagefile of %lu slots on the ATA disk\n", nslots - 1);
    return true;
}

/* The first free slot at or after the hint, wrapping around; 0 if the
 * pagefile is full. */
static uint64_t slot_alloc(void)
{
    if (!slots_free)
        return 0;
    uint64_t start = slot_hint % nslots, w = start / 64;
    uint64_t free_bits = ~slot_used[w] & (~0ull << (start % 64));
    /* slot_words + 1 words: the last look is the first word's low bits */
    for (uint64_t n = 0; n <= slot_words; n++) {
        if (free_bits) {
            uint64_t s = w * 64 + (uint64_t)__builtin_ctzll(free_bits);
            slot_refs[s] = 1;
            slot_mark(s, true);
            slots_free--;
            slot_hint = s + 1;
            return s;
        }
        w = (w + 1) % slot_words;
        free_bits = ~slot_used[w];
    }
    panic("swap: %lu slots counted free, none found", slots_free);
}

static void slot_release(uint64_t slot)
{
    slot_refs[slot] = 0;
    slot_mark(slot, false);
    slots_free++;
}

void swap_slot_get(uint64_t slot)
{
    ASSERT(slot > 0 && slot < nslots && slot_refs[slot] > 0);
    slot_refs[slot]++;
}

void swap_slot_put(uint64_t slot)
{
    ASSERT(slot > 0 && slot < nslots && slot_refs[slot] > 0);
    if (--slot_refs[slot] == 0)
        slot_release(slot);
}

unsigned swap_slot_refs(uint64_t slot) { return slot < nslots ? slot_refs[slot] : 0; }

uint64_t swap_total_slots(void) { return enabled ? nslots - 1 : 0; }

uint64_t swap_free_slots(void) { return enabled ? slots_free : 0; }

bool swap_read_page(uint64_t slot, uint64_t pa, uint64_t va)
{
    if (!ata_read_sectors(slot * SECTORS_PER_SLOT, SECTORS_PER_SLOT, p2v(pa)))
        return false;
    osev_report(OSEV_PAGE_IN, va, pa, slot, 0, 0, 0, 0);
    return true;
}

uint64_t swap_write_page(uint64_t pa, uint64_t va)
{
    uint64_t slot = enabled ? slot_alloc() : 0;
    if (!slot)
        return 0;
    if (!ata_write_sectors(slot * SECTORS_PER_SLOT, SECTORS_PER_SLOT, p2v(pa))) {
        slot_release(slot);
        return 0;
    }
    osev_report(OSEV_PAGE_OUT, va, pa, slot, 0, 0, 0, 0);
    return slot;
}

/* Second chance for the page at va, or its eviction (true). */
static bool consider(struct mm *mm, uint64_t va, uint64_t *pte)
{
    uint64_t entry = *pte, pa = entry & PTE_ADDR;
    if (frame_refs(pa) != 1)
        return false;
    if (entry & PTE_A) {
        *pte = entry & ~PTE_A;
        vm_flush(mm->pml4, va);
        return false;
    }
    uint64_t slot = frame_swap_slot(pa);
    if (!slot || (entry & PTE_D)) {
        bool fresh = !slot;
        if (fresh && !(slot = slot_alloc()))
            return false; /* the pagefile is full */
        if (!ata_write_sectors(slot * SECTORS_PER_SLOT, SECTORS_PER_SLOT, p2v(pa))) {
            if (fresh)
                slot_release(slot);
            return false;
        }
    }
    osev_report(OSEV_PAGE_OUT, va, pa, slot, 0, 0, 0, 0);
    frame_set_swap_slot(pa, 0); /* the slot's reference moves from the frame to the PTE */
    *pte = swap_pte(slot);
    vm_flush(mm->pml4, va);
    frame_put(pa);
    return true;
}

/* Sweep one process from hand_va; true once a page was evicted. */
static bool sweep(struct mm *mm)
{
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->flags & VMA_LOCKED)
            continue; /* mlock: never evicted */
        uint64_t va = v->start > hand_va ? v->start : hand_va;
        while (va < v->end) {
            uint64_t hole;
            uint64_t *pte = pte_find(mm->pml4, va, &hole);
            if (!pte) {
                va = (va + hole) & ~(hole - 1);
                continue;
            }
            if ((*pte & PTE_P) && ((*pte & PTE_OBJ) ? vma_reclaim_object_pte(mm, v, va, pte) : consider(mm, va, pte))) {
                hand_va = va + PAGE_SIZE;
                return true;
            }
            va += PAGE_SIZE;
        }
    }
    return false;
}

bool swap_reclaim(void)
{
    if (!enabled || reclaiming)
        return false;
    /* A full pagefile leaves only the unshared pages that already have a
     * copy in it (their own slot takes them back); with none, nothing is
     * evictable. */
    if (!slots_free && !frames_evictable_in_place())
        return false;
    reclaiming = true;
    bool evicted = false;
    /* Two full turns at most: the first may only clear Accessed bits. */
    int slots = proc_slots();
    for (int visits = 0; visits <= 2 * slots && !evicted; visits++) {
        if (hand_proc >= slots)
            hand_proc = 0;
        struct proc *p = proc_table(hand_proc);
        if (p->state == PROC_ALIVE && p->mm)
            evicted = sweep(p->mm);
        if (!evicted) {
            hand_proc = (hand_proc + 1) % slots;
            hand_va = 0;
        }
    }
    reclaiming = false;
    return evicted;
}

void swap_kinfo(struct kinfo *k)
{
    k->swap_nslots = (uint64_t)&nslots;
    k->swap_slots_free = (uint64_t)&slots_free;
    k->swap_slot_used = (uint64_t)&slot_used;
}
