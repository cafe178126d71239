/* debug_command.h — `ringscope debug [OPTIONS] PROGRAM [ARGS...]`: the entry
 * point app/main.c calls with the arguments after "debug". */
#ifndef RINGSCOPE_APP_DEBUG_COMMAND_H
#define RINGSCOPE_APP_DEBUG_COMMAND_H

/* Returns the process exit status: 0 after the user quit or a screenshot
 * was written, 2 for a bad option or input (one line on stderr), 1 for a
 * host failure (no display, out of memory). */
int debugger_main(int argc, char **argv);

#endif
