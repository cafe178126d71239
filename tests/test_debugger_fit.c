/* test_debugger_fit.c — nothing the user needs is cut silently at a
 * panel's edge.  A guest program with a function name far longer than a
 * stack line and a write(2) whose event line is longer than the events
 * panel stops at that write; at the window's sizes (200x60 default,
 * 240x80), the terminal's 120x40 and a narrow 80x30, the UI model must
 * show the long symbol in the stack panel whole or wrapped onto the next
 * line, every event line either whole or ending in the cut mark, the
 * selected event (the newest) whole, and an explanation longer than its
 * two rows marked and given in full in the events panel. */
#define _GNU_SOURCE
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/model.h"
#include "debugger/session.h"
#include "tests/linux_oracle.h"

#define LONG_NAME "a_function_whose_name_is_far_too_long_for_one_line_of_the_stack_panel_at_any_window_size_we_draw"

static const char *const source =
    "/* the write made here, so the stack's top frame returns into the long name */\n"
    "__attribute__((noinline)) static long leaf(const char *m, long n) {\n"
    "    long r;\n"
    "    __asm__ volatile(\"syscall\" : \"=a\"(r) : \"a\"(1L), \"D\"(1L), \"S\"(m), \"d\"(n) : \"rcx\", \"r11\", \"memory\");\n"
    "    return r;\n"
    "}\n"
    "__attribute__((noinline)) void " LONG_NAME "(void) {\n"
    "    static const char msg[] = \"a line of output long enough that the event which writes it, with the bytes "
    "quoted, cannot fit on one line of the events panel at any size\\n\";\n"
    "    leaf(msg, sizeof msg - 1);\n"
    "    __asm__ volatile(\"\" ::: \"memory\");\n"
    "}\n"
    "int main(void) { " LONG_NAME "(); return 0; }\n";

static void squeeze(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    for (; *in && n + 1 < cap; in++)
        if (!isspace((unsigned char)*in))
            out[n++] = *in;
    out[n] = 0;
}

/* The panel's lines from `first` joined, blanks removed. */
static void joined(const struct ui_model *m, enum ui_panel_id p, int first, int skip, char *out, size_t cap)
{
    char line[512], all[8192] = "";
    for (int i = first; ui_panel_line(m, p, i, line, sizeof line); i++)
        strncat(all, (int)strlen(line) > skip ? line + skip : "", sizeof all - strlen(all) - 1);
    squeeze(all, out, cap);
}

static int explained_in_panel;

static int panel_width(const struct ui_model *m, enum ui_panel_id p) { return m->panel[p].w - 2; }

/* Returns how many event lines were cut (with the mark). */
static int check_size(struct dbg *d, int cols, int rows, int back)
{
    struct ui_model m = {0};
    struct ui_view v = {.events_back = back};
    ck_assert_int_eq(ui_model_build(&m, d, &v, cols, rows), 0);
    char line[512], want[8192], got[8192];

    /* The stack: the long symbol whole, or wrapped onto the next line. */
    int at = ui_panel_find(&m, P_STACK, "a_function_whose");
    if (at < 0)
        for (int i = 0; ui_panel_line(&m, P_STACK, i, line, sizeof line); i++)
            fprintf(stderr, "stack| %s\n", line);
    ck_assert_msg(at >= 0, "%dx%d: no return address into " LONG_NAME " on the stack", cols, rows);
    ui_panel_line(&m, P_STACK, at, line, sizeof line);
    const char *start = strstr(line, "a_function_whose");
    if (!strstr(line, LONG_NAME)) {
        ck_assert_msg((int)strlen(line) == panel_width(&m, P_STACK),
                      "%dx%d: the symbol stops before the edge: '%s'", cols, rows, line);
        /* Continued on the next lines while each fills the panel's width. */
        char next[512], all[2048];
        snprintf(all, sizeof all, "%s", start);
        int i = at + 1;
        for (; (int)strlen(line) == panel_width(&m, P_STACK) && ui_panel_line(&m, P_STACK, i, next, sizeof next);
             i++) {
            strncat(all, next, sizeof all - strlen(all) - 1);
            snprintf(line, sizeof line, "%s", next);
        }
        squeeze(all, got, sizeof got);
        /* Only the panel's last line may cut it, and then with the mark. */
        bool at_bottom = !ui_panel_line(&m, P_STACK, i, next, sizeof next);
        ck_assert_msg(strstr(got, LONG_NAME) || (at_bottom && line[strlen(line) - 1] == UI_CUT_MARK),
                      "%dx%d: the symbol is cut: '%s'", cols, rows, all);
    }

    /* Events: the selected one (the newest, or `back` older) in full,
     * every other line whole or marked. */
    const struct dbg_event *newest = dbg_event_newest(d, 0);
    const struct dbg_event *selected = dbg_event_newest(d, (size_t)back);
    ck_assert_ptr_nonnull(newest);
    char icount[32];
    snprintf(icount, sizeof icount, "%10llu ", (unsigned long long)selected->icount);
    int sel = -1;
    for (int i = 0; ui_panel_line(&m, P_EVENTS, i, line, sizeof line); i++)
        if (strncmp(line, icount, strlen(icount)) == 0)
            sel = i;
    ck_assert_msg(sel >= 0, "%dx%d: the newest event is not in the panel", cols, rows);
    squeeze(selected->text, want, sizeof want);
    joined(&m, P_EVENTS, sel, 11, got, sizeof got);
    ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "%dx%d: the selected event is not whole:\n%s\n%s", cols,
                  rows, want, got);
    int marked = 0;
    for (int i = 0; i < sel && ui_panel_line(&m, P_EVENTS, i, line, sizeof line); i++) {
        bool whole = false;
        for (size_t k = 1; k < d->log_count && !whole; k++) {
            const struct dbg_event *e = dbg_event_newest(d, k);
            char head[32], full[512];
            snprintf(head, sizeof head, "%10llu ", (unsigned long long)e->icount);
            snprintf(full, sizeof full, "%s%s", head, e->text);
            char *end = full + strlen(full);
            while (end > full && end[-1] == ' ')
                *--end = 0;
            whole = strcmp(line, full) == 0;
        }
        ck_assert_msg(whole || line[strlen(line) - 1] == UI_CUT_MARK, "%dx%d: event line cut without a mark: '%s'",
                      cols, rows, line);
        marked += !whole;
    }

    /* The explanation: whole in its two rows, or marked and whole under the selected event. */
    char row1[1024], row2[1024], both[2048];
    int y = UI_STATUS_ROW(&m) + 1;
    ui_row_text(&m, y, row1, sizeof row1);
    ui_row_text(&m, y + 1, row2, sizeof row2);
    snprintf(both, sizeof both, "%s%s", row1, row2);
    squeeze(both, got, sizeof got);
    squeeze(selected->explain, want, sizeof want);
    ck_assert(*want);
    if (!strstr(got, want)) {
        ck_assert_msg(row2[strlen(row2) - 1] == UI_CUT_MARK, "%dx%d: explanation cut without a mark: '%s'", cols,
                      rows, row2);
        /* In full under the selected event, unless the panel has no rows
         * left for it (then its last line is marked). */
        joined(&m, P_EVENTS, sel, 11, got, sizeof got);
        int last = m.panel[P_EVENTS].h - 3;
        ui_panel_line(&m, P_EVENTS, last, line, sizeof line);
        ck_assert_msg(strstr(got, want) || line[strlen(line) - 1] == UI_CUT_MARK,
                      "%dx%d: the cut explanation is nowhere in full", cols, rows);
        explained_in_panel++;
    }
    ui_model_free(&m);
    return marked;
}

START_TEST(long_symbols_events_and_explanations_are_whole_or_marked)
{
    const char *prog = oracle_compile("longnames", "musl-gcc -static", source);
    struct dbg_options o = {.config = {.ram_size = 32 << 20, .kernel_path = ORACLE_KERNEL, .program_path = prog}};
    char err[256];
    struct dbg *d = dbg_new(&o, err, sizeof err);
    ck_assert_msg(d != NULL, "%s", err);
    struct cpu *cpu = machine_cpu(d->m);
    bool found = false;
    for (int i = 0; i < 200 && !found; i++) {
        dbg_run_command(d, DBG_UNTIL_SYSCALL, 200000000);
        found = cpu->gpr[RAX] == 1 && cpu->gpr[RDX] > 100;
    }
    ck_assert_msg(found, "the program's write was not reached");
    ck_assert_uint_eq(cpu->cpl, 0); /* stopped at the kernel's entry, RSP still the program's */
    check_size(d, 200, 60, 0);
    check_size(d, 240, 80, 0);
    /* The terminal's size: its events panel is narrow, lines are cut. */
    ck_assert_int_gt(check_size(d, 120, 40, 0), 0);
    /* Scrolled back: the selected event in full, explained in the bottom rows. */
    for (int back = 1; back < 8; back++)
        check_size(d, 120, 40, back);
    /* Some explanation did not fit its two rows at 120x40 (so that path ran). */
    ck_assert_int_gt(explained_in_panel, 0);
    dbg_free(d);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("debugger_fit");
    TCase *t = tcase_create("fit");
    tcase_set_timeout(t, 300);
    tcase_add_checked_fixture(t, NULL, oracle_cleanup);
    tcase_add_test(t, long_symbols_events_and_explanations_are_whole_or_marked);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? 1 : 0;
}
