/*
 * jcs.h: the JSON Canonicalization Scheme, RFC 8785.
 *
 * eddsa-jcs-2022 signs the SHA-256 of the JCS form of the credential and of its proof
 * configuration, and JSON-LD writes @json literals in the same form. JCS is JSON as ECMAScript's
 * JSON.stringify writes it: no whitespace, object members sorted by the UTF-16 code units of
 * their names, strings with only the escapes \b \t \n \f \r \" \\ and \u00xx (lower-case hex)
 * for the other controls, and numbers as ECMAScript's Number.prototype.toString writes an IEEE
 * 754 double (the shortest digits that read back to the same double; exponent form below 1e-6
 * and from 1e21 on).
 *
 * Numbers: jansson holds integers as 64-bit integers and the rest as doubles; both are written
 * as the double they denote, as an ECMAScript reader would (an integer beyond 2^53 loses its
 * low bits, as it does in every JCS implementation). The caller should load input with
 * JSON_REJECT_DUPLICATES, which RFC 8785 requires (section 3.1).
 */
#ifndef RN_CRED_JCS_H
#define RN_CRED_JCS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/nquads.h"
#include "proto/error.h"

#define CRED_JCS_DEPTH_MAX    64u /* nesting of arrays and objects */
#define CRED_JCS_NUMBER_CHARS 32u /* the longest number text, with its NUL */

/* Appends the JCS form of v to out. Returns 0; RN_EINVAL for a number that is not finite;
 * RN_ETOOBIG past CRED_JCS_DEPTH_MAX or out's bound; RN_ENOMEM. On failure out holds what it
 * held before. */
RN_MUST_USE int cred_jcs_write(const json_t *v, cred_buf *out);

/* out = SHA-256 of the JCS form of v. Returns what cred_jcs_write returns. */
RN_MUST_USE int cred_jcs_hash(const json_t *v, uint8_t out[32]);

/* Writes the ECMAScript form of the double d into buf (NUL-terminated). Returns 0, or
 * RN_EINVAL for NaN and the infinities. */
RN_MUST_USE int cred_jcs_number(double d, char buf[CRED_JCS_NUMBER_CHARS]);

#endif /* RN_CRED_JCS_H */
