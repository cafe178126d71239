/* printf.c — the kernel's one formatter and its three sinks: the debug port
 * 0xE9 (kernel log), the UART console, and a memory buffer. */
#include "printf.h"
#include <stdint.h>
#include "abi/osevent.h"
#include "console.h"
#include "tty.h"
#include "x86.h"

#define DEBUG_PORT OSEV_LOG_PORT /* every byte written here goes to the machine's kernel log */

static void put_number(void (*put)(void *, char), void *ctx, uint64_t v, unsigned base, int negative,
                       int width, char pad, int left, int upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v);
    if (negative)
        tmp[n++] = '-';
    int fill = width > n ? width - n : 0;
    if (!left && pad == '0' && negative) { /* sign goes before the zeros */
        put(ctx, '-');
        n--;
    }
    if (!left)
        while (fill--)
            put(ctx, pad);
    while (n--)
        put(ctx, tmp[n]);
    if (left)
        while (fill-- > 0)
            put(ctx, ' ');
}

void vformat(void (*put)(void *ctx, char c), void *ctx, const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            put(ctx, *fmt);
            continue;
        }
        fmt++;
        int left = 0, width = 0, longs = 0;
        char pad = ' ';
        for (; *fmt == '-' || *fmt == '0'; fmt++) {
            if (*fmt == '-')
                left = 1;
            else
                pad = '0';
        }
        for (; *fmt >= '0' && *fmt <= '9'; fmt++)
            width = width * 10 + (*fmt - '0');
        for (; *fmt == 'l' || *fmt == 'z'; fmt++)
            longs++;
        switch (*fmt) {
        case 'd':
        case 'i': {
            int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
            put_number(put, ctx, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, width, pad, left, 0);
            break;
        }
        case 'u':
        case 'x':
        case 'X': {
            uint64_t v = longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            put_number(put, ctx, v, *fmt == 'u' ? 10 : 16, 0, width, pad, left, *fmt == 'X');
            break;
        }
        case 'p':
            put(ctx, '0');
            put(ctx, 'x');
            put_number(put, ctx, (uint64_t)va_arg(ap, void *), 16, 0, width, pad, left, 0);
            break;
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s)
                s = "(null)";
            int len = 0;
            while (s[len])
                len++;
            for (int i = len; !left && i < width; i++)
                put(ctx, ' ');
            for (int i = 0; i < len; i++)
                put(ctx, s[i]);
            for (int i = len; left && i < width; i++)
                put(ctx, ' ');
            break;
        }
        case 'c':
            put(ctx, (char)va_arg(ap, int));
            break;
        case '%':
            put(ctx, '%');
            break;
        case 0:
            return;
        default:
            put(ctx, '%');
            put(ctx, *fmt);
        }
    }
}

static void put_debug_port(void *ctx, char c)
{
    (void)ctx;
    outb(DEBUG_PORT, (uint8_t)c);
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(put_debug_port, 0, fmt, ap);
    va_end(ap);
}

static void put_console(void *ctx, char c)
{
    (void)ctx;
    tty_kernel_message(&c, 1);
}

void cprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(put_console, 0, fmt, ap);
    va_end(ap);
}

struct buffer_sink {
    char *buf;
    size_t size, len;
};

static void put_buffer(void *ctx, char c)
{
    struct buffer_sink *b = ctx;
    if (b->len + 1 < b->size)
        b->buf[b->len] = c;
    b->len++;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct buffer_sink b = {buf, size, 0};
    vformat(put_buffer, &b, fmt, ap);
    if (size)
        buf[b.len < size ? b.len : size - 1] = 0;
    return (int)b.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = kvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}
