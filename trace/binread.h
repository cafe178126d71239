/* binread.h — reading a recording (`.rstrace`, binfmt.h) back into events.
 *
 * The reader checks everything it reads — the header and version, each
 * chunk's length and CRC-32C, every tag, varint, definition number, shape,
 * string and count — and stops at the first problem with a one-line
 * message ("FILE: truncated: chunk 3 ends after 812 of 4096 bytes"), so a
 * corrupted or cut file is never taken for a shorter trace. */
#ifndef RINGSCOPE_TRACE_BINREAD_H
#define RINGSCOPE_TRACE_BINREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "records.h"

/* Where the events go, in the order they were recorded.  Strings live only
 * during the call. */
struct bin_sink {
    void *ctx;
    void (*insn)(void *ctx, const struct trace_insn *r);
    void (*mem)(void *ctx, const struct trace_mem *r);
    void (*reg)(void *ctx, const struct trace_reg *r);
    void (*tlb)(void *ctx, const struct trace_tlb *r);
    void (*event)(void *ctx, const struct trace_event *e);
};

/* Read the recording in bytes[0..len) (path: for messages); 0, or -1 with
 * a one-line message in err.  Events before the problem were delivered. */
int bin_read(const uint8_t *bytes, size_t len, const char *path, const struct bin_sink *sink,
             char *err, size_t errlen);
/* The same for a file. */
int bin_read_file(const char *path, const struct bin_sink *sink, char *err, size_t errlen);

/* Whether the first bytes are a recording's header. */
bool bin_is_recording(const uint8_t *bytes, size_t len);

/* How the recording at path was traced (header bytes 10-13): false when
 * the file cannot be read or does not say (an older writer's). */
bool bin_read_run(const char *path, uint32_t *kinds, uint8_t *filters);

#endif
