/* diff.h — a readable line diff for golden traces: unified style, with
 * `@@ -a,b +c,d @@` hunks, `-` for expected lines, `+` for actual ones and
 * a few lines of context, computed by longest common subsequence. */
#ifndef RINGSCOPE_TRACE_DIFF_H
#define RINGSCOPE_TRACE_DIFF_H
#include <stddef.h>
#include <stdio.h>

/* Compare two texts line by line.  Writes the diff to out (may be NULL)
 * and returns the number of differing lines (0 = identical).  Texts over
 * DIFF_MAX_LINES lines are compared up to the first difference only. */
#define DIFF_MAX_LINES 20000
size_t text_diff(const char *expected, const char *actual, const char *expected_name,
                 const char *actual_name, unsigned context, FILE *out);

#endif
