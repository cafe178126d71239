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
#include "osview.h"

#define DBG_MAX_BREAKPOINTS 64
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

    uint64_t bp[DBG_MAX_BREAKPOINTS];
    size_t nbp;

    /* The command in progress. */
    enum dbg_command cmd;
    uint64_t target_rip, target_rsp;   /* step over / out */
    bool stop_now;                     /* set by the hooks when the command's goal is met */
    /* The machine stands right after an exception or interrupt was
     * delivered: RIP is the handler's first instruction, none of it ran,
     * and the instruction count is the interrupted instruction's (see
     * "Stepping around a fault" in debugger/README.md). */
    bool at_delivery;
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
/* Go to exactly instruction count icount (<= now) by restore + replay. */
int dbg_rewind_to(struct dbg *d, uint64_t icount);

/* Breakpoints. */
bool dbg_toggle_breakpoint(struct dbg *d, uint64_t va);   /* true: now set */
bool dbg_has_breakpoint(const struct dbg *d, uint64_t va);
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
