/* vm.c — page tables: the kernel's address space and per-process PML4s.
 *
 * The kernel half (PML4 slots 256-511) is built once at boot:
 *   - the direct map of all RAM with 2 MiB pages (PD entries with PS=1),
 *     writable, global, no-execute;
 *   - the kernel image with 4 KiB pages: text read-only + executable,
 *     rodata read-only + NX, data/bss writable + NX; all global;
 *   - an (initially empty) PDPT for the kernel stacks.
 * Every process PML4 copies slots 256-511, so they point at the same
 * PDPTs: a kernel mapping added later below them is seen everywhere, and
 * switching CR3 keeps the kernel in place.  Kernel pages are global (G), so
 * the CR3 switch does not even flush them from the TLB. */
#include "kinfo.h"
#include "paging.h"
#include "frame.h"
#include "memlayout.h"
#include "panic.h"
#include "printf.h"
#include "string.h"
#include "x86.h"

#define ENTRIES 512
#define KERNEL_HALF_FIRST_SLOT 256

extern char _kernel_start[], _etext[], _rodata_start[], _erodata[], _data_start[], _kernel_end[];

static uint64_t *kernel_pml4;

static uint64_t *table_at(uint64_t entry) { return p2v(entry & PTE_ADDR); }

uint64_t *pte_lookup(uint64_t *pml4, uint64_t va, bool create)
{
    /* Intermediate entries grant the most; the leaf decides.  (The CPU
     * ANDs R/W and U/S over all four levels, SDM Vol. 3A 4.6.1.) */
    uint64_t table_flags = va < USER_END ? PTE_P | PTE_W | PTE_U : PTE_P | PTE_W;
    uint64_t *table = pml4;
    for (int level = 3; level > 0; level--) {
        uint64_t *entry = &table[pt_index(va, level)];
        if (!(*entry & PTE_P)) {
            if (!create)
                return 0;
            uint64_t pa = frame_alloc();
            if (!pa)
                return 0;
            *entry = pa | table_flags;
        } else if (*entry & PTE_PS) {
            return 0; /* a large page: not a 4 KiB mapping */
        }
        table = table_at(*entry);
    }
    return &table[pt_index(va, 0)];
}

uint64_t *pte_find(uint64_t *pml4, uint64_t va, uint64_t *hole)
{
    uint64_t *table = pml4;
    for (int level = 3; level > 0; level--) {
        uint64_t entry = table[pt_index(va, level)];
        if (!(entry & PTE_P) || (entry & PTE_PS)) {
            *hole = 1ull << (12 + 9 * level); /* what one entry at this level maps */
            return 0;
        }
        table = table_at(entry);
    }
    return &table[pt_index(va, 0)];
}

bool vm_map_page(uint64_t *pml4, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t *pte = pte_lookup(pml4, va, true);
    if (!pte)
        return false;
    *pte = pa | flags | PTE_P;
    vm_flush(pml4, va);
    return true;
}

uint64_t vm_unmap_page(uint64_t *pml4, uint64_t va)
{
    uint64_t *pte = pte_lookup(pml4, va, false);
    if (!pte)
        return 0;
    uint64_t old = *pte;
    *pte = 0;
    vm_flush(pml4, va);
    return old;
}

/* INVLPG drops the TLB entry for one page (SDM Vol. 2A INVLPG): needed after
 * changing or removing a present entry of the active address space. */
void vm_flush(uint64_t *pml4, uint64_t va)
{
    if (v2p(pml4) == (read_cr3() & PTE_ADDR))
        invlpg(va);
}

static void map_direct(uint64_t ram_size)
{
    uint64_t *pdpt = p2v(frame_alloc());
    kernel_pml4[pt_index(DIRECT_MAP_BASE, 3)] = v2p(pdpt) | PTE_P | PTE_W;
    for (uint64_t pa = 0; pa < ram_size; pa += 2ull << 20) {
        uint64_t va = DIRECT_MAP_BASE + pa;
        uint64_t *pdpte = &pdpt[pt_index(va, 2)];
        if (!(*pdpte & PTE_P))
            *pdpte = frame_alloc() | PTE_P | PTE_W;
        table_at(*pdpte)[pt_index(va, 1)] = pa | PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX;
    }
}

static void map_image_range(const char *start, const char *end, uint64_t flags)
{
    for (uint64_t va = PAGE_ROUND_DOWN(start); va < (uint64_t)end; va += PAGE_SIZE)
        if (!vm_map_page(kernel_pml4, va, va - KERNEL_VIRT_BASE, flags | PTE_G))
            panic("out of memory mapping the kernel image");
}

void vm_init(uint64_t ram_size)
{
    kernel_pml4 = p2v(frame_alloc());
    if (kernel_pml4 == p2v(0))
        panic("out of memory for the kernel page tables");
    map_direct(ram_size);
    map_image_range(_kernel_start, _etext, 0);
    map_image_range(_rodata_start, _erodata, PTE_NX);
    map_image_range(_data_start, _kernel_end, PTE_W | PTE_NX);
    /* Empty PDPTs for the regions filled later, so every PML4 shares them. */
    kernel_pml4[pt_index(KHEAP_REGION, 3)] = frame_alloc() | PTE_P | PTE_W;
    kernel_pml4[pt_index(KSTACK_REGION, 3)] = frame_alloc() | PTE_P | PTE_W;
    write_cr3(v2p(kernel_pml4));
    kprintf("vm: kernel page tables at %lx, direct map of %lu MiB\n", v2p(kernel_pml4), ram_size >> 20);
}

uint64_t kernel_cr3(void) { return v2p(kernel_pml4); }

uint64_t *vm_new_pml4(void)
{
    uint64_t pa = frame_alloc();
    if (!pa)
        return 0;
    uint64_t *pml4 = p2v(pa);
    for (int i = KERNEL_HALF_FIRST_SLOT; i < ENTRIES; i++)
        pml4[i] = kernel_pml4[i];
    return pml4;
}

static void free_table(uint64_t *table, int level)
{
    if (level > 0)
        for (int i = 0; i < ENTRIES; i++)
            if (table[i] & PTE_P)
                free_table(table_at(table[i]), level - 1);
    frame_put(v2p(table));
}

void vm_free_pml4(uint64_t *pml4)
{
    for (int i = 0; i < KERNEL_HALF_FIRST_SLOT; i++)
        if (pml4[i] & PTE_P)
            free_table(table_at(pml4[i]), 2);
    frame_put(v2p(pml4));
}

bool vm_map_kernel_page(uint64_t va, uint64_t pa)
{
    return vm_map_page(kernel_pml4, va, pa, PTE_W | PTE_NX | PTE_G);
}

uint64_t vm_unmap_kernel_page(uint64_t va)
{
    uint64_t *pte = pte_lookup(kernel_pml4, va, false);
    if (!pte)
        return 0;
    uint64_t old = *pte;
    *pte = 0;
    invlpg(va); /* global page: INVLPG flushes it whatever CR3 is (SDM Vol. 3A 4.10.4.1) */
    return old;
}

void vm_kinfo(struct kinfo *k) { k->kernel_pml4 = v2p(kernel_pml4); }
