/* mmx_bridge.c — the SSE/SSE2 instructions with an MMX operand (MOVDQ2Q,
 * MOVQ2DQ, CVTPI2PS/PD, CVT(T)PS2PI, CVT(T)PD2PI), EMMS, and what they do
 * to the x87 state the MMX registers live in: built by tests/test_isa_v2.c
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
    /* Conversions: register and memory forms, the transition or not. */
    static const float fs[] = {1.5f, -2.5f, 3e9f, -0.49f, 1e-3f, -7.0f, 2147483520.0f, -2147483648.0f};
    static const double ds[] = {2.5, -3.5, 1e10, -2147483648.5, 0.999, -1e-300, 2147483647.4, -0.5};
    static const int is[] = {7, -9, 2147483647, -2147483647 - 1, 0, 1, 16777217, -16777217};
    for (int k = 0; k < 4; k++) {
        unsigned long long r[6][2], env_top[2];
        unsigned char ftw[2];
        __asm__ volatile("fninit\n\tfld1\n\t"
                         "cvtpi2pd %[i], %%xmm3\n\t"
                         "fxsave %[fx]\n\t"
                         : [fx] "=m"(fx) : [i] "m"(is[2 * k]) : "xmm3", "st");
        env_top[0] = (fx[3] >> 3) & 7, ftw[0] = fx[4];
        __asm__ volatile("fninit\n\tfld1\n\t"
                         "cvtpi2ps %[i], %%xmm4\n\t"
                         "fxsave %[fx]\n\t"
                         : [fx] "=m"(fx) : [i] "m"(is[2 * k]) : "xmm4", "st");
        env_top[1] = (fx[3] >> 3) & 7, ftw[1] = fx[4];
        __asm__ volatile("fninit\n\t"
                         "movq %[i], %%xmm1\n\t"
                         "movdq2q %%xmm1, %%mm2\n\t"
                         "pcmpeqd %%xmm4, %%xmm4\n\t"
                         "cvtpi2ps %%mm2, %%xmm4\n\t"
                         "cvtpi2pd %%mm2, %%xmm5\n\t"
                         "movsd %[f], %%xmm6\n\t"
                         "movupd %[d], %%xmm7\n\t"
                         "cvtps2pi %%xmm6, %%mm4\n\t"
                         "cvttps2pi %[f], %%mm5\n\t"
                         "cvtpd2pi %%xmm7, %%mm6\n\t"
                         "cvttpd2pi %%xmm7, %%mm7\n\t"
                         "movdqu %%xmm4, %[r0]\n\tmovdqu %%xmm5, %[r1]\n\t"
                         "movq2dq %%mm4, %%xmm0\n\tmovdqu %%xmm0, %[r2]\n\t"
                         "movq2dq %%mm5, %%xmm0\n\tmovdqu %%xmm0, %[r3]\n\t"
                         "movq2dq %%mm6, %%xmm0\n\tmovdqu %%xmm0, %[r4]\n\t"
                         "movq2dq %%mm7, %%xmm0\n\tmovdqu %%xmm0, %[r5]\n\t"
                         "emms\n\t"
                         : [r0] "=m"(r[0]), [r1] "=m"(r[1]), [r2] "=m"(r[2]), [r3] "=m"(r[3]),
                           [r4] "=m"(r[4]), [r5] "=m"(r[5])
                         : [i] "m"(is[2 * k]), [f] "m"(fs[2 * k]), [d] "m"(ds[2 * k])
                         : "xmm0", "xmm1", "xmm4", "xmm5", "xmm6", "xmm7", "st", "mm2", "mm4",
                           "mm5", "mm6", "mm7");
        unsigned mxcsr;
        __asm__ volatile("stmxcsr %0\n\t" : "=m"(mxcsr));
        printf("mem forms: top %llu/%llu ftw %02x/%02x;", env_top[0], env_top[1], ftw[0], ftw[1]);
        for (int i = 0; i < 6; i++)
            printf(" %016llx%016llx", r[i][1], r[i][0]);
        printf(" mxcsr %04x\n", mxcsr);
        __asm__ volatile("ldmxcsr %0" : : "m"((unsigned){0x1f80}));
    }
    return 0;
}
