/* query.h — questions a Check test asks of a recorded trace:
 *
 *     size_t i = trace_find(&rec, 0, "exception vector=14 error_words=\"NP W S\"");
 *     ck_assert(i != TRACE_NOT_FOUND);
 *     uint64_t cr2;
 *     ck_assert(trace_get_u64(&rec, i, "cr2", &cr2) && cr2 == 0x400000);
 *     ck_assert_uint_eq(trace_count(&rec, "syscall name=write"), 3);
 *
 * Patterns are pattern.h's syntax (captures are not available here: keep
 * values in C variables).  A pattern that does not parse is a bug in the
 * test: it is reported on stderr and matches nothing. */
#ifndef RINGSCOPE_TRACE_QUERY_H
#define RINGSCOPE_TRACE_QUERY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "recording.h"

#define TRACE_NOT_FOUND ((size_t)-1)

/* Index of the first event at or after `from` matching pattern. */
size_t trace_find(const struct trace_recording *r, size_t from, const char *pattern);
/* Index of the last event before `before` matching pattern. */
size_t trace_find_last(const struct trace_recording *r, size_t before, const char *pattern);
/* Matching events in [from, to). */
size_t trace_count_range(const struct trace_recording *r, size_t from, size_t to,
                         const char *pattern);
size_t trace_count(const struct trace_recording *r, const char *pattern);

/* Call fn for every matching event in order; stop when fn returns false. */
typedef bool (*trace_visit_fn)(void *ctx, size_t index, const struct trace_event *e);
void trace_foreach(const struct trace_recording *r, const char *pattern, trace_visit_fn fn,
                   void *ctx);

/* Field values of event i: numeric fields (false if missing or not a
 * number) and the canonical text of any field ("" if missing, copied into
 * buf).  "step" (both) and "kind" (text) work on every event. */
bool trace_get_u64(const struct trace_recording *r, size_t i, const char *key, uint64_t *v);
const char *trace_get_text(const struct trace_recording *r, size_t i, const char *key, char *buf,
                           size_t cap);

#endif
