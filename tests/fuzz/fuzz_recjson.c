/*
 * fuzz_recjson.c: libFuzzer harness for recnetctl's JSON record reader (rec_from_json,
 * api/recjson.h) and the value forms it reads (times, ECTS).
 *
 * `recnetctl <kind> publish` reads a JSON file that anyone may have written, so rec_from_json must
 * survive any JSON of any shape. The first byte picks the kind (1 + its low six bits %
 * PROTO_KIND_MAX); the rest is the JSON text, loaded as the CLI loads it (duplicate keys refused).
 * Beside not crashing, the harness checks that
 *  - a refused record gives a known RN_E code in the error, whose text formats within its bound;
 *  - an accepted record is valid (proto_record_validate), written back by rec_to_json and read
 *    again to an equal record: the JSON forms the CLI prints are the ones it reads;
 *  - when the byte's high bit is set, the text is also read as a time and as ECTS, and anything
 *    accepted formats to a text that reads back to the same value;
 *  - when its bit 0x40 is set, the rest is a record body in MessagePack instead (the seeds of
 *    the record harness): a body that proto_record_decode accepts, which any record arriving
 *    from the network is, must come out of rec_to_json as JSON that rec_from_json reads back to
 *    an equal record, since `recnetctl` shows what the node holds in the form it publishes;
 *    the one exception is an issuer key of a later form that the wire accepts and no verifier
 *    can use (rec_key_text_check), which the CLI refuses to publish and names.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "api/recjson.h"

static void values(const char *s, size_t len)
{
    uint64_t ms, ms2;
    uint32_t centi, centi2;
    char text[REC_TIME_BYTES];
    char ects[16];
    /* "now" reads the clock: its round trip holds too, whatever the time. */
    if (rec_time_parse(s, len, &ms) == 0) {
        rec_time_format(ms, text);
        RN_ASSERT(rec_time_parse(text, strlen(text), &ms2) == 0 && ms2 == ms);
    }
    if (rec_ects_parse(s, len, &centi) == 0) {
        rec_ects_format(centi, ects);
        RN_ASSERT(rec_ects_parse(ects, strlen(ects), &centi2) == 0 && centi2 == centi);
        json_t *j = rec_ects_json(centi);
        RN_ASSERT(j != NULL && json_is_number(j));
        json_decref(j);
    }
}

/* A record the network accepts, shown as JSON and read back. */
static void from_body(proto_kind kind, const uint8_t *body, size_t len, rec_bytes *bytes)
{
    proto_record r, again;
    rec_err e;
    char msg[512];
    if (proto_record_decode(&r, kind, body, len, NULL) != 0)
        return;
    json_t *j = rec_to_json(&r);
    RN_ASSERT(j != NULL);
    memset(&e, 0, sizeof(e));
    int rc = rec_from_json(&again, kind, j, bytes, &e);
    /* An issuer key of a later form in its canonical form that no verifier can use (an EC point
     * off the curve, a did:key of no key) is on the wire, but the CLI refuses to publish it:
     * then that key, and only such a key, is the error. */
    if (rc == RN_EKEY && strcmp(e.field, "provider.issuer_keys_ext.key") == 0 && e.index >= 1 &&
        e.index <= r.u.provider.issuer_keys_ext_n) {
        char why[256];
        proto_str k = r.u.provider.issuer_keys_ext[e.index - 1].key;
        RN_ASSERT(rec_key_text_check((const char *)k.ptr, k.len, why, sizeof(why)) < 0);
        json_decref(j);
        return;
    }
    if (rc != 0) {
        rec_err_format(&e, msg, sizeof(msg));
        fprintf(stderr, "a record that decodes does not read back from its JSON: %s\n", msg);
    }
    RN_ASSERT(rc == 0);
    RN_ASSERT(proto_record_equal(&r, &again));
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static rec_bytes bytes, bytes2; /* 4 KiB each */
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    if (size == 0)
        return 0;
    proto_kind kind = (proto_kind)(1 + (data[0] & 0x3f) % PROTO_KIND_MAX);
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    if (data[0] & 0x80)
        values(text, len);
    if (data[0] & 0x40) {
        from_body(kind, data + 1, len, &bytes);
        return 0;
    }

    json_error_t je;
    json_t *obj = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (obj == NULL)
        return 0;
    proto_record r, again;
    rec_err e;
    char msg[512];
    memset(&e, 0, sizeof(e));
    int rc = rec_from_json(&r, kind, obj, &bytes, &e);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
        RN_ASSERT(e.code == rc);
        rec_err_format(&e, msg, sizeof(msg));
        RN_ASSERT(memchr(msg, '\0', sizeof(msg)) != NULL);
        json_decref(obj);
        return 0;
    }
    RN_ASSERT(r.kind == kind);
    RN_ASSERT(proto_record_validate(&r, NULL) == 0);
    json_t *back = rec_to_json(&r);
    RN_ASSERT(back != NULL);
    memset(&e, 0, sizeof(e));
    rc = rec_from_json(&again, kind, back, &bytes2, &e);
    if (rc != 0) {
        rec_err_format(&e, msg, sizeof(msg));
        fprintf(stderr, "written back, the record does not read: %s\n", msg);
    }
    RN_ASSERT(rc == 0);
    RN_ASSERT(proto_record_equal(&r, &again));
    json_decref(back);
    json_decref(obj);
    return 0;
}
