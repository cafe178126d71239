/* recording.h — a trace kept in memory: every emitted event with copies of
 * its strings, for the expectation matcher (expect.h), the query API
 * (query.h) and golden-trace tests.  Events are stored compactly (a header
 * plus only the fields they have) and read back one at a time. */
#ifndef RINGSCOPE_TRACE_RECORDING_H
#define RINGSCOPE_TRACE_RECORDING_H
#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct recorded_event {
    uint8_t kind, child, nfields;
    uint64_t step;
    size_t first_field;     /* index into trace_recording.fields */
};

struct string_chunk;

struct trace_recording {
    struct recorded_event *events;
    size_t count, cap;
    struct trace_field *fields;  /* keys and strings point into chunks */
    size_t nfields, fields_cap;
    struct string_chunk *chunks;
    int out_of_memory;           /* an event could not be stored */
};

void trace_recording_init(struct trace_recording *r);
void trace_recording_free(struct trace_recording *r);
void trace_recording_clear(struct trace_recording *r);

/* Append a copy of e.  Returns 0, or -1 when host memory ran out (the
 * event is dropped and out_of_memory set). */
int trace_recording_add(struct trace_recording *r, const struct trace_event *e);

/* Event i (i < count) materialised into *out; its strings stay valid while
 * the recording lives. */
void trace_recording_get(const struct trace_recording *r, size_t i, struct trace_event *out);

#endif
