/* convert.h — reading recordings back: `ringscope trace FILE.rstrace` and
 * the recording behind `ringscope check --recording`. */
#ifndef RINGSCOPE_TRACE_CONVERT_H
#define RINGSCOPE_TRACE_CONVERT_H
#include <stddef.h>
#include "recording.h"
#include "tracer.h"

/* The `trace` subcommand: argv[0] is its name, then --trace… options and
 * the recording.  Exit status 0, 1 (writing failed), 2 (bad arguments, or a
 * corrupted or truncated recording: a one-line message on stderr). */
int trace_convert_main(int argc, char **argv);

/* Every event of the recording at path that passes cfg's filters (NULL:
 * all) into rec; 0, or -1 with a one-line message. */
int trace_load_recording(const char *path, const struct trace_config *cfg,
                         struct trace_recording *rec, char *err, size_t errlen);

/* A runner for `ringscope check` (check.h) that reads the recording at
 * path `ctx` instead of running: the run: line's --trace… options filter
 * it (the recording should come from a run of that line). */
int trace_check_recording_runner(void *ctx, int argc, char **argv, struct trace_recording *rec,
                                 char *err, size_t errlen);

#endif
