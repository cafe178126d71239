/* elf.c — ELF64 x86-64 parsing and validation (see elf.h).  Every offset
 * and size read from the file is checked before use: a loader handed a
 * truncated or hostile file must fail with a message, not read past it. */
#include "elf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

/* Files bigger than this are not programs we could load anyway. */
#define ELF_MAX_FILE_SIZE (1ull << 32)

#define STATIC_HINT "needs a static binary: rebuild with musl-gcc -static or gcc -static"

static int fail(char *err, size_t errlen, const char *fmt, const char *detail)
{
    snprintf(err, errlen, fmt, detail);
    return -1;
}

/* [off, off + len) lies inside a file of `size` bytes. */
static bool in_file(uint64_t off, uint64_t len, size_t size)
{
    uint64_t end;
    return !__builtin_add_overflow(off, len, &end) && end <= size;
}

static int parse(struct elf_file *elf, uint8_t *data, size_t size, bool mapped, char *err, size_t errlen);

int elf_open(struct elf_file *elf, const char *path, char *err, size_t errlen)
{
    memset(elf, 0, sizeof *elf);
    FILE *f = fopen(path, "rb");
    if (!f)
        return fail(err, errlen, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        fclose(f);
        return fail(err, errlen, "%s", "not a regular file");
    }
    if ((uint64_t)st.st_size > ELF_MAX_FILE_SIZE) {
        fclose(f);
        return fail(err, errlen, "%s", "file too large to be a program (over 4 GiB)");
    }
    size_t size = (size_t)st.st_size;
    /* A private mapping, not a read into a buffer: the kernel's page cache
     * pages are mapped instead of copied (the 900 KB guest kernel at every
     * start), and only the pages the loader touches are faulted in. */
    if (!size) { /* nothing to map: parse says what an empty file is not */
        fclose(f);
        uint8_t *none = malloc(1);
        if (!none)
            return fail(err, errlen, "%s", "out of host memory reading the file");
        return parse(elf, none, 0, false, err, errlen);
    }
    uint8_t *data = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fileno(f), 0);
    int map_errno = errno;
    fclose(f);
    if (data == MAP_FAILED)
        return fail(err, errlen, "cannot read: %s", strerror(map_errno));
    return parse(elf, data, size, true, err, errlen);
}

/* Scan PT_DYNAMIC for DT_NEEDED: a static-PIE has a dynamic section (for its
 * own relocations) but needs no shared library. */
static bool needs_shared_library(const uint8_t *data, size_t size, const Elf64_Phdr *dyn)
{
    if (!in_file(dyn->p_offset, dyn->p_filesz, size))
        return true; /* a dynamic section we cannot even read: treat as dynamic */
    size_t n = dyn->p_filesz / sizeof(Elf64_Dyn);
    for (size_t i = 0; i < n; i++) {
        Elf64_Dyn d;
        memcpy(&d, data + dyn->p_offset + i * sizeof d, sizeof d);
        if (d.d_tag == DT_NULL)
            break;
        if (d.d_tag == DT_NEEDED)
            return true;
    }
    return false;
}

static int validate_load_segment(struct elf_file *elf, const Elf64_Phdr *p, bool first, char *err,
                                 size_t errlen)
{
    char detail[160];
    uint64_t vend, pend;
    if (!in_file(p->p_offset, p->p_filesz, elf->size)) {
        snprintf(detail, sizeof detail, "file offset 0x%llx + size 0x%llx is past the end of the file",
                 (unsigned long long)p->p_offset, (unsigned long long)p->p_filesz);
        return fail(err, errlen, "truncated or corrupt ELF: a PT_LOAD segment's %s", detail);
    }
    if (p->p_filesz > p->p_memsz)
        return fail(err, errlen, "%s", "corrupt ELF: a PT_LOAD segment has p_filesz > p_memsz");
    if (__builtin_add_overflow(p->p_vaddr, p->p_memsz, &vend) ||
        __builtin_add_overflow(p->p_paddr, p->p_memsz, &pend))
        return fail(err, errlen, "%s", "corrupt ELF: a PT_LOAD segment wraps around the address space");
    if (p->p_align > 1 && (p->p_align & (p->p_align - 1)))
        return fail(err, errlen, "%s", "corrupt ELF: a PT_LOAD segment's p_align is not a power of two");
    if (first) {
        elf->load_vaddr_lo = p->p_vaddr;
        elf->load_paddr_lo = p->p_paddr;
    }
    if (p->p_vaddr < elf->load_vaddr_lo) elf->load_vaddr_lo = p->p_vaddr;
    if (p->p_paddr < elf->load_paddr_lo) elf->load_paddr_lo = p->p_paddr;
    if (vend > elf->load_vaddr_hi) elf->load_vaddr_hi = vend;
    if (pend > elf->load_paddr_hi) elf->load_paddr_hi = pend;
    if (__builtin_add_overflow(elf->load_memsz, p->p_memsz, &elf->load_memsz))
        return fail(err, errlen, "%s", "corrupt ELF: PT_LOAD sizes overflow");
    return 0;
}

static void release(uint8_t *data, size_t size, bool mapped)
{
    if (mapped)
        munmap(data, size);
    else
        free(data);
}

static int parse(struct elf_file *elf, uint8_t *data, size_t size, bool mapped, char *err, size_t errlen)
{
    memset(elf, 0, sizeof *elf);
    elf->data = data;
    elf->size = size;
    elf->mapped = mapped;
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)data;

    /* e_ident (gABI "ELF Identification"): magic, class, data encoding. */
    if (size < EI_NIDENT || memcmp(data, ELFMAG, SELFMAG) != 0) {
        fail(err, errlen, "%s", "not an ELF file (no \\x7fELF magic)");
        goto out;
    }
    if (data[EI_CLASS] == ELFCLASS32) {
        fail(err, errlen, "%s", "32-bit ELF (ELFCLASS32): ringscope runs x86-64 ELF64 binaries");
        goto out;
    }
    if (data[EI_CLASS] != ELFCLASS64) {
        fail(err, errlen, "%s", "not ELF64 (unknown EI_CLASS)");
        goto out;
    }
    if (size < sizeof(Elf64_Ehdr)) {
        fail(err, errlen, "%s", "truncated ELF: the file is shorter than an ELF64 header");
        goto out;
    }
    if (data[EI_DATA] != ELFDATA2LSB) {
        fail(err, errlen, "%s", "big-endian ELF: ringscope runs x86-64 (little-endian) binaries");
        goto out;
    }
    if (eh->e_machine != EM_X86_64) {
        char m[64];
        snprintf(m, sizeof m, "%u", eh->e_machine);
        fail(err, errlen, "not an x86-64 binary (e_machine %s; expected 62, EM_X86_64)", m);
        goto out;
    }
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN) {
        fail(err, errlen, "%s",
             eh->e_type == ET_REL ? "an object file (ET_REL), not an executable: link it first"
             : eh->e_type == ET_CORE ? "a core dump (ET_CORE), not an executable"
                                     : "not an executable (unknown e_type)");
        goto out;
    }

    /* Program header table (gABI "Program Header"). */
    if (eh->e_phnum == 0) {
        fail(err, errlen, "%s", "corrupt ELF: no program headers, nothing to load");
        goto out;
    }
    if (eh->e_phentsize != sizeof(Elf64_Phdr)) {
        fail(err, errlen, "%s", "corrupt ELF: e_phentsize is not sizeof(Elf64_Phdr)");
        goto out;
    }
    if (eh->e_phoff % 8 || !in_file(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), size)) {
        fail(err, errlen, "%s", "truncated or corrupt ELF: program headers lie outside the file");
        goto out;
    }
    elf->ehdr = eh;
    elf->phdr = (const Elf64_Phdr *)(data + eh->e_phoff);
    elf->phnum = eh->e_phnum;
    elf->entry = eh->e_entry;

    const Elf64_Phdr *interp = NULL, *dynamic = NULL;
    int loads = 0;
    bool entry_ok = false;
    for (unsigned i = 0; i < elf->phnum; i++) {
        const Elf64_Phdr *p = &elf->phdr[i];
        if (p->p_type == PT_INTERP)
            interp = p;
        else if (p->p_type == PT_DYNAMIC)
            dynamic = p;
        else if (p->p_type == PT_LOAD) {
            if (validate_load_segment(elf, p, loads == 0, err, errlen) != 0)
                goto out;
            loads++;
            if ((p->p_flags & PF_X) && eh->e_entry >= p->p_vaddr && eh->e_entry - p->p_vaddr < p->p_memsz)
                entry_ok = true;
        }
    }
    /* A dynamically linked program names its interpreter (the dynamic
     * linker) in PT_INTERP, or depends on shared libraries (DT_NEEDED);
     * there is no dynamic linker or libc.so inside the guest. */
    if (interp) {
        char path[96] = "an interpreter";
        if (in_file(interp->p_offset, interp->p_filesz, size) && interp->p_filesz > 0) {
            size_t n = interp->p_filesz < sizeof path - 1 ? interp->p_filesz : sizeof path - 1;
            memcpy(path, data + interp->p_offset, n);
            path[n] = 0;
            for (size_t k = 0; k < n && path[k]; k++)
                if (path[k] < 0x20 || path[k] > 0x7e)
                    path[k] = '?';
        }
        snprintf(err, errlen, "dynamically linked (needs %s): " STATIC_HINT, path);
        goto out;
    }
    if (dynamic && needs_shared_library(data, size, dynamic)) {
        fail(err, errlen, "%s", "dynamically linked (needs shared libraries): " STATIC_HINT);
        goto out;
    }
    if (loads == 0) {
        fail(err, errlen, "%s", "corrupt ELF: no PT_LOAD segment, nothing to load");
        goto out;
    }
    if (!entry_ok) {
        char e[32];
        snprintf(e, sizeof e, "0x%llx", (unsigned long long)eh->e_entry);
        fail(err, errlen, "corrupt ELF: the entry point %s is not inside an executable segment", e);
        goto out;
    }
    elf->is_static_pie = eh->e_type == ET_DYN;
    return 0;
out:
    release(data, size, mapped);
    memset(elf, 0, sizeof *elf);
    return -1;
}

int elf_parse(struct elf_file *elf, uint8_t *data, size_t size, char *err, size_t errlen)
{
    return parse(elf, data, size, false, err, errlen);
}

void elf_free(struct elf_file *elf)
{
    if (elf->data)
        release(elf->data, elf->size, elf->mapped);
    memset(elf, 0, sizeof *elf);
}

/* Section header i, or NULL if the table or the entry is out of bounds. */
static const Elf64_Shdr *section(const struct elf_file *elf, unsigned i)
{
    const Elf64_Ehdr *eh = elf->ehdr;
    if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr) || i >= eh->e_shnum ||
        !in_file(eh->e_shoff, (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr), elf->size) || eh->e_shoff % 8)
        return NULL;
    return (const Elf64_Shdr *)(elf->data + eh->e_shoff) + i;
}

static bool symtab_of_type(const struct elf_file *elf, uint32_t type, const Elf64_Sym **syms,
                           size_t *count, const char **strtab, size_t *strtab_size)
{
    for (unsigned i = 0; i < elf->ehdr->e_shnum; i++) {
        const Elf64_Shdr *s = section(elf, i);
        if (!s)
            return false;
        if (s->sh_type != type)
            continue;
        const Elf64_Shdr *str = section(elf, s->sh_link);
        if (!str || str->sh_type != SHT_STRTAB || s->sh_entsize != sizeof(Elf64_Sym) ||
            s->sh_offset % 8 || !in_file(s->sh_offset, s->sh_size, elf->size) ||
            !in_file(str->sh_offset, str->sh_size, elf->size))
            return false;
        *syms = (const Elf64_Sym *)(elf->data + s->sh_offset);
        *count = s->sh_size / sizeof(Elf64_Sym);
        *strtab = (const char *)(elf->data + str->sh_offset);
        *strtab_size = str->sh_size;
        return true;
    }
    return false;
}

bool elf_symtab(const struct elf_file *elf, const Elf64_Sym **syms, size_t *count,
                const char **strtab, size_t *strtab_size)
{
    return symtab_of_type(elf, SHT_SYMTAB, syms, count, strtab, strtab_size) ||
           symtab_of_type(elf, SHT_DYNSYM, syms, count, strtab, strtab_size);
}

const char *elf_symbol_name(const Elf64_Sym *sym, const char *strtab, size_t strtab_size)
{
    if (sym->st_name >= strtab_size || !memchr(strtab + sym->st_name, 0, strtab_size - sym->st_name))
        return "";
    return strtab + sym->st_name;
}
