/* test_debugger_stepback.c — step back reproduces exactly the earlier
 * state: registers (incl. RFLAGS from the lazy flags, x87/XMM), a hash of
 * all of RAM, the MMU's saved state (TLB, counters, code frames), the
 * board's device state block, virtual time and the
 * console, at every instruction of a guest that takes timer interrupts
 * through the 8259 while halting (tests/guests-elf/pit.S), and across live
 * keys given to the PS/2 keyboard (tests/guests-elf/keyboard.S).  The
 * oracle is the machine itself, recorded on the way forward. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/session.h"
#include "machine/snapshot.h"
#include "tests/guest_elf.h"

#define MAX_STEPS 4000

struct fingerprint {
    uint64_t icount, time_ns, ram_hash;
    uint64_t gpr[16], rip, rflags, cr0, cr2, cr3, cr4;
    uint8_t cpl, halted, intr_line;
    union xmm xmm[16];
    uint16_t fsw, fcw;
    uint8_t *board;
    uint8_t *mmu;               /* mmu_save: paging controls, TLB, counters, code frames */
    size_t console_len, log_len, mmu_size;
    int64_t exit_status;
};

static struct dbg *start_guest(const char *name, uint64_t snapshot_interval)
{
    char path[256], err[256];
    ck_assert_int_eq(guest_elf_build(name, path, sizeof path), 0);
    static char kernel[256];
    snprintf(kernel, sizeof kernel, "%s", path);
    struct dbg_options o = {.config = {.ram_size = 2 << 20, .kernel_path = kernel, .disk_size = 64 << 10},
                            .snapshot_interval = snapshot_interval};
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static uint64_t ram_hash(struct mmu *mmu)
{
    uint64_t h = 1469598103934665603ull;
    static uint64_t page[512];
    for (uint64_t pa = 0; pa < mmu_ram_size(mmu); pa += sizeof page) {
        ck_assert(mmu_phys_read(mmu, pa, page, sizeof page));
        for (size_t i = 0; i < 512; i++)
            h = (h ^ page[i]) * 1099511628211ull;
    }
    return h;
}

static void take(struct dbg *d, struct fingerprint *f)
{
    struct cpu *cpu = machine_cpu(d->m);
    memset(f, 0, sizeof *f);
    f->icount = cpu->icount;
    f->time_ns = machine_time_ns(d->m);
    f->ram_hash = ram_hash(machine_mmu(d->m));
    memcpy(f->gpr, cpu->gpr, sizeof f->gpr);
    f->rip = cpu->rip;
    f->rflags = cpu_rflags(cpu);
    f->cr0 = cpu->cr0, f->cr2 = cpu->cr2, f->cr3 = cpu->cr3, f->cr4 = cpu->cr4;
    f->cpl = cpu->cpl, f->halted = cpu->halted, f->intr_line = cpu->intr_line;
    memcpy(f->xmm, cpu->xmm, sizeof f->xmm);
    f->fsw = cpu->fsw, f->fcw = cpu->fcw;
    f->board = malloc(machine_board_state_size());
    ck_assert_ptr_nonnull(f->board);
    machine_board_state_save(d->m, f->board);
    f->mmu = malloc(mmu_state_size(machine_mmu(d->m)));
    ck_assert_ptr_nonnull(f->mmu);
    mmu_save(machine_mmu(d->m), f->mmu);
    f->mmu_size = mmu_state_size(machine_mmu(d->m));
    machine_console(d->m, &f->console_len);
    machine_kernel_log(d->m, &f->log_len);
    f->exit_status = machine_exit_status(d->m);
}

static void same(const struct fingerprint *a, const struct fingerprint *b)
{
    ck_assert_uint_eq(a->icount, b->icount);
    ck_assert_uint_eq(a->rip, b->rip);
    for (int i = 0; i < 16; i++)
        ck_assert_uint_eq(a->gpr[i], b->gpr[i]);
    ck_assert_uint_eq(a->rflags, b->rflags);
    ck_assert_uint_eq(a->cr0, b->cr0);
    ck_assert_uint_eq(a->cr2, b->cr2);
    ck_assert_uint_eq(a->cr3, b->cr3);
    ck_assert_uint_eq(a->cr4, b->cr4);
    ck_assert_uint_eq(a->cpl, b->cpl);
    ck_assert_uint_eq(a->halted, b->halted);
    ck_assert_msg(a->intr_line == b->intr_line, "intr_line %d vs %d at icount %llu (halted %d/%d)", a->intr_line, b->intr_line, (unsigned long long)a->icount, a->halted, b->halted);
    ck_assert_int_eq(memcmp(a->xmm, b->xmm, sizeof a->xmm), 0);
    ck_assert_uint_eq(a->fsw, b->fsw);
    ck_assert_uint_eq(a->fcw, b->fcw);
    ck_assert_uint_eq(a->time_ns, b->time_ns);
    ck_assert_uint_eq(a->ram_hash, b->ram_hash);
    ck_assert_msg(memcmp(a->board, b->board, machine_board_state_size()) == 0,
                  "device state differs at icount %llu", (unsigned long long)a->icount);
    ck_assert_msg(a->mmu_size == b->mmu_size && memcmp(a->mmu, b->mmu, a->mmu_size) == 0,
                  "MMU state (TLB, counters) differs at icount %llu", (unsigned long long)a->icount);
    ck_assert_uint_eq(a->console_len, b->console_len);
    ck_assert_uint_eq(a->log_len, b->log_len);
    ck_assert_int_eq(a->exit_status, b->exit_status);
}

static void drop(struct fingerprint *f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i].board), free(f[i].mmu);
}

/* Forward one instruction at a time to the exit, then back one at a time. */
START_TEST(step_back_through_timer_interrupts)
{
    struct dbg *d = start_guest("pit", 40);
    static struct fingerprint fwd[MAX_STEPS];
    int n = 0;
    struct cpu *cpu = machine_cpu(d->m);
    take(d, &fwd[n++]);
    while (machine_exit_status(d->m) < 0 && n < MAX_STEPS) {
        uint64_t before = cpu->icount;
        dbg_run_command(d, DBG_STEP, 0);
        /* One instruction, or the delivery of a timer interrupt (the
         * handler's first instruction not run yet). */
        if (dbg_at_delivery(d))
            ck_assert_uint_eq(cpu->icount, before);
        else
            ck_assert_uint_eq(cpu->icount, before + 1);
        take(d, &fwd[n++]);
    }
    ck_assert_int_eq(machine_exit_status(d->m), 5); /* five timer ticks */
    ck_assert_uint_ge(cpu->exc_counts[0x20], 5);
    ck_assert_uint_gt(snapshot_count(d->snaps), 3);
    /* Back one instruction at a time: every state exactly as before. */
    for (int i = n - 2; i >= 0; i--) {
        ck_assert_int_eq(dbg_step_back(d), 0);
        struct fingerprint now;
        take(d, &now);
        same(&now, &fwd[i]);
        free(now.board), free(now.mmu);
    }
    ck_assert_int_ne(dbg_step_back(d), 0); /* nothing before instruction 0 */
    /* And forward again: the same run (deterministic replay). */
    for (int i = 1; i < n; i++) {
        dbg_run_command(d, DBG_STEP, 0);
        struct fingerprint now;
        take(d, &now);
        same(&now, &fwd[i]);
        free(now.board), free(now.mmu);
    }
    /* Jumps back to earlier points. */
    static const int targets[] = {1000, 100, 7, 0};
    for (size_t k = 0; k < sizeof targets / sizeof targets[0]; k++) {
        int t = targets[k] < n ? targets[k] : n - 1;
        ck_assert_int_eq(dbg_rewind_to(d, fwd[t].icount), 0);
        struct fingerprint now;
        take(d, &now);
        same(&now, &fwd[t]);
        free(now.board), free(now.mmu);
    }
    drop(fwd, n);
    dbg_free(d);
}
END_TEST

/* One step, fingerprinted.  A step in hlt with nothing to wake the CPU
 * retires nothing: the newer state replaces the one at that icount (step
 * back goes to the latest state of an instruction count). */
static void record_step(struct dbg *d, struct fingerprint *fwd, int *n)
{
    dbg_run_command(d, DBG_STEP, 0);
    if (machine_cpu(d->m)->icount == fwd[*n - 1].icount && !dbg_at_delivery(d))
        --*n, free(fwd[*n].board), free(fwd[*n].mmu);
    take(d, &fwd[(*n)++]);
}

/* Live keys are replayed at the instruction counts they were given at. */
START_TEST(step_back_replays_live_keys)
{
    struct dbg *d = start_guest("keyboard", 25);
    struct cpu *cpu = machine_cpu(d->m);
    dbg_run_command(d, DBG_RUN, 100000);       /* until idle in hlt */
    ck_assert_int_lt(machine_exit_status(d->m), 0);
    uint64_t idle_at = cpu->icount;
    dbg_key(d, KEY_A, true);
    static struct fingerprint fwd[MAX_STEPS];
    int n = 0;
    take(d, &fwd[n++]);
    for (int i = 0; i < 40 && machine_exit_status(d->m) < 0; i++) {
        if (i == 20) {
            /* The state "at icount X" is the one after the keys given at X. */
            dbg_key(d, KEY_A, false);
            free(fwd[n - 1].board), free(fwd[n - 1].mmu);
            take(d, &fwd[n - 1]);
        }
        record_step(d, fwd, &n);
    }
    while (machine_exit_status(d->m) < 0 && n < MAX_STEPS)
        record_step(d, fwd, &n);
    /* keyboard.S exits with (make << 8) | break: 'a' is 0x1E / 0x9E in set 1. */
    ck_assert_int_eq(machine_exit_status(d->m), 0x1e9e);
    ck_assert_uint_gt(cpu->icount, idle_at);
    for (int i = n - 2; i >= 0; i--) {
        ck_assert_int_eq(dbg_step_back(d), 0);
        struct fingerprint now;
        take(d, &now);
        same(&now, &fwd[i]);
        free(now.board), free(now.mmu);
    }
    drop(fwd, n);
    dbg_free(d);
}
END_TEST

/* Snapshots keep only changed pages. */
START_TEST(snapshots_are_deltas)
{
    struct dbg *d = start_guest("pit", 10);
    for (int i = 0; i < 60; i++)
        dbg_run_command(d, DBG_STEP, 0);
    ck_assert_uint_ge(snapshot_count(d->snaps), 5);
    /* The guest writes a handful of pages (IDT, stack): far less than RAM
     * per snapshot. */
    ck_assert_uint_lt(snapshot_delta_bytes(d->snaps), snapshot_count(d->snaps) * (64ull << 10));
    dbg_free(d);
}
END_TEST

/* A watcher registered with dbg_watch_forward (a tracer, a gdb stub) sees
 * the machine move forward only: the instructions step back replays are
 * hidden from it, and after the step back it is attached again. */
static bool count_insn(void *ctx, const struct watch_event *e)
{
    (void)e;
    ++*(uint64_t *)ctx;
    return false;
}

START_TEST(step_back_replays_are_hidden_from_forward_watchers)
{
    struct dbg *d = start_guest("pit", 50);
    uint64_t seen = 0;
    struct watcher w = {.on[WATCH_INSN_DONE] = count_insn, .ctx = &seen};
    ck_assert_int_eq(machine_attach(d->m, &w), 0);
    ck_assert_int_eq(dbg_watch_forward(d, &w), 0);
    for (int i = 0; i < 300 && machine_exit_status(d->m) < 0; i++)
        dbg_run_command(d, DBG_STEP, 0);
    uint64_t forward = seen;
    ck_assert_uint_eq(forward, machine_cpu(d->m)->icount);
    ck_assert_int_eq(dbg_step_back(d), 0);   /* replays up to 50 instructions */
    ck_assert_uint_eq(seen, forward);
    /* Executing the undone instruction again is moving forward: seen. */
    dbg_run_command(d, DBG_STEP, 0);
    ck_assert_uint_eq(seen, forward + 1);
    machine_detach(d->m, &w);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_stepback");
    TCase *t = tcase_create("stepback");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, step_back_through_timer_interrupts);
    tcase_add_test(t, step_back_replays_live_keys);
    tcase_add_test(t, snapshots_are_deltas);
    tcase_add_test(t, step_back_replays_are_hidden_from_forward_watchers);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
