/* test_loader.c — the boot loader, ELF validation and the initrd archive.
 *
 * Oracles: the page tables are read back through the MMU's own walker
 * (mmu_peek), the ELF files are produced by the host toolchain (gcc, ld,
 * musl-gcc) and their facts are checked against what readelf-visible fields
 * say, and the cpio archive is parsed back by an independent reader written
 * from the newc specification (Linux buffer-format.rst), not by cpio.c. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cpu/cpu.h"
#include "machine/cpio.h"
#include "machine/elf.h"
#include "machine/loader.h"
#include "os/abi/bootinfo.h"
#include "tests/guest_elf.h"

#define MIB (1ull << 20)

struct booted {
    struct mmu *mmu;
    struct cpu *cpu;
    struct elf_file kernel;
    struct boot_layout layout;
    struct cpio_writer initrd;
    char err[256];
};

static void boot_minimal(struct booted *b, uint64_t ram, int expect_rc)
{
    char path[256];
    memset(b, 0, sizeof *b);
    ck_assert_int_eq(guest_elf_build("minimal", path, sizeof path), 0);
    ck_assert_msg(elf_open(&b->kernel, path, b->err, sizeof b->err) == 0, "%s", b->err);
    b->mmu = mmu_new(ram, NULL, b->err, sizeof b->err);
    ck_assert_msg(b->mmu != NULL, "%s", b->err);
    b->cpu = cpu_new(b->mmu, NULL);
    ck_assert_ptr_nonnull(b->cpu);
    static const char program[] = "\x7f" "ELF pretend program bytes";
    char *args[] = {"first arg", "2"};
    ck_assert_int_eq(initrd_build(&b->initrd, "some/dir/hello", program, sizeof program, 2, args, NULL,
                                  0, b->err, sizeof b->err),
                     0);
    struct boot_params p = {.kernel = &b->kernel, .initrd = b->initrd.data,
                            .initrd_size = b->initrd.len, .cmdline = "init=/bin/hello",
                            .insns_per_second = 1000000000};
    int rc = loader_boot(b->cpu, &p, &b->layout, b->err, sizeof b->err);
    ck_assert_msg(rc == expect_rc, "loader_boot returned %d: %s", rc, b->err);
}

static void unboot(struct booted *b)
{
    cpu_free(b->cpu);
    mmu_free(b->mmu);
    elf_free(&b->kernel);
    cpio_free(&b->initrd);
}

/* The walk for va: ok, the physical address, and the leaf entry. */
static bool probe(struct booted *b, uint64_t va, uint64_t *pa, uint64_t *leaf, int *levels)
{
    struct mmu_controls now;
    mmu_get_controls(b->mmu, &now);
    struct mmu_peek w;
    bool ok = mmu_peek(b->mmu, now.cr3, va, &w);
    if (ok) {
        *pa = w.pa;
        *leaf = w.entry[w.levels - 1];
        *levels = w.levels;
    }
    return ok;
}

START_TEST(identity_map_covers_low_memory_with_2mib_pages)
{
    struct booted b;
    boot_minimal(&b, 64 * MIB, 0);
    uint64_t pa, leaf;
    int levels;
    ck_assert(probe(&b, 0x123458, &pa, &leaf, &levels));
    ck_assert_uint_eq(pa, 0x123458);
    ck_assert_int_eq(levels, 3); /* PML4E, PDPTE, PDE with PS=1 */
    ck_assert(leaf & PTE_PS);
    ck_assert(leaf & PTE_W);
    ck_assert(!(leaf & PTE_U));
    ck_assert(!(leaf & PTE_NX));
    ck_assert(!(leaf & PTE_G)); /* the kernel drops it: must not survive a CR3 switch */
    ck_assert(probe(&b, 64 * MIB - 8, &pa, &leaf, &levels));
    ck_assert_uint_eq(pa, 64 * MIB - 8);
    ck_assert(!probe(&b, 64 * MIB, &pa, &leaf, &levels)); /* no RAM there: not mapped */
    unboot(&b);
}
END_TEST

START_TEST(identity_map_stops_at_1gib)
{
    struct booted b;
    boot_minimal(&b, 1536 * MIB, 0);
    uint64_t pa, leaf;
    int levels;
    ck_assert(probe(&b, (1ull << 30) - 1, &pa, &leaf, &levels));
    ck_assert(!probe(&b, 1ull << 30, &pa, &leaf, &levels));
    /* ... while the direct map reaches all 1.5 GiB. */
    ck_assert(probe(&b, BOOTINFO_DIRECT_MAP_BASE + 1536 * MIB - 1, &pa, &leaf, &levels));
    ck_assert_uint_eq(pa, 1536 * MIB - 1);
    ck_assert(!probe(&b, BOOTINFO_DIRECT_MAP_BASE + 1536 * MIB, &pa, &leaf, &levels));
    unboot(&b);
}
END_TEST

START_TEST(direct_map_is_global_no_execute)
{
    struct booted b;
    boot_minimal(&b, 64 * MIB, 0);
    uint64_t pa, leaf;
    int levels;
    ck_assert(probe(&b, 0xffff800000000000ull + 0x2345678, &pa, &leaf, &levels));
    ck_assert_uint_eq(pa, 0x2345678);
    ck_assert_int_eq(levels, 3);
    ck_assert((leaf & (PTE_PS | PTE_W | PTE_G | PTE_NX)) == (PTE_PS | PTE_W | PTE_G | PTE_NX));
    ck_assert(!(leaf & PTE_U));
    unboot(&b);
}
END_TEST

START_TEST(kernel_mapped_at_link_address_with_segment_rights)
{
    struct booted b;
    boot_minimal(&b, 64 * MIB, 0);
    const struct elf_file *k = &b.kernel;
    uint64_t pa, leaf;
    int levels;
    /* Every PT_LOAD page: VA p_vaddr+off -> PA p_paddr+off, 4 KiB pages,
     * W iff PF_W, NX iff !PF_X, global, and the bytes equal the file. */
    int segments = 0;
    for (unsigned i = 0; i < k->phnum; i++) {
        const Elf64_Phdr *p = &k->phdr[i];
        if (p->p_type != PT_LOAD)
            continue;
        segments++;
        for (uint64_t off = 0; off < p->p_memsz; off += 0x800) {
            ck_assert(probe(&b, p->p_vaddr + off, &pa, &leaf, &levels));
            ck_assert_uint_eq(pa, p->p_paddr + off);
            ck_assert_int_eq(levels, 4);
            ck_assert_int_eq(!!(leaf & PTE_W), !!(p->p_flags & PF_W));
            ck_assert_int_eq(!!(leaf & PTE_NX), !(p->p_flags & PF_X));
            ck_assert(leaf & PTE_G);
            ck_assert(!(leaf & PTE_U));
            uint8_t byte;
            ck_assert(mmu_phys_read(b.mmu, pa, &byte, 1));
            ck_assert_uint_eq(byte, off < p->p_filesz ? k->data[p->p_offset + off] : 0);
        }
    }
    ck_assert_int_eq(segments, 2);
    /* The data word (from the ELF's own symbol table) reads back through the mapping. */
    const Elf64_Sym *syms;
    size_t n, strsz;
    const char *str;
    ck_assert(elf_symtab(k, &syms, &n, &str, &strsz));
    uint64_t data_word = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(elf_symbol_name(&syms[i], str, strsz), "data_word") == 0)
            data_word = syms[i].st_value;
    ck_assert_uint_ne(data_word, 0);
    ck_assert(probe(&b, data_word, &pa, &leaf, &levels));
    uint64_t v;
    ck_assert(mmu_phys_read(b.mmu, pa, &v, 8));
    ck_assert_uint_eq(v, 0x1122334455667788ull);
    unboot(&b);
}
END_TEST

START_TEST(cpu_enters_long_mode_ring0_at_entry)
{
    struct booted b;
    boot_minimal(&b, 64 * MIB, 0);
    struct cpu *c = b.cpu;
    ck_assert_uint_eq(c->rip, b.kernel.ehdr->e_entry);
    ck_assert_uint_eq(c->rip, 0xffffffff80100000ull);
    /* SDM Vol. 3A §2.5: CR0 PE(0) MP(1) NE(5) WP(16) PG(31); CR4 PAE(5)
     * PGE(7) OSFXSR(9) OSXMMEXCPT(10); EFER SCE(0) LME(8) LMA(10) NXE(11). */
    ck_assert_uint_eq(c->cr0, 0x80010023ull);
    ck_assert_uint_eq(c->cr4, 0x6a0ull);
    ck_assert_uint_eq(c->efer, 0xd01ull);
    ck_assert_uint_eq(c->cr3, b.layout.pml4_phys);
    struct mmu_controls mc;
    mmu_get_controls(b.mmu, &mc);
    ck_assert_uint_eq(mc.cr3, c->cr3);
    ck_assert_uint_eq(mc.cr0, c->cr0);
    ck_assert_uint_eq(c->seg[SEG_CS].sel, 0x08);
    ck_assert_int_eq(c->cpl, 0);
    ck_assert(c->seg[SEG_CS].attr & SEG_ATTR_L);
    ck_assert(!(c->seg[SEG_CS].attr & SEG_ATTR_DB));
    ck_assert_uint_eq(c->seg[SEG_SS].sel, 0x10);
    ck_assert_uint_eq(cpu_rflags(c), 0x2);
    ck_assert_uint_eq(c->gpr[RDI], 0xffff800000000000ull + 0x1000);
    ck_assert_uint_eq(c->gpr[RSI], 0x1000);
    ck_assert_uint_eq(c->gpr[RSP] & 15, 0);
    uint64_t pa, leaf;
    int levels;
    ck_assert(probe(&b, c->gpr[RSP] - 8, &pa, &leaf, &levels));
    ck_assert(leaf & PTE_W);
    /* The GDT through GDTR's (virtual) base: SDM Figure 3-8 descriptors. */
    ck_assert_uint_eq(c->gdtr.limit, 23);
    ck_assert(probe(&b, c->gdtr.base, &pa, &leaf, &levels));
    uint64_t gdt[3];
    ck_assert(mmu_phys_read(b.mmu, pa, gdt, sizeof gdt));
    ck_assert_uint_eq(gdt[0], 0);
    ck_assert((gdt[1] >> 53) & 1);             /* L: 64-bit code */
    ck_assert_uint_eq((gdt[1] >> 40) & 0x9f, 0x9b); /* P, S, type execute/read accessed (DPL 0) */
    ck_assert_uint_eq((gdt[2] >> 40) & 0x9f, 0x93); /* P, S, type read/write accessed */
    ck_assert_uint_eq((gdt[1] >> 45) & 3, 0);
    unboot(&b);
}
END_TEST

START_TEST(bootinfo_describes_memory_initrd_and_cmdline)
{
    struct booted b;
    boot_minimal(&b, 64 * MIB, 0);
    struct bootinfo bi;
    ck_assert(mmu_phys_read(b.mmu, BOOTINFO_PHYS, &bi, sizeof bi));
    ck_assert_uint_eq(bi.magic, BOOTINFO_MAGIC);
    ck_assert_mem_eq(&bi.magic, "RSCBOOT1", 8);
    ck_assert_uint_eq(bi.version, 1);
    ck_assert_uint_eq(bi.size, sizeof bi);
    ck_assert_uint_eq(bi.ram_size, 64 * MIB);
    ck_assert_uint_eq(bi.direct_map_base, 0xffff800000000000ull);
    ck_assert_uint_eq(bi.kernel_phys, 0x100000);
    /* text page at 0x100000; data at 0x101000: 8 bytes + 8 KiB of bss,
     * ending at 0x103008, rounded up to the page. */
    ck_assert_uint_eq(bi.kernel_phys_end, 0x104000);
    ck_assert_uint_eq(bi.kernel_virt, 0xffffffff80100000ull);
    ck_assert_uint_eq(bi.kernel_entry, b.kernel.ehdr->e_entry);
    ck_assert_uint_eq(bi.boot_pml4, b.cpu->cr3);
    ck_assert_uint_eq(bi.insns_per_second, 1000000000);
    ck_assert_str_eq(bi.cmdline, "init=/bin/hello");
    ck_assert_uint_eq(bi.cmdline_len, strlen("init=/bin/hello"));
    ck_assert_uint_eq(bi.initrd_size, b.initrd.len);
    ck_assert_uint_eq(bi.initrd_phys, 0x104000);
    uint8_t *copy = malloc(bi.initrd_size);
    ck_assert(mmu_phys_read(b.mmu, bi.initrd_phys, copy, bi.initrd_size));
    ck_assert_mem_eq(copy, b.initrd.data, bi.initrd_size);
    free(copy);

    /* The memory map tiles [0, RAM) exactly, in order, page-aligned, and
     * marks what the loader used. */
    ck_assert_uint_ge(bi.mmap_count, 5);
    uint64_t expect_base = 0;
    int kernel = 0, initrd = 0, boot = 0;
    for (uint32_t i = 0; i < bi.mmap_count; i++) {
        const struct bootinfo_mem *e = &bi.mmap[i];
        ck_assert_uint_eq(e->base, expect_base);
        ck_assert_uint_eq(e->base & 0xfff, 0);
        ck_assert_uint_eq(e->length & 0xfff, 0);
        ck_assert_uint_gt(e->length, 0);
        if (e->type == BOOTMEM_KERNEL) {
            kernel++;
            ck_assert_uint_eq(e->base, 0x100000);
            ck_assert_uint_eq(e->length, 0x4000);
        } else if (e->type == BOOTMEM_INITRD) {
            initrd++;
            ck_assert_uint_eq(e->base, bi.initrd_phys);
            ck_assert_uint_ge(e->length, bi.initrd_size);
        } else if (e->type == BOOTMEM_BOOT) {
            boot++;
            ck_assert_uint_le(e->base, BOOTINFO_PHYS);
            ck_assert_uint_ge(e->base + e->length, b.layout.tables_end);
        }
        expect_base = e->base + e->length;
    }
    ck_assert_uint_eq(expect_base, 64 * MIB);
    ck_assert_int_eq(kernel, 1);
    ck_assert_int_eq(initrd, 1);
    ck_assert_int_eq(boot, 1);
    ck_assert_uint_eq(bi.mmap[0].type, BOOTMEM_RESERVED);
    ck_assert_uint_eq(bi.mmap[bi.mmap_count - 1].type, BOOTMEM_USABLE);
    unboot(&b);
}
END_TEST

START_TEST(boot_fails_cleanly_when_ram_is_too_small)
{
    struct booted b;
    boot_minimal(&b, 1 * MIB, -1);
    ck_assert_msg(strstr(b.err, "too small to boot"), "%s", b.err);
    unboot(&b);
    /* 2 MiB holds the kernel but not a 2 MiB initrd. */
    char path[256], err[256];
    ck_assert_int_eq(guest_elf_build("minimal", path, sizeof path), 0);
    struct elf_file k;
    ck_assert_int_eq(elf_open(&k, path, err, sizeof err), 0);
    struct mmu *m = mmu_new(2 * MIB, NULL, err, sizeof err);
    ck_assert_msg(m != NULL, "%s", err);
    struct cpu *c = cpu_new(m, NULL);
    uint8_t *big = calloc(1, 2 * MIB);
    struct boot_params p = {.kernel = &k, .initrd = big, .initrd_size = 2 * MIB, .cmdline = ""};
    ck_assert_int_eq(loader_boot(c, &p, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "use --ram 5M or more"), "%s", err);
    free(big);
    cpu_free(c);
    mmu_free(m);
    elf_free(&k);
}
END_TEST

/* ---- ELF validation against files the host toolchain produced ---- */

static char tmpdir[64];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/rs-loader-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Compile a one-line C program with the given compiler command into
 * tmpdir/name; returns the path. */
static const char *compile(const char *cc, const char *name)
{
    static char path[256];
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "printf 'int main(void){return 7;}\\n' > %s/p.c && %s -o %s/%s %s/p.c 2>/dev/null",
             tmpdir, cc, tmpdir, name, tmpdir);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static int open_elf(const char *path, char *err)
{
    struct elf_file e;
    int rc = elf_open(&e, path, err, 256);
    if (rc == 0)
        elf_free(&e);
    return rc;
}

START_TEST(static_binaries_are_accepted)
{
    char err[256];
    make_tmpdir();
    struct elf_file e;
    ck_assert_msg(elf_open(&e, compile("musl-gcc -static", "musl"), err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(e.ehdr->e_type, ET_EXEC);
    ck_assert(!e.is_static_pie);
    elf_free(&e);
    ck_assert_msg(elf_open(&e, compile("gcc -static", "glibc"), err, sizeof err) == 0, "%s", err);
    elf_free(&e);
    ck_assert_msg(elf_open(&e, compile("gcc -static-pie", "spie"), err, sizeof err) == 0, "%s", err);
    ck_assert(e.is_static_pie);
    elf_free(&e);
    remove_tmpdir();
}
END_TEST

START_TEST(dynamic_binaries_are_refused_with_the_fix)
{
    char err[256];
    make_tmpdir();
    ck_assert_int_eq(open_elf(compile("gcc", "dyn"), err), -1);
    ck_assert_str_eq(err, "dynamically linked (needs /lib64/ld-linux-x86-64.so.2): "
                          "needs a static binary: rebuild with musl-gcc -static or gcc -static");
    ck_assert_int_eq(open_elf(compile("musl-gcc", "mdyn"), err), -1);
    ck_assert_msg(strstr(err, "dynamically linked (needs /lib/ld-musl-x86_64.so.1)"), "%s", err);
    ck_assert_int_eq(open_elf(compile("gcc -c", "obj.o"), err), -1);
    ck_assert_str_eq(err, "an object file (ET_REL), not an executable: link it first");
    remove_tmpdir();
}
END_TEST

static const char *write_tmp(const char *name, const void *data, size_t n)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, n, f), n);
    fclose(f);
    return path;
}

START_TEST(malformed_files_are_refused)
{
    char err[256];
    make_tmpdir();
    ck_assert_int_eq(open_elf("/nonexistent/prog", err), -1);
    ck_assert_str_eq(err, "cannot open: No such file or directory");
    ck_assert_int_eq(open_elf("/", err), -1);
    ck_assert_str_eq(err, "not a regular file");
    ck_assert_int_eq(open_elf(write_tmp("text", "#!/bin/sh\necho hi\n", 18), err), -1);
    ck_assert_str_eq(err, "not an ELF file (no \\x7fELF magic)");
    ck_assert_int_eq(open_elf(write_tmp("empty", "", 0), err), -1);
    ck_assert_str_eq(err, "not an ELF file (no \\x7fELF magic)");

    /* Headers derived from a real static binary, then damaged one field at a time. */
    struct elf_file good;
    ck_assert_int_eq(elf_open(&good, compile("musl-gcc -static", "base"), err, sizeof err), 0);
    uint8_t *img = malloc(good.size);
    size_t size = good.size;
    Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
#define DAMAGED(stmt, expect)                                          \
    do {                                                               \
        memcpy(img, good.data, size);                                  \
        stmt;                                                          \
        ck_assert_int_eq(open_elf(write_tmp("bad", img, size), err), -1); \
        ck_assert_msg(strstr(err, expect), "got \"%s\"", err);         \
    } while (0)
    DAMAGED(img[EI_CLASS] = ELFCLASS32, "32-bit ELF (ELFCLASS32): ringscope runs x86-64 ELF64 binaries");
    DAMAGED(img[EI_DATA] = ELFDATA2MSB, "big-endian ELF");
    DAMAGED(eh->e_machine = EM_AARCH64, "not an x86-64 binary (e_machine 183");
    DAMAGED(eh->e_type = ET_CORE, "a core dump");
    DAMAGED(eh->e_phoff = size - 10, "program headers lie outside the file");
    DAMAGED(eh->e_phnum = 0xffff, "program headers lie outside the file");
    DAMAGED(eh->e_phentsize = 32, "e_phentsize");
    DAMAGED(eh->e_entry = 0x10, "the entry point 0x10 is not inside an executable segment");
    Elf64_Phdr *ph = (Elf64_Phdr *)(img + good.ehdr->e_phoff);
    int load = -1;
    for (int i = 0; i < good.phnum; i++)
        if (good.phdr[i].p_type == PT_LOAD && load < 0)
            load = i;
    ck_assert_int_ge(load, 0);
    DAMAGED(ph[load].p_filesz = size * 2, "past the end of the file");
    DAMAGED((ph[load].p_memsz = 1, ph[load].p_filesz = 2), "p_filesz > p_memsz");
    DAMAGED((ph[load].p_vaddr = ~0ull - 10, ph[load].p_filesz = 0, ph[load].p_memsz = 100), "wraps around");
    DAMAGED(ph[load].p_align = 3, "not a power of two");
    /* Truncation anywhere inside the headers is caught too. */
    for (size_t cut = 1; cut < sizeof(Elf64_Ehdr) + good.phnum * sizeof(Elf64_Phdr); cut += 7) {
        ck_assert_int_eq(open_elf(write_tmp("cut", good.data, cut), err), -1);
    }
#undef DAMAGED
    free(img);
    elf_free(&good);
    remove_tmpdir();
}
END_TEST

/* ---- the initrd, parsed back by an independent newc reader ---- */

struct newc_entry {
    char name[256];
    uint32_t ino, mode, nlink, filesize;
    const uint8_t *data;
};

static uint32_t hex8(const uint8_t *p)
{
    char s[9];
    memcpy(s, p, 8);
    s[8] = 0;
    for (int i = 0; i < 8; i++)
        ck_assert_msg(strchr("0123456789abcdefABCDEF", s[i]) && s[i], "bad hex field %s", s);
    return (uint32_t)strtoul(s, NULL, 16);
}

static size_t newc_parse(const uint8_t *a, size_t len, struct newc_entry *out, size_t max)
{
    size_t off = 0, n = 0;
    for (;;) {
        ck_assert_uint_eq(off % 4, 0);
        ck_assert_uint_le(off + 110, len);
        ck_assert_mem_eq(a + off, "070701", 6);
        const uint8_t *f = a + off + 6; /* 13 fields of 8 hex digits */
        struct newc_entry e = {.ino = hex8(f), .mode = hex8(f + 8), .nlink = hex8(f + 32),
                               .filesize = hex8(f + 48)};
        ck_assert_uint_eq(hex8(f + 16), 0); /* uid */
        ck_assert_uint_eq(hex8(f + 24), 0); /* gid */
        ck_assert_uint_eq(hex8(f + 40), 0); /* mtime: deterministic */
        ck_assert_uint_eq(hex8(f + 96), 0); /* check */
        uint32_t namesize = hex8(f + 88);
        ck_assert_uint_gt(namesize, 1);
        ck_assert_uint_lt(namesize, sizeof e.name);
        ck_assert_uint_le(off + 110 + namesize, len);
        memcpy(e.name, a + off + 110, namesize);
        ck_assert_uint_eq(e.name[namesize - 1], 0);
        ck_assert_uint_eq(strlen(e.name), namesize - 1);
        off = (off + 110 + namesize + 3) & ~(size_t)3;
        ck_assert_uint_le(off + e.filesize, len);
        e.data = a + off;
        off = (off + e.filesize + 3) & ~(size_t)3;
        ck_assert_uint_lt(n, max);
        out[n++] = e;
        if (strcmp(e.name, "TRAILER!!!") == 0)
            break;
    }
    ck_assert_uint_eq(off, len);
    return n;
}

START_TEST(initrd_holds_program_argv_and_files)
{
    make_tmpdir();
    char host_motd[256];
    snprintf(host_motd, sizeof host_motd, "%s", write_tmp("motd", "hello, guest\n", 13));
    char host_data[256];
    snprintf(host_data, sizeof host_data, "%s", write_tmp("data.bin", "\0\1\2", 3));
    static const uint8_t prog[] = {0x7f, 'E', 'L', 'F', 9, 8, 7};
    char *args[] = {"-v", "two words", ""};
    struct initrd_file files[] = {{host_motd, "/etc/motd"}, {host_data, NULL}};
    struct cpio_writer w;
    char err[256];
    ck_assert_msg(initrd_build(&w, "./build/programs/hello", prog, sizeof prog, 3, args, files, 2, err,
                               sizeof err) == 0, "%s", err);
    struct newc_entry e[16];
    size_t n = newc_parse(w.data, w.len, e, 16);
    const char *names[] = {"bin", "bin/hello", "boot", "boot/argv", "etc", "etc/motd", "data.bin", "TRAILER!!!"};
    ck_assert_uint_eq(n, 8);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_eq(e[i].name, names[i]);
        for (size_t j = 0; j < i; j++)
            ck_assert_uint_ne(e[i].ino, e[j].ino);
    }
    ck_assert_uint_eq(e[0].mode, 040755);
    ck_assert_uint_eq(e[0].filesize, 0);
    ck_assert_uint_eq(e[1].mode, 0100755);
    ck_assert_uint_eq(e[1].filesize, sizeof prog);
    ck_assert_mem_eq(e[1].data, prog, sizeof prog);
    static const char argv_bytes[] = "/bin/hello\0-v\0two words\0";
    ck_assert_uint_eq(e[3].filesize, sizeof argv_bytes); /* includes the empty last argument's NUL */
    ck_assert_mem_eq(e[3].data, argv_bytes, sizeof argv_bytes);
    ck_assert_uint_eq(e[5].filesize, 13);
    ck_assert_mem_eq(e[5].data, "hello, guest\n", 13);
    ck_assert_uint_eq(e[5].mode & 0170000, 0100000);
    ck_assert_uint_eq(e[6].filesize, 3);
    ck_assert_mem_eq(e[6].data, "\0\1\2", 3);
    /* Same inputs, same bytes. */
    struct cpio_writer w2;
    ck_assert_int_eq(initrd_build(&w2, "./build/programs/hello", prog, sizeof prog, 3, args, files, 2,
                                  err, sizeof err), 0);
    ck_assert_uint_eq(w2.len, w.len);
    ck_assert_mem_eq(w2.data, w.data, w.len);
    cpio_free(&w);
    cpio_free(&w2);
    remove_tmpdir();
}
END_TEST

/* A sink for cpio_init_sink: spans of a buffer, counting the bytes given. */
struct sink_buffer {
    uint8_t bytes[4096];
    size_t written;
};

static void *span_of(void *ctx, size_t offset, size_t n)
{
    struct sink_buffer *b = ctx;
    ck_assert_uint_le(offset + n, sizeof b->bytes);
    b->written += n;
    return b->bytes + offset;
}

/* machine_new builds the initrd straight into guest RAM through a sink:
 * the same bytes as in a host buffer, and past the sink's limit (RAM too
 * small) nothing is written but the size still counts, for the loader's
 * message. */
START_TEST(initrd_into_a_sink_is_the_same_archive)
{
    make_tmpdir();
    char host_motd[256];
    snprintf(host_motd, sizeof host_motd, "%s", write_tmp("motd", "hello, guest\n", 13));
    static const uint8_t prog[] = {0x7f, 'E', 'L', 'F', 9, 8, 7};
    char *args[] = {"-v"};
    struct initrd_file files[] = {{host_motd, "/etc/motd"}};
    struct cpio_writer heap, sunk;
    char err[256];
    ck_assert_int_eq(initrd_build(&heap, "hello", prog, sizeof prog, 1, args, files, 1, err, sizeof err), 0);
    ck_assert_uint_lt(heap.len, sizeof ((struct sink_buffer *)0)->bytes);

    static struct sink_buffer whole, part;
    memset(whole.bytes, 0xaa, sizeof whole.bytes);
    cpio_init_sink(&sunk, span_of, &whole, sizeof whole.bytes);
    ck_assert_msg(initrd_build_into(&sunk, "hello", prog, sizeof prog, 1, args, files, 1, err, sizeof err) == 0,
                  "%s", err);
    ck_assert_ptr_null(sunk.data); /* no host copy */
    ck_assert_uint_eq(sunk.len, heap.len);
    ck_assert_uint_eq(whole.written, heap.len);
    ck_assert_mem_eq(whole.bytes, heap.data, heap.len);
    ck_assert_uint_eq(whole.bytes[heap.len], 0xaa);
    cpio_free(&sunk);

    memset(part.bytes, 0xaa, sizeof part.bytes);
    cpio_init_sink(&sunk, span_of, &part, 200);
    ck_assert_int_eq(initrd_build_into(&sunk, "hello", prog, sizeof prog, 1, args, files, 1, err, sizeof err), 0);
    ck_assert_uint_eq(sunk.len, heap.len);
    ck_assert_uint_eq(part.written, 200);
    ck_assert_mem_eq(part.bytes, heap.data, 200);
    ck_assert_uint_eq(part.bytes[200], 0xaa);
    cpio_free(&sunk);
    cpio_free(&heap);
    remove_tmpdir();
}
END_TEST

START_TEST(initrd_refuses_bad_files)
{
    make_tmpdir();
    char f[256], err[256];
    snprintf(f, sizeof f, "%s", write_tmp("x", "x", 1));
    struct cpio_writer w;
    struct initrd_file missing[] = {{"/nonexistent/file", NULL}};
    ck_assert_int_eq(initrd_build(&w, "p", "", 1, 0, NULL, missing, 1, err, sizeof err), -1);
    ck_assert_str_eq(err, "--file /nonexistent/file: cannot open: No such file or directory");
    struct initrd_file dup[] = {{f, "/bin/p"}};
    ck_assert_int_eq(initrd_build(&w, "p", "", 1, 0, NULL, dup, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/bin/p is given twice"), "%s", err);
    struct initrd_file dots[] = {{f, "/etc/../../x"}};
    ck_assert_int_eq(initrd_build(&w, "p", "", 1, 0, NULL, dots, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "\"..\" component"), "%s", err);
    struct initrd_file under_file[] = {{f, "/bin/p/x"}};
    ck_assert_int_eq(initrd_build(&w, "p", "", 1, 0, NULL, under_file, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "/bin/p is a file, it cannot also be a directory"), "%s", err);
    struct initrd_file dir[] = {{tmpdir, "/d"}};
    ck_assert_int_eq(initrd_build(&w, "p", "", 1, 0, NULL, dir, 1, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "not a regular file"), "%s", err);
    remove_tmpdir();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loader");
    TCase *boot = tcase_create("boot");
    tcase_set_timeout(boot, 60);
    tcase_add_test(boot, identity_map_covers_low_memory_with_2mib_pages);
    tcase_add_test(boot, identity_map_stops_at_1gib);
    tcase_add_test(boot, direct_map_is_global_no_execute);
    tcase_add_test(boot, kernel_mapped_at_link_address_with_segment_rights);
    tcase_add_test(boot, cpu_enters_long_mode_ring0_at_entry);
    tcase_add_test(boot, bootinfo_describes_memory_initrd_and_cmdline);
    tcase_add_test(boot, boot_fails_cleanly_when_ram_is_too_small);
    suite_add_tcase(s, boot);
    TCase *elf = tcase_create("elf");
    tcase_set_timeout(elf, 60);
    tcase_add_test(elf, static_binaries_are_accepted);
    tcase_add_test(elf, dynamic_binaries_are_refused_with_the_fix);
    tcase_add_test(elf, malformed_files_are_refused);
    suite_add_tcase(s, elf);
    TCase *initrd = tcase_create("initrd");
    tcase_add_test(initrd, initrd_holds_program_argv_and_files);
    tcase_add_test(initrd, initrd_refuses_bad_files);
    tcase_add_test(initrd, initrd_into_a_sink_is_the_same_archive);
    suite_add_tcase(s, initrd);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
