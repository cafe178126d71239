/* expect.h — expectation scripts (tests/traces/NAME.expect): an ordered list
 * of patterns that a recorded trace must satisfy.  Syntax (trace/README.md,
 * "Expectation files"):
 *
 *   # comment
 *   run: ARGS…                  the ringscope arguments that produce the trace
 *   expect [N] PATTERN          the next N events matching PATTERN, in order
 *   never PATTERN               no matching event until the next `expect`
 *                               matches (or the end of the trace)
 *
 * PATTERN is pattern.h's `KIND key=value … $name=key …`; a $name used in a
 * value must be captured on an earlier line. */
#ifndef RINGSCOPE_TRACE_EXPECT_H
#define RINGSCOPE_TRACE_EXPECT_H
#include <stdbool.h>
#include <stddef.h>
#include "pattern.h"
#include "recording.h"

enum expect_op { EXPECT_MATCH, EXPECT_NEVER };

struct expect_step {
    enum expect_op op;
    unsigned count;             /* EXPECT_MATCH: how many in a row (>= 1) */
    unsigned line;              /* 1-based line in the file */
    char text[256];             /* the line as written, for reports */
    struct trace_pattern pattern;
};

#define EXPECT_MAX_ARGS 64

struct expect_script {
    char name[256];             /* file name, for messages */
    unsigned run_line;          /* 0 if there is no run: line */
    char run_text[1024];        /* the arguments after run: */
    int argc;                   /* run_text split on blanks ("…" groups) */
    char *argv[EXPECT_MAX_ARGS + 1];
    char argbuf[1024];
    struct expect_step *steps;
    size_t nsteps;
};

/* Parse a script.  Returns 0, or -1 with "NAME:LINE: message" in err. */
int expect_parse(struct expect_script *s, const char *text, const char *name, char *err,
                 size_t errlen);
/* Read and parse a file (0 / -1 with a message). */
int expect_load(struct expect_script *s, const char *path, char *err, size_t errlen);
void expect_free(struct expect_script *s);

/* Check a recorded trace against the script.  Returns true when every step
 * holds; otherwise false with a report in `report`: the failed step as
 * "NAME:LINE: expect …", what went wrong, the nearest candidate events and
 * the events around the place it was looked for. */
bool expect_check(const struct expect_script *s, const struct trace_recording *rec,
                  char *report, size_t cap);

#endif
