/* outbuf.h — the writers' output buffer: a large block filled by hand-written
 * number formatting (no printf on the per-instruction path) and handed to
 * fwrite when full.  Tracing every instruction produces hundreds of MB, so
 * this is where the writers spend their time. */
#ifndef RINGSCOPE_TRACE_OUTBUF_H
#define RINGSCOPE_TRACE_OUTBUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TRACE_OUT_CAP (1u << 20)

struct trace_out {
    FILE *f;
    bool write_error;      /* an fwrite failed (disk full...): reported by tracer_close */
    size_t len;
    char buf[TRACE_OUT_CAP];
};

static inline void out_flush(struct trace_out *o)
{
    if (o->len && o->f && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->write_error = true;
    o->len = 0;
}

/* Make room for n bytes (n <= TRACE_OUT_CAP). */
static inline char *out_room(struct trace_out *o, size_t n)
{
    if (o->len + n > TRACE_OUT_CAP)
        out_flush(o);
    return o->buf + o->len;
}

static inline void out_mem(struct trace_out *o, const char *s, size_t n)
{
    if (n > TRACE_OUT_CAP / 2) {
        out_flush(o);
        if (o->f && fwrite(s, 1, n, o->f) != n)
            o->write_error = true;
        return;
    }
    memcpy(out_room(o, n), s, n);
    o->len += n;
}

static inline void out_str(struct trace_out *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static inline void out_char(struct trace_out *o, char c)
{
    *out_room(o, 1) = c;
    o->len++;
}

/* Blanks in fixed 32-byte stores (short variable-length memsets cost more
 * than the padding itself); the overshoot lands in free buffer space. */
static const char out_blanks[32] = "                                ";
static inline void out_spaces(struct trace_out *o, size_t n)
{
    if (n > 256)
        n = 256;
    char *p = out_room(o, n + sizeof out_blanks);
    for (size_t i = 0; i < n; i += sizeof out_blanks)
        memcpy(p + i, out_blanks, sizeof out_blanks);
    o->len += n;
}

static const char out_hexdigits[16] = "0123456789abcdef";

/* Digits of v in hex (no prefix, no leading zeros, "0" for zero); returns
 * the count written into d (at most 16). */
static inline size_t hex_digits(uint64_t v, char *d)
{
    size_t n = v ? (size_t)(67 - __builtin_clzll(v)) / 4 : 1;
    for (size_t i = n; i-- > 0; v >>= 4)
        d[i] = out_hexdigits[v & 15];
    return n;
}

/* "0x1f" */
static inline void out_hex(struct trace_out *o, uint64_t v)
{
    char *p = out_room(o, 18);
    p[0] = '0';
    p[1] = 'x';
    o->len += 2 + hex_digits(v, p + 2);
}

/* Two characters per byte value ("00".."ff") and per number 0..99
 * ("00".."99"): number formatting does half as many steps. */
static const char out_hexpairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
static const char out_decpairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

/* Exactly `width` (even) hex digits, zero-padded, no prefix. */
static inline void out_hex_fixed(struct trace_out *o, uint64_t v, unsigned width)
{
    char *p = out_room(o, width);
    for (unsigned i = width; i >= 2; i -= 2, v >>= 8)
        memcpy(p + i - 2, out_hexpairs + 2 * (v & 0xff), 2);
    o->len += width;
}

/* The decimal digits of v, written backwards so that they end just before
 * `end`; returns where they start. */
static inline char *dec_backwards(uint64_t v, char *end)
{
    char *p = end;
    while (v >= 100) {
        p -= 2;
        memcpy(p, out_decpairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, out_decpairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

static inline void out_dec(struct trace_out *o, uint64_t v)
{
    char tmp[40]; /* digits end at tmp + 20; the fixed 20-byte copy stays inside */
    char *start = dec_backwards(v, tmp + 20);
    memcpy(out_room(o, 20), start, 20);
    o->len += (size_t)(tmp + 20 - start);
}

static inline void out_sdec(struct trace_out *o, int64_t v)
{
    if (v < 0) {
        out_char(o, '-');
        out_dec(o, (uint64_t)0 - (uint64_t)v);
    } else {
        out_dec(o, (uint64_t)v);
    }
}

/* Right-aligned decimal in a field of `width` (<= 20) characters (wider
 * numbers push the field right). */
static inline void out_dec_right(struct trace_out *o, uint64_t v, unsigned width)
{
    char tmp[40];
    memcpy(tmp + 8, out_blanks, sizeof out_blanks); /* blanks under the digits */
    char *start = dec_backwards(v, tmp + 40);
    size_t n = (size_t)(tmp + 40 - start);
    if (n < width) {
        start = tmp + 40 - width;
        n = width;
    }
    memcpy(out_room(o, n), start, n);
    o->len += n;
}

#endif
