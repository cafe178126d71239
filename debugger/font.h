/* font.h — the debugger's bitmap font: Terminus Font 8x16 (SIL Open Font
 * License 1.1, assets/Terminus-Font-OFL-1.1.txt), printable ASCII plus a
 * few symbols at codes 0x80.. (generated into font_data.c by
 * assets/psf2c.py).  Row r of glyph c is font_glyphs[c - FONT_FIRST][r],
 * bit 7 the leftmost pixel. */
#ifndef RINGSCOPE_DEBUGGER_FONT_H
#define RINGSCOPE_DEBUGGER_FONT_H
#include <stdint.h>

#define FONT_WIDTH 8
#define FONT_HEIGHT 16
#define FONT_FIRST 0x20

enum font_symbol {
    FONT_BLOCK = 0x80,   /* full block */
    FONT_UP = 0x81,      /* up arrow */
    FONT_DOWN = 0x82,    /* down arrow */
    FONT_RIGHT = 0x83,   /* right arrow */
    FONT_LEFT = 0x84,    /* left arrow */
    FONT_DOT = 0x85,     /* middle dot */
    FONT_BULLET = 0x86,  /* black circle */
    FONT_VLINE = 0x87,   /* box drawing vertical */
    FONT_HLINE = 0x88,   /* box drawing horizontal */
    FONT_ELLIPSIS = 0x89, /* horizontal ellipsis: text cut at the panel's edge */
    FONT_LAST = 0x89,
};
#define FONT_GLYPHS (FONT_LAST - FONT_FIRST + 1)

extern const uint8_t font_glyphs[FONT_GLYPHS][FONT_HEIGHT];

/* The glyph rows for code c ('?' for codes the font does not have). */
static inline const uint8_t *font_glyph(uint8_t c)
{
    if (c < FONT_FIRST || c > FONT_LAST || (c > 0x7e && c < 0x80))
        c = '?';
    return font_glyphs[c - FONT_FIRST];
}

#endif
