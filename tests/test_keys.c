/* test_keys.c — the key-name table and the key-script parser: accepted
 * syntax (units, instruction counts, press, comments, separators, aliases),
 * every error message, ordering rules, file loading, and the board's cursor
 * over the two clocks. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "machine/keys.h"

static struct key_script script;
static char err[256];

static void teardown(void) { keys_free(&script); }

static void parse_ok(const char *text)
{
    int r = keys_parse(text, &script, err, sizeof err);
    ck_assert_msg(r == 0, "'%s' rejected: %s", text, err);
}

static void parse_fails(const char *text, const char *message)
{
    ck_assert_int_eq(keys_parse(text, &script, err, sizeof err), -1);
    ck_assert_str_eq(err, message);
    ck_assert_uint_eq(script.count, 0);
    ck_assert_ptr_null(script.events);
}

static void assert_event(size_t i, enum key_clock clock, uint64_t at, enum key key, bool down,
                         unsigned entry)
{
    ck_assert_uint_lt(i, script.count);
    const struct key_event *e = &script.events[i];
    ck_assert_int_eq(e->clock, clock);
    ck_assert_uint_eq(e->at, at);
    ck_assert_int_eq(e->key, key);
    ck_assert_int_eq(e->down, down);
    ck_assert_uint_eq(e->entry, entry);
}

START_TEST(names_round_trip)
{
    for (int k = KEY_NONE + 1; k < KEY_COUNT; k++) {
        const struct key_info *info = key_info((enum key)k);
        ck_assert_ptr_nonnull(info);
        ck_assert_int_eq(keys_lookup(info->name, strlen(info->name)), k);
    }
    ck_assert_ptr_null(key_info(KEY_NONE));
    ck_assert_ptr_null(key_info(KEY_COUNT));
}
END_TEST

START_TEST(names_and_aliases)
{
    ck_assert_int_eq(keys_lookup("A", 1), KEY_A);
    ck_assert_int_eq(keys_lookup("Enter", 5), KEY_ENTER);
    ck_assert_int_eq(keys_lookup("return", 6), KEY_ENTER);
    ck_assert_int_eq(keys_lookup("shift", 5), KEY_LSHIFT);
    ck_assert_int_eq(keys_lookup("ctrl", 4), KEY_LCTRL);
    ck_assert_int_eq(keys_lookup("alt", 3), KEY_LALT);
    ck_assert_int_eq(keys_lookup("F12", 3), KEY_F12);
    ck_assert_int_eq(keys_lookup("esc", 3), KEY_ESC);
    ck_assert_int_eq(keys_lookup("space", 5), KEY_SPACE);
    ck_assert_int_eq(keys_lookup("/", 1), KEY_SLASH);
    ck_assert_int_eq(keys_lookup("spacebar", 8), KEY_NONE);
    ck_assert_int_eq(keys_lookup("f", 1), KEY_F);
    ck_assert_int_eq(keys_lookup("f1", 2), KEY_F1);
}
END_TEST

START_TEST(table_has_documented_codes)
{
    /* IBM scan code sets 1 and 2 (OSDev "PS/2 Keyboard" tables). */
    ck_assert_uint_eq(key_info(KEY_A)->set1, 0x1E);
    ck_assert_uint_eq(key_info(KEY_A)->set2, 0x1C);
    ck_assert_uint_eq(key_info(KEY_ESC)->set1, 0x01);
    ck_assert_uint_eq(key_info(KEY_ENTER)->set2, 0x5A);
    ck_assert_uint_eq(key_info(KEY_F7)->set2, 0x83);
    ck_assert(key_info(KEY_UP)->e0);
    ck_assert_uint_eq(key_info(KEY_UP)->set1, 0x48);
    ck_assert(!key_info(KEY_KP_8)->e0);
    ck_assert_uint_eq(key_info(KEY_KP_8)->set1, 0x48);
}
END_TEST

START_TEST(parses_units_and_actions)
{
    parse_ok("@5ms a down, @6ms a up\n@7000us b press, @8000000ns Enter DOWN, @1s enter up");
    ck_assert_uint_eq(script.count, 6);
    ck_assert_uint_eq(script.count_ns, 6);
    assert_event(0, KEY_AT_NS, 5000000, KEY_A, true, 1);
    assert_event(1, KEY_AT_NS, 6000000, KEY_A, false, 2);
    assert_event(2, KEY_AT_NS, 7000000, KEY_B, true, 3);
    assert_event(3, KEY_AT_NS, 8000000, KEY_ENTER, true, 4);
    assert_event(4, KEY_AT_NS, 7000000 + KEYS_PRESS_NS, KEY_B, false, 3); /* 17 ms */
    assert_event(5, KEY_AT_NS, 1000000000, KEY_ENTER, false, 5);
}
END_TEST

START_TEST(instruction_counts)
{
    parse_ok("#120000 x press, @1ms y down, #120000 z down");
    ck_assert_uint_eq(script.count, 4);
    ck_assert_uint_eq(script.count_ns, 1);
    assert_event(0, KEY_AT_NS, 1000000, KEY_Y, true, 2);
    assert_event(1, KEY_AT_INSN, 120000, KEY_X, true, 1);
    assert_event(2, KEY_AT_INSN, 120000, KEY_Z, true, 3);
    assert_event(3, KEY_AT_INSN, 120000 + KEYS_PRESS_INSNS, KEY_X, false, 1);
}
END_TEST

START_TEST(comments_and_blank_entries)
{
    parse_ok("// typing test, with a comma in the comment\n"
             "\n"
             "  @1ms   h  press   // first key\n"
             ",,\n"
             "\t@30ms i press,\r\n"
             "// the end");
    ck_assert_uint_eq(script.count, 4);
    assert_event(0, KEY_AT_NS, 1000000, KEY_H, true, 1);
    assert_event(3, KEY_AT_NS, 40000000, KEY_I, false, 2);
}
END_TEST

START_TEST(empty_script)
{
    parse_ok("");
    ck_assert_uint_eq(script.count, 0);
    parse_ok("  // nothing\n");
    ck_assert_uint_eq(script.count, 0);
}
END_TEST

START_TEST(equal_times_keep_script_order)
{
    parse_ok("@2ms lshift down, @2ms a down, @2ms a up, @2ms lshift up");
    assert_event(0, KEY_AT_NS, 2000000, KEY_LSHIFT, true, 1);
    assert_event(1, KEY_AT_NS, 2000000, KEY_A, true, 2);
    assert_event(2, KEY_AT_NS, 2000000, KEY_A, false, 3);
    assert_event(3, KEY_AT_NS, 2000000, KEY_LSHIFT, false, 4);
}
END_TEST

START_TEST(error_messages)
{
    parse_fails("@5ms a", "entry 1: expected WHEN KEY ACTION (like '@5ms a press'), got '@5ms a'");
    parse_fails(" \t@5ms a \t", "entry 1: expected WHEN KEY ACTION (like '@5ms a press'), got '@5ms a'");
    parse_fails("@1ms a down, @5ms a press extra", "entry 2: unexpected 'extra' after the action");
    parse_fails("5ms a down", "entry 1: bad time '5ms': expected @<number><unit> or #<instructions>");
    parse_fails("@ms a down", "entry 1: bad time '@ms': expected @<number><unit> or #<instructions>");
    parse_fails("@5 a down", "entry 1: time '@5' needs a unit: ns, us, ms or s");
    parse_fails("@5min a down", "entry 1: bad time unit in '@5min': use ns, us, ms or s");
    parse_fails("@99999999999999999999ns a down",
                "entry 1: time '@99999999999999999999ns' is too large");
    parse_fails("@18446744073709552s a down", "entry 1: time '@18446744073709552s' is too large");
    parse_fails("#12x a down", "entry 1: bad instruction count '#12x': expected #<digits>");
    parse_fails("#", "entry 1: expected WHEN KEY ACTION (like '@5ms a press'), got '#'");
    parse_fails("# a down", "entry 1: bad instruction count '#': expected #<digits>");
    parse_fails("#99999999999999999999 a down",
                "entry 1: instruction count '#99999999999999999999' is too large");
    parse_fails("@1ms foo down", "entry 1: unknown key name 'foo'");
    parse_fails("@1ms a tap", "entry 1: unknown action 'tap': expected down, up or press");
    parse_fails("@5ms a down\n// comment\n@3ms a up",
                "entry 2: '@3ms' is earlier than entry 1: @-entries must be in time order");
    parse_fails("#10 a down, @1ms b down, #9 a up",
                "entry 3: '#9' is earlier than entry 1: #-entries must be in time order");
    parse_fails("#18446744073709551615 a press",
                "entry 1: '#18446744073709551615' is too late for a press");
}
END_TEST

START_TEST(long_tokens_are_cut_in_messages)
{
    parse_fails("@1ms abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz down",
                "entry 1: unknown key name 'abcdefghijklmnopqrstuvwxyzabcdefghijklmn'");
}
END_TEST

START_TEST(file_loading)
{
    char path[] = "/tmp/ringscope-keys-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *text = "@1ms q press\n@2ms zz down\n";
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    ck_assert_int_eq(keys_parse_file(path, &script, err, sizeof err), -1);
    char expect[300];
    snprintf(expect, sizeof expect, "%s: entry 2: unknown key name 'zz'", path);
    ck_assert_str_eq(err, expect);

    FILE *f = fopen(path, "w");
    fputs("@1ms q press\n", f);
    fclose(f);
    ck_assert_int_eq(keys_parse_file(path, &script, err, sizeof err), 0);
    ck_assert_uint_eq(script.count, 2);
    unlink(path);
    keys_free(&script);

    ck_assert_int_eq(keys_parse_file("/nonexistent/keys", &script, err, sizeof err), -1);
    ck_assert_str_eq(err, "cannot read /nonexistent/keys: No such file or directory");
}
END_TEST

START_TEST(cursor_over_both_clocks)
{
    parse_ok("@1ms a down, #100 b down, @2ms a up, #50000 b up");
    struct key_cursor c;
    keys_cursor_init(&c, &script);
    ck_assert_uint_eq(keys_next_deadline(&c), 1000000);
    ck_assert_ptr_null(keys_next_due(&c, 99, 999999));
    const struct key_event *e = keys_next_due(&c, 100, 999999);
    ck_assert_int_eq(e->key, KEY_B);
    ck_assert_ptr_null(keys_next_due(&c, 100, 999999));
    e = keys_next_due(&c, 60000, 5000000); /* both clocks due: script order */
    ck_assert(e->key == KEY_A && e->down);
    e = keys_next_due(&c, 60000, 5000000);
    ck_assert(e->key == KEY_A && !e->down);
    ck_assert_uint_eq(keys_next_deadline(&c), UINT64_MAX);
    e = keys_next_due(&c, 60000, 5000000);
    ck_assert(e->key == KEY_B && !e->down);
    ck_assert_ptr_null(keys_next_due(&c, UINT64_MAX, UINT64_MAX));
}
END_TEST

static Suite *keys_suite(void)
{
    Suite *s = suite_create("keys");
    TCase *tc = tcase_create("script");
    tcase_add_checked_fixture(tc, NULL, teardown);
    tcase_add_test(tc, names_round_trip);
    tcase_add_test(tc, names_and_aliases);
    tcase_add_test(tc, table_has_documented_codes);
    tcase_add_test(tc, parses_units_and_actions);
    tcase_add_test(tc, instruction_counts);
    tcase_add_test(tc, comments_and_blank_entries);
    tcase_add_test(tc, empty_script);
    tcase_add_test(tc, equal_times_keep_script_order);
    tcase_add_test(tc, error_messages);
    tcase_add_test(tc, long_tokens_are_cut_in_messages);
    tcase_add_test(tc, file_loading);
    tcase_add_test(tc, cursor_over_both_clocks);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(keys_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
