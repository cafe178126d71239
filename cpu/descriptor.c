/* descriptor.c — reading GDT/LDT descriptors and turning them into the
 * hidden part of segment registers (SDM Vol. 3A §3.4.5, §8.2.3). */
#include "descriptor.h"
#include "mem.h"

/* Descriptor-table accesses are supervisor accesses whatever the CPL. */
#define DESC_ACC 0u

bool desc_read(struct cpu *cpu, uint16_t sel, uint64_t *raw)
{
    uint64_t base, limit;
    if (sel & 4) { /* TI = 1: the LDT */
        if (!seg_present(cpu->ldtr.attr))
            return false;
        base = cpu->ldtr.base;
        limit = cpu->ldtr.limit;
    } else {
        base = cpu->gdtr.base;
        limit = cpu->gdtr.limit;
    }
    uint64_t offset = sel & 0xfff8u;
    if (offset + 7 > limit)
        return false;
    mem_read_buf_as(cpu, base + offset, raw, 8, DESC_ACC);
    return true;
}

bool desc_read_system(struct cpu *cpu, uint16_t sel, uint64_t raw[2])
{
    uint64_t offset = sel & 0xfff8u;
    if ((sel & 4) || offset + 15 > cpu->gdtr.limit)
        return false;
    mem_read_buf_as(cpu, cpu->gdtr.base + offset, raw, 16, DESC_ACC);
    return true;
}

void desc_write_gdt(struct cpu *cpu, uint16_t sel, uint64_t raw)
{
    mem_write_buf_as(cpu, cpu->gdtr.base + (sel & 0xfff8u), &raw, 8, DESC_ACC);
}

struct segment desc_to_segment(uint16_t sel, uint64_t raw)
{
    struct segment s;
    s.sel = sel;
    s.base = ((raw >> 16) & 0xffffff) | ((raw >> 56) & 0xff) << 24;
    s.attr = (uint16_t)(((raw >> 40) & 0xff) | ((raw >> 52) & 0xf) << 12);
    uint32_t limit = (uint32_t)((raw & 0xffff) | ((raw >> 48) & 0xf) << 16);
    s.limit = (s.attr & SEG_ATTR_G) ? limit << 12 | 0xfff : limit;
    return s;
}

struct segment desc_to_system_segment(uint16_t sel, const uint64_t raw[2])
{
    struct segment s = desc_to_segment(sel, raw[0]);
    s.base |= (raw[1] & 0xffffffffull) << 32;
    return s;
}

struct segment flat_code64(uint16_t sel, unsigned dpl)
{
    return (struct segment){ .sel = sel, .base = 0, .limit = 0xffffffff,
                             .attr = (uint16_t)(SEG_ATTR_G | SEG_ATTR_L | SEG_ATTR_P |
                                                dpl << SEG_ATTR_DPL_SHIFT | SEG_ATTR_S |
                                                SEG_TYPE_CODE | SEG_TYPE_READABLE |
                                                SEG_TYPE_ACCESSED) };
}

struct segment flat_stack(uint16_t sel, unsigned dpl)
{
    return (struct segment){ .sel = sel, .base = 0, .limit = 0xffffffff,
                             .attr = (uint16_t)(SEG_ATTR_G | SEG_ATTR_DB | SEG_ATTR_P |
                                                dpl << SEG_ATTR_DPL_SHIFT | SEG_ATTR_S |
                                                SEG_TYPE_WRITABLE | SEG_TYPE_ACCESSED) };
}

struct segment null_segment(uint16_t sel)
{
    return (struct segment){ .sel = sel, .base = 0, .limit = 0, .attr = 0 };
}
