#ifndef CZLIB_SHIM_H
#define CZLIB_SHIM_H
// zlib: deflate and the CRC-32 of PNG chunks (Self-Care QR images).
#include <zlib.h>
#endif
