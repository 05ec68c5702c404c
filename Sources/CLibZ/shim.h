#ifndef CLIBZ_SHIM_H
#define CLIBZ_SHIM_H
// zlib: deflate and the CRC-32 of PNG chunks (Self-Care QR images).
#include <zlib.h>
#endif
