/* exceptions.c — delivering exceptions and interrupts through the 64-bit
 * IDT (SDM Vol. 3A ch. 6, §6.14 "Exception and Interrupt Handling in 64-bit
 * Mode"), and the double-fault rules that decide what a fault during
 * delivery becomes (§6.15, Interrupt 8, Table 6-5).
 *
 * Delivery reads everything it needs (gate, code-segment descriptor, TSS
 * stack pointer) and writes the whole stack frame before it changes any
 * register, so a fault anywhere on the way leaves the CPU as it was and is
 * delivered in turn — becoming #DF or a triple fault as Table 6-5 says. */
#include <string.h>
#include "descriptor.h"
#include "mem.h"

/* Vectors that push an error code (SDM Table 6-1): #DF, #TS, #NP, #SS, #GP,
 * #PF, #AC, #CP. */
static bool pushes_error_code(uint8_t vector)
{
    return vector == EXC_DF || (vector >= EXC_TS && vector <= EXC_PF) || vector == EXC_AC ||
           vector == 21;
}

/* Exception classes of SDM Table 6-4. */
enum exc_class { CLASS_BENIGN, CLASS_CONTRIBUTORY, CLASS_PAGE_FAULT };

static enum exc_class exc_class(uint8_t vector)
{
    if (vector == EXC_DE || (vector >= EXC_TS && vector <= EXC_GP))
        return CLASS_CONTRIBUTORY;
    if (vector == EXC_PF)
        return CLASS_PAGE_FAULT;
    return CLASS_BENIGN;
}

/* Table 6-5: a second exception raised while delivering the first. */
static bool makes_double_fault(uint8_t first, uint8_t second)
{
    enum exc_class a = exc_class(first), b = exc_class(second);
    return (a == CLASS_CONTRIBUTORY && b == CLASS_CONTRIBUTORY) ||
           (a == CLASS_PAGE_FAULT && b != CLASS_BENIGN);
}

void cpu_exception(struct cpu *cpu, uint8_t vector, uint32_t error)
{
    if (cpu->delivering == 2) {
        /* A fault while delivering #DF: shutdown (§6.15, Interrupt 8). */
        cpu->delivering = 0;
        cpu->shutdown = true;
        cpu->stop_request = 1;
        return;
    }
    if (cpu->delivering && makes_double_fault(cpu->first_vector, vector)) {
        cpu->delivering = 2;
        vector = EXC_DF;
        error = 0;
    } else {
        /* First event, or a benign combination: handled serially. */
        cpu->delivering = 1;
    }
    cpu->first_vector = vector;
    cpu_deliver(cpu, vector, pushes_error_code(vector), error, SRC_EXCEPTION);
    cpu->delivering = 0;
}

/* The fields of a 16-byte IA-32e interrupt/trap gate (SDM Figure 6-8). */
struct gate {
    uint64_t offset;
    uint16_t selector;
    unsigned ist, type, dpl;
    bool present, system;
};

static struct gate gate_decode(const uint64_t raw[2])
{
    uint64_t lo = raw[0];
    return (struct gate){
        .offset = (lo & 0xffff) | ((lo >> 48) & 0xffff) << 16 | (raw[1] & 0xffffffffull) << 32,
        .selector = (uint16_t)(lo >> 16),
        .ist = (unsigned)(lo >> 32) & 7,
        .type = (unsigned)(lo >> 40) & 0xf,
        .system = !((lo >> 44) & 1),
        .dpl = (unsigned)(lo >> 45) & 3,
        .present = (lo >> 47) & 1,
    };
}

void cpu_deliver(struct cpu *cpu, uint8_t vector, bool has_error, uint32_t error,
                 enum deliver_source source)
{
    /* EXT (error-code bit 0): the event came from outside the program — an
     * exception or a hardware interrupt, not INT n/INT3 (SDM §6.13). */
    const uint32_t ext = source == SRC_SOFTWARE ? 0 : 1;
    const uint32_t idt_error = (uint32_t)vector * 8 + 2 + ext; /* IDT bit set */
    const uint8_t cpl = cpu->cpl;

    /* The gate (SDM INT n operation, IA-32e mode). */
    if ((uint32_t)vector * 16 + 15 > cpu->idtr.limit)
        cpu_fault(cpu, EXC_GP, idt_error);
    uint64_t raw[2];
    mem_read_buf_as(cpu, cpu->idtr.base + (uint64_t)vector * 16, raw, sizeof raw, 0);
    struct gate g = gate_decode(raw);
    if (!g.system || (g.type != SYS_TYPE_INTERRUPT_GATE && g.type != SYS_TYPE_TRAP_GATE))
        cpu_fault(cpu, EXC_GP, idt_error);
    if (source == SRC_SOFTWARE && g.dpl < cpl)
        cpu_fault(cpu, EXC_GP, (uint32_t)vector * 8 + 2);
    if (!g.present)
        cpu_fault(cpu, EXC_NP, idt_error);

    /* The handler's code segment: a present 64-bit code segment with
     * DPL <= CPL. */
    if (sel_is_null(g.selector))
        cpu_fault(cpu, EXC_GP, ext);
    uint64_t desc;
    if (!desc_read(cpu, g.selector, &desc))
        cpu_fault(cpu, EXC_GP, sel_error(g.selector) + ext);
    struct segment cs = desc_to_segment(g.selector, desc);
    if (!seg_is_code(cs.attr) || seg_dpl(cs.attr) > cpl)
        cpu_fault(cpu, EXC_GP, sel_error(g.selector) + ext);
    if (!seg_present(cs.attr))
        cpu_fault(cpu, EXC_NP, sel_error(g.selector) + ext);
    if (!seg_is_code64(cs.attr))
        cpu_fault(cpu, EXC_GP, sel_error(g.selector) + ext);
    if (!va_canonical(g.offset))
        cpu_fault(cpu, EXC_GP, ext);
    /* A conforming segment runs the handler at the current CPL. */
    const uint8_t new_cpl =
        (cs.attr & SEG_TYPE_CONFORMING) ? cpl : (uint8_t)seg_dpl(cs.attr);

    /* The stack: TSS.RSP[new CPL] on a privilege change, TSS.IST[n] when
     * the gate names one (even without a privilege change), else the
     * current RSP.  64-bit mode aligns it to 16 bytes (§6.14.2). */
    const uint64_t old_rsp = cpu->gpr[RSP];
    uint64_t rsp = old_rsp;
    bool switched = new_cpl < cpl || g.ist;
    if (switched) {
        uint32_t offset = g.ist ? TSS_IST1 + (g.ist - 1) * 8 : TSS_RSP0 + new_cpl * 8u;
        if (!seg_present(cpu->tr.attr) || offset + 7 > cpu->tr.limit)
            cpu_fault(cpu, EXC_TS, sel_error(cpu->tr.sel) + ext);
        mem_read_buf_as(cpu, cpu->tr.base + offset, &rsp, 8, 0);
    }
    rsp &= ~0xfull;
    const unsigned frame_size = has_error ? 48 : 40;
    const uint64_t frame_va = rsp - frame_size;
    if (!va_canonical(frame_va) || !va_canonical(rsp - 1))
        cpu_fault(cpu, EXC_SS, ext);

    /* The frame, lowest address first: [error code,] RIP, CS, RFLAGS, RSP, SS. */
    const uint64_t old_rflags = cpu_rflags(cpu);
    const uint64_t return_rip = source == SRC_SOFTWARE ? cpu->next_rip : cpu->rip;
    uint64_t frame[6];
    unsigned n = 0;
    if (has_error)
        frame[n++] = error;
    frame[n++] = return_rip;
    frame[n++] = cpu->seg[SEG_CS].sel;
    frame[n++] = old_rflags;
    frame[n++] = old_rsp;
    frame[n++] = cpu->seg[SEG_SS].sel;
    /* The pushes are made at the handler's privilege level. */
    mem_write_buf_as(cpu, frame_va, frame, frame_size, new_cpl == 3 ? ACC_USER : 0);

    /* Commit.  RFLAGS: TF, NT, RF (and VM) cleared; IF too through an
     * interrupt gate, not through a trap gate (§6.12.1.3). */
    uint64_t rflags = old_rflags & ~(RF_TF | RF_NT | RF_RF | RF_VM);
    if (g.type == SYS_TYPE_INTERRUPT_GATE)
        rflags &= ~RF_IF;
    cpu_set_rflags(cpu, rflags);
    cs.sel = (uint16_t)((g.selector & 0xfffc) | new_cpl);
    cpu->seg[SEG_CS] = cs;
    if (new_cpl < cpl) /* SS becomes a null selector with RPL = new CPL */
        cpu->seg[SEG_SS] = null_segment(new_cpl);
    cpu->cpl = new_cpl;
    cpu->gpr[RSP] = frame_va;
    cpu->rip = cpu->next_rip = g.offset;
    cpu->halted = 0;
    cpu->exc_counts[vector]++;

    if (cpu->observer && cpu->observer->exception) {
        struct exc_event e = {
            .vector = vector,
            .has_error = has_error,
            .error = error,
            .soft = source == SRC_SOFTWARE,
            .external = source == SRC_EXTERNAL,
            .cr2 = cpu->cr2,
            .rip = return_rip,
            .cpl_before = cpl,
            .cpl_after = new_cpl,
            .rsp_before = old_rsp,
            .rsp_after = frame_va,
            .handler = g.offset,
            .stack_switch = switched,
            .ist = (int)g.ist,
        };
        cpu->observer->exception(cpu->observer->ctx, cpu, &e);
    }
}
