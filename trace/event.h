/* event.h — one trace event as a field list: what every expectation and
 * query matches, and how every kind but the four of every instruction
 * (insn, mem, reg, tlb: typed records, records.h) reaches the writers.
 *
 * An event is a kind, the step (instruction number) it belongs to, whether
 * it was caused by that instruction (a "child": memory access, TLB lookup,
 * page walk, fault...) or stands on its own (an external interrupt, an OS
 * event, a kernel log line), and a short list of named fields.  Field names
 * and kinds are documented in trace/README.md; the JSON Lines writer prints
 * exactly these fields, so what a test can match is what a user can read.
 *
 * String fields point at memory owned by whoever emits the event and are
 * valid only during the emit call; a recording (recording.h) copies them. */
#ifndef RINGSCOPE_TRACE_EVENT_H
#define RINGSCOPE_TRACE_EVENT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum trace_kind {
    TRACE_INSN,      /* one instruction: rip, bytes, disassembly */
    TRACE_MEM,       /* a data read or write by the instruction */
    TRACE_REG,       /* a register the instruction changed */
    TRACE_TLB,       /* TLB hit / miss / fill / flush */
    TRACE_WALK,      /* a page walk: the entries read, result or fault */
    TRACE_AD,        /* an Accessed/Dirty bit the walk set in an entry */
    TRACE_EXCEPTION, /* a fault/trap delivered through the IDT */
    TRACE_INTERRUPT, /* an external (PIC) or software (INT n) interrupt */
    TRACE_IRET,      /* IRETQ back from a handler */
    TRACE_SYSCALL,   /* SYSCALL: ring 3 -> 0 with the Linux call decoded */
    TRACE_SYSRET,    /* SYSRET: ring 0 -> 3 with the result */
    TRACE_PORT,      /* IN/OUT to a device register */
    TRACE_OS,        /* an event the guest kernel reported (OS-event port) */
    TRACE_LOG,       /* a line of the kernel log */
    TRACE_SAMPLE,    /* the machine's counters at a crossing (the timeline's counters) */
    TRACE_KIND_COUNT
};
#define TRACE_KINDS_ALL ((1u << TRACE_KIND_COUNT) - 1)

/* How a field's value is stored and printed. */
enum trace_ftype {
    TF_DEC,   /* unsigned decimal (counts, sizes, vectors) */
    TF_SDEC,  /* signed decimal (syscall results) */
    TF_HEX,   /* 0x-prefixed hex (addresses, values, entries) */
    TF_STR,   /* text */
    TF_PAIR,  /* a transition "a->b" of two decimals (cpl=3->0) */
};

struct trace_field {
    const char *key;   /* the field name */
    uint8_t type;      /* enum trace_ftype */
    uint8_t klen;      /* strlen(key), at most 255 (a constant where key is a literal) */
    uint16_t slen;     /* TF_STR: strlen(s), at most 65535 */
    uint64_t v, v2;    /* TF_DEC/SDEC/HEX: v; TF_PAIR: v -> v2 */
    const char *s;     /* TF_STR: NUL-terminated text */
};

#define TRACE_MAX_FIELDS 24

struct trace_event {
    uint8_t kind;      /* enum trace_kind */
    uint8_t child;     /* 1: caused by instruction `step`; 0: stands alone */
    uint8_t nfields;
    uint64_t step;     /* instruction number: instructions begun since the tracer
                        * attached, faulted ones included (unlike cpu->icount) */
    struct trace_field f[TRACE_MAX_FIELDS];
    char text[80];     /* values made for the field list of a typed record
                        * (records.h): the fields may point in here */
};

/* Kind names ("insn", "mem", ...) and their inverse (-1 if unknown). */
const char *trace_kind_name(enum trace_kind k);
int trace_kind_from_name(const char *name, size_t len);

/* Builders: append one field (silently ignored past TRACE_MAX_FIELDS, which
 * no producer reaches: a failed page walk, the largest event, has 18). */
static inline void trace_add(struct trace_event *e, const char *key, enum trace_ftype type,
                             uint64_t v)
{
    if (e->nfields < TRACE_MAX_FIELDS)
        e->f[e->nfields++] = (struct trace_field){ .key = key, .type = (uint8_t)type,
                                                   .klen = (uint8_t)strlen(key), .v = v };
}
/* A text field whose length the producer already knows (len <= 65535). */
static inline void trace_add_strn(struct trace_event *e, const char *key, const char *s,
                                  size_t len)
{
    if (e->nfields < TRACE_MAX_FIELDS)
        e->f[e->nfields++] = (struct trace_field){ .key = key, .type = TF_STR,
                                                   .klen = (uint8_t)strlen(key),
                                                   .slen = (uint16_t)(len < 65535 ? len : 65535),
                                                   .s = s };
}
static inline void trace_add_str(struct trace_event *e, const char *key, const char *s)
{
    trace_add_strn(e, key, s, strlen(s));
}
static inline void trace_add_pair(struct trace_event *e, const char *key, uint64_t a, uint64_t b)
{
    if (e->nfields < TRACE_MAX_FIELDS)
        e->f[e->nfields++] = (struct trace_field){ .key = key, .type = TF_PAIR,
                                                   .klen = (uint8_t)strlen(key), .v = a, .v2 = b };
}
static inline void trace_event_init(struct trace_event *e, enum trace_kind kind, uint64_t step,
                                    bool child)
{
    e->kind = (uint8_t)kind;
    e->child = child;
    e->nfields = 0;
    e->step = step;
}

/* The field named key, or NULL. */
const struct trace_field *trace_field(const struct trace_event *e, const char *key);

/* A field's value as the text a user sees in JSON Lines without quotes
 * ("0x1000", "14", "3->0", "write").  Returns the length written (always
 * NUL-terminated when cap > 0). */
size_t trace_field_text(const struct trace_field *f, char *buf, size_t cap);

/* One line for messages: "syscall step=12 nr=1 name=write ...", cut to
 * cap - 1 characters.  Returns the length. */
size_t trace_event_summary(const struct trace_event *e, char *buf, size_t cap);

#endif
