/* pen.c — writing text into the UI model's character cells (pen.h). */
#include "pen.h"

#include <stdarg.h>
#include <stdio.h>

#include "font.h"

void put_cell(struct ui_model *m, int x, int y, uint8_t ch, uint8_t fg, uint8_t bg)
{
    if (x < 0 || y < 0 || x >= m->cols || y >= m->rows)
        return;
    m->cells[y * m->cols + x] = (struct ui_cell){ch, fg, bg};
}

/* Text never disappears silently at the edge: the last cell of a line
 * whose text goes on past it shows the cut mark instead. */
static void mark_cut(struct pen *p, int y)
{
    if (p->w > 0 && y >= 0 && y < p->h)
        put_cell(p->m, p->x0 + p->w - 1, p->y0 + y, FONT_ELLIPSIS, p->fg, p->bg);
}

void pen_char(struct pen *p, uint8_t ch)
{
    if (p->x < p->w && p->y < p->h)
        put_cell(p->m, p->x0 + p->x, p->y0 + p->y, ch, p->fg, p->bg);
    else if (ch != ' ')
        mark_cut(p, p->y);
    p->x++;
}

/* Text is UTF-8: the arrows U+2190..U+2193 (E2 86 90..93) are the font's
 * arrows, any other character beyond ASCII is one '?' cell. */
void pen_text(struct pen *p, const char *s)
{
    static const uint8_t arrows[4] = {FONT_LEFT, FONT_UP, FONT_RIGHT, FONT_DOWN};
    for (const uint8_t *u = (const uint8_t *)s; *u; u++) {
        if (*u < 0x80) {
            pen_char(p, *u);
        } else if (u[0] == 0xe2 && u[1] == 0x86 && u[2] >= 0x90 && u[2] <= 0x93) {
            pen_char(p, arrows[u[2] - 0x90]);
            u += 2;
        } else if (*u >= 0xc0) {
            pen_char(p, '?');
            while ((u[1] & 0xc0) == 0x80)
                u++;
        }
    }
}

void pen_printf(struct pen *p, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pen_text(p, buf);
}

/* pen_wrap ran out of lines with words left: mark the last line. */
static void mark_rest(struct pen *p, const char *rest)
{
    while (*rest == ' ')
        rest++;
    if (*rest)
        mark_cut(p, p->h - 1);
}

void pen_wrap(struct pen *p, const char *s, int indent)
{
    while (*s && !pen_full(p)) {
        /* The next word (with the spaces before it). */
        size_t spaces = 0, len = 0;
        while (s[spaces] == ' ')
            spaces++;
        while (s[spaces + len] && s[spaces + len] != ' ')
            len++;
        if (p->x > indent && p->x + (int)(spaces + len) > p->w) {
            uint8_t fg = p->fg, bg = p->bg;
            pen_fill(p);
            pen_line(p);
            pen_color(p, fg, bg);
            p->x = indent;
            s += spaces;   /* no blanks at the start of a wrapped line */
            spaces = 0;
            if (pen_full(p)) {
                p->y--;
                mark_rest(p, s);
                p->y++;
                return;
            }
        }
        for (size_t i = 0; i < spaces + len; i++) {
            if (p->x >= p->w) { /* a word longer than the line: break it */
                uint8_t fg = p->fg, bg = p->bg;
                pen_line(p);
                pen_color(p, fg, bg);
                p->x = indent;
                if (pen_full(p)) {
                    mark_rest(p, s + i);
                    return;
                }
            }
            pen_char(p, (uint8_t)s[i]);
        }
        s += spaces + len;
    }
    mark_rest(p, s);
}

void pen_color(struct pen *p, uint8_t fg, uint8_t bg)
{
    p->fg = fg;
    p->bg = bg;
}

void pen_line(struct pen *p)
{
    p->x = 0;
    p->y++;
    p->fg = C_TEXT;
    p->bg = C_BG;
}

/* Fill the rest of the current line with the pen's background. */
void pen_fill(struct pen *p)
{
    while (p->x < p->w)
        pen_char(p, ' ');
}

bool pen_full(const struct pen *p) { return p->y >= p->h; }

struct pen panel_pen(struct ui_model *m, enum ui_panel_id id)
{
    struct ui_rect r = m->panel[id];
    return (struct pen){m, r.x + 1, r.y + 1, r.w - 2 > 0 ? r.w - 2 : 0, r.h - 2 > 0 ? r.h - 2 : 0, 0, 0, C_TEXT, C_BG};
}

void draw_frame(struct ui_model *m, enum ui_panel_id id, const char *name, const char *extra)
{
    struct ui_rect r = m->panel[id];
    if (r.w < 4 || r.h < 3)
        return;
    for (int x = r.x; x < r.x + r.w; x++) {
        put_cell(m, x, r.y, FONT_HLINE, C_BORDER, C_BG);
        put_cell(m, x, r.y + r.h - 1, FONT_HLINE, C_BORDER, C_BG);
    }
    for (int y = r.y; y < r.y + r.h; y++) {
        put_cell(m, r.x, y, FONT_VLINE, C_BORDER, C_BG);
        put_cell(m, r.x + r.w - 1, y, FONT_VLINE, C_BORDER, C_BG);
    }
    char title[128];
    snprintf(title, sizeof title, " %s%s%s ", name, extra && *extra ? " " : "", extra ? extra : "");
    int i = 0;
    for (; title[i] && r.x + 2 + i < r.x + r.w - 2; i++)
        put_cell(m, r.x + 2 + i, r.y, (uint8_t)title[i], C_TITLE, C_BG);
    if (title[i] && title[i + 1] && i > 0)   /* more than the closing blank is left */
        put_cell(m, r.x + 1 + i, r.y, FONT_ELLIPSIS, C_TITLE, C_BG);
}
