/* binread.c — the recording reader (binread.h): the writer's codec
 * (binwrite.c) run backwards, with every byte checked. */
#include "binread.h"
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "binfmt.h"

/* An instruction definition: its record, strings in `text`. */
struct insn_def {
    uint64_t cr3, rip;
    uint8_t cpl;
    uint16_t sym_len, bytes_len, disasm_len;
    char *text;
};

struct reader {
    const char *path;
    const uint8_t *p, *end;      /* the chunk being decoded */
    unsigned chunk;              /* its number, from 1 */
    struct bin_state *st;
    struct insn_def *defs;
    size_t ndefs, defs_cap;
    const struct bin_sink *sink;
    char *err;
    size_t errlen;
    bool failed;
    /* Strings of the event being decoded. */
    char strings[TRACE_MAX_FIELDS][BIN_STRING_CAP + 1];
};

__attribute__((format(printf, 2, 3))) static void fail(struct reader *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(r->err, r->errlen, "%s: %s", r->path, msg);
}

static bool corrupt(struct reader *r, const char *what)
{
    fail(r, "corrupt recording: %s in chunk %u", what, r->chunk);
    return false;
}

static bool get_varint(struct reader *r, uint64_t *v)
{
    uint64_t x = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end)
            return corrupt(r, "a record runs past its chunk");
        uint8_t b = *r->p++;
        if (shift == 63 && b > 1)
            return corrupt(r, "a number longer than 64 bits");
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return true;
        }
    }
    return corrupt(r, "a number longer than 64 bits");
}

static bool get_byte(struct reader *r, uint8_t *b)
{
    if (r->p >= r->end)
        return corrupt(r, "a record runs past its chunk");
    *b = *r->p++;
    return true;
}

static bool get_delta(struct reader *r, uint64_t base, uint64_t *v)
{
    uint64_t z;
    if (!get_varint(r, &z))
        return false;
    *v = base + (uint64_t)bin_unzigzag(z);
    return true;
}

/* len + bytes, at most cap - 1 (then NUL-terminated in dst). */
static bool get_bytes(struct reader *r, char *dst, size_t cap, uint16_t *len)
{
    uint64_t n;
    if (!get_varint(r, &n))
        return false;
    if (n >= cap || n > (uint64_t)(r->end - r->p))
        return corrupt(r, "a string longer than its record");
    memcpy(dst, r->p, n);
    dst[n] = 0;
    r->p += n;
    *len = (uint16_t)n;
    return true;
}

static bool get_step(struct reader *r, uint8_t tag, uint64_t *step)
{
    if (!(tag & BIN_SAME_STEP) && !get_delta(r, r->st->step, &r->st->step))
        return false;
    *step = r->st->step;
    return true;
}

static bool read_insn_def(struct reader *r, struct insn_def *d)
{
    char sym[1024], bytes[1024], dis[1024];
    if (!get_varint(r, &d->cr3) || !get_varint(r, &d->rip) || !get_byte(r, &d->cpl) ||
        !get_bytes(r, sym, sizeof sym, &d->sym_len) || !get_bytes(r, bytes, sizeof bytes, &d->bytes_len) ||
        !get_bytes(r, dis, sizeof dis, &d->disasm_len))
        return false;
    if (d->cpl > 3)
        return corrupt(r, "an instruction in ring 4 or above");
    d->text = malloc((size_t)d->sym_len + d->bytes_len + d->disasm_len + 3);
    if (!d->text) {
        fail(r, "out of host memory");
        return false;
    }
    char *t = d->text;
    memcpy(t, sym, d->sym_len + 1u);
    memcpy(t + d->sym_len + 1, bytes, d->bytes_len + 1u);
    memcpy(t + d->sym_len + d->bytes_len + 2, dis, d->disasm_len + 1u);
    return true;
}

static void def_record(const struct insn_def *d, struct trace_insn *x)
{
    x->cr3 = d->cr3;
    x->rip = d->rip;
    x->cpl = d->cpl;
    x->sym = d->text;
    x->sym_len = d->sym_len;
    x->bytes = d->text + d->sym_len + 1;
    x->bytes_len = d->bytes_len;
    x->disasm = d->text + d->sym_len + d->bytes_len + 2;
    x->disasm_len = d->disasm_len;
}

static bool rec_def(struct reader *r)
{
    uint64_t id;
    if (!get_varint(r, &id))
        return false;
    if (id != r->ndefs)
        return corrupt(r, "an instruction definition out of order");
    if (r->ndefs == r->defs_cap) {
        size_t cap = r->defs_cap ? r->defs_cap * 2 : 1024;
        struct insn_def *d = realloc(r->defs, cap * sizeof *d);
        if (!d) {
            fail(r, "out of host memory");
            return false;
        }
        r->defs = d;
        r->defs_cap = cap;
    }
    if (!read_insn_def(r, &r->defs[r->ndefs]))
        return false;
    r->ndefs++;
    return true;
}

static bool rec_insn(struct reader *r, uint8_t tag)
{
    struct bin_state *st = r->st;
    struct trace_insn x;
    uint64_t before = st->step;
    if (tag & BIN_INSN_NEXT) {
        if (tag & BIN_SAME_STEP)
            return corrupt(r, "an instruction both next and at the same step");
        x.step = ++st->step;
    } else if (!get_step(r, tag, &x.step)) {
        return false;
    }
    if (tag & BIN_INSN_TIME)
        st->time += x.step - before;
    else if (!get_delta(r, st->time, &st->time))
        return false;
    x.time = st->time;
    struct insn_def inline_def = {0};
    if (tag & BIN_INSN_INLINE) {
        if (!read_insn_def(r, &inline_def))
            return false;
        def_record(&inline_def, &x);
    } else {
        uint64_t id;
        if (!get_varint(r, &id))
            return false;
        if (id >= r->ndefs)
            return corrupt(r, "an instruction that was never defined");
        def_record(&r->defs[id], &x);
    }
    if (r->sink->insn)
        r->sink->insn(r->sink->ctx, &x);
    free(inline_def.text);
    return true;
}

static bool rec_mem(struct reader *r, uint8_t tag)
{
    struct bin_state *st = r->st;
    struct trace_mem x = {.write = (tag & BIN_MEM_WRITE) != 0};
    uint64_t d, size;
    uint8_t wide[TRACE_MEM_WIDE_SHOWN];
    if (!get_step(r, tag, &x.step) || !get_delta(r, st->va, &x.va) ||
        !get_delta(r, st->pa_minus_va, &d) || !get_varint(r, &size))
        return false;
    st->va = x.va;
    st->pa_minus_va = d;
    x.pa = x.va + d;
    if (!size || size > 4096)
        return corrupt(r, "a memory access of no or absurd size");
    x.size = (uint32_t)size;
    if (tag & BIN_MEM_WIDE) {
        unsigned n = size < TRACE_MEM_WIDE_SHOWN ? (unsigned)size : TRACE_MEM_WIDE_SHOWN;
        if (size <= 8 || (size_t)(r->end - r->p) < n)
            return corrupt(r, "a wide memory value");
        memcpy(wide, r->p, n);
        r->p += n;
        x.wide = wide;
    } else {
        if (size > 8)
            return corrupt(r, "a wide access without its bytes");
        uint64_t v;
        if (!get_varint(r, &v))
            return false;
        x.value = tag & BIN_MEM_NEAR ? x.va + (uint64_t)bin_unzigzag(v) : v;
        if (size < 8 && (x.value >> (8 * size)))
            return corrupt(r, "a memory value wider than its access");
    }
    if (r->sink->mem)
        r->sink->mem(r->sink->ctx, &x);
    return true;
}

static bool rec_reg(struct reader *r, uint8_t tag)
{
    struct bin_state *st = r->st;
    struct trace_reg x = {0};
    uint8_t id;
    if (!get_step(r, tag, &x.step) || !get_byte(r, &id))
        return false;
    if (id >= TRACE_REG_COUNT)
        return corrupt(r, "an unknown register");
    x.id = id;
    bool xmm = trace_reg_is_xmm(id);
    if (tag & BIN_REG_KNOWN) {
        if (!st->reg_known[id])
            return corrupt(r, "a register's old value that was never given");
        x.old = st->reg[id];
        x.old_hi = st->reg_hi[id];
    } else if (!get_varint(r, &x.old) || (xmm && !get_varint(r, &x.old_hi))) {
        return false;
    }
    if (!get_delta(r, x.old, &x.new) || (xmm && !get_varint(r, &x.new_hi)))
        return false;
    st->reg[id] = x.new;
    st->reg_hi[id] = x.new_hi;
    st->reg_known[id] = true;
    if (r->sink->reg)
        r->sink->reg(r->sink->ctx, &x);
    return true;
}

static bool rec_tlb(struct reader *r, uint8_t tag)
{
    struct bin_state *st = r->st;
    struct trace_tlb x = {.child = (tag & BIN_TLB_CHILD) != 0, .op = (uint8_t)(tag >> 6)};
    if (!get_step(r, tag, &x.step))
        return false;
    uint8_t b;
    switch (x.op) {
    case TRACE_TLB_HIT:
    case TRACE_TLB_FILL:
        if (!get_delta(r, st->va, &x.va) || !get_byte(r, &b))
            return false;
        st->va = x.va;
        if (b & 0x80)
            return corrupt(r, "a TLB entry's flags");
        x.level = (b >> 5) & 3;
        x.flags = b & 31;
        if (x.level) {
            uint64_t d;
            if (!get_delta(r, st->pa_minus_va, &d))
                return false;
            st->pa_minus_va = d;
            x.pa = x.va + d;
        }
        break;
    case TRACE_TLB_MISS:
        if (!get_delta(r, st->va, &x.va))
            return false;
        st->va = x.va;
        break;
    default:
        if (!get_byte(r, &b))
            return false;
        x.scope = b & 3;
        x.cause = (b >> 2) & 7;
        if (x.scope > TRACE_TLB_ALL || x.cause > TRACE_TLB_PAGING_CHANGE || (b >> 5))
            return corrupt(r, "a TLB flush's scope or cause");
        if (x.scope == TRACE_TLB_PAGE) {
            if (!get_delta(r, st->va, &x.va))
                return false;
            st->va = x.va;
        }
    }
    if (r->sink->tlb)
        r->sink->tlb(r->sink->ctx, &x);
    return true;
}

static bool get_string(struct reader *r, unsigned i, struct trace_field *f)
{
    struct bin_state *st = r->st;
    uint64_t x;
    uint16_t n;
    if (!get_varint(r, &x))
        return false;
    char *dst = r->strings[i];
    if (x == 0) {
        if (!get_bytes(r, dst, sizeof r->strings[i], &n))
            return false;
    } else if (x & 1) {
        uint64_t slot = x >> 1;
        if (slot >= BIN_STRINGS)
            return corrupt(r, "a string slot out of range");
        if (!get_bytes(r, dst, BIN_STRING_MAX + 1, &n))
            return false;
        st->strings[slot].len = (uint16_t)(n + 1);
        memcpy(st->strings[slot].s, dst, n);
    } else {
        uint64_t slot = (x >> 1) - 1;
        if (slot >= BIN_STRINGS || !st->strings[slot].len)
            return corrupt(r, "a string that was never defined");
        n = (uint16_t)(st->strings[slot].len - 1);
        memcpy(dst, st->strings[slot].s, n);
        dst[n] = 0;
    }
    f->s = dst;
    f->slen = n;
    return true;
}

static bool rec_event(struct reader *r, uint8_t tag)
{
    struct bin_state *st = r->st;
    struct trace_event e;
    uint8_t kind;
    uint64_t slot, step;
    if (!get_step(r, tag, &step) || !get_byte(r, &kind) || !get_varint(r, &slot))
        return false;
    if (kind >= TRACE_KIND_COUNT)
        return corrupt(r, "an unknown event kind");
    if (slot >= BIN_SHAPES)
        return corrupt(r, "an event shape out of range");
    struct bin_shape *sh = &st->shapes[slot];
    if (tag & BIN_EVENT_SHAPE) {
        uint8_t nf;
        if (!get_byte(r, &nf))
            return false;
        if (nf > TRACE_MAX_FIELDS)
            return corrupt(r, "an event with too many fields");
        memset(sh, 0, sizeof *sh);
        sh->used = true;
        sh->kind = kind;
        sh->nfields = nf;
        for (unsigned i = 0; i < nf; i++) {
            uint8_t type, kl;
            if (!get_byte(r, &type) || !get_byte(r, &kl))
                return false;
            if (type > TF_PAIR || kl == 0 || kl >= sizeof sh->keys[i] || kl > r->end - r->p)
                return corrupt(r, "an event shape's field");
            sh->types[i] = type;
            sh->klen[i] = kl;
            memcpy(sh->keys[i], r->p, kl);
            sh->keys[i][kl] = 0;
            r->p += kl;
        }
    } else if (!sh->used || sh->kind != kind) {
        return corrupt(r, "an event of a shape never defined");
    }
    trace_event_init(&e, kind, step, (tag & BIN_EVENT_CHILD) != 0);
    e.nfields = sh->nfields;
    for (unsigned i = 0; i < sh->nfields; i++) {
        struct trace_field *f = &e.f[i];
        *f = (struct trace_field){.key = sh->keys[i], .type = sh->types[i], .klen = sh->klen[i]};
        switch (f->type) {
        case TF_STR:
            if (!get_string(r, i, f))
                return false;
            break;
        case TF_PAIR:
            if (!get_delta(r, sh->last[i], &f->v) || !get_delta(r, sh->last2[i], &f->v2))
                return false;
            sh->last[i] = f->v;
            sh->last2[i] = f->v2;
            break;
        default:
            if (!get_delta(r, sh->last[i], &f->v))
                return false;
            sh->last[i] = f->v;
        }
    }
    if (r->sink->event)
        r->sink->event(r->sink->ctx, &e);
    return true;
}

/* The records of one chunk; *ended when END was among them. */
static bool decode_chunk(struct reader *r, bool *ended)
{
    while (r->p < r->end && !r->failed) {
        uint8_t tag = *r->p++;
        bool ok;
        switch (tag & 15) {
        case BIN_INSN: ok = rec_insn(r, tag); break;
        case BIN_MEM: ok = rec_mem(r, tag); break;
        case BIN_REG: ok = rec_reg(r, tag); break;
        case BIN_TLB: ok = rec_tlb(r, tag); break;
        case BIN_EVENT:
            ok = !(tag & 0x80) ? rec_event(r, tag) : corrupt(r, "an event tag");
            break;
        case BIN_DEF_INSN:
            ok = tag == BIN_DEF_INSN ? rec_def(r) : corrupt(r, "a definition tag");
            break;
        case BIN_END: {
            uint64_t n;
            if (tag != BIN_END || !get_varint(r, &n))
                return !r->failed && corrupt(r, "the end record");
            if (n != r->st->events) {
                fail(r, "corrupt recording: the end record counts %llu events, the file holds %llu",
                     (unsigned long long)n, (unsigned long long)r->st->events);
                return false;
            }
            if (r->p != r->end)
                return corrupt(r, "bytes after the end record");
            *ended = true;
            return true;
        }
        default: ok = corrupt(r, "an unknown record tag"); break;
        }
        if (!ok)
            return false;
        if ((tag & 15) != BIN_DEF_INSN)
            r->st->events++;
    }
    return !r->failed;
}

bool bin_is_recording(const uint8_t *bytes, size_t len)
{
    return len >= 8 && memcmp(bytes, BIN_MAGIC, 8) == 0;
}

int bin_read(const uint8_t *bytes, size_t len, const char *path, const struct bin_sink *sink,
             char *err, size_t errlen)
{
    struct reader *r = calloc(1, sizeof *r);
    struct bin_state *st = calloc(1, sizeof *st);
    if (!r || !st) {
        snprintf(err, errlen, "%s: out of host memory", path);
        free(r);
        free(st);
        return -1;
    }
    r->path = path;
    r->st = st;
    r->sink = sink;
    r->err = err;
    r->errlen = errlen;
    if (len < BIN_HEADER_SIZE || !bin_is_recording(bytes, len)) {
        fail(r, len < 8 || !bin_is_recording(bytes, len)
                    ? "not a ringscope recording (no RSTRACE header)"
                    : "truncated: the header is cut short");
    } else if ((bytes[8] | bytes[9] << 8) != BIN_VERSION) {
        fail(r, "recording format version %u; this ringscope reads version %u",
             (unsigned)(bytes[8] | bytes[9] << 8), BIN_VERSION);
    } else {
        size_t at = BIN_HEADER_SIZE;
        bool ended = false;
        while (!r->failed && !ended) {
            r->chunk++;
            if (at == len) {
                fail(r, "truncated: the file ends after chunk %u without its end record",
                     r->chunk - 1);
                break;
            }
            if (len - at < BIN_CHUNK_HEADER) {
                fail(r, "truncated: chunk %u's header is cut short", r->chunk);
                break;
            }
            const uint8_t *h = bytes + at;
            uint32_t n = (uint32_t)h[0] | (uint32_t)h[1] << 8 | (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
            uint32_t crc = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 | (uint32_t)h[7] << 24;
            at += BIN_CHUNK_HEADER;
            if (n == 0 || n > BIN_CHUNK_MAX) {
                fail(r, "corrupt recording: chunk %u claims %u bytes", r->chunk, n);
                break;
            }
            if (len - at < n) {
                fail(r, "truncated: chunk %u ends after %zu of %u bytes", r->chunk, len - at, n);
                break;
            }
            if (bin_crc32(bytes + at, n) != crc) {
                fail(r, "corrupt recording: chunk %u fails its CRC-32C check", r->chunk);
                break;
            }
            r->p = bytes + at;
            r->end = bytes + at + n;
            at += n;
            if (!decode_chunk(r, &ended))
                break;
            if (ended && at != len)
                fail(r, "corrupt recording: %zu bytes after the end record", len - at);
        }
    }
    for (size_t i = 0; i < r->ndefs; i++)
        free(r->defs[i].text);
    free(r->defs);
    bool failed = r->failed;
    free(r);
    free(st);
    return failed ? -1 : 0;
}

bool bin_read_run(const char *path, uint32_t *kinds, uint8_t *filters)
{
    uint8_t h[BIN_HEADER_SIZE];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    bool ok = fread(h, 1, sizeof h, f) == sizeof h && bin_is_recording(h, sizeof h) && h[13] == 1;
    fclose(f);
    if (ok) {
        *kinds = (uint32_t)(h[10] | h[11] << 8);
        *filters = h[12];
    }
    return ok;
}

int bin_read_file(const char *path, const struct bin_sink *sink, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open it", path);
        return -1;
    }
    size_t cap = 1 << 20, len = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        uint8_t *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        snprintf(err, errlen, "%s: %s", path, bad ? "cannot read it" : "out of host memory");
        return -1;
    }
    int rc = bin_read(buf, len, path, sink, err, errlen);
    free(buf);
    return rc;
}
