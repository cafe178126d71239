/* hostterm.c — the host terminal around `ringscope run` (hostterm.h). */
#include "hostterm.h"
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved;
static volatile sig_atomic_t raw_active;
static const char *volatile restore_text;

void hostterm_on_restore(const char *text) { restore_text = text; }

void hostterm_describe(struct machine_config *c)
{
    c->stdin_is_terminal = isatty(STDIN_FILENO);
    c->stdout_is_terminal = isatty(STDOUT_FILENO);
    c->stderr_is_terminal = isatty(STDERR_FILENO);
    struct winsize ws;
    for (int fd = 0; fd <= 2; fd++) {
        if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
            c->term_cols = ws.ws_col;
            c->term_rows = ws.ws_row;
            break;
        }
    }
}

void hostterm_restore(void)
{
    if (raw_active) {
        const char *t = restore_text;
        /* write(2) only: this also runs in a signal handler. */
        for (size_t n = t ? strlen(t) : 0; n > 0;) {
            ssize_t w = write(STDOUT_FILENO, t, n);
            if (w <= 0)
                break;
            t += w, n -= (size_t)w;
        }
        tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
        raw_active = 0;
    }
}

/* A signal that ends the process: give the terminal back, then die of the
 * same signal (its default action) so the parent sees the real cause. */
static void restore_and_die(int sig)
{
    hostterm_restore();
    signal(sig, SIG_DFL);
    raise(sig);
}

int hostterm_raw(void)
{
    if (!isatty(STDIN_FILENO) || raw_active)
        return 0;
    if (tcgetattr(STDIN_FILENO, &saved) != 0)
        return -1;
    struct termios raw = saved;
    cfmakeraw(&raw);
    /* Every signal whose default action ends the process (signal(7):
     * "Term" and "Core"), but SIGKILL, which cannot be caught. */
    static const int fatal[] = {SIGTERM, SIGHUP,  SIGINT,  SIGQUIT, SIGSEGV,   SIGBUS,  SIGFPE,
                                SIGILL,  SIGABRT, SIGPIPE, SIGALRM, SIGUSR1,   SIGUSR2, SIGXCPU,
                                SIGXFSZ, SIGTRAP, SIGSYS,  SIGPROF, SIGVTALRM, SIGIO,   SIGPWR};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) {
        struct sigaction sa, was;
        if (sigaction(fatal[i], NULL, &was) == 0 && was.sa_handler == SIG_IGN)
            continue; /* ignored by whoever started us (nohup, a shell's & job): it stays so */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = restore_and_die;
        sigaction(fatal[i], &sa, NULL);
    }
    static bool registered;
    if (!registered) {
        atexit(hostterm_restore);
        registered = true;
    }
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) != 0) /* keep what was typed ahead */
        return -1;
    raw_active = 1;
    return 0;
}
