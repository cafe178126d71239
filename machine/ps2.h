/* ps2.h — the i8042 keyboard controller of a PC (data port 0x60, status /
 * command port 0x64) with an MF2 keyboard on its first port, IRQ1.
 *
 * Controller (as documented for the 8042 / OSDev "8042 PS/2 Controller"):
 *   status (read 0x64): OBF (bit 0), IBF (1, always 0: commands complete
 *     at once), SYS (2, from command byte bit 2), A2 (3: last write went to
 *     0x64), INH (4: 1 = keyboard not inhibited), AUX OBF (5, 0), timeout
 *     (6) and parity (7) error, both 0.
 *   commands (write 0x64): 0x20 read command byte, 0x60 write command byte
 *     (next 0x60 write), 0x21-0x3F / 0x61-0x7F read/write internal RAM,
 *     0xA7 / 0xA8 disable / enable the aux port (command byte bit 5),
 *     0xA9 aux port test -> 0x00, 0xAA self-test -> 0x55, 0xAB keyboard
 *     port test -> 0x00, 0xAD / 0xAE disable / enable the keyboard (bit 4),
 *     0xD0 read output port, 0xD1 write output port, 0xD2 write the
 *     keyboard output buffer (the byte comes back as if the keyboard sent
 *     it).  No mouse is attached: 0xD3/0xD4 take their data byte and drop it.
 *   command byte: bit 0 IRQ1 enable, 1 IRQ12 enable, 2 SYS, 4 keyboard
 *     clock off, 5 aux clock off, 6 set-2 -> set-1 translation.  Power-on
 *     value 0x65 (IRQ1 on, SYS, aux off, translation on), as a BIOS leaves it.
 *   output buffer: one byte; behind it a queue of controller replies, then
 *     the keyboard's queue (held while the keyboard clock is off).  A guest
 *     read of 0x60 takes the byte and the next one moves in.  IRQ1 follows
 *     OBF while command byte bit 0 is set, so every byte that becomes
 *     available gives the 8259 a new rising edge.
 * Keyboard (write 0x60 when no controller command waits for data):
 *   0xFF reset -> FA AA;  0xF4 enable scanning;  0xF5 disable (defaults);
 *   0xF6 defaults;  0xED LED byte;  0xF3 typematic byte;  0xF0 scancode set
 *   (0 = get: FA then the set, translated 1->43 2->41 3->3F like any
 *   keyboard byte; 1 and 2 select, 3 is refused with FE);  0xF2 identify ->
 *   FA AB 83 (AB 41 translated);  0xEE echo -> EE;  0xFE resend;  0xF7-0xFD
 *   -> FA;  anything else -> FE.  Every accepted byte is ACKed with FA.
 * Key events: ps2_key(dev, key, down) queues the make or break code of the
 * current scancode set — set 1 when translation is on or set 1 is selected
 * (break = make | 0x80), set 2 otherwise (break = F0 make), with the E0
 * prefix for extended keys — when scanning is enabled; otherwise the event
 * is dropped, as a disabled keyboard does. */
#ifndef RINGSCOPE_PS2_H
#define RINGSCOPE_PS2_H
#include <stdbool.h>
#include <stdint.h>
#include "keys.h"

#define PS2_DATA_PORT 0x60
#define PS2_STATUS_PORT 0x64
#define PS2_IRQ 1
#define PS2_KBD_QUEUE 64
#define PS2_CTRL_QUEUE 8

/* Device interrupt output (same typedef in every device header; C11 allows
 * the repetition): level 1 = asserted.  The 8259 reacts to 0->1 edges. */
typedef void device_irq_fn(void *ctx, int line, int level);

struct ps2 {
    /* controller */
    uint8_t command_byte;
    uint8_t ram[32];            /* internal RAM 0x01-0x1F (0 is the command byte) */
    uint8_t output_port;
    bool last_write_command;    /* status A2 */
    uint8_t out_byte;           /* the output buffer */
    bool obf;
    uint8_t ctrl_queue[PS2_CTRL_QUEUE];
    unsigned ctrl_head, ctrl_count;
    uint8_t pending_command;    /* controller command waiting for its data byte, 0 if none */
    /* keyboard */
    uint8_t kbd_queue[PS2_KBD_QUEUE];
    unsigned kbd_head, kbd_count;
    uint8_t kbd_pending;        /* keyboard command waiting for its parameter, 0 if none */
    uint8_t kbd_last_sent;      /* for 0xFE resend */
    bool scanning;
    uint8_t scancode_set;       /* 1 or 2 */
    uint8_t leds;
    /* IRQ1 */
    bool irq_level;
    device_irq_fn *irq;
    void *irq_ctx;
};

void ps2_init(struct ps2 *dev, device_irq_fn *irq, void *irq_ctx);

/* port is 0x60 or 0x64 (absolute); other ports read 0xFF.  Byte registers:
 * wider accesses reach the addressed port only. */
uint32_t ps2_read(struct ps2 *dev, uint16_t port, unsigned size);
void ps2_write(struct ps2 *dev, uint16_t port, unsigned size, uint32_t value);

/* A key went down or up (from the key script or the debugger window). */
void ps2_key(struct ps2 *dev, enum key key, bool down);

#endif
