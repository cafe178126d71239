/* ps2.c — the i8042 controller and its keyboard (see ps2.h).  References:
 * IBM PS/2 Hardware Interface Technical Reference (keyboard/auxiliary
 * device controller, keyboard commands), OSDev "8042 PS/2 Controller" and
 * "PS/2 Keyboard". */
#include "ps2.h"

/* Status register bits */
#define ST_OBF 0x01
#define ST_SYS 0x04
#define ST_A2 0x08
#define ST_INH 0x10 /* 1: keyboard not inhibited (key lock open) */
/* Command byte bits */
#define CB_IRQ1 0x01
#define CB_SYS 0x04
#define CB_KBD_OFF 0x10
#define CB_AUX_OFF 0x20
#define CB_TRANSLATE 0x40
/* Keyboard replies */
#define KBD_ACK 0xFA
#define KBD_RESEND 0xFE
#define KBD_BAT_OK 0xAA

static void update_irq(struct ps2 *dev)
{
    bool level = dev->obf && (dev->command_byte & CB_IRQ1);
    if (level == dev->irq_level)
        return;
    dev->irq_level = level;
    if (dev->irq)
        dev->irq(dev->irq_ctx, PS2_IRQ, level);
}

/* Fill an empty output buffer: controller replies first, then keyboard
 * bytes unless the keyboard clock is off. */
static void refill(struct ps2 *dev)
{
    if (dev->obf)
        return;
    if (dev->ctrl_count) {
        dev->out_byte = dev->ctrl_queue[dev->ctrl_head];
        dev->ctrl_head = (dev->ctrl_head + 1) % PS2_CTRL_QUEUE;
        dev->ctrl_count--;
        dev->obf = true;
    } else if (dev->kbd_count && !(dev->command_byte & CB_KBD_OFF)) {
        dev->out_byte = dev->kbd_queue[dev->kbd_head];
        dev->kbd_head = (dev->kbd_head + 1) % PS2_KBD_QUEUE;
        dev->kbd_count--;
        dev->obf = true;
    }
}

static void controller_reply(struct ps2 *dev, uint8_t byte)
{
    if (dev->ctrl_count == PS2_CTRL_QUEUE)
        return;
    dev->ctrl_queue[(dev->ctrl_head + dev->ctrl_count) % PS2_CTRL_QUEUE] = byte;
    dev->ctrl_count++;
}

static void keyboard_send(struct ps2 *dev, uint8_t byte)
{
    if (dev->kbd_count == PS2_KBD_QUEUE)
        return;
    dev->kbd_queue[(dev->kbd_head + dev->kbd_count) % PS2_KBD_QUEUE] = byte;
    dev->kbd_count++;
    dev->kbd_last_sent = byte;
}

/* The controller's set-2 -> set-1 translation applied to a keyboard reply
 * byte: key codes map through the key table, 0x02 -> 0x41 (table quirk
 * seen in the scancode-set reply), other bytes >= 0x80 pass unchanged. */
static uint8_t translated(const struct ps2 *dev, uint8_t byte)
{
    if (!(dev->command_byte & CB_TRANSLATE))
        return byte;
    if (byte == 0x02)
        return 0x41;
    for (int k = KEY_NONE + 1; k < KEY_COUNT; k++) {
        const struct key_info *info = key_info((enum key)k);
        if (!info->e0 && info->set2 == byte)
            return info->set1;
    }
    return byte;
}

void ps2_init(struct ps2 *dev, device_irq_fn *irq, void *irq_ctx)
{
    *dev = (struct ps2){
        .command_byte = CB_IRQ1 | CB_SYS | CB_AUX_OFF | CB_TRANSLATE,
        .output_port = 0x03, /* system reset line inactive, A20 enabled */
        .scanning = true, .scancode_set = 2, .irq = irq, .irq_ctx = irq_ctx,
    };
}

static void keyboard_parameter(struct ps2 *dev, uint8_t command, uint8_t v)
{
    switch (command) {
    case 0xED: /* set LEDs: scroll (bit 0), num (1), caps (2) */
        dev->leds = v & 7;
        keyboard_send(dev, KBD_ACK);
        break;
    case 0xF0: /* scancode set: 0 = report the current one */
        if (v == 0) {
            keyboard_send(dev, KBD_ACK);
            keyboard_send(dev, translated(dev, dev->scancode_set));
        } else if (v == 1 || v == 2) {
            dev->scancode_set = v;
            keyboard_send(dev, KBD_ACK);
        } else {
            keyboard_send(dev, KBD_RESEND);
        }
        break;
    default: /* 0xF3 typematic rate/delay */
        keyboard_send(dev, KBD_ACK);
        break;
    }
}

static void clear_keyboard_queue(struct ps2 *dev)
{
    dev->kbd_head = dev->kbd_count = 0;
}

/* A byte the controller passes to the keyboard. */
static void keyboard_receive(struct ps2 *dev, uint8_t v)
{
    if (dev->kbd_pending) {
        uint8_t command = dev->kbd_pending;
        dev->kbd_pending = 0;
        keyboard_parameter(dev, command, v);
        return;
    }
    switch (v) {
    case 0xFF: /* reset and basic assurance test */
        clear_keyboard_queue(dev);
        dev->scanning = true;
        dev->scancode_set = 2;
        dev->leds = 0;
        keyboard_send(dev, KBD_ACK);
        keyboard_send(dev, KBD_BAT_OK);
        break;
    case 0xF4: /* enable scanning (clears the keyboard's buffer) */
        clear_keyboard_queue(dev);
        dev->scanning = true;
        keyboard_send(dev, KBD_ACK);
        break;
    case 0xF5: /* disable scanning, restore defaults */
        clear_keyboard_queue(dev);
        dev->scanning = false;
        keyboard_send(dev, KBD_ACK);
        break;
    case 0xED:
    case 0xF0:
    case 0xF3:
        dev->kbd_pending = v;
        keyboard_send(dev, KBD_ACK);
        break;
    case 0xF2: /* identify: MF2 keyboard AB 83 */
        keyboard_send(dev, KBD_ACK);
        keyboard_send(dev, 0xAB);
        keyboard_send(dev, translated(dev, 0x83));
        break;
    case 0xEE: /* echo */
        keyboard_send(dev, 0xEE);
        break;
    case 0xFE: /* resend the last byte */
        keyboard_send(dev, dev->kbd_last_sent);
        break;
    case 0xF6: /* set defaults */
    case 0xF7: case 0xF8: case 0xF9: case 0xFA: case 0xFB: case 0xFC: case 0xFD:
        keyboard_send(dev, KBD_ACK); /* set-3 key types: accepted, no effect */
        break;
    default:
        keyboard_send(dev, KBD_RESEND);
        break;
    }
}

/* The data byte that follows a controller command. */
static void controller_data(struct ps2 *dev, uint8_t command, uint8_t v)
{
    if (command == 0x60)
        dev->command_byte = v;
    else if (command > 0x60 && command <= 0x7F)
        dev->ram[command & 0x1F] = v;
    else if (command == 0xD1)
        dev->output_port = v;
    else if (command == 0xD2)
        keyboard_send(dev, v);
    /* 0xD3 / 0xD4: for the absent aux device, dropped */
}

static void controller_command(struct ps2 *dev, uint8_t cmd)
{
    if (cmd == 0x20) {
        controller_reply(dev, dev->command_byte);
    } else if (cmd > 0x20 && cmd <= 0x3F) {
        controller_reply(dev, dev->ram[cmd & 0x1F]);
    } else if ((cmd >= 0x60 && cmd <= 0x7F) || (cmd >= 0xD1 && cmd <= 0xD4)) {
        dev->pending_command = cmd;
    } else {
        switch (cmd) {
        case 0xA7: dev->command_byte |= CB_AUX_OFF; break;
        case 0xA8: dev->command_byte &= (uint8_t)~CB_AUX_OFF; break;
        case 0xA9: controller_reply(dev, 0x00); break; /* aux port test: passed */
        case 0xAA: controller_reply(dev, 0x55); break; /* self-test: passed */
        case 0xAB: controller_reply(dev, 0x00); break; /* keyboard port test: passed */
        case 0xAD: dev->command_byte |= CB_KBD_OFF; break;
        case 0xAE: dev->command_byte &= (uint8_t)~CB_KBD_OFF; break;
        case 0xD0: controller_reply(dev, dev->output_port); break;
        default: break; /* unknown commands are ignored */
        }
    }
}

static uint8_t status(const struct ps2 *dev)
{
    return (uint8_t)((dev->obf ? ST_OBF : 0) | (dev->command_byte & CB_SYS ? ST_SYS : 0) |
                     (dev->last_write_command ? ST_A2 : 0) | ST_INH);
}

uint32_t ps2_read(struct ps2 *dev, uint16_t port, unsigned size)
{
    (void)size;
    if (port == PS2_STATUS_PORT)
        return status(dev);
    if (port != PS2_DATA_PORT)
        return 0xFF;
    uint8_t byte = dev->out_byte; /* an empty buffer reads its stale byte */
    dev->obf = false;
    update_irq(dev); /* IRQ1 drops with OBF, so the next byte is a new edge */
    refill(dev);
    update_irq(dev);
    return byte;
}

void ps2_write(struct ps2 *dev, uint16_t port, unsigned size, uint32_t value)
{
    (void)size;
    uint8_t v = (uint8_t)value;
    if (port == PS2_STATUS_PORT) {
        dev->last_write_command = true;
        dev->pending_command = 0;
        controller_command(dev, v);
    } else if (port == PS2_DATA_PORT) {
        dev->last_write_command = false;
        if (dev->pending_command) {
            uint8_t command = dev->pending_command;
            dev->pending_command = 0;
            controller_data(dev, command, v);
        } else {
            keyboard_receive(dev, v);
        }
    } else {
        return;
    }
    refill(dev);
    update_irq(dev);
}

void ps2_key(struct ps2 *dev, enum key key, bool down)
{
    const struct key_info *info = key_info(key);
    if (!info || !dev->scanning)
        return;
    bool set1 = (dev->command_byte & CB_TRANSLATE) || dev->scancode_set == 1;
    uint8_t bytes[3];
    unsigned n = 0;
    if (info->e0)
        bytes[n++] = 0xE0;
    if (set1) {
        bytes[n++] = down ? info->set1 : (uint8_t)(info->set1 | 0x80);
    } else {
        if (!down)
            bytes[n++] = 0xF0;
        bytes[n++] = info->set2;
    }
    if (dev->kbd_count + n > PS2_KBD_QUEUE) /* keyboard buffer overrun: event lost */
        return;
    for (unsigned i = 0; i < n; i++)
        keyboard_send(dev, bytes[i]);
    refill(dev);
    update_irq(dev);
}
