/*
 * openapi.h: the OpenAPI 3 document of the HTTP gateway (api/openapi.json), embedded in the
 * program at build time (api/CMakeLists.txt) and served at /v1/openapi.json.
 *
 * The document describes every path the gateway serves: the routes of route.c, which map to
 * public methods of the control API, and the gateway's own paths (/healthz, /readyz, /metrics,
 * /v1/status, /v1/openapi.json). tests/unit/openapi_test.c checks that the two sets are equal,
 * and tests/integration/openapi.sh that a live node's answers have the properties and types the
 * document's schemas require.
 */
#ifndef RN_API_OPENAPI_H
#define RN_API_OPENAPI_H

#include <stddef.h>

/* The document's bytes (NUL-terminated after api_openapi_json_len bytes). Static. */
extern const char *const api_openapi_json;
extern const size_t api_openapi_json_len;

#endif /* RN_API_OPENAPI_H */
