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

static const char *copy_string(struct trace_recording *r, const char *s)
{
    size_t n = strlen(s) + 1;
    struct string_chunk *c = r->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
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
    c->used += n;
    return p;
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
    r->events[r->count++] = (struct recorded_event){e->kind, e->child, e->nfields, e->step,
                                                     r->nfields};
    r->nfields += e->nfields;
    return 0;
}

void trace_recording_get(const struct trace_recording *r, size_t i, struct trace_event *out)
{
    const struct recorded_event *re = &r->events[i];
    out->kind = re->kind;
    out->child = re->child;
    out->nfields = re->nfields;
    out->step = re->step;
    memcpy(out->f, r->fields + re->first_field, re->nfields * sizeof *out->f);
}
