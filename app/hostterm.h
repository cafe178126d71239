/* hostterm.h — the host's side of the guest console when `ringscope run`
 * is attached to a terminal: which of stdin/stdout/stderr are terminals,
 * the window size, and raw mode while the guest runs.
 *
 * The guest kernel does the terminal work itself (os/tty.c: echo, line
 * editing, ^C as SIGINT...), so the host terminal must pass every key
 * through untouched and print output bytes as they are: raw mode, as
 * cfmakeraw(3) sets it.  The saved settings come back on every way out of
 * the process: a normal exit (atexit) and the signals that end it
 * (SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGSEGV...: restore, then die of the
 * same signal). */
#ifndef RINGSCOPE_HOSTTERM_H
#define RINGSCOPE_HOSTTERM_H
#include <stdbool.h>
#include "../machine/machine.h"

/* Fill the terminal fields of c (stdin/stdout/stderr_is_terminal,
 * term_cols/rows) from the host's descriptors 0, 1, 2. */
void hostterm_describe(struct machine_config *c);
/* Put the host's stdin terminal in raw mode until the process ends (no-op
 * when stdin is not a terminal).  0, or -1 if the terminal refused. */
int hostterm_raw(void);
/* Restore the saved settings now (idempotent). */
void hostterm_restore(void);
/* Bytes written to stdout whenever the settings are restored (on every
 * way out, signals included), before them: e.g. leaving a full-screen
 * program's alternate screen.  text must stay valid; NULL: none. */
void hostterm_on_restore(const char *text);

#endif
