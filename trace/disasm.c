/* disasm.c — the capstone-backed, cached disassembler of disasm.h.
 *
 * Capstone is loaded on first use (dlopen of CAPSTONE_SONAME, which the
 * Makefile reads from the installed library), not linked: relocating its
 * tables at start-up cost `ringscope run` about 3 ms even when nothing is
 * disassembled. */
#include "disasm.h"
#include <capstone/capstone.h>
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CAPSTONE_SONAME
#define CAPSTONE_SONAME "libcapstone.so"
#endif

/* The capstone functions this file calls, resolved once. */
static struct {
    int state; /* 0: not tried, 1: loaded, -1: failed */
    __typeof__(cs_open) *open;
    __typeof__(cs_malloc) *malloc;
    __typeof__(cs_close) *close;
    __typeof__(cs_free) *free;
    __typeof__(cs_disasm_iter) *disasm_iter;
} cs;

static void *resolve(void *h, const char *name)
{
    return h ? dlsym(h, name) : NULL;
}

static bool load_capstone(void)
{
    if (cs.state)
        return cs.state > 0;
    void *h = dlopen(CAPSTONE_SONAME, RTLD_NOW | RTLD_LOCAL);
    void *p[5] = {resolve(h, "cs_open"), resolve(h, "cs_malloc"), resolve(h, "cs_close"),
                  resolve(h, "cs_free"), resolve(h, "cs_disasm_iter")};
    memcpy(&cs.open, &p[0], sizeof p[0]);
    memcpy(&cs.malloc, &p[1], sizeof p[1]);
    memcpy(&cs.close, &p[2], sizeof p[2]);
    memcpy(&cs.free, &p[3], sizeof p[3]);
    memcpy(&cs.disasm_iter, &p[4], sizeof p[4]);
    cs.state = p[0] && p[1] && p[2] && p[3] && p[4] ? 1 : -1;
    return cs.state > 0;
}

#define DISASM_BITS 14

struct disasm_entry {
    uint64_t va, pa;
    uint8_t len;          /* 0: empty */
    uint8_t bytes[15];
    char text[192]; /* capstone mnemonic (32) + operands (160) */
    char hex[48];   /* "48 89 07" */
    uint8_t text_len, hex_len;
};

struct disasm {
    csh cs;
    cs_insn *insn;
    uint64_t hits, misses;
    struct disasm_entry entry[1u << DISASM_BITS];
};

struct disasm *disasm_new(void)
{
    if (!load_capstone())
        return NULL;
    struct disasm *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (cs.open(CS_ARCH_X86, CS_MODE_64, &d->cs) != CS_ERR_OK) {
        free(d);
        return NULL;
    }
    d->insn = cs.malloc(d->cs);
    if (!d->insn) {
        cs.close(&d->cs);
        free(d);
        return NULL;
    }
    return d;
}

void disasm_free(struct disasm *d)
{
    if (!d)
        return;
    cs.free(d->insn, 1);
    cs.close(&d->cs);
    free(d);
}

static unsigned slot_of(uint64_t va, uint64_t pa)
{
    uint64_t h = (va ^ (pa << 7)) * 0x9e3779b97f4a7c15ull;
    return (unsigned)(h >> (64 - DISASM_BITS));
}

static struct disasm_line line_of(const struct disasm_entry *e)
{
    return (struct disasm_line){e->text, e->hex, e->text_len, e->hex_len};
}

struct disasm_line disasm_text(struct disasm *d, uint64_t va, uint64_t pa, const uint8_t *bytes,
                               unsigned len)
{
    if (len > 15)
        len = 15;
    struct disasm_entry *e = &d->entry[slot_of(va, pa)];
    if (e->len == len && e->va == va && e->pa == pa && memcmp(e->bytes, bytes, len) == 0) {
        d->hits++;
        return line_of(e);
    }
    d->misses++;
    e->va = va;
    e->pa = pa;
    e->len = (uint8_t)len;
    memcpy(e->bytes, bytes, len);
    for (unsigned i = 0; i < len; i++) {
        e->hex[3 * i] = "0123456789abcdef"[bytes[i] >> 4];
        e->hex[3 * i + 1] = "0123456789abcdef"[bytes[i] & 15];
        e->hex[3 * i + 2] = i + 1 < len ? ' ' : 0;
    }
    if (!len)
        e->hex[0] = 0;
    e->hex_len = (uint8_t)strlen(e->hex);
    const uint8_t *code = bytes;
    size_t size = len;
    uint64_t addr = va;
    if (cs.disasm_iter(d->cs, &code, &size, &addr, d->insn) && d->insn->size == len) {
        if (d->insn->op_str[0])
            snprintf(e->text, sizeof e->text, "%s %s", d->insn->mnemonic, d->insn->op_str);
        else
            snprintf(e->text, sizeof e->text, "%s", d->insn->mnemonic);
    } else {
        /* Capstone disagrees with the CPU's length or cannot decode the
         * encoding (see X86-NOTES: hint NOPs, UD0/UD1, 66-prefixed rel32). */
        snprintf(e->text, sizeof e->text, "(bad)");
    }
    e->text_len = (uint8_t)strlen(e->text);
    return line_of(e);
}

void disasm_stats(const struct disasm *d, uint64_t *hits, uint64_t *misses)
{
    *hits = d->hits;
    *misses = d->misses;
}
