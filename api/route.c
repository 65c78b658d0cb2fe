/*
 * route.c: the gateway's routes (route.h).
 */
#include "api/route.h"

#include <string.h>

static const api_route routes[] = {
    { "/v1/recognise", "GET", CTL_M_RECOGNISE, 0, { NULL, NULL }, false, false },
    { "/v1/matrix", "GET", CTL_M_MATRIX, 0, { NULL, NULL }, false, false },
    { "/v1/report", "GET", CTL_M_REPORT, 0, { NULL, NULL }, false, false },
    { "/v1/search", "GET", CTL_M_SEARCH, 0, { NULL, NULL }, false, false },
    { "/v1/verify", "POST", CTL_M_VERIFY, 0, { NULL, NULL }, false, true },
    { "/v1/stack", "GET", CTL_M_STACK, 0, { NULL, NULL }, false, false },
    { "/v1/heads", "GET", CTL_M_HEADS, 0, { NULL, NULL }, false, false },
    { "/v1/roster", "GET", CTL_M_ROSTER, 0, { NULL, NULL }, false, false },
    { "/v1/record/", "GET", CTL_M_RECORD, 2, { "kind", "id" }, true, false },
    { "/v1/entry/", "GET", CTL_M_ENTRY, 1, { "id", NULL }, true, false },
    { "/v1/fork/", "GET", CTL_M_FORK, 1, { "author", NULL }, false, false },
    { "/v1/spec/", "GET", CTL_M_RECORD, 1, { "id", NULL }, true, false },
};
const char *const api_own_paths[API_OWN_N] = { "/healthz", "/readyz", "/metrics", "/v1/status",
                                               "/v1/openapi.json" };

#define ROUTES_N (sizeof(routes) / sizeof(routes[0]))

bool api_routes_safe(void)
{
    for (size_t i = 0; i < ROUTES_N; i++) {
        const ctl_method *m = ctl_method_get(routes[i].id);
        if ((m->flags & CTL_PUBLIC) == 0 || (m->flags & CTL_WRITES) != 0)
            return false;
    }
    return true;
}

const api_route *api_route_find(const char *path, size_t len, const char *method,
                                bool *wrong_method, const char **seg, size_t *seg_len)
{
    *wrong_method = false;
    for (size_t i = 0; i < ROUTES_N; i++) {
        const api_route *r = &routes[i];
        size_t pl = strlen(r->path);
        if (r->segs == 0) {
            if (len != pl || memcmp(path, r->path, pl) != 0)
                continue;
        } else {
            if (len <= pl || memcmp(path, r->path, pl) != 0)
                continue;
            /* Exactly r->segs non-empty segments. */
            size_t at = pl;
            uint32_t k = 0;
            bool ok = true;
            while (ok && k < r->segs) {
                size_t end = at;
                while (end < len && path[end] != '/')
                    end++;
                ok = end > at && (k + 1 == r->segs ? end == len : end < len);
                if (seg != NULL) {
                    seg[k] = path + at;
                    seg_len[k] = end - at;
                }
                at = end + 1;
                k++;
            }
            if (!ok)
                continue;
        }
        if (strcmp(r->method, method) != 0) {
            *wrong_method = true;
            continue;
        }
        *wrong_method = false;
        return r;
    }
    return NULL;
}

const api_route *api_route_at(size_t i)
{
    return i < ROUTES_N ? &routes[i] : NULL;
}
