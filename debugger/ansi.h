/* ansi.h — paint a UI model (model.h) on a text terminal: the same cells
 * the window rasterises, written as characters (UTF-8 for the font's
 * symbols: █ ↑ ↓ → ← · ● │ ─) with xterm 256-colour escape sequences
 * (ECMA-48 SGR 38;5;N / 48;5;N, CUP to move the cursor), so the debugger
 * works in any terminal, over SSH too.  Only cells that changed since the
 * last frame are written.  Pure C, no SDL, no I/O: the caller writes the
 * bytes. */
#ifndef RINGSCOPE_DEBUGGER_ANSI_H
#define RINGSCOPE_DEBUGGER_ANSI_H
#include <stdbool.h>
#include <stddef.h>
#include "model.h"

struct ansi_screen {
    struct ui_cell *shown;   /* what the terminal shows now (cols * rows) */
    int cols, rows;
    char *out;               /* the bytes of the last frame */
    size_t len, cap;
};

/* The escape sequences that bring the terminal from what it shows to m
 * (the whole screen after ansi_invalidate or a size change) into
 * s->out/s->len.  0, or -1 without memory. */
int ansi_frame(struct ansi_screen *s, const struct ui_model *m);
/* Forget what the terminal shows: the next frame repaints everything. */
void ansi_invalidate(struct ansi_screen *s);
void ansi_free(struct ansi_screen *s);

/* The xterm 256-colour index nearest to an RGB colour (the 6x6x6 cube or
 * the 24-step grey ramp). */
int ansi_color_index(struct ui_rgb c);
/* UTF-8 text of a font code (ASCII, or one of the FONT_* symbols). */
const char *ansi_glyph(uint8_t ch);

#endif
