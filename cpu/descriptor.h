/* descriptor.h — segment and system descriptors as the CPU reads them from
 * the GDT and LDT (SDM Vol. 3A §3.4.5 "Segment Descriptors", §3.5 system
 * descriptor types, §8.2.3 the 16-byte TSS/LDT descriptors of IA-32e mode),
 * and the 64-bit TSS fields used on interrupt delivery (§8.7, Figure 8-11).
 *
 * Descriptor-table reads are implicit supervisor accesses (§4.6): they use
 * mem_read_buf_as() without ACC_USER even at CPL 3.  We never set a
 * descriptor's Accessed bit on load (real CPUs do; nothing we run reads it);
 * LTR does write the TSS busy bit, as the SDM requires. */
#ifndef RINGSCOPE_DESCRIPTOR_H
#define RINGSCOPE_DESCRIPTOR_H
#include <stdbool.h>
#include <stdint.h>
#include "cpu.h"

/* struct segment attr bits (descriptor bits 40-47 and 52-55, see cpu.h). */
#define SEG_ATTR_TYPE 0x0fu      /* type field */
#define SEG_ATTR_S (1u << 4)     /* 1: code/data, 0: system */
#define SEG_ATTR_DPL_SHIFT 5
#define SEG_ATTR_G (1u << 15)
/* Type bits of a code/data descriptor (SDM Table 3-1). */
#define SEG_TYPE_ACCESSED 0x1u
#define SEG_TYPE_WRITABLE 0x2u   /* data: writable */
#define SEG_TYPE_READABLE 0x2u   /* code: readable */
#define SEG_TYPE_CONFORMING 0x4u /* code: conforming */
#define SEG_TYPE_CODE 0x8u
/* System descriptor types in IA-32e mode (SDM Table 3-2). */
#define SYS_TYPE_LDT 0x2u
#define SYS_TYPE_TSS_AVAILABLE 0x9u
#define SYS_TYPE_TSS_BUSY 0xbu
#define SYS_TYPE_INTERRUPT_GATE 0xeu
#define SYS_TYPE_TRAP_GATE 0xfu

/* 64-bit TSS layout (SDM Figure 8-11): RSPn at 4 + 8n, ISTn at 0x24 + 8(n-1). */
#define TSS_RSP0 0x04u
#define TSS_IST1 0x24u

/* Selector fields. */
static inline unsigned sel_rpl(uint16_t sel) { return sel & 3u; }
static inline bool sel_is_null(uint16_t sel) { return (sel & ~3u) == 0; }
/* The error code of a #GP/#NP/#SS/#TS that names a selector (§6.13). */
static inline uint32_t sel_error(uint16_t sel) { return sel & 0xfffcu; }

static inline unsigned seg_type(uint16_t attr) { return attr & SEG_ATTR_TYPE; }
static inline unsigned seg_dpl(uint16_t attr) { return (attr >> SEG_ATTR_DPL_SHIFT) & 3u; }
static inline bool seg_present(uint16_t attr) { return attr & SEG_ATTR_P; }
static inline bool seg_is_code(uint16_t attr)
{
    return (attr & SEG_ATTR_S) && (attr & SEG_TYPE_CODE);
}
static inline bool seg_is_data(uint16_t attr)
{
    return (attr & SEG_ATTR_S) && !(attr & SEG_TYPE_CODE);
}
/* A code segment usable in 64-bit mode: L = 1 and D = 0 (SDM §5.2.1). */
static inline bool seg_is_code64(uint16_t attr)
{
    return seg_is_code(attr) && (attr & SEG_ATTR_L) && !(attr & SEG_ATTR_DB);
}

/* Read the 8-byte descriptor `sel` names from the GDT (TI = 0) or the LDT
 * (TI = 1).  Returns false when the entry lies beyond the table's limit (or
 * the LDT is not loaded): the caller raises #GP(selector).  A page fault on
 * the table unwinds through cpu_fault(). */
bool desc_read(struct cpu *cpu, uint16_t sel, uint64_t *raw);
/* The 16-byte system descriptor (TSS, LDT) `sel` names in the GDT. */
bool desc_read_system(struct cpu *cpu, uint16_t sel, uint64_t raw[2]);
/* Write back the low 8 bytes of a GDT descriptor (LTR's busy bit). */
void desc_write_gdt(struct cpu *cpu, uint16_t sel, uint64_t raw);

/* The hidden part of a segment register loaded from a code/data descriptor
 * (base and limit from the 8-byte format, limit scaled by G). */
struct segment desc_to_segment(uint16_t sel, uint64_t raw);
/* The same for a 16-byte system descriptor: base bits 63:32 in raw[1]. */
struct segment desc_to_system_segment(uint16_t sel, const uint64_t raw[2]);

/* Flat 64-bit segments as SYSCALL/SYSRET load them (SDM SYSCALL/SYSRET
 * operation: base 0, limit 4 GiB, G = 1; CS: execute/read accessed, L = 1;
 * SS: read/write accessed, B = 1). */
struct segment flat_code64(uint16_t sel, unsigned dpl);
struct segment flat_stack(uint16_t sel, unsigned dpl);
/* A null selector in a data segment register: unusable (attr 0). */
struct segment null_segment(uint16_t sel);

#endif
