#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>

/// `OPENSSL_free` is a macro; Swift cannot call it directly.
static inline void COpenSSL_free(void *ptr) { OPENSSL_free(ptr); }

/// `BN_num_bytes` is a macro: the length of the minimal big-endian encoding of `a`.
static inline int COpenSSL_BN_num_bytes(const BIGNUM *a) { return BN_num_bytes(a); }

/// `EVP_EC_gen` is a variadic macro: a fresh key on the named curve (e.g. "P-256"), or NULL.
static inline EVP_PKEY *COpenSSL_EC_gen(const char *curve) { return EVP_EC_gen(curve); }

#endif
