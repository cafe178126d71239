/* binfmt.h — the compact recording format (`--trace-format bin`, `.rstrace`
 * files), specified field by field in trace/README.md: what the writer
 * (binwrite.c) and the reader (binread.c) share.
 *
 * A file is a 16-byte header, then chunks of records, each chunk framed by
 * its length and CRC-32C so a reader notices truncation and corruption; the
 * last record is END with the number of events.  Records are a tag byte
 * (kind in the low nibble, flags above) and little-endian base-128 varints,
 * most of them deltas against state both sides keep (the previous step and
 * time, the last virtual address, the last register values, the field
 * values of each event shape): an instruction that was seen before is a
 * tag and its definition's number, 2-4 bytes. */
#ifndef RINGSCOPE_TRACE_BINFMT_H
#define RINGSCOPE_TRACE_BINFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "records.h"

#define BIN_MAGIC "RSTRACE"   /* 8 bytes with its NUL */
#define BIN_VERSION 1
#define BIN_HEADER_SIZE 16
/* Header bytes 10-13: how the run was traced (all 0 in files written
 * before they existed: unknown).  10-11 the kinds (bit per enum trace_kind),
 * 12 the filters that cut what it holds (BIN_RUN_*), 13 = 1 when set. */
#define BIN_RUN_RING0 0x01
#define BIN_RUN_RING3 0x02
#define BIN_RUN_RANGE 0x04
#define BIN_RUN_FROM 0x08
#define BIN_RUN_UNTIL 0x10
#define BIN_RUN_PID 0x20
#define BIN_RUN_USER 0x40   /* the user scope: OS events of processes (pid >= 1) only */
_Static_assert(TRACE_KIND_COUNT <= 16, "the header holds the kinds in 16 bits");
#define BIN_CHUNK_MAX (1u << 20)          /* payload bytes of a chunk, at most */
#define BIN_CHUNK_HEADER 8                /* u32 length, u32 CRC-32C */

/* Tag: low nibble. */
enum bin_tag {
    BIN_INSN = 0, BIN_MEM = 1, BIN_REG = 2, BIN_TLB = 3,
    BIN_EVENT = 4,      /* any other event: a kind byte, an event shape, values */
    BIN_DEF_INSN = 14,  /* an instruction's definition (number, cr3, rip, cpl, strings) */
    BIN_END = 15,       /* the number of events; nothing follows */
};
/* Tag flags (high nibble). */
#define BIN_SAME_STEP 0x10  /* the step of the previous event (else a step varint) */
#define BIN_INSN_NEXT 0x80  /* insn: the previous step + 1 */
#define BIN_INSN_TIME 0x20  /* insn: time advanced as much as the step */
#define BIN_INSN_INLINE 0x40 /* insn: the definition inline, no number */
#define BIN_MEM_WRITE 0x20
#define BIN_MEM_WIDE 0x40
#define BIN_MEM_NEAR 0x80   /* the value as a distance from the address */
#define BIN_REG_KNOWN 0x20  /* old = the last new value of that register */
#define BIN_TLB_CHILD 0x20
#define BIN_EVENT_CHILD 0x20
#define BIN_EVENT_SHAPE 0x40 /* the shape is (re)defined before the values */

#define BIN_SHAPES 256
#define BIN_STRINGS 4096
#define BIN_STRING_MAX 64     /* longer strings are written inline, not kept */
#define BIN_STRING_CAP 40000  /* a text value is cut here: an event's 24 fit a chunk */

/* An event shape: its kind and field names and types, in order. */
struct bin_shape {
    bool used;
    uint8_t kind, nfields;
    uint8_t types[TRACE_MAX_FIELDS];
    uint8_t klen[TRACE_MAX_FIELDS];
    char keys[TRACE_MAX_FIELDS][64];
    uint64_t last[TRACE_MAX_FIELDS];   /* the values of the last event of this shape */
    uint64_t last2[TRACE_MAX_FIELDS];
};

/* What both sides know at every record. */
struct bin_state {
    uint64_t step, time;         /* of the previous event / instruction */
    uint64_t va;                 /* the last mem or tlb virtual address */
    uint64_t pa_minus_va;        /* of the last mem access or tlb entry */
    uint64_t reg[TRACE_REG_COUNT], reg_hi[TRACE_REG_COUNT];
    bool reg_known[TRACE_REG_COUNT];
    uint64_t events;
    struct bin_shape shapes[BIN_SHAPES];
    struct {
        uint16_t len;
        char s[BIN_STRING_MAX];
    } strings[BIN_STRINGS];
};

static inline uint64_t bin_zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t bin_unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}
static inline uint8_t *bin_put_varint(uint8_t *p, uint64_t v)
{
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    return p;
}

uint32_t bin_crc32(const uint8_t *p, size_t n);

/* Where a shape and a string go in the tables (a hash of their content). */
unsigned bin_shape_slot(const struct trace_event *e);
unsigned bin_string_slot(const char *s, size_t n);

#endif
