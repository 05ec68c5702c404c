#include "Montgomery.h"

typedef unsigned __int128 CFixedBaseWide;

/// r = t - m if the (n + 1)-limb value (top, t) is at least m, else t; t < 2m. Constant time.
static void subtract_if_not_below(
    uint64_t *r, const uint64_t *t, uint64_t top, const uint64_t *m, size_t n, uint64_t *difference) {
    uint64_t borrow = 0;
    for (size_t j = 0; j < n; j++) {
        CFixedBaseWide d = (CFixedBaseWide)t[j] - m[j] - borrow;
        difference[j] = (uint64_t)d;
        borrow = (uint64_t)(d >> 64) & 1;
    }
    // Keep t only if there is no top limb and the subtraction borrowed (t < m).
    uint64_t keep = 0 - ((top ^ 1) & borrow);
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(keep));
#endif
    for (size_t j = 0; j < n; j++) r[j] = (t[j] & keep) | (difference[j] & ~keep);
}

void CFixedBase_multiply_portable(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,
    uint64_t *scratch) {
    // scratch[0...n] is the running sum t (t < 2m after every row); scratch[n+2...] the
    // difference of the final subtraction.
    uint64_t *t = scratch;
    for (size_t j = 0; j <= n; j++) t[j] = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bi = b[i];
        CFixedBaseWide p = (CFixedBaseWide)a[0] * bi + t[0];
        uint64_t carry_product = (uint64_t)(p >> 64);
        uint64_t low = (uint64_t)p;
        uint64_t q = low * n0;
        CFixedBaseWide s = (CFixedBaseWide)q * m[0] + low;
        uint64_t carry_reduction = (uint64_t)(s >> 64);
        for (size_t j = 1; j < n; j++) {
            p = (CFixedBaseWide)a[j] * bi + t[j] + carry_product;
            carry_product = (uint64_t)(p >> 64);
            s = (CFixedBaseWide)q * m[j] + (uint64_t)p + carry_reduction;
            carry_reduction = (uint64_t)(s >> 64);
            t[j - 1] = (uint64_t)s;
        }
        CFixedBaseWide z = (CFixedBaseWide)t[n] + carry_product + carry_reduction;
        t[n - 1] = (uint64_t)z;
        t[n] = (uint64_t)(z >> 64);
    }
    // a and b are read for the last time above, so r may be either of them.
    subtract_if_not_below(r, t, t[n], m, n, scratch + n + 2);
}

#if defined(__x86_64__)
// CIOS with MULX/ADCX/ADOX: per limb b[i], one row adds a * b[i] into t (ADCX carries the low
// halves, ADOX the high halves, two independent carry chains), and one row adds q * m with
// q = t[0] * n0 and shifts t down a limb. t = scratch[0...n+1], the difference of the final
// subtraction scratch[n+2...2n+1]. The row loops are unrolled by
// the assembler (.rept), counting the byte offset in the assembler symbol cfb_offset.
#define CFIXEDBASE_DEFINE_ADX(N)                                                                        \
    void CFixedBase_multiply_adx##N(                                                                    \
        uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,   \
        uint64_t *scratch) {                                                                            \
        (void)n;                                                                                        \
        uint64_t *t = scratch;                                                                          \
        for (size_t j = 0; j < N + 2; j++) t[j] = 0;                                                    \
        for (size_t i = 0; i < N; i++) {                                                                \
            uint64_t multiplier = b[i];                                                                 \
            __asm__ volatile(                                                                           \
                /* t[0...n+1] += a * b[i] */                                                            \
                "xorl %%r8d, %%r8d\n\t"                                                                 \
                "xorl %%r11d, %%r11d\n\t"                                                               \
                ".set cfb_offset, 0\n\t"                                                                \
                ".rept %c[limbs]\n\t"                                                                   \
                "mulxq cfb_offset(%[a]), %%r10, %%r9\n\t"                                              \
                "adcxq cfb_offset(%[t]), %%r10\n\t"                                                    \
                "adoxq %%r11, %%r10\n\t"                                                                \
                "movq %%r10, cfb_offset(%[t])\n\t"                                                     \
                "movq %%r9, %%r11\n\t"                                                                  \
                ".set cfb_offset, cfb_offset + 8\n\t"                                                   \
                ".endr\n\t"                                                                             \
                "movq %c[top](%[t]), %%r10\n\t"                                                         \
                "adcxq %%r8, %%r10\n\t"                                                                 \
                "adoxq %%r11, %%r10\n\t"                                                                \
                "movq %%r10, %c[top](%[t])\n\t"                                                         \
                "movl $0, %%r10d\n\t"                                                                   \
                "adcxq %%r8, %%r10\n\t"                                                                 \
                "adoxq %%r8, %%r10\n\t"                                                                 \
                "movq %%r10, %c[above](%[t])\n\t"                                                       \
                /* q = t[0] * n0; t = (t + q * m) / 2^64 */                                             \
                "movq (%[t]), %%rdx\n\t"                                                                \
                "imulq %[n0], %%rdx\n\t"                                                                \
                "xorl %%r8d, %%r8d\n\t"                                                                 \
                "mulxq (%[m]), %%r10, %%r11\n\t"                                                        \
                "adcxq (%[t]), %%r10\n\t"                                                               \
                ".set cfb_offset, 8\n\t"                                                                \
                ".rept %c[limbs] - 1\n\t"                                                               \
                "mulxq cfb_offset(%[m]), %%r10, %%r9\n\t"                                              \
                "adcxq cfb_offset(%[t]), %%r10\n\t"                                                    \
                "adoxq %%r11, %%r10\n\t"                                                                \
                "movq %%r10, cfb_offset - 8(%[t])\n\t"                                                 \
                "movq %%r9, %%r11\n\t"                                                                  \
                ".set cfb_offset, cfb_offset + 8\n\t"                                                   \
                ".endr\n\t"                                                                             \
                "movq %c[top](%[t]), %%r10\n\t"                                                         \
                "adcxq %%r8, %%r10\n\t"                                                                 \
                "adoxq %%r11, %%r10\n\t"                                                                \
                "movq %%r10, %c[below](%[t])\n\t"                                                       \
                "movq %c[above](%[t]), %%r10\n\t"                                                       \
                "adcxq %%r8, %%r10\n\t"                                                                 \
                "adoxq %%r8, %%r10\n\t"                                                                 \
                "movq %%r10, %c[top](%[t])\n\t"                                                         \
                : "+d"(multiplier)                                                                      \
                : [a] "r"(a), [t] "r"(t), [m] "r"(m), [n0] "r"(n0), [limbs] "i"(N), [top] "i"(N * 8),   \
                  [above] "i"(N * 8 + 8), [below] "i"(N * 8 - 8)                                        \
                : "r8", "r9", "r10", "r11", "cc", "memory");                                            \
        }                                                                                               \
        subtract_if_not_below(r, t, t[N], m, N, scratch + N + 2);                                       \
    }

CFIXEDBASE_DEFINE_ADX(16)
CFIXEDBASE_DEFINE_ADX(32)
#endif
