/*
 * route.h: the HTTP gateway's routes: each maps an HTTP method and a path under /v1/ to one row
 * of the control API's method table (proto/ctl.h), its path segments to the row's parameters.
 *
 * Only rows flagged CTL_PUBLIC and not CTL_WRITES may be routed (api_routes_safe, asserted when
 * the gateway starts and tested in tests/unit/api_query_test.c; node/http.c checks the row's
 * flags again before every request), so no write method of the control API, nor a method about
 * the node's own state or peers, is ever reachable over HTTP.
 */
#ifndef RN_API_ROUTE_H
#define RN_API_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ctl.h"

typedef struct api_route {
    const char *path;   /* exact, or a prefix ending in '/' when `segs` > 0 */
    const char *method; /* "GET" or "POST" */
    ctl_method_id id;
    uint32_t segs;      /* path segments after the prefix (1 or 2), taken as parameters */
    const char *seg[2]; /* their parameter names */
    bool entry;         /* the answer is an entry, shown as its record (api_json_record) */
    bool body;          /* the request's body is a credential file, the method's claim */
} api_route;

/* The gateway's own paths, served by node/http.c without a method of the table: health,
 * readiness, metrics, the public part of status, and the OpenAPI document (openapi.h). */
#define API_OWN_N 5u
extern const char *const api_own_paths[API_OWN_N];

/* True when every route names a method that is public and does not write. */
bool api_routes_safe(void);

/*
 * The route of `method` and path[0..len) (no query string), or NULL: then *wrong_method says
 * whether a route has that path under another method. For a prefix route, seg[k] and seg_len[k]
 * (when seg is not NULL) get its segments, still percent-encoded; each segment must be
 * non-empty. Static.
 */
const api_route *api_route_find(const char *path, size_t len, const char *method,
                                bool *wrong_method, const char **seg, size_t *seg_len);

/* Whether the route's answer is a document served as it is, not as JSON of the answer: the
 * status list (GET /v1/status/{provider}), whose answer's member API_DOCUMENT_MEMBER is a
 * W3C Bitstring Status List credential, served as API_DOCUMENT_TYPE. The gateway passes such a
 * route the URL it was asked at as the method's `url` parameter (the list's id) unless the query
 * names one. */
#define API_DOCUMENT_MEMBER "credential"
#define API_DOCUMENT_TYPE   "application/vc+ld+json"
bool api_route_document(const api_route *r);

/* Route i (in the table's order), or NULL past the last. Static. */
const api_route *api_route_at(size_t i);

#endif /* RN_API_ROUTE_H */
