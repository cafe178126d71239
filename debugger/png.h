/* png.h — write a palette-indexed PNG (8 bits per pixel) with our own small
 * DEFLATE encoder (RFC 1951 fixed Huffman codes, greedy LZ77), the zlib
 * wrapper (RFC 1950) and the PNG chunks (PNG spec §11): screenshots without
 * a new library. */
#ifndef RINGSCOPE_DEBUGGER_PNG_H
#define RINGSCOPE_DEBUGGER_PNG_H
#include <stddef.h>
#include <stdint.h>

struct png_rgb {
    uint8_t r, g, b;
};

/* 0, or -1 (errno tells why: the file could not be written, or ENOMEM). */
int png_write_indexed(const char *path, const uint8_t *pixels, int width, int height,
                      const struct png_rgb *palette, int ncolors);

/* The encoder alone (for tests): zlib stream of data into *out (malloc'd). */
int zlib_compress(const uint8_t *data, size_t len, uint8_t **out, size_t *outlen);

#endif
