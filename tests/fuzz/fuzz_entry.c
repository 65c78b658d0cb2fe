/*
 * fuzz_entry.c: libFuzzer harness for the entry decoder (proto/entry.h) and the MessagePack
 * cursor under it (proto/mp.h).
 *
 * Entries arrive from peers the node does not trust, so proto_entry_decode must survive any bytes
 * and, when it accepts some, hand back an entry whose every pointer lies inside them and whose
 * every field is within its bounds. On a successful decode the harness also computes the id and
 * verifies the signature (whatever the answer), and checks that verifying a run of one entry
 * agrees with verifying the entry. Whatever the decode result, it then walks the input as a
 * sequence of MessagePack values with mp_skip, checking that the cursor only moves forward,
 * stays inside the input and is left unchanged by a failure. proto_entry_decode_known (for a
 * replica's own entries) must stay inside any input too, and agree with the strict decoder on
 * every entry that decoder accepts; proto_entry_decode_outline (store_ingest's) must accept
 * exactly what the strict decoder accepts once the body it delimits is one value.
 *
 * A broken invariant is an RN_ASSERT, which aborts: libFuzzer and the replay driver report it as
 * a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/limits.h"
#include "proto/mp.h"

/* True if p[0..n) lies inside buf[0..len). */
static bool inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static void check_entry(const proto_entry *e, const uint8_t *data, size_t size)
{
    RN_ASSERT(e->bytes == data && e->len == size);
    RN_ASSERT(e->len >= RN_ENTRY_BYTES_MIN && e->len <= RN_ENTRY_BYTES_MAX);
    RN_ASSERT(e->seq >= 1 && e->seq <= RN_SEQ_MAX);
    RN_ASSERT((e->prev == NULL) == (e->seq == 1));
    RN_ASSERT(e->timestamp_ms <= RN_TIME_MS_MAX);
    RN_ASSERT(proto_kind_name((int)e->kind) != NULL);
    RN_ASSERT(inside(data, size, e->author, PROTO_KEY_BYTES));
    RN_ASSERT(e->prev == NULL || inside(data, size, e->prev, PROTO_ID_BYTES));
    RN_ASSERT(inside(data, size, e->sig, PROTO_SIG_BYTES));
    RN_ASSERT(e->body_len > 0 && inside(data, size, e->body, e->body_len));
    /* The signature is the last field: it ends exactly where the entry does. */
    RN_ASSERT(e->sig + PROTO_SIG_BYTES == data + size);

    /* The body is exactly one canonical map. */
    mp_cur c;
    mp_cur_init(&c, e->body, e->body_len);
    RN_ASSERT(mp_peek(&c) == MP_MAP);
    RN_ASSERT(mp_skip(&c) == 0 && c.p == c.end);

    uint8_t id[PROTO_ID_BYTES];
    uint8_t run_id[1][PROTO_ID_BYTES];
    proto_entry_id(data, size, id);
    int sig_rc = proto_entry_verify(e);
    RN_ASSERT(sig_rc == 0 || sig_rc == RN_ESIG);

    /* A run of one entry is verified by its own signature, and names the same id. */
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int run_rc = proto_entry_run_verify(e, 1, NULL, run_id, &d);
    RN_ASSERT(run_rc == sig_rc);
    RN_ASSERT(memcmp(run_id[0], id, PROTO_ID_BYTES) == 0);
}

/* Walks data as consecutive MessagePack values until the end or the first error. */
static void walk_values(const uint8_t *data, size_t size)
{
    mp_cur c;
    mp_cur_init(&c, data, size);
    while (mp_cur_left(&c) > 0) {
        const uint8_t *before = c.p;
        int rc = mp_skip(&c);
        if (rc < 0) {
            RN_ASSERT(c.p == before);
            RN_ASSERT(rc == RN_ETRUNCATED || rc == RN_ETYPE || rc == RN_ENONCANON ||
                      rc == RN_EMALFORMED || rc == RN_ETOOBIG);
            return;
        }
        RN_ASSERT(c.p > before && c.p <= data + size);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }

    proto_entry e;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_entry_decode(&e, data, size, &d);
    if (rc == 0) {
        check_entry(&e, data, size);
    } else {
        RN_ASSERT(rc < 0 && strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
        RN_ASSERT(d.code == rc);
        /* The diagnostic is optional: decoding without one must fail the same way. */
        proto_entry e2;
        RN_ASSERT(proto_entry_decode(&e2, data, size, NULL) == rc);
    }

    /* The decoder for bytes known to have decoded before: on any bytes it stays inside them,
     * and on bytes the strict decoder accepts it gives the same entry. */
    proto_entry k;
    int krc = proto_entry_decode_known(&k, data, size);
    RN_ASSERT(krc == 0 || krc == RN_EMALFORMED);
    if (krc == 0) {
        RN_ASSERT(k.bytes == data && k.len == size);
        RN_ASSERT(inside(data, size, k.author, PROTO_KEY_BYTES));
        RN_ASSERT(k.prev == NULL || inside(data, size, k.prev, PROTO_ID_BYTES));
        RN_ASSERT(inside(data, size, k.body, k.body_len));
        RN_ASSERT(k.sig + PROTO_SIG_BYTES == data + size);
    }
    if (rc == 0) {
        RN_ASSERT(krc == 0 && k.seq == e.seq && k.timestamp_ms == e.timestamp_ms &&
                  k.kind == e.kind && k.author == e.author && k.prev == e.prev &&
                  k.body == e.body && k.body_len == e.body_len && k.sig == e.sig);
    }

    /* The outline decoder (store_ingest's): on any bytes it stays inside them, and it accepts
     * exactly what the strict decoder accepts once the body is one value, with the same entry. */
    proto_entry o;
    int orc = proto_entry_decode_outline(&o, data, size);
    RN_ASSERT(orc == 0 || orc == RN_EMALFORMED);
    bool one = false;
    if (orc == 0) {
        RN_ASSERT(o.bytes == data && o.len == size);
        RN_ASSERT(inside(data, size, o.body, o.body_len));
        RN_ASSERT(o.sig + PROTO_SIG_BYTES == data + size);
        mp_cur c;
        mp_cur_init(&c, o.body, o.body_len);
        one = mp_skip(&c) == 0 && c.p == c.end;
    }
    RN_ASSERT((rc == 0) == one);
    if (rc == 0) {
        RN_ASSERT(o.seq == e.seq && o.timestamp_ms == e.timestamp_ms && o.kind == e.kind &&
                  o.author == e.author && o.prev == e.prev && o.body == e.body &&
                  o.body_len == e.body_len && o.sig == e.sig);
    }

    walk_values(data, size);
    return 0;
}
