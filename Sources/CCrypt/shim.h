#ifndef MRABAT_CCRYPT_SHIM_H
#define MRABAT_CCRYPT_SHIM_H
#include <crypt.h>
#endif
