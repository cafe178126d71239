/* runctl.c — the session's breakpoint and watchpoint tables (session.h):
 * ids, enable/disable, conditions, hit counts, watchpoint hits with their
 * old and new values, and the stop explained in one sentence. */
#include "runctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "../trace/symbols.h"

/* ---- breakpoints ------------------------------------------------------- */

/* The machine stops at the distinct addresses of the enabled ones. */
static void rebuild_addresses(struct dbg *d)
{
    d->nbp = 0;
    for (size_t i = 0; i < DBG_MAX_BREAKPOINTS; i++) {
        const struct dbg_breakpoint *b = &d->bps[i];
        if (!b->id || !b->enabled)
            continue;
        bool seen = false;
        for (size_t k = 0; k < d->nbp && !seen; k++)
            seen = d->bp[k] == b->va;
        if (!seen)
            d->bp[d->nbp++] = b->va;
    }
    d->model_generation++;
}

static struct dbg_breakpoint *find_break(struct dbg *d, int id)
{
    for (size_t i = 0; id > 0 && i < DBG_MAX_BREAKPOINTS; i++)
        if (d->bps[i].id == id)
            return &d->bps[i];
    return NULL;
}

static int new_id(struct dbg *d) { return ++d->next_point_id; }

int dbg_break_add(struct dbg *d, uint64_t va, const char *condition, char *err, size_t errlen)
{
    struct condition c;
    if (cond_parse(&c, condition, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < DBG_MAX_BREAKPOINTS; i++)
        if (!d->bps[i].id) {
            d->bps[i] = (struct dbg_breakpoint){.id = new_id(d), .va = va, .enabled = true, .cond = c};
            rebuild_addresses(d);
            return d->bps[i].id;
        }
    snprintf(err, errlen, "too many breakpoints (at most %d)", DBG_MAX_BREAKPOINTS);
    return -1;
}

int dbg_break_delete(struct dbg *d, int id)
{
    struct dbg_breakpoint *b = find_break(d, id);
    if (!b)
        return -1;
    memset(b, 0, sizeof *b);
    rebuild_addresses(d);
    return 0;
}

int dbg_break_enable(struct dbg *d, int id, bool enabled)
{
    struct dbg_breakpoint *b = find_break(d, id);
    if (!b)
        return -1;
    b->enabled = enabled;
    rebuild_addresses(d);
    return 0;
}

int dbg_break_condition(struct dbg *d, int id, const char *condition, char *err, size_t errlen)
{
    struct dbg_breakpoint *b = find_break(d, id);
    if (!b) {
        snprintf(err, errlen, "no breakpoint %d", id);
        return -1;
    }
    struct condition c;
    if (cond_parse(&c, condition, err, errlen) != 0)
        return -1;
    b->cond = c;
    d->model_generation++;
    return 0;
}

const struct dbg_breakpoint *dbg_break_get(const struct dbg *d, int id)
{
    return find_break((struct dbg *)d, id);
}

const struct dbg_breakpoint *dbg_break_at(const struct dbg *d, uint64_t va)
{
    for (size_t i = 0; i < DBG_MAX_BREAKPOINTS; i++)
        if (d->bps[i].id && d->bps[i].va == va)
            return &d->bps[i];
    return NULL;
}

bool dbg_has_breakpoint(const struct dbg *d, uint64_t va)
{
    for (size_t i = 0; i < d->nbp; i++)
        if (d->bp[i] == va)
            return true;
    return false;
}

bool dbg_toggle_breakpoint(struct dbg *d, uint64_t va)
{
    bool had = false;
    for (size_t i = 0; i < DBG_MAX_BREAKPOINTS; i++)
        if (d->bps[i].id && d->bps[i].va == va) {
            memset(&d->bps[i], 0, sizeof d->bps[i]);
            had = true;
        }
    if (had) {
        rebuild_addresses(d);
        return false;
    }
    char ignored[64];
    return dbg_break_add(d, va, NULL, ignored, sizeof ignored) > 0;
}

static struct cond_env env_now(struct dbg *d)
{
    struct cond_env env = {.cpu = machine_cpu(d->m)};
    watch_get_thread(machine_watch_hub(d->m), &env.pid, &env.tid);
    return env;
}

int runctl_breakpoint_hit(struct dbg *d, uint64_t rip, bool count)
{
    struct cond_env env = env_now(d);
    int first = 0;
    for (size_t i = 0; i < DBG_MAX_BREAKPOINTS; i++) {
        struct dbg_breakpoint *b = &d->bps[i];
        if (!b->id || !b->enabled || b->va != rip || !cond_eval(&b->cond, &env))
            continue;
        if (!first || b->id < first)
            first = b->id;
        if (count)
            b->hits++;
    }
    return first;
}

/* ---- watchpoints ------------------------------------------------------- */

static struct dbg_watchpoint *find_watch(struct dbg *d, int id)
{
    for (size_t i = 0; id > 0 && i < DBG_MAX_WATCHPOINTS; i++)
        if (d->wps[i].id == id)
            return &d->wps[i];
    return NULL;
}

static void read_shadow(struct dbg *d, struct dbg_watchpoint *w)
{
    size_t n = w->len < DBG_WATCH_SHADOW ? (size_t)w->len : DBG_WATCH_SHADOW;
    w->shadow_valid = machine_read_virt(d->m, w->va, w->shadow, n) == n;
}

void runctl_refresh_shadows(struct dbg *d)
{
    for (size_t i = 0; i < DBG_MAX_WATCHPOINTS; i++)
        if (d->wps[i].id)
            read_shadow(d, &d->wps[i]);
}

void runctl_before_access(struct dbg *d, uint64_t va)
{
    uint64_t page = va & ~0xfffull;
    for (size_t i = 0; i < DBG_MAX_WATCHPOINTS; i++) {
        struct dbg_watchpoint *w = &d->wps[i];
        if (w->id && w->enabled && w->va < page + 0x1000 && w->va + w->len > page)
            read_shadow(d, w);
    }
}

bool runctl_watching(const struct dbg *d)
{
    for (size_t i = 0; i < DBG_MAX_WATCHPOINTS; i++)
        if (d->wps[i].id && d->wps[i].enabled)
            return true;
    return false;
}

int dbg_watchpoint_add(struct dbg *d, uint64_t va, uint64_t len, enum dbg_watch_kind kind,
                       const char *condition, char *err, size_t errlen)
{
    if (len == 0 || len > (1ull << 30) || va + len < va) {
        snprintf(err, errlen, "a watchpoint covers 1 byte to 1 GiB (not %" PRIu64 ")", len);
        return -1;
    }
    if (kind != DBG_WATCH_WRITE && kind != DBG_WATCH_READ && kind != DBG_WATCH_ACCESS) {
        snprintf(err, errlen, "a watchpoint watches reads, writes or both");
        return -1;
    }
    struct condition c;
    if (cond_parse(&c, condition, err, errlen) != 0)
        return -1;
    for (size_t i = 0; i < DBG_MAX_WATCHPOINTS; i++)
        if (!d->wps[i].id) {
            struct dbg_watchpoint *w = &d->wps[i];
            *w = (struct dbg_watchpoint){.id = new_id(d), .va = va, .len = len, .kind = kind,
                                         .enabled = true, .cond = c};
            read_shadow(d, w);
            d->model_generation++;
            return w->id;
        }
    snprintf(err, errlen, "too many watchpoints (at most %d)", DBG_MAX_WATCHPOINTS);
    return -1;
}

int dbg_watchpoint_delete(struct dbg *d, int id)
{
    struct dbg_watchpoint *w = find_watch(d, id);
    if (!w)
        return -1;
    memset(w, 0, sizeof *w);
    d->model_generation++;
    return 0;
}

int dbg_watchpoint_enable(struct dbg *d, int id, bool enabled)
{
    struct dbg_watchpoint *w = find_watch(d, id);
    if (!w)
        return -1;
    w->enabled = enabled;
    read_shadow(d, w);
    d->model_generation++;
    return 0;
}

int dbg_watchpoint_condition(struct dbg *d, int id, const char *condition, char *err, size_t errlen)
{
    struct dbg_watchpoint *w = find_watch(d, id);
    if (!w) {
        snprintf(err, errlen, "no watchpoint %d", id);
        return -1;
    }
    struct condition c;
    if (cond_parse(&c, condition, err, errlen) != 0)
        return -1;
    w->cond = c;
    d->model_generation++;
    return 0;
}

const struct dbg_watchpoint *dbg_watchpoint_get(const struct dbg *d, int id)
{
    return find_watch((struct dbg *)d, id);
}

/* Bytes [lo, lo + n) of little-endian memory as a number. */
static uint64_t le_value(const uint8_t *bytes, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = n > 8 ? 8 : n; i-- > 0;)
        v = v << 8 | bytes[i];
    return v;
}

int runctl_watch_hit(struct dbg *d, const struct watch_event *e, bool fill)
{
    if (e->mem.kind == MEM_FETCH)
        return 0;
    enum dbg_watch_kind access = e->mem.kind == MEM_WRITE ? DBG_WATCH_WRITE : DBG_WATCH_READ;
    uint64_t lo = e->mem.va, hi = e->mem.va + e->mem.size;
    struct cond_env env = {.cpu = e->cpu, .pid = e->pid, .tid = e->tid};
    for (size_t i = 0; i < DBG_MAX_WATCHPOINTS; i++) {
        struct dbg_watchpoint *w = &d->wps[i];
        if (!w->id || !w->enabled || !(w->kind & access) || hi <= w->va || lo >= w->va + w->len)
            continue;
        if (!cond_eval(&w->cond, &env))
            continue;
        if (!fill)
            return w->id;
        const uint8_t *now = e->mem.value;
        unsigned size = e->mem.size;
        struct dbg_stop *s = &d->stop;
        *s = (struct dbg_stop){.reason = DBG_STOPPED_WATCHPOINT, .id = w->id, .icount = e->icount,
                               .access = access, .addr = lo, .size = size, .insn_rip = e->rip,
                               .pid = e->pid, .tid = e->tid};
        s->new_value = now ? le_value(now, size) : 0;
        /* The old bytes: from the shadow where it covers the access. */
        uint8_t old[16];
        bool have_old = w->shadow_valid && size <= sizeof old;
        for (unsigned k = 0; have_old && k < size; k++) {
            uint64_t at = lo + k;
            if (at >= w->va && at < w->va + (w->len < DBG_WATCH_SHADOW ? w->len : DBG_WATCH_SHADOW))
                old[k] = w->shadow[at - w->va];
            else if (at < w->va || at >= w->va + w->len)
                old[k] = now ? now[k] : 0;  /* outside the range: not watched, taken as is */
            else
                have_old = false;
        }
        s->have_old = have_old;
        if (have_old)
            s->old_value = le_value(old, size);
        if (access == DBG_WATCH_WRITE && now)
            for (unsigned k = 0; k < size; k++) {
                uint64_t at = lo + k;
                if (at >= w->va && at - w->va < DBG_WATCH_SHADOW && at - w->va < w->len)
                    w->shadow[at - w->va] = now[k];
            }
        w->hits++;
        return w->id;
    }
    return 0;
}

/* ---- the stop in words ------------------------------------------------- */

static const char *symbol_or_hex(struct dbg *d, uint64_t va, char *buf, size_t cap)
{
    dbg_symbol(d, va, buf, cap);
    if (!*buf)
        snprintf(buf, cap, "0x%" PRIx64, va);
    return buf;
}

const char *dbg_stop_text(struct dbg *d, char *buf, size_t cap)
{
    const struct dbg_stop *s = &d->stop;
    char where[96], what[96];
    if (s->reason == DBG_STOPPED_WATCHPOINT) {
        const char *verb = s->access == DBG_WATCH_WRITE ? "write" : "read";
        char who[48] = "";
        if (s->pid >= 0)
            snprintf(who, sizeof who, " by pid %d tid %d", s->pid, s->tid);
        int n = snprintf(buf, cap, "%s%s of %u byte%s %s `%s`%s at `%s`", s->reverse ? "(backwards) " : "", verb,
                         s->size, s->size == 1 ? "" : "s", s->access == DBG_WATCH_WRITE ? "to" : "from",
                         symbol_or_hex(d, s->addr, what, sizeof what), who,
                         symbol_or_hex(d, s->insn_rip, where, sizeof where));
        if (n >= 0 && (size_t)n < cap) {
            if (s->access == DBG_WATCH_WRITE && s->have_old)
                snprintf(buf + n, cap - (size_t)n, ", %" PRIu64 " \xe2\x86\x92 %" PRIu64, s->old_value, s->new_value);
            else
                snprintf(buf + n, cap - (size_t)n, ", %s %" PRIu64,
                         s->access == DBG_WATCH_WRITE ? "now" : "value", s->new_value);
        }
        return buf;
    }
    if (s->reason == DBG_STOPPED_BREAKPOINT) {
        snprintf(buf, cap, "%sbreakpoint %d at `%s`", s->reverse ? "backwards to " : "", s->id,
                 symbol_or_hex(d, machine_cpu(d->m)->rip, where, sizeof where));
        return buf;
    }
    snprintf(buf, cap, "%s", d->status);
    return buf;
}
