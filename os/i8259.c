/* i8259.c — the PC/AT pair of 8259A PICs (Intel 8259A datasheet).
 *
 * The BIOS leaves the master delivering IRQ0-7 at vectors 8-15, on top of
 * the CPU's exception vectors, so the kernel re-initialises both chips with
 * the four Initialization Command Words:
 *   ICW1 (command port): 0x11 = edge triggered, cascade mode, ICW4 follows
 *   ICW2 (data port):    vector base (low 3 bits 0): 0x20 master, 0x28 slave
 *   ICW3 (data port):    master: bit mask of inputs with a slave (IR2);
 *                        slave: its cascade identity (2)
 *   ICW4 (data port):    0x01 = 8086 mode, normal (not automatic) EOI
 * Then OCW1 (data port) is the mask register: bit n set = IRQ n masked.
 * After each interrupt the handler sends a non-specific EOI (OCW2 = 0x20)
 * to the master, and to the slave too for IRQ8-15. */
#include "pic.h"
#include <stdint.h>
#include "x86.h"

#define MASTER_CMD 0x20
#define MASTER_DATA 0x21
#define SLAVE_CMD 0xA0
#define SLAVE_DATA 0xA1
#define ICW1_INIT_ICW4 0x11
#define ICW4_8086 0x01
#define OCW2_EOI 0x20
#define OCW3_READ_ISR 0x0B
#define CASCADE_IRQ 2

static uint16_t irq_mask = 0xFFFF & ~(1u << CASCADE_IRQ);

static void write_masks(void)
{
    outb(MASTER_DATA, irq_mask & 0xFF);
    outb(SLAVE_DATA, irq_mask >> 8);
}

void pic_init(void)
{
    outb(MASTER_CMD, ICW1_INIT_ICW4);
    outb(SLAVE_CMD, ICW1_INIT_ICW4);
    outb(MASTER_DATA, 0x20);               /* ICW2: IRQ0-7  -> vectors 0x20-0x27 */
    outb(SLAVE_DATA, 0x28);                /* ICW2: IRQ8-15 -> vectors 0x28-0x2F */
    outb(MASTER_DATA, 1u << CASCADE_IRQ);  /* ICW3: slave on IR2 */
    outb(SLAVE_DATA, CASCADE_IRQ);         /* ICW3: slave identity */
    outb(MASTER_DATA, ICW4_8086);
    outb(SLAVE_DATA, ICW4_8086);
    write_masks();
}

void pic_unmask(int irq)
{
    irq_mask &= ~(1u << irq);
    write_masks();
}

/* A request that disappears before the CPU's acknowledge cycle makes the
 * 8259 answer with its lowest-priority line (IR7) without setting the
 * in-service bit: check ISR (OCW3 read-ISR, then read the command port). */
bool pic_is_spurious(int irq)
{
    if (irq != 7 && irq != 15)
        return false;
    uint16_t cmd = irq == 7 ? MASTER_CMD : SLAVE_CMD;
    outb(cmd, OCW3_READ_ISR);
    bool spurious = !(inb(cmd) & 0x80);
    if (spurious && irq == 15)
        outb(MASTER_CMD, OCW2_EOI); /* the master did see IR2 from the slave */
    return spurious;
}

void pic_eoi(int irq)
{
    if (irq >= 8)
        outb(SLAVE_CMD, OCW2_EOI);
    outb(MASTER_CMD, OCW2_EOI);
}
