/* recording.h — a trace kept in memory: every emitted event with copies of
 * its strings, for the expectation matcher (expect.h), the query API
 * (query.h) and golden-trace tests.  Events are stored compactly — the
 * typed kinds (records.h) as their records, every other event as a header
 * plus only the fields it has — and read back one at a time as field
 * lists. */
#ifndef RINGSCOPE_TRACE_RECORDING_H
#define RINGSCOPE_TRACE_RECORDING_H
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "records.h"

/* How an event is kept. */
enum recorded_form { REC_FIELDS, REC_INSN, REC_MEM, REC_REG, REC_TLB };

struct recorded_event {
    uint8_t kind, child, nfields;
    uint8_t form;              /* enum recorded_form */
    uint64_t step;
    size_t at;                 /* index into the form's array: fields (the
                                * first of nfields), insns, mems, regs, tlbs */
};

struct string_chunk;

struct trace_recording {
    struct recorded_event *events;
    size_t count, cap;
    struct trace_field *fields;  /* keys and strings point into chunks */
    size_t nfields, fields_cap;
    /* The typed records, strings in chunks (a wide memory value: a copy of
     * its shown bytes). */
    struct trace_insn *insns;
    size_t ninsns, insns_cap;
    struct trace_mem *mems;
    size_t nmems, mems_cap;
    struct trace_reg *regs;
    size_t nregs, regs_cap;
    struct trace_tlb *tlbs;
    size_t ntlbs, tlbs_cap;
    struct string_chunk *chunks;
    int out_of_memory;           /* an event could not be stored */
};

void trace_recording_init(struct trace_recording *r);
void trace_recording_free(struct trace_recording *r);
void trace_recording_clear(struct trace_recording *r);

/* Append a copy of e.  Returns 0, or -1 when host memory ran out (the
 * event is dropped and out_of_memory set). */
int trace_recording_add(struct trace_recording *r, const struct trace_event *e);
/* Append a typed record (its strings copied), the same way. */
int trace_recording_add_insn(struct trace_recording *r, const struct trace_insn *x);
int trace_recording_add_mem(struct trace_recording *r, const struct trace_mem *x);
int trace_recording_add_reg(struct trace_recording *r, const struct trace_reg *x);
int trace_recording_add_tlb(struct trace_recording *r, const struct trace_tlb *x);

/* Event i (i < count) as a field list in *out (a typed record through
 * trace_X_fields); its strings stay valid while the recording and *out
 * live. */
void trace_recording_get(const struct trace_recording *r, size_t i, struct trace_event *out);

#endif
