/* raster.h — paint a UI model (model.h) into pixels: one byte per pixel,
 * the value a palette index (enum ui_color, colours in ui_palette).  Pure C,
 * no SDL: the window blits the result through an 8-bit SDL surface, and
 * screenshots write it as an indexed PNG or BMP.  scale 1 or 2 draws each
 * font pixel as a scale x scale square (crisp, no filtering). */
#ifndef RINGSCOPE_DEBUGGER_RASTER_H
#define RINGSCOPE_DEBUGGER_RASTER_H
#include <stdint.h>
#include "model.h"

struct raster {
    uint8_t *pixels;   /* width * height palette indices */
    int width, height;
    /* The cells painted last time: unchanged cells are not painted again. */
    struct ui_cell *painted;
    int cols, rows, scale;
};

/* (Re)allocates r->pixels for the model's size.  0, or -1 without memory. */
int raster_model(struct raster *r, const struct ui_model *m, int scale);
void raster_free(struct raster *r);

#endif
