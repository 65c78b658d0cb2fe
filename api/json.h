/*
 * json.h: the JSON form of the control API's answers, shared by every client that shows them:
 * recnetctl --json and the HTTP gateway (node/http.c) print the same bytes for the same answer.
 *
 * A MessagePack result converts value by value; how a value is shown depends on the key it is
 * under (PROTOCOL.md section 12 names the keys): `author` and `key` (bin of 32 bytes) as the
 * text form of a key ("rn1:..."), `id` and other short bins as hex, longer bins as base64, times
 * in milliseconds (`at`, `timestamp`, `valid_from`, ...) as ISO 8601, hundredths of ECTS
 * (`ects_centi`, ...) as decimal ECTS under the key without "_centi". The conversion is bounded
 * by MP_DEPTH_MAX and a map key of 63 bytes, and allocates only the JSON it returns.
 *
 * api_json_print gives the one text form: two-space indentation, keys in the answer's order,
 * numbers with 15 significant digits, and a final newline.
 */
#ifndef RN_API_JSON_H
#define RN_API_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "proto/mp.h"

/* The JSON of one MessagePack value, or NULL when it is malformed, too deep, has a map key that
 * is not a string of at most 63 bytes, or memory ran out. The caller owns the result. */
json_t *api_json_from_mp(mp_cur v);

/* Finds `key` in the map at `map` (keys that are not strings are skipped); *val is then
 * positioned at its value. False when absent or when the map is malformed. */
bool api_map_get(mp_cur map, const char *key, mp_cur *val);

/* Removes the proof bundle from an answer shown as JSON and puts its size instead, as
 * "proof_bytes" (the bundle itself is served as bytes: recnetctl proof get, HTTP's
 * application/vnd.recnet.proof). `raw` is the answer's MessagePack; nothing when it has none. */
void api_json_drop_proof(json_t *res, mp_cur raw);

/* The answer of the `record` method as `spec show --json` prints it: the entry under "bytes"
 * decoded into {"author", "seq", "id", "prev", "timestamp", "kind", "record": {...}}
 * (cli/recjson.h, rec_entry_to_json). NULL when the answer has no entry or it does not decode. */
json_t *api_json_record(mp_cur result);

/* The text of `j` in the one form (see above): a NUL-terminated string the caller frees, or
 * NULL when memory ran out. */
char *api_json_text(const json_t *j);

#endif /* RN_API_JSON_H */
