/*
 * fuzz_record.c: libFuzzer harness for the record decoder (proto/record.h).
 *
 * The first byte picks the kind (1 + data[0] % PROTO_KIND_MAX, so 0 to 5 keep naming kinds 1 to 6
 * and 6 and 7 name the roster and succession records); the rest is a body. Bodies come from authors
 * the node does not trust, so proto_record_decode must survive any bytes and, when it accepts
 * some, return a record that
 *  - re-encodes to exactly the same bytes (the canonical round trip: a second spelling of an
 *    accepted record would give one statement two entry ids),
 *  - equals itself decoded again from those bytes,
 *  - borrows only the input (every string inside it), and
 *  - can be checked against its own author prefix without crashing; with its own country the
 *    check passes for every kind whose id field is the one checked first.
 * A failed decode must report a known error code, the same one with or without a diagnostic.
 *
 * A broken invariant is an RN_ASSERT, which aborts: libFuzzer and the replay driver report it as
 * a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/limits.h"
#include "proto/mp.h"
#include "proto/record.h"

static bool inside(const uint8_t *buf, size_t len, proto_str s)
{
    return s.len == 0 || (s.ptr >= buf && s.len <= len && (size_t)(s.ptr - buf) <= len - s.len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    proto_kind kind = (proto_kind)(1 + data[0] % PROTO_KIND_MAX);
    const uint8_t *body = data + 1;
    size_t len = size - 1;

    proto_record r;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_record_decode(&r, kind, body, len, &d);
    if (rc < 0) {
        RN_ASSERT(strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
        RN_ASSERT(d.code == rc);
        proto_record r2;
        RN_ASSERT(proto_record_decode(&r2, kind, body, len, NULL) == rc);
        return 0;
    }

    RN_ASSERT(r.kind == kind);
    proto_str id = proto_record_id(&r);
    if (!proto_kind_is_registry(kind)) {
        /* Roster and succession records: no id, no prefix; the signer check never crashes. */
        static const uint8_t nobody[PROTO_KEY_BYTES];
        RN_ASSERT(id.len == 0);
        RN_ASSERT(proto_record_check_author(&r, "IE", NULL) == 0);
        int src = proto_record_check_signer(&r, nobody, NULL);
        RN_ASSERT(src == 0 || src == RN_EINCONSISTENT);
        if (kind == PROTO_KIND_ROSTER)
            RN_ASSERT(inside(body, len, r.u.roster.change));
    }
    RN_ASSERT(!proto_kind_is_registry(kind) || (id.len >= 4 && inside(body, len, id)));

    /* Canonical round trip. */
    mp_buf out;
    mp_buf_init(&out, RN_RECORD_BYTES_MAX);
    RN_ASSERT(proto_record_encode(&r, &out) == 0);
    RN_ASSERT(out.len == len && memcmp(out.data, body, len) == 0);
    proto_record again;
    RN_ASSERT(proto_record_decode(&again, kind, out.data, out.len, NULL) == 0);
    RN_ASSERT(proto_record_equal(&r, &again));
    mp_buf_free(&out);

    if (!proto_kind_is_registry(kind))
        return 0;
    /* The author check with the record's own country: never crashes, and the first checked
     * field, which is the id proto_record_id names, passes. */
    char country[2] = { (char)id.ptr[0], (char)id.ptr[1] };
    int arc = proto_record_check_author(&r, country, &d);
    RN_ASSERT(arc == 0 || arc == RN_EPREFIX);
    if (arc == RN_EPREFIX)
        RN_ASSERT(d.field != NULL && strstr(d.field, ".id") == NULL);
    return 0;
}
