/* tracer.h — the tracer: an observer of the CPU (cpu/hooks.h) and the MMU
 * (mmu/mmu.h) that turns what the machine does into trace events, filters
 * them, and hands them to a writer (text or JSON Lines) and/or an
 * in-memory recording.
 *
 * Typical use by the board / CLI:
 *
 *     struct trace_config cfg;
 *     trace_config_init(&cfg);
 *     ... trace_parse_option(&cfg, argv[i], argv[i + 1], err, sizeof err) ...
 *     struct tracer *t = tracer_new(&cfg, NULL, err, sizeof err);
 *     tracer_load_symbols(t, "os/kernel.elf", "kernel:", 0, err, sizeof err);
 *     tracer_load_symbols(t, program_path, "", 0, err, sizeof err);
 *     tracer_set_clock(t, board_virtual_time, board);     (optional)
 *     tracer_attach(t, machine_watch_hub(m), err, sizeof err);
 *     ... run ...
 *     tracer_close(t, err, sizeof err);   (detaches, flushes, reports write errors)
 *
 * The tracer is a watcher of the machine (machine/watch.h) like the
 * debugger and the stop conditions: all of them can be attached at once. */
#ifndef RINGSCOPE_TRACE_TRACER_H
#define RINGSCOPE_TRACE_TRACER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "event.h"
#include "recording.h"
#include "writer.h"

struct cpu;
struct watch_hub;

/* What to trace and where (the --trace… options). */
struct trace_config {
    uint32_t kinds;             /* bit (1u << TRACE_x) per kind; 0 = tracing off */
    enum trace_format format;   /* --trace-format text|jsonl|bin|perfetto */
    bool format_given;          /* else a --trace-file ending in .rstrace is bin */
    bool no_output;             /* record only (tests): no writer at all */
    char file[512];             /* --trace-file PATH; "" = stderr, "-" = stdout */
    int ring;                   /* --trace-ring 0|3; -1 = both */
    bool has_range;             /* --trace-range LO-HI: instructions with LO <= rip < HI */
    uint64_t range_lo, range_hi;
    char from_sym[128];         /* --trace-from SYMBOL: start at its first execution */
    char until_sym[128];        /* --trace-until SYMBOL: stop when it is reached */
    int64_t pid;                /* --trace-pid N: only while process N runs; -1 = any */
    bool user_scope;            /* --trace / --trace=user: the program's view (ring-3
                                 * instructions, its syscalls, faults and OS events) */
};

/* The kinds of the user scope: the program's instructions with their memory
 * accesses and register changes, its system calls, the faults and
 * interrupts that stop it, and the OS events of its processes. */
#define TRACE_KINDS_USER ((1u << TRACE_INSN) | (1u << TRACE_MEM) | (1u << TRACE_REG) | \
                          (1u << TRACE_SYSCALL) | (1u << TRACE_SYSRET) | (1u << TRACE_EXCEPTION) | \
                          (1u << TRACE_INTERRUPT) | (1u << TRACE_OS))

void trace_config_init(struct trace_config *c);

/* Parse one command-line option into c.  `opt` is argv[i] ("--trace=all",
 * "--trace-file" ...), `arg` is argv[i + 1] or NULL.  Returns how many argv
 * elements it used (1 for "--opt=value", 2 for "--opt value"), 0 when opt
 * is not a trace option, or -1 with a one-line message in err. */
int trace_parse_option(struct trace_config *c, const char *opt, const char *arg, char *err,
                       size_t errlen);

/* Kinds from "insn,mem,syscall" or "all"; -1 with a message on an unknown
 * name. */
int trace_parse_kinds(const char *list, uint32_t *kinds, char *err, size_t errlen);

/* The help text of the options, one per line. */
extern const char trace_options_help[];

struct tracer;

/* A tracer for cfg.  Output goes to `out` if non-NULL (not closed by the
 * tracer), else to cfg->file (opened here; "" = stderr).  NULL with a
 * message when the file cannot be opened or memory is short. */
struct tracer *tracer_new(const struct trace_config *cfg, FILE *out, char *err, size_t errlen);
/* Detach, flush and free.  Returns -1 with a message if writing the trace
 * failed at any point (disk full, closed pipe). */
int tracer_close(struct tracer *t, char *err, size_t errlen);

/* Symbols for rip/handler addresses (see symbols.h): prefix "kernel:" for
 * the kernel, "" for the program. Returns 0 or -1 with a message. */
int tracer_load_symbols(struct tracer *t, const char *elf_path, const char *prefix,
                        uint64_t bias, char *err, size_t errlen);

/* A program the guest may execve: the file at guest_path (as the initrd
 * holds it) is host_path on the host; its symbols name the addresses of a
 * process once it has exec'd it (loaded then).  main: it is the program
 * whose table was loaded with tracer_load_symbols.  -1 when full. */
int tracer_add_program(struct tracer *t, const char *guest_path, const char *host_path, bool main);

/* Virtual time for the `time` field: now(ctx) is called once per traced
 * instruction.  Default: the CPU's retired-instruction count. */
void tracer_set_clock(struct tracer *t, uint64_t (*now)(void *ctx), void *ctx);

/* Also append every emitted event to rec (NULL: stop recording). */
void tracer_record(struct tracer *t, struct trace_recording *rec);
/* Also hand every emitted event to fn (NULL: stop), as it is emitted; its
 * strings live only during the call.  The debugger's event log is made
 * this way: what it shows is what the trace says. */
void tracer_set_sink(struct tracer *t, void (*fn)(void *ctx, const struct trace_event *e), void *ctx);

/* Write out everything traced so far (an open instruction line is closed:
 * its later events get lines of their own).  Called before the guest's own
 * output when both go to the same stream, so they appear in the order they
 * happened.  -1 if writing failed. */
int tracer_flush(struct tracer *t);

/* Start / stop watching the machine behind hub (machine_watch_hub, or a
 * bare CPU's hub in tests).  Resolves the from/until symbols; -1 with a
 * message if one is unknown or the hub is full. */
int tracer_attach(struct tracer *t, struct watch_hub *hub, char *err, size_t errlen);
void tracer_detach(struct tracer *t);
/* The tracer's watcher (to pause it, e.g. while a debugger replays). */
struct watcher *tracer_watcher(struct tracer *t);

/* An OS event decoded by the OS-event device (machine/debugport.h,
 * protocol os/abi/osevent.h), as the watcher receives it (exposed for
 * tests of the filters).  Context switches also update the process the
 * --trace-pid filter compares against; syscall-name hints name calls above
 * the Linux range in later syscall/sysret events. */
struct os_event;
void trace_os_event(struct tracer *t, const struct os_event *ev);

/* One line of the kernel log (without its newline). */
void trace_log_line(struct tracer *t, const char *text, size_t len);

/* Emit a hand-made event through the tracer's filters and outputs (used by
 * the board for events it synthesises, and by tests). */
void tracer_emit(struct tracer *t, const struct trace_event *e);

/* Counters for the benchmark and tests. */
struct tracer_stats {
    uint64_t insns;       /* instruction events emitted */
    uint64_t events;      /* all events emitted */
    uint64_t disasm_hits, disasm_misses;
};
void tracer_get_stats(const struct tracer *t, struct tracer_stats *s);

#endif
