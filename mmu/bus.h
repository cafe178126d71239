/* bus.h — the interface through which the CPU and MMU reach everything that
 * is not RAM: I/O ports (IN/OUT) and memory-mapped devices.  The board
 * (machine/) installs one; the lower layers only call through it. */
#ifndef RINGSCOPE_BUS_H
#define RINGSCOPE_BUS_H
#include <stdint.h>

struct bus {
    void *ctx;
    /* Port I/O, size 1, 2 or 4 bytes (SDM: IN/OUT). */
    uint32_t (*port_in)(void *ctx, uint16_t port, unsigned size);
    void (*port_out)(void *ctx, uint16_t port, unsigned size, uint32_t value);
    /* Physical accesses outside RAM.  NULL handlers behave like a PC's open
     * bus: reads return all-ones, writes are dropped. */
    uint64_t (*mmio_read)(void *ctx, uint64_t paddr, unsigned size);
    void (*mmio_write)(void *ctx, uint64_t paddr, unsigned size, uint64_t value);
    /* Interrupt acknowledge (the INTA cycle to the 8259): the vector of the
     * highest-priority pending interrupt.  Called when the CPU takes an
     * interrupt because cpu->intr_line is set and RFLAGS.IF = 1. */
    uint8_t (*intr_ack)(void *ctx);
};

#endif
