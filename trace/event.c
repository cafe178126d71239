/* event.c — kind names, field lookup and the canonical text of a field
 * value (what JSON Lines prints and what expectations compare against). */
#include "event.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[TRACE_KIND_COUNT] = {
    [TRACE_INSN] = "insn",           [TRACE_MEM] = "mem",         [TRACE_REG] = "reg",
    [TRACE_TLB] = "tlb",             [TRACE_WALK] = "walk",       [TRACE_AD] = "ad",
    [TRACE_EXCEPTION] = "exception", [TRACE_INTERRUPT] = "interrupt",
    [TRACE_IRET] = "iret",           [TRACE_SYSCALL] = "syscall", [TRACE_SYSRET] = "sysret",
    [TRACE_PORT] = "port",           [TRACE_OS] = "os",           [TRACE_LOG] = "log",
    [TRACE_SAMPLE] = "sample",
};

const char *trace_kind_name(enum trace_kind k)
{
    return (unsigned)k < TRACE_KIND_COUNT ? kind_names[k] : "?";
}

int trace_kind_from_name(const char *name, size_t len)
{
    for (int k = 0; k < TRACE_KIND_COUNT; k++)
        if (strlen(kind_names[k]) == len && memcmp(kind_names[k], name, len) == 0)
            return k;
    return -1;
}

const struct trace_field *trace_field(const struct trace_event *e, const char *key)
{
    for (unsigned i = 0; i < e->nfields; i++)
        if (strcmp(e->f[i].key, key) == 0)
            return &e->f[i];
    return NULL;
}

size_t trace_field_text(const struct trace_field *f, char *buf, size_t cap)
{
    int n;
    switch (f->type) {
    case TF_DEC: n = snprintf(buf, cap, "%" PRIu64, f->v); break;
    case TF_SDEC: n = snprintf(buf, cap, "%" PRId64, (int64_t)f->v); break;
    case TF_HEX: n = snprintf(buf, cap, "0x%" PRIx64, f->v); break;
    case TF_PAIR: n = snprintf(buf, cap, "%" PRIu64 "->%" PRIu64, f->v, f->v2); break;
    default: n = snprintf(buf, cap, "%s", f->s ? f->s : ""); break;
    }
    if (n < 0)
        n = 0;
    return (size_t)n < cap ? (size_t)n : (cap ? cap - 1 : 0);
}

size_t trace_event_summary(const struct trace_event *e, char *buf, size_t cap)
{
    if (!cap)
        return 0;
    int n = snprintf(buf, cap, "%s step=%llu", trace_kind_name(e->kind),
                     (unsigned long long)e->step);
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    for (unsigned i = 0; i < e->nfields && len + 1 < cap; i++) {
        char v[256];
        trace_field_text(&e->f[i], v, sizeof v);
        bool quote = e->f[i].type == TF_STR && (!v[0] || strchr(v, ' '));
        n = snprintf(buf + len, cap - len, quote ? " %s=\"%s\"" : " %s=%s", e->f[i].key, v);
        if (n < 0)
            break;
        len = len + (size_t)n < cap ? len + (size_t)n : cap - 1;
    }
    return len;
}
