#include "CFixedBase.h"
#include "Montgomery.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_LIMBS = CFIXEDBASE_MAX_MODULUS_BYTES / 8 };

/// Constant-time selection: `out = entries[digit]` for `count` entries of `n` limbs each,
/// reading every entry and combining them under masks.
typedef void (*Select)(uint64_t *out, const uint64_t *entries, size_t count, size_t n, uint64_t digit);

struct CFixedBaseTable {
    size_t limbs;
    size_t modulus_bytes;
    unsigned window_bits;
    unsigned exponent_bits;
    size_t windows;
    size_t entries_per_window;
    uint64_t n0;
    uint64_t modulus[MAX_LIMBS];
    /// windows × entries_per_window × limbs. Window 0 holds plain g^d; every other window i
    /// holds g^(d·2^(i·w)) in Montgomery form (times 2^(64·limbs) mod N), so that multiplying a
    /// plain accumulator by it keeps the accumulator plain and no conversion is needed at the end.
    uint64_t *powers;
    size_t powers_bytes;
    CFixedBaseMultiply multiply;
    Select select;
    const char *implementation;
};

// MARK: - Selection

static inline __attribute__((always_inline)) void select_body(
    uint64_t *restrict out, const uint64_t *restrict entries, size_t count, size_t n, uint64_t digit) {
    for (size_t j = 0; j < n; j++) out[j] = 0;
    for (size_t d = 0; d < count; d++) {
        uint64_t mask = CFixedBase_equal_mask(d, digit);
        const uint64_t *entry = entries + d * n;
        for (size_t j = 0; j < n; j++) out[j] |= entry[j] & mask;
    }
}

// The limb count is a constant in the specialised copies, so the inner loop vectorises without
// run-time checks; the AVX2 copies read 32 bytes per instruction instead of SSE2's 16.
#define DEFINE_SELECT(NAME, LIMBS, ATTRIBUTES)                                                         \
    ATTRIBUTES static void NAME(                                                                       \
        uint64_t *restrict out, const uint64_t *restrict entries, size_t count, size_t n, uint64_t digit) { \
        (void)n;                                                                                       \
        select_body(out, entries, count, LIMBS, digit);                                                \
    }
DEFINE_SELECT(select_any, n, )
DEFINE_SELECT(select_16, 16, )
DEFINE_SELECT(select_32, 32, )
#if defined(__x86_64__)
DEFINE_SELECT(select_any_avx2, n, __attribute__((target("avx2"))))
DEFINE_SELECT(select_16_avx2, 16, __attribute__((target("avx2"))))
DEFINE_SELECT(select_32_avx2, 32, __attribute__((target("avx2"))))
#endif

// MARK: - Small helpers (public values only: the modulus and the base)

/// Zeroes memory that held secret values; the empty asm that "reads" it keeps the compiler from
/// dropping the stores as dead.
static void wipe(void *pointer, size_t length) {
    memset(pointer, 0, length);
#if defined(__GNUC__) || defined(__clang__)
    __asm__ volatile("" : : "r"(pointer) : "memory");
#else
    volatile unsigned char *bytes = pointer;
    for (size_t k = 0; k < length; k++) bytes[k] = 0;
#endif
}

/// Little-endian limbs from big-endian bytes; `length` ≤ 8 * limbs.
static void limbs_from_bytes(uint64_t *limbs, size_t count, const uint8_t *bytes, size_t length) {
    for (size_t i = 0; i < count; i++) limbs[i] = 0;
    for (size_t k = 0; k < length; k++) {
        size_t index = length - 1 - k;  // weight of bytes[k]: 256^index
        limbs[index / 8] |= (uint64_t)bytes[k] << (8 * (index % 8));
    }
}

/// 1 if x < y.
static int below(const uint64_t *x, const uint64_t *y, size_t n) {
    for (size_t j = n; j-- > 0;) {
        if (x[j] != y[j]) return x[j] < y[j];
    }
    return 0;
}

/// x = 2x mod m, for x < m.
static void double_modulo(uint64_t *x, const uint64_t *m, size_t n) {
    uint64_t carry = 0;
    for (size_t j = 0; j < n; j++) {
        uint64_t next = x[j] >> 63;
        x[j] = (x[j] << 1) | carry;
        carry = next;
    }
    if (carry || !below(x, m, n)) {
        uint64_t borrow = 0;
        for (size_t j = 0; j < n; j++) {
            uint64_t d = x[j] - m[j] - borrow;
            borrow = (x[j] < m[j]) | ((x[j] == m[j]) & borrow);
            x[j] = d;
        }
    }
}

// MARK: - Table

int CFixedBase_create(
    const uint8_t *modulus, size_t modulus_length, const uint8_t *base, size_t base_length,
    unsigned window_bits, unsigned exponent_bits, unsigned options, CFixedBaseTable **result) {
    *result = NULL;
    if (modulus_length < 2 || modulus_length > CFIXEDBASE_MAX_MODULUS_BYTES || modulus[0] == 0
        || (modulus[modulus_length - 1] & 1) == 0)
        return CFIXEDBASE_BAD_MODULUS;
    if (window_bits < 1 || window_bits > CFIXEDBASE_MAX_WINDOW_BITS || exponent_bits == 0
        || exponent_bits % 8 != 0 || exponent_bits > CFIXEDBASE_MAX_EXPONENT_BITS)
        return CFIXEDBASE_BAD_SHAPE;
    while (base_length > 0 && base[0] == 0) {
        base++;
        base_length--;
    }
    if (base_length == 0 || base_length > modulus_length) return CFIXEDBASE_BAD_BASE;

    CFixedBaseTable *table = calloc(1, sizeof *table);
    if (table == NULL) return CFIXEDBASE_NO_MEMORY;
    size_t n = (modulus_length + 7) / 8;
    table->limbs = n;
    table->modulus_bytes = modulus_length;
    table->window_bits = window_bits;
    table->exponent_bits = exponent_bits;
    table->windows = (exponent_bits + window_bits - 1) / window_bits;
    table->entries_per_window = (size_t)1 << window_bits;
    limbs_from_bytes(table->modulus, n, modulus, modulus_length);
    uint64_t g[MAX_LIMBS];
    limbs_from_bytes(g, n, base, base_length);
    if (!below(g, table->modulus, n)) {
        free(table);
        return CFIXEDBASE_BAD_BASE;
    }

    // -m^(-1) mod 2^64 by Newton's iteration: each step doubles the correct low bits (1 → 64).
    uint64_t inverse = 1;
    for (int step = 0; step < 6; step++) inverse *= 2 - table->modulus[0] * inverse;
    table->n0 = 0 - inverse;

    table->multiply = CFixedBase_multiply_portable;
    table->select = n == 32 ? select_32 : n == 16 ? select_16 : select_any;
    table->implementation = "portable C";
#if defined(__x86_64__)
    if ((options & CFIXEDBASE_PORTABLE) == 0) {
        __builtin_cpu_init();
        int adx = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx");
        int avx2 = __builtin_cpu_supports("avx2");
        if (adx && (n == 16 || n == 32)) table->multiply = n == 32 ? CFixedBase_multiply_adx32 : CFixedBase_multiply_adx16;
        if (avx2) table->select = n == 32 ? select_32_avx2 : n == 16 ? select_16_avx2 : select_any_avx2;
        table->implementation = adx && (n == 16 || n == 32)
            ? (avx2 ? "x86-64 MULX/ADX multiplication, AVX2 selection" : "x86-64 MULX/ADX multiplication, SSE2 selection")
            : (avx2 ? "portable C multiplication, AVX2 selection" : "portable C");
    }
#else
    (void)options;
#endif

    size_t entry_bytes = n * 8;
    size_t count = table->windows * table->entries_per_window;
    if (count > SIZE_MAX / entry_bytes) {
        free(table);
        return CFIXEDBASE_NO_MEMORY;
    }
    table->powers_bytes = count * entry_bytes;
    // Aligned to a cache line, so that no 32-byte load of the selection straddles two; the size
    // rounded up to a multiple of the alignment, as aligned_alloc requires.
    size_t allocation = (table->powers_bytes + 63) / 64 * 64;
    table->powers = aligned_alloc(64, allocation);
    if (table->powers == NULL) {
        free(table);
        return CFIXEDBASE_NO_MEMORY;
    }

    const uint64_t *m = table->modulus;
    uint64_t scratch[2 * MAX_LIMBS + 2];
    uint64_t one[MAX_LIMBS] = {1};           // plain 1
    uint64_t montgomery_one[MAX_LIMBS] = {1};  // R mod m, R = 2^(64n)
    for (size_t k = 0; k < 64 * n; k++) double_modulo(montgomery_one, m, n);
    uint64_t r_squared[MAX_LIMBS];          // R^2 mod m
    memcpy(r_squared, montgomery_one, n * 8);
    for (size_t k = 0; k < 64 * n; k++) double_modulo(r_squared, m, n);

    uint64_t step[MAX_LIMBS];  // g^(2^(i·w)) in Montgomery form, for window i
    table->multiply(step, g, r_squared, m, table->n0, n, scratch);
    for (size_t i = 0; i < table->windows; i++) {
        uint64_t *window = table->powers + i * table->entries_per_window * n;
        memcpy(window, montgomery_one, n * 8);
        for (size_t d = 1; d < table->entries_per_window; d++)
            table->multiply(window + d * n, window + (d - 1) * n, step, m, table->n0, n, scratch);
        uint64_t next[MAX_LIMBS];
        table->multiply(next, window + (table->entries_per_window - 1) * n, step, m, table->n0, n, scratch);
        memcpy(step, next, n * 8);
        if (i == 0) {
            // Out of Montgomery form: the accumulator starts as a plain value.
            for (size_t d = 0; d < table->entries_per_window; d++)
                table->multiply(window + d * n, window + d * n, one, m, table->n0, n, scratch);
        }
    }
    *result = table;
    return CFIXEDBASE_OK;
}

void CFixedBase_free(CFixedBaseTable *table) {
    if (table == NULL) return;
    free(table->powers);
    free(table);
}

size_t CFixedBase_table_bytes(const CFixedBaseTable *table) { return table->powers_bytes; }
unsigned CFixedBase_window_bits(const CFixedBaseTable *table) { return table->window_bits; }
unsigned CFixedBase_exponent_bits(const CFixedBaseTable *table) { return table->exponent_bits; }
const char *CFixedBase_implementation(const CFixedBaseTable *table) { return table->implementation; }

// MARK: - Power

int CFixedBase_power(
    const CFixedBaseTable *table, const uint8_t *exponent, size_t exponent_length, uint8_t *result,
    size_t result_length) {
    size_t exponent_bytes = table->exponent_bits / 8;
    if (exponent_length > exponent_bytes) return CFIXEDBASE_EXPONENT_TOO_LONG;
    if (result_length != table->modulus_bytes) return CFIXEDBASE_BAD_RESULT_LENGTH;

    size_t n = table->limbs;
    unsigned w = table->window_bits;
    size_t entries = table->entries_per_window;
    // Left-padded to the table's full exponent length: every exponent takes the same digits.
    uint8_t padded[CFIXEDBASE_MAX_EXPONENT_BITS / 8];
    memset(padded, 0, exponent_bytes - exponent_length);
    if (exponent_length > 0) memcpy(padded + exponent_bytes - exponent_length, exponent, exponent_length);

    uint64_t accumulator[MAX_LIMBS];
    uint64_t selected[MAX_LIMBS];
    uint64_t scratch[2 * MAX_LIMBS + 2];
    uint64_t digit = 0;
    for (size_t i = 0; i < table->windows; i++) {
        digit = 0;
        for (unsigned k = 0; k < w; k++) {
            size_t bit = i * w + k;  // a public position; only the bit's value is secret
            if (bit < table->exponent_bits) {
                uint64_t value = (padded[exponent_bytes - 1 - bit / 8] >> (bit % 8)) & 1;
                digit |= value << k;
            }
        }
        const uint64_t *window = table->powers + i * entries * n;
        if (i == 0) {
            table->select(accumulator, window, entries, n, digit);
        } else {
            table->select(selected, window, entries, n, digit);
            table->multiply(accumulator, accumulator, selected, table->modulus, table->n0, n, scratch);
        }
    }
    for (size_t k = 0; k < result_length; k++) {
        size_t index = result_length - 1 - k;
        result[k] = (uint8_t)(accumulator[index / 8] >> (8 * (index % 8)));
    }
    wipe(padded, exponent_bytes);
    wipe(accumulator, n * 8);
    wipe(selected, n * 8);
    wipe(scratch, (2 * n + 2) * 8);
    wipe(&digit, sizeof digit);
    return CFIXEDBASE_OK;
}
