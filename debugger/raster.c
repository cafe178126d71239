/* raster.c — cells and the big ring label to palette-indexed pixels. */
#include "raster.h"

#include <stdlib.h>
#include <string.h>

#include "font.h"

static void glyph(struct raster *r, int px, int py, uint8_t ch, uint8_t fg, int scale, int bg)
{
    const uint8_t *rows = font_glyph(ch);
    for (int y = 0; y < FONT_HEIGHT; y++)
        for (int x = 0; x < FONT_WIDTH; x++) {
            bool on = rows[y] & (0x80 >> x);
            if (!on && bg < 0)
                continue;
            uint8_t c = on ? fg : (uint8_t)bg;
            for (int sy = 0; sy < scale; sy++) {
                int yy = py + y * scale + sy;
                if (yy < 0 || yy >= r->height)
                    continue;
                uint8_t *row = r->pixels + (size_t)yy * r->width;
                for (int sx = 0; sx < scale; sx++) {
                    int xx = px + x * scale + sx;
                    if (xx >= 0 && xx < r->width)
                        row[xx] = c;
                }
            }
        }
}

/* Cells under the big label are repainted every time (the label is drawn
 * over them). */
static bool under_big(const struct ui_model *m, int x, int y)
{
    int len = (int)strlen(m->big.text);
    return m->big.scale > 0 && y >= m->big.y && y < m->big.y + m->big.scale && x >= m->big.x &&
           x < m->big.x + len * m->big.scale;
}

int raster_model(struct raster *r, const struct ui_model *m, int scale)
{
    if (scale < 1)
        scale = 1;
    int w = m->cols * FONT_WIDTH * scale, h = m->rows * FONT_HEIGHT * scale;
    bool fresh = !r->pixels || r->width != w || r->height != h || r->cols != m->cols || r->rows != m->rows ||
                 r->scale != scale;
    if (fresh) {
        uint8_t *p = realloc(r->pixels, (size_t)w * h);
        struct ui_cell *c = realloc(r->painted, (size_t)m->cols * m->rows * sizeof *c);
        if (p)
            r->pixels = p;
        if (c)
            r->painted = c;
        if (!p || !c)
            return -1;
        r->width = w;
        r->height = h;
        r->cols = m->cols;
        r->rows = m->rows;
        r->scale = scale;
    }
    for (int y = 0; y < m->rows; y++)
        for (int x = 0; x < m->cols; x++) {
            const struct ui_cell *c = &m->cells[y * m->cols + x];
            struct ui_cell *old = &r->painted[y * m->cols + x];
            if (!fresh && !under_big(m, x, y) && old->ch == c->ch && old->fg == c->fg && old->bg == c->bg)
                continue;
            *old = *c;
            glyph(r, x * FONT_WIDTH * scale, y * FONT_HEIGHT * scale, c->ch, c->fg, scale, c->bg);
        }
    /* The big label: glyphs at scale * big.scale, transparent background. */
    int big = scale * m->big.scale;
    for (int i = 0; m->big.scale > 0 && m->big.text[i]; i++)
        glyph(r, (m->big.x + i * m->big.scale) * FONT_WIDTH * scale, m->big.y * FONT_HEIGHT * scale,
              (uint8_t)m->big.text[i], m->big.fg, big, -1);
    return 0;
}

void raster_free(struct raster *r)
{
    free(r->pixels);
    free(r->painted);
    memset(r, 0, sizeof *r);
}
