/* test_watch.c — the observation layer (machine/watch.h) on the real board
 * and guest kernel: any number of watchers at once, each seeing exactly
 * the kinds it asked for with their context; the interpreter's fast paths
 * decided by the union of kinds; stops combined, with who asked; deadlines
 * exact to the instruction.
 *
 * Oracles: the guest kernel's own reports (every OS event carries the pid
 * and tid the kernel was running for — the hub's context must agree), the
 * program's console output, and the instruction count of an unwatched run
 * of the same program (watching must not change what the guest does). */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include "linux_oracle.h"
#include "machine/debugport.h"
#include "machine/machine.h"
#include "os/abi/osevent.h"

/* Counts what one watcher saw, by kind and by ring transfer. */
struct tally {
    struct watcher w;
    uint64_t by_kind[WATCH_NKINDS];
    uint64_t syscalls;
    uint64_t stop_after_syscalls;   /* ask to stop at this many (0: never) */
    uint64_t context_mismatches;    /* OS events whose reporting pid/tid differ from the context */
    uint64_t os_checked;
};

static bool tally_event(void *ctx, const struct watch_event *e)
{
    struct tally *t = ctx;
    ck_assert_msg(t->w.on[e->kind] != NULL, "got kind %d it did not ask for", e->kind);
    t->by_kind[e->kind]++;
    ck_assert_ptr_nonnull(e->cpu);
    ck_assert_uint_eq(e->icount, e->cpu->icount);
    ck_assert_uint_eq(e->cpl, e->cpu->cpl);
    if (e->kind == WATCH_OS && e->os->type != OSEV_CONTEXT_SWITCH && e->pid >= 0) {
        t->os_checked++;
        if ((uint32_t)e->pid != e->os->pid || (uint32_t)e->tid != e->os->tid)
            t->context_mismatches++;
    }
    if (e->kind == WATCH_TRANSFER && e->transfer.kind == RT_SYSCALL) {
        ck_assert_uint_eq(e->transfer.cpl_before, 3);
        ck_assert_uint_eq(e->transfer.cpl_after, 0);
        t->syscalls++;
        return t->stop_after_syscalls && t->syscalls == t->stop_after_syscalls;
    }
    return false;
}

static void tally_init(struct tally *t, uint32_t kinds)
{
    memset(t, 0, sizeof *t);
    t->w = (struct watcher){.ctx = t};
    watch_handle(&t->w, kinds, tally_event);
}

static struct machine *boot_program(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "build/programs/%s", name);
    return oracle_boot(path, 0, NULL, (struct machine_config){0});
}

/* The instruction count and console of an unwatched run. */
static uint64_t plain_run(const char *name, char *console, size_t cap)
{
    struct machine *m = boot_program(name);
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    uint64_t n = machine_cpu(m)->icount;
    snprintf(console, cap, "%s", oracle_console(m, NULL));
    machine_free(m);
    return n;
}

START_TEST(the_union_of_kinds_decides_the_fast_paths)
{
    struct machine *m = boot_program("hello");
    struct cpu *cpu = machine_cpu(m);
    struct tally crossings, mem, tlb;
    tally_init(&crossings, WATCH_BIT(WATCH_TRANSFER) | WATCH_BIT(WATCH_EXCEPTION) | WATCH_BIT(WATCH_OS));
    tally_init(&mem, WATCH_BIT(WATCH_MEM));
    tally_init(&tlb, WATCH_BIT(WATCH_TLB));
    ck_assert_int_eq(machine_attach(m, &crossings.w), 0);
    /* Syscalls, exceptions and OS events: no hook per instruction or access. */
    ck_assert(!cpu->watch_insn);
    ck_assert(!cpu->watch_mem);
    ck_assert_ptr_nonnull(cpu->observer);
    ck_assert_int_eq(machine_attach(m, &mem.w), 0);
    ck_assert(!cpu->watch_insn);
    ck_assert(cpu->watch_mem);
    machine_detach(m, &mem.w);
    ck_assert(!cpu->watch_mem);
    /* TLB hits are only seen on the translate path. */
    ck_assert_int_eq(machine_attach(m, &tlb.w), 0);
    ck_assert(cpu->watch_mem && !cpu->watch_insn);
    machine_detach(m, &tlb.w);
    ck_assert_int_eq(machine_attach(m, &crossings.w), -1); /* already attached */
    machine_detach(m, &crossings.w);
    ck_assert_ptr_null(cpu->observer);
    ck_assert(!cpu->watch_insn && !cpu->watch_mem);
    machine_free(m);
}
END_TEST

/* Three watchers on one run: each sees its kinds and no other, they agree
 * on what they share, and the guest runs exactly as unwatched. */
START_TEST(watchers_attach_together_and_change_nothing)
{
    char want[4096], got[4096];
    uint64_t plain = plain_run("isolation", want, sizeof want);
    struct machine *m = boot_program("isolation");
    struct tally all, crossings, insns;
    tally_init(&all, WATCH_ALL);
    tally_init(&crossings, WATCH_BIT(WATCH_TRANSFER) | WATCH_BIT(WATCH_OS));
    tally_init(&insns, WATCH_BIT(WATCH_INSN) | WATCH_BIT(WATCH_INSN_DONE));
    ck_assert_int_eq(machine_attach(m, &all.w), 0);
    ck_assert_int_eq(machine_attach(m, &crossings.w), 0);
    ck_assert_int_eq(machine_attach(m, &insns.w), 0);
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    snprintf(got, sizeof got, "%s", oracle_console(m, NULL));
    ck_assert_str_eq(got, want);
    ck_assert_uint_eq(machine_cpu(m)->icount, plain);
    ck_assert_uint_gt(crossings.syscalls, 10);
    ck_assert_uint_eq(crossings.syscalls, all.syscalls);
    ck_assert_uint_eq(crossings.by_kind[WATCH_OS], all.by_kind[WATCH_OS]);
    ck_assert_uint_eq(crossings.by_kind[WATCH_TRANSFER], all.by_kind[WATCH_TRANSFER]);
    ck_assert_uint_eq(insns.by_kind[WATCH_INSN], all.by_kind[WATCH_INSN]);
    /* Every retired instruction was announced and finished. */
    ck_assert_uint_eq(all.by_kind[WATCH_INSN_DONE], plain);
    ck_assert_uint_eq(all.by_kind[WATCH_INSN], plain + machine_cpu(m)->insns_faulted);
    ck_assert_uint_gt(all.by_kind[WATCH_MEM], 0);
    ck_assert_uint_gt(all.by_kind[WATCH_WALK], 0);
    ck_assert_uint_gt(all.by_kind[WATCH_TLB], 0);
    ck_assert_uint_gt(all.by_kind[WATCH_PORT], 0);
    ck_assert_uint_gt(all.by_kind[WATCH_LOG], 0);
    ck_assert_uint_eq(crossings.by_kind[WATCH_MEM] + crossings.by_kind[WATCH_INSN], 0);
    machine_free(m);
}
END_TEST

/* The context of every OS event is the thread the kernel says reported it
 * (two processes: isolation forks; four threads: threads). */
START_TEST(context_pid_and_tid_agree_with_the_kernel)
{
    static const char *const programs[] = {"isolation", "threads"};
    for (size_t i = 0; i < 2; i++) {
        struct machine *m = boot_program(programs[i]);
        struct tally t;
        tally_init(&t, WATCH_BIT(WATCH_OS));
        ck_assert_int_eq(machine_attach(m, &t.w), 0);
        ck_assert_int_eq(oracle_run_to_exit(m), 0);
        ck_assert_uint_gt(t.os_checked, 10);
        ck_assert_msg(t.context_mismatches == 0, "%s: %llu of %llu OS events disagree with the context",
                      programs[i], (unsigned long long)t.context_mismatches,
                      (unsigned long long)t.os_checked);
        machine_free(m);
    }
}
END_TEST

/* A watcher asks to stop at the 5th syscall: the run stops right after
 * that instruction, says who stopped it, and goes on when asked; another
 * watcher attached at the same time has seen the same 5. */
START_TEST(the_first_watcher_to_ask_stops_the_run)
{
    struct machine *m = boot_program("hello");
    struct tally stopper, bystander;
    tally_init(&stopper, WATCH_BIT(WATCH_TRANSFER));
    tally_init(&bystander, WATCH_BIT(WATCH_TRANSFER) | WATCH_BIT(WATCH_OS));
    stopper.stop_after_syscalls = 5;
    ck_assert_int_eq(machine_attach(m, &bystander.w), 0);
    ck_assert_int_eq(machine_attach(m, &stopper.w), 0);
    struct machine_stop s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_REQUEST);
    ck_assert_ptr_eq(s.watcher, &stopper.w);
    ck_assert_uint_eq(stopper.syscalls, 5);
    ck_assert_uint_eq(bystander.syscalls, 5);
    ck_assert_uint_eq(machine_cpu(m)->cpl, 0); /* stopped in the kernel, after the SYSCALL */
    /* The run's own conditions win over a watcher's request. */
    struct machine_until u = {.vector = -1, .syscall = true};
    stopper.stop_after_syscalls = 6;
    s = machine_run(m, &u);
    ck_assert_int_eq(s.event, MEV_SYSCALL);
    ck_assert_uint_eq(stopper.syscalls, 6);
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    machine_free(m);
}
END_TEST

/* A deadline costs no hook per instruction and stops exactly there. */
START_TEST(a_deadline_stops_at_the_exact_instruction)
{
    struct machine *m = boot_program("hello");
    struct watcher w = {.stop_at = 50001};
    ck_assert_int_eq(machine_attach(m, &w), 0);
    ck_assert(!machine_cpu(m)->watch_insn);
    struct machine_stop s = machine_run(m, NULL);
    ck_assert_int_eq(s.event, MEV_BUDGET);
    ck_assert_ptr_eq(s.watcher, &w);
    ck_assert_uint_eq(machine_cpu(m)->icount, 50001);
    /* machine_run's own budget is a deadline too. */
    struct machine_until u = {.max_insns = 1000, .vector = -1};
    w.stop_at = 0;
    s = machine_run(m, &u);
    ck_assert_int_eq(s.event, MEV_BUDGET);
    ck_assert_uint_eq(machine_cpu(m)->icount, 51001);
    machine_detach(m, &w);
    ck_assert_int_eq(oracle_run_to_exit(m), 0);
    machine_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("watch");
    TCase *tc = tcase_create("watch");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, NULL, oracle_cleanup);
    tcase_add_test(tc, the_union_of_kinds_decides_the_fast_paths);
    tcase_add_test(tc, watchers_attach_together_and_change_nothing);
    tcase_add_test(tc, context_pid_and_tid_agree_with_the_kernel);
    tcase_add_test(tc, the_first_watcher_to_ask_stops_the_run);
    tcase_add_test(tc, a_deadline_stops_at_the_exact_instruction);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
