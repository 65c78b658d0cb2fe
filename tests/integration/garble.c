/*
 * garble.c: the integration tests' hostile member: writes into a node's replica, before the node
 * starts, one run of that node's own entries whose signatures are garbage but the last one's.
 *
 * A member that wants to poison honest replicas publishes such a run (PROTOCOL.md section 2,
 * "Anchors"): its links hold and its last signature verifies, so receivers accept it as a run.
 * recnetd never signs such a thing, so this tool makes it: it reads the node's key file, signs
 * N provider records (ids CC:garbled-1 .. CC:garbled-N) as entries 1 .. N, replaces the
 * signatures of entries 1 .. N-1 with random bytes (relinking each entry to the id of the one
 * before as it now is), and ingests them as one run into the replica in DATA_DIR, whose roster
 * it sets to the node alone (recnetd replaces it with the federation's at start). The node then
 * serves the run to its peers like any log it holds.
 *
 *     rn_garble DATA_DIR COUNTRY N
 *
 * Exit status: 0 done, 1 a step failed (said on stderr), 2 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "proto/record.h"
#include "conf/keyfile.h"
#include "store/store.h"

#define GARBLE_SLOT 1024u /* bytes per entry: a provider with a short id fits */

static int fail(const char *what, int rc)
{
    fprintf(stderr, "rn_garble: %s: %s\n", what, rn_strerror(rc));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 4 || strlen(argv[2]) != 2)
        return fprintf(stderr, "usage: rn_garble DATA_DIR COUNTRY N\n"), 2;
    char *end;
    unsigned long n = strtoul(argv[3], &end, 10);
    if (*end != '\0' || n < 2 || n > RN_BATCH_ENTRIES_MAX)
        return fprintf(stderr, "rn_garble: N must be 2 .. %u\n", RN_BATCH_ENTRIES_MAX), 2;
    if (sodium_init() < 0)
        return fail("sodium_init", RN_EIO);

    char path[4096];
    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
    int sys = 0, rc;
    snprintf(path, sizeof(path), "%s/node.key", argv[1]);
    if ((rc = conf_keyfile_read(path, seed, pk, &sys, NULL)) != 0)
        return fail(path, rc);
    crypto_sign_seed_keypair(pk, sk, seed);
    sodium_memzero(seed, sizeof(seed));

    uint8_t *buf = calloc(n, GARBLE_SLOT);
    proto_str *raw = calloc(n, sizeof(*raw));
    if (buf == NULL || raw == NULL)
        return fail("memory", RN_ENOMEM);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t now_ms = (uint64_t)ts.tv_sec * 1000u - 60000u; /* a minute ago */
    uint8_t prev[PROTO_ID_BYTES];
    mp_buf b;
    mp_buf_init(&b, GARBLE_SLOT);
    for (unsigned long i = 0; i < n; i++) {
        char id[32];
        snprintf(id, sizeof(id), "%s:garbled-%lu", argv[2], i + 1);
        proto_record r;
        memset(&r, 0, sizeof(r));
        r.kind = PROTO_KIND_PROVIDER;
        r.u.provider.id = proto_str_c(id);
        r.u.provider.legal_name = proto_str_c("Institute of Garbled Signatures");
        r.u.provider.country = (proto_str){ (const uint8_t *)argv[2], 2 };
        r.u.provider.qa_status = PROTO_QA_UNDER_REVIEW;
        r.u.provider.status = PROTO_PROVIDER_ACTIVE;
        mp_buf_reset(&b);
        if ((rc = proto_record_encode(&r, &b)) != 0)
            return fail("encode", rc);
        proto_entry_draft dr = { .seq = i + 1,
                                 .prev = i == 0 ? NULL : prev,
                                 .timestamp_ms = now_ms,
                                 .kind = PROTO_KIND_PROVIDER,
                                 .body = b.data,
                                 .body_len = b.len };
        uint8_t *e = buf + i * GARBLE_SLOT;
        size_t len = 0;
        if ((rc = proto_entry_sign(&dr, sk, e, GARBLE_SLOT, &len)) != 0)
            return fail("sign", rc);
        if (i + 1 < n)
            randombytes_buf(e + len - 64, 64); /* the signature: garbage */
        proto_entry_id(e, len, prev);
        raw[i] = (proto_str){ e, (uint32_t)len };
    }
    mp_buf_free(&b);
    sodium_memzero(sk, sizeof(sk));

    store s;
    proto_roster roster;
    store_ingest_result res;
    rn_diag d = { 0 };
    if ((rc = store_open(&s, argv[1], NULL)) != 0)
        return fail("store_open", rc);
    if ((rc = proto_roster_init(&roster, 1)) != 0 ||
        (rc = proto_roster_add(&roster, argv[2], 2, PROTO_ROLE_AUTHORITY, pk)) != 0 ||
        (rc = store_roster_set(&s, &roster)) != 0)
        return fail("roster", rc);
    proto_roster_free(&roster);
    if ((rc = store_ingest(&s, raw, n, &res, &d)) != 0)
        return fail("store_ingest", rc);
    if ((rc = store_sync(&s)) != 0)
        return fail("store_sync", rc);
    store_close(&s);
    printf("rn_garble: entries 1 .. %lu written, signatures 1 .. %lu garbage\n", n, n - 1);
    free(raw);
    free(buf);
    return 0;
}
