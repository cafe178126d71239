/* pic.h — the PC/AT pair of Intel 8259A programmable interrupt controllers:
 * master at ports 0x20/0x21 (IRQ0-7), slave at 0xA0/0xA1 (IRQ8-15) cascaded
 * into the master's IR2.  Register-level model of the 8259A datasheet:
 * ICW1-ICW4 initialisation, OCW1 (IMR), OCW2 (EOI / rotation / set
 * priority), OCW3 (IRR/ISR read select, poll, special mask mode), fully
 * nested priority with rotation, edge-triggered requests (ICW1.LTIM selects
 * level mode), automatic EOI, spurious IRQ7/IRQ15 when a request vanished
 * before the INTA cycle.  A chip's INT output rises as soon as it has a
 * request to signal and stays asserted until its INTA cycle (or ICW1), so a
 * request withdrawn or masked in between is acknowledged as IR7: base+7
 * with no ISR bit set (for the slave, the master's ISR bit 2 *is* set and
 * needs its EOI).
 *
 * How the board uses it:
 *   pic_init(&pic, intr_changed, ctx)   power-on state (see below)
 *   device irq callbacks -> pic_irq(&pic, line 0..15, level)
 *   ports 0x20,0x21,0xA0,0xA1 -> pic_read / pic_write (absolute port numbers)
 *   INTR pin: pic_intr_pending(&pic), also reported on every change through
 *       the intr_changed callback (the board copies it to cpu->intr_line)
 *   the CPU's INTA cycle (struct bus .intr_ack) -> pic_ack(&pic) -> vector
 *
 * Power-on state = what a PC BIOS leaves behind: both chips initialised
 * (master vectors 0x08-0x0F, slave 0x70-0x77, slave on IR2, 8086 mode,
 * normal EOI) with every line masked (IMR 0xFF).  A kernel reprograms both
 * with ICW1-ICW4 before it unmasks anything.
 *
 * Not modelled: buffered mode (ICW4.BUF/M/S, no effect on a PC) and MCS-80
 * mode (ICW4.uPM = 0 behaves like 8086 mode).  IRQ2 raised by a device is
 * ignored: on a PC/AT that input is the cascade. */
#ifndef RINGSCOPE_PIC_H
#define RINGSCOPE_PIC_H
#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_CMD 0x20
#define PIC_MASTER_DATA 0x21
#define PIC_SLAVE_CMD 0xA0
#define PIC_SLAVE_DATA 0xA1
#define PIC_CASCADE_IRQ 2

/* One 8259A.  Fields are the chip's registers and latches; use the API. */
struct pic8259 {
    uint8_t irr;            /* interrupt request register */
    uint8_t isr;            /* in-service register */
    uint8_t imr;            /* interrupt mask register (OCW1) */
    uint8_t input;          /* current level of the IR0-7 inputs (edge detection) */
    uint8_t vector_base;    /* ICW2 with T2-T0 = 0 */
    uint8_t icw3;           /* master: lines with a slave; slave: its id */
    uint8_t lowest_priority;/* IR with the lowest priority (7 = fixed order) */
    uint8_t init_step;      /* 0 operational; 2, 3, 4: next data write is ICWn */
    bool icw4_needed;       /* ICW1.IC4 */
    bool single;            /* ICW1.SNGL: no ICW3, no cascade */
    bool level_triggered;   /* ICW1.LTIM */
    bool auto_eoi;          /* ICW4.AEOI */
    bool special_fully_nested; /* ICW4.SFNM */
    bool rotate_on_auto_eoi;/* OCW2 R=1 SL=0 EOI=0 */
    bool read_isr;          /* OCW3 RR/RIS: command port reads ISR instead of IRR */
    bool poll;              /* OCW3 P: the next read is a poll (and an INTA) */
    bool special_mask;      /* OCW3 ESMM/SMM */
};

struct pic {
    struct pic8259 chip[2];   /* [0] master, [1] slave */
    bool slave_output;        /* slave INT pin = master IR2 input */
    bool intr;                /* master INT pin = the CPU's INTR */
    void (*intr_changed)(void *ctx, int level);
    void *intr_ctx;
    uint64_t spurious;        /* INTA cycles that found no request (IRQ7/IRQ15) */
};

/* intr_changed may be NULL (then poll pic_intr_pending). */
void pic_init(struct pic *pic, void (*intr_changed)(void *ctx, int level), void *ctx);

/* An interrupt request input.  line 0-15, level 0/1.  In edge mode a 0->1
 * transition sets the IRR bit; a 1->0 transition before the INTA cycle
 * withdraws the request (the 8259A requires IR to stay high until INTA —
 * otherwise the chip answers with IR7, the spurious interrupt). */
void pic_set_irq(struct pic *pic, int line, int level);
/* The same with the signature of the device irq callbacks (ctx = the pic). */
void pic_irq(void *pic, int line, int level);

bool pic_intr_pending(const struct pic *pic);
/* The INTA cycle: the vector of the highest-priority request (sets ISR,
 * clears the edge-triggered IRR bit); base+7 when nothing is pending. */
uint8_t pic_ack(struct pic *pic);

/* Ports 0x20/0x21/0xA0/0xA1.  A 2- or 4-byte access is split into byte
 * accesses to consecutive ports, as the PC's bus does; bytes that fall on
 * ports outside the PIC read 0xFF and are dropped on writes. */
uint32_t pic_read(struct pic *pic, uint16_t port, unsigned size);
void pic_write(struct pic *pic, uint16_t port, unsigned size, uint32_t value);

#endif
