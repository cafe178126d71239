/* bootinfo.h — the boot-info record: what the loader (machine/loader.c, the
 * machine's "firmware + bootloader") tells the guest kernel at entry.
 *
 * Shared ABI between host and guest code: plain stdint types, no host or
 * guest headers, fixed layout (every field naturally aligned, no padding the
 * compiler could choose differently).
 *
 * Entry contract (what the kernel can rely on when its ELF entry point runs):
 *   - 64-bit long mode, ring 0, CS = 0x08 (code64), SS/DS/ES/FS/GS = 0x10 (data)
 *     from a boot GDT at BOOTINFO_GDT_PHYS, RFLAGS = 0x2 (IF = 0), no IDT, no TSS.
 *   - CR0 = PE|MP|NE|WP|PG, CR4 = PAE|PGE|OSFXSR|OSXMMEXCPT,
 *     EFER = SCE|LME|LMA|NXE, CR3 = boot_pml4 (below).
 *   - Boot page tables map
 *       * the identity map: physical [0, min(RAM, 1 GiB)) at virtual 0, 2 MiB
 *         pages, present+writable, supervisor, executable, not global;
 *       * the direct map: all of RAM at BOOTINFO_DIRECT_MAP_BASE, 2 MiB pages,
 *         present+writable+global, no-execute;
 *       * the kernel image: each PT_LOAD segment of the kernel ELF at its
 *         link address (p_vaddr) onto its load address (p_paddr), 4 KiB pages,
 *         global, writable only if the segment is PF_W, executable only if PF_X.
 *   - RDI = the direct-map virtual address of this record,
 *     RSI = its physical address, RSP = the direct-map address of the top of a
 *     16 KiB boot stack (16-byte aligned).  Every other GPR is 0.
 *   - The initrd (a cpio "newc" archive) is in RAM at initrd_phys; it holds the
 *     program to run as bin/NAME, the extra --file files, and boot/argv: the
 *     program's argv as consecutive NUL-terminated strings (argv[0] first,
 *     the same layout as Linux's /proc/PID/cmdline).
 *   - Everything the loader built (this record, GDT, stack, page tables) is in
 *     BOOTMEM_BOOT entries of the memory map: free to reuse once the kernel
 *     runs on its own tables. */
#ifndef RINGSCOPE_ABI_BOOTINFO_H
#define RINGSCOPE_ABI_BOOTINFO_H
#include <stdint.h>

#define BOOTINFO_MAGIC 0x31544f4f42435352ull /* "RSCBOOT1" little-endian */
#define BOOTINFO_VERSION 1

/* Where the loader puts things (physical addresses). */
#define BOOTINFO_PHYS 0x1000ull              /* this record */
#define BOOTINFO_GDT_PHYS 0x3000ull          /* boot GDT: null, 0x08 code64, 0x10 data */
#define BOOTINFO_STACK_PHYS 0x4000ull        /* boot stack, BOOTINFO_STACK_SIZE bytes */
#define BOOTINFO_STACK_SIZE 0x4000ull
#define BOOTINFO_TABLES_PHYS 0x8000ull       /* boot page tables are allocated from here */
#define BOOTINFO_BOOT_AREA_END 0x100000ull   /* ... up to here; the kernel loads above */

/* Virtual layout. */
#define BOOTINFO_DIRECT_MAP_BASE 0xffff800000000000ull /* all of RAM, 2 MiB pages */
#define BOOTINFO_IDENTITY_LIMIT 0x40000000ull          /* identity map covers up to 1 GiB */

/* Selectors in the boot GDT. */
#define BOOTINFO_SEL_CODE64 0x08
#define BOOTINFO_SEL_DATA 0x10

/* Memory-map entry types (like the PC BIOS's e820 map, plus what the loader
 * placed so the kernel knows what not to hand out before it is done). */
enum bootinfo_mem_type {
    BOOTMEM_USABLE = 1,   /* free RAM */
    BOOTMEM_RESERVED = 2, /* never use (physical page 0, so a null physical pointer faults nothing useful) */
    BOOTMEM_KERNEL = 3,   /* the kernel image (all PT_LOAD segments, page-rounded) */
    BOOTMEM_INITRD = 4,   /* the initrd archive */
    BOOTMEM_BOOT = 5,     /* boot info, GDT, boot stack, boot page tables */
};

struct bootinfo_mem {
    uint64_t base;   /* physical, 4 KiB aligned */
    uint64_t length; /* bytes, multiple of 4 KiB */
    uint32_t type;   /* enum bootinfo_mem_type */
    uint32_t pad;
};

#define BOOTINFO_MMAP_MAX 32
#define BOOTINFO_CMDLINE_MAX 1024

struct bootinfo {
    uint64_t magic;            /* BOOTINFO_MAGIC */
    uint32_t version;          /* BOOTINFO_VERSION */
    uint32_t size;             /* sizeof(struct bootinfo) */
    uint64_t ram_size;         /* bytes of RAM, physical [0, ram_size) */
    uint64_t direct_map_base;  /* BOOTINFO_DIRECT_MAP_BASE */
    uint64_t kernel_phys;      /* lowest physical address of the kernel image */
    uint64_t kernel_phys_end;  /* end of the image (page-rounded, exclusive) */
    uint64_t kernel_virt;      /* link address of the lowest PT_LOAD segment */
    uint64_t kernel_entry;     /* the ELF entry point (where RIP started) */
    uint64_t initrd_phys;      /* cpio newc archive; 0 and 0 if none */
    uint64_t initrd_size;
    uint64_t boot_pml4;        /* physical address of the boot PML4 (CR3 at entry) */
    uint64_t insns_per_second; /* virtual CPU speed: virtual time = instructions / this */
    uint32_t mmap_count;       /* entries used in mmap[], sorted by base, no overlaps */
    uint32_t cmdline_len;      /* strlen(cmdline) */
    struct bootinfo_mem mmap[BOOTINFO_MMAP_MAX];
    char cmdline[BOOTINFO_CMDLINE_MAX]; /* NUL-terminated, e.g. "init=/bin/hello" */
};

_Static_assert(sizeof(struct bootinfo) == 104 + 24 * BOOTINFO_MMAP_MAX + BOOTINFO_CMDLINE_MAX,
               "boot-info layout must not depend on the compiler");
_Static_assert(sizeof(struct bootinfo) <= BOOTINFO_GDT_PHYS - BOOTINFO_PHYS,
               "boot-info record must fit below the GDT");

#endif
