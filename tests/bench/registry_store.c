/*
 * registry_store.c: the baseline of the registry import's figure (registry_bench.sh): the same
 * registry file, read as `recnetctl registry import` reads it (cli/registry.h), appended by the
 * store API alone in a loop, store_append_batch in batches of the size the import uses (and its
 * byte bound), into a fresh replica in DIR whose roster holds one authority of COUNTRY. No node,
 * no control socket, no client: what the import adds on top of this is its cost.
 *
 * Usage: rn_registry_store FILE COUNTRY DIR [BATCH]
 * Prints "<records> <seconds> <records/s> <batches>" on one line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "cli/registry.h"
#include "proto/limits.h"
#include "store/store.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4 || sodium_init() < 0) {
        fprintf(stderr, "usage: rn_registry_store FILE COUNTRY DIR [BATCH]\n");
        return 2;
    }
    size_t batch = argc > 4 ? (size_t)strtoul(argv[4], NULL, 10) : RN_APPEND_BATCH_RECORDS_MAX;
    if (batch == 0 || batch > RN_APPEND_BATCH_RECORDS_MAX)
        batch = RN_APPEND_BATCH_RECORDS_MAX;
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long flen = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = malloc((size_t)flen + 1u);
    if (buf == NULL || fread(buf, 1, (size_t)flen, f) != (size_t)flen) {
        fprintf(stderr, "%s: cannot read\n", argv[1]);
        return 1;
    }
    fclose(f);
    registry reg;
    registry_init(&reg);
    if (registry_read(&reg, buf, (size_t)flen, registry_format_of(argv[1]), argv[2]) < 0 ||
        reg.refused_n > 0) {
        fprintf(stderr, "%s: %zu lines refused\n", argv[1], reg.refused_n);
        return 1;
    }
    free(buf);

    uint8_t pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
    crypto_sign_keypair(pk, sk);
    proto_roster ro;
    store s;
    if (proto_roster_init(&ro, 1) < 0 ||
        proto_roster_add(&ro, argv[2], strlen(argv[2]), PROTO_ROLE_AUTHORITY, pk) < 0 ||
        store_open(&s, argv[3], NULL) < 0 || store_roster_set(&s, &ro) < 0) {
        fprintf(stderr, "%s: cannot open a replica with an authority of %s\n", argv[3], argv[2]);
        return 1;
    }
    store_append_item *items = malloc(batch * sizeof(*items));
    uint8_t *out = malloc(RN_APPEND_BATCH_ENTRY_BYTES_MAX);
    if (items == NULL || out == NULL)
        return 1;
    size_t k = 0, bytes = 0, batches = 0;
    uint64_t ms = (uint64_t)time(NULL) * 1000u;
    double t0 = now_s();
    for (size_t i = 0; i <= reg.n; i++) {
        bool flush = i == reg.n || (k > 0 && (k == batch || bytes + reg.recs[i].body_len >
                                                                RN_APPEND_BATCH_BODY_BYTES_MAX));
        if (flush && k > 0) {
            rn_diag d = { 0 };
            int rc = store_append_batch(&s, sk, items, k, ms, out, RN_APPEND_BATCH_ENTRY_BYTES_MAX,
                                        NULL, NULL, NULL, NULL, &d);
            if (rc < 0) {
                fprintf(stderr, "store_append_batch: %s (%s)\n", rn_err_name(rc),
                        d.field != NULL ? d.field : "");
                return 1;
            }
            batches++;
            k = 0;
            bytes = 0;
        }
        if (i < reg.n) {
            items[k++] =
                (store_append_item){ reg.recs[i].kind, reg.recs[i].body, reg.recs[i].body_len };
            bytes += reg.recs[i].body_len;
        }
    }
    double el = now_s() - t0;
    printf("%zu %.3f %.0f %zu\n", reg.n, el, (double)reg.n / el, batches);
    store_close(&s);
    proto_roster_free(&ro);
    free(items);
    free(out);
    registry_free(&reg);
    return 0;
}
