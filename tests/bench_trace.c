/* bench_trace.c — traced speed (not a Check test): runs the first N
 * instructions of build/guests/bench_loop.bin (tests/guests/bench_loop.S, a
 * loop of loads, stores and ALU work over 2048 pages) on the test harness
 * twice — untraced, then with every trace kind written to a file — and
 * prints both speeds in millions of instructions per second, the trace
 * size and the disassembly-cache hit rate.
 *
 *   build/tests/bench_trace [--insns N] [--out PATH] [--format text|jsonl|bin] [--kinds LIST]
 *
 * Defaults: 2,000,000 instructions, all kinds, into a temporary file that is
 * removed afterwards.  `make bench` runs it with these defaults. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "harness.h"
#include "trace/tracer.h"

#define GUEST "build/guests/bench_loop.bin"

static double seconds(clockid_t clock)
{
    struct timespec t;
    clock_gettime(clock, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Run n instructions of the guest; with cfg non-NULL traced into path.
 * Returns the wall-clock seconds (and the process CPU seconds in *cpu:
 * steadier on a busy machine), or a negative value on a setup error. */
static double timed_run(uint64_t n, const struct trace_config *cfg, struct tracer_stats *stats,
                        double *cpu)
{
    struct harness *h = harness_new(0);
    if (!h || harness_load_guest(h, GUEST) != 0) {
        fprintf(stderr, "bench_trace: cannot load %s (run `make guests`)\n", GUEST);
        harness_free(h);
        return -1;
    }
    char err[256];
    struct tracer *t = NULL;
    if (cfg) {
        t = tracer_new(cfg, NULL, err, sizeof err);
        if (!t || tracer_attach(t, h->hub, err, sizeof err)) {
            fprintf(stderr, "bench_trace: %s\n", err);
            harness_free(h);
            return -1;
        }
    }
    double t0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
    harness_run(h, n);
    if (t) {
        tracer_get_stats(t, stats);
        if (tracer_close(t, err, sizeof err)) {
            fprintf(stderr, "bench_trace: %s\n", err);
            harness_free(h);
            return -1;
        }
    }
    /* Both include flushing the trace to the file. */
    double s = seconds(CLOCK_MONOTONIC) - t0;
    *cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
    if (h->cpu->icount != n)
        fprintf(stderr, "bench_trace: ran %" PRIu64 " of %" PRIu64 " instructions\n",
                h->cpu->icount, n);
    harness_free(h);
    return s;
}

int main(int argc, char **argv)
{
    uint64_t n = 2000000;
    const char *out = NULL;
    struct trace_config cfg;
    trace_config_init(&cfg);
    cfg.kinds = TRACE_KINDS_ALL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--insns") == 0 && i + 1 < argc)
            n = strtoull(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--kinds") == 0 && i + 1 < argc) {
            char err[256];
            if (trace_parse_kinds(argv[++i], &cfg.kinds, err, sizeof err)) {
                fprintf(stderr, "bench_trace: %s\n", err);
                return 2;
            }
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
        {
            const char *f = argv[++i];
            cfg.format = strcmp(f, "jsonl") == 0 ? TRACE_FORMAT_JSONL
                         : strcmp(f, "bin") == 0 ? TRACE_FORMAT_BIN
                                                 : TRACE_FORMAT_TEXT;
        }
        else {
            fprintf(stderr, "usage: %s [--insns N] [--out PATH] [--format text|jsonl|bin] [--kinds LIST]\n",
                    argv[0]);
            return 2;
        }
    }
    char tmp[64] = "";
    if (!out) {
        snprintf(tmp, sizeof tmp, "/tmp/bench_trace.%ld", (long)getpid());
        out = tmp;
    }
    snprintf(cfg.file, sizeof cfg.file, "%s", out);

    double plain_cpu, traced_cpu;
    double plain = timed_run(n, NULL, NULL, &plain_cpu);
    struct tracer_stats st = {0};
    double traced = timed_run(n, &cfg, &st, &traced_cpu);
    if (plain < 0 || traced < 0)
        return 1;
    struct stat sb;
    double mb = stat(out, &sb) == 0 ? (double)sb.st_size / 1e6 : 0;
    if (tmp[0])
        unlink(tmp);
    printf("bench_trace: %" PRIu64 " instructions of %s\n", n, GUEST);
    printf("  untraced          %.1f MIPS (%.1f per CPU second)\n", (double)n / plain / 1e6,
           (double)n / plain_cpu / 1e6);
    printf("  traced            %.2f MIPS (%.2f per CPU second), %s kinds, %s, to %s\n",
           (double)n / traced / 1e6, (double)n / traced_cpu / 1e6,
           cfg.kinds == TRACE_KINDS_ALL ? "all" : "selected",
           cfg.format == TRACE_FORMAT_JSONL ? "jsonl" : cfg.format == TRACE_FORMAT_BIN ? "bin" : "text",
           tmp[0] ? "a file" : out);
    printf("  size              %.2f bytes per instruction\n", mb * 1e6 / (double)n);
    printf("  trace             %.1f MB, %" PRIu64 " events, %.1f MB/s\n", mb, st.events,
           mb / traced);
    uint64_t lookups = st.disasm_hits + st.disasm_misses;
    printf("  disassembly cache %" PRIu64 " hits, %" PRIu64 " misses (%.3f%% hits)\n",
           st.disasm_hits, st.disasm_misses,
           lookups ? 100.0 * (double)st.disasm_hits / (double)lookups : 0.0);
    return 0;
}
