/* pit.c — the 8254 interval timer in virtual time (see pit.h).  Reference:
 * Intel 8254 datasheet (order 231164): "Control Word Format", "Counter
 * Latch Command", "Read-Back Command", "Modes of Operation". */
#include "pit.h"

uint64_t pit_ticks_at(uint64_t ns)
{
    return (uint64_t)((unsigned __int128)ns * PIT_INPUT_HZ / 1000000000u);
}

uint64_t pit_tick_time(uint64_t tick)
{
    unsigned __int128 scaled = (unsigned __int128)tick * 1000000000u;
    return (uint64_t)((scaled + PIT_INPUT_HZ - 1) / PIT_INPUT_HZ);
}

static bool is_periodic(const struct pit_channel *c)
{
    return c->mode == 2 || c->mode == 3;
}

static void set_out0(struct pit *pit, bool level)
{
    if (level == pit->out0)
        return;
    pit->out0 = level;
    if (level)
        pit->irq_count++;
    if (pit->irq)
        pit->irq(pit->irq_ctx, PIT_IRQ, level);
}

void pit_init(struct pit *pit, device_irq_fn *irq, void *irq_ctx)
{
    *pit = (struct pit){.out0 = true, .irq = irq, .irq_ctx = irq_ctx};
    for (unsigned i = 0; i < 3; i++)
        pit->ch[i] = (struct pit_channel){.mode = 3, .access = 3, .reload = 65536};
}

/* The counting element's value at clock edge `tick`. */
static uint16_t current_count(const struct pit_channel *c, uint64_t tick)
{
    if (!c->counting || tick < c->start_tick)
        return (uint16_t)c->reload;
    uint64_t elapsed = tick - c->start_tick;
    uint32_t n = c->reload;
    switch (c->mode) {
    case 2: /* N, N-1, ..., 1, reload */
        return (uint16_t)(n - elapsed % n);
    case 3: { /* each half period counts down by two from the even part of N */
        uint64_t phase = elapsed % n, first_half = (n + 1) / 2;
        uint64_t k = phase < first_half ? phase : phase - first_half;
        return (uint16_t)((n & ~1u) - 2 * k);
    }
    default: /* one-shot modes keep counting down, wrapping through 0xFFFF */
        return (uint16_t)(n - (uint16_t)elapsed);
    }
}

static bool out_level(const struct pit_channel *c, uint64_t tick)
{
    if (!c->counting || tick < c->start_tick)
        return c->mode != 0;
    uint64_t elapsed = tick - c->start_tick;
    switch (c->mode) {
    case 0:
        return elapsed >= c->reload;
    case 2:
        return current_count(c, tick) != 1;
    case 3:
        return elapsed % c->reload < (c->reload + 1) / 2;
    default:
        return true;
    }
}

/* Read-back status byte: OUT (D7), NULL COUNT (D6), RW (D5-D4), M (D3-D1), BCD. */
static uint8_t status_byte(const struct pit_channel *c, uint64_t tick)
{
    bool null_count = !c->counting || tick < c->start_tick || c->reload_pending;
    return (uint8_t)((out_level(c, tick) ? 0x80 : 0) | (null_count ? 0x40 : 0) |
                     (c->access << 4) | (c->mode << 1) | (c->bcd ? 1 : 0));
}

static void advance_channel(struct pit *pit, unsigned i, uint64_t tick)
{
    struct pit_channel *c = &pit->ch[i];
    if (!c->counting)
        return;
    if (is_periodic(c)) {
        if (tick < c->start_tick + c->reload)
            return;
        c->start_tick += c->reload;
        if (c->reload_pending) {
            c->reload = c->pending_reload;
            c->reload_pending = false;
        }
        /* Several periods passed at once: their edges merge into one
         * request at the 8259 anyway (nothing acknowledged in between). */
        if (tick >= c->start_tick + c->reload)
            c->start_tick += (tick - c->start_tick) / c->reload * c->reload;
        if (i == 0) {
            set_out0(pit, false);
            set_out0(pit, true);
        }
    } else if (!c->terminal_reached && tick >= c->start_tick + c->reload) {
        c->terminal_reached = true;
        if (i == 0 && c->mode == 0)
            set_out0(pit, true);
    }
}

void pit_advance(struct pit *pit, uint64_t now_ns)
{
    if (now_ns < pit->now_ns)
        return;
    pit->now_ns = now_ns;
    uint64_t tick = pit_ticks_at(now_ns);
    for (unsigned i = 0; i < 3; i++)
        advance_channel(pit, i, tick);
}

uint64_t pit_next_deadline(const struct pit *pit)
{
    const struct pit_channel *c = &pit->ch[0];
    if (!c->counting || (c->mode != 0 && !is_periodic(c)) ||
        (c->mode == 0 && c->terminal_reached))
        return UINT64_MAX;
    return pit_tick_time(c->start_tick + c->reload);
}

/* A complete count was written: it is loaded on the next clock edge. */
static void load_count(struct pit *pit, unsigned i, uint16_t value)
{
    struct pit_channel *c = &pit->ch[i];
    uint32_t n = value ? value : 65536;
    if (is_periodic(c) && c->counting) {
        c->pending_reload = n;
        c->reload_pending = true;
        return;
    }
    c->reload = n;
    c->reload_pending = false;
    c->counting = true;
    c->terminal_reached = false;
    c->start_tick = pit_ticks_at(pit->now_ns) + 1;
    if (i == 0 && c->mode == 0)
        set_out0(pit, false);
}

static void write_counter(struct pit *pit, unsigned i, uint8_t v)
{
    struct pit_channel *c = &pit->ch[i];
    switch (c->access) {
    case 1:
        load_count(pit, i, v);
        break;
    case 2:
        load_count(pit, i, (uint16_t)(v << 8));
        break;
    default:
        if (!c->write_high_next) {
            c->written_low = v;
            c->write_high_next = true;
            if (c->mode == 0) /* mode 0: writing the first byte stops the count */
                c->counting = false;
        } else {
            c->write_high_next = false;
            load_count(pit, i, (uint16_t)(c->written_low | v << 8));
        }
        break;
    }
}

static void latch_count(struct pit *pit, unsigned i)
{
    struct pit_channel *c = &pit->ch[i];
    if (c->count_latched) /* later latches are ignored until the count is read */
        return;
    c->latched_count = current_count(c, pit_ticks_at(pit->now_ns));
    c->count_latched = true;
}

static void write_control(struct pit *pit, uint8_t v)
{
    unsigned sc = v >> 6, rw = (v >> 4) & 3;
    if (sc == 3) { /* read-back: D5 = 0 latch count, D4 = 0 latch status, D3-D1 counters */
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            struct pit_channel *c = &pit->ch[i];
            if (!(v & 0x10) && !c->status_latched) {
                c->latched_status = status_byte(c, pit_ticks_at(pit->now_ns));
                c->status_latched = true;
            }
            if (!(v & 0x20))
                latch_count(pit, i);
        }
        return;
    }
    if (rw == 0) {
        latch_count(pit, sc);
        return;
    }
    struct pit_channel *c = &pit->ch[sc];
    uint8_t mode = (v >> 1) & 7;
    *c = (struct pit_channel){
        .mode = mode >= 6 ? mode - 4 : mode, .access = (uint8_t)rw, .bcd = v & 1,
        .reload = c->reload,
    };
    if (sc == 0)
        set_out0(pit, c->mode != 0);
}

static uint8_t read_counter(struct pit *pit, unsigned i)
{
    struct pit_channel *c = &pit->ch[i];
    if (c->status_latched) {
        c->status_latched = false;
        return c->latched_status;
    }
    uint16_t value = c->count_latched ? c->latched_count
                                      : current_count(c, pit_ticks_at(pit->now_ns));
    uint8_t byte;
    bool done = true;
    switch (c->access) {
    case 1:
        byte = (uint8_t)value;
        break;
    case 2:
        byte = (uint8_t)(value >> 8);
        break;
    default:
        byte = c->read_high_next ? (uint8_t)(value >> 8) : (uint8_t)value;
        done = c->read_high_next;
        c->read_high_next = !c->read_high_next;
        break;
    }
    if (done)
        c->count_latched = false;
    return byte;
}

uint32_t pit_read(struct pit *pit, unsigned reg, unsigned size)
{
    uint32_t value = 0;
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned r = reg + i;
        /* The control register is write-only: the bus floats high. */
        uint8_t byte = r < 3 ? read_counter(pit, r) : 0xFF;
        value |= (uint32_t)byte << (8 * i);
    }
    return value;
}

void pit_write(struct pit *pit, unsigned reg, unsigned size, uint32_t value)
{
    for (unsigned i = 0; i < size && i < 4; i++) {
        unsigned r = reg + i;
        uint8_t byte = (uint8_t)(value >> (8 * i));
        if (r < 3)
            write_counter(pit, r, byte);
        else if (r == 3)
            write_control(pit, byte);
    }
}
