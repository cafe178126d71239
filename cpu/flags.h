/* flags.h — RFLAGS, computed lazily.
 *
 * Arithmetic instructions do not compute the six status flags (CF PF AF ZF
 * SF OF) when they run; they record the operation, its operands, result and
 * size.  The flags are derived only when something reads them (Jcc, SETcc,
 * CMOVcc, ADC/SBB, PUSHF, an interrupt frame, a trace).  SDM Vol. 1 §3.4.3. */
#ifndef RINGSCOPE_FLAGS_H
#define RINGSCOPE_FLAGS_H
#include <stdint.h>

#define RF_CF (1ull << 0)
#define RF_FIXED1 (1ull << 1)
#define RF_PF (1ull << 2)
#define RF_AF (1ull << 4)
#define RF_ZF (1ull << 6)
#define RF_SF (1ull << 7)
#define RF_TF (1ull << 8)
#define RF_IF (1ull << 9)
#define RF_DF (1ull << 10)
#define RF_OF (1ull << 11)
#define RF_IOPL (3ull << 12)
#define RF_NT (1ull << 14)
#define RF_RF (1ull << 16)
#define RF_VM (1ull << 17)
#define RF_AC (1ull << 18)
#define RF_VIF (1ull << 19)
#define RF_VIP (1ull << 20)
#define RF_ID (1ull << 21)
#define RF_STATUS (RF_CF | RF_PF | RF_AF | RF_ZF | RF_SF | RF_OF)

/* Lazy flag state (owned by flags.c; the fields are here so cpu.h can embed
 * it).  op == LF_NONE means the status flags in cpu->rflags are current. */
struct lazy_flags {
    uint64_t res;  /* result */
    uint64_t src;  /* source operand (second operand) */
    uint64_t dst;  /* destination operand before the operation */
    uint8_t op;    /* LF_* operation kind (flags.c) */
    uint8_t size;  /* operand size in bytes */
    uint8_t reserved[6]; /* named, so initialisers zero it (no padding in a snapshot) */
};
_Static_assert(sizeof(struct lazy_flags) == 32, "struct lazy_flags has no padding");

#endif
