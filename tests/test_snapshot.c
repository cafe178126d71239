/* test_snapshot.c — snapshots through cpu_save/cpu_restore and
 * mmu_save/mmu_restore (machine/snapshot.c copies neither struct).
 *
 * The oracle is the machine itself: a machine restored to a snapshot and
 * run N more instructions must be exactly where the original was after
 * those N instructions — instruction count, registers (the whole saved CPU
 * block), the MMU's controls, TLB and counters, RAM, virtual time and the
 * console — and must then finish the program with the same output and
 * exit status.  The program forks, touches fresh heap pages (demand
 * paging, copy-on-write) and prints as it goes, and is built with musl and
 * with glibc.  A layout test keeps cpu/state.h's field list complete. */
#include <check.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/state.h"
#include "machine/machine.h"
#include "machine/snapshot.h"
#include "linux_oracle.h"

/* ---- every field of struct cpu is either saved or a host link ---------- */

struct field {
    const char *name;
    size_t offset, size, align;
};

#define ROW(f) {#f, offsetof(struct cpu, f), sizeof(((struct cpu *)0)->f), \
                alignof(__typeof__(((struct cpu *)0)->f))},
static const struct field fields[] = {CPU_FIELDS(ROW, ROW)};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* Between two listed fields there may only be padding, and padding before
 * a field is always shorter than that field's alignment: a gap as long as
 * the next field's alignment (or a listed field out of order) means a
 * field of struct cpu is missing from CPU_FIELDS. */
START_TEST(cpu_fields_list_every_field_of_struct_cpu)
{
    size_t end = 0;
    for (size_t i = 0; i < NFIELDS; i++) {
        ck_assert_msg(fields[i].offset >= end, "%s is listed out of declaration order", fields[i].name);
        ck_assert_msg(fields[i].offset - end < fields[i].align,
                      "%zu unlisted bytes before %s: a field of struct cpu is missing from CPU_FIELDS "
                      "(cpu/state.h)", fields[i].offset - end, fields[i].name);
        end = fields[i].offset + fields[i].size;
    }
    ck_assert_msg(sizeof(struct cpu) - end < alignof(struct cpu),
                  "%zu unlisted bytes after the last field: add the new fields to CPU_FIELDS",
                  sizeof(struct cpu) - end);
}
END_TEST

/* The block holds the saved fields and nothing of the host links: a
 * restore into another CPU keeps that CPU's MMU, bus, observer, cache. */
START_TEST(cpu_restore_loads_state_and_keeps_host_links)
{
    char err[128];
    struct mmu *m1 = mmu_new(1 << 20, NULL, err, sizeof err), *m2 = mmu_new(1 << 20, NULL, err, sizeof err);
    ck_assert_ptr_nonnull(m1);
    ck_assert_ptr_nonnull(m2);
    struct cpu *a = cpu_new(m1, NULL), *b = cpu_new(m2, NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    /* A byte pattern in every saved field of a. */
    uint8_t k = 1;
#define FILL(f) for (size_t i = 0; i < sizeof a->f; i++) ((uint8_t *)&a->f)[i] = k++;
#define SKIP(f)
    CPU_FIELDS(FILL, SKIP)
    struct dcache *b_cache = b->dcache;
    const struct cpu_observer obs = {0};
    b->observer = &obs;
    b->stop_request = 1;
    size_t n = cpu_state_size();
    ck_assert_uint_gt(n, sizeof a->gpr + sizeof a->xmm + sizeof a->exc_counts);
    ck_assert_uint_lt(n, sizeof(struct cpu));
    uint8_t *block = malloc(n);
    ck_assert_ptr_nonnull(block);
    cpu_save(a, block);
    cpu_restore(b, block);
    /* fpr: the 80 bits of each register; the long double's padding is
     * saved as zeros (two saves of one state are equal byte for byte). */
#define SAME(f)                                                                                        \
    if (strcmp(#f, "fpr") != 0)                                                                         \
        ck_assert_msg(memcmp(&a->f, &b->f, sizeof a->f) == 0, "field %s not restored", #f);
    CPU_FIELDS(SAME, SKIP)
    for (int i = 0; i < 8; i++) {
        ck_assert_msg(memcmp(&a->fpr[i], &b->fpr[i], 10) == 0, "fpr[%d] not restored", i);
        for (size_t j = 10; j < sizeof(long double); j++)
            ck_assert_uint_eq(((uint8_t *)&b->fpr[i])[j], 0);
    }
    ck_assert_ptr_eq(b->mmu, m2);
    ck_assert_ptr_eq(b->dcache, b_cache);
    ck_assert_ptr_eq(b->observer, &obs);
    ck_assert_uint_eq(b->stop_request, 0);
    free(block);
    cpu_free(a);
    cpu_free(b);
    mmu_free(m1);
    mmu_free(m2);
}
END_TEST

/* ---- a restored machine runs on exactly like the original -------------- */

static const char *const PROGRAM =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <sys/wait.h>\n"
    "#include <unistd.h>\n"
    "static unsigned long work(const char *who, int rounds)\n"
    "{\n"
    "    unsigned long sum = 0;\n"
    "    for (int r = 0; r < rounds; r++) {\n"
    "        size_t n = (size_t)(r + 1) * 12288;\n"
    "        unsigned char *p = malloc(n);\n"
    "        if (!p) return 0;\n"
    "        memset(p, r, n);\n"
    "        for (size_t i = 0; i < n; i += 997) sum = sum * 31 + p[i] + i;\n"
    "        for (unsigned long k = 0; k < 30000; k++) sum = sum * 6364136223846793005ul + k;\n"
    "        printf(\"%s round %d sum %lu\\n\", who, r, sum);\n"
    "        fflush(stdout);\n"
    "        free(p);\n"
    "    }\n"
    "    return sum;\n"
    "}\n"
    "int main(void)\n"
    "{\n"
    "    static char shared[65536] = {1};\n"
    "    pid_t pid = fork();\n"
    "    if (pid == 0) { shared[4096] = 2; work(\"child\", 30); return 3; }\n"
    "    unsigned long s = work(\"parent\", 30);\n"
    "    int st = 0;\n"
    "    waitpid(pid, &st, 0);\n"
    "    printf(\"child exited %d, shared %d, sum %lu\\n\", WEXITSTATUS(st), shared[4096], s);\n"
    "    return 0;\n"
    "}\n";

struct fingerprint {
    uint64_t icount, time_ns, ram_hash;
    uint8_t *cpu, *mmu, *board;
    char *console;
    size_t console_len;
};

static uint64_t ram_hash(struct mmu *mmu)
{
    static uint8_t page[1 << 16];
    uint64_t h = 1469598103934665603ull;
    for (uint64_t pa = 0; pa < mmu_ram_size(mmu); pa += sizeof page) {
        ck_assert(mmu_phys_read(mmu, pa, page, sizeof page));
        for (size_t i = 0; i < sizeof page; i += 8) {
            uint64_t w;
            memcpy(&w, page + i, 8);
            h = (h ^ w) * 1099511628211ull;
        }
    }
    return h;
}

static void take(struct machine *m, struct fingerprint *f)
{
    struct cpu *cpu = machine_cpu(m);
    f->icount = cpu->icount;
    f->time_ns = machine_time_ns(m);
    f->ram_hash = ram_hash(machine_mmu(m));
    f->cpu = malloc(cpu_state_size());
    f->mmu = malloc(mmu_state_size(machine_mmu(m)));
    f->board = malloc(machine_board_state_size());
    ck_assert(f->cpu && f->mmu && f->board);
    cpu_save(cpu, f->cpu);
    mmu_save(machine_mmu(m), f->mmu);
    machine_board_state_save(m, f->board);
    const uint8_t *c = machine_console(m, &f->console_len);
    f->console = malloc(f->console_len + 1);
    ck_assert_ptr_nonnull(f->console);
    memcpy(f->console, c ? (const char *)c : "", f->console_len);
    f->console[f->console_len] = 0;
}

static size_t mmu_bytes;

static void same(const struct fingerprint *a, const struct fingerprint *b, const char *where)
{
    ck_assert_msg(a->icount == b->icount, "%s: icount %llu vs %llu", where, (unsigned long long)a->icount,
                  (unsigned long long)b->icount);
    ck_assert_msg(memcmp(a->cpu, b->cpu, cpu_state_size()) == 0, "%s: CPU state differs", where);
    ck_assert_msg(memcmp(a->mmu, b->mmu, mmu_bytes) == 0, "%s: MMU state (controls, TLB, counters) differs",
                  where);
    ck_assert_msg(a->ram_hash == b->ram_hash, "%s: RAM differs", where);
    ck_assert_msg(a->time_ns == b->time_ns, "%s: virtual time differs", where);
    ck_assert_msg(memcmp(a->board, b->board, machine_board_state_size()) == 0, "%s: device state differs", where);
    ck_assert_msg(a->console_len == b->console_len && memcmp(a->console, b->console, a->console_len) == 0,
                  "%s: console differs:\n%s\n---\n%s", where, a->console, b->console);
}

static void drop(struct fingerprint *f)
{
    free(f->cpu);
    free(f->mmu);
    free(f->board);
    free(f->console);
}

/* Snapshot at instruction `at`, run `more`, then go back and run `more`
 * again: the same machine both times, and the same finish. */
static void check_replay(const char *path, uint64_t at, uint64_t more)
{
    struct machine *m = oracle_boot(path, 0, NULL, (struct machine_config){0});
    struct snapshot_store *s = snapshot_store_new(m);
    ck_assert_ptr_nonnull(s);
    mmu_bytes = mmu_state_size(machine_mmu(m));
    struct machine_stop st = machine_step(m, at);
    ck_assert_int_eq(st.event, MEV_BUDGET);
    ck_assert_int_eq(snapshot_take(s), 0);
    struct fingerprint at_snap, ahead, again_at, again;
    take(m, &at_snap);
    ck_assert_int_eq(machine_step(m, more).event, MEV_BUDGET);
    take(m, &ahead);
    ck_assert_uint_eq(ahead.icount, at + more);
    ck_assert_uint_gt(ahead.console_len, at_snap.console_len); /* the program printed meanwhile */
    int64_t status = oracle_run_to_exit(m);
    size_t out_len;
    char *out = strdup(oracle_console(m, &out_len));

    ck_assert_uint_eq(snapshot_restore(s, at), at);
    take(m, &again_at);
    same(&at_snap, &again_at, "right after the restore");
    ck_assert_int_eq(machine_step(m, more).event, MEV_BUDGET);
    take(m, &again);
    same(&ahead, &again, "after running on from the restore");
    ck_assert_int_eq(oracle_run_to_exit(m), status);
    size_t len2;
    const char *out2 = oracle_console(m, &len2);
    ck_assert_uint_eq(len2, out_len);
    ck_assert_str_eq(out2, out);
    ck_assert_ptr_nonnull(strstr(out, "child exited 3, shared 0"));
    free(out);
    drop(&at_snap), drop(&ahead), drop(&again_at), drop(&again);
    snapshot_store_free(s);
    machine_free(m);
}

START_TEST(restored_machine_runs_identically_musl)
{
    const char *path = oracle_musl("snapfork", PROGRAM);
    check_replay(path, 2000000, 3000000);
    check_replay(path, 6000000, 1500000);
}
END_TEST

START_TEST(restored_machine_runs_identically_glibc)
{
    const char *path = oracle_glibc("snapfork", PROGRAM);
    check_replay(path, 2500000, 3000000);
}
END_TEST

static Suite *snapshot_suite(void)
{
    Suite *s = suite_create("snapshot");
    TCase *state = tcase_create("state");
    tcase_add_test(state, cpu_fields_list_every_field_of_struct_cpu);
    tcase_add_test(state, cpu_restore_loads_state_and_keeps_host_links);
    suite_add_tcase(s, state);
    TCase *run = tcase_create("replay");
    tcase_set_timeout(run, 120);
    tcase_add_checked_fixture(run, NULL, oracle_cleanup);
    tcase_add_test(run, restored_machine_runs_identically_musl);
    tcase_add_test(run, restored_machine_runs_identically_glibc);
    suite_add_tcase(s, run);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snapshot_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    oracle_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
