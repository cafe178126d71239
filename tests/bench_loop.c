/* bench_loop.c — the program behind `make bench` (not a Check test): runs
 * the bare-metal guest build/guests/bench_loop.bin (tests/guests/
 * bench_loop.S) on the test harness, checks its result against the same
 * computation done natively, and prints guest instructions executed, wall
 * time, MIPS and the TLB and decoded-instruction-cache hit rates.  No
 * thresholds: the numbers are for comparing builds (bench/README.md). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cpu/dcache.h"
#include "harness.h"

#define DEFAULT_GUEST "build/guests/bench_loop.bin"
#define BUDGET 2000000000ull

/* The guest's computation (bench_loop.S), natively. */
static uint64_t native_hash(void)
{
    enum { N_LOG2 = 20, N = 1 << N_LOG2, ROUNDS = 16 };
    uint64_t *a = malloc(sizeof *a * N);
    if (!a)
        return 0;
    for (uint64_t i = 0; i < N; i++)
        a[i] = i * 0x9e3779b97f4a7c15ull;
    uint64_t h = 0xcbf29ce484222325ull;
    for (int r = 0; r < ROUNDS; r++) {
        for (uint64_t i = 0; i < N; i++) {
            h = (h ^ a[h >> (64 - N_LOG2)]) * 0x100000001b3ull;
            h = (h << 29 | h >> 35) + i;
            a[i] ^= h;
        }
    }
    free(a);
    return h;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

static double percent(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : DEFAULT_GUEST;
    struct harness *h = harness_new(0);
    if (!h) {
        fprintf(stderr, "bench_loop: cannot create the test machine\n");
        return 1;
    }
    if (harness_load_guest(h, path) != 0) {
        fprintf(stderr, "bench_loop: cannot load %s (run `make guests`)\n", path);
        harness_free(h);
        return 1;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    enum cpu_stop stop = harness_run(h, BUDGET);
    double wall = seconds_since(&t0);
    h->out[h->out_len] = 0;

    char expect[32];
    snprintf(expect, sizeof expect, "%016" PRIx64 "\n", native_hash());
    int ok = stop == STOP_REQUEST && h->exit_code == 0 && strcmp(h->out, expect) == 0;

    const struct cpu *c = h->cpu;
    struct tlb_stats tlb;
    mmu_tlb_stats(h->mmu, &tlb);
    const struct tlb_stats *t = &tlb;
    const struct dcache *dc = c->dcache;
    printf("bench_loop: %s", h->out_len ? h->out : "(no output)\n");
    printf("  result            %s\n", ok ? "matches the native computation" : "WRONG");
    printf("  instructions      %" PRIu64 "\n", c->icount);
    printf("  wall time         %.3f s\n", wall);
    printf("  speed             %.1f MIPS\n", wall > 0 ? (double)c->icount / wall / 1e6 : 0.0);
    printf("  TLB               %" PRIu64 " hits, %" PRIu64 " misses (%.2f%% hits), %" PRIu64
           " walks\n", t->hits, t->misses, percent(t->hits, t->hits + t->misses), t->walks);
    printf("  decoded-insn cache %" PRIu64 " hits, %" PRIu64 " misses (%.4f%% hits)\n", dc->hits,
           dc->misses, percent(dc->hits, dc->hits + dc->misses));
    if (!ok)
        fprintf(stderr, "bench_loop: expected output %s(stop %d, exit code %d)\n", expect,
                (int)stop, h->exit_code);
    harness_free(h);
    return ok ? 0 : 1;
}
