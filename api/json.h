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

#include "proto/key.h"
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
 * (api/recjson.h, rec_entry_to_json). NULL when the answer has no entry or it does not decode. */
json_t *api_json_record(mp_cur result);

/* The text of `j` in the one form (see above): a NUL-terminated string the caller frees, or
 * NULL when memory ran out. */
char *api_json_text(const json_t *j);

/*
 * The direct writer: the same text straight from the MessagePack, without a jansson tree (the
 * HTTP gateway's answers, where building the tree and dumping it cost more than the query).
 *
 * A bounded text buffer: len grows up to max and no further (RN_ETOOBIG). It is reused across
 * answers (api_text_reset keeps the allocation).
 */
#define API_TEXT_KEYS 4u /* keys whose text form is kept: an answer names a few authors */
#define API_TEXT_DAYS 4u /* dates kept: an answer's times fall on a few days */

typedef struct api_text {
    /* public */
    char *p;    /* owned; malloc'd; not NUL-terminated */
    size_t len; /* bytes written */
    size_t cap; /* bytes allocated */
    size_t max; /* hard maximum of len */
    /* private: what the writer keeps across answers (the same keys and days come back) */
    uint64_t day[API_TEXT_DAYS];                          /* of `date`; UINT64_MAX: none */
    char date[API_TEXT_DAYS][16];                         /* "YYYY-MM-DD" of each day */
    uint32_t day_next;                                    /* the next to replace */
    uint8_t keys[API_TEXT_KEYS][PROTO_KEY_BYTES];         /* the last keys shown */
    char key_text[API_TEXT_KEYS][PROTO_KEY_TEXT_LEN + 1]; /* their text forms */
    uint32_t keys_n, key_next;                            /* keys held; the next to replace */
} api_text;

void api_text_init(api_text *t, size_t max);
void api_text_free(api_text *t);
static inline void api_text_reset(api_text *t)
{
    t->len = 0;
}

/* api_json_write's flags. */
#define API_JSON_DROP_PROOF 1u /* as api_json_drop_proof: "proof" out, "proof_bytes" last */
#define API_JSON_WHOLE      2u /* the value must end where v does (RN_EMALFORMED otherwise) */

/*
 * Replaces t's contents with the text of the MessagePack value `v`: exactly the bytes of
 * api_json_text(api_json_from_mp(v)) (after api_json_drop_proof(res, v) with
 * API_JSON_DROP_PROOF). It takes only what it writes the same way: a top level that is a map
 * or an array, map keys of at most 63 bytes of valid UTF-8 without NUL, no key twice in a map
 * (nor twice once "_centi" is cut), at most API_JSON_MAP_KEYS_MAX keys a map, with
 * API_JSON_DROP_PROOF a top-level "proof" that is a bin and no "proof_bytes" of its own. For
 * anything else it returns RN_EMALFORMED (bytes that do not decode, a value the tree path
 * refuses: invalid UTF-8, a negative integer, a float, nesting past MP_DEPTH_MAX) or RN_EINVAL
 * (one of the cases above, which the tree path may show), and the caller takes the tree path,
 * whose answer is then the one. RN_ETOOBIG when the text passes t->max, RN_ENOMEM. On error,
 * t's contents are unspecified.
 */
#define API_JSON_MAP_KEYS_MAX 128u
RN_MUST_USE int api_json_write(api_text *t, mp_cur v, unsigned flags);

#endif /* RN_API_JSON_H */
