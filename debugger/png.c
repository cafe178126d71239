/* png.c — indexed PNG writer with a fixed-Huffman DEFLATE encoder (png.h). */
#include "png.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- bit output (DEFLATE packs bits LSB first, RFC 1951 §3.1.1) ------- */

struct bits {
    uint8_t *buf;
    size_t len, cap;
    uint32_t acc;
    int nacc;
    bool oom;
};

static void put_byte(struct bits *b, uint8_t v)
{
    if (b->len == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 65536;
        uint8_t *p = realloc(b->buf, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->buf = p;
        b->cap = cap;
    }
    b->buf[b->len++] = v;
}

static void put_bits(struct bits *b, uint32_t value, int n)
{
    b->acc |= value << b->nacc;
    b->nacc += n;
    while (b->nacc >= 8) {
        put_byte(b, (uint8_t)b->acc);
        b->acc >>= 8;
        b->nacc -= 8;
    }
}

/* Huffman codes are sent most significant bit first. */
static void put_code(struct bits *b, uint32_t code, int n)
{
    uint32_t rev = 0;
    for (int i = 0; i < n; i++)
        rev |= ((code >> i) & 1) << (n - 1 - i);
    put_bits(b, rev, n);
}

/* The fixed literal/length code (RFC 1951 §3.2.6). */
static void put_litlen(struct bits *b, unsigned v)
{
    if (v < 144)
        put_code(b, 0x30 + v, 8);
    else if (v < 256)
        put_code(b, 0x190 + (v - 144), 9);
    else if (v < 280)
        put_code(b, v - 256, 7);
    else
        put_code(b, 0xC0 + (v - 280), 8);
}

static const uint16_t len_base[29] = {3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t dist_base[30] = {1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                       513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static void put_match(struct bits *b, unsigned len, unsigned dist)
{
    int i = 28;
    while (len_base[i] > len)
        i--;
    put_litlen(b, 257 + (unsigned)i);
    put_bits(b, len - len_base[i], len_extra[i]);
    int k = 29;
    while (dist_base[k] > dist)
        k--;
    put_code(b, (uint32_t)k, 5);
    put_bits(b, dist - dist_base[k], dist_extra[k]);
}

#define WINDOW 32768u
#define HASH_BITS 15
#define MAX_CHAIN 16

int zlib_compress(const uint8_t *data, size_t len, uint8_t **out, size_t *outlen)
{
    struct bits b = {0};
    int32_t *head = malloc(sizeof(int32_t) << HASH_BITS);
    int32_t *prev = malloc(sizeof(int32_t) * WINDOW);
    if (!head || !prev) {
        free(head);
        free(prev);
        errno = ENOMEM;
        return -1;
    }
    memset(head, 0xff, sizeof(int32_t) << HASH_BITS);
    put_byte(&b, 0x78); /* CM 8 (deflate), 32 KiB window */
    put_byte(&b, 0x01); /* FLEVEL 0, FCHECK: 0x7801 % 31 == 0 */
    put_bits(&b, 1, 1); /* BFINAL */
    put_bits(&b, 1, 2); /* BTYPE 01: fixed Huffman codes */
    size_t i = 0;
    while (i < len) {
        unsigned best_len = 0, best_dist = 0;
        if (i + 3 <= len) {
            uint32_t h = ((uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2]) * 2654435761u >> (32 - HASH_BITS);
            int32_t cand = head[h];
            for (int chain = 0; cand >= 0 && chain < MAX_CHAIN && i - (size_t)cand <= WINDOW - 1; chain++) {
                size_t max = len - i < 258 ? len - i : 258, n = 0;
                while (n < max && data[cand + n] == data[i + n])
                    n++;
                if (n > best_len) {
                    best_len = (unsigned)n;
                    best_dist = (unsigned)(i - (size_t)cand);
                    if (n == max)
                        break;
                }
                int32_t next = prev[cand % WINDOW];
                if (next >= cand)
                    break;
                cand = next;
            }
        }
        size_t step = best_len >= 3 ? best_len : 1;
        if (best_len >= 3)
            put_match(&b, best_len, best_dist);
        else
            put_litlen(&b, data[i]);
        /* Index every position we pass. */
        for (size_t k = 0; k < step; k++, i++) {
            if (i + 3 > len)
                continue;
            uint32_t h = ((uint32_t)data[i] << 16 | (uint32_t)data[i + 1] << 8 | data[i + 2]) * 2654435761u >> (32 - HASH_BITS);
            prev[i % WINDOW] = head[h];
            head[h] = (int32_t)i;
        }
    }
    put_litlen(&b, 256); /* end of block */
    if (b.nacc)
        put_bits(&b, 0, 8 - b.nacc);
    uint32_t s1 = 1, s2 = 0; /* Adler-32 (RFC 1950 §8.2) */
    for (size_t k = 0; k < len; k++) {
        s1 = (s1 + data[k]) % 65521;
        s2 = (s2 + s1) % 65521;
    }
    uint32_t adler = s2 << 16 | s1;
    for (int k = 3; k >= 0; k--)
        put_byte(&b, (uint8_t)(adler >> (8 * k)));
    free(head);
    free(prev);
    if (b.oom) {
        free(b.buf);
        errno = ENOMEM;
        return -1;
    }
    *out = b.buf;
    *outlen = b.len;
    return 0;
}

/* ---- PNG chunks -------------------------------------------------------- */

static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc;
}

static void be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static bool chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
    uint8_t hdr[8], tail[4];
    be32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uint32_t crc = crc_update(0xffffffffu, hdr + 4, 4);
    crc = crc_update(crc, data, n) ^ 0xffffffffu;
    be32(tail, crc);
    return fwrite(hdr, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(tail, 1, 4, f) == 4;
}

int png_write_indexed(const char *path, const uint8_t *pixels, int width, int height,
                      const struct png_rgb *palette, int ncolors)
{
    size_t stride = (size_t)width + 1;
    uint8_t *raw = malloc(stride * height);
    if (!raw) {
        errno = ENOMEM;
        return -1;
    }
    for (int y = 0; y < height; y++) {
        raw[y * stride] = 0; /* filter type None */
        memcpy(raw + y * stride + 1, pixels + (size_t)y * width, (size_t)width);
    }
    uint8_t *z;
    size_t zlen;
    int rc = zlib_compress(raw, stride * height, &z, &zlen);
    free(raw);
    if (rc != 0)
        return -1;
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        return -1;
    }
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    uint8_t ihdr[13], plte[256 * 3];
    be32(ihdr, (uint32_t)width);
    be32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;  /* bit depth */
    ihdr[9] = 3;  /* colour type 3: palette indices */
    ihdr[10] = ihdr[11] = ihdr[12] = 0;
    for (int i = 0; i < ncolors && i < 256; i++)
        plte[3 * i] = palette[i].r, plte[3 * i + 1] = palette[i].g, plte[3 * i + 2] = palette[i].b;
    bool ok = fwrite(signature, 1, 8, f) == 8 && chunk(f, "IHDR", ihdr, 13) &&
              chunk(f, "PLTE", plte, (size_t)(ncolors < 256 ? ncolors : 256) * 3) && chunk(f, "IDAT", z, zlen) &&
              chunk(f, "IEND", NULL, 0);
    free(z);
    if (fclose(f) != 0)
        ok = false;
    return ok ? 0 : -1;
}
