/* engine_outcome.h — test support: everything a guest or a watcher could
 * see of one finished run, captured so that runs of the same program under
 * two execution engines (RINGSCOPE_ENGINE) can be compared: exit status,
 * stdout, stderr and kernel log, the whole saved CPU state, the MMU's
 * saved state (TLB entries, counters, code frames), virtual time, the disk
 * and all of guest RAM.  Used by tests/test_engine.c and test_engine_random.c. */
#ifndef RINGSCOPE_TEST_ENGINE_OUTCOME_H
#define RINGSCOPE_TEST_ENGINE_OUTCOME_H
#include <stddef.h>
#include <stdint.h>
#include "machine/machine.h"

struct engine_outcome {
    int64_t status;
    char *out, *err, *log;
    size_t out_len, err_len, log_len;
    uint8_t *cpu, *mmu;
    size_t cpu_len, mmu_len;
    uint64_t ram_hash, disk_hash, time_ns, idle_ns;
    uint64_t icount, rip;
    uint64_t blocks_built; /* decoded blocks built (the plain interpreter builds none) */
    uint64_t translated;   /* blocks the translating tier turned into host code */
    struct tlb_stats tlb;  /* the MMU's counters, to name the one that differs */
};

/* Capture machine m after a run that ended with status. */
struct engine_outcome engine_outcome_capture(struct machine *m, int64_t status);
void engine_outcome_free(struct engine_outcome *o);

/* The first field in which two saved CPU states differ, or NULL. */
const char *engine_outcome_cpu_difference(const uint8_t *block_a, const uint8_t *block_b);

/* Fail the test (naming `what` and both engines) unless run b under engine
 * b_name shows exactly what the reference run a (engine a_name) shows. */
void engine_outcome_assert_same(const struct engine_outcome *a, const char *a_name, const struct engine_outcome *b,
                                const char *b_name, const char *what);

#endif
