/* keyboard.c — the PS/2 keyboard behind the i8042 controller (IRQ1).
 *
 * Ports: 0x60 data (read: the next byte from the keyboard), 0x64 status
 * (bit 0 OBF: a byte is waiting at 0x60).  With the controller's
 * translation on (the PC default the firmware leaves) bytes arrive in
 * scancode set 1: a key's make code when it goes down, make | 0x80 when it
 * comes up, and an 0xE0 byte before the codes of the extended keys
 * (arrows, right Ctrl/Alt, ...).
 *
 * The driver keeps one bit of state per key: down[keycode], keycode = the
 * make code, or RS_KEY_E0 | code for extended keys (abi/syscalls.h).  The
 * key_state system call answers from that table — the kernel side of a
 * GetAsyncKeyState-like query.  Make codes of printable keys also become
 * characters (US layout, Shift respected) in a buffer that /dev/kbd reads. */
#include "keyboard.h"
#include <stdbool.h>
#include <stdint.h>
#include "abi/syscalls.h"
#include "errno.h"
#include "proc.h"
#include "signal.h"
#include "syscall.h"
#include "x86.h"

#define KBD_DATA 0x60
#define KBD_STATUS 0x64
#define STATUS_OUTPUT_FULL 0x01
#define PREFIX_E0 0xE0
#define BREAK_BIT 0x80
#define SC_LSHIFT 0x2A
#define SC_RSHIFT 0x36
#define TYPED_SIZE 256

static bool down[RS_KEY_MAX];
static bool prefix_e0;
static struct {
    char buf[TYPED_SIZE];
    size_t read, write;
} typed;

/* Set-1 make code -> character, unshifted and shifted (0: no character). */
static const char plain[0x3A] = {
    0,   27,  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0,   'a', 's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,  '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0,   '*', 0,   ' ',
};
static const char shifted[0x3A] = {
    0,   27,  '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0,   'A', 'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,   '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' ',
};

static void type_char(uint8_t code)
{
    if (code >= sizeof plain)
        return;
    bool shift = down[SC_LSHIFT] || down[SC_RSHIFT];
    char c = shift ? shifted[code] : plain[code];
    if (c && typed.write - typed.read < TYPED_SIZE) {
        typed.buf[typed.write++ % TYPED_SIZE] = c;
        wakeup(&typed);
    }
}

static void scancode(uint8_t byte)
{
    if (byte == PREFIX_E0) {
        prefix_e0 = true;
        return;
    }
    unsigned code = (byte & ~BREAK_BIT) | (prefix_e0 ? RS_KEY_E0 : 0);
    bool make = !(byte & BREAK_BIT);
    prefix_e0 = false;
    down[code] = make;
    if (make && code < RS_KEY_E0)
        type_char((uint8_t)code);
}

void keyboard_intr(void)
{
    while (inb(KBD_STATUS) & STATUS_OUTPUT_FULL)
        scancode(inb(KBD_DATA));
}

void keyboard_init(void)
{
    keyboard_intr(); /* bytes that arrived before the kernel ran */
}

int keyboard_key_down(long keycode)
{
    if (keycode < 0 || keycode >= RS_KEY_MAX)
        return -1;
    return down[keycode];
}

bool keyboard_readable(void) { return typed.read != typed.write; }

long keyboard_read(char *dst, size_t n, bool nonblock)
{
    while (typed.read == typed.write) {
        if (nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_on(&typed);
    }
    size_t got = 0;
    while (got < n && typed.read < typed.write)
        dst[got++] = typed.buf[typed.read++ % TYPED_SIZE];
    return (long)got;
}

/* key_state(keycode): RS_SYS_KEY_STATE, abi/syscalls.h. */
long sys_key_state(struct trapframe *tf)
{
    int state = keyboard_key_down((long)ARG0(tf));
    return state < 0 ? -EINVAL : state;
}
