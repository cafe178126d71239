/* elf.h — reading ELF64 x86-64 executables: the guest kernel and the user
 * programs ringscope runs.  Validates everything a loader or symbolizer will
 * later trust (header fields, program and section headers in bounds, segment
 * sizes), so code that uses a parsed `struct elf_file` never reads outside
 * the file.  Format: the System V gABI, "ELF-64 Object File Format", and the
 * x86-64 psABI. */
#ifndef RINGSCOPE_ELF_H
#define RINGSCOPE_ELF_H
#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct elf_file {
    uint8_t *data;              /* the whole file (owned: elf_free releases it) */
    bool mapped;                /* data is a private mapping of the file (elf_open), not malloc'd */
    size_t size;
    const Elf64_Ehdr *ehdr;
    const Elf64_Phdr *phdr;     /* ehdr->e_phnum entries, all inside data */
    uint16_t phnum;
    uint64_t entry;
    bool is_static_pie;         /* ET_DYN without an interpreter */
    /* Extent of the PT_LOAD segments. */
    uint64_t load_vaddr_lo, load_vaddr_hi; /* [lo, hi) of p_vaddr .. p_vaddr + p_memsz */
    uint64_t load_paddr_lo, load_paddr_hi; /* the same for p_paddr */
    uint64_t load_memsz;        /* sum of p_memsz over PT_LOAD */
};

/* Read and validate path.  Returns 0, or -1 with a one-line reason in err
 * (without the path: the caller prefixes it), e.g.
 *   "not an ELF file", "32-bit ELF (ELFCLASS32): ringscope runs x86-64 ELF64 binaries",
 *   "dynamically linked (needs /lib64/ld-linux-x86-64.so.2): needs a static binary: ..." */
int elf_open(struct elf_file *elf, const char *path, char *err, size_t errlen);
/* The same for a file already in memory (takes ownership of data: malloc'd). */
int elf_parse(struct elf_file *elf, uint8_t *data, size_t size, char *err, size_t errlen);
void elf_free(struct elf_file *elf);

/* The symbol table (.symtab, or .dynsym if stripped of it): false if there
 * is none.  The returned arrays are validated to lie inside the file; each
 * symbol's st_name is still to be checked against strtab_size (use
 * elf_symbol_name). */
bool elf_symtab(const struct elf_file *elf, const Elf64_Sym **syms, size_t *count,
                const char **strtab, size_t *strtab_size);
/* The NUL-terminated name of a symbol, or "" if st_name is out of bounds or
 * the name is not terminated inside the string table. */
const char *elf_symbol_name(const Elf64_Sym *sym, const char *strtab, size_t strtab_size);

#endif
