/* outbuf.h — the writers' output buffer: a large block filled by hand-written
 * number formatting (no printf on the per-instruction path) and handed to a
 * writing thread (outbuf.c) when full.  Tracing every instruction produces
 * hundreds of MB, so this is where the writers spend their time.
 *
 * Two layers: out_* append one piece, checking for room each time; put_*
 * store at a pointer into room already made with out_room and return the
 * end of what they wrote, so a hot path reserves a line's worst case once
 * and formats the whole line without a bounds check per piece. */
#ifndef RINGSCOPE_TRACE_OUTBUF_H
#define RINGSCOPE_TRACE_OUTBUF_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* 1 MiB per fwrite: few system calls, and the kernel's copy into the page
 * cache reads a buffer still in a CPU cache (256 KiB measured slower, 2
 * and 4 MiB no faster). */
#define TRACE_OUT_CAP (1u << 20)

struct out_shipper;

struct trace_out {
    FILE *f;                    /* NULL: a buffer that is never written out */
    size_t len;
    char *buf;                  /* TRACE_OUT_CAP bytes */
    struct out_shipper *ship;   /* a thread doing the fwrites, or NULL (outbuf.c) */
    bool write_error;           /* an fwrite on this thread failed */
};

/* Set up o (its buffer, and with `background` a thread that writes full
 * buffers to f while the next one fills: the kernel's copy into the page
 * cache then costs the tracing thread nothing).  False when out of memory;
 * without a thread (it could not be started) writes happen inline. */
bool out_init(struct trace_out *o, FILE *f, bool background);
/* Hand the buffered bytes over to be written (to the thread, or fwrite). */
void out_flush(struct trace_out *o);
/* Flush and wait until everything is written, fflush included: -1 if a
 * write failed at any point (disk full, closed pipe). */
int out_finish(struct trace_out *o);
/* Stop the thread (after its last write) and free the buffers. */
void out_free(struct trace_out *o);

/* Make room for n bytes (n <= TRACE_OUT_CAP). */
static inline char *out_room(struct trace_out *o, size_t n)
{
    if (__builtin_expect(o->len + n > TRACE_OUT_CAP, 0))
        out_flush(o);
    return o->buf + o->len;
}

/* The end of a line written with put_* into out_room's space. */
static inline void out_commit(struct trace_out *o, const char *end)
{
    o->len = (size_t)(end - o->buf);
}

static inline void out_mem(struct trace_out *o, const char *s, size_t n)
{
    while (__builtin_expect(n > TRACE_OUT_CAP - o->len, 0)) {
        /* Longer than the room left (a big group of lines): in pieces. */
        size_t part = TRACE_OUT_CAP - o->len;
        memcpy(o->buf + o->len, s, part);
        o->len = TRACE_OUT_CAP;
        out_flush(o);
        s += part;
        n -= part;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Copy n bytes in 32-byte pieces (short copies of varying length cost more
 * through memcpy): src must be readable, and dst writable, up to n rounded
 * up to 32. */
static inline char *put_copy32(char *dst, const char *src, size_t n)
{
    for (size_t i = 0; i < n; i += 32)
        memcpy(dst + i, src + i, 32);
    return dst + n;
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
 * than the padding itself); the overshoot lands in free buffer space, so
 * the room needed is n + 32. */
static const char out_blanks[32] = "                                ";
static inline char *put_spaces(char *p, size_t n)
{
    for (size_t i = 0; i < n; i += sizeof out_blanks)
        memcpy(p + i, out_blanks, sizeof out_blanks);
    return p + n;
}

static inline void out_spaces(struct trace_out *o, size_t n)
{
    if (n > 256)
        n = 256;
    out_commit(o, put_spaces(out_room(o, n + sizeof out_blanks), n));
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

/* The 16 hex digits of v, most significant first, stored at p (exactly 16
 * bytes).  SSE2 (every x86-64): the bytes' nibbles are spread into 16 lanes
 * and turned into '0'-'9' / 'a'-'f' at once. */
static inline void hex16(char *p, uint64_t v)
{
#ifdef __SSE2__
    __m128i x = _mm_cvtsi64_si128((long long)__builtin_bswap64(v));
    __m128i low4 = _mm_set1_epi8(0x0f);
    __m128i nib = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(x, 4), low4),
                                    _mm_and_si128(x, low4));
    __m128i letters = _mm_and_si128(_mm_cmpgt_epi8(nib, _mm_set1_epi8(9)),
                                    _mm_set1_epi8('a' - '0' - 10));
    _mm_storeu_si128((__m128i *)p,
                     _mm_add_epi8(_mm_add_epi8(nib, _mm_set1_epi8('0')), letters));
#else
    for (int i = 14; i >= 0; i -= 2, v >>= 8)
        memcpy(p + i, out_hexpairs + 2 * (v & 0xff), 2);
#endif
}

/* The hex digits of v, no prefix, no leading zeros ("0" for zero): at most
 * 16 characters (room needed: 16). */
static inline char *put_hex_digits(char *p, uint64_t v)
{
    unsigned n = v ? (unsigned)(67 - __builtin_clzll(v)) / 4 : 1;
    hex16(p, v << (64 - 4 * n)); /* the n significant digits first */
    return p + n;
}

/* "0x1f": at most 18 characters. */
static inline char *put_hex(char *p, uint64_t v)
{
    memcpy(p, "0x", 2);
    return put_hex_digits(p + 2, v);
}

/* Exactly `width` (8 or 16) hex digits, zero-padded, no prefix (room
 * needed: 16). */
static inline char *put_hex_fixed(char *p, uint64_t v, unsigned width)
{
    hex16(p, width == 16 ? v : v << 32);
    return p + width;
}

/* How many decimal digits v has (1 for zero): log2 scaled by log10(2)
 * (1233 / 4096), corrected by one comparison. */
static inline unsigned dec_count(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
    unsigned t = (unsigned)((64 - __builtin_clzll(v | 1)) * 1233) >> 12;
    return t - ((v | 1) < pow10[t]) + 1;
}

/* The decimal digits of v written backwards, straight into the output, so
 * that they end just before `end`. */
static inline void dec_backwards(uint64_t v, char *end)
{
    char *p = end;
    while (v >= 100) {
        p -= 2;
        memcpy(p, out_decpairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10)
        memcpy(p - 2, out_decpairs + 2 * v, 2);
    else
        p[-1] = (char)('0' + v);
}

/* Decimal digits (at most 20). */
static inline char *put_dec(char *p, uint64_t v)
{
    char *end = p + dec_count(v);
    dec_backwards(v, end);
    return end;
}

/* Right-aligned decimal in a field of `width` (<= 32) characters; wider
 * numbers push the field right (room needed: 32). */
static inline char *put_dec_right(char *p, uint64_t v, unsigned width)
{
    unsigned n = dec_count(v);
    if (n < width) {
        memcpy(p, out_blanks, width); /* a constant size where width is */
        n = width;
    }
    dec_backwards(v, p + n);
    return p + n;
}

/* A number printed again and again, usually one more than the last time
 * (the step, the virtual time): its digits are kept and incremented in
 * place, so most instructions cost no division. */
struct dec_counter {
    uint64_t value;
    unsigned n;      /* digits */
    char text[56];   /* the digits end at text + 32, blanks before them;
                      * the bytes after let put_counter copy a fixed 20 */
};

static inline void dec_counter_init(struct dec_counter *c)
{
    memset(c->text, ' ', sizeof c->text);
    c->text[31] = '0';
    c->n = 1;
    c->value = 0;
}

static inline void dec_counter_set(struct dec_counter *c, uint64_t v)
{
    if (v == c->value)
        return;
    if (v == c->value + 1 && v != 0) {
        char *d = c->text + 31;
        while (*d == '9') /* at most 19 nines: a blank comes first */
            *d-- = '0';
        if (*d == ' ') {
            *d = '1';
            c->n++;
        } else {
            (*d)++;
        }
    } else {
        memset(c->text, ' ', 32);
        dec_backwards(v, c->text + 32);
        c->n = dec_count(v);
    }
    c->value = v;
}

/* The common case of the two below: v is one more than the last value and
 * only the last digit changes.  The digits are copied out before the
 * increment and the new last digit is stored into both copies, so the copy
 * never reads bytes just stored one at a time (a load that a small store
 * cannot forward to stalls for a dozen cycles). */
static inline bool counter_just_increments(const struct dec_counter *c, uint64_t v)
{
    return v == c->value + 1 && v != 0 && c->text[31] != '9';
}

static inline char counter_increment_last(struct dec_counter *c, uint64_t v)
{
    char d = (char)(c->text[31] + 1);
    c->text[31] = d;
    c->value = v;
    return d;
}

/* v's digits (room needed: 20). */
static inline char *put_counter(char *p, struct dec_counter *c, uint64_t v)
{
    if (counter_just_increments(c, v)) {
        unsigned n = c->n;
        memcpy(p, c->text + 32 - n, 20);
        p[n - 1] = counter_increment_last(c, v);
        return p + n;
    }
    dec_counter_set(c, v);
    memcpy(p, c->text + 32 - c->n, 20);
    return p + c->n;
}

/* v right-aligned in a field of `width` (<= 32) characters, like
 * put_dec_right (room needed: 32). */
static inline char *put_counter_right(char *p, struct dec_counter *c, uint64_t v, unsigned width)
{
    if (counter_just_increments(c, v) && c->n <= width) {
        memcpy(p, c->text + 32 - width, width);
        p[width - 1] = counter_increment_last(c, v);
        return p + width;
    }
    dec_counter_set(c, v);
    if (c->n <= width) {
        memcpy(p, c->text + 32 - width, width); /* a constant size where width is */
        return p + width;
    }
    memcpy(p, c->text + 32 - c->n, c->n);
    return p + c->n;
}

static inline char *put_sdec(char *p, int64_t v)
{
    if (v < 0) {
        *p++ = '-';
        return put_dec(p, (uint64_t)0 - (uint64_t)v);
    }
    return put_dec(p, (uint64_t)v);
}

static inline void out_hex(struct trace_out *o, uint64_t v)
{
    out_commit(o, put_hex(out_room(o, 18), v));
}

static inline void out_dec(struct trace_out *o, uint64_t v)
{
    out_commit(o, put_dec(out_room(o, 20), v));
}

static inline void out_sdec(struct trace_out *o, int64_t v)
{
    out_commit(o, put_sdec(out_room(o, 21), v));
}

static inline void out_dec_right(struct trace_out *o, uint64_t v, unsigned width)
{
    out_commit(o, put_dec_right(out_room(o, 32), v, width));
}

#endif
