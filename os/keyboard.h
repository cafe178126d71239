/* keyboard.h — the PS/2 keyboard driver (os/keyboard.c). */
#ifndef OS_KEYBOARD_H
#define OS_KEYBOARD_H
#include <stdbool.h>
#include <stddef.h>

void keyboard_init(void);
/* IRQ1: read every scancode byte waiting at port 0x60. */
void keyboard_intr(void);
/* Is the key (abi/syscalls.h keycode) down now?  -1 for a bad keycode. */
int keyboard_key_down(long keycode);
/* Typed characters as a byte stream (/dev/kbd): blocks until one is there;
 * -ERESTARTSYS when a signal interrupts the wait. */
long keyboard_read(char *dst, size_t n, bool nonblock); /* nonblock: -EAGAIN when nothing was typed */
bool keyboard_readable(void);

#endif
