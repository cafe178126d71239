/* pngwrite.h — screenshots as palette-indexed PNG files (8 bits per
 * pixel), written through libpng. */
#ifndef RINGSCOPE_DEBUGGER_PNGWRITE_H
#define RINGSCOPE_DEBUGGER_PNGWRITE_H
#include <stddef.h>
#include <stdint.h>

struct png_rgb {
    uint8_t r, g, b;
};

/* width x height palette indices (row after row) and their colours
 * (at most 256) into a PNG file at path.  0, or -1 with a one-line reason
 * in err (the file is not left half written). */
int png_write_indexed(const char *path, const uint8_t *pixels, int width, int height,
                      const struct png_rgb *palette, int ncolors, char *err, size_t errlen);

#endif
