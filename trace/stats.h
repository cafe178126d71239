/* stats.h — `ringscope run --stats`: a summary of a run that answers where
 * the time and the faults went, counted by a watcher of the machine's
 * crossings (no per-instruction cost):
 *
 *   - system calls by name: how many, and the instructions the kernel ran
 *     for them (from the SYSCALL to its SYSRET, while the calling thread was
 *     on the CPU: a call that blocks does not count the other threads);
 *   - page faults (#PF) by kind (the error code's words, "NP W U") and by
 *     the function of the faulting instruction (`main`, `kernel:memset`);
 *   - page-ins, page-outs and context switches (the kernel's OS events);
 *   - with the machine's own counters (instructions, virtual time, TLB hits
 *     and misses) passed in at the end.
 *
 * Every count is the count of the matching trace events of the same run
 * (tests/sh/test_trace_stats.sh checks it).  Text for people, one JSON
 * object for tools. */
#ifndef RINGSCOPE_TRACE_STATS_H
#define RINGSCOPE_TRACE_STATS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct watch_hub;
struct run_stats;

/* What the machine counted itself, printed with the summary. */
struct run_stats_machine {
    uint64_t insns, time_ns, idle_ns;
    uint64_t tlb_hits, tlb_misses, tlb_flushes, walks;
    double host_seconds;
};

struct run_stats *run_stats_new(void);
void run_stats_free(struct run_stats *s);
/* Symbols for the faulting functions (symbols.h); -1 with a message. */
int run_stats_load_symbols(struct run_stats *s, const char *elf_path, const char *prefix,
                           char *err, size_t errlen);
/* Start / stop counting; -1 with a message if the hub is full. */
int run_stats_attach(struct run_stats *s, struct watch_hub *hub, char *err, size_t errlen);
void run_stats_detach(struct run_stats *s);
void run_stats_print(const struct run_stats *s, const struct run_stats_machine *m, bool json,
                     FILE *out);

#endif
