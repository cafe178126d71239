/* session.h — one debugging session: the machine, its symbols and
 * disassembler, breakpoints, run control (step, step over/out, run until an
 * event), what the last instruction did (memory accesses, page walk, TLB
 * traffic), the event log, the OS events the guest kernel reported, and
 * step back through snapshots (machine/snapshot.h).
 *
 * No SDL here: the window (app.c) and the tests drive a session through this
 * API, and the UI model (model.h) reads it. */
#ifndef RINGSCOPE_DEBUGGER_SESSION_H
#define RINGSCOPE_DEBUGGER_SESSION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../machine/debugport.h"
#include "../machine/machine.h"
#include "condition.h"
#include "osview.h"

#define DBG_MAX_BREAKPOINTS 64
#define DBG_MAX_WATCHPOINTS 32
#define DBG_WATCH_SHADOW 64     /* bytes of a watched range whose old value is kept */
#define DBG_MAX_ACCESSES 16
#define DBG_LOG_SIZE 256        /* events kept for the log panel */
#define DBG_TEXT 160

/* What a run command waits for. */
enum dbg_command {
    DBG_NONE,
    DBG_STEP,            /* one instruction, or the delivery of an exception or interrupt
                          * (then RIP is the handler's first instruction, none of it run) */
    DBG_STEP_OVER,       /* one instruction; a CALL runs until it returns */
    DBG_STEP_OUT,        /* until the current function returns */
    DBG_RUN,             /* until a breakpoint, exit, or pause */
    DBG_UNTIL_SYSCALL,
    DBG_UNTIL_PAGE_FAULT,
    DBG_UNTIL_INTERRUPT, /* an external (device) interrupt */
    DBG_UNTIL_RING,      /* CPL changes */
    DBG_REVERSE_RUN,     /* backwards to the previous breakpoint or watchpoint hit (dbg_reverse's
                          * DBG_RUN) in bursts: dbg_advance scans a stretch at a time, dbg_pause
                          * interrupts it at the oldest instant scanned */
};

/* ---- run control: breakpoints, watchpoints, why the machine stopped ----
 *
 * Breakpoints and watchpoints share one numbering (1, 2, ... never reused,
 * like gdb's).  A breakpoint stops before the instruction at its address
 * executes, in any ring and any address space; a watchpoint stops after an
 * instruction that read and/or wrote a byte of [va, va + len) in any ring
 * and address space (a data breakpoint traps after the access, SDM Vol. 3B
 * §17.3.1.2), and also during step back's replay never.  Both may carry a
 * condition (condition.h) evaluated when hit; a hit whose condition is
 * false is not a hit: the run goes on and the count stays. */
struct dbg_breakpoint {
    int id;                    /* 0: a free slot */
    uint64_t va;
    bool enabled;
    struct condition cond;
    uint64_t hits;             /* times it stopped the machine, forwards */
};

enum dbg_watch_kind { DBG_WATCH_WRITE = 1, DBG_WATCH_READ = 2, DBG_WATCH_ACCESS = 3 };

struct dbg_watchpoint {
    int id;                    /* 0: a free slot */
    uint64_t va, len;
    enum dbg_watch_kind kind;
    bool enabled;
    struct condition cond;
    uint64_t hits;
    /* The first DBG_WATCH_SHADOW bytes as last seen (at every stop and
     * hit, in the address space current then): the "old" of old -> new. */
    uint8_t shadow[DBG_WATCH_SHADOW];
    bool shadow_valid;
};

/* Why the machine stopped last (d->stop), for front ends that need more
 * than the status sentence: the gdb stub's stop replies, the window. */
enum dbg_stop_reason {
    DBG_STOPPED_NONE,          /* not run yet */
    DBG_STOPPED_STEP,          /* a single step (or dbg_step_n, dbg_rewind_to) ended */
    DBG_STOPPED_GOAL,          /* the command's own goal: step over/out done, the syscall,
                                * page fault, interrupt or ring change it ran until */
    DBG_STOPPED_BREAKPOINT,    /* id: the breakpoint */
    DBG_STOPPED_WATCHPOINT,    /* id: the watchpoint; access, addr, size, values */
    DBG_STOPPED_PAUSE,         /* dbg_pause, or a max_insns cap */
    DBG_STOPPED_EXIT,          /* the guest exited (machine_exit_status) */
    DBG_STOPPED_DEAD,          /* triple fault or hlt with interrupts off: nothing more runs */
    DBG_STOPPED_IDLE,          /* hlt and no device will interrupt (a key may still come) */
    DBG_STOPPED_HISTORY_START, /* running backwards reached instruction 0 */
};

struct dbg_stop {
    enum dbg_stop_reason reason;
    bool reverse;              /* reached by running backwards */
    bool in_delivery;          /* stopped right after delivering an exception/interrupt
                                * (RIP = its handler, the icount of the faulting insn) */
    int id;                    /* breakpoint / watchpoint */
    uint64_t icount;           /* where: instructions retired */
    /* DBG_STOPPED_WATCHPOINT: the access that hit (its first byte may lie
     * before the watched range: addr is the access's). */
    enum dbg_watch_kind access;/* DBG_WATCH_READ or DBG_WATCH_WRITE */
    uint64_t addr;
    unsigned size;
    uint64_t insn_rip;         /* the accessing instruction */
    int32_t pid, tid;          /* the guest thread that accessed (-1: not known yet) */
    bool have_old;             /* old_value is known (the shadow covered it) */
    uint64_t old_value, new_value; /* little-endian, the access's first min(size, 8) bytes */
};

/* One data access of the last instruction. */
struct dbg_access {
    enum mem_kind kind;
    uint64_t va, pa;
    unsigned size;
};

/* One line of the event log: a trace event (the same the tracer writes and
 * .expect files assert: exception, interrupt, iret, syscall, sysret, os)
 * with its explanation. */
struct dbg_event {
    uint64_t icount;          /* instructions retired when it happened */
    uint64_t step;            /* the trace's step (instructions begun) */
    uint8_t kind;             /* enum trace_kind */
    char text[DBG_TEXT];      /* "#PF write 0x7ffc1000 (not present, user)" */
    char explain[2 * DBG_TEXT]; /* one plain-language sentence */
    char fields[4 * DBG_TEXT];  /* the event as the trace has it: trace_event_summary */
};

/* Registers compared between steps to highlight what changed. */
struct dbg_regs {
    uint64_t gpr[16], rip, rflags, cr0, cr2, cr3, cr4, efer, fs_base, gs_base;
    uint8_t cpl;
};

/* A live key given to the guest, kept so step back can replay it. */
struct dbg_key {
    uint64_t icount;
    uint64_t time_ns;                  /* virtual time it came at (idle time may have passed at icount) */
    enum key key;
    bool down;
};

struct dbg_options {
    struct machine_config config;
    uint64_t snapshot_interval;
    double last_snapshot_time;         /* host seconds (CLOCK_MONOTONIC) */  /* instructions between snapshots; 0 = default */
};

struct dbg {
    struct machine *m;
    struct symbols *syms;
    struct disasm *dis;
    struct snapshot_store *snaps;
    const char *program_path;
    char program_name[64];
    struct elf_file program;           /* its segments name the map's regions */
    bool have_program;

    /* Run control (see above): the slots, and the distinct addresses of the
     * enabled breakpoints (what the machine stops at; nbp of them). */
    struct dbg_breakpoint bps[DBG_MAX_BREAKPOINTS];
    struct dbg_watchpoint wps[DBG_MAX_WATCHPOINTS];
    int next_point_id;
    uint64_t bp[DBG_MAX_BREAKPOINTS];
    size_t nbp;
    struct dbg_stop stop;              /* why the machine stopped last */
    bool watch_hit;                    /* a watchpoint hit in the run in progress: stop holds it */
    struct dbg_scan *scan;             /* running backwards: what the replay looks for */
    /* icount + 1 of an exception or interrupt delivered since the last
     * instruction retired, 0 if none: the machine stands right after the
     * delivery (RIP is the handler's first instruction, none of it ran, the
     * instruction count is the interrupted instruction's; "Stepping around a
     * fault" in debugger/README.md).  dbg_at_delivery() asks it. */
    uint64_t delivered;

    /* A reverse run in progress (DBG_REVERSE_RUN; NULL: none): what it
     * looks for, where it started and the oldest instant scanned so far. */
    struct dbg_scan *rscan;
    uint64_t rscan_origin, rscan_end;
    bool rscan_in_stretch;             /* the machine is partway through replaying [snapshot, rscan_end] */
    size_t rscan_key;                  /* the next live key that replay gives the guest */
    uint64_t rscan_stretch_at;         /* where the stretch in progress started (its snapshot) */
    /* The command in progress. */
    enum dbg_command cmd;
    uint64_t target_rip, target_rsp;   /* step over / out */
    bool stop_now;                     /* set by the hooks when the command's goal is met */
    bool turbo;                        /* run without per-access observation */
    bool wait_when_idle;               /* a run keeps going while the guest idles in hlt (the
                                        * window: a key may come); else idle ends it */
    uint64_t insns_per_frame;          /* speed of free running */
    bool pace_idle;                    /* the window: an idle guest's virtual time follows real time */
    double pace_host0;                 /* ... from this host time (seconds) */
    uint64_t pace_virt0;               /* ... and this virtual time (ns), set when a command starts */

    /* What the last instruction did. */
    struct dbg_regs prev, now;
    struct dbg_access acc[DBG_MAX_ACCESSES];
    size_t nacc;
    uint64_t insn_rip;                 /* RIP of the instruction being executed */
    bool have_walk;
    struct page_walk walk;             /* the last walk the MMU did, or a probe of CR2 */
    bool fault_walk;                   /* walk is the probe of a #PF's CR2 (until the next instruction) */
    char flush_cause[DBG_TEXT];

    /* The event log (a ring) and the full OS-event history (for the memory
     * map and the frames: state is rebuilt from it). */
    struct dbg_event log[DBG_LOG_SIZE];
    size_t log_head, log_count;
    struct os_event_at { uint64_t icount; struct os_event ev; } *os;
    size_t nos, os_cap;
    struct osview view;                /* the history applied, kept current */

    struct dbg_key *keys;
    size_t nkeys, keys_cap;
    /* How many OS events had been recorded when each snapshot was taken
     * (events during the first replayed instruction share its icount). */
    struct dbg_mark { uint64_t icount; size_t nos; } *marks;
    size_t nmarks, marks_cap;

    bool replaying;                    /* step back re-executing: no logging */
    struct watcher watcher;            /* how the session watches the machine */
    struct tracer *events;             /* the event log's source: a tracer of the crossings */
    struct watcher *forward[4];        /* other watchers, hidden from step-back replays */
    size_t nforward;
    char status[DBG_TEXT];             /* why the machine stopped last */
    uint64_t snapshot_interval;
    double last_snapshot_time;         /* host seconds (CLOCK_MONOTONIC) */
    uint64_t model_generation;         /* bumped whenever state changed */
};

/* w is attached to the session's machine (a tracer, a gdb stub): keep it
 * detached while step back replays history, so it sees the machine move
 * forward only.  -1 when too many are registered. */
int dbg_watch_forward(struct dbg *d, struct watcher *w);
/* Forget w (and detach it from the machine): before freeing it. */
void dbg_unwatch_forward(struct dbg *d, struct watcher *w);

/* Create the machine from opts (err: a one-line reason on failure). */
struct dbg *dbg_new(const struct dbg_options *opts, char *err, size_t errlen);
void dbg_free(struct dbg *d);

/* Start a command.  DBG_STEP/STEP_OVER finish within dbg_advance calls like
 * the others; dbg_run_command runs one to completion (tests, --until). */
void dbg_start(struct dbg *d, enum dbg_command cmd);
/* Run the command in progress for at most budget instructions.  True when it
 * finished (goal met, breakpoint, exit) — then d->status says why. */
bool dbg_advance(struct dbg *d, uint64_t budget);
bool dbg_busy(const struct dbg *d);
void dbg_pause(struct dbg *d);
/* Run a command to completion, at most max_insns instructions (0: no cap). */
void dbg_run_command(struct dbg *d, enum dbg_command cmd, uint64_t max_insns);

/* Execute n instructions ignoring breakpoints; the last one singly, so the
 * panels show what it did (a step: when an exception or interrupt comes
 * there, it stops at its delivery, n - 1 instructions on). */
void dbg_step_n(struct dbg *d, uint64_t n);

/* Step back to the previous position (restore + replay): from a delivery
 * to the state before it, else one instruction back — to the delivery that
 * came before that instruction, if one did (debugger/README.md, "Stepping
 * around a fault").  0, or -1 when there is nothing to go back to. */
int dbg_step_back(struct dbg *d);
/* The machine stands right after an exception's or interrupt's delivery. */
bool dbg_at_delivery(const struct dbg *d);
/* Go to exactly instruction count icount (<= now) by restore + replay. */
int dbg_rewind_to(struct dbg *d, uint64_t icount);

/* Run backwards (through the snapshots: restore + replay, exact):
 *   DBG_STEP             one instruction (dbg_step_back);
 *   DBG_RUN              to the previous breakpoint or watchpoint hit
 *                        (conditions evaluated as they were then);
 *   DBG_UNTIL_SYSCALL    ... or the previous SYSCALL (stopped after it, at the entry);
 *   DBG_UNTIL_PAGE_FAULT ... or the previous #PF (stopped after its delivery);
 *   DBG_UNTIL_INTERRUPT  ... or the previous device interrupt (after delivery).
 * A breakpoint is found where it would stop forwards (before its
 * instruction); a watchpoint before the instruction that accessed.  True:
 * found (d->stop says which, reverse = true); false: none before, the
 * machine is at instruction 0 (DBG_STOPPED_HISTORY_START). */
bool dbg_reverse(struct dbg *d, enum dbg_command cmd);

/* Breakpoints.  dbg_break_add: the new id, or -1 (a bad condition, or
 * DBG_MAX_BREAKPOINTS set) with a one-line reason in err.  The others: 0,
 * or -1 when no breakpoint has that id (or the condition is bad). */
int dbg_break_add(struct dbg *d, uint64_t va, const char *condition, char *err, size_t errlen);
int dbg_break_delete(struct dbg *d, int id);
int dbg_break_enable(struct dbg *d, int id, bool enabled);
int dbg_break_condition(struct dbg *d, int id, const char *condition, char *err, size_t errlen);
const struct dbg_breakpoint *dbg_break_get(const struct dbg *d, int id); /* NULL: none */
/* The first breakpoint (enabled or not) at va, NULL if none. */
const struct dbg_breakpoint *dbg_break_at(const struct dbg *d, uint64_t va);
/* The window's key: delete every breakpoint at va, or add one (true: now set). */
bool dbg_toggle_breakpoint(struct dbg *d, uint64_t va);
bool dbg_has_breakpoint(const struct dbg *d, uint64_t va);  /* an enabled one at va */

/* Watchpoints on [va, va + len) (len 1..1 GiB): the same conventions. */
int dbg_watchpoint_add(struct dbg *d, uint64_t va, uint64_t len, enum dbg_watch_kind kind,
                       const char *condition, char *err, size_t errlen);
int dbg_watchpoint_delete(struct dbg *d, int id);
int dbg_watchpoint_enable(struct dbg *d, int id, bool enabled);
int dbg_watchpoint_condition(struct dbg *d, int id, const char *condition, char *err, size_t errlen);
const struct dbg_watchpoint *dbg_watchpoint_get(const struct dbg *d, int id);

/* The last stop in words: "write of 8 bytes to `counter` by pid 1 tid 3 at
 * `worker+0x1c`, 41 → 42", "breakpoint 2 at `main`", ... (also d->status). */
const char *dbg_stop_text(struct dbg *d, char *buf, size_t cap);
/* An address from text: hex ("0x401000" or "401000") or a symbol name. */
bool dbg_parse_address(struct dbg *d, const char *text, uint64_t *va);

/* A live key for the guest's PS/2 keyboard (recorded for replay). */
void dbg_key(struct dbg *d, enum key key, bool down);

/* d->now becomes the CPU's registers at this instant (the panels call it
 * on every draw, so they are true while a command runs, too). */
void dbg_refresh_regs(struct dbg *d);

/* The newest event (NULL if none) and the i-th newest. */
const struct dbg_event *dbg_event_newest(const struct dbg *d, size_t i);

/* "name+0x12" for va, "" if no symbol covers it. */
const char *dbg_symbol(struct dbg *d, uint64_t va, char *buf, size_t cap);

#endif
