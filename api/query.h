/*
 * query.h: the HTTP side's decoder: a query string into its parameters, and the parameters of a
 * route into the MessagePack parameters of a control API method, so that the gateway hands the
 * node exactly the request a control client would send (one method table, two transports).
 *
 * A query string is name=value pairs joined by '&'; names are lower-case letters, digits and
 * '_', at most 32 bytes; values are percent-decoded ("%2F", and '+' for a blank) and may hold
 * any byte but NUL. Bounds (proto/limits.h): RN_HTTP_QUERY_BYTES_MAX bytes in all and
 * RN_HTTP_QUERY_PARAMS_MAX parameters. A name given twice is an error: a gateway cannot tell
 * which one the client meant.
 *
 * Conversion follows each parameter's row in the table (proto/ctl.h): a string as it is; `at`
 * as a time as recnetctl's --at takes it (a date, a datetime with its zone, ms since the epoch);
 * another unsigned integer in decimal; a bin (an entry id) in hex; a key as its text form
 * ("rn1:..."); an array of strings as a comma-separated list; the search filter from the query
 * parameters of PROTOCOL.md 12.2's filter (country, provider, eqf_min, eqf_max, isced, ects_min,
 * text), ECTS in decimal. A query parameter that the method does not take is an error naming it,
 * so a misspelt name is never silently dropped. Nothing here allocates but the output buffer.
 */
#ifndef RN_API_QUERY_H
#define RN_API_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/ctl.h"
#include "proto/limits.h"
#include "proto/mp.h"

#define API_QUERY_NAME_BYTES_MAX 32u

typedef struct api_param {
    const char *name;  /* NUL-terminated, in the query's buffer */
    const char *value; /* NUL-terminated, percent-decoded, in the query's buffer */
    size_t value_len;
    bool used; /* set by api_params_build when a method parameter took it */
} api_param;

/* A decoded query string. Caller owns it; it holds no pointers outside itself. */
typedef struct api_query {
    uint32_t n; /* 0 .. RN_HTTP_QUERY_PARAMS_MAX */
    api_param p[RN_HTTP_QUERY_PARAMS_MAX];
    char buf[RN_HTTP_QUERY_BYTES_MAX + RN_HTTP_QUERY_PARAMS_MAX * 2u]; /* names and values */
} api_query;

/*
 * Decodes s[0..len) (without the '?'; empty for none). Returns 0, or with *e filled: RN_ETOOBIG
 * (over RN_HTTP_QUERY_BYTES_MAX; more than RN_HTTP_QUERY_PARAMS_MAX parameters), RN_EINVAL (a
 * name that is empty, too long or not [a-z0-9_], a bad percent escape, a NUL), RN_EDUPLICATE (a
 * name twice); the field is the name at fault where there is one.
 */
RN_MUST_USE int api_query_parse(api_query *q, const char *s, size_t len, ctl_error *e);

/* The parameter named `name`, or NULL. */
api_param *api_query_get(api_query *q, const char *name);

/*
 * Writes the parameters array of method `m` (its header included) to `out` from `q`, whose
 * parameters it marks used. `claim` is the encoded map of a method taking a "claim" (verify),
 * else NULL. Returns 0, or with *e filled (field: the parameter): RN_EMISSING (a required one
 * absent), RN_ETIME (`at` not a time), RN_EINVAL (a number, hex or list that does not parse;
 * an EQF level outside 1..8), RN_EECTS, RN_EUNKNOWNFIELD (a query parameter the method does not
 * take; `ignore`, when not NULL, names one the caller handles itself, like "proof").
 */
RN_MUST_USE int api_params_build(mp_buf *out, const ctl_method *m, api_query *q,
                                 const uint8_t *claim, size_t claim_len, const char *ignore,
                                 ctl_error *e);

#endif /* RN_API_QUERY_H */
