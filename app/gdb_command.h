/* gdb_command.h — `ringscope run --gdb [HOST:]PORT …`: the program on a
 * debugging session served to gdb (gdbstub/), stopped before the first
 * instruction. */
#ifndef RINGSCOPE_GDB_COMMAND_H
#define RINGSCOPE_GDB_COMMAND_H
#include "cli.h"

/* Run it; the process exit status (as `run`'s; 137 when gdb killed it,
 * 2 for a bad option such as a port in use). */
int gdb_run_main(struct run_options *o);

#endif
