/* intrinsics.c — MMX through the compiler's intrinsics: <mmintrin.h>, the
 * SSE _mm_*_pi* of <xmmintrin.h>, SSE2's _mm_add_si64/_mm_mul_su32 and
 * SSSE3's <tmmintrin.h>, over pseudo-random inputs, then the x87 state the
 * MMX registers live in (tags, TOP, bits 79:64) and x87 arithmetic after
 * _mm_empty().  Built by tests/test_mmx.c for musl and glibc twice:
 * with -mmmx -mssse3, where x86-64 gcc computes most MMX intrinsics in XMM
 * registers (it does whenever SSE2 is on), and with -mmmx -msse -mno-sse2,
 * where every intrinsic is an instruction on MMX registers; the SSE2 and
 * SSSE3 MMX-register forms are also written out as instructions on "y"
 * (MMX register) and memory operands, so both builds run them.  The
 * output must equal the native run's. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSSE3__
#include <tmmintrin.h>
#else
#include <xmmintrin.h>
#endif

static uint64_t state = 0x853c49e6748fea9bull;

static uint64_t next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    static const uint64_t edges[] = {0, ~0ull, 0x8000800080008000ull, 0x7fff7fff7fff7fffull,
                                     0x8080808080808080ull, 0x7f7f7f7f7f7f7f7full, 5, 17, 33};
    return (state & 7) == 0 ? edges[(state >> 8) % 9] : state;
}

static uint64_t bits(__m64 v)
{
    uint64_t r;
    memcpy(&r, &v, 8);
    return r;
}

static __m64 m(uint64_t x)
{
    __m64 v;
    memcpy(&v, &x, 8);
    return v;
}

/* Print one value and fold it into a checksum. */
static uint64_t sum;
static void out(const char *name, __m64 v)
{
    uint64_t b = bits(v);
    sum = sum * 31 + b;
    printf("%s %016llx\n", name, (unsigned long long)b);
}

static unsigned char bytes[64] __attribute__((aligned(16)));

int main(void)
{
    for (int round = 0; round < 24; round++) {
        __m64 a = m(next()), b = m(next());
        int n = (int)(next() % 70);
        printf("round %d a %016llx b %016llx n %d\n", round, (unsigned long long)bits(a),
               (unsigned long long)bits(b), n);
        /* MMX */
        out("add_pi8", _mm_add_pi8(a, b));
        out("add_pi16", _mm_add_pi16(a, b));
        out("add_pi32", _mm_add_pi32(a, b));
        out("adds_pi8", _mm_adds_pi8(a, b));
        out("adds_pi16", _mm_adds_pi16(a, b));
        out("adds_pu8", _mm_adds_pu8(a, b));
        out("adds_pu16", _mm_adds_pu16(a, b));
        out("sub_pi8", _mm_sub_pi8(a, b));
        out("sub_pi16", _mm_sub_pi16(a, b));
        out("sub_pi32", _mm_sub_pi32(a, b));
        out("subs_pi8", _mm_subs_pi8(a, b));
        out("subs_pi16", _mm_subs_pi16(a, b));
        out("subs_pu8", _mm_subs_pu8(a, b));
        out("subs_pu16", _mm_subs_pu16(a, b));
        out("madd_pi16", _mm_madd_pi16(a, b));
        out("mulhi_pi16", _mm_mulhi_pi16(a, b));
        out("mullo_pi16", _mm_mullo_pi16(a, b));
        out("sll_pi16", _mm_sll_pi16(a, m((uint64_t)n)));
        out("slli_pi32", _mm_slli_pi32(a, 7));
        out("sll_si64", _mm_sll_si64(a, m((uint64_t)n)));
        out("sra_pi16", _mm_sra_pi16(a, m((uint64_t)n)));
        out("srai_pi32", _mm_srai_pi32(a, 9));
        out("srl_pi32", _mm_srl_pi32(a, m((uint64_t)n)));
        out("srli_si64", _mm_srli_si64(a, 13));
        out("and", _mm_and_si64(a, b));
        out("andnot", _mm_andnot_si64(a, b));
        out("or", _mm_or_si64(a, b));
        out("xor", _mm_xor_si64(a, b));
        out("cmpeq_pi8", _mm_cmpeq_pi8(a, _mm_or_si64(b, _mm_and_si64(a, m(0xff00ff00ff00ff00ull)))));
        out("cmpeq_pi16", _mm_cmpeq_pi16(a, b));
        out("cmpgt_pi8", _mm_cmpgt_pi8(a, b));
        out("cmpgt_pi16", _mm_cmpgt_pi16(a, b));
        out("cmpgt_pi32", _mm_cmpgt_pi32(a, b));
        out("packs_pi16", _mm_packs_pi16(a, b));
        out("packs_pi32", _mm_packs_pi32(a, b));
        out("packs_pu16", _mm_packs_pu16(a, b));
        out("unpackhi_pi8", _mm_unpackhi_pi8(a, b));
        out("unpackhi_pi16", _mm_unpackhi_pi16(a, b));
        out("unpackhi_pi32", _mm_unpackhi_pi32(a, b));
        out("unpacklo_pi8", _mm_unpacklo_pi8(a, b));
        out("unpacklo_pi16", _mm_unpacklo_pi16(a, b));
        out("unpacklo_pi32", _mm_unpacklo_pi32(a, b));
        out("cvtsi32", _mm_cvtsi32_si64((int)bits(a)));
        printf("cvtsi64_si32 %d\n", _mm_cvtsi64_si32(b));
        /* SSE on MMX registers */
        out("avg_pu8", _mm_avg_pu8(a, b));
        out("avg_pu16", _mm_avg_pu16(a, b));
        out("max_pi16", _mm_max_pi16(a, b));
        out("max_pu8", _mm_max_pu8(a, b));
        out("min_pi16", _mm_min_pi16(a, b));
        out("min_pu8", _mm_min_pu8(a, b));
        out("mulhi_pu16", _mm_mulhi_pu16(a, b));
        out("sad_pu8", _mm_sad_pu8(a, b));
        out("shuffle_pi16", _mm_shuffle_pi16(a, 0x1b));
        out("shuffle_pi16b", _mm_shuffle_pi16(b, 0xe4 ^ (3 << 2)));
        out("insert_pi16", _mm_insert_pi16(a, (int)bits(b), 2));
        printf("extract_pi16 %d movemask %d\n", _mm_extract_pi16(a, 3), _mm_movemask_pi8(b));
        memset(bytes, 0x5a, sizeof bytes);
#ifdef __SSSE3__
        _mm_maskmove_si64(a, b, (char *)bytes + 3 + round % 8);
#else   /* (gcc 12's _mm_maskmove_si64 needs SSE2 on x86-64) */
        __asm__ volatile("maskmovq %1, %0" : : "y"(a), "y"(b), "D"(bytes + 3 + round % 8)
                         : "memory");
#endif
        _mm_stream_pi((__m64 *)(bytes + 32), b);
        uint64_t st[2];
        memcpy(st, bytes + 8, 8);
        memcpy(st + 1, bytes + 32, 8);
        printf("maskmove %016llx stream %016llx\n", (unsigned long long)st[0],
               (unsigned long long)st[1]);
        /* SSE2 and SSSE3 on MMX registers, as instructions: register and
         * memory source operands */
#define MMX_OP(insn)                                                                    \
        do {                                                                            \
            __m64 r = a, q = a;                                                         \
            __asm__(insn " %1, %0" : "+y"(r) : "y"(b));                                 \
            __asm__(insn " %1, %0" : "+y"(q) : "m"(b));                                 \
            out(insn, r);                                                               \
            out(insn " m64", q);                                                        \
        } while (0)
        MMX_OP("paddq"); MMX_OP("psubq"); MMX_OP("pmuludq");
        MMX_OP("pshufb"); MMX_OP("phaddw"); MMX_OP("phaddd"); MMX_OP("phaddsw");
        MMX_OP("pmaddubsw"); MMX_OP("phsubw"); MMX_OP("phsubd"); MMX_OP("phsubsw");
        MMX_OP("psignb"); MMX_OP("psignw"); MMX_OP("psignd"); MMX_OP("pmulhrsw");
        MMX_OP("pabsb"); MMX_OP("pabsw"); MMX_OP("pabsd");
        MMX_OP("palignr $5,"); MMX_OP("palignr $12,");
#ifdef __SSSE3__
        out("add_si64", _mm_add_si64(a, b));
        out("sub_si64", _mm_sub_si64(a, b));
        out("mul_su32", _mm_mul_su32(a, b));
        out("shuffle_pi8", _mm_shuffle_pi8(a, b));
        out("hadd_pi16", _mm_hadd_pi16(a, b));
        out("hadd_pi32", _mm_hadd_pi32(a, b));
        out("hadds_pi16", _mm_hadds_pi16(a, b));
        out("hsub_pi16", _mm_hsub_pi16(a, b));
        out("hsub_pi32", _mm_hsub_pi32(a, b));
        out("hsubs_pi16", _mm_hsubs_pi16(a, b));
        out("maddubs_pi16", _mm_maddubs_pi16(a, b));
        out("mulhrs_pi16", _mm_mulhrs_pi16(a, b));
        out("sign_pi8", _mm_sign_pi8(a, b));
        out("sign_pi16", _mm_sign_pi16(a, b));
        out("sign_pi32", _mm_sign_pi32(a, b));
        out("abs_pi8", _mm_abs_pi8(a));
        out("abs_pi16", _mm_abs_pi16(a));
        out("abs_pi32", _mm_abs_pi32(a));
        out("alignr_3", _mm_alignr_pi8(a, b, 3));
        out("alignr_11", _mm_alignr_pi8(a, b, 11));
        out("alignr_16", _mm_alignr_pi8(a, b, 16));
#endif
        _mm_empty();
    }
    /* The x87 side of the MMX registers: after an MMX write, TOP = 0,
     * every tag valid, the register's bits 79:64 all ones; after EMMS
     * every tag empty and x87 arithmetic works again. */
    static unsigned char fx[512] __attribute__((aligned(16)));
    unsigned short env[2][14];
    uint64_t v = 0x0123456789abcdefull;
    __asm__ volatile("fninit\n\t"
                     "fld1\n\t"
                     "fldpi\n\t"              /* TOP = 6 */
                     "movq %[v], %%mm2\n\t"
                     "paddb %%mm2, %%mm2\n\t"
                     "fnstenv %[e0]\n\t"
                     "fxsave %[fx]\n\t"
                     "emms\n\t"
                     "fnstenv %[e1]\n\t"
                     "fninit\n\t"
                     : [e0] "=m"(env[0]), [e1] "=m"(env[1]), [fx] "=m"(fx)
                     : [v] "m"(v)
                     : "mm2", "st", "st(1)");
    printf("after mmx: fsw %04x ftw %04x abridged %02x r2", env[0][2], env[0][4], fx[4]);
    for (int i = 9; i >= 0; i--)
        printf(" %02x", fx[32 + 2 * 16 + i]);
    printf("\nafter emms: fsw %04x ftw %04x\n", env[1][2], env[1][4]);
    volatile long double x = 1.0L;
    for (int i = 0; i < 10; i++)
        x = x * 3.0L + 0.5L;
    printf("x87 after emms %.6Lf checksum %016llx\n", x, (unsigned long long)sum);
    return 0;
}
