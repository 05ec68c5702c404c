#ifndef CFIXEDBASE_MONTGOMERY_H
#define CFIXEDBASE_MONTGOMERY_H

#include <stddef.h>
#include <stdint.h>

/// Montgomery multiplication: `r = a * b * 2^(-64n) mod m` for n-limb (64-bit, least significant
/// first) numbers a, b < m, m odd; `n0 = -m^(-1) mod 2^64`. `r` may be `a` or `b`. `scratch`
/// holds 2n + 2 limbs; it is left holding intermediate values, which the caller wipes.
/// Time and memory addresses depend only on n, never on the values.
typedef void (*CFixedBaseMultiply)(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,
    uint64_t *scratch);

/// Portable C, any n (FIOS: the multiplication and the reduction row in one pass over the limbs).
void CFixedBase_multiply_portable(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,
    uint64_t *scratch);

#if defined(__x86_64__)
/// x86-64 with BMI2 and ADX (MULX and the two carry chains ADCX/ADOX), for n = 16 and n = 32
/// only (the row loops are unrolled); n is ignored. Call only if the CPU has both extensions.
void CFixedBase_multiply_adx16(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,
    uint64_t *scratch);
void CFixedBase_multiply_adx32(
    uint64_t *r, const uint64_t *a, const uint64_t *b, const uint64_t *m, uint64_t n0, size_t n,
    uint64_t *scratch);
#endif

/// Returns all ones if x == y, else 0, without a branch the compiler could introduce.
static inline uint64_t CFixedBase_equal_mask(uint64_t x, uint64_t y) {
    uint64_t z = x ^ y;
    uint64_t mask = ((z | (0 - z)) >> 63) - 1;
#if defined(__GNUC__) || defined(__clang__)
    // An empty asm the optimiser cannot see through: keeps the mask arithmetic, rather than a
    // comparison and a branch or a table lookup, in the generated code.
    __asm__("" : "+r"(mask));
#endif
    return mask;
}

#endif
