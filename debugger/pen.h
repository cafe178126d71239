/* pen.h — writing text into the UI model's character cells: a pen is a
 * cursor with colours inside one panel's inner area, clipped to it.  Shared
 * by model.c and the panel files (panels.h). */
#ifndef RINGSCOPE_DEBUGGER_PEN_H
#define RINGSCOPE_DEBUGGER_PEN_H
#include <stdbool.h>
#include <stdint.h>
#include "model.h"

/* A pen writing into one panel's inner area (clipped to it). */
struct pen {
    struct ui_model *m;
    int x0, y0, w, h;   /* inner area */
    int x, y;           /* cursor, relative */
    uint8_t fg, bg;
};

void put_cell(struct ui_model *m, int x, int y, uint8_t ch, uint8_t fg, uint8_t bg);
void pen_char(struct pen *p, uint8_t ch);
void pen_text(struct pen *p, const char *s);
void pen_printf(struct pen *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pen_color(struct pen *p, uint8_t fg, uint8_t bg);
/* Text from the cursor, wrapped at spaces onto the next lines (which
 * start at column indent) instead of being cut at the panel's edge. */
void pen_wrap(struct pen *p, const char *s, int indent);
/* Next line: column 0, default colours. */
void pen_line(struct pen *p);
/* Fill the rest of the current line with the pen's background. */
void pen_fill(struct pen *p);
bool pen_full(const struct pen *p);
/* A pen on the inner area of panel id. */
struct pen panel_pen(struct ui_model *m, enum ui_panel_id id);
/* The panel's border with its title (and extra words) in the top edge. */
void draw_frame(struct ui_model *m, enum ui_panel_id id, const char *name, const char *extra);

#endif
