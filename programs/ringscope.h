/* ringscope.h — the one project-specific call a bundled program can make:
 * the keystroke query.  The number and the keycodes are the kernel's ABI
 * (os/abi/syscalls.h); this header wraps them for programs built with
 * musl-gcc.  Run natively, the call fails with ENOSYS (Linux has no call
 * 1000), so a program can tell it is not inside ringscope. */
#ifndef PROGRAMS_RINGSCOPE_H
#define PROGRAMS_RINGSCOPE_H
#include <unistd.h>
#include "../os/abi/syscalls.h"

/* Is KEYCODE held down right now?  1 = down, 0 = up, -1 with errno set on
 * failure (ENOSYS: not running on ringscope's kernel). */
static inline int key_state(int keycode)
{
    return (int)syscall(RS_SYS_KEY_STATE, keycode);
}

#endif
