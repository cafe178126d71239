/* exec_crypto.c — AES-NI (66 0F 38 DB-DF AESIMC, AESENC, AESENCLAST,
 * AESDEC, AESDECLAST; 66 0F 3A DF AESKEYGENASSIST) and PCLMULQDQ
 * (66 0F 3A 44).  SDM Vol. 2A, those pages; FIPS-197 for the AES round
 * functions.  The 128-bit state is the XMM register with byte i at row
 * i % 4, column i / 4 (FIPS-197 §3.4's input order). */
#include "exec_sse.h"

/* GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (FIPS-197 §4.2). */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t p = 0;
    while (b) {
        if (b & 1)
            p ^= a;
        a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1b : 0));
        b >>= 1;
    }
    return p;
}

/* The S-box (FIPS-197 §5.1.1): the multiplicative inverse followed by the
 * affine transformation b ^ rotl(b,1..4) ^ 63h; and its inverse. */
static uint8_t sbox[256], inv_sbox[256];

static void build_sboxes(void)
{
    if (sbox[0])
        return;                            /* S(0) = 63h: built */
    for (unsigned x = 0; x < 256; x++) {
        uint8_t inv = 0;
        for (unsigned y = 1; y < 256 && x; y++)
            if (gf_mul((uint8_t)x, (uint8_t)y) == 1) {
                inv = (uint8_t)y;
                break;
            }
        uint8_t s = inv;
        for (int r = 1; r <= 4; r++)
            s ^= (uint8_t)((inv << r) | (inv >> (8 - r)));
        s ^= 0x63;
        sbox[x] = s;
        inv_sbox[s] = (uint8_t)x;
    }
}

static void sub_bytes(union xmm *x, const uint8_t *box)
{
    for (int i = 0; i < 16; i++)
        x->b[i] = box[x->b[i]];
}

/* ShiftRows: row r rotates left by r columns (inverse: right). */
static void shift_rows(union xmm *x, bool inverse)
{
    union xmm t;
    for (int c = 0; c < 4; c++)
        for (int r = 0; r < 4; r++) {
            int from = inverse ? (c - r + 4) % 4 : (c + r) % 4;
            t.b[r + 4 * c] = x->b[r + 4 * from];
        }
    *x = t;
}

/* MixColumns with the matrix rows {2,3,1,1} or, inverse, {14,11,13,9}. */
static void mix_columns(union xmm *x, bool inverse)
{
    static const uint8_t fwd[4] = {2, 3, 1, 1}, inv[4] = {14, 11, 13, 9};
    const uint8_t *m = inverse ? inv : fwd;
    for (int c = 0; c < 4; c++) {
        uint8_t a[4], *col = &x->b[4 * c];
        memcpy(a, col, 4);
        for (int r = 0; r < 4; r++)
            col[r] = gf_mul(a[0], m[(4 - r) % 4]) ^ gf_mul(a[1], m[(5 - r) % 4]) ^
                     gf_mul(a[2], m[(6 - r) % 4]) ^ gf_mul(a[3], m[(7 - r) % 4]);
    }
}

/* One AES round on the state d with round key s (SDM AESENC/AESENCLAST/
 * AESDEC/AESDECLAST): the equivalent inverse cipher's round for DEC. */
static void aes_round(union xmm *r, const union xmm *d, const union xmm *s, unsigned op)
{
    union xmm t = *d;
    bool decrypt = op >= 0xde, last = op == 0xdd || op == 0xdf;
    shift_rows(&t, decrypt);
    sub_bytes(&t, decrypt ? inv_sbox : sbox);
    if (!last)
        mix_columns(&t, decrypt);
    t.q[0] ^= s->q[0];
    t.q[1] ^= s->q[1];
    *r = t;
}

/* 66 0F 38 DB-DF: AESIMC xmm1, xmm2/m128 (InvMixColumns of the source,
 * for the decryption key schedule), AESENC, AESENCLAST, AESDEC,
 * AESDECLAST xmm1, xmm2/m128 (the round key).  m128 must be aligned. */
void exec_aes(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    build_sboxes();
    union xmm s, r;
    sse_read_rm(cpu, in, &s, 16, true);
    if (in->op == 0xdb) {
        r = s;
        mix_columns(&r, true);
    } else {
        aes_round(&r, &cpu->xmm[in->reg], &s, in->op);
    }
    cpu->xmm[in->reg] = r;
}

/* 66 0F 3A DF: AESKEYGENASSIST xmm1, xmm2/m128, imm8 — SubWord of the
 * source's dwords 1 and 3, and RotWord(SubWord(·)) XOR the round constant
 * imm8 beside each. */
void exec_aeskeygenassist(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    build_sboxes();
    union xmm s, r;
    sse_read_rm(cpu, in, &s, 16, true);
    uint32_t rcon = (uint8_t)in->imm;
    for (int k = 0; k < 2; k++) {
        uint32_t x = s.d[1 + 2 * k], sub = 0;
        for (int i = 0; i < 4; i++)
            sub |= (uint32_t)sbox[(x >> (8 * i)) & 0xff] << (8 * i);
        r.d[2 * k] = sub;
        r.d[2 * k + 1] = ((sub >> 8) | (sub << 24)) ^ rcon;
    }
    cpu->xmm[in->reg] = r;
}

/* 66 0F 3A 44: PCLMULQDQ xmm1, xmm2/m128, imm8 — the carry-less (GF(2)
 * polynomial) product of xmm1's quadword imm8[0] and the source's
 * quadword imm8[4], 128 bits. */
void exec_pclmulqdq(struct cpu *cpu, const struct insn *in)
{
    sse_check_usable(cpu, in);
    if (in->pfx != PFX_66)
        cpu_fault(cpu, EXC_UD, 0);
    union xmm s;
    sse_read_rm(cpu, in, &s, 16, true);
    unsigned imm = (uint8_t)in->imm;
    uint64_t a = cpu->xmm[in->reg].q[imm & 1], b = s.q[(imm >> 4) & 1], lo = 0, hi = 0;
    for (int i = 0; i < 64; i++)
        if ((b >> i) & 1) {
            lo ^= a << i;
            hi ^= i ? a >> (64 - i) : 0;
        }
    cpu->xmm[in->reg].q[0] = lo;
    cpu->xmm[in->reg].q[1] = hi;
}
