/* exec_io.c — the instructions guarded by RFLAGS.IOPL: port I/O (IN, OUT,
 * INS, OUTS; SDM Vol. 2A/2B) and the interrupt flag (CLI, STI).
 *
 * Protection (SDM Vol. 1 §19.5): I/O is allowed when CPL <= IOPL.  Real
 * CPUs then consult the I/O permission bitmap in the TSS; ringscope
 * implements no bitmap, so CPL > IOPL is always #GP(0).  Ports reach the
 * board through cpu->bus (an absent handler reads all-ones and drops
 * writes, like an open PC bus) and are reported to the observer. */
#include "exec_system.h"

static void require_io_privilege(struct cpu *cpu)
{
    unsigned iopl = (unsigned)(cpu->rflags >> 12) & 3;
    if (cpu->cpl > iopl)
        cpu_fault(cpu, EXC_GP, 0);
}

static uint32_t port_read(struct cpu *cpu, uint16_t port, unsigned size)
{
    uint32_t v = cpu->bus && cpu->bus->port_in ? cpu->bus->port_in(cpu->bus->ctx, port, size)
                                                : 0xffffffffu;
    v &= (uint32_t)size_mask(size);
    if (cpu->observer && cpu->observer->port)
        cpu->observer->port(cpu->observer->ctx, cpu, false, port, size, v);
    return v;
}

static void port_write(struct cpu *cpu, uint16_t port, unsigned size, uint32_t v)
{
    v &= (uint32_t)size_mask(size);
    if (cpu->observer && cpu->observer->port)
        cpu->observer->port(cpu->observer->ctx, cpu, true, port, size, v);
    if (cpu->bus && cpu->bus->port_out)
        cpu->bus->port_out(cpu->bus->ctx, port, size, v);
}

/* Even opcodes move a byte; odd ones a word (66) or a doubleword (REX.W
 * is ignored: there is no 64-bit port access). */
static unsigned io_size(const struct insn *in)
{
    return !(in->op & 1) ? 1 : in->opsize == 2 ? 2 : 4;
}

/* E4/E5 ib, EC/ED: IN AL/AX/EAX from an imm8 port or from DX. */
void exec_in(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_io_privilege(cpu);
    unsigned size = io_size(in);
    uint16_t port = (in->op & 8) ? (uint16_t)cpu->gpr[RDX] : (uint8_t)in->imm;
    uint32_t v = port_read(cpu, port, size);
    reg_write(cpu, in, RAX, size, v); /* EAX zero-extends into RAX */
}

/* E6/E7 ib, EE/EF: OUT to an imm8 port or to DX from AL/AX/EAX. */
void exec_out(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_io_privilege(cpu);
    unsigned size = io_size(in);
    uint16_t port = (in->op & 8) ? (uint16_t)cpu->gpr[RDX] : (uint8_t)in->imm;
    port_write(cpu, port, size, (uint32_t)cpu->gpr[RAX]);
}

/* String I/O registers under the address size (RSI/RDI/RCX, or their
 * 32-bit halves with 67, whose writes zero-extend). */
static uint64_t addr_reg(const struct cpu *cpu, const struct insn *in, int r)
{
    return in->addrsize == 4 ? (uint32_t)cpu->gpr[r] : cpu->gpr[r];
}

static void addr_reg_set(struct cpu *cpu, const struct insn *in, int r, uint64_t v)
{
    cpu->gpr[r] = in->addrsize == 4 ? (uint32_t)v : v;
}

/* 6C/6D: INS — port DX to ES:[RDI] (ES cannot be overridden; its base is 0
 * in 64-bit mode); 6E/6F: OUTS — DS:[RSI] (FS/GS overrides apply) to port
 * DX.  With REP (F3; F2 acts the same) the count is RCX.  Registers are
 * updated after every element, so a fault part-way leaves a restartable
 * state, as on hardware. */
void exec_ins_outs(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_io_privilege(cpu);
    const bool out = in->op >= 0x6e;
    const unsigned size = io_size(in);
    const uint16_t port = (uint16_t)cpu->gpr[RDX];
    const int ptr = out ? RSI : RDI;
    const uint64_t step = (cpu->rflags & RF_DF) ? (uint64_t)-(int64_t)size : size;
    const uint64_t seg_base =
        out && (in->seg == SEG_FS || in->seg == SEG_GS) ? cpu->seg[in->seg].base : 0;
    for (;;) {
        if (in->rep && addr_reg(cpu, in, RCX) == 0)
            break;
        uint64_t va = addr_reg(cpu, in, ptr);
        if (out)
            port_write(cpu, port, size, (uint32_t)mem_read(cpu, seg_base + va, size));
        else
            mem_write(cpu, va, size, port_read(cpu, port, size));
        addr_reg_set(cpu, in, ptr, va + step);
        if (!in->rep)
            break;
        addr_reg_set(cpu, in, RCX, addr_reg(cpu, in, RCX) - 1);
    }
}

/* FA: CLI, FB: STI (SDM: without VME/PVI, CPL <= IOPL else #GP(0)).  STI
 * that sets IF holds interrupts off until after the next instruction. */
void exec_cli(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_io_privilege(cpu);
    cpu->rflags &= ~RF_IF;
}

void exec_sti(struct cpu *cpu, const struct insn *in)
{
    system_no_lock(cpu, in);
    require_io_privilege(cpu);
    if (!(cpu->rflags & RF_IF)) {
        cpu->rflags |= RF_IF;
        cpu->intr_shadow = 1;
    }
}
