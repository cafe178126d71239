/* disasm.h — instruction text for traces: capstone (Intel syntax), decoded
 * once and cached.
 *
 * The cache key is the instruction's bytes together with its virtual and
 * physical address: the bytes make it correct under self-modifying code
 * (new bytes at the same address miss), the virtual address makes
 * relative branch targets right when one frame is mapped at two addresses.
 * Direct-mapped; a colliding instruction simply replaces the entry. */
#ifndef RINGSCOPE_TRACE_DISASM_H
#define RINGSCOPE_TRACE_DISASM_H
#include <stdint.h>

struct disasm;

struct disasm *disasm_new(void); /* NULL if capstone cannot be opened */
void disasm_free(struct disasm *d);

/* An instruction's text: `text` is "mov qword ptr [rdi], rax" ("(bad)"
 * when capstone cannot decode the bytes), `hex` is "48 89 07".  Both stay
 * valid until the next call. */
struct disasm_line {
    const char *text, *hex;
    unsigned text_len, hex_len;
};
struct disasm_line disasm_text(struct disasm *d, uint64_t va, uint64_t pa, const uint8_t *bytes,
                               unsigned len);

/* Cache statistics (for tests and the benchmark). */
void disasm_stats(const struct disasm *d, uint64_t *hits, uint64_t *misses);

#endif
