/* pic.c — the 8259A pair (see pic.h).  References: Intel 8259A datasheet
 * (order 231468): "Interrupt sequence", "Initialization command words",
 * "Operation command words", "Fully nested mode", "Special mask mode",
 * "Poll command", "Edge and level triggered modes". */
#include "pic.h"

/* Priority rank of IR n: 0 = highest.  After ICW1 IR0 is highest and IR7
 * lowest; rotation moves "lowest" (OCW2 rotate/set-priority). */
static unsigned priority_rank(const struct pic8259 *c, unsigned ir)
{
    return (ir - c->lowest_priority - 1) & 7;
}

/* The set bit of `bits` with the highest priority, -1 if none. */
static int highest_priority(const struct pic8259 *c, uint8_t bits)
{
    for (unsigned i = 1; i <= 8; i++) {
        unsigned ir = (c->lowest_priority + i) & 7;
        if (bits & (1u << ir))
            return (int)ir;
    }
    return -1;
}

static bool is_cascade_line(const struct pic8259 *c, bool master, int ir)
{
    return master && !c->single && (c->icw3 & (1u << ir));
}

/* The request this chip would signal on INT now, -1 if none.  Fully nested
 * mode: an unmasked request interrupts only if its priority is higher than
 * every level in service.  Special mask mode: any unmasked level not in
 * service may interrupt.  Special fully nested mode (master): a request on
 * a cascade line that is itself in service may interrupt again (a
 * higher-priority slave request). */
static int chip_pending(const struct pic8259 *c, bool master)
{
    uint8_t requests = c->irr & (uint8_t)~c->imr;
    if (c->special_mask)
        return highest_priority(c, requests & (uint8_t)~c->isr);
    int req = highest_priority(c, requests);
    if (req < 0)
        return -1;
    int svc = highest_priority(c, c->isr);
    if (svc < 0 || priority_rank(c, (unsigned)req) < priority_rank(c, (unsigned)svc))
        return req;
    if (req == svc && c->special_fully_nested && is_cascade_line(c, master, req))
        return req;
    return -1;
}

static void chip_set_input(struct pic8259 *c, unsigned ir, int level)
{
    uint8_t bit = (uint8_t)(1u << ir);
    if (level) {
        if (c->level_triggered || !(c->input & bit))
            c->irr |= bit;
        c->input |= bit;
    } else {
        /* The request vanished: before INTA it is no longer seen. */
        c->irr &= (uint8_t)~bit;
        c->input &= (uint8_t)~bit;
    }
}

static void set_intr(struct pic *pic, bool level)
{
    if (level == pic->intr)
        return;
    pic->intr = level;
    if (pic->intr_changed)
        pic->intr_changed(pic->intr_ctx, level);
}

static void set_slave_output(struct pic *pic, bool level)
{
    if (level == pic->slave_output)
        return;
    pic->slave_output = level;
    chip_set_input(&pic->chip[0], PIC_CASCADE_IRQ, level);
}

/* INT outputs rise as soon as a chip has a request to signal and then stay
 * asserted until that chip's INTA cycle (or ICW1): a request withdrawn in
 * between leaves the CPU (or the master, for the slave) to acknowledge an
 * interrupt the chip can no longer name, and it answers with IR7 — the
 * spurious IRQ7 / IRQ15 of the 8259A. */
static void raise_outputs(struct pic *pic)
{
    if (!pic->slave_output && chip_pending(&pic->chip[1], false) >= 0)
        set_slave_output(pic, true);
    if (!pic->intr && chip_pending(&pic->chip[0], true) >= 0)
        set_intr(pic, true);
}

static void chip_power_on(struct pic8259 *c, uint8_t base, uint8_t icw3)
{
    *c = (struct pic8259){
        .imr = 0xFF, .vector_base = base, .icw3 = icw3, .lowest_priority = 7,
    };
}

void pic_init(struct pic *pic, void (*intr_changed)(void *ctx, int level), void *ctx)
{
    *pic = (struct pic){.intr_changed = intr_changed, .intr_ctx = ctx};
    chip_power_on(&pic->chip[0], 0x08, 1u << PIC_CASCADE_IRQ);
    chip_power_on(&pic->chip[1], 0x70, PIC_CASCADE_IRQ);
}

void pic_set_irq(struct pic *pic, int line, int level)
{
    if (line < 0 || line > 15 || line == PIC_CASCADE_IRQ)
        return;
    chip_set_input(&pic->chip[line >> 3], (unsigned)line & 7, level != 0);
    raise_outputs(pic);
}

void pic_irq(void *pic, int line, int level)
{
    pic_set_irq(pic, line, level);
}

bool pic_intr_pending(const struct pic *pic)
{
    return pic->intr;
}

/* Non-specific EOI: the highest-priority level in service. */
static int eoi_level(const struct pic8259 *c)
{
    return highest_priority(c, c->isr);
}

/* The chip accepts request ir during INTA (or a poll): ISR set unless in
 * automatic-EOI mode, IRR cleared for an edge-triggered request (a level-
 * triggered one stays requested while its input is high). */
static void chip_accept(struct pic8259 *c, unsigned ir)
{
    uint8_t bit = (uint8_t)(1u << ir);
    c->irr &= (uint8_t)~bit;
    if (c->level_triggered)
        c->irr |= c->input & bit;
    if (!c->auto_eoi)
        c->isr |= bit;
    else if (c->rotate_on_auto_eoi)
        c->lowest_priority = (uint8_t)ir;
}

uint8_t pic_ack(struct pic *pic)
{
    struct pic8259 *master = &pic->chip[0], *slave = &pic->chip[1];
    uint8_t vector;
    int ir = chip_pending(master, true);
    if (ir < 0) {
        pic->spurious++;
        vector = master->vector_base | 7;
    } else {
        chip_accept(master, (unsigned)ir);
        if (is_cascade_line(master, true, ir)) {
            /* The master's INTA selects the slave, which supplies the vector. */
            int sir = chip_pending(slave, false);
            if (sir < 0) {
                pic->spurious++;
                vector = slave->vector_base | 7;
            } else {
                chip_accept(slave, (unsigned)sir);
                vector = (uint8_t)(slave->vector_base + sir);
            }
            set_slave_output(pic, false);
        } else {
            vector = (uint8_t)(master->vector_base + ir);
        }
    }
    /* After INTA the INT pins show the chips' state again. */
    if (!pic->slave_output && chip_pending(slave, false) >= 0)
        set_slave_output(pic, true);
    set_intr(pic, chip_pending(master, true) >= 0);
    return vector;
}

/* OCW3 poll: the next read returns 1000 0LLL (an interrupt at level L, and
 * the chip treats the read as INTA) or 0 when nothing is pending. */
static uint8_t chip_poll(struct pic *pic, unsigned which)
{
    struct pic8259 *c = &pic->chip[which];
    c->poll = false;
    int ir = chip_pending(c, which == 0);
    if (ir < 0)
        return 0;
    chip_accept(c, (unsigned)ir);
    if (which == 1)
        set_slave_output(pic, chip_pending(c, false) >= 0);
    else
        set_intr(pic, chip_pending(c, true) >= 0);
    raise_outputs(pic);
    return (uint8_t)(0x80 | ir);
}

static uint8_t read_byte(struct pic *pic, uint16_t port)
{
    unsigned which;
    if (port == PIC_MASTER_CMD || port == PIC_MASTER_DATA)
        which = 0;
    else if (port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA)
        which = 1;
    else
        return 0xFF;
    struct pic8259 *c = &pic->chip[which];
    if (c->poll)
        return chip_poll(pic, which);
    if (port & 1)
        return c->imr;
    return c->read_isr ? c->isr : c->irr;
}

/* ICW1 (A0 = 0, D4 = 1): start initialisation.  Datasheet: the edge sense
 * circuit is reset (a request needs a new low-to-high transition), IMR is
 * cleared, IR7 gets the lowest priority, special mask mode is cleared and
 * reads return IRR; without IC4 every ICW4 function is zero. */
static void write_icw1(struct pic8259 *c, uint8_t v)
{
    c->icw4_needed = v & 0x01;
    c->single = v & 0x02;
    c->level_triggered = v & 0x08;
    c->irr = c->level_triggered ? c->input : 0;
    c->isr = 0;
    c->imr = 0;
    c->lowest_priority = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_on_auto_eoi = false;
    if (!c->icw4_needed) {
        c->auto_eoi = false;
        c->special_fully_nested = false;
    }
    c->init_step = 2;
}

static void write_init_data(struct pic8259 *c, uint8_t v)
{
    switch (c->init_step) {
    case 2: /* ICW2: T7-T3 of the vector; T2-T0 come from the IR number. */
        c->vector_base = v & 0xF8;
        c->init_step = !c->single ? 3 : c->icw4_needed ? 4 : 0;
        break;
    case 3: /* ICW3: master: a 1 for each IR with a slave; slave: its id (ID2-ID0). */
        c->icw3 = v;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4: /* ICW4: uPM (bit 0), AEOI (bit 1), BUF/M-S (2-3), SFNM (bit 4). */
        c->auto_eoi = v & 0x02;
        c->special_fully_nested = v & 0x10;
        c->init_step = 0;
        break;
    }
}

/* OCW2: R SL EOI in D7-D5, level L2-L0 in D2-D0. */
static void write_ocw2(struct pic8259 *c, uint8_t v)
{
    unsigned level = v & 7;
    int ir;
    switch (v >> 5) {
    case 1: /* non-specific EOI */
    case 5: /* rotate on non-specific EOI */
        ir = eoi_level(c);
        if (ir >= 0) {
            c->isr &= (uint8_t)~(1u << ir);
            if (v >> 5 == 5)
                c->lowest_priority = (uint8_t)ir;
        }
        break;
    case 3: /* specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        break;
    case 7: /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest_priority = (uint8_t)level;
        break;
    case 6: /* set priority: L becomes the lowest */
        c->lowest_priority = (uint8_t)level;
        break;
    case 4: /* rotate in automatic EOI mode (set) */
        c->rotate_on_auto_eoi = true;
        break;
    case 0: /* rotate in automatic EOI mode (clear) */
        c->rotate_on_auto_eoi = false;
        break;
    default: /* 2: no operation */
        break;
    }
}

/* OCW3: ESMM/SMM in D6-D5, P in D2, RR/RIS in D1-D0. */
static void write_ocw3(struct pic8259 *c, uint8_t v)
{
    if (v & 0x40)
        c->special_mask = v & 0x20;
    if (v & 0x04)
        c->poll = true;
    if (v & 0x02)
        c->read_isr = v & 0x01;
}

static void write_byte(struct pic *pic, uint16_t port, uint8_t v)
{
    unsigned which;
    if (port == PIC_MASTER_CMD || port == PIC_MASTER_DATA)
        which = 0;
    else if (port == PIC_SLAVE_CMD || port == PIC_SLAVE_DATA)
        which = 1;
    else
        return;
    struct pic8259 *c = &pic->chip[which];
    if (!(port & 1)) {
        if (v & 0x10) {
            write_icw1(c, v);
            if (which == 1) /* initialisation resets the chip's INT output */
                set_slave_output(pic, false);
            else
                set_intr(pic, false);
        } else if (v & 0x08)
            write_ocw3(c, v);
        else
            write_ocw2(c, v);
    } else if (c->init_step) {
        write_init_data(c, v);
    } else {
        c->imr = v; /* OCW1 */
    }
    raise_outputs(pic);
}

uint32_t pic_read(struct pic *pic, uint16_t port, unsigned size)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++)
        value |= (uint32_t)read_byte(pic, (uint16_t)(port + i)) << (8 * i);
    return value;
}

void pic_write(struct pic *pic, uint16_t port, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size && i < 4; i++)
        write_byte(pic, (uint16_t)(port + i), (uint8_t)(value >> (8 * i)));
}
