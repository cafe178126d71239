/* pattern.h — an event pattern: `KIND pred pred … $capture=field …`, the
 * building block of expectation files (expect.h) and trace queries
 * (query.h).  The syntax (trace/README.md, "Patterns"):
 *
 *   KIND            an event kind (insn, mem, syscall …) or * for any
 *   key=VALUE       the field `key` has this value; key!=VALUE: it has a
 *                   different one (a missing field never matches)
 *   VALUE forms     123, 0x7b, -2             number (compared numerically)
 *                   0x7ffe0000/0xffff0000     masked: (field & mask) == (value & mask)
 *                   0x1000..0x1fff            inclusive range
 *                   3->0                      a transition (cpl=3->0)
 *                   write, "a b", ke*_state   text; * and ? are wildcards
 *                   $name                     the value captured earlier as $name
 *   $name=key       capture field `key` of the matching event as $name
 */
#ifndef RINGSCOPE_TRACE_PATTERN_H
#define RINGSCOPE_TRACE_PATTERN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define PATTERN_MAX_PREDS 12
#define PATTERN_MAX_CAPTURES 4
#define PATTERN_NAME 32
#define PATTERN_TEXT 160

enum pred_form { PRED_NUMBER, PRED_MASK, PRED_RANGE, PRED_PAIR, PRED_TEXT, PRED_CAPTURED };

struct trace_pred {
    char key[PATTERN_NAME];
    bool negate;                 /* != */
    enum pred_form form;
    uint64_t a, b;               /* NUMBER: a; MASK: a & b; RANGE: a..b; PAIR: a->b */
    char text[PATTERN_TEXT];     /* TEXT: the text/glob; CAPTURED: the variable name */
};

struct trace_pattern {
    int kind;                    /* enum trace_kind, or -1 for any */
    unsigned npreds, ncaptures;
    struct trace_pred pred[PATTERN_MAX_PREDS];
    struct {
        char var[PATTERN_NAME];  /* without the $ */
        char key[PATTERN_NAME];
    } capture[PATTERN_MAX_CAPTURES];
};

/* Captured values, by name, as the canonical field text. */
#define CAPTURES_MAX 32
struct trace_captures {
    unsigned n;
    struct {
        char var[PATTERN_NAME];
        char value[PATTERN_TEXT];
    } v[CAPTURES_MAX];
};

/* Parse the text of one pattern.  Returns 0, or -1 with a message naming
 * the offending token in err. */
int trace_pattern_parse(struct trace_pattern *p, const char *text, char *err, size_t errlen);

/* Does e match?  caps resolves $name values (may be NULL if the pattern
 * uses none; an unbound name never matches). */
bool trace_pattern_match(const struct trace_pattern *p, const struct trace_event *e,
                         const struct trace_captures *caps);

/* How many of the pattern's predicates e satisfies (for "nearest event"
 * reports); -1 if the kind differs. */
int trace_pattern_score(const struct trace_pattern *p, const struct trace_event *e,
                        const struct trace_captures *caps);

/* Bind the pattern's captures from e (which matched).  -1 if a captured
 * field is missing or the table is full. */
int trace_pattern_capture(const struct trace_pattern *p, const struct trace_event *e,
                          struct trace_captures *caps);

#endif
