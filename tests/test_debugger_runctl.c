/* test_debugger_runctl.c — the session's run control (debugger/session.h):
 * breakpoints with enable/disable, conditions and hit counts; watchpoints
 * with the stop explained (old -> new value, the writer, the thread);
 * running backwards to the previous breakpoint, watchpoint, syscall and
 * page fault; and the condition language, fuzzed.
 *
 * The guest is the real kernel running tests/gdb/counter (musl, -O0 -g).
 * Oracles: nm for addresses, capstone for what an instruction does, and the
 * machine itself recorded on the way forward (a reverse stop must give back
 * exactly the registers and icount the forward run had there). */
#include <capstone/capstone.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/condition.h"
#include "debugger/session.h"
#include "tests/guest_elf.h"

#define KERNEL_ELF "build/os/kernel.elf"
#define COUNTER_ELF "build/tests/gdb/counter"

static uint64_t nm(const char *elf, const char *symbol)
{
    uint64_t a = guest_elf_symbol(elf, symbol);
    ck_assert_msg(a != 0, "nm: no %s in %s", symbol, elf);
    return a;
}

static struct dbg *start_program(const char *path)
{
    char err[256];
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF,
                                       .program_path = path, .disk_size = 1 << 20,
                                       .input_ends = true}};
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static struct dbg *start_counter(void) { return start_program(COUNTER_ELF); }

static uint64_t counter_value(struct dbg *d)
{
    uint64_t v = 0;
    ck_assert_uint_eq(machine_read_virt(d->m, nm(COUNTER_ELF, "counter"), &v, 8), 8);
    return v;
}

struct regs {
    uint64_t icount, rip, rflags, gpr[16];
};

static void regs_now(struct dbg *d, struct regs *r)
{
    struct cpu *cpu = machine_cpu(d->m);
    r->icount = cpu->icount;
    r->rip = cpu->rip;
    r->rflags = cpu_rflags(cpu);
    memcpy(r->gpr, cpu->gpr, sizeof r->gpr);
}

static void assert_same_regs(const struct regs *a, const struct regs *b)
{
    ck_assert_uint_eq(a->icount, b->icount);
    ck_assert_uint_eq(a->rip, b->rip);
    ck_assert_uint_eq(a->rflags, b->rflags);
    for (int i = 0; i < 16; i++)
        ck_assert_msg(a->gpr[i] == b->gpr[i], "gpr %d: %llx vs %llx", i, (unsigned long long)a->gpr[i],
                      (unsigned long long)b->gpr[i]);
}

/* ---- breakpoints -------------------------------------------------------- */

START_TEST(breakpoint_stops_before_main_and_counts_hits)
{
    struct dbg *d = start_counter();
    char err[128];
    uint64_t main_va = nm(COUNTER_ELF, "main");
    int id = dbg_break_add(d, main_va, NULL, err, sizeof err);
    ck_assert_int_gt(id, 0);
    dbg_run_command(d, DBG_RUN, 50000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    ck_assert_int_eq(d->stop.id, id);
    ck_assert_uint_eq(machine_cpu(d->m)->rip, main_va);
    ck_assert_uint_eq(machine_cpu(d->m)->cpl, 3);
    ck_assert_uint_eq(dbg_break_get(d, id)->hits, 1);
    ck_assert_ptr_nonnull(strstr(d->status, "breakpoint"));
    ck_assert_ptr_nonnull(strstr(d->status, "`main`"));
    /* bump is called twice: two hits, then the guest exits. */
    int b2 = dbg_break_add(d, nm(COUNTER_ELF, "bump"), NULL, err, sizeof err);
    dbg_run_command(d, DBG_RUN, 50000000);
    ck_assert_int_eq(d->stop.id, b2);
    dbg_run_command(d, DBG_RUN, 50000000);
    ck_assert_int_eq(d->stop.id, b2);
    ck_assert_uint_eq(dbg_break_get(d, b2)->hits, 2);
    dbg_run_command(d, DBG_RUN, 50000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_EXIT);
    ck_assert_int_eq(dbg_break_get(d, id)->hits, 1);
    dbg_free(d);
}
END_TEST

START_TEST(conditions_and_disable_decide_whether_a_breakpoint_stops)
{
    struct dbg *d = start_counter();
    char err[128];
    uint64_t bump = nm(COUNTER_ELF, "bump");
    /* Never true: the guest runs to its exit through both calls. */
    int never = dbg_break_add(d, bump, "pid == 99 || cpl == 0", err, sizeof err);
    ck_assert_int_gt(never, 0);
    /* A disabled breakpoint does not stop either. */
    int off = dbg_break_add(d, nm(COUNTER_ELF, "main"), NULL, err, sizeof err);
    ck_assert_int_eq(dbg_break_enable(d, off, false), 0);
    ck_assert(!dbg_has_breakpoint(d, nm(COUNTER_ELF, "main")));
    ck_assert_ptr_nonnull(dbg_break_at(d, nm(COUNTER_ELF, "main")));
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_EXIT);
    ck_assert_uint_eq(dbg_break_get(d, never)->hits, 0);
    ck_assert_uint_eq(dbg_break_get(d, off)->hits, 0);
    dbg_free(d);

    /* A condition that holds: the first call stops, with pid 1 (init). */
    d = start_counter();
    int b = dbg_break_add(d, bump, "cpl == 3 && pid == 1", err, sizeof err);
    ck_assert_int_gt(b, 0);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    ck_assert_uint_eq(machine_cpu(d->m)->rip, bump);
    ck_assert_uint_eq(counter_value(d), 41);
    ck_assert_int_eq(d->stop.pid, 1);
    /* Change the condition to something false now: the second call passes. */
    ck_assert_int_eq(dbg_break_condition(d, b, "rsp == 0", err, sizeof err), 0);
    ck_assert_int_eq(dbg_break_condition(d, b, "rsp === 0", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "condition"));
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_EXIT);
    ck_assert_uint_eq(dbg_break_get(d, b)->hits, 1);
    ck_assert_int_eq(dbg_break_delete(d, b), 0);
    ck_assert_int_eq(dbg_break_delete(d, b), -1);
    ck_assert_ptr_null(dbg_break_get(d, b));
    dbg_free(d);
}
END_TEST

/* ---- watchpoints -------------------------------------------------------- */

/* Capstone: does the instruction at va write memory? */
static bool writes_memory(struct dbg *d, uint64_t va, char *text, size_t cap)
{
    uint8_t bytes[16];
    size_t n = machine_read_virt(d->m, va, bytes, sizeof bytes);
    csh h;
    cs_insn *insn;
    ck_assert_int_eq(cs_open(CS_ARCH_X86, CS_MODE_64, &h), CS_ERR_OK);
    cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
    ck_assert_uint_eq(cs_disasm(h, bytes, n, va, 1, &insn), 1);
    snprintf(text, cap, "%s %s", insn[0].mnemonic, insn[0].op_str);
    bool w = false;
    for (int i = 0; i < insn[0].detail->x86.op_count; i++)
        if (insn[0].detail->x86.operands[i].type == X86_OP_MEM &&
            (insn[0].detail->x86.operands[i].access & CS_AC_WRITE))
            w = true;
    cs_free(insn, 1);
    cs_close(&h);
    return w;
}

START_TEST(write_watchpoint_stops_after_the_writing_instruction)
{
    struct dbg *d = start_counter();
    char err[128], text[256];
    uint64_t counter = nm(COUNTER_ELF, "counter"), bump = nm(COUNTER_ELF, "bump");
    int w = dbg_watchpoint_add(d, counter, 8, DBG_WATCH_WRITE, NULL, err, sizeof err);
    ck_assert_int_gt(w, 0);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    ck_assert_int_eq(d->stop.id, w);
    ck_assert_uint_eq(counter_value(d), 42);
    ck_assert(d->stop.have_old);
    ck_assert_uint_eq(d->stop.old_value, 41);
    ck_assert_uint_eq(d->stop.new_value, 42);
    ck_assert_uint_eq(d->stop.addr, counter);
    ck_assert_uint_eq(d->stop.size, 8);
    /* The writer is in bump, and capstone says it writes memory. */
    ck_assert(d->stop.insn_rip > bump && d->stop.insn_rip < nm(COUNTER_ELF, "twice"));
    ck_assert_msg(writes_memory(d, d->stop.insn_rip, text, sizeof text), "%s", text);
    ck_assert_msg(strstr(d->status, "write of 8 bytes to `counter` by pid 1 tid 1 at `bump+0x") &&
                      strstr(d->status, "41 \xe2\x86\x92 42"),
                  "%s", d->status);
    /* Stopped after it: one step back is the writer, with the old value. */
    uint64_t writer = d->stop.insn_rip;
    ck_assert_int_eq(dbg_step_back(d), 0);
    ck_assert_uint_eq(machine_cpu(d->m)->rip, writer);
    ck_assert_uint_eq(counter_value(d), 41);
    /* Forward again: the second write, 42 -> 43. */
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    ck_assert_uint_eq(d->stop.old_value, 41);   /* the same write again: the shadow was refreshed */
    ck_assert_uint_eq(d->stop.new_value, 42);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    ck_assert_uint_eq(d->stop.old_value, 42);
    ck_assert_uint_eq(d->stop.new_value, 43);
    ck_assert_uint_eq(dbg_watchpoint_get(d, w)->hits, 3);
    /* Read watchpoints see printf's argument load; a disabled one nothing. */
    ck_assert_int_eq(dbg_watchpoint_enable(d, w, false), 0);
    int r = dbg_watchpoint_add(d, counter, 8, DBG_WATCH_READ, "cpl == 3", err, sizeof err);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    ck_assert_int_eq(d->stop.id, r);
    ck_assert_int_eq(d->stop.access, DBG_WATCH_READ);
    ck_assert_uint_eq(d->stop.new_value, 43);
    ck_assert_int_eq(dbg_watchpoint_delete(d, r), 0);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_EXIT);
    ck_assert_int_eq(dbg_watchpoint_add(d, counter, 0, DBG_WATCH_WRITE, NULL, err, sizeof err), -1);
    dbg_free(d);
}
END_TEST

/* ---- running backwards -------------------------------------------------- */

START_TEST(reverse_continue_returns_to_the_previous_breakpoint_exactly)
{
    struct dbg *d = start_counter();
    char err[128];
    int b = dbg_break_add(d, nm(COUNTER_ELF, "bump"), NULL, err, sizeof err);
    struct regs first, second, back;
    dbg_run_command(d, DBG_RUN, 100000000);
    regs_now(d, &first);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.id, b);
    regs_now(d, &second);
    ck_assert_uint_eq(counter_value(d), 42);
    /* Past it, into printf's system calls. */
    dbg_step_n(d, 5000);
    ck_assert(dbg_reverse(d, DBG_RUN));
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    ck_assert(d->stop.reverse);
    regs_now(d, &back);
    assert_same_regs(&back, &second);
    ck_assert_uint_eq(counter_value(d), 42);
    /* Again: the first call, with the memory of then. */
    ck_assert(dbg_reverse(d, DBG_RUN));
    regs_now(d, &back);
    assert_same_regs(&back, &first);
    ck_assert_uint_eq(counter_value(d), 41);
    /* And then nothing: the start of history. */
    ck_assert(!dbg_reverse(d, DBG_RUN));
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_HISTORY_START);
    ck_assert_uint_eq(machine_cpu(d->m)->icount, 0);
    ck_assert(!dbg_reverse(d, DBG_STEP));
    /* Forward again meets the same first hit. */
    dbg_run_command(d, DBG_RUN, 100000000);
    regs_now(d, &back);
    assert_same_regs(&back, &first);
    dbg_free(d);
}
END_TEST

/* A long reverse run is scanned in bursts: paused between them it stands
 * at the oldest instant scanned, exactly as a forward run from the start
 * reaches that instant (registers and all of RAM); resumed, it finds the
 * breakpoint. */
START_TEST(reverse_continue_can_be_paused_and_resumed)
{
    struct dbg *d = start_program("build/programs/spin");
    char err[128];
    int b = dbg_break_add(d, nm("build/programs/spin", "main"), NULL, err, sizeof err);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.id, b);
    struct regs hit, paused, again;
    regs_now(d, &hit);
    for (int i = 0; i < 12; i++)
        dbg_step_n(d, 1000000); /* a snapshot after each */
    uint64_t origin = machine_cpu(d->m)->icount;
    dbg_start(d, DBG_REVERSE_RUN);
    ck_assert(dbg_busy(d));
    /* Bursts until a stretch is scanned, then a piece of the next one. */
    for (int i = 0; i < 100 && d->rscan_end == origin; i++)
        ck_assert(!dbg_advance(d, 50000));
    ck_assert_uint_lt(d->rscan_end, origin);
    ck_assert(!dbg_advance(d, 1));
    ck_assert(d->rscan_in_stretch);
    ck_assert(dbg_busy(d));
    uint64_t scanned = d->rscan_end; /* nothing to stop at in [scanned, origin] */
    dbg_pause(d);
    ck_assert(!dbg_busy(d));
    ck_assert_uint_eq(machine_cpu(d->m)->icount, scanned);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_PAUSE);
    ck_assert(d->stop.reverse);
    regs_now(d, &paused);
    ck_assert_uint_lt(paused.icount, origin);
    ck_assert_uint_gt(paused.icount, hit.icount);
    ck_assert_msg(strstr(d->status, "paused"), "%s", d->status);
    /* The oracle: another machine run forwards to the same instant. */
    struct dbg *fresh = start_program("build/programs/spin");
    dbg_step_n(fresh, paused.icount);
    regs_now(fresh, &again);
    assert_same_regs(&paused, &again);
    uint64_t ram = 32 << 20;
    uint8_t *a = malloc(ram), *f = malloc(ram);
    ck_assert(mmu_phys_read(machine_mmu(d->m), 0, a, ram));
    ck_assert(mmu_phys_read(machine_mmu(fresh->m), 0, f, ram));
    ck_assert_msg(memcmp(a, f, ram) == 0, "RAM differs from the forward run's at instruction %llu",
                  (unsigned long long)paused.icount);
    free(a);
    free(f);
    dbg_free(fresh);
    /* Another command during a reverse run ends it there first: step 10
     * runs forwards from the instant it stopped at. */
    dbg_start(d, DBG_REVERSE_RUN);
    ck_assert(!dbg_advance(d, 1));
    uint64_t scanned_to = d->rscan_end;
    dbg_step_n(d, 10);
    ck_assert(!dbg_busy(d));
    uint64_t now = machine_cpu(d->m)->icount; /* (an interrupt delivered at the tenth stops there) */
    ck_assert_msg(now == scanned_to + 10 || (dbg_at_delivery(d) && now == scanned_to + 9), "at %llu, from %llu: %s",
                  (unsigned long long)now, (unsigned long long)scanned_to, d->status);
    /* Resumed: on to the breakpoint, exactly the first hit. */
    dbg_run_command(d, DBG_REVERSE_RUN, 0);
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_BREAKPOINT);
    regs_now(d, &again);
    assert_same_regs(&again, &hit);
    dbg_free(d);
}
END_TEST

START_TEST(reverse_continue_finds_the_writer_of_a_watched_global)
{
    struct dbg *d = start_counter();
    char err[128];
    uint64_t counter = nm(COUNTER_ELF, "counter");
    int w = dbg_watchpoint_add(d, counter, 8, DBG_WATCH_WRITE, NULL, err, sizeof err);
    dbg_run_command(d, DBG_RUN, 100000000);
    dbg_run_command(d, DBG_RUN, 100000000);
    ck_assert_int_eq(d->stop.id, w);
    uint64_t writer = d->stop.insn_rip, at = d->stop.icount;
    dbg_step_n(d, 3000);
    ck_assert(dbg_reverse(d, DBG_RUN));
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    /* Before the second write: the writer is next, the old value in memory. */
    ck_assert_uint_eq(machine_cpu(d->m)->rip, writer);
    ck_assert_uint_eq(machine_cpu(d->m)->icount, at - 1);
    ck_assert_uint_eq(counter_value(d), 42);
    ck_assert_uint_eq(d->stop.old_value, 42);
    ck_assert_uint_eq(d->stop.new_value, 43);
    dbg_free(d);
}
END_TEST

START_TEST(reverse_to_the_previous_syscall_and_page_fault_matches_the_forward_run)
{
    struct dbg *d = start_counter();
    struct regs sys[64], pf[64], back;
    int nsys = 0, npf = 0;
    /* Forward: every syscall entry and every #PF delivery of the first
     * part of the run, as the forward commands stop at them. */
    while (nsys < 64) {
        dbg_run_command(d, DBG_UNTIL_SYSCALL, 100000000);
        if (d->stop.reason != DBG_STOPPED_GOAL)
            break;
        ck_assert_uint_eq(machine_cpu(d->m)->cpl, 0);
        regs_now(d, &sys[nsys++]);
    }
    ck_assert_int_gt(nsys, 4);
    /* Page faults: arena touches pages of its reserved region (counter
     * takes none). */
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_EXIT);
    for (int i = nsys - 1; i >= nsys - 4; i--) {
        ck_assert(dbg_reverse(d, DBG_UNTIL_SYSCALL));
        ck_assert_int_eq(d->stop.reason, DBG_STOPPED_GOAL);
        regs_now(d, &back);
        assert_same_regs(&back, &sys[i]);
    }
    dbg_free(d);
    d = start_program("build/programs/arena");
    while (npf < 64) {
        dbg_run_command(d, DBG_UNTIL_PAGE_FAULT, 100000000);
        if (d->stop.reason != DBG_STOPPED_GOAL)
            break;
        ck_assert(d->stop.in_delivery);
        ck_assert_uint_eq(machine_cpu(d->m)->rip, guest_elf_symbol(KERNEL_ELF, "vector14"));
        regs_now(d, &pf[npf++]);
    }
    ck_assert_int_gt(npf, 2);
    /* From the exit, backwards: the same places, newest first. */
    for (int i = npf - 1; i >= npf - 3; i--) {
        ck_assert(dbg_reverse(d, DBG_UNTIL_PAGE_FAULT));
        ck_assert(d->stop.in_delivery);
        regs_now(d, &back);
        assert_same_regs(&back, &pf[i]);
    }
    dbg_free(d);
}
END_TEST

/* ---- the condition language --------------------------------------------- */

START_TEST(conditions_parse_and_evaluate)
{
    struct cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    cpu.gpr[RAX] = 0;
    cpu.gpr[RBX] = 0x1234;
    cpu.cpl = 3;
    struct cond_env env = {.cpu = &cpu, .pid = 2, .tid = 5};
    struct condition c;
    char err[160];
    static const struct { const char *text; bool value; } ok[] = {
        {"rax == 0", true}, {"pid == 2", true}, {"pid == 3", false}, {"tid != 5", false},
        {"rbx > 0x1000 && cpl == 3", true}, {"rbx < 4660", false}, {"rbx <= 4660", true},
        {"!(pid == 2)", false}, {"pid == 1 || tid == 5", true}, {"  (rax)  ", false},
        {"ebx == 0x1234", true}, {"", true}, {"18446744073709551615 > 0", true},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ck_assert_msg(cond_parse(&c, ok[i].text, err, sizeof err) == 0, "%s: %s", ok[i].text, err);
        ck_assert_msg(cond_eval(&c, &env) == ok[i].value, "%s", ok[i].text);
    }
    static const char *const bad[] = {"rax ==", "== 1", "foo == 1", "(rax == 1", "rax == 1)", "0x",
                                      "18446744073709551616", "rax = 1", "1 2", "rax &&& 1", "12ab"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        ck_assert_msg(cond_parse(&c, bad[i], err, sizeof err) == -1, "%s parsed", bad[i]);
        ck_assert_msg(strstr(err, "condition") != NULL && !strchr(err, '\n'), "%s: %s", bad[i], err);
    }
}
END_TEST

/* Thousands of random and mutated texts: each parses or is refused with a
 * reason; what parses evaluates without reading outside its program. */
START_TEST(condition_parser_survives_fuzzing)
{
    static const char *const seeds[] = {"rax == 0", "pid == 2 && tid != 3", "!(cpl < 3) || rip > 0x401000",
                                        "((((rax))))", "r15d >= 12 && efer == 0xd01"};
    static const char alphabet[] = "()!=<>&| 0123456789abcdefxr_pidtcl\t";
    struct cpu cpu;
    memset(&cpu, 0, sizeof cpu);
    struct cond_env env = {.cpu = &cpu, .pid = 1, .tid = 1};
    srand(1234);
    int parsed = 0;
    for (int i = 0; i < 20000; i++) {
        char text[COND_TEXT + 40];
        size_t n;
        if (i % 2) {
            snprintf(text, sizeof text, "%s", seeds[i % 5]);
            n = strlen(text);
            for (int k = rand() % 4; k >= 0; k--) {
                size_t at = n ? (size_t)rand() % n : 0;
                switch (rand() % 3) {
                case 0: text[at] = alphabet[rand() % (sizeof alphabet - 1)]; break;
                case 1: if (n) memmove(text + at, text + at + 1, n - at), n--; break;
                default:
                    if (n + 1 < sizeof text) {
                        memmove(text + at + 1, text + at, n - at + 1);
                        text[at] = alphabet[rand() % (sizeof alphabet - 1)];
                        n++;
                    }
                }
            }
        } else {
            n = (size_t)rand() % (sizeof text - 1);
            for (size_t k = 0; k < n; k++)
                text[k] = (char)(rand() % 3 ? alphabet[rand() % (sizeof alphabet - 1)] : rand() % 256);
            text[n] = 0;
        }
        struct condition c;
        char err[200] = "";
        if (cond_parse(&c, text, err, sizeof err) == 0) {
            parsed++;
            cond_eval(&c, &env);
        } else {
            ck_assert(err[0] != 0);
        }
    }
    ck_assert_int_gt(parsed, 100);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debugger_runctl");
    TCase *t = tcase_create("runctl");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, conditions_parse_and_evaluate);
    tcase_add_test(t, condition_parser_survives_fuzzing);
    tcase_add_test(t, breakpoint_stops_before_main_and_counts_hits);
    tcase_add_test(t, conditions_and_disable_decide_whether_a_breakpoint_stops);
    tcase_add_test(t, write_watchpoint_stops_after_the_writing_instruction);
    tcase_add_test(t, reverse_continue_returns_to_the_previous_breakpoint_exactly);
    tcase_add_test(t, reverse_continue_finds_the_writer_of_a_watched_global);
    tcase_add_test(t, reverse_continue_can_be_paused_and_resumed);
    tcase_add_test(t, reverse_to_the_previous_syscall_and_page_fault_matches_the_forward_run);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
