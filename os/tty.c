/* tty.c — the console's line discipline (see tty.h).  The terminal
 * behaviour follows Linux's drivers/tty/n_tty.c and termios(3):
 *
 *   input (tty_receive, in the IRQ4 handler)
 *     ISTRIP   clear bit 7          IGNCR  drop '\r'
 *     ICRNL    '\r' -> '\n'         INLCR  '\n' -> '\r'
 *     ISIG     VINTR, VQUIT, VSUSP send SIGINT, SIGQUIT, SIGTSTP to the
 *              foreground process group and flush the input (unless NOFLSH)
 *     IXON     VSTART/VSTOP are taken (output flow control itself is not
 *              modelled: output never stops)
 *     ICANON   a line is edited in the buffer and becomes readable at
 *              '\n', VEOL, VEOL2 or VEOF; VERASE erases a character,
 *              VKILL the line, VWERASE (IEXTEN) a word, VLNEXT (IEXTEN)
 *              quotes the next character, VREPRINT (IEXTEN) retypes the line
 *     ECHO, ECHOE, ECHOK, ECHOKE, ECHONL, ECHOCTL  what the user sees
 *   output (tty_write)
 *     OPOST with ONLCR '\n' -> "\r\n", OCRNL '\r' -> '\n'
 *   reads
 *     canonical: at most one line; VEOF at the start of a line reads as
 *     end of file.  Non-canonical: VMIN bytes / VTIME tenths of a second,
 *     the four cases of termios(3).
 *
 * The buffer holds bytes in order with a kind per slot (data, data that
 * ends a line, the VEOF mark).  [read, committed) can be read;
 * [committed, write) is the line being edited (canonical mode only). */
#include "tty.h"
#include "console.h"
#include "errno.h"
#include "proc.h"
#include "signal.h"
#include "string.h"
#include "timer.h"
#include "uaccess.h"

#define TTY_BUF 4096

/* termios bits (Linux asm-generic/termbits.h) */
#define IGNBRK 0000001
#define BRKINT 0000002
#define ISTRIP 0000040
#define INLCR 0000100
#define IGNCR 0000200
#define ICRNL 0000400
#define IXON 0002000
#define IMAXBEL 0020000
#define IUTF8 0040000
#define OPOST 0000001
#define ONLCR 0000004
#define OCRNL 0000010
#define B38400 0000017
#define CS8 0000060
#define CREAD 0000200
#define HUPCL 0002000
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000
enum { VINTR, VQUIT, VERASE, VKILL, VEOF, VTIME, VMIN, VSWTC, VSTART, VSTOP, VSUSP, VEOL, VREPRINT,
       VDISCARD, VWERASE, VLNEXT, VEOL2, NCCS = 19 };

/* ioctl requests (Linux asm-generic/ioctls.h) */
#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCSBRK 0x5409
#define TCXONC 0x540A
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define TCIFLUSH 0
#define TCIOFLUSH 2

/* struct termios as the kernel's ioctls see it (not libc's). */
struct ktermios {
    uint32_t c_iflag, c_oflag, c_cflag, c_lflag;
    uint8_t c_line;
    uint8_t c_cc[NCCS];
};
_Static_assert(sizeof(struct ktermios) == 36, "Linux's struct termios for TCGETS");

struct kwinsize {
    uint16_t ws_row, ws_col, ws_xpixel, ws_ypixel;
};

enum slot_kind { SLOT_DATA, SLOT_LINE_END, SLOT_EOF };

static struct {
    bool terminal, stdout_terminal, stderr_terminal;
    struct ktermios t;
    struct kwinsize ws;
    uint8_t buf[TTY_BUF];
    uint8_t kind[TTY_BUF];
    uint64_t read, committed, write;
    uint64_t last_rx_ns;      /* the last byte received (VTIME) */
    bool hung_up;             /* carrier dropped: no more input will come */
    bool literal_next;        /* VLNEXT was typed */
    int fg_pgrp, session;
} tty;

/* Linux's tty_std_termios (drivers/tty/tty_io.c). */
static const struct ktermios std_termios = {
    .c_iflag = ICRNL | IXON,
    .c_oflag = OPOST | ONLCR,
    .c_cflag = B38400 | CS8 | CREAD | HUPCL,
    .c_lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    .c_cc = {[VINTR] = 003, [VQUIT] = 034, [VERASE] = 0177, [VKILL] = 025, [VEOF] = 004, [VTIME] = 0,
             [VMIN] = 1, [VSTART] = 021, [VSTOP] = 023, [VSUSP] = 032, [VREPRINT] = 022,
             [VDISCARD] = 017, [VWERASE] = 027, [VLNEXT] = 026},
};

/* ---- boot ------------------------------------------------------------- */

/* The value of "key=" in the command line, up to the next space. */
static const char *cmdline_value(const char *cmdline, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *p = cmdline; *p;) {
        while (*p == ' ')
            p++;
        const char *end = p;
        while (*end && *end != ' ')
            end++;
        if ((size_t)(end - p) > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            *len = (size_t)(end - p) - klen - 1;
            return p + klen + 1;
        }
        p = end;
    }
    return 0;
}

static bool list_has(const char *v, size_t len, const char *word)
{
    size_t wlen = strlen(word);
    for (size_t i = 0; i < len;) {
        size_t j = i;
        while (j < len && v[j] != ',')
            j++;
        if (j - i == wlen && strncmp(v + i, word, wlen) == 0)
            return true;
        i = j + 1;
    }
    return false;
}

static unsigned parse_uint(const char **p, const char *end)
{
    unsigned v = 0;
    while (*p < end && **p >= '0' && **p <= '9' && v < 100000)
        v = v * 10 + (unsigned)(*(*p)++ - '0');
    return v;
}

void tty_init(const char *cmdline)
{
    size_t len;
    const char *v = cmdline_value(cmdline, "tty", &len);
    tty.terminal = v && list_has(v, len, "stdin");
    tty.stdout_terminal = tty.terminal && list_has(v, len, "stdout");
    tty.stderr_terminal = tty.terminal && list_has(v, len, "stderr");
    tty.t = std_termios;
    tty.ws = (struct kwinsize){.ws_row = 24, .ws_col = 80};
    if ((v = cmdline_value(cmdline, "winsize", &len))) {
        const char *p = v, *end = v + len;
        unsigned cols = parse_uint(&p, end);
        unsigned rows = p < end && *p == 'x' ? (p++, parse_uint(&p, end)) : 0;
        if (cols && rows && cols < 65536 && rows < 65536)
            tty.ws = (struct kwinsize){.ws_row = (uint16_t)rows, .ws_col = (uint16_t)cols};
    }
    /* Process 1 starts as the foreground job (group 1) of the session that
     * owns the terminal (0: the host's side), like a program an
     * interactive shell runs (main.c). */
    tty.fg_pgrp = 1;
    tty.session = 0;
}

bool tty_is_terminal(void) { return tty.terminal; }

bool tty_line_is_terminal(enum tty_line line)
{
    switch (line) {
    case TTY_CONSOLE: return tty.terminal;
    case TTY_COM2: return tty.stderr_terminal;
    default: return false;
    }
}

bool tty_stdout_is_console(void) { return tty.stdout_terminal == tty.terminal; }

/* ---- output ----------------------------------------------------------- */

static void line_putc(enum tty_line line, char c)
{
    if (line == TTY_COM2)
        stderr_putc(c);
    else
        console_putc(c);
}

/* One byte through OPOST processing (when the line is the terminal). */
static void output_byte(enum tty_line line, char c)
{
    if (tty_line_is_terminal(line) && (tty.t.c_oflag & OPOST)) {
        if (c == '\n' && (tty.t.c_oflag & ONLCR)) {
            line_putc(line, '\r');
        } else if (c == '\r' && (tty.t.c_oflag & OCRNL)) {
            c = '\n';
        }
    }
    line_putc(line, c);
}

long tty_write(enum tty_line line, const void *src, size_t n)
{
    const char *s = src;
    if (!tty_line_is_terminal(line)) {
        if (line == TTY_COM2)
            stderr_write(s, n);
        else
            console_write(s, n);
        return (long)n;
    }
    for (size_t i = 0; i < n; i++)
        output_byte(line, s[i]);
    return (long)n;
}

void tty_kernel_message(const char *s, size_t n) { tty_write(TTY_COM2, s, n); }

/* ---- echo ------------------------------------------------------------- */

static bool is_ctl(uint8_t c) { return c < 32 || c == 0177; }

/* Columns an echoed character took (ECHOCTL shows ^X). */
static unsigned echo_width(uint8_t c)
{
    return is_ctl(c) && c != '\t' && c != '\n' && (tty.t.c_lflag & ECHOCTL) ? 2 : 1;
}

static void echo_char(uint8_t c)
{
    if (!(tty.t.c_lflag & ECHO))
        return;
    if (echo_width(c) == 2) {
        output_byte(TTY_CONSOLE, '^');
        output_byte(TTY_CONSOLE, (char)(c ^ 0100));
    } else {
        output_byte(TTY_CONSOLE, (char)c);
    }
}

/* Take one character of the edited line back off the screen. */
static void echo_erase(uint8_t c)
{
    if (!(tty.t.c_lflag & ECHO))
        return;
    if (!(tty.t.c_lflag & ECHOE)) {
        echo_char(tty.t.c_cc[VERASE]);
        return;
    }
    for (unsigned i = echo_width(c); i > 0; i--)
        console_write("\b \b", 3);
}

/* ---- input ------------------------------------------------------------ */

static size_t used(void) { return (size_t)(tty.write - tty.read); }
static size_t room(void) { return TTY_BUF - used(); }
static bool canonical(void) { return tty.terminal && (tty.t.c_lflag & ICANON); }

static void put(uint8_t c, enum slot_kind k)
{
    tty.buf[tty.write % TTY_BUF] = c;
    tty.kind[tty.write % TTY_BUF] = (uint8_t)k;
    tty.write++;
}

/* Readers are woken once per batch the driver delivers (tty_received),
 * not once per byte. */
static bool wake_pending;

static void commit(void)
{
    tty.committed = tty.write;
    wake_pending = true;
}

void tty_received(void)
{
    if (wake_pending) {
        wake_pending = false;
        wakeup(&tty);
    }
}

/* Canonical mode keeps one slot for the line's end, so a full line can
 * still be finished; with a finished line waiting, a full buffer waits for
 * its reader (the UART holds the rest). */
bool tty_has_room(void)
{
    if (!canonical())
        return room() >= 1;
    return room() >= 2 || (room() == 1 && tty.committed == tty.read);
}

void tty_hangup(void)
{
    tty.hung_up = true;
    commit();
}

static void flush_input(void)
{
    tty.read = tty.committed = tty.write;
    console_rx_resume();
}

/* Erase the last character of the line being edited; false if empty. */
static bool erase_one(void)
{
    if (tty.write == tty.committed)
        return false;
    tty.write--;
    echo_erase(tty.buf[tty.write % TTY_BUF]);
    return true;
}

static bool is_word(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Linux's word erase (BSD's ALTWERASE): what is not part of a word, then
 * the word's letters, digits and underscores. */
static void erase_word(void)
{
    bool seen_word = false;
    while (tty.write > tty.committed) {
        uint8_t c = tty.buf[(tty.write - 1) % TTY_BUF];
        if (is_word(c))
            seen_word = true;
        else if (seen_word)
            break;
        erase_one();
    }
}

/* Erased character by character on the screen only with ECHOK, ECHOKE and
 * ECHOE all on; otherwise the kill character is echoed (and a newline
 * with ECHOK), as n_tty's eraser() does. */
static void kill_line(void)
{
    uint32_t l = tty.t.c_lflag;
    if (!(l & ECHO)) {
        tty.write = tty.committed;
    } else if (!(l & ECHOK) || !(l & ECHOKE) || !(l & ECHOE)) {
        tty.write = tty.committed;
        echo_char(tty.t.c_cc[VKILL]);
        if (l & ECHOK)
            output_byte(TTY_CONSOLE, '\n');
    } else {
        while (erase_one())
            ;
    }
}

static void reprint(void)
{
    echo_char(tty.t.c_cc[VREPRINT]);
    output_byte(TTY_CONSOLE, '\n');
    for (uint64_t i = tty.committed; i < tty.write; i++)
        echo_char(tty.buf[i % TTY_BUF]);
}

/* c is the enabled control character cc[index] (0 disables, as
 * _POSIX_VDISABLE on Linux). */
static bool is_cc(uint8_t c, int index) { return tty.t.c_cc[index] && c == tty.t.c_cc[index]; }

static bool signal_char(uint8_t c)
{
    int sig = is_cc(c, VINTR) ? SIGINT : is_cc(c, VQUIT) ? SIGQUIT : is_cc(c, VSUSP) ? SIGTSTP : 0;
    if (!sig)
        return false;
    if (!(tty.t.c_lflag & NOFLSH))
        flush_input();
    echo_char(c);
    signal_send_pgrp(tty.fg_pgrp, sig, SI_KERNEL);
    return true;
}

/* The canonical-mode editing characters; false for ordinary input. */
static bool editing_char(uint8_t c)
{
    uint32_t l = tty.t.c_lflag;
    if (is_cc(c, VERASE)) {
        erase_one();
    } else if (is_cc(c, VKILL)) {
        kill_line();
    } else if ((l & IEXTEN) && is_cc(c, VWERASE)) {
        erase_word();
    } else if ((l & IEXTEN) && is_cc(c, VREPRINT)) {
        reprint();
    } else if ((l & IEXTEN) && is_cc(c, VLNEXT)) {
        tty.literal_next = true;
        if ((l & ECHO) && (l & ECHOCTL))
            console_write("^\b", 2); /* the quoted character's echo will cover it */
    } else if (is_cc(c, VEOF)) {
        put(0, SLOT_EOF);
        commit();
    } else if (c == '\n') {
        put(c, SLOT_LINE_END);
        if (l & (ECHO | ECHONL))
            output_byte(TTY_CONSOLE, '\n');
        commit();
    } else if (is_cc(c, VEOL) || ((l & IEXTEN) && is_cc(c, VEOL2))) {
        put(c, SLOT_LINE_END);
        echo_char(c);
        commit();
    } else {
        return false;
    }
    return true;
}

static void terminal_input(uint8_t c)
{
    const struct ktermios *t = &tty.t;
    if (t->c_iflag & ISTRIP)
        c &= 0x7f;
    if (tty.literal_next) {
        tty.literal_next = false;
    } else {
        if (c == '\r') {
            if (t->c_iflag & IGNCR)
                return;
            if (t->c_iflag & ICRNL)
                c = '\n';
        } else if (c == '\n' && (t->c_iflag & INLCR)) {
            c = '\r';
        }
        if ((t->c_lflag & ISIG) && signal_char(c))
            return;
        if ((t->c_iflag & IXON) && (is_cc(c, VSTART) || is_cc(c, VSTOP)))
            return;
        if ((t->c_lflag & ICANON) && editing_char(c))
            return;
    }
    if (t->c_lflag & ICANON) {
        if (room() < 2)
            return; /* the line is as long as it can be: Linux drops the character too */
        put(c, SLOT_DATA);
        echo_char(c);
        return;
    }
    put(c, SLOT_DATA);
    echo_char(c); /* ECHONL is for canonical mode only */
    commit();
}

size_t tty_raw_room(void) { return tty.terminal ? 0 : room(); }

void tty_receive_raw(const uint8_t *bytes, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t at = tty.write % TTY_BUF, chunk = TTY_BUF - at;
        if (chunk > n - done)
            chunk = n - done;
        memcpy(tty.buf + at, bytes + done, chunk);
        memset(tty.kind + at, SLOT_DATA, chunk);
        tty.write += chunk;
        done += chunk;
    }
    if (n)
        commit();
}

void tty_receive(uint8_t c)
{
    if (!tty.terminal) {
        put(c, SLOT_DATA); /* a file or a pipe: every byte as it is */
        commit();
        return;
    }
    tty.last_rx_ns = timer_ns();
    terminal_input(c);
}

/* ---- reading ---------------------------------------------------------- */

size_t tty_pending(void)
{
    size_t n = 0;
    for (uint64_t i = tty.read; i < tty.committed; i++)
        n += tty.kind[i % TTY_BUF] != SLOT_EOF;
    return n;
}

bool tty_readable(void) { return tty.read != tty.committed || tty.hung_up; }

/* Wait (unless nonblock) until ready() or the deadline (0: none).
 * 0 when ready or timed out, -EAGAIN or -ERESTARTSYS. */
static long wait_for(bool (*ready)(size_t), size_t want, bool nonblock, uint64_t deadline_ns)
{
    while (!ready(want) && !tty.hung_up) {
        if (deadline_ns && timer_ns() >= deadline_ns)
            return 0;
        if (nonblock)
            return -EAGAIN;
        if (signal_interrupted())
            return -ERESTARTSYS;
        sleep_until(&tty, deadline_ns);
    }
    return 0;
}

static bool has_bytes(size_t want) { return tty.committed - tty.read >= want; }

static size_t copy_out(uint8_t *dst, size_t n, bool one_line)
{
    size_t got = 0;
    if (!tty.terminal) { /* only data slots: copy in at most two pieces */
        while (got < n && tty.read < tty.committed) {
            size_t at = tty.read % TTY_BUF, chunk = TTY_BUF - at;
            if (chunk > n - got)
                chunk = n - got;
            if (chunk > tty.committed - tty.read)
                chunk = (size_t)(tty.committed - tty.read);
            memcpy(dst + got, tty.buf + at, chunk);
            tty.read += chunk;
            got += chunk;
        }
        console_rx_resume();
        return got;
    }
    while (got < n && tty.read < tty.committed) {
        size_t i = tty.read % TTY_BUF;
        tty.read++;
        if (tty.kind[i] == SLOT_EOF)
            break; /* VEOF ends this read; alone on a line it reads as end of file */
        dst[got++] = tty.buf[i];
        if (one_line && tty.kind[i] == SLOT_LINE_END)
            break;
    }
    console_rx_resume(); /* room again: take what the UART held back */
    return got;
}

long tty_read(void *dst, size_t n, bool nonblock)
{
    if (n == 0)
        return 0;
    long err;
    if (!tty.terminal || canonical()) {
        if ((err = wait_for(has_bytes, 1, nonblock, 0)) < 0)
            return err;
        return (long)copy_out(dst, n, canonical());
    }
    /* Non-canonical: termios(3) "MIN > 0, TIME == 0" and the others. */
    size_t min = tty.t.c_cc[VMIN], want = min < n ? min : n;
    uint64_t time_ns = (uint64_t)tty.t.c_cc[VTIME] * 100000000ull;
    if (nonblock) {
        if (!has_bytes(1) && !tty.hung_up)
            return -EAGAIN;
    } else if (min == 0 && time_ns) {
        if ((err = wait_for(has_bytes, 1, false, timer_ns() + time_ns)) < 0)
            return err;
    } else if (min > 0 && !time_ns) {
        if ((err = wait_for(has_bytes, want, false, 0)) < 0)
            return err;
    } else if (min > 0) {
        /* The timer starts with the first byte and restarts with each. */
        if ((err = wait_for(has_bytes, 1, false, 0)) < 0)
            return err;
        while (!has_bytes(want) && !tty.hung_up && timer_ns() < tty.last_rx_ns + time_ns)
            if ((err = wait_for(has_bytes, want, false, tty.last_rx_ns + time_ns)) < 0)
                return err;
    }
    return (long)copy_out(dst, n, false);
}

/* ---- ioctl ------------------------------------------------------------ */

/* TIOCSPGRP's checks, as Linux's tiocspgrp: the group must exist (a
 * process whose group or pid is pgrp: ESRCH otherwise) and belong to the
 * terminal's session (EPERM otherwise). */
static long check_new_foreground(int pgrp)
{
    bool exists = false;
    for (int i = 0; i < proc_slots(); i++) {
        struct proc *p = proc_table(i);
        if (p->state != PROC_ALIVE || (p->pgid != pgrp && p->pid != pgrp))
            continue;
        exists = true;
        if (p->sid == tty.session)
            return 0;
    }
    return exists ? -EPERM : -ESRCH;
}

static long set_termios(uint64_t arg, bool flush)
{
    struct ktermios t;
    if (get_user(&t, arg, sizeof t))
        return -EFAULT;
    bool was_canonical = canonical();
    tty.t = t;
    if (flush)
        flush_input();
    /* Leaving or entering canonical mode: what is buffered is readable as
     * it is (n_tty_set_termios does the same). */
    if (was_canonical != canonical())
        commit();
    console_rx_resume();
    tty_received();
    return 0;
}

long tty_ioctl(enum tty_line line, uint64_t request, uint64_t arg)
{
    if (request == FIONREAD) {
        uint32_t n = (uint32_t)tty_pending();
        if (line == TTY_COM2 && !tty_line_is_terminal(line))
            n = 0;
        return put_user(arg, &n, sizeof n) ? -EFAULT : 0;
    }
    if (!tty_line_is_terminal(line))
        return -ENOTTY; /* a file or a pipe: isatty() is false */
    int32_t v;
    switch (request) {
    case TCGETS:
        return put_user(arg, &tty.t, sizeof tty.t) ? -EFAULT : 0;
    case TCSETS:
    case TCSETSW: /* output is never pending: draining is instant */
        return set_termios(arg, false);
    case TCSETSF:
        return set_termios(arg, true);
    case TIOCGWINSZ:
        return put_user(arg, &tty.ws, sizeof tty.ws) ? -EFAULT : 0;
    case TIOCSWINSZ: {
        struct kwinsize ws;
        if (get_user(&ws, arg, sizeof ws))
            return -EFAULT;
        bool changed = ws.ws_row != tty.ws.ws_row || ws.ws_col != tty.ws.ws_col;
        tty.ws = ws;
        if (changed)
            signal_send_pgrp(tty.fg_pgrp, SIGWINCH, SI_KERNEL);
        return 0;
    }
    case TIOCGPGRP:
        v = tty.fg_pgrp;
        return put_user(arg, &v, sizeof v) ? -EFAULT : 0;
    case TIOCSPGRP: {
        if (get_user(&v, arg, sizeof v))
            return -EFAULT;
        if (v < 0)
            return -EINVAL;
        if (current_proc()->sid != tty.session)
            return -ENOTTY; /* not the caller's controlling terminal */
        long err = check_new_foreground(v);
        if (err)
            return err;
        tty.fg_pgrp = v;
        return 0;
    }
    case TIOCGSID:
        v = tty.session;
        return put_user(arg, &v, sizeof v) ? -EFAULT : 0;
    case TIOCOUTQ:
        v = 0; /* output leaves at once */
        return put_user(arg, &v, sizeof v) ? -EFAULT : 0;
    case TCFLSH:
        if (arg > TCIOFLUSH)
            return -EINVAL;
        if (arg == TCIFLUSH || arg == TCIOFLUSH)
            flush_input();
        return 0;
    case TCSBRK:
    case TCXONC:
    case TIOCSCTTY:
    case TIOCNOTTY:
        return 0;
    default:
        return -ENOTTY; /* what Linux answers for a request no tty driver knows */
    }
}
