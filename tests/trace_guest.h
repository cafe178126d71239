/* trace_guest.h — running a bare-metal test guest (tests/guests/NAME.S, on the
 * harness of tests/harness.h) under the tracer, for the trace tests:
 * output to a stream and/or into a recording, symbols from the guest's ELF
 * (build/guests/NAME.elf), and a runner for expectation files whose run:
 * line names a harness guest (tests/traces/harness/NAME.expect). */
#ifndef RINGSCOPE_TEST_TRACE_GUEST_H
#define RINGSCOPE_TEST_TRACE_GUEST_H
#include <stdint.h>
#include <stdio.h>
#include "trace/recording.h"
#include "trace/tracer.h"

#define TRACE_GUEST_MAX_INSNS 100000

/* Run build/guests/NAME.bin with RDI = rdi at entry, traced with cfg,
 * writing to out (unless cfg->no_output) and recording into rec (if not
 * NULL).  Returns the harness's last delivered vector (-1 if none), or -2
 * with a message in err if the guest or the tracer could not be set up. */
int trace_guest_run(const char *name, uint64_t rdi, const struct trace_config *cfg, FILE *out,
                    struct trace_recording *rec, char *err, size_t errlen);

/* A trace_run_fn (trace/check.h) for harness guests.  run: arguments:
 *     NAME [--rdi N] [--trace… options]
 * (all kinds when no --trace option is given). */
int trace_guest_runner(void *ctx, int argc, char **argv, struct trace_recording *rec,
                       char *err, size_t errlen);

#endif
