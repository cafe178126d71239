/* watch.h — the observation layer: the one way to watch and stop a machine.
 *
 * Everything that observes or controls a running machine — the tracer, the
 * debugger, a gdb stub, stop conditions such as --max-insns or run-until,
 * tests — is a *watcher*: it declares the kinds of event it wants and gets
 * each as a typed `struct watch_event` carrying its context (the CPU, RIP,
 * CPL, CR3, instruction count, and the guest's pid/tid).  Any number attach
 * to one hub at once; each callback returns whether to stop the machine,
 * and the hub remembers the first that asked.
 *
 * The hub installs the CPU's and the MMU's hook tables (cpu/hooks.h,
 * mmu_set_observer) for exactly the union of the kinds wanted, so the
 * interpreter's fast paths stay on for everything nobody watches: a watcher
 * that wants only syscalls, exceptions and OS events costs nothing per
 * instruction or per memory access.
 *
 *     struct watcher w = {.on[WATCH_TRANSFER] = on_transfer, .on[WATCH_OS] = on_os,
 *                         .ctx = me};
 *     machine_attach(m, &w);      (machine.h; or watch_attach on a bare CPU's hub)
 *     machine_run(m, NULL);
 *     machine_detach(m, &w);
 *
 * Event order within one instruction: WATCH_INSN, then its TLB/walk/memory
 * events as they happen, then WATCH_TRANSFER or WATCH_EXCEPTION (a fault:
 * no WATCH_INSN_DONE follows), then WATCH_INSN_DONE.  OS events and kernel
 * log lines arrive during the OUT instruction that reported them. */
#ifndef RINGSCOPE_WATCH_H
#define RINGSCOPE_WATCH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../cpu/cpu.h"

struct os_event;

enum watch_kind {
    WATCH_INSN,       /* an instruction is about to execute (rip = its address) */
    WATCH_INSN_DONE,  /* it retired (not sent for one that faulted) */
    WATCH_MEM,        /* a data access of the current instruction */
    WATCH_WALK,       /* a page walk, with the Accessed/Dirty bits it set */
    WATCH_TLB,        /* a TLB hit, miss, fill, or a flush with its cause */
    WATCH_EXCEPTION,  /* an exception or interrupt was delivered (rip = the handler) */
    WATCH_TRANSFER,   /* SYSCALL, SYSRET, IRETQ or far RET retired its state changes */
    WATCH_PORT,       /* an IN or OUT */
    WATCH_OS,         /* the guest kernel reported an OS event (os/abi/osevent.h) */
    WATCH_LOG,        /* a line of the kernel's log (debug port 0xE9) */
    WATCH_NKINDS
};
#define WATCH_BIT(k) (1u << (k))
#define WATCH_ALL ((1u << WATCH_NKINDS) - 1)

struct watch_event {
    enum watch_kind kind;
    /* Context, for every kind. */
    struct cpu *cpu;        /* the CPU now: read it, never change it */
    uint64_t icount;        /* instructions retired so far */
    uint64_t rip;           /* the instruction being executed, or the next one */
    uint64_t cr3;
    uint8_t cpl;
    int32_t pid, tid;       /* the guest thread on the CPU, from the kernel's
                             * context-switch events; -1 before the first */
    union {
        const struct insn *insn;                     /* INSN, INSN_DONE */
        struct {
            enum mem_kind kind;
            uint64_t va, pa;
            unsigned size;
            const void *value;
        } mem;
        const struct page_walk *walk;
        struct {
            enum tlb_event_kind kind;
            enum tlb_flush_cause cause;              /* flushes */
            uint64_t va;
            const struct tlb_entry *entry;           /* hit / fill, else NULL */
        } tlb;
        const struct exc_event *exception;
        struct {
            enum ring_transfer kind;
            uint8_t cpl_before, cpl_after;
            uint64_t target;                         /* where it goes (next RIP) */
        } transfer;
        struct {
            bool out;
            uint16_t port;
            unsigned size;
            uint32_t value;
        } port;
        const struct os_event *os;
        struct {
            const char *text;                        /* without the newline */
            size_t len;
        } log;
    };
};

/* A watcher's handler of one kind: true asks the machine to stop at the
 * next instruction boundary. */
typedef bool watch_fn(void *ctx, const struct watch_event *e);

struct watcher {
    /* The handler of each kind wanted, NULL for the kinds not wanted: the
     * hub calls exactly these, no dispatch on the watcher's side. */
    watch_fn *on[WATCH_NKINDS];
    /* Stop the machine when the instruction count reaches this (0: never):
     * a deadline costs nothing per instruction, the run is planned to end
     * there. */
    uint64_t stop_at;
    void *ctx;
};

/* Set fn as the handler of every kind in kinds (WATCH_BIT()s), clear the
 * others. */
void watch_handle(struct watcher *w, uint32_t kinds, watch_fn *fn);

#define WATCH_MAX_WATCHERS 16

struct watch_hub;

/* A hub over cpu (and its MMU).  The machine owns one (machine_watch_hub);
 * tests of a bare CPU may make their own.  NULL when out of memory. */
struct watch_hub *watch_hub_new(struct cpu *cpu);
void watch_hub_free(struct watch_hub *h);
struct cpu *watch_hub_cpu(const struct watch_hub *h);

/* Attach w (kept by pointer: it must outlive the attachment).  -1 when
 * WATCH_MAX_WATCHERS are attached already or w is. */
int watch_attach(struct watch_hub *h, struct watcher *w);
void watch_detach(struct watch_hub *h, struct watcher *w);
/* A watcher changed its handlers or deadline: install hooks for the new union. */
void watch_update(struct watch_hub *h);

/* The earliest deadline (stop_at) of the attached watchers that lies
 * after `now`, or UINT64_MAX. */
uint64_t watch_next_deadline(const struct watch_hub *h, uint64_t now);
/* At icount `now`: ask every watcher whose deadline it is; the first of
 * them becomes the stopper.  True if one's deadline is now. */
bool watch_deadline_reached(struct watch_hub *h, uint64_t now);

/* The watcher that asked to stop since the last call (NULL: none); clears
 * the request. */
struct watcher *watch_take_stop(struct watch_hub *h);

/* What the board feeds in: OS events decoded by the OS-event port, and
 * kernel log lines. */
void watch_os_event(struct watch_hub *h, const struct os_event *ev);
void watch_log_line(struct watch_hub *h, const char *text, size_t len);

/* The guest thread the hub believes is running (part of a snapshot). */
void watch_get_thread(const struct watch_hub *h, int32_t *pid, int32_t *tid);
void watch_set_thread(struct watch_hub *h, int32_t pid, int32_t tid);

#endif
