/* watch.c — the observation layer's hub (watch.h): the CPU's and MMU's hook
 * tables in, typed events with their context out to every watcher that
 * wants them. */
#include "watch.h"
#include <stdlib.h>
#include "../os/abi/osevent.h"
#include "debugport.h"

/* One watcher's handler of one kind, resolved at watch_update. */
struct handler {
    watch_fn *fn;
    void *ctx;
    struct watcher *w;
};

struct watch_hub {
    struct cpu *cpu;
    struct watcher *all[WATCH_MAX_WATCHERS];
    size_t n;
    /* The handlers of each kind, in attach order: the fan-out is one short
     * loop over exactly the interested ones. */
    struct handler by_kind[WATCH_NKINDS][WATCH_MAX_WATCHERS];
    uint8_t nby[WATCH_NKINDS];
    uint32_t kinds;                  /* the union */
    struct cpu_observer cobs;
    struct mmu_observer mobs;
    int32_t pid, tid;
    struct watcher *stopper;         /* the first that asked to stop */
};

static void begin(const struct watch_hub *h, struct watch_event *e, enum watch_kind kind)
{
    const struct cpu *cpu = h->cpu;
    e->kind = kind;
    e->cpu = h->cpu;
    e->icount = cpu->icount;
    e->rip = cpu->rip;
    e->cr3 = cpu->cr3;
    e->cpl = cpu->cpl;
    e->pid = h->pid;
    e->tid = h->tid;
}

static __attribute__((noinline)) void note_stop(struct watch_hub *h, struct watcher *w)
{
    if (!h->stopper)
        h->stopper = w;
    h->cpu->stop_request = 1;
}

/* On the hot path of a traced run (several events per instruction): the
 * list and its length are read once, and only watchers of this kind are
 * in it (watch_update), each with a callback. */
static __attribute__((noinline)) void deliver_all(struct watch_hub *h, const struct watch_event *e)
{
    const struct handler *list = h->by_kind[e->kind];
    for (unsigned i = 0, n = h->nby[e->kind]; i < n; i++)
        if (__builtin_expect(list[i].fn(list[i].ctx, e), 0))
            note_stop(h, list[i].w);
}

static inline void deliver(struct watch_hub *h, const struct watch_event *e)
{
    const struct handler *one = h->by_kind[e->kind];
    if (__builtin_expect(h->nby[e->kind] != 1, 0)) {
        deliver_all(h, e);
        return;
    }
    /* The usual case: one watcher of this kind. */
    if (__builtin_expect(one->fn(one->ctx, e), 0))
        note_stop(h, one->w);
}

/* ---- the CPU's hooks ---- */

static void on_before_insn(void *ctx, struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_INSN);
    e.insn = in;
    deliver(h, &e);
}

static void on_after_insn(void *ctx, struct cpu *cpu, const struct insn *in)
{
    (void)cpu;
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_INSN_DONE);
    e.insn = in;
    deliver(h, &e);
}

static void on_mem(void *ctx, struct cpu *cpu, enum mem_kind kind, uint64_t va, uint64_t pa, unsigned size,
                   const void *value)
{
    (void)cpu;
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_MEM);
    e.mem.kind = kind;
    e.mem.va = va;
    e.mem.pa = pa;
    e.mem.size = size;
    e.mem.value = value;
    deliver(h, &e);
}

static void on_exception(void *ctx, struct cpu *cpu, const struct exc_event *x)
{
    (void)cpu;
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_EXCEPTION);
    e.exception = x;
    deliver(h, &e);
}

static void on_transfer(void *ctx, struct cpu *cpu, enum ring_transfer kind, uint8_t cpl_before,
                        uint8_t cpl_after)
{
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_TRANSFER);
    e.transfer.kind = kind;
    e.transfer.cpl_before = cpl_before;
    e.transfer.cpl_after = cpl_after;
    e.transfer.target = cpu->next_rip; /* handlers branch by writing next_rip */
    deliver(h, &e);
}

static void on_port(void *ctx, struct cpu *cpu, bool out, uint16_t port, unsigned size, uint32_t value)
{
    (void)cpu;
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_PORT);
    e.port.out = out;
    e.port.port = port;
    e.port.size = size;
    e.port.value = value;
    deliver(h, &e);
}

/* ---- the MMU's hooks ---- */

static void on_tlb(void *ctx, enum tlb_event_kind kind, uint64_t va, const struct tlb_entry *entry,
                   enum tlb_flush_cause cause)
{
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_TLB);
    e.tlb.kind = kind;
    e.tlb.cause = cause;
    e.tlb.va = va;
    e.tlb.entry = entry;
    deliver(h, &e);
}

static void on_walk(void *ctx, const struct page_walk *w)
{
    struct watch_hub *h = ctx;
    struct watch_event e;
    begin(h, &e, WATCH_WALK);
    e.walk = w;
    deliver(h, &e);
}

/* ---- what the board feeds in ---- */

void watch_os_event(struct watch_hub *h, const struct os_event *ev)
{
    /* The context of a switch event is already the thread switched to. */
    if (ev->type == OSEV_CONTEXT_SWITCH) {
        h->pid = (int32_t)ev->sw.new_pid;
        h->tid = (int32_t)ev->sw.new_tid;
    }
    if (!h->nby[WATCH_OS])
        return;
    struct watch_event e;
    begin(h, &e, WATCH_OS);
    e.os = ev;
    deliver(h, &e);
}

void watch_log_line(struct watch_hub *h, const char *text, size_t len)
{
    if (!h->nby[WATCH_LOG])
        return;
    struct watch_event e;
    begin(h, &e, WATCH_LOG);
    e.log.text = text;
    e.log.len = len;
    deliver(h, &e);
}

/* ---- attaching ---- */

struct watch_hub *watch_hub_new(struct cpu *cpu)
{
    struct watch_hub *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->cpu = cpu;
    h->pid = h->tid = -1;
    return h;
}

void watch_hub_free(struct watch_hub *h)
{
    if (!h)
        return;
    cpu_set_observer(h->cpu, NULL, false);
    mmu_set_observer(h->cpu->mmu, NULL);
    free(h);
}

struct cpu *watch_hub_cpu(const struct watch_hub *h) { return h->cpu; }

void watch_update(struct watch_hub *h)
{
    uint32_t k = 0;
    for (int kind = 0; kind < WATCH_NKINDS; kind++)
        h->nby[kind] = 0;
    for (size_t i = 0; i < h->n; i++) {
        struct watcher *w = h->all[i];
        for (int kind = 0; kind < WATCH_NKINDS; kind++) {
            if (!w->on[kind])
                continue;
            k |= WATCH_BIT(kind);
            h->by_kind[kind][h->nby[kind]++] = (struct handler){w->on[kind], w->ctx, w};
        }
    }
    h->kinds = k;
#define WANTS(kind, fn) ((k & WATCH_BIT(kind)) ? (fn) : NULL)
    h->cobs = (struct cpu_observer){
        .ctx = h,
        .before_insn = WANTS(WATCH_INSN, on_before_insn),
        .after_insn = WANTS(WATCH_INSN_DONE, on_after_insn),
        .mem = WANTS(WATCH_MEM, on_mem),
        .exception = WANTS(WATCH_EXCEPTION, on_exception),
        .transfer = WANTS(WATCH_TRANSFER, on_transfer),
        .port = WANTS(WATCH_PORT, on_port),
    };
    h->mobs = (struct mmu_observer){
        .ctx = h,
        .tlb = WANTS(WATCH_TLB, on_tlb),
        .walk = WANTS(WATCH_WALK, on_walk),
    };
#undef WANTS
    uint32_t cpu_kinds = WATCH_BIT(WATCH_INSN) | WATCH_BIT(WATCH_INSN_DONE) | WATCH_BIT(WATCH_MEM) |
                         WATCH_BIT(WATCH_EXCEPTION) | WATCH_BIT(WATCH_TRANSFER) | WATCH_BIT(WATCH_PORT);
    /* TLB hits of data accesses are only seen on the translate path, so
     * watching the TLB takes loads and stores off the inline path. */
    cpu_set_observer(h->cpu, (k & cpu_kinds) ? &h->cobs : NULL, k & WATCH_BIT(WATCH_TLB));
    mmu_set_observer(h->cpu->mmu, (k & (WATCH_BIT(WATCH_TLB) | WATCH_BIT(WATCH_WALK))) ? &h->mobs : NULL);
}

void watch_handle(struct watcher *w, uint32_t kinds, watch_fn *fn)
{
    for (int kind = 0; kind < WATCH_NKINDS; kind++)
        w->on[kind] = (kinds & WATCH_BIT(kind)) ? fn : NULL;
}

int watch_attach(struct watch_hub *h, struct watcher *w)
{
    if (h->n == WATCH_MAX_WATCHERS)
        return -1;
    for (size_t i = 0; i < h->n; i++)
        if (h->all[i] == w)
            return -1;
    h->all[h->n++] = w;
    watch_update(h);
    return 0;
}

void watch_detach(struct watch_hub *h, struct watcher *w)
{
    for (size_t i = 0; i < h->n; i++) {
        if (h->all[i] != w)
            continue;
        for (size_t j = i + 1; j < h->n; j++)
            h->all[j - 1] = h->all[j];
        h->n--;
        if (h->stopper == w)
            h->stopper = NULL;
        watch_update(h);
        return;
    }
}

/* ---- stopping ---- */

uint64_t watch_next_deadline(const struct watch_hub *h, uint64_t now)
{
    uint64_t d = UINT64_MAX;
    for (size_t i = 0; i < h->n; i++) {
        uint64_t at = h->all[i]->stop_at;
        if (at > now && at < d)
            d = at;
    }
    return d;
}

bool watch_deadline_reached(struct watch_hub *h, uint64_t now)
{
    bool reached = false;
    for (size_t i = 0; i < h->n; i++) {
        struct watcher *w = h->all[i];
        if (w->stop_at && w->stop_at <= now) {
            if (!h->stopper)
                h->stopper = w;
            reached = true;
        }
    }
    return reached;
}

struct watcher *watch_take_stop(struct watch_hub *h)
{
    struct watcher *w = h->stopper;
    h->stopper = NULL;
    return w;
}

void watch_get_thread(const struct watch_hub *h, int32_t *pid, int32_t *tid)
{
    *pid = h->pid;
    *tid = h->tid;
}

void watch_set_thread(struct watch_hub *h, int32_t pid, int32_t tid)
{
    h->pid = pid;
    h->tid = tid;
}
