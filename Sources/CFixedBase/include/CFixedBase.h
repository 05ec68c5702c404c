#ifndef CFIXEDBASE_H
#define CFIXEDBASE_H

/// Fixed-base modular exponentiation: `g^e mod N` for one odd modulus N and one base g, from a
/// table of precomputed powers of g, in time independent of the exponent's value.
///
/// The exponent is cut into `windows` digits of `window_bits` bits; the table holds, for every
/// digit position i and every digit value d, `g^(d * 2^(i * window_bits))`. A power is then one
/// Montgomery multiplication per digit position — no squarings — and every table entry of a
/// position is read, whatever the digit, and combined under a mask: no branch and no memory
/// address depends on the exponent. Digit 0 selects g^0 and is multiplied like any other digit.
///
/// A table is immutable once made: any number of threads may call `CFixedBase_power` on it at
/// once. Only libc is used.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A table of powers of one base modulo one modulus (opaque).
typedef struct CFixedBaseTable CFixedBaseTable;

/// Results of the functions below.
enum {
    CFIXEDBASE_OK = 0,
    /// The modulus is even, has a leading zero byte, is shorter than 2 bytes or longer than
    /// `CFIXEDBASE_MAX_MODULUS_BYTES`.
    CFIXEDBASE_BAD_MODULUS = 1,
    /// The base is 0 or not below the modulus.
    CFIXEDBASE_BAD_BASE = 2,
    /// `window_bits` is outside 1...`CFIXEDBASE_MAX_WINDOW_BITS`, or `exponent_bits` is not a
    /// positive multiple of 8 up to `CFIXEDBASE_MAX_EXPONENT_BITS`.
    CFIXEDBASE_BAD_SHAPE = 3,
    /// Memory for the table could not be allocated.
    CFIXEDBASE_NO_MEMORY = 4,
    /// The exponent has more bytes than the table's `exponent_bits` allow (its length is
    /// public; its value is not looked at).
    CFIXEDBASE_EXPONENT_TOO_LONG = 5,
    /// The result buffer is not exactly as long as the modulus.
    CFIXEDBASE_BAD_RESULT_LENGTH = 6,
};

enum {
    CFIXEDBASE_MAX_MODULUS_BYTES = 512,
    CFIXEDBASE_MAX_EXPONENT_BITS = 4096,
    CFIXEDBASE_MAX_WINDOW_BITS = 10,
};

/// Options for `CFixedBase_create`.
enum {
    /// Use the portable C multiplication and selection even where a faster one exists (tests
    /// compare the two).
    CFIXEDBASE_PORTABLE = 1,
};

/// Builds the table for `base` modulo `modulus` (both big-endian, unsigned), for exponents of
/// up to `exponent_bits` bits cut into digits of `window_bits` bits.
///
/// The table takes `ceil(exponent_bits / window_bits) * 2^window_bits` entries of the modulus's
/// size. Building it costs one modular multiplication per entry. On success `*table` is set
/// and must be released with `CFixedBase_free`.
int CFixedBase_create(
    const uint8_t *modulus, size_t modulus_length, const uint8_t *base, size_t base_length,
    unsigned window_bits, unsigned exponent_bits, unsigned options, CFixedBaseTable **table);

/// Releases a table made by `CFixedBase_create`. NULL is ignored.
void CFixedBase_free(CFixedBaseTable *table);

/// `base^exponent mod modulus`, written big-endian into `result`, left-padded with zeros to
/// exactly the modulus's length (`result_length`).
///
/// `exponent` is big-endian and at most `exponent_bits / 8` bytes long (shorter is read as
/// left-padded with zeros); it may be secret: the time and the memory addresses touched
/// depend only on the table, never on the exponent's value. The function's own copies of
/// the exponent, its digits and the intermediate values are wiped before it returns.
int CFixedBase_power(
    const CFixedBaseTable *table, const uint8_t *exponent, size_t exponent_length, uint8_t *result,
    size_t result_length);

/// The table's size in bytes (the precomputed powers only).
size_t CFixedBase_table_bytes(const CFixedBaseTable *table);

/// The digit width the table was made for.
unsigned CFixedBase_window_bits(const CFixedBaseTable *table);

/// The longest exponent the table takes, in bits.
unsigned CFixedBase_exponent_bits(const CFixedBaseTable *table);

/// A static, human-readable name of the multiplication and selection code the table uses,
/// e.g. "x86-64 MULX/ADX, AVX2 selection" or "portable C".
const char *CFixedBase_implementation(const CFixedBaseTable *table);

#ifdef __cplusplus
}
#endif

#endif
