/* mmx_bridge.c — MOVDQ2Q and MOVQ2DQ (SSE2), EMMS, and what they do to
 * the x87 state their MMX register lives in: built by tests/test_isa_v2.c
 * for musl and glibc; the output must equal the native run's. */
#include <stdio.h>
#include <string.h>

int main(void)
{
    static const unsigned long long in[4] = {0x0123456789abcdefull, 0xfedcba9876543210ull,
                                             0x8000000000000001ull, 0x7fffffffffffffffull};
    static unsigned char fx[512] __attribute__((aligned(16)));
    for (int k = 0; k < 2; k++) {
        unsigned long long out[2] = {0, 0};
        unsigned short env[14];
        __asm__ volatile("fninit\n\t"
                         "fld1\n\t"                  /* TOP = 7 before the MMX transition */
                         "movdqu %[in], %%xmm1\n\t"
                         "pcmpeqd %%xmm2, %%xmm2\n\t"
                         "movdq2q %%xmm1, %%mm3\n\t"
                         "movq2dq %%mm3, %%xmm2\n\t"
                         "movdqu %%xmm2, %[out]\n\t"
                         "fxsave %[fx]\n\t"
                         "emms\n\t"
                         "fnstenv %[env]\n\t"
                         "fninit\n\t"
                         : [out] "=m"(out), [env] "=m"(env), [fx] "=m"(fx)
                         : [in] "m"(in[2 * k])
                         : "xmm1", "xmm2", "st", "mm3");
        printf("xmm2 %016llx %016llx top %u abridged-ftw %02x r3", out[1], out[0],
               (fx[3] >> 3) & 7, fx[4]);
        for (int i = 9; i >= 0; i--)
            printf(" %02x", fx[32 + 3 * 16 + i]);
        printf(" r7 %02x%02x after-emms-ftw %04x\n", fx[32 + 7 * 16 + 9], fx[32 + 7 * 16 + 8], env[4]);
    }
    return 0;
}
