/* memlayout.h — the kernel's virtual address map.
 *
 *   0x0000000000000000 - 0x00007fffffffffff  user half (private to each process)
 *       0x0000000000400000   a typical ET_EXEC program
 *       0x0000555555554000   where a static-PIE program is placed
 *       ...                  brk heap above the program, mmap areas below the stack
 *       0x00007ffffffff000   top of the main thread's stack (grows down, 8 MiB)
 *   0xffff800000000000  direct map: all of physical RAM (PML4 slot 256)
 *   0xfffffe8000000000  kernel heap: page-granular buffers (slot 509, kheap.c)
 *   0xffffff0000000000  kernel stacks, one slot per thread, guard pages between (slot 510)
 *   0xffffffff80000000  the kernel image, loaded at physical 1 MiB (slot 511)
 * The upper half (slots 256-511) is the same in every address space. */
#ifndef OS_MEMLAYOUT_H
#define OS_MEMLAYOUT_H
#include <stdint.h>
#include "abi/bootinfo.h"

#define PAGE_SIZE 4096ull
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ROUND_DOWN(a) ((uint64_t)(a) & PAGE_MASK)
#define PAGE_ROUND_UP(a) (((uint64_t)(a) + PAGE_SIZE - 1) & PAGE_MASK)

#define USER_END 0x0000800000000000ull      /* first non-user (non-canonical) address */
#define USER_STACK_TOP 0x00007ffffffff000ull
#define USER_STACK_SIZE (8ull << 20)        /* like RLIMIT_STACK */
#define USER_STACK_GUARD (1ull << 20)       /* guard pages below it, like Linux's stack_guard_gap: a
                                               frame bigger than one page cannot jump over them */
#define USER_MMAP_TOP 0x00007ff000000000ull /* anonymous mmap areas are placed below */
#define USER_PIE_BASE 0x0000555555554000ull
#define USER_MIN_ADDR 0x10000ull            /* like vm.mmap_min_addr: page 0 stays unmapped */

#define KERNEL_HALF_START 0xffff800000000000ull
#define DIRECT_MAP_BASE BOOTINFO_DIRECT_MAP_BASE
#define KHEAP_REGION 0xfffffe8000000000ull
#define KHEAP_REGION_SIZE (512ull << 30)
#define KSTACK_REGION 0xffffff0000000000ull
#define KERNEL_VIRT_BASE 0xffffffff80000000ull

/* Kernel stacks: KSTACK_PAGES mapped pages at the top of each 32 KiB slot,
 * the pages below them left unmapped as a guard. */
#define KSTACK_PAGES 4
#define KSTACK_SIZE (KSTACK_PAGES * PAGE_SIZE)
#define KSTACK_SLOT_SIZE 0x8000ull

/* Physical <-> direct-map virtual. */
static inline void *p2v(uint64_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
static inline uint64_t v2p(const void *va) { return (uint64_t)va - DIRECT_MAP_BASE; }
/* Physical address of something in the kernel image (its .data/.bss). */
static inline uint64_t kernel_v2p(const void *va) { return (uint64_t)va - KERNEL_VIRT_BASE; }

#endif
