/* symbols.c — ELF symbol tables loaded for the symbolizer (symbols.h).
 *
 * Which symbols count: functions, objects and untyped labels (STT_FUNC,
 * STT_OBJECT, STT_NOTYPE) defined in a section (st_shndx != SHN_UNDEF,
 * not SHN_ABS) with a non-empty name.  When several share an address the
 * most useful one is kept: a function over an object over a label, a global
 * over a local, then the alphabetically first (so the choice never depends
 * on table order). */
#include "symbols.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "machine/elf.h"

struct sym {
    uint64_t addr, size;
    const char *name; /* points into the table's ELF image */
    int rank;         /* higher wins at equal addresses */
};

struct symtable {
    char prefix[32];
    uint64_t lo, hi;  /* addresses covered: the PT_LOAD extent */
    struct elf_file elf;
    struct sym *sym;
    size_t count;
};

struct symbols {
    struct symtable table[SYMBOLS_MAX_TABLES];
    int ntables;
    /* One-entry cache: addresses in [cache_lo, cache_hi) resolve to
     * cache_sym of cache_table. */
    uint64_t cache_lo, cache_hi;
    const struct symtable *cache_table;
    const struct sym *cache_sym;
    char cache_name[160];   /* prefix + name of cache_sym */
    size_t cache_name_len;
};

struct symbols *symbols_new(void)
{
    return calloc(1, sizeof(struct symbols));
}

void symbols_free(struct symbols *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->ntables; i++) {
        free(s->table[i].sym);
        elf_free(&s->table[i].elf);
    }
    free(s);
}

static int sym_rank(const Elf64_Sym *es)
{
    int type = ELF64_ST_TYPE(es->st_info);
    int r = type == STT_FUNC ? 4 : type == STT_OBJECT ? 2 : 0;
    return r + (ELF64_ST_BIND(es->st_info) != STB_LOCAL);
}

static int sym_order(const void *a, const void *b)
{
    const struct sym *x = a, *y = b;
    if (x->addr != y->addr)
        return x->addr < y->addr ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank > y->rank ? -1 : 1; /* best first */
    return strcmp(x->name, y->name);
}

int symbols_load_elf(struct symbols *s, const char *path, const char *prefix, uint64_t bias,
                     char *err, size_t errlen)
{
    if (s->ntables == SYMBOLS_MAX_TABLES) {
        snprintf(err, errlen, "too many symbol tables (at most %d)", SYMBOLS_MAX_TABLES);
        return -1;
    }
    struct symtable *t = &s->table[s->ntables];
    memset(t, 0, sizeof *t);
    if (elf_open(&t->elf, path, err, errlen) != 0)
        return -1;
    snprintf(t->prefix, sizeof t->prefix, "%s", prefix ? prefix : "");
    t->lo = t->elf.load_vaddr_lo + bias;
    t->hi = t->elf.load_vaddr_hi + bias;

    const Elf64_Sym *es;
    size_t n = 0;
    const char *strtab;
    size_t strsize;
    if (elf_symtab(&t->elf, &es, &n, &strtab, &strsize)) {
        t->sym = calloc(n ? n : 1, sizeof *t->sym);
        if (!t->sym) {
            elf_free(&t->elf);
            snprintf(err, errlen, "out of host memory for %zu symbols", n);
            return -1;
        }
        for (size_t i = 0; i < n; i++) {
            int type = ELF64_ST_TYPE(es[i].st_info);
            if (type != STT_FUNC && type != STT_OBJECT && type != STT_NOTYPE)
                continue;
            if (es[i].st_shndx == SHN_UNDEF || es[i].st_shndx == SHN_ABS)
                continue;
            const char *name = elf_symbol_name(&es[i], strtab, strsize);
            if (!name[0])
                continue;
            t->sym[t->count++] = (struct sym){ es[i].st_value + bias, es[i].st_size, name,
                                               sym_rank(&es[i]) };
        }
        qsort(t->sym, t->count, sizeof *t->sym, sym_order);
        /* Keep the best symbol of each address (the first after sorting). */
        size_t kept = 0;
        for (size_t i = 0; i < t->count; i++)
            if (kept == 0 || t->sym[kept - 1].addr != t->sym[i].addr)
                t->sym[kept++] = t->sym[i];
        t->count = kept;
    }
    s->ntables++;
    s->cache_table = NULL;
    s->cache_lo = s->cache_hi = 0;
    return (int)t->count;
}

/* Index of the last symbol with addr <= a, or -1. */
static long last_at_or_below(const struct symtable *t, uint64_t a)
{
    size_t lo = 0, hi = t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->sym[mid].addr <= a)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

static bool resolve(struct symbols *s, uint64_t a)
{
    if (s->cache_table && a >= s->cache_lo && a < s->cache_hi)
        return true;
    for (int i = 0; i < s->ntables; i++) {
        const struct symtable *t = &s->table[i];
        if (a < t->lo || a >= t->hi)
            continue;
        long k = last_at_or_below(t, a);
        if (k < 0)
            continue;
        const struct sym *y = &t->sym[k];
        uint64_t end = (size_t)k + 1 < t->count ? t->sym[k + 1].addr : t->hi;
        if (y->size && y->addr + y->size < end)
            end = y->addr + y->size;
        if (end > t->hi)
            end = t->hi;
        if (a >= end)
            continue;
        s->cache_table = t;
        s->cache_sym = y;
        s->cache_lo = y->addr;
        s->cache_hi = end;
        int n = snprintf(s->cache_name, sizeof s->cache_name, "%s%s", t->prefix, y->name);
        s->cache_name_len = n < 0 ? 0 : (size_t)n < sizeof s->cache_name ? (size_t)n
                                                                        : sizeof s->cache_name - 1;
        return true;
    }
    return false;
}

size_t symbols_format(struct symbols *s, uint64_t addr, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    buf[0] = 0;
    if (!s || !resolve(s, addr))
        return 0;
    /* Called for every traced instruction: no printf here. */
    char text[sizeof s->cache_name + 20];
    size_t n = s->cache_name_len;
    memcpy(text, s->cache_name, n);
    uint64_t off = addr - s->cache_sym->addr;
    if (off) {
        memcpy(text + n, "+0x", 3);
        n += 3;
        size_t digits = (size_t)(67 - __builtin_clzll(off)) / 4;
        for (size_t i = digits; i-- > 0; off >>= 4)
            text[n + i] = "0123456789abcdef"[off & 15];
        n += digits;
    }
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, text, n);
    buf[n] = 0;
    return n;
}

bool symbols_find(const struct symbols *s, const char *name, uint64_t *addr)
{
    if (!s)
        return false;
    for (int i = 0; i < s->ntables; i++) {
        const struct symtable *t = &s->table[i];
        const char *bare = name;
        size_t plen = strlen(t->prefix);
        if (plen && strncmp(name, t->prefix, plen) == 0)
            bare = name + plen;
        else if (strchr(name, ':'))
            continue; /* prefixed for another table */
        /* Search the whole ELF table: aliases dropped from the sorted
         * table (same address, lower rank) are still found by name. */
        const Elf64_Sym *es;
        size_t n;
        const char *strtab;
        size_t strsize;
        if (!elf_symtab(&t->elf, &es, &n, &strtab, &strsize))
            continue;
        uint64_t bias = t->lo - t->elf.load_vaddr_lo;
        for (size_t k = 0; k < n; k++) {
            if (es[k].st_shndx != SHN_UNDEF &&
                strcmp(elf_symbol_name(&es[k], strtab, strsize), bare) == 0) {
                *addr = es[k].st_value + bias;
                return true;
            }
        }
    }
    return false;
}
