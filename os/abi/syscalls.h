/* syscalls.h — ringscope's own system calls: the few things a program can ask
 * the guest kernel for that Linux has no call for.  Shared ABI between the
 * kernel (os/), the bundled programs (programs/ringscope.h) and the tracer:
 * plain stdint, nothing else.
 *
 * Calling convention: exactly Linux's (number in RAX, arguments in RDI, RSI,
 * RDX, R10, R8, R9, SYSCALL, result in RAX, -errno in [-4095, -1] on error).
 * The numbers start at 1000, far above the Linux x86-64 range (0..~460), so
 * the same binary run natively gets -ENOSYS and can say so instead of
 * misbehaving.
 *
 *   RS_SYS_KEY_STATE (1000)   key_state(keycode) -> 1 if the key is down now,
 *                             0 if it is up; -EINVAL for a keycode outside
 *                             [0, RS_KEY_MAX).  Like Win32 GetAsyncKeyState:
 *                             the kernel answers from its PS/2 keyboard
 *                             driver's table of keys currently held, which the
 *                             IRQ 1 handler updates on every make/break code.
 *
 * Keycodes are PC scancode set 1 make codes (what the i8042 delivers with
 * translation on, the PC default), and 0x100 | code for the keys that arrive
 * with an 0xE0 prefix (arrows, right Ctrl/Alt, the navigation cluster).  A
 * driver keeps `down[RS_KEY_MAX]`: set on make, clear on break (code | 0x80). */
#ifndef RINGSCOPE_ABI_SYSCALLS_H
#define RINGSCOPE_ABI_SYSCALLS_H
#include <stdint.h>

#define RS_SYS_KEY_STATE 1000

/* ringscope's own calls by number and name: the one table the kernel (its
 * OS-event name hints), the tracer and the debugger name them from. */
#define RS_SYSCALLS(X) X(RS_SYS_KEY_STATE, key_state)

#define RS_KEY_MAX 0x200       /* keycodes are below this */
#define RS_KEY_E0 0x100        /* added to the code of an E0-prefixed key */

/* A few keycodes (set 1 make codes). */
#define RS_KEY_ESC 0x01
#define RS_KEY_ENTER 0x1C
#define RS_KEY_A 0x1E
#define RS_KEY_SPACE 0x39
#define RS_KEY_UP (RS_KEY_E0 | 0x48)
#define RS_KEY_LEFT (RS_KEY_E0 | 0x4B)
#define RS_KEY_RIGHT (RS_KEY_E0 | 0x4D)
#define RS_KEY_DOWN (RS_KEY_E0 | 0x50)

#endif
