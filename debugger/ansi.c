/* ansi.c — the UI model on a text terminal (ansi.h). */
#include "ansi.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "font.h"

/* xterm's 256 colours: 16 system colours, a 6x6x6 cube with these levels
 * per channel, then 24 greys 8, 18, ... 238. */
static const int cube_level[6] = {0, 95, 135, 175, 215, 255};

static int nearest_level(int v)
{
    int best = 0;
    for (int i = 1; i < 6; i++)
        if (abs(cube_level[i] - v) < abs(cube_level[best] - v))
            best = i;
    return best;
}

static int distance(int r, int g, int b, struct ui_rgb c)
{
    return (r - c.r) * (r - c.r) + (g - c.g) * (g - c.g) + (b - c.b) * (b - c.b);
}

int ansi_color_index(struct ui_rgb c)
{
    int r = nearest_level(c.r), g = nearest_level(c.g), b = nearest_level(c.b);
    int cube = 16 + 36 * r + 6 * g + b;
    int dcube = distance(cube_level[r], cube_level[g], cube_level[b], c);
    int avg = (c.r + c.g + c.b) / 3;
    int step = avg < 8 ? 0 : avg > 238 ? 23 : (avg - 8 + 5) / 10;
    int grey = 8 + 10 * step;
    return distance(grey, grey, grey, c) < dcube ? 232 + step : cube;
}

const char *ansi_glyph(uint8_t ch)
{
    static char ascii[2];
    switch (ch) {
    case FONT_BLOCK: return "\u2588";
    case FONT_UP: return "\u2191";
    case FONT_DOWN: return "\u2193";
    case FONT_RIGHT: return "\u2192";
    case FONT_LEFT: return "\u2190";
    case FONT_DOT: return "\u00b7";
    case FONT_BULLET: return "\u25cf";
    case FONT_VLINE: return "\u2502";
    case FONT_HLINE: return "\u2500";
    case FONT_ELLIPSIS: return "\u2026";
    default:
        ascii[0] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
        ascii[1] = 0;
        return ascii;
    }
}

static bool grow(struct ansi_screen *s, size_t more)
{
    if (s->len + more <= s->cap)
        return true;
    size_t cap = s->cap ? s->cap : 65536;
    while (cap < s->len + more)
        cap *= 2;
    char *p = realloc(s->out, cap);
    if (!p)
        return false;
    s->out = p;
    s->cap = cap;
    return true;
}

static bool emit(struct ansi_screen *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool emit(struct ansi_screen *s, const char *fmt, ...)
{
    char buf[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(s, (size_t)n))
        return false;
    memcpy(s->out + s->len, buf, (size_t)n);
    s->len += (size_t)n;
    return true;
}

void ansi_invalidate(struct ansi_screen *s)
{
    free(s->shown);
    s->shown = NULL;
}

void ansi_free(struct ansi_screen *s)
{
    free(s->shown);
    free(s->out);
    memset(s, 0, sizeof *s);
}

/* The cell the terminal should show at (x, y): the model's, or a letter of
 * the big ring label (the window draws it 3 cells tall over blank cells;
 * here it is one row of bold text in the middle of that area). */
static struct ui_cell wanted(const struct ui_model *m, int x, int y, bool *bold)
{
    struct ui_cell c = m->cells[y * m->cols + x];
    *bold = false;
    int len = (int)strlen(m->big.text);
    if (m->big.scale > 0 && y == m->big.y + m->big.scale / 2 && x >= m->big.x + 1 && x < m->big.x + 1 + len) {
        c.ch = (uint8_t)m->big.text[x - m->big.x - 1];
        c.fg = m->big.fg;
        *bold = true;
    }
    return c;
}

int ansi_frame(struct ansi_screen *s, const struct ui_model *m)
{
    s->len = 0;
    bool full = !s->shown || s->cols != m->cols || s->rows != m->rows;
    if (full) {
        free(s->shown);
        s->shown = calloc((size_t)m->cols * m->rows, sizeof *s->shown);
        if (!s->shown)
            return -1;
        s->cols = m->cols;
        s->rows = m->rows;
        if (!emit(s, "\x1b[0m\x1b[2J"))
            return -1;
    }
    int cx = -1, cy = -1, fg = -1, bg = -1, was_bold = -1;
    for (int y = 0; y < m->rows; y++)
        for (int x = 0; x < m->cols; x++) {
            bool bold;
            struct ui_cell c = wanted(m, x, y, &bold);
            struct ui_cell *old = &s->shown[y * m->cols + x];
            /* A shown cell with ch 0 is unknown (bold cells are stored so). */
            if (!full && !bold && old->ch == c.ch && old->fg == c.fg && old->bg == c.bg)
                continue;
            *old = bold ? (struct ui_cell){0, 0, 0} : c;
            if (cx != x || cy != y)
                if (!emit(s, "\x1b[%d;%dH", y + 1, x + 1))
                    return -1;
            if ((int)bold != was_bold) {
                if (!emit(s, bold ? "\x1b[1m" : "\x1b[22m"))
                    return -1;
                was_bold = bold;
            }
            if (c.fg != fg) {
                if (!emit(s, "\x1b[38;5;%dm", ansi_color_index(ui_palette[c.fg < C_COUNT ? c.fg : C_TEXT])))
                    return -1;
                fg = c.fg;
            }
            if (c.bg != bg) {
                if (!emit(s, "\x1b[48;5;%dm", ansi_color_index(ui_palette[c.bg < C_COUNT ? c.bg : C_BG])))
                    return -1;
                bg = c.bg;
            }
            if (!emit(s, "%s", ansi_glyph(c.ch)))
                return -1;
            /* The terminal's cursor moved on, unless at the last column
             * (it stays there, pending wrap). */
            cx = x + 1 < m->cols ? x + 1 : -1;
            cy = y;
        }
    return emit(s, "\x1b[0m") ? 0 : -1;
}
