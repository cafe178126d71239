/* pngwrite.c — indexed PNG files through libpng (pngwrite.h). */
#include "pngwrite.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* libpng reports errors through this handler and then longjmps back to
 * png_write_indexed (libpng manual, "Setting up error handling"). */
struct png_failure {
    char *err;
    size_t errlen;
};

static void on_png_error(png_structp png, png_const_charp message)
{
    struct png_failure *f = png_get_error_ptr(png);
    snprintf(f->err, f->errlen, "libpng: %s", message);
    png_longjmp(png, 1);
}

static void on_png_warning(png_structp png, png_const_charp message)
{
    (void)png, (void)message; /* warnings do not stop the file */
}

int png_write_indexed(const char *path, const uint8_t *pixels, int width, int height,
                      const struct png_rgb *palette, int ncolors, char *err, size_t errlen)
{
    if (width <= 0 || height <= 0 || ncolors <= 0 || ncolors > 256) {
        snprintf(err, errlen, "cannot write %s: a %dx%d image with %d colours", path, width, height, ncolors);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    struct png_failure failure = {err, errlen};
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &failure, on_png_error, on_png_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        snprintf(err, errlen, "cannot write %s: out of host memory", path);
        png_destroy_write_struct(&png, NULL);
        fclose(f);
        unlink(path);
        return -1;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        unlink(path);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, PNG_COLOR_TYPE_PALETTE,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_color colors[256];
    for (int i = 0; i < ncolors; i++)
        colors[i] = (png_color){palette[i].r, palette[i].g, palette[i].b};
    png_set_PLTE(png, info, colors, ncolors);
    png_write_info(png, info);
    for (int y = 0; y < height; y++)
        png_write_row(png, pixels + (size_t)y * (size_t)width);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(path);
        return -1;
    }
    return 0;
}
