/* v2_program.c — a static program built by tests/test_isa_v2.c with
 * -march=x86-64-v2 -mbmi -mbmi2 -madx -mlzcnt -mmovbe -maes -mpclmul for
 * musl and glibc; its output under ringscope must equal the native run's.
 * It sweeps libc's string functions over many lengths and alignments
 * (glibc's ifuncs pick SSE4.2/SSSE3 versions from our CPUID), uses the
 * scalar extensions through builtins and intrinsics, and leaves the
 * vectoriser (-O3) and floor/ceil/trunc/nearbyint (ROUNDSD) to gcc. */
#pragma GCC optimize("O3")
#include <stdio.h>
#include <wchar.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdint.h>
#include <immintrin.h>

static uint64_t h = 1469598103934665603ull;
static void mix(uint64_t v) { h = (h ^ v) * 1099511628211ull; }

int main(int argc, char **argv)
{
    (void)argv;
    static char buf[4096], pat[64];
    uint64_t s = 0x12345678u + (unsigned)argc;
    for (int i = 0; i < 4096; i++) { s = s * 6364136223846793005ull + 1; buf[i] = "abcdefgHIJ xyz"[(s >> 33) % 14]; }
    for (int len = 0; len < 300; len++)
        for (int al = 0; al < 16; al++) {
            char *p = buf + 64 + al * 7;
            char save = p[len]; p[len] = 0;
            mix(strlen(p));
            char *c = strchr(p, 'x'); mix(c ? (uint64_t)(c - p) : 999);
            c = strrchr(p, 'H'); mix(c ? (uint64_t)(c - p) : 999);
            c = memchr(p, 'z', len); mix(c ? (uint64_t)(c - p) : 999);
            mix(strspn(p, "abcdefg")); mix(strcspn(p, " xyz")); 
            c = strpbrk(p, "JIz"); mix(c ? (uint64_t)(c - p) : 999);
            memcpy(pat, p + len / 3, len % 9); pat[len % 9] = 0;
            c = strstr(p, pat); mix(c ? (uint64_t)(c - p) : 999);
            mix(strcasecmp(p, p + 1) > 0); mix(strncasecmp(p, buf + 200, len) > 0);
            mix(strcmp(p, buf + 64 + len % 5) > 0); mix(memcmp(p, buf + 300 + al, len) > 0);
            mix(strncmp(p, p + 16, len) > 0); mix(strnlen(p, len / 2));
            p[len] = save;
        }
    static wchar_t w[1100];
    for (int i = 0; i < 1100; i++) w[i] = L"abcXYZ\u00e9\u4e2d"[(i * 7) % 8];
    for (int len = 0; len < 260; len += 3)
        for (int al = 0; al < 4; al++) {
            wchar_t *p = w + 8 + al, save = p[len];
            p[len] = 0;
            mix(wcslen(p)); mix(wcsnlen(p, len / 2 + 1));
            wchar_t *c = wcschr(p, L'\u4e2d'); mix(c ? (uint64_t)(c - p) : 999);
            c = wcsrchr(p, L'X'); mix(c ? (uint64_t)(c - p) : 999);
            c = wmemchr(p, L'Z', len); mix(c ? (uint64_t)(c - p) : 999);
            mix(wcscmp(p, w + 9) > 0); mix(wmemcmp(p, w + 16 + al, len) > 0);
            p[len] = save;
        }
    static char dst[5000];
    for (int len = 0; len < 2000; len += 37)
        for (int al = 0; al < 16; al += 5) {
            memmove(dst + al, buf + len % 61, len); memmove(dst + al + 3, dst + al, len);
            memset(dst + 2 * al + len, al * 17, len / 3);
            char *e = stpcpy(dst + 1000 + al, dst + 4500); mix((uint64_t)(e - dst));
            mix(memcmp(dst, buf, len) > 0); mix(dst[len / 2 + al]);
        }
    printf("strings %016llx\n", (unsigned long long)h);
    /* compiled with the flags: popcnt, lzcnt, tzcnt, bmi, bmi2, adx, movbe */
    uint64_t acc = 0; unsigned long long carry_out = 0; unsigned char c = 0;
    for (uint64_t i = 1; i < 20000; i++) {
        uint64_t x = i * 0x9e3779b97f4a7c15ull;
        acc += __builtin_popcountll(x) + __builtin_clzll(x | 1) + __builtin_ctzll(x | (1ull << 63));
        acc ^= _pdep_u64(x, 0xff00ff00f0f0aaaaull) + _pext_u64(x, 0x0123456789abcdefull);
        acc += _bzhi_u64(x, (unsigned)i & 63) + _andn_u64(x, acc) + _blsr_u64(x) + _blsi_u64(x) + _blsmsk_u64(x);
        acc += _bextr_u64(x, i & 31, 17) + (x << (i & 63)) + (x >> (i & 31)) + ((int64_t)x >> (i & 7));
        unsigned long long hi; acc += _mulx_u64(x, acc | 1, &hi) + hi;
        c = _addcarryx_u64(c, acc, x, &carry_out); acc ^= carry_out;
        uint64_t be; memcpy(&be, buf + (i % 64), 8); acc += __builtin_bswap64(be);
        acc = (acc >> 13) | (acc << 51);
    }
    printf("scalar %016llx %d\n", (unsigned long long)acc, c);
    /* SSE4.2 crc32, aes, pclmul, ssse3, sse4.1 */
    uint32_t crc = 0; for (int i = 0; i < 4000; i += 8) { uint64_t v; memcpy(&v, buf + i, 8); crc = (uint32_t)_mm_crc32_u64(crc, v); crc = _mm_crc32_u8(crc, (uint8_t)buf[i]); }
    __m128i k = _mm_loadu_si128((const __m128i *)buf), st = _mm_loadu_si128((const __m128i *)(buf + 16));
    for (int i = 0; i < 10; i++) { st = _mm_aesenc_si128(st, k); k = _mm_xor_si128(k, _mm_aeskeygenassist_si128(k, 0x1b)); }
    st = _mm_aesenclast_si128(st, k); st = _mm_aesdec_si128(st, _mm_aesimc_si128(k)); st = _mm_aesdeclast_si128(st, k);
    __m128i cl = _mm_clmulepi64_si128(st, k, 0x11);
    __m128i sh = _mm_shuffle_epi8(st, _mm_loadu_si128((const __m128i *)(buf + 40)));
    __m128i mm = _mm_mullo_epi32(sh, cl);
    mm = _mm_max_epi32(mm, _mm_min_epu16(cl, sh));
    int idx = _mm_cmpistri(_mm_loadu_si128((const __m128i *)"xyz\0\0\0\0\0\0\0\0\0\0\0\0"), _mm_loadu_si128((const __m128i *)(buf + 100)), 0);
    uint64_t out[2]; _mm_storeu_si128((__m128i *)out, _mm_xor_si128(mm, st));
    printf("simd %08x %016llx %016llx %d\n", crc, (unsigned long long)out[0], (unsigned long long)out[1], idx);
    /* roundsd from floor/ceil/trunc/nearbyint; auto-vectorized int loops */
    double d = 0; for (int i = -500; i < 500; i++) { double x = i * 0.37; d += __builtin_floor(x) + __builtin_ceil(x) * 2 + __builtin_trunc(x) * 3 + __builtin_nearbyint(x) * 5 + __builtin_rint(x * 3) * 7 + __builtin_floorf((float)x) * 11; }
    int a[1024]; unsigned short u[1024]; long long q[512];
    for (int i = 0; i < 1024; i++) { a[i] = (i * 7919) ^ (i << 9); u[i] = (unsigned short)(i * 31); }
    long long sum = 0; for (int i = 0; i < 1024; i++) { a[i] = a[i] * a[(i + 1) & 1023]; sum += a[i] > 0 ? a[i] : -a[i]; }
    for (int i = 0; i < 512; i++) q[i] = (long long)a[i] * a[i + 512];
    long long mx = 0; for (int i = 0; i < 512; i++) mx = q[i] > mx ? q[i] : mx;
    unsigned umin = 65535; for (int i = 0; i < 1024; i++) umin = u[i] < umin && u[i] ? u[i] : umin;
    printf("fp %.6f ints %lld %lld %u\n", d, sum, mx, umin);
    return 0;
}
