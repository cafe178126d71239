/* packet.c — RSP framing and hex (packet.h). */
#include "packet.h"

#include <string.h>

enum { WAIT_START, IN_DATA, IN_ESCAPE, CHECKSUM_1, CHECKSUM_2 };

void gdb_reader_init(struct gdb_reader *r)
{
    memset(r, 0, sizeof *r);
    r->state = WAIT_START;
}

int gdb_hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum gdb_input gdb_reader_feed(struct gdb_reader *r, uint8_t byte)
{
    switch (r->state) {
    case WAIT_START:
        if (byte == '$') {
            r->state = IN_DATA;
            r->len = 0;
            r->sum = 0;
            r->overflow = false;
            return GDB_IN_NONE;
        }
        if (byte == 0x03)
            return GDB_IN_INTERRUPT;
        if (byte == '+')
            return GDB_IN_ACK;
        if (byte == '-')
            return GDB_IN_NAK;
        return GDB_IN_NONE; /* noise between packets */
    case IN_DATA:
    case IN_ESCAPE:
        if (byte == '#' && r->state == IN_DATA) {
            r->state = CHECKSUM_1;
            return GDB_IN_NONE;
        }
        if (byte == '$' && r->state == IN_DATA) {
            /* A new packet starts before this one ended: the first is lost. */
            r->len = 0;
            r->sum = 0;
            r->overflow = false;
            return GDB_IN_NONE;
        }
        r->state = byte == '}' && r->state == IN_DATA ? IN_ESCAPE : IN_DATA;
        r->sum = (uint8_t)(r->sum + byte);
        if (r->len < GDB_PACKET_SIZE)
            r->data[r->len++] = (char)byte;
        else
            r->overflow = true;
        return GDB_IN_NONE;
    case CHECKSUM_1: {
        int v = gdb_hex_digit((char)byte);
        r->checksum = (uint8_t)((v < 0 ? 0 : v) << 4);
        r->state = v < 0 ? WAIT_START : CHECKSUM_2;
        return v < 0 ? GDB_IN_BAD_CHECKSUM : GDB_IN_NONE;
    }
    default: {
        int v = gdb_hex_digit((char)byte);
        r->state = WAIT_START;
        r->data[r->len] = 0;
        if (v < 0 || (uint8_t)(r->checksum | v) != r->sum)
            return GDB_IN_BAD_CHECKSUM;
        return r->overflow ? GDB_IN_TOO_LONG : GDB_IN_PACKET;
    }
    }
}

size_t gdb_unescape(char *data, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '}' && i + 1 < len)
            data[o++] = (char)(data[++i] ^ 0x20);
        else
            data[o++] = data[i];
    }
    return o;
}

size_t gdb_frame(const void *payload, size_t len, bool binary, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < len; i++) {
        uint8_t b = p[i];
        bool escape = binary && (b == '#' || b == '$' || b == '}' || b == '*');
        if (o + (escape ? 2 : 1) + 3 > cap)
            return 0;
        if (escape) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            b ^= 0x20;
        }
        out[o++] = (char)b;
        sum = (uint8_t)(sum + b);
    }
    out[o++] = '#';
    out[o++] = hex[sum >> 4];
    out[o++] = hex[sum & 15];
    return o;
}

bool gdb_parse_hex(const char **s, uint64_t *value)
{
    uint64_t v = 0;
    int n = 0;
    for (int d; (d = gdb_hex_digit(**s)) >= 0; ++*s) {
        if (++n > 16)
            return false;
        v = v << 4 | (uint64_t)d;
    }
    *value = v;
    return n > 0;
}

bool gdb_hex_decode(const char *hex, uint8_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = gdb_hex_digit(hex[2 * i]), lo = hi < 0 ? -1 : gdb_hex_digit(hex[2 * i + 1]);
        if (lo < 0)
            return false;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * n] = 0;
}
