/* keys.h — the keyboard's keys (name -> PC scancodes) and the key script
 * that drives the emulated PS/2 keyboard (`--keys "…"`, `--keys-file F`).
 *
 * Scancodes: set 1 is what a guest reads with the i8042's translation on
 * (the PC default): make = code, break = code | 0x80.  Set 2 is what the
 * keyboard itself sends: make = code, break = F0 code.  Keys flagged E0 are
 * prefixed with 0xE0 in both sets (the navigation cluster, right Ctrl/Alt,
 * keypad Enter and /, the GUI and menu keys).  Sources: the IBM PS/2
 * keyboard technical reference tables as reproduced on the OSDev wiki
 * ("PS/2 Keyboard", scan code sets 1 and 2).  Pause and Print Screen (multi-
 * byte E1/E0 2A sequences) are not in the table.
 *
 * Key script syntax (also in machine/README.md): entries are separated by
 * commas or newlines; `//` starts a comment that runs to the end of the
 * line; blank entries are skipped.  Each entry is
 *     WHEN KEY ACTION
 *   WHEN   @<n>ns | @<n>us | @<n>ms | @<n>s   virtual time since power-on
 *          #<n>                               after n retired instructions
 *   KEY    a key name (keys_lookup: case-insensitive, aliases below)
 *   ACTION down | up | press   (press = down at WHEN, up KEYS_PRESS_NS or
 *                               KEYS_PRESS_INSNS later in the same clock)
 * Within each clock (@ and #) the entries' WHEN must not decrease; the two
 * clocks are independent (a hlt skips virtual time without instructions). */
#ifndef RINGSCOPE_KEYS_H
#define RINGSCOPE_KEYS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* KEYDEF(enum suffix, name, set-1 make code, set-2 make code, E0 prefix) */
#define KEYS_TABLE(KEYDEF) \
    KEYDEF(ESC, "esc", 0x01, 0x76, 0) KEYDEF(1, "1", 0x02, 0x16, 0) KEYDEF(2, "2", 0x03, 0x1E, 0) \
    KEYDEF(3, "3", 0x04, 0x26, 0) KEYDEF(4, "4", 0x05, 0x25, 0) KEYDEF(5, "5", 0x06, 0x2E, 0) \
    KEYDEF(6, "6", 0x07, 0x36, 0) KEYDEF(7, "7", 0x08, 0x3D, 0) KEYDEF(8, "8", 0x09, 0x3E, 0) \
    KEYDEF(9, "9", 0x0A, 0x46, 0) KEYDEF(0, "0", 0x0B, 0x45, 0) KEYDEF(MINUS, "minus", 0x0C, 0x4E, 0) \
    KEYDEF(EQUALS, "equals", 0x0D, 0x55, 0) KEYDEF(BACKSPACE, "backspace", 0x0E, 0x66, 0) \
    KEYDEF(TAB, "tab", 0x0F, 0x0D, 0) KEYDEF(Q, "q", 0x10, 0x15, 0) KEYDEF(W, "w", 0x11, 0x1D, 0) \
    KEYDEF(E, "e", 0x12, 0x24, 0) KEYDEF(R, "r", 0x13, 0x2D, 0) KEYDEF(T, "t", 0x14, 0x2C, 0) \
    KEYDEF(Y, "y", 0x15, 0x35, 0) KEYDEF(U, "u", 0x16, 0x3C, 0) KEYDEF(I, "i", 0x17, 0x43, 0) \
    KEYDEF(O, "o", 0x18, 0x44, 0) KEYDEF(P, "p", 0x19, 0x4D, 0) KEYDEF(LBRACKET, "lbracket", 0x1A, 0x54, 0) \
    KEYDEF(RBRACKET, "rbracket", 0x1B, 0x5B, 0) KEYDEF(ENTER, "enter", 0x1C, 0x5A, 0) \
    KEYDEF(LCTRL, "lctrl", 0x1D, 0x14, 0) KEYDEF(A, "a", 0x1E, 0x1C, 0) KEYDEF(S, "s", 0x1F, 0x1B, 0) \
    KEYDEF(D, "d", 0x20, 0x23, 0) KEYDEF(F, "f", 0x21, 0x2B, 0) KEYDEF(G, "g", 0x22, 0x34, 0) \
    KEYDEF(H, "h", 0x23, 0x33, 0) KEYDEF(J, "j", 0x24, 0x3B, 0) KEYDEF(K, "k", 0x25, 0x42, 0) \
    KEYDEF(L, "l", 0x26, 0x4B, 0) KEYDEF(SEMICOLON, "semicolon", 0x27, 0x4C, 0) \
    KEYDEF(QUOTE, "quote", 0x28, 0x52, 0) KEYDEF(BACKQUOTE, "backquote", 0x29, 0x0E, 0) \
    KEYDEF(LSHIFT, "lshift", 0x2A, 0x12, 0) KEYDEF(BACKSLASH, "backslash", 0x2B, 0x5D, 0) \
    KEYDEF(Z, "z", 0x2C, 0x1A, 0) KEYDEF(X, "x", 0x2D, 0x22, 0) KEYDEF(C, "c", 0x2E, 0x21, 0) \
    KEYDEF(V, "v", 0x2F, 0x2A, 0) KEYDEF(B, "b", 0x30, 0x32, 0) KEYDEF(N, "n", 0x31, 0x31, 0) \
    KEYDEF(M, "m", 0x32, 0x3A, 0) KEYDEF(COMMA, "comma", 0x33, 0x41, 0) KEYDEF(PERIOD, "period", 0x34, 0x49, 0) \
    KEYDEF(SLASH, "slash", 0x35, 0x4A, 0) KEYDEF(RSHIFT, "rshift", 0x36, 0x59, 0) \
    KEYDEF(KP_STAR, "kpstar", 0x37, 0x7C, 0) KEYDEF(LALT, "lalt", 0x38, 0x11, 0) \
    KEYDEF(SPACE, "space", 0x39, 0x29, 0) KEYDEF(CAPSLOCK, "capslock", 0x3A, 0x58, 0) \
    KEYDEF(F1, "f1", 0x3B, 0x05, 0) KEYDEF(F2, "f2", 0x3C, 0x06, 0) KEYDEF(F3, "f3", 0x3D, 0x04, 0) \
    KEYDEF(F4, "f4", 0x3E, 0x0C, 0) KEYDEF(F5, "f5", 0x3F, 0x03, 0) KEYDEF(F6, "f6", 0x40, 0x0B, 0) \
    KEYDEF(F7, "f7", 0x41, 0x83, 0) KEYDEF(F8, "f8", 0x42, 0x0A, 0) KEYDEF(F9, "f9", 0x43, 0x01, 0) \
    KEYDEF(F10, "f10", 0x44, 0x09, 0) KEYDEF(NUMLOCK, "numlock", 0x45, 0x77, 0) \
    KEYDEF(SCROLLLOCK, "scrolllock", 0x46, 0x7E, 0) KEYDEF(KP_7, "kp7", 0x47, 0x6C, 0) \
    KEYDEF(KP_8, "kp8", 0x48, 0x75, 0) KEYDEF(KP_9, "kp9", 0x49, 0x7D, 0) \
    KEYDEF(KP_MINUS, "kpminus", 0x4A, 0x7B, 0) KEYDEF(KP_4, "kp4", 0x4B, 0x6B, 0) \
    KEYDEF(KP_5, "kp5", 0x4C, 0x73, 0) KEYDEF(KP_6, "kp6", 0x4D, 0x74, 0) KEYDEF(KP_PLUS, "kpplus", 0x4E, 0x79, 0) \
    KEYDEF(KP_1, "kp1", 0x4F, 0x69, 0) KEYDEF(KP_2, "kp2", 0x50, 0x72, 0) KEYDEF(KP_3, "kp3", 0x51, 0x7A, 0) \
    KEYDEF(KP_0, "kp0", 0x52, 0x70, 0) KEYDEF(KP_PERIOD, "kpperiod", 0x53, 0x71, 0) \
    KEYDEF(F11, "f11", 0x57, 0x78, 0) KEYDEF(F12, "f12", 0x58, 0x07, 0) \
    KEYDEF(KP_ENTER, "kpenter", 0x1C, 0x5A, 1) KEYDEF(RCTRL, "rctrl", 0x1D, 0x14, 1) \
    KEYDEF(KP_SLASH, "kpslash", 0x35, 0x4A, 1) KEYDEF(RALT, "ralt", 0x38, 0x11, 1) \
    KEYDEF(HOME, "home", 0x47, 0x6C, 1) KEYDEF(UP, "up", 0x48, 0x75, 1) KEYDEF(PAGEUP, "pageup", 0x49, 0x7D, 1) \
    KEYDEF(LEFT, "left", 0x4B, 0x6B, 1) KEYDEF(RIGHT, "right", 0x4D, 0x74, 1) \
    KEYDEF(END, "end", 0x4F, 0x69, 1) KEYDEF(DOWN, "down", 0x50, 0x72, 1) \
    KEYDEF(PAGEDOWN, "pagedown", 0x51, 0x7A, 1) KEYDEF(INSERT, "insert", 0x52, 0x70, 1) \
    KEYDEF(DELETE, "delete", 0x53, 0x71, 1) KEYDEF(LGUI, "lgui", 0x5B, 0x1F, 1) \
    KEYDEF(RGUI, "rgui", 0x5C, 0x27, 1) KEYDEF(MENU, "menu", 0x5D, 0x2F, 1)

#define KEYS_ENUM_ENTRY(id, name, set1, set2, e0) KEY_##id,
enum key { KEY_NONE, KEYS_TABLE(KEYS_ENUM_ENTRY) KEY_COUNT };
#undef KEYS_ENUM_ENTRY

struct key_info {
    const char *name;   /* canonical script name */
    uint8_t set1;       /* set-1 make code (break = | 0x80) */
    uint8_t set2;       /* set-2 make code (break = F0 prefix) */
    bool e0;            /* 0xE0 prefix in both sets */
};

/* NULL for KEY_NONE or an out-of-range value. */
const struct key_info *key_info(enum key key);
/* A key by name, case-insensitive: the canonical names above plus the
 * aliases shift = lshift, ctrl = lctrl, alt = lalt, altgr = ralt,
 * return = enter, escape = esc, del = delete, ins = insert, pgup = pageup,
 * pgdn = pagedown, bksp = backspace, "-" "=" "[" "]" ";" "'" "`" "\"
 * "." "/" for the punctuation keys.  KEY_NONE if unknown. */
enum key keys_lookup(const char *name, size_t len);

/* ---- key script ------------------------------------------------------- */

#define KEYS_PRESS_NS 10000000ull  /* press: key held 10 ms of virtual time */
#define KEYS_PRESS_INSNS 100000ull /* press with #n: held 100000 instructions */

enum key_clock { KEY_AT_NS, KEY_AT_INSN };

struct key_event {
    enum key_clock clock;
    uint64_t at;        /* ns or instruction count */
    enum key key;
    bool down;
    unsigned entry;     /* 1-based entry number in the script */
};

/* All @-events first (count_ns of them), then the #-events, each part in due
 * order (stable: script order for equal times). */
struct key_script {
    struct key_event *events;
    size_t count;
    size_t count_ns;
};

/* Parse a script.  Returns 0, or -1 with a one-line message in err such as
 * "entry 3: unknown key name 'foo'" (the caller adds "--keys: ").  On error
 * *out is left empty.  Free with keys_free. */
int keys_parse(const char *text, struct key_script *out, char *err, size_t errlen);
/* Read and parse a --keys-file; errors name the file ("F: entry 2: ..." or
 * "cannot read F: reason"). */
int keys_parse_file(const char *path, struct key_script *out, char *err, size_t errlen);
void keys_free(struct key_script *script);

/* The board's cursor over a script: keys_next_due returns the next event
 * due at (icount, now_ns) — when both clocks have one due, the earlier
 * script entry first — or NULL; call it until NULL after each step.
 * keys_next_deadline is the virtual time of the next @-event (UINT64_MAX if
 * none), so a halted guest can skip ahead to it. */
struct key_cursor {
    const struct key_script *script;
    size_t next_ns, next_insn;   /* indexes of the next undelivered events */
};
void keys_cursor_init(struct key_cursor *c, const struct key_script *script);
const struct key_event *keys_next_due(struct key_cursor *c, uint64_t icount, uint64_t now_ns);
uint64_t keys_next_deadline(const struct key_cursor *c);

#endif
