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
    free(r->insns);
    free(r->mems);
    free(r->regs);
    free(r->tlbs);
    free_chunks(r);
    memset(r, 0, sizeof *r);
}

void trace_recording_clear(struct trace_recording *r)
{
    free_chunks(r);
    r->count = 0;
    r->nfields = 0;
    r->ninsns = r->nmems = r->nregs = r->ntlbs = 0;
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
                                                     .step = e->step, .at = r->nfields};
    r->nfields += e->nfields;
    return 0;
}

static int failed(struct trace_recording *r)
{
    r->out_of_memory = 1;
    return -1;
}

/* Room for one more event and one more record in *array (which holds *n
 * of *cap): the record's slot, or NULL when memory ran out.  The event is
 * counted by the caller once the record is complete. */
static void *add_one(struct trace_recording *r, enum trace_kind kind, enum recorded_form form,
                     uint64_t step, bool child, void **array, size_t *n, size_t *cap,
                     size_t elem)
{
    if (grow((void **)&r->events, &r->cap, r->count + 1, sizeof *r->events) ||
        grow(array, cap, *n + 1, elem)) {
        failed(r);
        return NULL;
    }
    r->events[r->count] = (struct recorded_event){.kind = (uint8_t)kind, .child = child,
                                                  .form = (uint8_t)form, .step = step,
                                                  .at = *n};
    return (char *)*array + *n * elem;
}
#define ADD_ONE(r, kind, form, step, child, array, n)                                        \
    add_one(r, kind, form, step, child, (void **)&(r)->array, &(r)->n, &(r)->array##_cap,   \
            sizeof *(r)->array)

int trace_recording_add_insn(struct trace_recording *r, const struct trace_insn *x)
{
    struct trace_insn *s = ADD_ONE(r, TRACE_INSN, REC_INSN, x->step, false, insns, ninsns);
    if (!s)
        return -1;
    *s = *x;
    s->sym = copy_bytes(r, x->sym, x->sym_len);
    s->bytes = copy_bytes(r, x->bytes, x->bytes_len);
    s->disasm = copy_bytes(r, x->disasm, x->disasm_len);
    if (!s->sym || !s->bytes || !s->disasm)
        return failed(r);
    r->ninsns++;
    r->count++;
    return 0;
}

int trace_recording_add_mem(struct trace_recording *r, const struct trace_mem *x)
{
    struct trace_mem *s = ADD_ONE(r, TRACE_MEM, REC_MEM, x->step, true, mems, nmems);
    if (!s)
        return -1;
    *s = *x;
    if (x->size > 8) {
        unsigned shown = x->size < TRACE_MEM_WIDE_SHOWN ? x->size : TRACE_MEM_WIDE_SHOWN;
        if (!(s->wide = (const uint8_t *)copy_bytes(r, x->wide, shown)))
            return failed(r);
    }
    r->nmems++;
    r->count++;
    return 0;
}

int trace_recording_add_reg(struct trace_recording *r, const struct trace_reg *x)
{
    struct trace_reg *s = ADD_ONE(r, TRACE_REG, REC_REG, x->step, true, regs, nregs);
    if (!s)
        return -1;
    *s = *x;
    r->nregs++;
    r->count++;
    return 0;
}

int trace_recording_add_tlb(struct trace_recording *r, const struct trace_tlb *x)
{
    struct trace_tlb *s = ADD_ONE(r, TRACE_TLB, REC_TLB, x->step, x->child, tlbs, ntlbs);
    if (!s)
        return -1;
    *s = *x;
    r->ntlbs++;
    r->count++;
    return 0;
}

void trace_recording_get(const struct trace_recording *r, size_t i, struct trace_event *out)
{
    const struct recorded_event *re = &r->events[i];
    switch (re->form) {
    case REC_INSN: trace_insn_fields(&r->insns[re->at], out); return;
    case REC_MEM: trace_mem_fields(&r->mems[re->at], out); return;
    case REC_REG: trace_reg_fields(&r->regs[re->at], out); return;
    case REC_TLB: trace_tlb_fields(&r->tlbs[re->at], out); return;
    }
    out->kind = re->kind;
    out->child = re->child;
    out->nfields = re->nfields;
    out->step = re->step;
    memcpy(out->f, r->fields + re->at, re->nfields * sizeof *out->f);
}
