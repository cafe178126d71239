/* loader.c — boot: kernel ELF into RAM, initrd, boot page tables, GDT,
 * boot-info record, long-mode entry state.  See os/abi/bootinfo.h for the
 * contract the kernel relies on; the paging structures follow SDM Vol. 3A
 * §4.5 (4-level paging: PML4E → PDPTE → PDE (PS=1: 2 MiB page) → PTE). */
#include "loader.h"

#include <stdio.h>
#include <string.h>
#include "../os/abi/bootinfo.h"

#define PAGE 0x1000ull
#define LARGE_PAGE 0x200000ull
#define GIB 0x40000000ull

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }
static uint64_t align_down(uint64_t v, uint64_t a) { return v & ~(a - 1); }
static unsigned long long mib_ceil(uint64_t bytes) { return (bytes + (1ull << 20) - 1) >> 20; }

/* Index of va at paging level `level` (4 = PML4 … 1 = PT). */
static unsigned table_index(uint64_t va, int level) { return (va >> (12 + 9 * (level - 1))) & 511; }

struct boot_builder {
    struct mmu *mmu;
    uint64_t next_table; /* page-table page allocator, in the boot area */
    uint64_t pml4;
    char *err;
    size_t errlen;
};

static uint64_t get64(struct boot_builder *b, uint64_t pa)
{
    uint64_t v = 0;
    mmu_phys_read(b->mmu, pa, &v, sizeof v);
    return v;
}

static void put64(struct boot_builder *b, uint64_t pa, uint64_t v) { mmu_phys_write(b->mmu, pa, &v, sizeof v); }

/* A zeroed page for a paging structure, or 0 when the boot area is full. */
static uint64_t alloc_table(struct boot_builder *b)
{
    if (b->next_table + PAGE > BOOTINFO_BOOT_AREA_END) {
        snprintf(b->err, b->errlen, "boot page tables do not fit below 0x%llx (RAM or kernel too large)",
                 (unsigned long long)BOOTINFO_BOOT_AREA_END);
        return 0;
    }
    static const uint8_t zero[PAGE];
    uint64_t pa = b->next_table;
    mmu_phys_write(b->mmu, pa, zero, sizeof zero);
    b->next_table += PAGE;
    return pa;
}

/* The next-level table under entry `index` of `table`, created if absent.
 * Upper-level entries are present+writable with no NX and no U: the leaf
 * decides the permissions (SDM §4.6: rights combine as the most restrictive). */
static uint64_t child_table(struct boot_builder *b, uint64_t table, unsigned index, uint64_t va)
{
    uint64_t e = get64(b, table + 8ull * index);
    if (e & PTE_PS) {
        snprintf(b->err, b->errlen,
                 "the kernel's link address 0x%llx collides with the identity or direct map",
                 (unsigned long long)va);
        return 0;
    }
    if (e & PTE_P)
        return e & PTE_ADDR_MASK;
    uint64_t t = alloc_table(b);
    if (t)
        put64(b, table + 8ull * index, t | PTE_P | PTE_W);
    return t;
}

/* Map one 2 MiB page (PDE with PS=1). */
static int map_large(struct boot_builder *b, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t t = b->pml4;
    for (int level = 4; level > 2; level--)
        if (!(t = child_table(b, t, table_index(va, level), va)))
            return -1;
    put64(b, t + 8ull * table_index(va, 2), pa | flags | PTE_PS | PTE_P);
    return 0;
}

/* Map one 4 KiB page.  Two segments may share a page (unaligned segment
 * boundaries): then the page gets the union of their rights. */
static int map_small(struct boot_builder *b, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t t = b->pml4;
    for (int level = 4; level > 1; level--)
        if (!(t = child_table(b, t, table_index(va, level), va)))
            return -1;
    uint64_t slot = t + 8ull * table_index(va, 1);
    uint64_t old = get64(b, slot);
    if (old & PTE_P) {
        if ((old & PTE_ADDR_MASK) != pa) {
            snprintf(b->err, b->errlen, "kernel segments map virtual page 0x%llx to two physical pages",
                     (unsigned long long)va);
            return -1;
        }
        flags |= old & PTE_W;
        if (!(old & PTE_NX))
            flags &= ~PTE_NX;
    }
    put64(b, slot, pa | flags | PTE_P);
    return 0;
}

/* Identity map [0, min(RAM, 1 GiB)) and the direct map of all RAM. */
static int map_low_and_direct(struct boot_builder *b, uint64_t ram)
{
    uint64_t ident_end = align_up(ram < BOOTINFO_IDENTITY_LIMIT ? ram : BOOTINFO_IDENTITY_LIMIT, LARGE_PAGE);
    for (uint64_t pa = 0; pa < ident_end; pa += LARGE_PAGE)
        if (map_large(b, pa, pa, PTE_W) != 0)
            return -1;
    for (uint64_t pa = 0; pa < align_up(ram, LARGE_PAGE); pa += LARGE_PAGE)
        if (map_large(b, BOOTINFO_DIRECT_MAP_BASE + pa, pa, PTE_W | PTE_G | PTE_NX) != 0)
            return -1;
    return 0;
}

/* Copy each PT_LOAD to p_paddr (zero-filling p_memsz beyond p_filesz) and
 * map it at p_vaddr. */
static int load_kernel(struct boot_builder *b, const struct elf_file *k, uint64_t ram)
{
    static const uint8_t zero[PAGE];
    for (unsigned i = 0; i < k->phnum; i++) {
        const Elf64_Phdr *p = &k->phdr[i];
        if (p->p_type != PT_LOAD || p->p_memsz == 0)
            continue;
        if ((p->p_vaddr ^ p->p_paddr) & (PAGE - 1)) {
            snprintf(b->err, b->errlen, "kernel segment %u: p_vaddr 0x%llx and p_paddr 0x%llx differ within a page",
                     i, (unsigned long long)p->p_vaddr, (unsigned long long)p->p_paddr);
            return -1;
        }
        if (p->p_paddr < BOOTINFO_BOOT_AREA_END) {
            snprintf(b->err, b->errlen,
                     "kernel segment %u loads at physical 0x%llx, inside the boot area below 0x%llx: link the kernel higher",
                     i, (unsigned long long)p->p_paddr, (unsigned long long)BOOTINFO_BOOT_AREA_END);
            return -1;
        }
        if (p->p_paddr + p->p_memsz > ram) {
            snprintf(b->err, b->errlen,
                     "the kernel (up to physical 0x%llx) does not fit in %llu MiB of RAM: use --ram %lluM or more",
                     (unsigned long long)(p->p_paddr + p->p_memsz), mib_ceil(ram),
                     mib_ceil(p->p_paddr + p->p_memsz) + 1);
            return -1;
        }
        mmu_phys_write(b->mmu, p->p_paddr, k->data + p->p_offset, p->p_filesz);
        for (uint64_t off = p->p_filesz; off < p->p_memsz;) {
            uint64_t n = p->p_memsz - off < PAGE ? p->p_memsz - off : PAGE;
            mmu_phys_write(b->mmu, p->p_paddr + off, zero, n);
            off += n;
        }

        /* A kernel linked at its physical address in low memory already
         * runs from the identity map. */
        if (p->p_vaddr == p->p_paddr && p->p_vaddr + p->p_memsz <= BOOTINFO_IDENTITY_LIMIT)
            continue;
        uint64_t flags = PTE_G | ((p->p_flags & PF_W) ? PTE_W : 0) | ((p->p_flags & PF_X) ? 0 : PTE_NX);
        uint64_t va = align_down(p->p_vaddr, PAGE), pa = align_down(p->p_paddr, PAGE);
        for (; va < p->p_vaddr + p->p_memsz; va += PAGE, pa += PAGE)
            if (map_small(b, va, pa, flags) != 0)
                return -1;
    }
    return 0;
}

/* The boot GDT (SDM Vol. 3A §3.4.5, Figure 3-8): null, a 64-bit code
 * segment (L=1, D=0, DPL 0, type 0xB execute/read accessed) and a data
 * segment (type 0x3 read/write accessed), both base 0, limit 4 GiB. */
static const uint64_t boot_gdt[3] = {0, 0x00af9b000000ffffull, 0x00cf93000000ffffull};

/* The hidden part of a segment register loaded from a descriptor: the
 * same cache a real MOV Sreg or far jump fills (cpu.h's attr encoding:
 * descriptor bits 40-47 → attr 0-7, bits 52-55 → attr 12-15). */
static struct segment segment_from_descriptor(uint16_t sel, uint64_t d)
{
    uint32_t limit = (uint32_t)((d & 0xffff) | ((d >> 32) & 0xf0000));
    uint16_t attr = (uint16_t)(((d >> 40) & 0xff) | (((d >> 52) & 0xf) << 12));
    if (attr & (1u << 15)) /* G: limit in 4 KiB units */
        limit = (limit << 12) | 0xfff;
    uint64_t base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
    return (struct segment){.sel = sel, .base = base, .limit = limit, .attr = attr};
}

static void add_region(struct bootinfo *bi, uint64_t base, uint64_t end, uint32_t type)
{
    if (end <= base || bi->mmap_count >= BOOTINFO_MMAP_MAX)
        return;
    bi->mmap[bi->mmap_count++] = (struct bootinfo_mem){.base = base, .length = end - base, .type = type};
}

static void enter_long_mode(struct cpu *cpu, const struct boot_params *p, uint64_t pml4, uint64_t stack_top)
{
    memset(cpu->gpr, 0, sizeof cpu->gpr);
    cpu->gpr[RDI] = BOOTINFO_DIRECT_MAP_BASE + BOOTINFO_PHYS;
    cpu->gpr[RSI] = BOOTINFO_PHYS;
    cpu->gpr[RSP] = stack_top;
    cpu->rip = p->kernel->entry;
    cpu_set_rflags(cpu, 0x2);

    cpu->gdtr = (struct dtr){.base = BOOTINFO_DIRECT_MAP_BASE + BOOTINFO_GDT_PHYS, .limit = sizeof boot_gdt - 1};
    cpu->idtr = (struct dtr){.base = 0, .limit = 0};
    for (int s = 0; s < 6; s++)
        cpu->seg[s] = segment_from_descriptor(BOOTINFO_SEL_DATA, boot_gdt[BOOTINFO_SEL_DATA >> 3]);
    cpu->seg[SEG_CS] = segment_from_descriptor(BOOTINFO_SEL_CODE64, boot_gdt[BOOTINFO_SEL_CODE64 >> 3]);
    cpu->cpl = 0;

    /* Long mode (SDM Vol. 3A §9.8.5): PAE paging, EFER.LME, then CR0.PG,
     * which makes the CPU set EFER.LMA.  We arrive in the final state. */
    cpu->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    cpu->cr4 = CR4_PAE | CR4_PGE | (1ull << 9) /* OSFXSR */ | (1ull << 10) /* OSXMMEXCPT */;
    cpu->cr3 = pml4;
    cpu->cr0 = CR0_PE | (1ull << 1) /* MP */ | (1ull << 5) /* NE */ | CR0_WP | CR0_PG;
    mmu_set_control(cpu->mmu, cpu->cr0, cpu->cr3, cpu->cr4, cpu->efer, TLB_CAUSE_EXTERNAL);
    cpu->halted = 0;
}

uint64_t loader_initrd_phys(const struct elf_file *kernel) { return align_up(kernel->load_paddr_hi, PAGE); }

int loader_boot(struct cpu *cpu, const struct boot_params *p, struct boot_layout *out, char *err,
                size_t errlen)
{
    struct mmu *m = cpu->mmu;
    const struct elf_file *k = p->kernel;
    uint64_t ram = mmu_ram_size(m);
    struct boot_builder b = {.mmu = m, .next_table = BOOTINFO_TABLES_PHYS, .err = err, .errlen = errlen};

    if (ram < BOOTINFO_BOOT_AREA_END + PAGE) {
        snprintf(err, errlen, "%llu KiB of RAM is too small to boot (the boot area alone takes 1 MiB)",
                 (unsigned long long)(ram >> 10));
        return -1;
    }
    if (k->ehdr->e_type != ET_EXEC) {
        snprintf(err, errlen, "the kernel must be an ET_EXEC ELF linked at a fixed address, not position-independent");
        return -1;
    }
    size_t cmdline_len = p->cmdline ? strlen(p->cmdline) : 0;
    if (cmdline_len >= BOOTINFO_CMDLINE_MAX) {
        snprintf(err, errlen, "kernel command line is %zu bytes, the limit is %d", cmdline_len,
                 BOOTINFO_CMDLINE_MAX - 1);
        return -1;
    }

    if (!(b.pml4 = alloc_table(&b)) || map_low_and_direct(&b, ram) != 0 || load_kernel(&b, k, ram) != 0)
        return -1;
    uint64_t kernel_lo = align_down(k->load_paddr_lo, PAGE), kernel_hi = align_up(k->load_paddr_hi, PAGE);

    /* The initrd goes on the first page after the kernel image. */
    uint64_t initrd_phys = p->initrd_size ? kernel_hi : 0;
    if (p->initrd_size && (p->initrd_size > ram || initrd_phys > ram - p->initrd_size)) {
        snprintf(err, errlen,
                 "the kernel and initrd (the program and its files, %llu KiB) need %llu MiB but the guest has %llu MiB of RAM: use --ram %lluM or more",
                 (unsigned long long)(p->initrd_size >> 10), mib_ceil(kernel_hi + p->initrd_size),
                 mib_ceil(ram), mib_ceil(kernel_hi + p->initrd_size) + 1);
        return -1;
    }
    if (p->initrd_size && !p->initrd_in_ram)
        mmu_phys_write(m, initrd_phys, p->initrd, p->initrd_size);

    mmu_phys_write(m, BOOTINFO_GDT_PHYS, boot_gdt, sizeof boot_gdt);

    struct bootinfo bi;
    memset(&bi, 0, sizeof bi);
    bi.magic = BOOTINFO_MAGIC;
    bi.version = BOOTINFO_VERSION;
    bi.size = sizeof bi;
    bi.ram_size = ram;
    bi.direct_map_base = BOOTINFO_DIRECT_MAP_BASE;
    bi.kernel_phys = kernel_lo;
    bi.kernel_phys_end = kernel_hi;
    bi.kernel_virt = k->load_vaddr_lo;
    bi.kernel_entry = k->entry;
    bi.initrd_phys = initrd_phys;
    bi.initrd_size = p->initrd_size;
    bi.boot_pml4 = b.pml4;
    bi.insns_per_second = p->insns_per_second;
    if (cmdline_len)
        memcpy(bi.cmdline, p->cmdline, cmdline_len);
    bi.cmdline_len = (uint32_t)cmdline_len;
    uint64_t initrd_end = align_up(initrd_phys + p->initrd_size, PAGE);
    add_region(&bi, 0, BOOTINFO_PHYS, BOOTMEM_RESERVED);
    add_region(&bi, BOOTINFO_PHYS, b.next_table, BOOTMEM_BOOT);
    add_region(&bi, b.next_table, kernel_lo, BOOTMEM_USABLE);
    add_region(&bi, kernel_lo, kernel_hi, BOOTMEM_KERNEL);
    add_region(&bi, initrd_phys, initrd_end, BOOTMEM_INITRD);
    add_region(&bi, p->initrd_size ? initrd_end : kernel_hi, align_down(ram, PAGE), BOOTMEM_USABLE);
    mmu_phys_write(m, BOOTINFO_PHYS, &bi, sizeof bi);

    uint64_t stack_top = BOOTINFO_DIRECT_MAP_BASE + BOOTINFO_STACK_PHYS + BOOTINFO_STACK_SIZE;
    enter_long_mode(cpu, p, b.pml4, stack_top);
    if (out)
        *out = (struct boot_layout){
            .bootinfo_phys = BOOTINFO_PHYS, .pml4_phys = b.pml4, .tables_end = b.next_table,
            .kernel_phys_lo = kernel_lo, .kernel_phys_hi = kernel_hi,
            .initrd_phys = initrd_phys, .initrd_size = p->initrd_size, .stack_top = stack_top};
    return 0;
}
