/* debug_tui.h — `ringscope debug --tui`: the debugger in the terminal it
 * was started from (over SSH too), no SDL and no display. */
#ifndef RINGSCOPE_DEBUG_TUI_H
#define RINGSCOPE_DEBUG_TUI_H
#include <stddef.h>
#include "../debugger/model.h"
#include "../debugger/session.h"

/* Minimum terminal size: the panels' layout needs this much. */
#define TUI_MIN_COLS 120
#define TUI_MIN_ROWS 32

/* Draw the UI model of d in the terminal on stdin/stdout and take the
 * window's keys from it until q.  view: where to start (e.g. after a
 * --commands script); each_frame(ctx), when given, runs once a frame (the
 * gdb stub's poll).  0, or -1 with a one-line reason (not a terminal). */
int debug_tui(struct dbg *d, const struct ui_view *view, void (*each_frame)(void *ctx), void *ctx, char *err,
              size_t errlen);

#endif
