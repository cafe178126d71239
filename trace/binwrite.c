/* binwrite.c — the writer of the compact recording format (binfmt.h,
 * trace/README.md "Recordings").  Records are made into a staging chunk;
 * a full chunk gets its length and CRC-32 and goes to the writer's output
 * buffer, which a second thread writes to the file (outbuf.h). */
#include <stdlib.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif
#include "binfmt.h"
#include "writer.h"

struct bin_writer {
    struct bin_state st;
    uint32_t next_insn;          /* the number of the next instruction definition */
    size_t len;                  /* bytes staged */
    uint8_t chunk[BIN_CHUNK_MAX];
};

/* The largest record: an event of 24 fields, each a string of up to 65535
 * bytes, would not fit; strings are cut (see put_string) so a record stays
 * under this. */
#define BIN_RECORD_MAX (64u << 10)

/* CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): SSE4.2 computes it
 * 8 bytes per instruction (CRC32, SDM Vol. 2A); the table is the same
 * function for CPUs without it. */
static uint32_t crc_table[256];

static uint32_t crc32c_table(uint32_t c, const uint8_t *p, size_t n)
{
    if (!crc_table[1]) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t x = i;
            for (int k = 0; k < 8; k++)
                x = x & 1 ? 0x82F63B78u ^ (x >> 1) : x >> 1;
            crc_table[i] = x;
        }
    }
    for (size_t i = 0; i < n; i++)
        c = crc_table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t c, const uint8_t *p, size_t n)
{
    uint64_t x = c;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        x = __builtin_ia32_crc32di(x, v);
    }
    c = (uint32_t)x;
    for (; n; n--, p++)
        c = __builtin_ia32_crc32qi(c, *p);
    return c;
}
#endif

uint32_t bin_crc32(const uint8_t *p, size_t n)
{
#if defined(__x86_64__)
    /* CPUID.01H:ECX.SSE4_2[bit 20] (SDM Vol. 2A, CPUID), asked on the first
     * checksum only: __builtin_cpu_supports would link libgcc's CPU
     * detection, a constructor running a dozen CPUIDs (each a VM exit under
     * a hypervisor) at every start of ringscope, traced or not. */
    static int has_sse42 = -1;
    if (has_sse42 < 0) {
        unsigned a, b, c, d;
        has_sse42 = __get_cpuid(1, &a, &b, &c, &d) && (c & bit_SSE4_2);
    }
    if (has_sse42)
        return crc32c_sse42(0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
#endif
    return crc32c_table(0xFFFFFFFFu, p, n) ^ 0xFFFFFFFFu;
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

unsigned bin_shape_slot(const struct trace_event *e)
{
    uint64_t h = fnv(0xcbf29ce484222325ull, &e->kind, 1);
    for (unsigned i = 0; i < e->nfields; i++) {
        h = fnv(h, &e->f[i].type, 1);
        h = fnv(h, e->f[i].key, e->f[i].klen);
    }
    return (unsigned)(h % BIN_SHAPES);
}

unsigned bin_string_slot(const char *s, size_t n)
{
    return (unsigned)(fnv(0xcbf29ce484222325ull, s, n) % BIN_STRINGS);
}

static void write_chunk(struct trace_writer *w)
{
    struct bin_writer *b = w->bin;
    if (!b->len)
        return;
    uint8_t head[BIN_CHUNK_HEADER];
    uint32_t len = (uint32_t)b->len, crc = bin_crc32(b->chunk, b->len);
    for (int i = 0; i < 4; i++) {
        head[i] = (uint8_t)(len >> (8 * i));
        head[4 + i] = (uint8_t)(crc >> (8 * i));
    }
    out_mem(&w->out, (const char *)head, sizeof head);
    out_mem(&w->out, (const char *)b->chunk, b->len);
    b->len = 0;
}

/* Room for one record of at most n bytes in the staging chunk. */
static inline uint8_t *room_for(struct trace_writer *w, size_t n)
{
    struct bin_writer *b = w->bin;
    if (__builtin_expect(b->len + n > BIN_CHUNK_MAX, 0))
        write_chunk(w);
    return b->chunk + b->len;
}

static inline uint8_t *room(struct trace_writer *w)
{
    return room_for(w, BIN_RECORD_MAX);
}

static inline void commit(struct trace_writer *w, uint8_t *end)
{
    w->bin->len = (size_t)(end - w->bin->chunk);
    w->bin->st.events++;
}

/* The step after the tag (the tag at *tag gets BIN_SAME_STEP when it is
 * the previous event's). */
static inline uint8_t *put_step(struct bin_state *st, uint8_t *tag, uint8_t *p, uint64_t step)
{
    if (step == st->step) {
        *tag |= BIN_SAME_STEP;
        return p;
    }
    p = bin_put_varint(p, bin_zigzag((int64_t)(step - st->step)));
    st->step = step;
    return p;
}

static uint8_t *put_bytes(uint8_t *p, const char *s, size_t n)
{
    p = bin_put_varint(p, n);
    memcpy(p, s, n);
    return p + n;
}

struct bin_writer *bin_writer_new(struct trace_writer *w)
{
    struct bin_writer *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    w->bin = b;
    uint8_t head[BIN_HEADER_SIZE] = {0};
    memcpy(head, BIN_MAGIC, 8);
    head[8] = BIN_VERSION & 0xff;
    head[9] = BIN_VERSION >> 8;
    out_mem(&w->out, (const char *)head, sizeof head);
    return b;
}

void bin_writer_describe_run(struct trace_writer *w, uint32_t kinds, uint8_t filters)
{
    /* Right after bin_writer_new: the header is still in the buffer. */
    if (!w->bin || w->out.len < BIN_HEADER_SIZE)
        return;
    w->out.buf[10] = (char)(kinds & 0xff);
    w->out.buf[11] = (char)(kinds >> 8 & 0xff);
    w->out.buf[12] = (char)filters;
    w->out.buf[13] = 1;
}

static uint8_t *put_insn_def(uint8_t *p, const struct trace_insn *r)
{
    p = bin_put_varint(p, r->cr3);
    p = bin_put_varint(p, r->rip);
    *p++ = r->cpl;
    p = put_bytes(p, r->sym, r->sym_len);
    p = put_bytes(p, r->bytes, r->bytes_len);
    return put_bytes(p, r->disasm, r->disasm_len);
}

void bin_insn_cols(struct trace_writer *w, const struct trace_insn *r, struct trace_insn_cols *c)
{
    c->len = 0;
    if ((size_t)r->sym_len + r->bytes_len + r->disasm_len > BIN_RECORD_MAX - 64)
        return; /* written inline each time */
    struct bin_writer *b = w->bin;
    uint32_t id = b->next_insn++;
    uint8_t *p = room(w);
    *p++ = BIN_DEF_INSN;
    p = bin_put_varint(p, id);
    p = put_insn_def(p, r);
    b->len = (size_t)(p - b->chunk); /* a definition is no event */
    memcpy(c->text, &id, sizeof id);
    c->len = sizeof id;
    c->pad = 0;
}

void bin_insn(struct trace_writer *w, const struct trace_insn *r, const struct trace_insn_cols *cols)
{
    struct bin_state *st = &w->bin->st;
    uint8_t *tag = room(w), *p = tag + 1;
    *tag = BIN_INSN;
    uint64_t ds = r->step - st->step;
    if (r->step == st->step + 1) {
        *tag |= BIN_INSN_NEXT;
        st->step = r->step;
    } else {
        p = put_step(st, tag, p, r->step);
    }
    uint64_t dt = r->time - st->time;
    if (dt == ds)
        *tag |= BIN_INSN_TIME;
    else
        p = bin_put_varint(p, bin_zigzag((int64_t)dt));
    st->time = r->time;
    if (cols && cols->len == 4) {
        uint32_t id;
        memcpy(&id, cols->text, sizeof id);
        p = bin_put_varint(p, id);
    } else {
        *tag |= BIN_INSN_INLINE;
        p = put_insn_def(p, r);
    }
    commit(w, p);
}

static inline uint64_t varint_size(uint64_t v)
{
    return v ? (uint64_t)(63 - __builtin_clzll(v)) / 7 + 1 : 1;
}

void bin_mem(struct trace_writer *w, const struct trace_mem *r)
{
    struct bin_state *st = &w->bin->st;
    uint8_t *tag = room(w), *p = tag + 1;
    *tag = BIN_MEM | (r->write ? BIN_MEM_WRITE : 0);
    p = put_step(st, tag, p, r->step);
    p = bin_put_varint(p, bin_zigzag((int64_t)(r->va - st->va)));
    uint64_t d = r->pa - r->va;
    p = bin_put_varint(p, bin_zigzag((int64_t)(d - st->pa_minus_va)));
    st->va = r->va;
    st->pa_minus_va = d;
    p = bin_put_varint(p, r->size);
    if (r->size > 8) {
        *tag |= BIN_MEM_WIDE;
        unsigned n = r->size < TRACE_MEM_WIDE_SHOWN ? r->size : TRACE_MEM_WIDE_SHOWN;
        memcpy(p, r->wide, n);
        p += n;
    } else {
        /* Pointers are often near the address they are stored at. */
        uint64_t near = bin_zigzag((int64_t)(r->value - r->va));
        if (varint_size(near) < varint_size(r->value)) {
            *tag |= BIN_MEM_NEAR;
            p = bin_put_varint(p, near);
        } else {
            p = bin_put_varint(p, r->value);
        }
    }
    commit(w, p);
}

void bin_reg(struct trace_writer *w, const struct trace_reg *r)
{
    struct bin_state *st = &w->bin->st;
    unsigned id = r->id < TRACE_REG_COUNT ? r->id : TRACE_REG_RAX;
    uint8_t *tag = room(w), *p = tag + 1;
    *tag = BIN_REG;
    p = put_step(st, tag, p, r->step);
    *p++ = (uint8_t)id;
    bool xmm = trace_reg_is_xmm(id);
    if (st->reg_known[id] && st->reg[id] == r->old && (!xmm || st->reg_hi[id] == r->old_hi)) {
        *tag |= BIN_REG_KNOWN;
    } else {
        p = bin_put_varint(p, r->old);
        if (xmm)
            p = bin_put_varint(p, r->old_hi);
    }
    p = bin_put_varint(p, bin_zigzag((int64_t)(r->new - r->old)));
    if (xmm)
        p = bin_put_varint(p, r->new_hi);
    st->reg[id] = r->new;
    st->reg_hi[id] = xmm ? r->new_hi : 0;
    st->reg_known[id] = true;
    commit(w, p);
}

void bin_tlb(struct trace_writer *w, const struct trace_tlb *r)
{
    struct bin_state *st = &w->bin->st;
    uint8_t *tag = room(w), *p = tag + 1;
    *tag = (uint8_t)(BIN_TLB | (r->child ? BIN_TLB_CHILD : 0) | ((r->op & 3) << 6));
    p = put_step(st, tag, p, r->step);
    switch (r->op & 3) {
    case TRACE_TLB_HIT:
    case TRACE_TLB_FILL:
        p = bin_put_varint(p, bin_zigzag((int64_t)(r->va - st->va)));
        st->va = r->va;
        *p++ = (uint8_t)((r->level & 3) << 5 | (r->flags & 31));
        if (r->level & 3) {
            uint64_t d = r->pa - r->va;
            p = bin_put_varint(p, bin_zigzag((int64_t)(d - st->pa_minus_va)));
            st->pa_minus_va = d;
        }
        break;
    case TRACE_TLB_MISS:
        p = bin_put_varint(p, bin_zigzag((int64_t)(r->va - st->va)));
        st->va = r->va;
        break;
    default:
        *p++ = (uint8_t)((r->scope & 3) | (r->cause & 7) << 2);
        if ((r->scope & 3) == TRACE_TLB_PAGE) {
            p = bin_put_varint(p, bin_zigzag((int64_t)(r->va - st->va)));
            st->va = r->va;
        }
    }
    commit(w, p);
}

/* A text value: a reference to the string table, a definition of a table
 * slot, or inline (long strings). */
static uint8_t *put_string(struct bin_state *st, uint8_t *p, const char *s, size_t n)
{
    if (n > BIN_STRING_CAP)
        n = BIN_STRING_CAP; /* 24 such strings still fit a chunk */
    if (n > BIN_STRING_MAX) {
        *p++ = 0;
        return put_bytes(p, s, n);
    }
    unsigned slot = bin_string_slot(s, n);
    if (st->strings[slot].len == n + 1 && memcmp(st->strings[slot].s, s, n) == 0)
        return bin_put_varint(p, 2ull * slot + 2);
    st->strings[slot].len = (uint16_t)(n + 1); /* 0: empty slot */
    memcpy(st->strings[slot].s, s, n);
    p = bin_put_varint(p, 2ull * slot + 1);
    return put_bytes(p, s, n);
}

static bool shape_matches(const struct bin_shape *sh, const struct trace_event *e)
{
    if (!sh->used || sh->kind != e->kind || sh->nfields != e->nfields)
        return false;
    for (unsigned i = 0; i < e->nfields; i++)
        if (sh->types[i] != e->f[i].type || sh->klen[i] != e->f[i].klen ||
            memcmp(sh->keys[i], e->f[i].key, e->f[i].klen) != 0)
            return false;
    return true;
}

void bin_event(struct trace_writer *w, const struct trace_event *e)
{
    struct bin_state *st = &w->bin->st;
    size_t need = BIN_RECORD_MAX;
    for (unsigned i = 0; i < e->nfields && i < TRACE_MAX_FIELDS; i++)
        if (e->f[i].type == TF_STR)
            need += e->f[i].slen < BIN_STRING_CAP ? e->f[i].slen : BIN_STRING_CAP;
    uint8_t *tag = room_for(w, need), *p = tag + 1;
    *tag = BIN_EVENT | (e->child ? BIN_EVENT_CHILD : 0);
    p = put_step(st, tag, p, e->step);
    *p++ = e->kind;
    unsigned slot = bin_shape_slot(e);
    struct bin_shape *sh = &st->shapes[slot];
    p = bin_put_varint(p, slot);
    unsigned nf = e->nfields <= TRACE_MAX_FIELDS ? e->nfields : TRACE_MAX_FIELDS;
    if (!shape_matches(sh, e)) {
        *tag |= BIN_EVENT_SHAPE;
        memset(sh, 0, sizeof *sh);
        sh->used = true;
        sh->kind = e->kind;
        sh->nfields = (uint8_t)nf;
        *p++ = (uint8_t)nf;
        for (unsigned i = 0; i < nf; i++) {
            unsigned kl = e->f[i].klen < sizeof sh->keys[i] ? e->f[i].klen : sizeof sh->keys[i] - 1;
            sh->types[i] = e->f[i].type;
            sh->klen[i] = (uint8_t)kl;
            memcpy(sh->keys[i], e->f[i].key, kl);
            *p++ = e->f[i].type;
            *p++ = (uint8_t)kl;
            memcpy(p, e->f[i].key, kl);
            p += kl;
        }
    }
    for (unsigned i = 0; i < nf; i++) {
        const struct trace_field *f = &e->f[i];
        switch (f->type) {
        case TF_STR: p = put_string(st, p, f->s ? f->s : "", f->s ? f->slen : 0); break;
        case TF_PAIR:
            p = bin_put_varint(p, bin_zigzag((int64_t)(f->v - sh->last[i])));
            p = bin_put_varint(p, bin_zigzag((int64_t)(f->v2 - sh->last2[i])));
            sh->last[i] = f->v;
            sh->last2[i] = f->v2;
            break;
        default:
            p = bin_put_varint(p, bin_zigzag((int64_t)(f->v - sh->last[i])));
            sh->last[i] = f->v;
        }
    }
    commit(w, p);
}

void bin_finish(struct trace_writer *w)
{
    struct bin_writer *b = w->bin;
    uint8_t *p = room(w);
    *p++ = BIN_END;
    p = bin_put_varint(p, b->st.events);
    b->len = (size_t)(p - b->chunk);
    write_chunk(w);
    /* Later events (a writer flushed twice) start a new END-terminated run
     * only if anything follows; a second END with no records is harmless. */
}

void bin_sync(struct trace_writer *w)
{
    write_chunk(w);
}

void bin_writer_free(struct bin_writer *b)
{
    free(b);
}
