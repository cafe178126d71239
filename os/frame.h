/* frame.h — the physical frame allocator (os/frame.c). */
#ifndef OS_FRAME_H
#define OS_FRAME_H
#include <stdint.h>
#include "abi/bootinfo.h"

/* Hand the memory map's usable RAM to the allocator. */
void frames_init(const struct bootinfo *bi);
/* Add the loader's boot memory (BOOTMEM_BOOT) once nothing uses it. */
void frames_add_boot_memory(const struct bootinfo_mem *map, uint32_t count);
/* A zero-filled frame with reference count 1; 0 when RAM is exhausted. */
uint64_t frame_alloc(void);
/* Reference counting: a frame shared copy-on-write by several address
 * spaces is freed when its last reference goes. */
void frame_get(uint64_t pa);
void frame_put(uint64_t pa);
unsigned frame_refs(uint64_t pa);
/* The pagefile slot holding an up-to-date copy of this frame (0: none).
 * Set by a page-in; the slot is released with the frame. */
uint64_t frame_swap_slot(uint64_t pa);
void frame_set_swap_slot(uint64_t pa, uint64_t slot);
/* How many frames have such a copy and a single user (reference count 1):
 * the pages the replacer can still evict once the pagefile is full. */
uint64_t frames_evictable_in_place(void);
uint64_t frames_free_count(void);
uint64_t frames_total_count(void);

#endif
