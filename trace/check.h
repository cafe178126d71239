/* check.h — `ringscope check FILE.expect…`: run each expectation file's
 * `run:` line, record the trace in memory, and check the script against
 * it (expect.h).
 *
 * Running the machine belongs to the board, so it is a callback: the CLI
 * registers a runner once (trace_check_set_runner) and then calls
 * trace_check_main.  A runner gets the run: arguments, must run them like
 * `ringscope run ARGS…` with a tracer whose config comes from those
 * arguments' --trace… options (all kinds if none) with no_output = true,
 * and must record every event into rec (tracer_record).  It returns 0, or
 * -1 with a one-line message (bad arguments, a missing program, ...). */
#ifndef RINGSCOPE_TRACE_CHECK_H
#define RINGSCOPE_TRACE_CHECK_H
#include <stddef.h>
#include <stdio.h>
#include "recording.h"

typedef int (*trace_run_fn)(void *ctx, int argc, char **argv, struct trace_recording *rec,
                            char *err, size_t errlen);

void trace_check_set_runner(trace_run_fn run, void *ctx);

/* Check one file with run; the outcome goes to out ("PASS name (N
 * events)" or "FAIL name" followed by the report).  Returns 0 (pass),
 * 1 (an expectation failed) or 2 (the file or the run is broken). */
int trace_check_file(const char *path, trace_run_fn run, void *ctx, FILE *out);

/* The `check` subcommand: argv[0] is the subcommand name, argv[1..] the
 * files.  Exit status: 0 if every file passed, 1 if one failed, 2 on a
 * usage error, a broken file or no registered runner. */
int trace_check_main(int argc, char **argv);

#endif
