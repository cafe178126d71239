/* test_debugger_command.c — the debugger's command language
 * (debugger/command.h): what each form parses to and the errors it gives,
 * a parser fuzz test (random and mutated lines never crash it; what parses
 * formats back to text that parses to the same command), and commands
 * executed on hello running on the guest kernel, checked against oracles
 * we did not write: nm for symbol addresses, the page-table entries read
 * by hand from physical memory (the SDM's 4-level layout) for walk, the
 * stack bytes read through that walk for x. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "debugger/command.h"
#include "debugger/font.h"
#include "tests/guest_elf.h"

#define KERNEL_ELF "build/os/kernel.elf"
#define HELLO_ELF "build/programs/hello"

static struct dbgcmd parse_ok(const char *line)
{
    struct dbgcmd c;
    char err[256] = "";
    ck_assert_msg(dbgcmd_parse(line, &c, err, sizeof err) == 0, "'%s': %s", line, err);
    return c;
}

static void parse_fails(const char *line, const char *words)
{
    struct dbgcmd c;
    char err[256] = "";
    ck_assert_msg(dbgcmd_parse(line, &c, err, sizeof err) != 0, "'%s' parsed", line);
    ck_assert_msg(strstr(err, words), "'%s': error '%s' lacks '%s'", line, err, words);
    ck_assert_ptr_null(strchr(err, '\n'));
}

START_TEST(every_form_parses)
{
    struct dbgcmd c = parse_ok("break main");
    ck_assert_int_eq(c.kind, DC_BREAK);
    ck_assert_str_eq(c.where, "main");
    ck_assert(!c.has_cond);
    c = parse_ok("  b   0x401000   if  rax==0  ");
    ck_assert_str_eq(c.where, "0x401000");
    ck_assert(c.has_cond);
    ck_assert_str_eq(c.cond, "rax==0");
    c = parse_ok("break if pid >= 2 && cpl == 3");
    ck_assert_str_eq(c.where, "");
    ck_assert_str_eq(c.cond, "pid >= 2 && cpl == 3");
    c = parse_ok("watch counter 8 if rip != 0");
    ck_assert(c.kind == DC_WATCH && c.n == 8 && strcmp(c.cond, "rip != 0") == 0);
    c = parse_ok("break");
    ck_assert_int_eq(c.kind, DC_BREAK);
    c = parse_ok("delete");
    ck_assert(c.kind == DC_DELETE && !c.has_n);
    c = parse_ok("delete 3");
    ck_assert(c.has_n && c.n == 3);
    c = parse_ok("enable 2");
    ck_assert(c.kind == DC_ENABLE && c.n == 2);
    c = parse_ok("disable 0x10");
    ck_assert(c.kind == DC_DISABLE && c.n == 16);
    c = parse_ok("watch counter");
    ck_assert(c.kind == DC_WATCH && !c.has_n && strcmp(c.where, "counter") == 0);
    c = parse_ok("rwatch 0x408008 4");
    ck_assert(c.kind == DC_RWATCH && c.n == 4);
    c = parse_ok("awatch $rsp-8 8");
    ck_assert(c.kind == DC_AWATCH && strcmp(c.where, "$rsp-8") == 0);
    c = parse_ok("x main 32");
    ck_assert(c.kind == DC_X && c.n == 32);
    c = parse_ok("walk 0x7fffffffe000 2");
    ck_assert(c.kind == DC_WALK && c.n == 2);
    ck_assert_int_eq(parse_ok("ps").kind, DC_PS);
    ck_assert_int_eq(parse_ok("goto kernel:syscall_entry").kind, DC_GOTO);
    c = parse_ok("step 1000");
    ck_assert(c.kind == DC_STEP && c.n == 1000);
    ck_assert_int_eq(parse_ok("si").kind, DC_STEP);
    ck_assert_int_eq(parse_ok("next").kind, DC_NEXT);
    ck_assert_int_eq(parse_ok("finish").kind, DC_FINISH);
    ck_assert_int_eq(parse_ok("c").kind, DC_CONTINUE);
    ck_assert_int_eq(parse_ok("until syscall").until, DBG_UNTIL_SYSCALL);
    ck_assert_int_eq(parse_ok("until fault").until, DBG_UNTIL_PAGE_FAULT);
    ck_assert_int_eq(parse_ok("until interrupt").until, DBG_UNTIL_INTERRUPT);
    ck_assert_int_eq(parse_ok("until ring").until, DBG_UNTIL_RING);
    ck_assert_int_eq(parse_ok("reverse-step").kind, DC_REVERSE_STEP);
    ck_assert_int_eq(parse_ok("rc").kind, DC_REVERSE_CONTINUE);
    ck_assert_int_eq(parse_ok("info break").kind, DC_INFO_BREAK);
    c = parse_ok("help watch");
    ck_assert(c.kind == DC_HELP && c.topic == DC_WATCH);
    ck_assert_int_eq(parse_ok("quit").kind, DC_QUIT);
    ck_assert_int_eq(parse_ok("   # a comment").kind, DC_NONE);
    ck_assert_int_eq(parse_ok("").kind, DC_NONE);
    ck_assert_uint_eq(dbgcmd_help_count(), DC_COUNT - 1);
    ck_assert_ptr_nonnull(strstr(dbgcmd_help_line(0), "break [ADDR|SYM] [if COND]"));
}
END_TEST

START_TEST(errors_say_what_is_wrong)
{
    parse_fails("frobnicate", "unknown command 'frobnicate'");
    parse_fails("break main if", "a condition after 'if'");
    parse_fails("break main if rax ==", "break: condition 'rax =='");
    parse_fails("break main if xmm0 == 1", "break: condition 'xmm0 == 1'");
    parse_fails("watch counter if", "a condition after 'if'");
    parse_fails("break main when rax == 1", "unexpected 'when'");
    parse_fails("delete two", "'two' is not a positive number");
    parse_fails("enable", "needs a breakpoint number");
    parse_fails("watch", "needs an address or a symbol");
    parse_fails("x main 0", "length from 1 to 4096");
    parse_fails("x main 5000", "length from 1 to 4096");
    parse_fails("goto a b", "unexpected 'b'");
    parse_fails("step -1", "'-1' is not a positive number");
    parse_fails("step 99999999999999999999999", "is not a positive number");
    parse_fails("until lunch", "expected syscall, fault, interrupt or ring (not 'lunch')");
    parse_fails("until", "expected syscall, fault, interrupt or ring");
    parse_fails("next 3", "next takes nothing after it");
    parse_fails("info registers", "expected 'info break'");
    parse_fails("help me", "no command 'me'");
    parse_fails("x \x01", "unexpected character 0x01");
    char longline[400];
    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = 0;
    parse_fails(longline, "command too long");
}
END_TEST

/* Two parses of the same command agree on everything but the text the
 * condition was typed as. */
static void same_command(const struct dbgcmd *a, const struct dbgcmd *b, const char *line)
{
    ck_assert_msg(a->kind == b->kind && strcmp(a->where, b->where) == 0 && a->has_n == b->has_n &&
                      (!a->has_n || a->n == b->n) && a->has_cond == b->has_cond && a->until == b->until &&
                      a->topic == b->topic,
                  "'%s' does not round-trip", line);
    ck_assert_str_eq(a->cond, b->cond);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

START_TEST(fuzzed_lines_never_crash_and_round_trip)
{
    static const char *const seeds[] = {
        "break main if rax == 0", "b 0x401000", "delete 3", "enable 1", "disable 2", "watch counter 8",
        "rwatch $rsp+16 4", "awatch 0x408008", "x main 64", "walk 0x7fffffffe000 2", "ps", "goto main+0x10",
        "step 5", "next", "finish", "continue", "until syscall", "until ring", "reverse-step",
        "reverse-continue", "info break", "help x", "quit", "break if pid != 1", "watch counter 4 if (rax > 1) || !cpl",
    };
    static const char alphabet[] = " \t#$+-=!<>()&|0123456789abcdefxipr_:.\x01\x7f\xff";
    int parsed = 0, rejected = 0;
    for (int iter = 0; iter < 200000; iter++) {
        char line[DBGCMD_LINE + 40];
        size_t n;
        if (rng() % 4 == 0) {
            /* Random bytes (including over-long lines). */
            n = rng() % (sizeof line - 1);
            for (size_t i = 0; i < n; i++)
                line[i] = (char)(rng() % 255 + 1);
        } else {
            /* A valid command, mutated: replace, insert or delete a few characters. */
            const char *s = seeds[rng() % (sizeof seeds / sizeof seeds[0])];
            n = strlen(s);
            memcpy(line, s, n);
            for (int m = (int)(rng() % 4); m > 0; m--) {
                size_t at = n ? rng() % n : 0;
                char ch = alphabet[rng() % (sizeof alphabet - 1)];
                switch (rng() % 3) {
                case 0: if (n) line[at] = ch; break;
                case 1:
                    if (n + 1 < sizeof line) {
                        memmove(line + at + 1, line + at, n - at);
                        line[at] = ch;
                        n++;
                    }
                    break;
                default:
                    if (n) {
                        memmove(line + at, line + at + 1, n - at - 1);
                        n--;
                    }
                }
            }
        }
        line[n] = 0;
        struct dbgcmd c, again;
        char err[256] = "", text[DBGCMD_LINE * 2];
        if (dbgcmd_parse(line, &c, err, sizeof err) != 0) {
            ck_assert_msg(err[0] && !strchr(err, '\n'), "no one-line reason for '%s'", line);
            rejected++;
            continue;
        }
        parsed++;
        dbgcmd_format(&c, text, sizeof text);
        ck_assert_msg(dbgcmd_parse(text, &again, err, sizeof err) == 0, "'%s' formats as '%s': %s", line, text, err);
        same_command(&c, &again, line);
    }
    ck_assert_int_gt(parsed, 20000);
    ck_assert_int_gt(rejected, 20000);
}
END_TEST

START_TEST(history_recalls_lines)
{
    struct dbgcmd_history h = {0};
    char input[DBGCMD_LINE] = "";
    dbgcmd_history_add(&h, "break main");
    dbgcmd_history_add(&h, "continue");
    dbgcmd_history_add(&h, "continue");   /* repeated: kept once */
    dbgcmd_history_add(&h, "   ");        /* blank: not kept */
    ck_assert_int_eq(h.count, 2);
    snprintf(input, sizeof input, "x ma");
    dbgcmd_history_move(&h, -1, input, sizeof input);
    ck_assert_str_eq(input, "continue");
    dbgcmd_history_move(&h, -1, input, sizeof input);
    ck_assert_str_eq(input, "break main");
    dbgcmd_history_move(&h, -1, input, sizeof input);   /* the oldest stays */
    ck_assert_str_eq(input, "break main");
    dbgcmd_history_move(&h, 1, input, sizeof input);
    dbgcmd_history_move(&h, 1, input, sizeof input);
    ck_assert_str_eq(input, "x ma");                     /* back to what was being typed */
    for (int i = 0; i < 3 * DBGCMD_HISTORY; i++) {
        char line[32];
        snprintf(line, sizeof line, "step %d", i + 1);
        dbgcmd_history_add(&h, line);
    }
    ck_assert_int_eq(h.count, DBGCMD_HISTORY);
    dbgcmd_history_move(&h, -1, input, sizeof input);
    ck_assert_str_eq(input, "step 192");
}
END_TEST

/* ---- on a running guest ---------------------------------------------- */

static struct dbg *start_hello(void)
{
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF, .program_path = HELLO_ELF}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    return d;
}

static struct dbgcmd_result run_line(struct dbg *d, struct ui_view *v, const char *line)
{
    struct dbgcmd_result r;
    dbgcmd_execute_line(d, v, line, &r);
    if (r.outcome == DBGCMD_RUN) {
        /* As the --commands script does: run it, then say how it stopped. */
        dbg_run_command(d, r.run, 50000000);
        dbgcmd_describe_stop(d, r.message, sizeof r.message);
    }
    return r;
}

/* The 4-level walk done by hand (SDM Vol. 3A §4.5): each entry's address
 * is the previous level's frame + index * 8. */
static void walk_by_hand(struct dbg *d, uint64_t va, uint64_t entry[4], uint64_t *pa)
{
    struct mmu *mmu = machine_mmu(d->m);
    uint64_t table = machine_cpu(d->m)->cr3 & 0x000ffffffffff000ull;
    for (int l = 0; l < 4; l++) {
        uint64_t idx = (va >> (39 - 9 * l)) & 511;
        ck_assert(mmu_phys_read(mmu, table + idx * 8, &entry[l], 8));
        ck_assert_msg(entry[l] & 1, "level %d not present", l);
        ck_assert_msg(!(entry[l] & 0x80) || l == 3, "large page in the user half");
        table = entry[l] & 0x000ffffffffff000ull;
    }
    *pa = table | (va & 0xfff);
}

START_TEST(commands_act_on_hello)
{
    struct dbg *d = start_hello();
    struct ui_view v = {.speed = 1000};
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t main_va = guest_elf_symbol(HELLO_ELF, "main");
    ck_assert_uint_ne(main_va, 0);

    struct dbgcmd_result r = run_line(d, &v, "break main");
    ck_assert_int_eq(r.outcome, DBGCMD_DONE);
    ck_assert(dbg_has_breakpoint(d, main_va));
    char want[128];
    snprintf(want, sizeof want, "breakpoint 1 at 0x%llx <main>", (unsigned long long)main_va);
    ck_assert_str_eq(r.message, want);
    r = run_line(d, &v, "break main");
    ck_assert_msg(strstr(r.message, "breakpoint 1 is already at"), "%s", r.message);
    ck_assert_uint_eq(d->nbp, 1);
    r = run_line(d, &v, "continue");
    ck_assert_int_eq(r.outcome, DBGCMD_RUN);
    ck_assert_uint_eq(cpu->rip, main_va);
    ck_assert_uint_eq(cpu->cpl, 3);

    /* x $rsp 8: the return address main was called with, the bytes the
     * hand walk finds in physical memory. */
    uint64_t entry[4], pa, ret;
    walk_by_hand(d, cpu->gpr[RSP], entry, &pa);
    ck_assert(mmu_phys_read(machine_mmu(d->m), pa, &ret, 8));
    r = run_line(d, &v, "x $rsp 8");
    snprintf(want, sizeof want, "0x%llx:", (unsigned long long)cpu->gpr[RSP]);
    ck_assert_msg(strncmp(r.message, want, strlen(want)) == 0, "%s", r.message);
    char bytes[64] = "";
    for (int i = 0; i < 8; i++)
        snprintf(bytes + 3 * i, sizeof bytes - 3 * (size_t)i, " %02x", (unsigned)(ret >> (8 * i)) & 0xff);
    ck_assert_msg(strstr(r.message, bytes), "%s lacks%s", r.message, bytes);
    ck_assert_int_eq(v.mem_mode, MEM_VIRTUAL); /* the memory panel is pointed there */
    ck_assert_uint_eq(v.mem_addr, cpu->gpr[RSP]);

    /* walk main: every entry and the physical address as the hand walk. */
    walk_by_hand(d, main_va, entry, &pa);
    r = run_line(d, &v, "walk main");
    for (int l = 0; l < 4; l++) {
        static const char *const level[4] = {"PML4", "PDPT", "PD", "PT"};
        snprintf(want, sizeof want, "%s[%u]=%llx", level[l], (unsigned)((main_va >> (39 - 9 * l)) & 511),
                 (unsigned long long)entry[l]);
        ck_assert_msg(strstr(r.message, want), "%s lacks %s", r.message, want);
    }
    snprintf(want, sizeof want, "physical 0x%llx", (unsigned long long)pa);
    ck_assert_msg(strstr(r.message, want), "%s lacks %s", r.message, want);
    /* ... and the walk panel is pointed there (the current process). */
    ck_assert(v.walk_active);
    ck_assert_uint_eq(v.walk_va, main_va);
    ck_assert_uint_eq(v.walk_pid, 0);
    /* An address nothing maps: which level's entry is missing. */
    r = run_line(d, &v, "walk 0x500000000000");
    ck_assert_msg(strstr(r.message, "not mapped: the PML4 entry is not present"), "%s", r.message);
    /* Another process's address space: there is only pid 1. */
    r = run_line(d, &v, "walk main 7");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    ck_assert_ptr_nonnull(strstr(r.message, "no process 7"));

    r = run_line(d, &v, "ps");
    ck_assert_msg(strstr(r.message, "pid 1 hello R (running), threads 1 "), "%s", r.message);

    /* goto: the view, not the machine. */
    r = run_line(d, &v, "goto main+4");
    ck_assert(v.goto_active);
    ck_assert_uint_eq(v.goto_addr, main_va + 4);
    ck_assert_uint_eq(cpu->rip, main_va);

    /* step N, reverse-step. */
    uint64_t at = cpu->icount;
    run_line(d, &v, "step 5");
    ck_assert_uint_eq(cpu->icount, at + 5);
    r = run_line(d, &v, "reverse-step");
    ck_assert_int_eq(r.outcome, DBGCMD_DONE);
    ck_assert_uint_eq(cpu->icount, at + 4);

    /* until syscall: the kernel's entry point in ring 0. */
    run_line(d, &v, "until syscall");
    ck_assert_uint_eq(cpu->rip, guest_elf_symbol(KERNEL_ELF, "syscall_entry"));
    ck_assert_uint_eq(cpu->cpl, 0);

    /* Errors change nothing. */
    at = cpu->icount;
    r = run_line(d, &v, "break no_such_function");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    ck_assert_str_eq(r.message, "no symbol or address 'no_such_function'");
    r = run_line(d, &v, "x $xmm0");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    ck_assert_uint_eq(cpu->icount, at);
    ck_assert_uint_eq(d->nbp, 1);

    r = run_line(d, &v, "info break");
    snprintf(want, sizeof want, "1: break 0x%llx <main>, 1 hit", (unsigned long long)main_va);
    ck_assert_str_eq(r.message, want);
    r = run_line(d, &v, "delete 1");
    ck_assert_str_eq(r.message, "deleted breakpoint 1");
    ck_assert_uint_eq(d->nbp, 0);
    r = run_line(d, &v, "delete 1");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    r = run_line(d, &v, "continue");
    ck_assert_int_eq(machine_exit_status(d->m), 0);
    dbg_free(d);
}
END_TEST

/* Watchpoints, enable/disable and running backwards on tests/gdb/counter
 * (counter = 41; bump() adds 1, called twice): the counter's value read
 * from guest memory at nm's address decides where the machine is. */
#define COUNTER_ELF "build/tests/gdb/counter"

static uint64_t counter_value(struct dbg *d)
{
    uint64_t v = 0;
    ck_assert_uint_eq(machine_read_virt(d->m, guest_elf_symbol(COUNTER_ELF, "counter"), &v, 8), 8);
    return v;
}

START_TEST(watch_enable_and_reverse_on_counter)
{
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = KERNEL_ELF, .program_path = COUNTER_ELF}};
    char err[256], want[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct ui_view v = {.speed = 1000};
    struct cpu *cpu = machine_cpu(d->m);
    uint64_t counter = guest_elf_symbol(COUNTER_ELF, "counter"), bump = guest_elf_symbol(COUNTER_ELF, "bump");
    ck_assert(counter && bump);

    struct dbgcmd_result r = run_line(d, &v, "watch counter");
    snprintf(want, sizeof want, "watchpoint 1: stop when 8 bytes at 0x%llx <counter> are written",
             (unsigned long long)counter);
    ck_assert_str_eq(r.message, want);
    run_line(d, &v, "continue");
    ck_assert_int_eq(d->stop.reason, DBG_STOPPED_WATCHPOINT);
    ck_assert_uint_eq(counter_value(d), 42);
    char stop[DBGCMD_MESSAGE];
    dbgcmd_describe_stop(d, stop, sizeof stop);
    ck_assert_msg(strstr(stop, "write of 8 bytes to `counter`") && strstr(stop, "41 \xe2\x86\x92 42") &&
                      strstr(stop, "ring 3, rip 0x"),
                  "%s", stop);
    /* The status line draws the arrow with the font's arrow, one cell. */
    struct ui_model m = {0};
    ck_assert_int_eq(ui_model_build(&m, d, &v, 200, 60), 0);
    char row[512];
    ck_assert(ui_row_text(&m, UI_STATUS_ROW(&m), row, sizeof row));
    char *arrow = strstr(row, "41 # 42");
    ck_assert_msg(arrow, "status: %s", row);
    ck_assert_int_eq(m.cells[(UI_STATUS_ROW(&m)) * m.cols + (arrow - row) + 3].ch, FONT_RIGHT);
    ui_model_free(&m);
    r = run_line(d, &v, "info break");
    snprintf(want, sizeof want, "1: watch 8 bytes at 0x%llx <counter>, 1 hit", (unsigned long long)counter);
    ck_assert_str_eq(r.message, want);

    /* disable 1, break bump: the second call stops there, counter 42. */
    r = run_line(d, &v, "disable 1");
    ck_assert_str_eq(r.message, "watchpoint 1 disabled");
    r = run_line(d, &v, "break bump if cpl == 3");
    snprintf(want, sizeof want, "breakpoint 2 at 0x%llx <bump> if cpl == 3", (unsigned long long)bump);
    ck_assert_str_eq(r.message, want);
    run_line(d, &v, "continue");
    ck_assert_uint_eq(cpu->rip, bump);
    ck_assert_uint_eq(counter_value(d), 42);
    r = run_line(d, &v, "info break");
    ck_assert_msg(strstr(r.message, "1 hit (disabled); 2: break ") && strstr(r.message, "if cpl == 3"), "%s",
                  r.message);

    /* reverse-continue: backwards to the previous hit of an enabled point,
     * breakpoint 2 at the first call of bump (set later, but history is
     * searched with the points as they are now): counter is 41 again. */
    r = run_line(d, &v, "reverse-continue");
    ck_assert_msg(strstr(r.message, "backwards to breakpoint 2"), "%s", r.message);
    ck_assert_uint_eq(cpu->rip, bump);
    ck_assert_uint_eq(counter_value(d), 41);
    uint64_t at = cpu->icount;
    r = run_line(d, &v, "reverse-step");
    ck_assert_uint_eq(cpu->icount, at - 1);
    r = run_line(d, &v, "enable 1");
    ck_assert_str_eq(r.message, "watchpoint 1 enabled");
    r = run_line(d, &v, "delete 2");
    ck_assert_str_eq(r.message, "deleted breakpoint 2");
    r = run_line(d, &v, "enable 2");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    ck_assert_str_eq(r.message, "no breakpoint or watchpoint 2 (info break lists them)");
    r = run_line(d, &v, "watch counter 0x40000001");
    ck_assert_int_eq(r.outcome, DBGCMD_ERROR);
    r = run_line(d, &v, "delete");
    ck_assert_str_eq(r.message, "deleted 1 breakpoint and watchpoint");
    dbg_free(d);
}
END_TEST

/* A script: each line echoed, then what it did; the first bad line stops
 * it with FILE:LINE. */
START_TEST(scripts_replay_and_stop_at_errors)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/ringscope-cmds-%d.txt", (int)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("# find main\nbreak main\n\ncontinue\nstep 2\nfrobnicate\ncontinue\n", f);
    fclose(f);
    struct dbg *d = start_hello();
    struct ui_view v = {.speed = 1000};
    char *out = NULL, err[256];
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    f = fopen(path, "r");
    bool quit = false;
    int rc = dbgcmd_run_script(d, &v, f, "lesson", o, 0, &quit, err, sizeof err);
    fclose(f);
    fclose(o);
    ck_assert_int_eq(rc, -1);
    ck_assert_str_eq(err, "lesson:6: unknown command 'frobnicate' (help lists the commands)");
    uint64_t main_va = guest_elf_symbol(HELLO_ELF, "main");
    char want[512];
    snprintf(want, sizeof want,
             "(rs) break main\nbreakpoint 1 at 0x%llx <main>\n(rs) continue\nbreakpoint 1 at `main`; insn %llu, ring 3, "
             "rip 0x%llx <main>\n(rs) step 2\n",
             (unsigned long long)main_va, (unsigned long long)machine_cpu(d->m)->icount - 2,
             (unsigned long long)main_va);
    ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "got:\n%s\nwant:\n%s", out, want);
    ck_assert_ptr_null(strstr(out, "frobnicate"));
    ck_assert(!quit);
    free(out);
    dbg_free(d);
    unlink(path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_command");
    TCase *t = tcase_create("command");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, every_form_parses);
    tcase_add_test(t, errors_say_what_is_wrong);
    tcase_add_test(t, fuzzed_lines_never_crash_and_round_trip);
    tcase_add_test(t, history_recalls_lines);
    tcase_add_test(t, commands_act_on_hello);
    tcase_add_test(t, scripts_replay_and_stop_at_errors);
    tcase_add_test(t, watch_enable_and_reverse_on_counter);
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
