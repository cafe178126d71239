/* packet.h — the GDB Remote Serial Protocol's framing (gdb manual, "Overview"
 * of Remote Protocol): packets `$DATA#CS` with CS the two hex digits of the
 * sum of DATA's bytes modulo 256, acknowledged by `+` (or `-`: send again)
 * until QStartNoAckMode; a lone 0x03 byte is an interrupt (Ctrl-C).  Binary
 * data (X packets, qXfer replies) escapes `#`, `$`, `}` and `*` as `}` then
 * the byte XOR 0x20.
 *
 * The reader is a byte-at-a-time state machine with a fixed buffer: a
 * client can send anything (garbage between packets, a packet longer than
 * PacketSize, a bad checksum, a connection cut in the middle) and gets an
 * event back, never an overflow. */
#ifndef RINGSCOPE_GDBSTUB_PACKET_H
#define RINGSCOPE_GDBSTUB_PACKET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_SIZE 16384   /* the PacketSize we announce: the largest DATA we take */

enum gdb_input {
    GDB_IN_NONE,          /* nothing complete yet */
    GDB_IN_PACKET,        /* a packet with a good checksum: r->data, r->len */
    GDB_IN_BAD_CHECKSUM,  /* a packet whose checksum does not match (answer '-') */
    GDB_IN_TOO_LONG,      /* a packet longer than GDB_PACKET_SIZE (dropped; answer '-') */
    GDB_IN_INTERRUPT,     /* 0x03 outside a packet */
    GDB_IN_ACK,           /* '+' */
    GDB_IN_NAK,           /* '-' */
};

struct gdb_reader {
    int state;                           /* private */
    char data[GDB_PACKET_SIZE + 1];      /* the packet's DATA, NUL-terminated (escapes kept) */
    size_t len;
    uint8_t sum, checksum;
    bool overflow;
};

void gdb_reader_init(struct gdb_reader *r);
/* Take one byte; an event when it completes one. */
enum gdb_input gdb_reader_feed(struct gdb_reader *r, uint8_t byte);

/* Undo the binary escapes of data[0..len) in place; the new length. */
size_t gdb_unescape(char *data, size_t len);

/* "$DATA#CS" for payload (binary escapes applied when binary) into out:
 * its length, or 0 if it does not fit in cap. */
size_t gdb_frame(const void *payload, size_t len, bool binary, char *out, size_t cap);

/* Hex helpers.  gdb_hex_digit: 0..15 or -1. */
int gdb_hex_digit(char c);
/* Parse hex digits at *s (at least one, at most 16): advances *s. */
bool gdb_parse_hex(const char **s, uint64_t *value);
/* 2n hex digits at hex into n bytes; false if any is not a hex digit. */
bool gdb_hex_decode(const char *hex, uint8_t *out, size_t n);
/* n bytes as 2n lowercase hex digits (out has room for 2n + 1). */
void gdb_hex_encode(const uint8_t *bytes, size_t n, char *out);

#endif
