/* tour.c — one of each new instruction for tests/test_isa_v2.c's trace
 * test: built with -march=x86-64-v2 -mbmi -mbmi2 -madx -mlzcnt -mmovbe
 * -maes -mpclmul for glibc, run under ringscope with --trace=insn, and the
 * trace's capstone disassembly must name each of them. */
#include <immintrin.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static volatile unsigned long long v[8] = {0x0123456789abcdefull, 37, 0xf0f0f0f0f0f0f0f0ull, 5, 9, 11, 13, 17};

int main(int argc, char **argv)
{
    unsigned long long a = v[0], b = v[1], m = v[2], hi, r = 0, cout;
    r += (unsigned long long)__builtin_popcountll(a) + (unsigned long long)__builtin_clzll(a) +
         (unsigned long long)__builtin_ctzll(a);
    r += _andn_u64(a, m) + _bextr_u64(a, 4, 8) + _blsr_u64(a) + _blsi_u64(a) + _blsmsk_u64(a);
    r += _bzhi_u64(a, (unsigned)b) + _pdep_u64(a, m) + _pext_u64(a, m) + _mulx_u64(a, b, &hi) + hi;
    r += (a << b) + (a >> b) + (unsigned long long)((long long)a >> b);
    r += (a >> 7) | (a << 57);
    /* gcc emits ADC for _addcarryx_u64 and folds BLSR/BLSMSK here: spelled out. */
    unsigned long long t1 = a, t2 = b, t3, t4;
    __asm__("adcx %2, %0\n\tadox %2, %1" : "+r"(t1), "+r"(t2) : "r"(m) : "cc");
    __asm__("blsr %2, %0\n\tblsmsk %2, %1" : "=&r"(t3), "=r"(t4) : "r"(a) : "cc");
    r += t1 + t2 + t3 + t4;
    unsigned char c = _addcarryx_u64(0, a, b, &cout);
    r += cout + _addcarryx_u64(c, r, m, &cout) + cout;
    unsigned long long be;
    memcpy(&be, (const char *)v + 3, 8);
    r += __builtin_bswap64(be);
    r += _mm_crc32_u64(0, a);
    __m128i x = _mm_set_epi64x((long long)a, (long long)b), k = _mm_set_epi64x((long long)m, 7);
    x = _mm_aesenc_si128(x, k);
    x = _mm_clmulepi64_si128(x, k, 0x01);
    x = _mm_shuffle_epi8(x, k);
    x = _mm_mullo_epi32(x, k);
    r += (unsigned long long)_mm_cvtsi128_si64(x);
    double d = __builtin_floor((double)v[3] / 3.0);
    printf("%llu %g %d %d\n", r, d, strcasecmp(argv[0], "/BIN/TOUR"), (int)strcspn(argv[0], "ru"));
    return argc - 1;
}
