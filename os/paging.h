/* paging.h — x86-64 4-level paging structures (SDM Vol. 3A 4.5).
 *
 * A 48-bit virtual address is split into four 9-bit table indexes and a
 * 12-bit page offset:
 *   47..39 PML4   38..30 PDPT   29..21 PD   20..12 PT   11..0 offset
 * Each table is one 4 KiB page of 512 eight-byte entries.  An entry holds
 * the physical address of the next table (or of the page) in bits 51..12
 * and these flags: */
#ifndef OS_PAGING_H
#define OS_PAGING_H
#include <stdbool.h>
#include <stdint.h>

#define PTE_P (1ull << 0)    /* Present: 0 = any access faults (#PF, P bit of the error code 0) */
#define PTE_W (1ull << 1)    /* Writable (at every level of the walk) */
#define PTE_U (1ull << 2)    /* User: ring 3 may access (at every level) */
#define PTE_PWT (1ull << 3)  /* write-through caching */
#define PTE_PCD (1ull << 4)  /* cache disable */
#define PTE_A (1ull << 5)    /* Accessed: set by the CPU on any access */
#define PTE_D (1ull << 6)    /* Dirty: set by the CPU on a write (leaf entries) */
#define PTE_PS (1ull << 7)   /* Page Size: in a PD entry, maps a 2 MiB page (in a PT entry: PAT) */
#define PTE_G (1ull << 8)    /* Global: survives CR3 reloads in the TLB (needs CR4.PGE) */
#define PTE_COW (1ull << 9)  /* software (bit 9 is ignored by the CPU): copy on write */
#define PTE_SWAP (1ull << 10) /* software, in a not-present entry: the page is in the pagefile (swap.h) */
#define PTE_OBJ (1ull << 11) /* software, present entries: the frame is a page of a shared object (memobj.h) */
#define PTE_NX (1ull << 63)  /* No-eXecute (needs EFER.NXE): instruction fetch faults */
#define PTE_ADDR 0x000ffffffffff000ull

/* #PF error code bits (SDM Vol. 3A 4.7, Figure 4-12), CR2 = the address. */
#define PFERR_P (1u << 0)     /* 0: not-present page; 1: protection violation */
#define PFERR_W (1u << 1)     /* the access was a write */
#define PFERR_U (1u << 2)     /* the access came from ring 3 */
#define PFERR_RSVD (1u << 3)  /* a reserved bit was set in a paging entry */
#define PFERR_I (1u << 4)     /* an instruction fetch */

static inline unsigned pt_index(uint64_t va, int level) /* level 3 = PML4 ... 0 = PT */
{
    return (va >> (12 + 9 * level)) & 511;
}

/* vm.c — page tables */
void vm_init(uint64_t ram_size);
uint64_t kernel_cr3(void);
/* The PTE mapping va (4 KiB pages), creating the intermediate tables when
 * create; NULL if absent (or no memory for a table). */
uint64_t *pte_lookup(uint64_t *pml4, uint64_t va, bool create);
/* Like pte_lookup without creating; when there is no page table for va,
 * *hole is the size of the unmapped region that starts at va's enclosing
 * boundary (512 GiB, 1 GiB or 2 MiB), so walkers can skip it at once. */
uint64_t *pte_find(uint64_t *pml4, uint64_t va, uint64_t *hole);
/* Map one 4 KiB page; false if a page table could not be allocated. */
bool vm_map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags);
/* Clear a mapping and flush it from the TLB; returns the old entry. */
uint64_t vm_unmap_page(uint64_t *pml4, uint64_t va);
/* A new address space: an empty user half, the kernel half shared. */
uint64_t *vm_new_pml4(void);
/* Free the page tables of the user half (not the pages: see vma.c) and the PML4. */
void vm_free_pml4(uint64_t *pml4);
/* Map a kernel page (stacks, heap): kernel half, shared by every address space. */
bool vm_map_kernel_page(uint64_t va, uint64_t pa);
uint64_t vm_unmap_kernel_page(uint64_t va); /* returns the old entry */
/* Flush va from the TLB if pml4 is the active address space. */
void vm_flush(uint64_t *pml4, uint64_t va);

#endif
