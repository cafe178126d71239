/* records.h — the events of (nearly) every instruction as typed records.
 *
 * `insn`, `mem`, `reg` and `tlb` events are the bulk of a trace (an
 * instruction line, its memory accesses, register changes and TLB
 * lookups), so the tracer produces them as these structs of values, not as
 * field lists.  Every consumer takes the struct as it is: each writer
 * format renders each of these kinds in exactly one function (writer.h),
 * and the recording (recording.h) stores them compactly.  The field list
 * of trace/README.md — what patterns, queries and `ringscope check` see —
 * is made from a record by trace_X_fields, and a hand-made field list of
 * one of these kinds is read back into its record by trace_X_from_fields
 * (so a writer has no second way of printing it).
 *
 * Strings in a record (insn's sym, bytes, disasm; mem's wide bytes) belong
 * to whoever made it and are valid only while it is being consumed. */
#ifndef RINGSCOPE_TRACE_RECORDS_H
#define RINGSCOPE_TRACE_RECORDS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"

/* `insn`: one instruction (never a child; its step is its own). */
struct trace_insn {
    uint64_t step, time;     /* time: virtual time (the board's clock) */
    uint64_t cr3, rip;
    const char *sym;         /* "main+0x1c", or "" */
    const char *bytes;       /* "48 89 07" */
    const char *disasm;      /* capstone's Intel syntax, "(bad)", "(unreadable)" */
    uint16_t sym_len, bytes_len, disasm_len;   /* the three are also NUL-terminated */
    uint8_t cpl;
};

/* `mem`: a data access by the current instruction (always a child). */
#define TRACE_MEM_WIDE_SHOWN 32   /* bytes of a wider value shown, then "..." */
struct trace_mem {
    uint64_t step, va, pa;
    uint64_t value;          /* size <= 8: the value */
    const uint8_t *wide;     /* size > 8: the bytes, little-endian (the first
                              * TRACE_MEM_WIDE_SHOWN are read) */
    uint32_t size;           /* bytes */
    bool write;
};

/* The registers a `reg` event names, in the tracer's comparison order:
 * the GPRs in encoding order (= cpu->gpr), RFLAGS, the system registers,
 * the XMM registers. */
enum trace_reg_id {
    TRACE_REG_RAX, TRACE_REG_R15 = TRACE_REG_RAX + 15,
    TRACE_REG_RFLAGS,
    TRACE_REG_ES, TRACE_REG_CS, TRACE_REG_SS, TRACE_REG_DS, TRACE_REG_FS, TRACE_REG_GS,
    TRACE_REG_FS_BASE, TRACE_REG_GS_BASE, TRACE_REG_KERNEL_GS_BASE,
    TRACE_REG_CR0, TRACE_REG_CR2, TRACE_REG_CR3, TRACE_REG_CR4, TRACE_REG_EFER,
    TRACE_REG_XMM0, TRACE_REG_XMM15 = TRACE_REG_XMM0 + 15,
    TRACE_REG_COUNT
};
/* "rax" … "xmm15", NUL-padded to 16 bytes (a writer copies all 16). */
extern const char trace_reg_names[TRACE_REG_COUNT][16];
extern const uint8_t trace_reg_name_lens[TRACE_REG_COUNT];

/* `reg`: a register the current instruction changed (always a child).
 * 64-bit registers print old/new as hex numbers (RFLAGS also as letters,
 * put_rflags_letters); XMM registers as 32 hex digits, "0x" + high + low. */
struct trace_reg {
    uint64_t step;
    uint64_t old, new;           /* XMM: the low halves */
    uint64_t old_hi, new_hi;     /* XMM: the high halves */
    uint8_t id;                  /* enum trace_reg_id */
};
static inline bool trace_reg_is_xmm(unsigned id)
{
    return id >= TRACE_REG_XMM0 && id <= TRACE_REG_XMM15;
}

/* `tlb`: a TLB lookup, fill or flush (a child of the instruction that
 * caused it, or standing alone: the fetch of the next instruction). */
enum trace_tlb_op { TRACE_TLB_HIT, TRACE_TLB_MISS, TRACE_TLB_FILL, TRACE_TLB_FLUSH };
enum trace_tlb_scope { TRACE_TLB_PAGE, TRACE_TLB_NONGLOBAL, TRACE_TLB_ALL };
enum trace_tlb_cause {
    TRACE_TLB_INVLPG, TRACE_TLB_CR0_WRITE, TRACE_TLB_CR3_WRITE, TRACE_TLB_CR4_WRITE,
    TRACE_TLB_PAGING_CHANGE
};
/* TLB flag words: the bits of mmu.h's TLBF_* (W U NX G D = 1 2 4 8 16). */
#define TRACE_TLB_FLAGS 32
/* "W U D", "-": NUL-padded to 16 bytes (a writer copies all 16). */
extern const char trace_tlb_flags_text[TRACE_TLB_FLAGS][16];
extern const uint8_t trace_tlb_flags_len[TRACE_TLB_FLAGS];
extern const char *const trace_tlb_op_names[4];                   /* "hit" … "flush" */
extern const char *const trace_tlb_scope_names[3];
extern const char *const trace_tlb_cause_names[5];

struct trace_tlb {
    uint64_t step;
    uint64_t va;             /* not shown by a flush of scope nonglobal/all */
    uint64_t pa;             /* hit/fill with an entry */
    uint8_t op;              /* enum trace_tlb_op */
    uint8_t level;           /* hit/fill: page size, 1 = 4K, 2 = 2M, 3 = 1G; 0 = no entry
                              * (then only op and va are shown) */
    uint8_t flags;           /* hit/fill: TLBF_* bits */
    uint8_t scope, cause;    /* flush: enum trace_tlb_scope, enum trace_tlb_cause */
    bool child;
};
/* "4K" "2M" "1G" for level 1 2 3 (two characters each). */
static inline const char *trace_page_size_name(unsigned level)
{
    return level == 3 ? "1G" : level == 2 ? "2M" : "4K";
}

/* The field list of a record, in the order of trace/README.md.  Strings
 * point into the record's strings, at constants, or into e->text (values
 * made for the list: RFLAGS letters, XMM values, wide memory values): the
 * list is valid while both the record's strings and *e live. */
void trace_insn_fields(const struct trace_insn *r, struct trace_event *e);
void trace_mem_fields(const struct trace_mem *r, struct trace_event *e);
void trace_reg_fields(const struct trace_reg *r, struct trace_event *e);
void trace_tlb_fields(const struct trace_tlb *r, struct trace_event *e);

/* A field list back into its record: true when e is exactly the list
 * trace_X_fields makes of that record (kind, step, child, every key, type
 * and value, in order); false for anything else, which is then printed as
 * the plain field list it is.  Strings point into e; a wide memory value is
 * kept in *wide. */
bool trace_insn_from_fields(const struct trace_event *e, struct trace_insn *r);
bool trace_mem_from_fields(const struct trace_event *e, struct trace_mem *r,
                           uint8_t wide[TRACE_MEM_WIDE_SHOWN]);
bool trace_reg_from_fields(const struct trace_event *e, struct trace_reg *r);
bool trace_tlb_from_fields(const struct trace_event *e, struct trace_tlb *r);

/* The `value` text of a memory access wider than 8 bytes: "0x" and its
 * bytes as one little-endian number, at most TRACE_MEM_WIDE_SHOWN bytes
 * shown, then "..." when there were more.  buf >= 70 bytes (room for 70:
 * no NUL is stored); returns the length. */
size_t mem_wide_value_text(const uint8_t *value, unsigned size, char *buf);

/* RFLAGS as Bochs-style letters, upper case when set: "odItszaPc" for
 * IF|PF (O D I T S Z A P C = bits 11 10 9 8 7 6 4 2 0).  buf >= 10 bytes. */
void rflags_letters(uint64_t rflags, char *buf);

/* The same nine letters stored at p (no NUL; room needed: 9). */
static inline char *put_rflags_letters(char *p, uint64_t rflags)
{
    /* Upper case is 32 below lower case: each set flag subtracts 32 (bit 5
     * of its byte) from its letter, all eight of O D I T S Z A P at once. */
    uint64_t f = rflags, word;
    uint64_t set = ((f >> 6) & 0x20) | ((f << 3) & 0x2000) | ((f << 12) & 0x200000) |
                   ((f << 21) & 0x20000000) | ((f << 30) & 0x2000000000ull) |
                   ((f << 39) & 0x200000000000ull) | ((f << 49) & 0x20000000000000ull) |
                   ((f << 59) & 0x2000000000000000ull);
    memcpy(&word, "oditszap", 8); /* little-endian: 'o' is the low byte */
    word -= set;
    memcpy(p, &word, 8);
    p[8] = (char)('c' - 32 * (f & 1));
    return p + 9;
}

/* "0x" and the 32 hex digits of a 128-bit value (room: 34; no NUL). */
char *put_hex128(char *p, uint64_t hi, uint64_t lo);

#endif
