/* swap.h — the pagefile on the ATA disk and page replacement (os/swap.c).
 *
 * A swapped-out page's PTE is not present (P = 0, so the CPU ignores every
 * other bit, SDM Vol. 3A 4.5.4) and holds PTE_SWAP plus the pagefile slot
 * number in the address bits.  Slots are reference counted: fork shares a
 * swapped page's slot between parent and child. */
#ifndef OS_SWAP_H
#define OS_SWAP_H
#include <stdbool.h>
#include <stdint.h>
#include "paging.h"

static inline bool pte_is_swapped(uint64_t pte) { return !(pte & PTE_P) && (pte & PTE_SWAP); }
static inline uint64_t pte_swap_slot(uint64_t pte) { return (pte & PTE_ADDR) >> 12; }
static inline uint64_t swap_pte(uint64_t slot) { return slot << 12 | PTE_SWAP; }

/* Find the disk and set up the slot table; false: no pagefile (then
 * running out of frames is out of memory). */
bool swap_init(void);
/* Free one frame by evicting a user page (second chance over the Accessed
 * bits); false if nothing could be evicted. */
bool swap_reclaim(void);
/* Read slot into the frame at pa (page-in) and report it for va. */
bool swap_read_page(uint64_t slot, uint64_t pa, uint64_t va);
/* Write the frame at pa to a new slot (page-out of va, reported); the
 * slot, or 0 if the pagefile is full or absent.  For pages kept in a
 * shared object (memobj.c), which owns the slot. */
uint64_t swap_write_page(uint64_t pa, uint64_t va);
void swap_slot_get(uint64_t slot);
void swap_slot_put(uint64_t slot);
unsigned swap_slot_refs(uint64_t slot);
/* Pagefile size and free space, in slots (pages); 0 without a disk. */
uint64_t swap_total_slots(void);
uint64_t swap_free_slots(void);

#endif
