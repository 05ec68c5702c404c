// The low-level SHA-256 interface (SHA256_CTX, SHA256_Transform) is deprecated in OpenSSL 3 in
// favour of EVP, whose per-call overhead is what this file exists to avoid.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "CPBKDF2.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>
#include <string.h>

static void store_be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/// One compression of `block` from `state`, the 32-byte digest written into `digest`.
static void compress(const SHA256_CTX *state, const uint8_t block[64], uint8_t digest[32]) {
    SHA256_CTX ctx = *state;
    SHA256_Transform(&ctx, block);
    for (int i = 0; i < 8; i++) store_be32(digest + 4 * i, ctx.h[i]);
    OPENSSL_cleanse(&ctx, sizeof ctx);
}

int cpbkdf2_hmac_sha256_block(const uint8_t *password, size_t password_len, const uint8_t *salt,
                              size_t salt_len, uint32_t iterations, uint8_t *out, size_t out_len) {
    if (password_len > 64 || out_len == 0 || out_len > 32 || iterations == 0) return 0;
    uint8_t pad[64];
    SHA256_CTX inner, outer, ctx;

    memset(pad, 0x36, sizeof pad);
    for (size_t i = 0; i < password_len; i++) pad[i] ^= password[i];
    SHA256_Init(&inner);
    SHA256_Update(&inner, pad, sizeof pad);
    memset(pad, 0x5c, sizeof pad);
    for (size_t i = 0; i < password_len; i++) pad[i] ^= password[i];
    SHA256_Init(&outer);
    SHA256_Update(&outer, pad, sizeof pad);

    // U_1 = HMAC(P, S || INT(1)), through the ordinary interface (the salt has any length).
    uint8_t u[32], t[32], index[4] = {0, 0, 0, 1};
    ctx = inner;
    SHA256_Update(&ctx, salt, salt_len);
    SHA256_Update(&ctx, index, sizeof index);
    SHA256_Final(u, &ctx);
    ctx = outer;
    SHA256_Update(&ctx, u, sizeof u);
    SHA256_Final(u, &ctx);
    memcpy(t, u, sizeof t);

    // U_j = HMAC(P, U_{j-1}): both hashes are of 64 + 32 bytes, so the second block of each is the
    // 32-byte message, the 0x80 terminator and the bit length 768, prepared once.
    uint8_t block[64] = {0};
    block[32] = 0x80;
    block[62] = 0x03;
    for (uint32_t round = 1; round < iterations; round++) {
        memcpy(block, u, 32);
        compress(&inner, block, block);
        compress(&outer, block, u);
        for (int i = 0; i < 32; i++) t[i] ^= u[i];
    }
    memcpy(out, t, out_len);

    OPENSSL_cleanse(pad, sizeof pad);
    OPENSSL_cleanse(block, sizeof block);
    OPENSSL_cleanse(u, sizeof u);
    OPENSSL_cleanse(t, sizeof t);
    OPENSSL_cleanse(&inner, sizeof inner);
    OPENSSL_cleanse(&outer, sizeof outer);
    OPENSSL_cleanse(&ctx, sizeof ctx);
    return 1;
}
