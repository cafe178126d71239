/* frame.c — physical memory: 4 KiB frames.
 *
 * Built from the boot memory map (like the PC's e820): the BOOTMEM_USABLE
 * ranges are handed out front to back, a frame at a time, never touched
 * before (so boot does not walk all of RAM).  A freed frame goes on a free
 * list threaded through the free frames themselves (the first 8 bytes of a
 * free frame hold the physical address of the next, reached through the
 * direct map), which is used first.  A frame is zero-filled when it is handed out, so no data leaks from
 * one process to another.  A reference count per frame (an array carved
 * from the first usable range big enough) supports copy-on-write sharing,
 * and a per-frame pagefile slot lets a clean page be dropped, not written,
 * when it is evicted.  When the free list is empty, frame_alloc asks the
 * page replacer (swap.c) to evict a user page. */
#include "kinfo.h"
#include "frame.h"
#include "memlayout.h"
#include "panic.h"
#include "printf.h"
#include "string.h"
#include "swap.h"

static uint64_t free_head;       /* physical address of the first freed frame, 0 = none */
static struct {
    uint64_t next, end;          /* the untouched part of a usable range */
} ranges[BOOTINFO_MMAP_MAX + 1];
static int nranges;
static uint64_t free_count, total_count;
static uint64_t swap_candidates; /* frames with a pagefile slot attached and one user */
static uint16_t *refcount;       /* indexed by frame number */
static uint32_t *swap_slot;      /* indexed by frame number: 0 or a pagefile slot with a clean copy */
static uint64_t frame_limit;     /* number of frames in refcount[] */

static void free_push(uint64_t pa)
{
    *(uint64_t *)p2v(pa) = free_head;
    free_head = pa;
    free_count++;
}

static void add_range(uint64_t base, uint64_t len)
{
    if (base == 0) { /* physical page 0 stays unused: 0 means "no frame" */
        base += PAGE_SIZE;
        len = len > PAGE_SIZE ? len - PAGE_SIZE : 0;
    }
    if (!len || nranges == (int)(sizeof ranges / sizeof ranges[0]))
        return;
    ranges[nranges].next = base;
    ranges[nranges].end = base + len;
    nranges++;
    free_count += len / PAGE_SIZE;
    total_count += len / PAGE_SIZE;
}

/* The next never-used frame, lowest address first; 0 if none. */
static uint64_t take_from_ranges(void)
{
    for (int i = 0; i < nranges; i++) {
        if (ranges[i].next < ranges[i].end) {
            uint64_t pa = ranges[i].next;
            ranges[i].next += PAGE_SIZE;
            free_count--;
            return pa;
        }
    }
    return 0;
}

void frames_init(const struct bootinfo *bi)
{
    frame_limit = bi->ram_size / PAGE_SIZE;
    uint64_t table_bytes = PAGE_ROUND_UP(frame_limit * (sizeof *refcount + sizeof *swap_slot));
    const struct bootinfo_mem *table_range = 0;
    for (uint32_t i = 0; i < bi->mmap_count && !table_range; i++)
        if (bi->mmap[i].type == BOOTMEM_USABLE && bi->mmap[i].length >= table_bytes + PAGE_SIZE)
            table_range = &bi->mmap[i];
    if (!table_range)
        panic("no usable RAM for the frame table (%lu bytes)", table_bytes);
    swap_slot = p2v(table_range->base);
    refcount = (uint16_t *)(swap_slot + frame_limit);
    memset(swap_slot, 0, table_bytes);
    for (uint32_t i = 0; i < bi->mmap_count; i++) {
        const struct bootinfo_mem *m = &bi->mmap[i];
        if (m->type != BOOTMEM_USABLE || m->base + m->length > bi->ram_size)
            continue;
        if (m == table_range)
            add_range(m->base + table_bytes, m->length - table_bytes);
        else
            add_range(m->base, m->length);
    }
    kprintf("frames: %lu free of %lu MiB RAM (frame table %lu KiB)\n", free_count, bi->ram_size >> 20,
            table_bytes >> 10);
}

void frames_add_boot_memory(const struct bootinfo_mem *map, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++)
        if (map[i].type == BOOTMEM_BOOT && (map[i].base + map[i].length) / PAGE_SIZE <= frame_limit)
            add_range(map[i].base, map[i].length);
}

uint64_t frame_alloc(void)
{
    uint64_t pa = free_head;
    if (pa) {
        free_head = *(uint64_t *)p2v(pa);
        free_count--;
    } else if (!(pa = take_from_ranges())) {
        if (!swap_reclaim())
            return 0;
        pa = free_head; /* the evicted page's frame */
        free_head = *(uint64_t *)p2v(pa);
        free_count--;
    }
    memset(p2v(pa), 0, PAGE_SIZE);
    refcount[pa / PAGE_SIZE] = 1;
    return pa;
}

/* A frame the page replacer can evict into the slot it already has (one
 * user, a copy in the pagefile): what is left to evict once the pagefile
 * is full.  Counted as reference counts and slots change. */
static bool swap_candidate(uint64_t frame) { return swap_slot[frame] && refcount[frame] == 1; }

static void count_candidate(uint64_t frame, bool was)
{
    swap_candidates += (uint64_t)(int64_t)(swap_candidate(frame) - was);
}

void frame_get(uint64_t pa)
{
    uint64_t f = pa / PAGE_SIZE;
    ASSERT(f < frame_limit && refcount[f] > 0);
    bool was = swap_candidate(f);
    refcount[f]++;
    count_candidate(f, was);
}

void frame_put(uint64_t pa)
{
    uint64_t f = pa / PAGE_SIZE;
    ASSERT(f < frame_limit && refcount[f] > 0);
    bool was = swap_candidate(f);
    refcount[f]--;
    count_candidate(f, was);
    if (refcount[f] > 0)
        return;
    uint64_t slot = swap_slot[pa / PAGE_SIZE];
    if (slot) {
        frame_set_swap_slot(pa, 0);
        swap_slot_put(slot);
    }
    free_push(pa);
}

unsigned frame_refs(uint64_t pa)
{
    return pa / PAGE_SIZE < frame_limit ? refcount[pa / PAGE_SIZE] : 0;
}

uint64_t frame_swap_slot(uint64_t pa) { return pa / PAGE_SIZE < frame_limit ? swap_slot[pa / PAGE_SIZE] : 0; }

void frame_set_swap_slot(uint64_t pa, uint64_t slot)
{
    uint64_t f = pa / PAGE_SIZE;
    ASSERT(f < frame_limit && slot <= UINT32_MAX);
    bool was = swap_candidate(f);
    swap_slot[f] = (uint32_t)slot;
    count_candidate(f, was);
}

uint64_t frames_evictable_in_place(void) { return swap_candidates; }

uint64_t frames_free_count(void) { return free_count; }
uint64_t frames_total_count(void) { return total_count; }

void frame_kinfo(struct kinfo *k)
{
    k->frame_refcount = (uint64_t)&refcount;
    k->frame_limit = (uint64_t)&frame_limit;
    k->frame_free_count = (uint64_t)&free_count;
    k->frame_total_count = (uint64_t)&total_count;
}
