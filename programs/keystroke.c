/* keystroke — a game loop asking "is SPACE down right now?".
 *
 * A user program cannot touch the keyboard: the PS/2 controller's ports are
 * off limits in ring 3.  So, like a Windows game calling GetAsyncKeyState,
 * it asks the kernel.  The query is a system call (ringscope's own number
 * 1000, see ringscope.h); the kernel answers from the table its keyboard
 * driver keeps, which the IRQ 1 handler updates whenever a key goes down or
 * up.  The program never sees an interrupt, only the answers.
 *
 * Each frame of the loop polls, reports a change, and sleeps 1 ms (the kernel
 * rounds a sleep up to its timer tick, so frames are a tick apart).  It
 * ends after SPACE has gone down and up again, or after 5 s with no complete
 * press (exit status 1).  Run natively it exits 2: Linux has no call 1000.
 *
 * Run it with a key script (times are the machine's virtual time):
 *   ringscope run --keys "@5ms space down, @20ms space up" keystroke
 * Watch:
 *   ringscope run --keys "@5ms space down, @20ms space up" --trace=syscall,interrupt keystroke
 *       the IRQ 1 (vector 33) when the scancode arrives, then the next
 *       key_state syscall answering 1 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include "ringscope.h"

#define TIMEOUT_MS 5000

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int main(void)
{
    if (key_state(RS_KEY_SPACE) < 0) {
        printf("keystroke: the keystroke query failed (%s): this program needs ringscope's kernel\n",
               errno == ENOSYS ? "ENOSYS, no such system call" : "error");
        return 2;
    }
    printf("keystroke: polling SPACE once per frame, for up to %d s\n", TIMEOUT_MS / 1000);
    fflush(stdout);

    const struct timespec frame = {0, 1000000};
    long start = now_ms(), down_at = -1;
    int was_down = 0;
    for (long frame_no = 0; now_ms() - start < TIMEOUT_MS; frame_no++) {
        int down = key_state(RS_KEY_SPACE) == 1;
        if (down && !was_down) {
            down_at = now_ms();
            printf("frame %ld, %ld ms: SPACE went down\n", frame_no, down_at - start);
        } else if (!down && was_down) {
            long t = now_ms();
            printf("frame %ld, %ld ms: SPACE went up (held for %ld ms)\n", frame_no, t - start, t - down_at);
            return 0;
        }
        fflush(stdout);
        was_down = down;
        nanosleep(&frame, NULL);
    }
    printf("no complete SPACE press within %d s (give ringscope a key script: --keys \"@5ms space down, @20ms space up\")\n",
           TIMEOUT_MS / 1000);
    return 1;
}
