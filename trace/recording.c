/* recording.c — the in-memory trace of recording.h. */
#include "recording.h"
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE 65536

struct string_chunk {
    struct string_chunk *next;
    size_t used, size;
    char data[];
};

void trace_recording_init(struct trace_recording *r)
{
    memset(r, 0, sizeof *r);
}

static void free_chunks(struct trace_recording *r)
{
    for (struct string_chunk *c = r->chunks, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    r->chunks = NULL;
}

void trace_recording_free(struct trace_recording *r)
{
    free(r->events);
    free(r->fields);
    free_chunks(r);
    memset(r, 0, sizeof *r);
}

void trace_recording_clear(struct trace_recording *r)
{
    free_chunks(r);
    r->count = 0;
    r->nfields = 0;
    r->out_of_memory = 0;
}

/* n bytes of s and a NUL, kept with the recording. */
static char *copy_bytes(struct trace_recording *r, const void *s, size_t n)
{
    struct string_chunk *c = r->chunks;
    if (!c || c->size - c->used < n + 1) {
        size_t size = n + 1 > CHUNK_SIZE ? n + 1 : CHUNK_SIZE;
        c = malloc(sizeof *c + size);
        if (!c)
            return NULL;
        c->size = size;
        c->used = 0;
        c->next = r->chunks;
        r->chunks = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, n);
    p[n] = 0;
    c->used += n + 1;
    return p;
}

static const char *copy_string(struct trace_recording *r, const char *s)
{
    return copy_bytes(r, s, strlen(s));
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 1024;
    while (ncap < need)
        ncap *= 2;
    void *q = realloc(*p, ncap * elem);
    if (!q)
        return -1;
    *p = q;
    *cap = ncap;
    return 0;
}

int trace_recording_add(struct trace_recording *r, const struct trace_event *e)
{
    if (grow((void **)&r->events, &r->cap, r->count + 1, sizeof *r->events) ||
        grow((void **)&r->fields, &r->fields_cap, r->nfields + e->nfields, sizeof *r->fields)) {
        r->out_of_memory = 1;
        return -1;
    }
    for (unsigned i = 0; i < e->nfields; i++) {
        struct trace_field f = e->f[i];
        f.key = copy_string(r, f.key);
        if (f.type == TF_STR)
            f.s = copy_string(r, f.s ? f.s : "");
        if (!f.key || (f.type == TF_STR && !f.s)) {
            r->out_of_memory = 1;
            return -1;
        }
        r->fields[r->nfields + i] = f;
    }
    r->events[r->count++] = (struct recorded_event){.kind = e->kind, .child = e->child,
                                                     .nfields = e->nfields, .form = REC_FIELDS,
                                                     .step = e->step,
                                                     .u.first_field = r->nfields};
    r->nfields += e->nfields;
    return 0;
}

/* Room for one more event (NULL when memory ran out). */
static struct recorded_event *add_one(struct trace_recording *r, enum trace_kind kind,
                                      enum recorded_form form, uint64_t step, bool child)
{
    if (grow((void **)&r->events, &r->cap, r->count + 1, sizeof *r->events)) {
        r->out_of_memory = 1;
        return NULL;
    }
    struct recorded_event *re = &r->events[r->count];
    re->kind = (uint8_t)kind;
    re->child = child;
    re->nfields = 0;
    re->form = (uint8_t)form;
    re->step = step;
    return re;
}

static int failed(struct trace_recording *r)
{
    r->out_of_memory = 1;
    return -1;
}

int trace_recording_add_insn(struct trace_recording *r, const struct trace_insn *x)
{
    struct recorded_event *re = add_one(r, TRACE_INSN, REC_INSN, x->step, false);
    if (!re)
        return -1;
    re->u.insn = *x;
    re->u.insn.sym = copy_bytes(r, x->sym, x->sym_len);
    re->u.insn.bytes = copy_bytes(r, x->bytes, x->bytes_len);
    re->u.insn.disasm = copy_bytes(r, x->disasm, x->disasm_len);
    if (!re->u.insn.sym || !re->u.insn.bytes || !re->u.insn.disasm)
        return failed(r);
    r->count++;
    return 0;
}

int trace_recording_add_mem(struct trace_recording *r, const struct trace_mem *x)
{
    struct recorded_event *re = add_one(r, TRACE_MEM, REC_MEM, x->step, true);
    if (!re)
        return -1;
    re->u.mem = *x;
    if (x->size > 8) {
        unsigned shown = x->size < TRACE_MEM_WIDE_SHOWN ? x->size : TRACE_MEM_WIDE_SHOWN;
        if (!(re->u.mem.wide = (const uint8_t *)copy_bytes(r, x->wide, shown)))
            return failed(r);
    }
    r->count++;
    return 0;
}

int trace_recording_add_reg(struct trace_recording *r, const struct trace_reg *x)
{
    struct recorded_event *re = add_one(r, TRACE_REG, REC_REG, x->step, true);
    if (!re)
        return -1;
    re->u.reg = *x;
    r->count++;
    return 0;
}

int trace_recording_add_tlb(struct trace_recording *r, const struct trace_tlb *x)
{
    struct recorded_event *re = add_one(r, TRACE_TLB, REC_TLB, x->step, x->child);
    if (!re)
        return -1;
    re->u.tlb = *x;
    r->count++;
    return 0;
}

void trace_recording_get(const struct trace_recording *r, size_t i, struct trace_event *out)
{
    const struct recorded_event *re = &r->events[i];
    switch (re->form) {
    case REC_INSN: trace_insn_fields(&re->u.insn, out); return;
    case REC_MEM: trace_mem_fields(&re->u.mem, out); return;
    case REC_REG: trace_reg_fields(&re->u.reg, out); return;
    case REC_TLB: trace_tlb_fields(&re->u.tlb, out); return;
    }
    out->kind = re->kind;
    out->child = re->child;
    out->nfields = re->nfields;
    out->step = re->step;
    memcpy(out->f, r->fields + re->u.first_field, re->nfields * sizeof *out->f);
}
