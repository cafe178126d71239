/* vma.c — virtual memory areas: reserve, commit, decommit, release, the
 * user page-fault handler (demand-zero and copy-on-write) and fork's copy
 * of an address space.  The states are explained in vma.h.
 *
 * An area's rights become PTE bits (paging.h) only when a page is made
 * resident: PROT_WRITE -> W, no PROT_EXEC -> NX, always U.  A resident page
 * of a PROT_NONE area keeps its frame (and data) but loses U: ring 3 faults
 * on it, the kernel still reaches it. */
#include "vma.h"
#include "abi/osevent.h"
#include "errno.h"
#include "events.h"
#include "frame.h"
#include "kheap.h"
#include "memobj.h"
#include "memlayout.h"
#include "paging.h"
#include "panic.h"
#include "printf.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "swap.h"
#include "x86.h"

#define FS_LINE_MAX (160 + MEMOBJ_NAME_MAX)

static uint64_t prot_to_pte(uint32_t prot)
{
    if (prot == PROT_NONE)
        return PTE_NX; /* supervisor-only: kept, but not reachable from ring 3 */
    uint64_t flags = PTE_U;
    if (prot & PROT_WRITE)
        flags |= PTE_W;
    if (!(prot & PROT_EXEC))
        flags |= PTE_NX;
    return flags;
}

struct mm *mm_new(void)
{
    struct mm *mm = kheap_alloc(sizeof *mm);
    if (!mm)
        return 0;
    mm->pml4 = vm_new_pml4();
    if (!mm->pml4) {
        kheap_free(mm, sizeof *mm);
        return 0;
    }
    mm->users = 1;
    return mm;
}

uint64_t mm_cr3(const struct mm *mm) { return v2p(mm->pml4); }

/* Call fn for every used PTE (present, or swapped out) in [start, end),
 * skipping the regions without page tables in one step. */
static void for_each_entry(struct mm *mm, uint64_t start, uint64_t end,
                           void (*fn)(struct mm *mm, uint64_t va, uint64_t *pte, void *ctx), void *ctx)
{
    for (uint64_t va = start; va < end;) {
        uint64_t hole;
        uint64_t *pte = pte_find(mm->pml4, va, &hole);
        if (!pte) {
            va = (va + hole) & ~(hole - 1);
            continue;
        }
        if (*pte)
            fn(mm, va, pte, ctx);
        va += PAGE_SIZE;
    }
}

static void free_page(struct mm *mm, uint64_t va, uint64_t *pte, void *ctx)
{
    (void)ctx;
    uint64_t entry = *pte;
    *pte = 0;
    if (pte_is_swapped(entry)) {
        swap_slot_put(pte_swap_slot(entry));
        return;
    }
    vm_flush(mm->pml4, va);
    frame_put(entry & PTE_ADDR);
}

static void free_pages(struct mm *mm, uint64_t start, uint64_t end)
{
    for_each_entry(mm, start, end, free_page, 0);
}

void mm_free(struct mm *mm)
{
    for (int i = 0; i < mm->nvmas; i++) {
        free_pages(mm, mm->vmas[i].start, mm->vmas[i].end);
        if (mm->vmas[i].obj)
            memobj_put(mm->vmas[i].obj);
    }
    vm_free_pml4(mm->pml4);
    kheap_free(mm, sizeof *mm);
}

struct vma *vma_find(struct mm *mm, uint64_t addr)
{
    for (int i = 0; i < mm->nvmas; i++) {
        if (addr < mm->vmas[i].start)
            return 0;
        if (addr < mm->vmas[i].end)
            return &mm->vmas[i];
    }
    return 0;
}

static void report(enum osev_type type, uint64_t start, uint64_t end, uint32_t prot)
{
    osev_report(type, start, end - start, prot & (OSEV_PROT_READ | OSEV_PROT_WRITE | OSEV_PROT_EXEC), 0, 0, 0,
                0);
}

static bool insert_at(struct mm *mm, int i, struct vma v)
{
    if (mm->nvmas == MAX_VMAS)
        return false;
    memmove(&mm->vmas[i + 1], &mm->vmas[i], (mm->nvmas - i) * sizeof v);
    mm->vmas[i] = v;
    mm->nvmas++;
    return true;
}

static void remove_at(struct mm *mm, int i)
{
    memmove(&mm->vmas[i], &mm->vmas[i + 1], (mm->nvmas - i - 1) * sizeof mm->vmas[0]);
    mm->nvmas--;
}

/* Cut the area containing addr in two at addr (no-op on a boundary). */
static bool split_at(struct mm *mm, uint64_t addr)
{
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->start < addr && addr < v->end) {
            struct vma upper = *v;
            upper.start = addr;
            upper.pgoff += (addr - v->start) / PAGE_SIZE;
            if (!insert_at(mm, i + 1, upper))
                return false;
            mm->vmas[i].end = addr;
            if (upper.obj)
                memobj_get(upper.obj);
            return true;
        }
    }
    return true;
}

/* Join neighbours with the same rights and kind (and the same object,
 * at consecutive offsets). */
static void merge_all(struct mm *mm)
{
    for (int i = 0; i + 1 < mm->nvmas;) {
        struct vma *a = &mm->vmas[i], *b = &mm->vmas[i + 1];
        if (a->end == b->start && a->prot == b->prot && a->kind == b->kind && a->flags == b->flags &&
            a->obj == b->obj && (!a->obj || b->pgoff == a->pgoff + (a->end - a->start) / PAGE_SIZE)) {
            a->end = b->end;
            if (b->obj)
                memobj_put(b->obj);
            remove_at(mm, i + 1);
        } else {
            i++;
        }
    }
}

static bool range_ok(uint64_t start, uint64_t len)
{
    return !(start & (PAGE_SIZE - 1)) && len && start < USER_END && len <= USER_END - start;
}

int vma_unmap(struct mm *mm, uint64_t start, uint64_t len)
{
    if (!range_ok(start, len))
        return -EINVAL;
    uint64_t end = start + PAGE_ROUND_UP(len);
    if (!split_at(mm, start) || !split_at(mm, end))
        return -ENOMEM;
    for (int i = 0; i < mm->nvmas;) {
        struct vma *v = &mm->vmas[i];
        if (v->start >= start && v->end <= end) {
            free_pages(mm, v->start, v->end);
            report(OSEV_VMA_RELEASE, v->start, v->end, v->prot);
            if (v->obj)
                memobj_put(v->obj);
            remove_at(mm, i);
        } else {
            i++;
        }
    }
    return 0;
}

/* Create area v over whatever was there; takes a reference on v.obj. */
static int map_area(struct mm *mm, struct vma v)
{
    if (!range_ok(v.start, v.end - v.start))
        return -EINVAL;
    uint32_t prot = v.prot;
    int err = vma_unmap(mm, v.start, v.end - v.start);
    if (err)
        return err;
    if (mm->lock_future)
        v.flags |= VMA_LOCKED;
    int i = 0;
    while (i < mm->nvmas && mm->vmas[i].start < v.start)
        i++;
    if (!insert_at(mm, i, v))
        return -ENOMEM;
    if (v.obj)
        memobj_get(v.obj);
    report(OSEV_VMA_RESERVE, v.start, v.end, prot);
    if (prot != PROT_NONE)
        report(OSEV_VMA_COMMIT, v.start, v.end, prot);
    merge_all(mm);
    return 0;
}

int vma_map(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, enum vma_kind kind)
{
    if (!range_ok(start, len))
        return -EINVAL;
    return map_area(mm, (struct vma){.start = start, .end = start + PAGE_ROUND_UP(len), .prot = prot, .kind = kind,
                                     .flags = VMA_MAYWRITE});
}

int vma_map_object(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot, uint32_t flags, struct memobj *obj,
                   uint64_t pgoff)
{
    if (!range_ok(start, len))
        return -EINVAL;
    return map_area(mm, (struct vma){.start = start, .end = start + PAGE_ROUND_UP(len), .prot = prot,
                                     .kind = VMA_ANON, .obj = obj, .pgoff = pgoff, .flags = flags});
}

bool vma_range_free(struct mm *mm, uint64_t start, uint64_t len)
{
    uint64_t end = start + len;
    for (int i = 0; i < mm->nvmas; i++)
        if (mm->vmas[i].start < end && start < mm->vmas[i].end)
            return false;
    return true;
}

uint64_t vma_find_free(struct mm *mm, uint64_t len)
{
    uint64_t top = USER_MMAP_TOP;
    len = PAGE_ROUND_UP(len);
    if (!len || len > USER_MMAP_TOP - USER_MIN_ADDR)
        return 0;
    for (int i = mm->nvmas - 1; i >= 0; i--) {
        struct vma *v = &mm->vmas[i];
        if (v->start >= top)
            continue;
        if (v->end <= top && top - v->end >= len)
            return top - len;
        top = v->start;
    }
    return top >= USER_MIN_ADDR + len ? top - len : 0;
}

/* New rights for a resident page; a copy-on-write page stays read-only
 * until its write fault. */
static void reprotect_page(struct mm *mm, uint64_t va, uint64_t *pte, void *ctx)
{
    if (!(*pte & PTE_P))
        return; /* swapped out: gets the area's rights when it comes back */
    uint64_t flags = prot_to_pte(*(uint32_t *)ctx);
    if (*pte & PTE_COW)
        flags = (flags & ~PTE_W) | PTE_COW;
    /* Keep Accessed and Dirty: losing D would let the page replacer drop
     * modified data as if the page were clean (glibc writes its GOT, then
     * makes it read-only with mprotect: RELRO).  Keep PTE_OBJ: the frame
     * still belongs to its object. */
    *pte = (*pte & (PTE_ADDR | PTE_A | PTE_D | PTE_OBJ)) | flags | PTE_P;
    vm_flush(mm->pml4, va);
}

bool vma_range_mapped(struct mm *mm, uint64_t start, uint64_t len)
{
    uint64_t end = start + PAGE_ROUND_UP(len);
    for (uint64_t a = start; a < end;) {
        struct vma *v = vma_find(mm, a);
        if (!v)
            return false;
        a = v->end;
    }
    return true;
}

int vma_protect(struct mm *mm, uint64_t start, uint64_t len, uint32_t prot)
{
    if (!range_ok(start, len))
        return -EINVAL;
    uint64_t end = start + PAGE_ROUND_UP(len);
    if (!vma_range_mapped(mm, start, len))
        return -ENOMEM;
    /* A shared mapping of a file opened read-only never becomes writable
     * (mprotect(2): EACCES). */
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->start < end && start < v->end && (prot & PROT_WRITE) && !(v->flags & VMA_MAYWRITE))
            return -EACCES;
    }
    if (!split_at(mm, start) || !split_at(mm, end))
        return -ENOMEM;
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->start < start || v->end > end || v->prot == prot)
            continue;
        if (v->prot == PROT_NONE)
            report(OSEV_VMA_COMMIT, v->start, v->end, prot);
        else if (prot == PROT_NONE)
            report(OSEV_VMA_RESERVE, v->start, v->end, prot);
        v->prot = prot;
        for_each_entry(mm, v->start, v->end, reprotect_page, &prot);
    }
    merge_all(mm);
    return 0;
}

int vma_decommit(struct mm *mm, uint64_t start, uint64_t len)
{
    if (!range_ok(start, len))
        return -EINVAL;
    uint64_t end = start + PAGE_ROUND_UP(len);
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        uint64_t s = v->start > start ? v->start : start, e = v->end < end ? v->end : end;
        if (s < e) {
            free_pages(mm, s, e);
            report(OSEV_VMA_DECOMMIT, s, e, v->prot);
        }
    }
    return 0;
}

/* Move the PTEs of [from, from+len) to [to, to+len).  Pass 1 creates the
 * destination page tables (allocating may evict pages: entries are read
 * only in pass 2); pass 2 moves each entry, present or swapped. */
static bool move_entries(struct mm *mm, uint64_t from, uint64_t to, uint64_t len)
{
    for (int pass = 1; pass <= 2; pass++) {
        for (uint64_t off = 0; off < len;) {
            uint64_t hole;
            uint64_t *src = pte_find(mm->pml4, from + off, &hole);
            if (!src) {
                off = ((from + off + hole) & ~(hole - 1)) - from;
                continue;
            }
            if (*src) {
                uint64_t *dst = pte_lookup(mm->pml4, to + off, true);
                if (!dst)
                    return false;
                if (pass == 2) {
                    *dst = *src;
                    *src = 0;
                    vm_flush(mm->pml4, from + off);
                }
            }
            off += PAGE_SIZE;
        }
    }
    return true;
}

int64_t vma_remap(struct mm *mm, uint64_t old, uint64_t old_len, uint64_t new_len, bool may_move)
{
    if ((old & (PAGE_SIZE - 1)) || !new_len || old >= USER_END)
        return -EINVAL;
    old_len = PAGE_ROUND_UP(old_len);
    new_len = PAGE_ROUND_UP(new_len);
    if (!new_len || new_len > USER_END || old_len > USER_END - old)
        return -EINVAL;
    struct vma *v = vma_find(mm, old);
    if (!v || old + old_len > v->end)
        return -EFAULT; /* the old range must be one mapping */
    if (new_len <= old_len) {
        if (new_len < old_len)
            vma_unmap(mm, old + new_len, old_len - new_len);
        return (int64_t)old;
    }
    struct vma area = *v; /* v moves when areas are inserted */
    area.pgoff += (old - v->start) / PAGE_SIZE;
    uint64_t grow = new_len - old_len;
    if (old + new_len <= USER_END && vma_range_free(mm, old + old_len, grow)) {
        struct vma more = area;
        more.start = old + old_len;
        more.end = old + new_len;
        more.pgoff += old_len / PAGE_SIZE;
        int err = map_area(mm, more);
        return err ? err : (int64_t)old;
    }
    if (!may_move)
        return -ENOMEM;
    uint64_t to = vma_find_free(mm, new_len);
    if (!to)
        return -ENOMEM;
    area.start = to;
    area.end = to + new_len;
    int err = map_area(mm, area);
    if (err)
        return err;
    if (!move_entries(mm, old, to, old_len)) {
        vma_unmap(mm, to, new_len);
        return -ENOMEM;
    }
    vma_unmap(mm, old, old_len);
    return (int64_t)to;
}

/* Demand-zero: the first touch of a committed page. */
static uint64_t commit_page(struct mm *mm, const struct vma *v, uint64_t va)
{
    uint64_t pa = frame_alloc();
    if (!pa)
        return 0;
    if (!vm_map_page(mm->pml4, va, pa, prot_to_pte(v->prot))) {
        frame_put(pa);
        return 0;
    }
    return pa;
}

/* Copy-on-write: a write to a page shared since fork.  The last sharer
 * just gets its write right back; the others get a private copy. */
static uint64_t break_cow(struct mm *mm, const struct vma *v, uint64_t va, uint64_t *pte)
{
    uint64_t old = *pte & PTE_ADDR;
    uint64_t pa = old;
    if (frame_refs(old) > 1) {
        /* Allocating may run the page replacer, which may unmap this very
         * entry if it maps a shared object's page (PTE_OBJ): pin the
         * source, and drop this PTE's reference only if it still holds it. */
        frame_get(old);
        pa = frame_alloc();
        if (pa)
            memcpy(p2v(pa), p2v(old), PAGE_SIZE);
        if (pa && (*pte & PTE_P) && (*pte & PTE_ADDR) == old)
            frame_put(old);
        frame_put(old);
        if (!pa)
            return 0;
    }
    *pte = pa | prot_to_pte(v->prot) | PTE_P | (pa == old ? *pte & PTE_D : 0); /* a kept frame keeps its D */
    vm_flush(mm->pml4, va);
    return pa;
}

/* Page-in: the page's copy comes back from the pagefile into a new frame.
 * If this PTE was the slot's only user the slot stays attached to the
 * frame as a clean copy (a later eviction without writes just drops it). */
static uint64_t swap_in(struct mm *mm, const struct vma *v, uint64_t va, uint64_t *pte)
{
    uint64_t slot = pte_swap_slot(*pte);
    uint64_t pa = frame_alloc();
    if (!pa)
        return 0;
    if (!swap_read_page(slot, pa, va)) {
        frame_put(pa);
        return 0;
    }
    if (swap_slot_refs(slot) == 1)
        frame_set_swap_slot(pa, slot);
    else
        swap_slot_put(slot); /* still shared with a fork: ours is now a private copy */
    *pte = pa | prot_to_pte(v->prot) | PTE_P;
    vm_flush(mm->pml4, va);
    return pa;
}

static uint64_t object_index(const struct vma *v, uint64_t va) { return v->pgoff + (va - v->start) / PAGE_SIZE; }

/* A page wholly past the end of the file (or of a shared anonymous
 * object): mmap(2) says SIGBUS. */
static bool past_end(const struct vma *v, uint64_t va)
{
    return v->obj && object_index(v, va) >= PAGE_ROUND_UP(v->obj->size) / PAGE_SIZE;
}

/* The first touch of a page of an object's area.  Shared: the PTE maps the
 * object's own frame (PTE_OBJ), writable if the area is.  Private: a read
 * maps the object's frame read-only and copy-on-write (it sees later
 * writes to the file until the process writes the page itself); a write
 * gets a private copy at once. */
static uint64_t object_page(struct mm *mm, const struct vma *v, uint64_t va, bool write)
{
    uint64_t *pte = pte_lookup(mm->pml4, va, true);
    if (!pte)
        return 0;
    uint64_t pa = memobj_page(v->obj, object_index(v, va), true, va);
    if (!pa)
        return 0;
    uint64_t flags = prot_to_pte(v->prot);
    if (v->flags & VMA_SHARED) {
        frame_get(pa);
        *pte = pa | flags | PTE_P | PTE_OBJ;
    } else if (write) {
        frame_get(pa); /* allocating may run the page replacer: keep the source */
        uint64_t copy = frame_alloc();
        if (copy)
            memcpy(p2v(copy), p2v(pa), PAGE_SIZE);
        frame_put(pa);
        if (!copy)
            return 0;
        *pte = copy | flags | PTE_P;
        pa = copy;
    } else {
        frame_get(pa);
        *pte = pa | (flags & ~PTE_W) | PTE_P | PTE_COW | PTE_OBJ;
    }
    vm_flush(mm->pml4, va);
    return pa;
}

static uint64_t resident_page(struct mm *mm, const struct vma *v, uint64_t va, bool write)
{
    uint64_t *pte = pte_lookup(mm->pml4, va, false);
    if (pte && pte_is_swapped(*pte))
        return swap_in(mm, v, va, pte);
    if (pte && (*pte & PTE_P)) {
        if (write && (*pte & PTE_COW))
            return break_cow(mm, v, va, pte);
        return *pte & PTE_ADDR;
    }
    if (v->obj)
        return object_page(mm, v, va, write);
    return commit_page(mm, v, va);
}

uint64_t vma_user_page(struct mm *mm, uint64_t va, bool write)
{
    if (va >= USER_END)
        return 0;
    va = PAGE_ROUND_DOWN(va);
    struct vma *v = vma_find(mm, va);
    if (!v || v->prot == PROT_NONE || (write && !(v->prot & PROT_WRITE)) || past_end(v, va))
        return 0;
    uint64_t pa = resident_page(mm, v, va, write);
    if (pa && write) /* the kernel writes through the direct map: the CPU sets no D bit for it */
        *pte_lookup(mm->pml4, va, false) |= PTE_D;
    return pa;
}

uint64_t vma_fill_page(struct mm *mm, uint64_t va)
{
    uint64_t pa = vma_user_page(mm, va, false);
    if (pa)
        *pte_lookup(mm->pml4, PAGE_ROUND_DOWN(va), false) |= PTE_D;
    return pa;
}

static const char *area_name(const struct vma *v, const char *exe)
{
    if (v->obj)
        return v->obj->name;
    switch (v->kind) {
    case VMA_PROGRAM: return exe;
    case VMA_HEAP: return "[heap]";
    case VMA_STACK: return "[stack]";
    case VMA_GUARD: return "[stack guard]";
    default: return "";
    }
}

uint64_t vma_describe(struct mm *mm, const char *exe, char *buf, uint64_t size)
{
    uint64_t len = 0;
    for (int i = 0; i < mm->nvmas; i++) {
        const struct vma *v = &mm->vmas[i];
        char line[FS_LINE_MAX];
        int n = ksnprintf(line, sizeof line, "%08lx-%08lx %c%c%c%c %08lx 00:00 0                   %s%s\n", v->start,
                          v->end, v->prot & PROT_READ ? 'r' : '-', v->prot & PROT_WRITE ? 'w' : '-',
                          v->prot & PROT_EXEC ? 'x' : '-', v->flags & VMA_SHARED ? 's' : 'p',
                          v->obj ? v->pgoff * 4096ul : 0ul, area_name(v, exe),
                          v->obj && v->obj->deleted ? " (deleted)" : "");
        if (n > (int)sizeof line - 1)
            n = sizeof line - 1;
        if (len + (uint64_t)n < size)
            memcpy(buf + len, line, (size_t)n);
        len += (uint64_t)n;
    }
    return len;
}

static const char *access_name(uint32_t err)
{
    if (err & PFERR_I)
        return "instruction fetch from";
    return err & PFERR_W ? "write to" : "read from";
}

/* si_code of a SIGSEGV as Linux's page-fault handler sets it: SEGV_ACCERR
 * when an area covers the address but forbids the access (a write to a
 * read-only page, whether or not it was ever touched), SEGV_MAPERR when
 * none does (the stack guard gap counts as none). */
static int segv_code(const struct vma *v) { return v && v->kind != VMA_GUARD ? SEGV_ACCERR : SEGV_MAPERR; }

int vma_page_fault(struct mm *mm, uint64_t addr, uint32_t err, char *why, size_t whylen, int *code)
{
    const char *access = access_name(err);
    struct vma *v = addr < USER_END ? vma_find(mm, addr) : 0;
    const char *what = 0;
    *code = segv_code(v);
    if (addr >= USER_END)
        what = "kernel page";
    else if (!v)
        what = "not-present page";
    else if (v->kind == VMA_GUARD) {
        ksnprintf(why, whylen, "stack overflow at 0x%lx (guard page)", addr);
        return SIGSEGV;
    } else if (v->prot == PROT_NONE)
        what = "reserved page";
    else if ((err & PFERR_I) && !(v->prot & PROT_EXEC))
        what = "no-execute page";
    else if ((err & PFERR_W) && !(v->prot & PROT_WRITE))
        what = "read-only page";
    if (what) {
        ksnprintf(why, whylen, "segmentation fault at 0x%lx, user %s %s", addr, access, what);
        return SIGSEGV;
    }
    if (past_end(v, addr)) {
        ksnprintf(why, whylen, "bus error at 0x%lx, user %s a page past the end of %s", addr, access, v->obj->name);
        *code = BUS_ADRERR;
        return SIGBUS;
    }
    if (!vma_user_page(mm, addr, err & PFERR_W)) {
        /* A shared object without a page (a full /tmp) is SIGBUS, as Linux. */
        ksnprintf(why, whylen, "out of memory at 0x%lx", addr);
        if (v->obj)
            *code = BUS_ADRERR;
        return v->obj ? SIGBUS : SIGSEGV;
    }
    return 0;
}

/* fork: share every resident page, read-only + PTE_COW on both sides; a
 * swapped-out page shares its pagefile slot.  A page of a shared mapping
 * is the same frame in both, writable in both. */
struct fork_ctx {
    struct mm *child;
    const struct vma *area;
    bool failed;
};

/* fork, pass 1: the child's page tables, made before any page is shared.
 * Making them may evict pages of the parent (still evictable: not yet
 * shared); once every frame is shared copy-on-write, nothing would be. */
static void make_child_table(struct mm *parent, uint64_t va, uint64_t *pte, void *ctx)
{
    struct fork_ctx *fc = ctx;
    (void)parent;
    (void)pte;
    if (!fc->failed && !pte_lookup(fc->child->pml4, va, true))
        fc->failed = true;
}

static void share_page(struct mm *parent, uint64_t va, uint64_t *pte, void *ctx)
{
    struct fork_ctx *fc = ctx;
    uint64_t *child_pte = pte_lookup(fc->child->pml4, va, false); /* made in pass 1 */
    if (!child_pte) {
        fc->failed = true;
        return;
    }
    if (pte_is_swapped(*pte)) {
        swap_slot_get(pte_swap_slot(*pte));
    } else if (*pte & PTE_P) {
        if (!(fc->area->flags & VMA_SHARED))
            *pte = (*pte & ~PTE_W) | PTE_COW; /* even if read-only now: mprotect may allow writes later */
        frame_get(*pte & PTE_ADDR);
    } else {
        return;
    }
    *child_pte = *pte;
    (void)parent;
}

struct mm *mm_clone(struct mm *mm)
{
    struct mm *child = mm_new();
    if (!child)
        return 0;
    memcpy(child->vmas, mm->vmas, sizeof mm->vmas);
    child->nvmas = mm->nvmas;
    child->brk_start = mm->brk_start;
    child->brk = mm->brk;
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &child->vmas[i];
        v->flags &= ~VMA_LOCKED; /* mlock(2): locks are not inherited by fork */
        if (v->obj)
            memobj_get(v->obj);
    }
    struct fork_ctx fc = {.child = child};
    for (int i = 0; i < mm->nvmas && !fc.failed; i++)
        for_each_entry(mm, mm->vmas[i].start, mm->vmas[i].end, make_child_table, &fc);
    for (int i = 0; i < mm->nvmas && !fc.failed; i++) {
        fc.area = &mm->vmas[i];
        for_each_entry(mm, mm->vmas[i].start, mm->vmas[i].end, share_page, &fc);
    }
    if (fc.failed) { /* fork fails with ENOMEM rather than hand the child zero pages */
        mm_free(child);
        child = 0;
    }
    if (mm_cr3(mm) == (read_cr3() & PTE_ADDR))
        write_cr3(mm_cr3(mm)); /* drop the parent's now stale writable TLB entries */
    return child;
}

/* ---- shared objects: eviction, truncation, locking, residency ---------- */

bool vma_reclaim_object_pte(struct mm *mm, struct vma *v, uint64_t va, uint64_t *pte)
{
    uint64_t entry = *pte;
    if (entry & PTE_A) {
        *pte = entry & ~PTE_A;
        vm_flush(mm->pml4, va);
        return false;
    }
    /* The frame belongs to the object: dropping this mapping loses
     * nothing (a later touch maps it again, or pages it in). */
    *pte = 0;
    vm_flush(mm->pml4, va);
    frame_put(entry & PTE_ADDR);
    return memobj_evict(v->obj, object_index(v, va), va);
}

struct zap_ctx {
    bool even_cows;
};

static void zap_page(struct mm *mm, uint64_t va, uint64_t *pte, void *ctx)
{
    const struct zap_ctx *z = ctx;
    if ((*pte & PTE_P) && (*pte & PTE_OBJ)) {
        uint64_t pa = *pte & PTE_ADDR;
        *pte = 0;
        vm_flush(mm->pml4, va);
        frame_put(pa);
    } else if (z->even_cows) {
        free_page(mm, va, pte, 0);
    }
}

void vma_zap_object(struct memobj *obj, uint64_t first, uint64_t last, bool even_cows)
{
    struct zap_ctx z = {even_cows};
    for (int p = 0; p < proc_slots(); p++) {
        struct mm *mm = proc_table(p)->mm;
        if (!mm)
            continue;
        for (int i = 0; i < mm->nvmas; i++) {
            const struct vma *v = &mm->vmas[i];
            uint64_t pages = (v->end - v->start) / PAGE_SIZE;
            if (v->obj != obj || last < v->pgoff || first >= v->pgoff + pages)
                continue;
            uint64_t from = first > v->pgoff ? first - v->pgoff : 0;
            uint64_t to = last - v->pgoff < pages - 1 ? last - v->pgoff : pages - 1;
            for_each_entry(mm, v->start + from * PAGE_SIZE, v->start + (to + 1) * PAGE_SIZE, zap_page, &z);
        }
    }
}

bool vma_object_writably_mapped(struct memobj *obj)
{
    for (int p = 0; p < proc_slots(); p++) {
        struct mm *mm = proc_table(p)->mm;
        for (int i = 0; mm && i < mm->nvmas; i++)
            if (mm->vmas[i].obj == obj && (mm->vmas[i].flags & VMA_SHARED) && (mm->vmas[i].flags & VMA_MAYWRITE))
                return true;
    }
    return false;
}

/* Areas whose pages mlock makes resident (and counts). */
static bool lockable(const struct vma *v)
{
    return v->prot != PROT_NONE && v->kind != VMA_STACK && v->kind != VMA_GUARD;
}

/* mlock(2) populates the locked pages: a private writable page is made
 * writable (its copy-on-write broken) so that no later fault needs memory. */
static int populate(struct mm *mm, const struct vma *v)
{
    if (!lockable(v))
        return 0; /* reserved, or the stack (which commits as it grows) */
    bool write = (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED);
    for (uint64_t va = v->start; va < v->end; va += PAGE_SIZE) {
        if (past_end(v, va))
            break;
        if (!vma_user_page(mm, va, write))
            return -ENOMEM;
    }
    return 0;
}

/* Pages in locked areas, over every process (a shared page locked in two
 * counts twice: the bound errs on the safe side). */
static uint64_t locked_pages(void)
{
    uint64_t n = 0;
    for (int p = 0; p < proc_slots(); p++) {
        struct mm *mm = proc_table(p)->mm;
        for (int i = 0; mm && i < mm->nvmas; i++)
            if ((mm->vmas[i].flags & VMA_LOCKED) && lockable(&mm->vmas[i]))
                n += (mm->vmas[i].end - mm->vmas[i].start) / PAGE_SIZE;
    }
    return n;
}

/* Like root's, locking has no RLIMIT_MEMLOCK bound, only this one: a
 * quarter of RAM always stays for pages that can be evicted, or the
 * machine would thrash with a frame or two for everything else (a single
 * instruction may need its code, stack and data pages at once). */
static bool too_much_locked(void) { return locked_pages() > frames_total_count() - frames_total_count() / 4; }

int vma_lock(struct mm *mm, uint64_t start, uint64_t len, bool lock, bool populate_now)
{
    uint64_t end = start + len;
    if (!len)
        return 0;
    if (start >= USER_END || len > USER_END - start || !vma_range_mapped(mm, start, len))
        return -ENOMEM;
    if (!split_at(mm, start) || !split_at(mm, end))
        return -ENOMEM;
    for (int i = 0; i < mm->nvmas; i++) {
        struct vma *v = &mm->vmas[i];
        if (v->start >= start && v->end <= end)
            v->flags = lock ? v->flags | VMA_LOCKED : v->flags & ~VMA_LOCKED;
    }
    int err = lock && too_much_locked() ? -ENOMEM : 0;
    for (int i = 0; lock && populate_now && !err && i < mm->nvmas; i++)
        if (mm->vmas[i].start >= start && mm->vmas[i].end <= end)
            err = populate(mm, &mm->vmas[i]);
    merge_all(mm);
    if (err) /* more than RAM: leave nothing locked, or nothing could be evicted any more */
        vma_lock(mm, start, len, false, false);
    return err;
}

int vma_lock_all(struct mm *mm, bool lock, bool populate_now)
{
    for (int i = 0; i < mm->nvmas; i++)
        mm->vmas[i].flags = lock ? mm->vmas[i].flags | VMA_LOCKED : mm->vmas[i].flags & ~VMA_LOCKED;
    int err = lock && too_much_locked() ? -ENOMEM : 0;
    for (int i = 0; lock && populate_now && !err && i < mm->nvmas; i++)
        err = populate(mm, &mm->vmas[i]);
    if (err)
        vma_lock_all(mm, false, false); /* as vma_lock */
    merge_all(mm);
    return err;
}

bool vma_page_resident(struct mm *mm, uint64_t va)
{
    struct vma *v = vma_find(mm, va);
    if (!v)
        return false;
    uint64_t hole;
    uint64_t *pte = pte_find(mm->pml4, va, &hole);
    if (pte && (*pte & PTE_P))
        return true;
    if (pte && pte_is_swapped(*pte))
        return false;
    /* Not mapped here: an object's page may still be in its page cache. */
    return v->obj && !past_end(v, va) && (memobj_entry(v->obj, object_index(v, va)) & PTE_P);
}
