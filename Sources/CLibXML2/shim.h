#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so encoding.h would pull in the system's <unicode/ucnv.h>.
   Swift's Foundation carries its own ICU module, and clang then reports "UErrorCode has different
   definitions in different modules" depending on module build order (seen on cold builds). mrabat
   never touches xmlCharEncodingHandler's fields, whose layout is the only thing the macro changes,
   so the ICU part of the headers is left out. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function pointer, awkward from Swift; call it through this.
static inline void CLibXML2_xmlFree(void *ptr) { xmlFree(ptr); }

#endif
