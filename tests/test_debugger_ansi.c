/* test_debugger_ansi.c — the UI model on a terminal (debugger/ansi.h):
 * xterm's 256-colour table (the cube levels and grey ramp as xterm's
 * 256colres.pl defines them), the UTF-8 of the font's symbols, a first
 * frame that paints every cell, and a second frame that writes only the
 * cell that changed, at the right place (CUP is 1-based, ECMA-48 §8.3.21). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "debugger/ansi.h"
#include "debugger/font.h"

START_TEST(xterm_colours_and_glyphs)
{
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){255, 0, 0}), 196);
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){0, 0, 0}), 16);
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){255, 255, 255}), 231);
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){95, 135, 175}), 16 + 36 * 1 + 6 * 2 + 3);
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){128, 128, 128}), 244);   /* grey 8 + 10 * 12 */
    ck_assert_int_eq(ansi_color_index((struct ui_rgb){18, 18, 18}), 233);
    ck_assert_str_eq(ansi_glyph(FONT_HLINE), "\xe2\x94\x80");                  /* U+2500 */
    ck_assert_str_eq(ansi_glyph(FONT_VLINE), "\xe2\x94\x82");                  /* U+2502 */
    ck_assert_str_eq(ansi_glyph(FONT_BLOCK), "\xe2\x96\x88");                  /* U+2588 */
    ck_assert_str_eq(ansi_glyph(FONT_BULLET), "\xe2\x97\x8f");                 /* U+25CF */
    ck_assert_str_eq(ansi_glyph('A'), "A");
    ck_assert_str_eq(ansi_glyph(0x1b), "?");                                   /* never a raw control byte */
}
END_TEST

static int count(const char *hay, size_t len, const char *needle)
{
    int n = 0;
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= len; i++)
        n += memcmp(hay + i, needle, k) == 0;
    return n;
}

START_TEST(frames_write_only_what_changed)
{
    struct ui_model m = {0};
    m.cols = 40;
    m.rows = 10;
    m.cells = calloc(400, sizeof *m.cells);
    for (int i = 0; i < 400; i++)
        m.cells[i] = (struct ui_cell){'.', C_TEXT, C_BG};
    struct ansi_screen s = {0};
    ck_assert_int_eq(ansi_frame(&s, &m), 0);
    ck_assert_int_eq(count(s.out, s.len, "\x1b[2J"), 1);
    ck_assert_int_eq(count(s.out, s.len, "."), 400);
    /* Nothing changed: nothing but the final reset. */
    ck_assert_int_eq(ansi_frame(&s, &m), 0);
    ck_assert_int_eq(s.len, strlen("\x1b[0m"));
    /* One cell, row 4 column 7 (0-based): CUP 5;8, its colours, the symbol. */
    m.cells[4 * 40 + 7] = (struct ui_cell){FONT_BULLET, C_BP, C_CUR_BG};
    ck_assert_int_eq(ansi_frame(&s, &m), 0);
    char want[128];
    snprintf(want, sizeof want, "\x1b[5;8H\x1b[22m\x1b[38;5;%dm\x1b[48;5;%dm\xe2\x97\x8f\x1b[0m",
             ansi_color_index(ui_palette[C_BP]), ansi_color_index(ui_palette[C_CUR_BG]));
    ck_assert_uint_eq(s.len, strlen(want));
    ck_assert_int_eq(memcmp(s.out, want, s.len), 0);
    /* A new size repaints everything. */
    m.cols = 20;
    m.rows = 20;
    ck_assert_int_eq(ansi_frame(&s, &m), 0);
    ck_assert_int_eq(count(s.out, s.len, "\x1b[2J"), 1);
    ansi_free(&s);
    free(m.cells);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("debugger_ansi");
    TCase *t = tcase_create("ansi");
    tcase_add_test(t, xterm_colours_and_glyphs);
    tcase_add_test(t, frames_write_only_what_changed);
    suite_add_tcase(s, t);
    SRunner *r = srunner_create(s);
    srunner_run_all(r, CK_NORMAL);
    int failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
