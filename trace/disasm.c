/* disasm.c — the capstone-backed, cached disassembler of disasm.h. */
#include "disasm.h"
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    struct disasm *d = calloc(1, sizeof *d);
    if (!d)
        return NULL;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->cs) != CS_ERR_OK) {
        free(d);
        return NULL;
    }
    d->insn = cs_malloc(d->cs);
    if (!d->insn) {
        cs_close(&d->cs);
        free(d);
        return NULL;
    }
    return d;
}

void disasm_free(struct disasm *d)
{
    if (!d)
        return;
    cs_free(d->insn, 1);
    cs_close(&d->cs);
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
    if (cs_disasm_iter(d->cs, &code, &size, &addr, d->insn) && d->insn->size == len) {
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
