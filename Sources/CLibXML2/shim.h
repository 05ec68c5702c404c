#ifndef CLIBXML2_SHIM_H
#define CLIBXML2_SHIM_H
#include <libxml/xmlversion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlwriter.h>
#include <libxml/xmlschemas.h>
#include <libxml/xmlerror.h>

/// `xmlFree` is a global function pointer, awkward from Swift; call it through this.
static inline void CLibXML2_xmlFree(void *ptr) { xmlFree(ptr); }

#endif
