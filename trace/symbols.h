/* symbols.h — addresses to names: `main+0x1c`, `kernel:syscall_entry+0x12`.
 *
 * A symbol set holds up to SYMBOLS_MAX_TABLES tables, each loaded from the
 * .symtab/.strtab of one ELF64 file (the guest kernel, a program) through
 * machine/elf.h, which validates that every table and name lies inside the
 * file.  Each table has a name prefix ("kernel:" or "") and covers the
 * address range of its PT_LOAD segments.  Lookups are a binary search over
 * the table sorted by address, with a one-entry cache because consecutive
 * instructions almost always fall in the same function. */
#ifndef RINGSCOPE_TRACE_SYMBOLS_H
#define RINGSCOPE_TRACE_SYMBOLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYMBOLS_MAX_TABLES 8

struct symbols;

struct symbols *symbols_new(void);
void symbols_free(struct symbols *s);

/* Add the symbol table of the ELF file at path, its addresses shifted by
 * bias (the load base of a static PIE, else 0), names shown as
 * prefix + name.  Returns the number of symbols added (0 if the file has no
 * symbol table), or -1 with a one-line reason in err. */
int symbols_load_elf(struct symbols *s, const char *path, const char *prefix, uint64_t bias,
                     char *err, size_t errlen);

/* The symbol containing addr: writes "prefix" "name" ["+0xOFF"] into buf
 * (NUL-terminated, truncated to cap) and returns its length, or returns 0
 * (buf = "") when no table covers addr.  The nearest symbol at or below
 * addr is used when it has no size (assembly labels) or addr is inside its
 * size. */
size_t symbols_format(struct symbols *s, uint64_t addr, char *buf, size_t cap);

/* The address of a symbol by name; `name` may carry a table prefix
 * ("kernel:syscall_entry") to pick one table.  False if not found. */
bool symbols_find(const struct symbols *s, const char *name, uint64_t *addr);

#endif
