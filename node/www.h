/*
 * www.h: the verifier's page, built into recnetd (node/README.md, "The verifier's page").
 *
 * The files of node/www/ are embedded at configure time (node/CMakeLists.txt) into a table the
 * gateway serves at their paths: index.html at `/`, the others at `/NAME`. Nothing is read
 * from the disk at run time, and the page asks for nothing outside the node that served it.
 */
#ifndef RN_NODE_WWW_H
#define RN_NODE_WWW_H

#include <stddef.h>

typedef struct node_www_asset {
    const char *path;           /* "/", "/page.css", "/page.js" */
    const char *type;           /* its Content-Type */
    const unsigned char *bytes; /* `len` bytes, then a NUL not counted */
    size_t len;
} node_www_asset;

/* Every asset, then one whose path is NULL. */
extern const node_www_asset node_www_assets[];

#endif
