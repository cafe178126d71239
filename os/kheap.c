/* kheap.c — the kernel heap: virtually contiguous buffers of whole pages.
 *
 * A buffer gets fresh virtual addresses from the kernel-heap region (PML4
 * slot 509, memlayout.h; 512 GiB, handed out once and never reused) and one
 * frame per page, which need not be physically contiguous.  Freeing unmaps
 * the pages and returns the frames.  Used for what has no fixed size: file
 * contents in /tmp, pipe buffers, exec's argument copies. */
#include "kheap.h"
#include "frame.h"
#include "memlayout.h"
#include "paging.h"

static uint64_t next_va = KHEAP_REGION;

void *kheap_alloc(size_t bytes)
{
    uint64_t size = PAGE_ROUND_UP(bytes ? bytes : 1);
    if (size > KHEAP_REGION_SIZE - (next_va - KHEAP_REGION))
        return 0;
    uint64_t base = next_va;
    for (uint64_t off = 0; off < size; off += PAGE_SIZE) {
        uint64_t pa = frame_alloc();
        if (!pa || !vm_map_kernel_page(base + off, pa)) {
            if (pa)
                frame_put(pa);
            kheap_free((void *)base, off);
            return 0;
        }
    }
    next_va += size + PAGE_SIZE; /* an unmapped page between buffers catches overruns */
    return (void *)base;
}

void kheap_free(void *p, size_t bytes)
{
    uint64_t base = (uint64_t)p;
    for (uint64_t off = 0; off < PAGE_ROUND_UP(bytes); off += PAGE_SIZE) {
        uint64_t pa = vm_unmap_kernel_page(base + off);
        if (pa & PTE_P)
            frame_put(pa & PTE_ADDR);
    }
}
