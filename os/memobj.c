/* memobj.c — shared memory objects (see memobj.h): a sparse page array
 * shared by every mapping and by read()/write().
 *
 * The array is a radix tree shaped like a page table: four levels of 512
 * eight-byte entries, each table one frame, indexed by 9 bits of the page
 * index (35..27, 26..18, 17..9, 8..0).  Tables are created on the first
 * store into their range and freed only with the object, so a pointer to
 * an entry stays valid while frames are allocated (allocating may run the
 * page replacer, which may evict pages of this very object: entries are
 * read again after every allocation).
 *
 * An evicted page goes to a fresh pagefile slot and comes back from it
 * once; the slot is freed on page-in, so a resident page never has a copy
 * to keep in step with (a kernel write through the direct map sets no
 * Dirty bit anywhere). */
#include "memobj.h"
#include "errno.h"
#include "frame.h"
#include "memlayout.h"
#include "panic.h"
#include "string.h"
#include "swap.h"

#define LEVELS 4
#define ENTRIES 512

static uint64_t tmpfs_pages;

static unsigned level_index(uint64_t index, int level) { return (index >> (9 * level)) & (ENTRIES - 1); }

struct memobj *memobj_new(const char *name, bool tmpfs)
{
    _Static_assert(sizeof(struct memobj) <= PAGE_SIZE, "an object header is one frame");
    uint64_t pa = frame_alloc();
    if (!pa)
        return 0;
    struct memobj *obj = p2v(pa);
    obj->refs = 1;
    obj->tmpfs = tmpfs;
    strlcpy(obj->name, name, sizeof obj->name);
    return obj;
}

void memobj_get(struct memobj *obj) { obj->refs++; }

/* The entry of page index; with create, the missing tables are made (NULL
 * when memory runs out). */
static uint64_t *entry_at(struct memobj *obj, uint64_t index, bool create)
{
    if (index >= MEMOBJ_MAX_PAGES)
        return 0;
    if (!obj->root) {
        uint64_t pa = create ? frame_alloc() : 0;
        if (!pa)
            return 0;
        if (obj->root) /* made while we allocated (cannot happen today, but cheap to respect) */
            frame_put(pa);
        else
            obj->root = p2v(pa);
    }
    uint64_t *table = obj->root;
    for (int level = LEVELS - 1; level > 0; level--) {
        uint64_t *slot = &table[level_index(index, level)];
        if (!*slot) {
            uint64_t pa = create ? frame_alloc() : 0;
            if (!pa)
                return 0;
            if (*slot)
                frame_put(pa);
            else
                *slot = pa;
        }
        table = p2v(*slot);
    }
    return &table[level_index(index, 0)];
}

uint64_t memobj_entry(struct memobj *obj, uint64_t index)
{
    uint64_t *e = entry_at(obj, index, false);
    return e ? *e : 0;
}

uint64_t memobj_page(struct memobj *obj, uint64_t index, bool create, uint64_t va)
{
    uint64_t *e = entry_at(obj, index, create);
    if (!e)
        return 0;
    if (*e & PTE_P)
        return *e & PTE_ADDR;
    if (!*e && (!create || (obj->tmpfs && tmpfs_pages >= memobj_tmpfs_limit())))
        return 0;
    uint64_t pa = frame_alloc();
    if (!pa)
        return 0;
    if (*e & PTE_P) { /* cannot happen (nothing pages in behind our back), but never leak */
        frame_put(pa);
        return *e & PTE_ADDR;
    }
    if (pte_is_swapped(*e)) {
        uint64_t slot = pte_swap_slot(*e);
        if (!swap_read_page(slot, pa, va)) {
            frame_put(pa);
            return 0;
        }
        swap_slot_put(slot);
        obj->swapped--;
    } else {
        obj->pages++;
        if (obj->tmpfs)
            tmpfs_pages++;
    }
    *e = pa | PTE_P;
    return pa;
}

bool memobj_evict(struct memobj *obj, uint64_t index, uint64_t va)
{
    uint64_t *e = entry_at(obj, index, false);
    if (!e || !(*e & PTE_P))
        return false;
    uint64_t pa = *e & PTE_ADDR;
    if (frame_refs(pa) != 1)
        return false; /* still mapped somewhere */
    uint64_t slot = swap_write_page(pa, va);
    if (!slot)
        return false;
    *e = swap_pte(slot);
    obj->swapped++;
    frame_put(pa);
    return true;
}

static void drop_entry(struct memobj *obj, uint64_t *e)
{
    if (!*e)
        return;
    if (*e & PTE_P) {
        frame_put(*e & PTE_ADDR);
    } else {
        swap_slot_put(pte_swap_slot(*e));
        obj->swapped--;
    }
    *e = 0;
    obj->pages--;
    if (obj->tmpfs)
        tmpfs_pages--;
}

void memobj_punch(struct memobj *obj, uint64_t first, uint64_t last)
{
    if (last >= MEMOBJ_MAX_PAGES)
        last = MEMOBJ_MAX_PAGES - 1;
    for (uint64_t index = first; index <= last && obj->pages && obj->root;) {
        /* Walk down; skip a whole missing subtree at once. */
        uint64_t *table = obj->root;
        int level = LEVELS - 1;
        for (; level > 0; level--) {
            uint64_t next = table[level_index(index, level)];
            if (!next)
                break;
            table = p2v(next);
        }
        if (level > 0) {
            uint64_t span = 1ull << (9 * level);
            index = (index + span) & ~(span - 1);
            continue;
        }
        drop_entry(obj, &table[level_index(index, 0)]);
        index++;
    }
}

static void free_tables(uint64_t *table, int level)
{
    if (level > 0)
        for (int i = 0; i < ENTRIES; i++)
            if (table[i])
                free_tables(p2v(table[i]), level - 1);
    frame_put(v2p(table));
}

void memobj_put(struct memobj *obj)
{
    ASSERT(obj->refs > 0);
    if (--obj->refs > 0)
        return;
    memobj_punch(obj, 0, MEMOBJ_MAX_PAGES - 1);
    if (obj->root)
        free_tables(obj->root, LEVELS - 1);
    frame_put(v2p(obj));
}

void memobj_read(struct memobj *obj, uint64_t off, void *dst, uint64_t n)
{
    uint8_t *out = dst;
    while (n) {
        uint64_t in_page = off & (PAGE_SIZE - 1), chunk = PAGE_SIZE - in_page;
        if (chunk > n)
            chunk = n;
        uint64_t pa = memobj_page(obj, off / PAGE_SIZE, false, 0);
        if (pa)
            memcpy(out, (uint8_t *)p2v(pa) + in_page, chunk);
        else
            memset(out, 0, chunk); /* a hole */
        out += chunk;
        off += chunk;
        n -= chunk;
    }
}

long memobj_write(struct memobj *obj, uint64_t off, const void *src, uint64_t n)
{
    const uint8_t *in = src;
    uint64_t done = 0;
    while (done < n) {
        uint64_t in_page = off & (PAGE_SIZE - 1), chunk = PAGE_SIZE - in_page;
        if (chunk > n - done)
            chunk = n - done;
        uint64_t pa = memobj_page(obj, off / PAGE_SIZE, true, 0);
        if (!pa)
            return done ? (long)done : obj->tmpfs ? -ENOSPC : -ENOMEM;
        memcpy((uint8_t *)p2v(pa) + in_page, in + done, chunk);
        off += chunk;
        done += chunk;
    }
    return (long)done;
}

void memobj_zero(struct memobj *obj, uint64_t off, uint64_t n)
{
    while (n) {
        uint64_t in_page = off & (PAGE_SIZE - 1), chunk = PAGE_SIZE - in_page;
        if (chunk > n)
            chunk = n;
        uint64_t pa = memobj_page(obj, off / PAGE_SIZE, false, 0);
        if (pa)
            memset((uint8_t *)p2v(pa) + in_page, 0, chunk);
        off += chunk;
        n -= chunk;
    }
}

uint64_t memobj_tmpfs_pages(void) { return tmpfs_pages; }
uint64_t memobj_tmpfs_limit(void) { return frames_total_count() / 2; }
