/* query.c — the trace query API of query.h over a recording. */
#include "query.h"
#include <stdio.h>
#include <string.h>
#include "pattern.h"

static bool compile(const char *text, struct trace_pattern *p)
{
    char err[256];
    if (trace_pattern_parse(p, text, err, sizeof err) == 0)
        return true;
    fprintf(stderr, "trace query '%s': %s\n", text, err);
    return false;
}

static bool matches(const struct trace_recording *r, size_t i, const struct trace_pattern *p)
{
    if (p->kind >= 0 && r->events[i].kind != p->kind)
        return false;
    struct trace_event e;
    trace_recording_get(r, i, &e);
    return trace_pattern_match(p, &e, NULL);
}

size_t trace_find(const struct trace_recording *r, size_t from, const char *pattern)
{
    struct trace_pattern p;
    if (!compile(pattern, &p))
        return TRACE_NOT_FOUND;
    for (size_t i = from; i < r->count; i++)
        if (matches(r, i, &p))
            return i;
    return TRACE_NOT_FOUND;
}

size_t trace_find_last(const struct trace_recording *r, size_t before, const char *pattern)
{
    struct trace_pattern p;
    if (!compile(pattern, &p))
        return TRACE_NOT_FOUND;
    for (size_t i = before < r->count ? before : r->count; i-- > 0;)
        if (matches(r, i, &p))
            return i;
    return TRACE_NOT_FOUND;
}

size_t trace_count_range(const struct trace_recording *r, size_t from, size_t to,
                         const char *pattern)
{
    struct trace_pattern p;
    if (!compile(pattern, &p))
        return 0;
    size_t n = 0;
    for (size_t i = from; i < to && i < r->count; i++)
        n += matches(r, i, &p);
    return n;
}

size_t trace_count(const struct trace_recording *r, const char *pattern)
{
    return trace_count_range(r, 0, r->count, pattern);
}

void trace_foreach(const struct trace_recording *r, const char *pattern, trace_visit_fn fn,
                   void *ctx)
{
    struct trace_pattern p;
    if (!compile(pattern, &p))
        return;
    struct trace_event e;
    for (size_t i = 0; i < r->count; i++) {
        if (p.kind >= 0 && r->events[i].kind != p.kind)
            continue;
        trace_recording_get(r, i, &e);
        if (trace_pattern_match(&p, &e, NULL) && !fn(ctx, i, &e))
            return;
    }
}

bool trace_get_u64(const struct trace_recording *r, size_t i, const char *key, uint64_t *v)
{
    if (i >= r->count)
        return false;
    if (strcmp(key, "step") == 0) {
        *v = r->events[i].step;
        return true;
    }
    struct trace_event e;
    trace_recording_get(r, i, &e);
    const struct trace_field *f = trace_field(&e, key);
    if (!f || f->type == TF_STR || f->type == TF_PAIR)
        return false;
    *v = f->v;
    return true;
}

const char *trace_get_text(const struct trace_recording *r, size_t i, const char *key, char *buf,
                           size_t cap)
{
    if (cap)
        buf[0] = 0;
    if (i >= r->count)
        return buf;
    struct trace_event e;
    trace_recording_get(r, i, &e);
    const struct trace_field *f = trace_field(&e, key);
    if (f)
        trace_field_text(f, buf, cap);
    else if (strcmp(key, "kind") == 0)
        snprintf(buf, cap, "%s", trace_kind_name(e.kind));
    else if (strcmp(key, "step") == 0)
        snprintf(buf, cap, "%llu", (unsigned long long)e.step);
    return buf;
}
