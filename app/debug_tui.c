/* debug_tui.c — the debugger in a terminal (debug_tui.h): the same UI
 * model as the window, painted with ANSI escape sequences
 * (debugger/ansi.h), and the same keys: terminal bytes become the SDL key
 * codes the window's key handler (app_key) takes, so every key means the
 * same in both.  The terminal is in raw mode on the alternate screen while
 * it runs; both are given back on every way out (hostterm.h), signals
 * included.  Its size comes from TIOCGWINSZ, again after each SIGWINCH.
 * The mouse works as in the window where the terminal reports it (xterm's
 * SGR mouse mode, which tmux, xterm, GNOME Terminal, iTerm2 speak). */
#include "debug_tui.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "../debugger/ansi.h"
#include "../debugger/app.h"
#include "../debugger/font.h"
#include "hostterm.h"

#define FRAME_MS 33          /* at most 30 frames a second: kind to SSH links */
#define ESC_WAIT_MS 30       /* a lone Esc, or the start of a key's sequence? */

/* Mouse reports on (xterm's button events, SGR encoding), alternate
 * screen, cursor hidden; and all of it undone. */
static const char enter_screen[] = "\x1b[?1049h\x1b[?25l\x1b[?1000h\x1b[?1006h";
static const char leave_screen[] = "\x1b[?1006l\x1b[?1000l\x1b[0m\x1b[?25h\x1b[?1049l";

static volatile sig_atomic_t resized;
static void on_winch(int sig) { (void)sig; resized = 1; }

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static bool write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDOUT_FILENO, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w, n -= (size_t)w;
    }
    return true;
}

static void terminal_size(int *cols, int *rows)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col && ws.ws_row) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}

/* ---- keys: terminal bytes to the window's key codes -------------------- */

/* A character as a US keyboard types it: the key (scancode and its
 * unshifted key code) and whether shift is held. */
struct typed {
    SDL_Keycode sym;
    SDL_Scancode sc;
    bool shift;
};

static bool us_key(unsigned char c, struct typed *t)
{
    static const char plain[] = "-=[]\\;',./`", shifted[] = "_+{}|:\"<>?~";
    static const SDL_Scancode punct_sc[] = {SDL_SCANCODE_MINUS, SDL_SCANCODE_EQUALS, SDL_SCANCODE_LEFTBRACKET,
                                            SDL_SCANCODE_RIGHTBRACKET, SDL_SCANCODE_BACKSLASH,
                                            SDL_SCANCODE_SEMICOLON, SDL_SCANCODE_APOSTROPHE, SDL_SCANCODE_COMMA,
                                            SDL_SCANCODE_PERIOD, SDL_SCANCODE_SLASH, SDL_SCANCODE_GRAVE};
    static const char digit_shifted[] = ")!@#$%^&*(";
    *t = (struct typed){0, SDL_SCANCODE_UNKNOWN, false};
    const char *p;
    if (c >= 'a' && c <= 'z') {
        *t = (struct typed){c, (SDL_Scancode)(SDL_SCANCODE_A + (c - 'a')), false};
    } else if (c >= 'A' && c <= 'Z') {
        *t = (struct typed){c - 'A' + 'a', (SDL_Scancode)(SDL_SCANCODE_A + (c - 'A')), true};
    } else if (c >= '0' && c <= '9') {
        *t = (struct typed){c, c == '0' ? SDL_SCANCODE_0 : (SDL_Scancode)(SDL_SCANCODE_1 + (c - '1')), false};
    } else if (c && (p = strchr(digit_shifted, c))) {
        int digit = (int)(p - digit_shifted);
        *t = (struct typed){'0' + digit, digit == 0 ? SDL_SCANCODE_0 : (SDL_Scancode)(SDL_SCANCODE_1 + digit - 1),
                            true};
    } else if (c == ' ') {
        *t = (struct typed){SDLK_SPACE, SDL_SCANCODE_SPACE, false};
    } else if (c && (p = strchr(plain, c))) {
        *t = (struct typed){c, punct_sc[p - plain], false};
    } else if (c && (p = strchr(shifted, c))) {
        *t = (struct typed){(unsigned char)plain[p - shifted], punct_sc[p - shifted], true};
    } else {
        return false;
    }
    return true;
}

/* One key press (down and up: a terminal reports no releases).  With
 * console focus the guest's keyboard also sees shift or ctrl held. */
static void press(struct app *a, SDL_Keycode sym, SDL_Scancode sc, Uint16 mod)
{
    bool guest = a->view.console_focus && sym != SDLK_ESCAPE;
    if (guest && (mod & KMOD_SHIFT))
        app_key(a, SDLK_LSHIFT, 0, SDL_SCANCODE_LSHIFT, true);
    if (guest && (mod & KMOD_CTRL))
        app_key(a, SDLK_LCTRL, 0, SDL_SCANCODE_LCTRL, true);
    app_key(a, sym, mod, sc, true);
    app_key(a, sym, mod, sc, false);
    if (guest && (mod & KMOD_CTRL))
        app_key(a, SDLK_LCTRL, 0, SDL_SCANCODE_LCTRL, false);
    if (guest && (mod & KMOD_SHIFT))
        app_key(a, SDLK_LSHIFT, 0, SDL_SCANCODE_LSHIFT, false);
}

static void press_char(struct app *a, unsigned char c)
{
    struct typed t;
    if (!us_key(c, &t))
        return;
    if (a->view.prompt != PROMPT_NONE)
        press(a, c, t.sc, 0); /* the prompt takes the character itself */
    else
        press(a, t.sym, t.sc, t.shift ? KMOD_LSHIFT : 0);
}

/* An escape sequence (CSI or SS3) starting at b[0] == ESC: the key, and
 * how many bytes it used; 1 for a lone Esc. */
static size_t escape_key(struct app *a, const unsigned char *b, size_t n)
{
    if (n < 2 || (b[1] != '[' && b[1] != 'O')) {
        press(a, SDLK_ESCAPE, SDL_SCANCODE_ESCAPE, 0);
        return 1;
    }
    size_t end = 2;
    while (end < n && !(b[end] >= 0x40 && b[end] <= 0x7e))
        end++;
    if (end == n)
        return n; /* cut off: drop it */
    static const struct { const char *seq; SDL_Keycode sym; SDL_Scancode sc; } keys[] = {
        {"A", SDLK_UP, SDL_SCANCODE_UP},         {"B", SDLK_DOWN, SDL_SCANCODE_DOWN},
        {"C", SDLK_RIGHT, SDL_SCANCODE_RIGHT},   {"D", SDLK_LEFT, SDL_SCANCODE_LEFT},
        {"H", SDLK_HOME, SDL_SCANCODE_HOME},     {"F", SDLK_END, SDL_SCANCODE_END},
        {"1~", SDLK_HOME, SDL_SCANCODE_HOME},    {"4~", SDLK_END, SDL_SCANCODE_END},
        {"3~", SDLK_DELETE, SDL_SCANCODE_DELETE}, {"5~", SDLK_PAGEUP, SDL_SCANCODE_PAGEUP},
        {"6~", SDLK_PAGEDOWN, SDL_SCANCODE_PAGEDOWN},
    };
    if (b[2] == '<' && (b[end] == 'M' || b[end] == 'm')) {
        /* A mouse report, CSI < button ; column ; row M (press) or m
         * (release): the window's mouse, one cell = one font cell. */
        unsigned button, col, row;
        char text[32];
        size_t len = end - 3 < sizeof text - 1 ? end - 3 : sizeof text - 1;
        memcpy(text, b + 3, len);
        text[len] = 0;
        if (b[end] == 'M' && sscanf(text, "%u;%u;%u", &button, &col, &row) == 3 && col && row) {
            int px = (int)(col - 1) * FONT_WIDTH + 1, py = (int)(row - 1) * FONT_HEIGHT + 1;
            if (button == 0)
                app_click(a, px, py);
            else if (button == 64 || button == 65)
                app_wheel(a, px, py, button == 64 ? 1 : -1);
        }
        return end + 1;
    }
    size_t len = end + 1 - 2;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (strlen(keys[i].seq) == len && memcmp(b + 2, keys[i].seq, len) == 0) {
            press(a, keys[i].sym, keys[i].sc, 0);
            break;
        }
    return end + 1;
}

static void handle_bytes(struct app *a, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n && !a->quit;) {
        unsigned char c = b[i];
        if (c == 0x1b) {
            i += escape_key(a, b + i, n - i);
            continue;
        }
        i++;
        if (c == '\r' || c == '\n')
            press(a, SDLK_RETURN, SDL_SCANCODE_RETURN, 0);
        else if (c == 0x7f || c == 0x08)
            press(a, SDLK_BACKSPACE, SDL_SCANCODE_BACKSPACE, 0);
        else if (c == '\t')
            press(a, SDLK_TAB, SDL_SCANCODE_TAB, 0);
        else if (c == 0x03 && !a->view.console_focus)
            a->quit = true; /* ^C: the terminal's way out (raw mode sends it as a byte) */
        else if (c >= 1 && c <= 26)
            press(a, 'a' + c - 1, (SDL_Scancode)(SDL_SCANCODE_A + c - 1), KMOD_LCTRL);
        else
            press_char(a, c);
    }
}

/* Read what was typed (waiting up to wait_ms for the first byte).  True
 * if keys came: the screen is painted again after every key. */
static bool read_keys(struct app *a, int wait_ms)
{
    struct pollfd p = {STDIN_FILENO, POLLIN, 0};
    if (poll(&p, 1, wait_ms) <= 0)
        return false;
    unsigned char buf[256];
    ssize_t n = read(STDIN_FILENO, buf, sizeof buf - 8);
    if (n <= 0) {
        if (n == 0)
            a->quit = true; /* the terminal went away */
        return false;
    }
    /* A lone Esc may be the first byte of a sequence still on its way. */
    if (buf[n - 1] == 0x1b && poll(&p, 1, ESC_WAIT_MS) > 0) {
        ssize_t more = read(STDIN_FILENO, buf + n, 8);
        if (more > 0)
            n += more;
    }
    handle_bytes(a, buf, (size_t)n);
    return true;
}

/* ---- the loop ---------------------------------------------------------- */

static bool paint_too_small(int cols, int rows)
{
    char msg[200];
    int n = snprintf(msg, sizeof msg,
                     "\x1b[0m\x1b[2J\x1b[H ringscope debug --tui needs a terminal of at least %dx%d; this one is "
                     "%dx%d. Make it bigger (q quits).",
                     TUI_MIN_COLS, TUI_MIN_ROWS, cols, rows);
    return write_all(msg, (size_t)n);
}

int debug_tui(struct dbg *d, const struct ui_view *view, void (*each_frame)(void *ctx), void *ctx, char *err,
              size_t errlen)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        snprintf(err, errlen, "--tui needs a terminal on stdin and stdout");
        return -1;
    }
    struct app a;
    memset(&a, 0, sizeof a);
    a.d = d;
    a.scale = 1; /* the mouse: a terminal cell is one font cell */
    a.view = *view;
    a.view.speed = view->speed ? view->speed : d->insns_per_frame;
    a.last_generation = ~0ull;
    d->wait_when_idle = true;
    d->pace_idle = true; /* interactive: an idle guest's time follows real time, as in the window */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_winch;
    sigaction(SIGWINCH, &sa, NULL);
    hostterm_on_restore(leave_screen);
    if (hostterm_raw() != 0) {
        hostterm_on_restore(NULL);
        snprintf(err, errlen, "--tui: the terminal refused raw mode");
        return -1;
    }
    /* The alternate screen (what full-screen programs use), cursor hidden. */
    write_all(enter_screen, sizeof enter_screen - 1);
    struct ansi_screen screen = {0};
    int cols = 80, rows = 24, rc = 0;
    terminal_size(&cols, &rows);
    uint64_t last_paint = 0;
    bool repaint = true;
    while (!a.quit) {
        uint64_t t0 = now_ms();
        if (resized) {
            resized = 0;
            terminal_size(&cols, &rows);
            ansi_invalidate(&screen);
            repaint = true;
        }
        app_run_burst(&a);
        if (each_frame)
            each_frame(ctx);
        bool changed = a.view.running || a.last_generation != d->model_generation || repaint;
        if (changed && (repaint || now_ms() - last_paint >= FRAME_MS || !a.view.running)) {
            if (cols < TUI_MIN_COLS || rows < TUI_MIN_ROWS) {
                ansi_invalidate(&screen);
                paint_too_small(cols, rows);
            } else if (ui_model_build(&a.model, d, &a.view, cols, rows) != 0 || ansi_frame(&screen, &a.model) != 0) {
                snprintf(err, errlen, "out of host memory");
                rc = -1;
                break;
            } else {
                write_all(screen.out, screen.len);
            }
            a.last_generation = d->model_generation;
            last_paint = now_ms();
            repaint = false;
        }
        uint64_t spent = now_ms() - t0;
        repaint |= read_keys(&a, a.view.running ? (spent < 16 ? (int)(16 - spent) : 0) : 100);
    }
    ansi_free(&screen);
    ui_model_free(&a.model);
    hostterm_restore();
    hostterm_on_restore(NULL);
    signal(SIGWINCH, SIG_DFL);
    return rc;
}
