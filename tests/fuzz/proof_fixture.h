/*
 * proof_fixture.h: a small, real-looking federation for proof bundle tests, shared by
 * tests/unit/proof_test.c, the fuzz harness tests/fuzz/fuzz_proof.c and the corpus generator
 * tests/fuzz/gen_corpus_proof.c, so that all three agree on the keys and the records.
 *
 * The story: Ireland's authority registers the University of Zed and publishes its micro-credential
 * "Digital micro-credential creation" (the European Commission's ELM sample credential,
 * tests/fixtures/elm/Sample-MC-Annex1-unsigned.jsonld: EQF 6, ISCED-F 0688, 2 ECTS, certificate
 * C012), and later revokes one issued credential. France's authority decides to recognise that
 * spec in full for further study, and publishes an automatic-recognition policy for ICT
 * micro-credentials from Ireland and Germany, plus a few entries that proofs must not accept: a
 * policy for another field, a decision about another spec, an expired decision and one for
 * employment only. Germany has an authority that says nothing. Every key comes from a fixed seed
 * (crypto_sign_seed_keypair) and Ed25519 signatures are deterministic, so every byte is the same
 * on every run.
 *
 * Static functions over the tests' support library (the ELM records are fixtures.h's), without
 * cmocka: failures are RN_ASSERTs.
 */
#ifndef RN_PROOF_FIXTURE_H
#define RN_PROOF_FIXTURE_H

#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/entry.h"
#include "proto/key.h"
#include "proto/mp.h"
#include "proto/proof.h"
#include "proto/record.h"
#include "proto/roster.h"
#include "tests/support/fixtures.h"

#define PF_ENTRY_CAP 4096u

/* Times in ms since the epoch (UTC). */
#define PF_T_2020_01_01     1577836800000ull
#define PF_T_2021_01_01     1609459200000ull
#define PF_T_2022_12_31_23H FX_ELM_VALID_FROM_MS /* the ELM sample's validFrom */
#define PF_T_2023_01_02     1672617600000ull
#define PF_T_2024_01_01     1704067200000ull
#define PF_T_2024_06_01     1717200000000ull
#define PF_T_2024_09_01     1725148800000ull
#define PF_T_2025_03_01     1740787200000ull /* the time the tests ask about */
#define PF_T_2027_09_01     1819670400000ull
#define PF_DAY_MS           86400000ull

#define PF_SPEC_ID     "IE:resa/mc-c012"
#define PF_PROVIDER_ID "IE:resa/univ-zed"
/* The ELM sample credential's id; its BLAKE2b-256 is the digest a revocation names. */
#define PF_CREDENTIAL_URN "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b"

typedef struct pf_author {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
    uint64_t seq;                 /* of the last entry signed, 0 before the first */
    uint8_t head[PROTO_ID_BYTES]; /* its id */
} pf_author;

typedef struct pf_entry {
    uint8_t b[PF_ENTRY_CAP];
    size_t len;
} pf_entry;

typedef struct pf_world {
    pf_author ie, fr, de, mirror, outsider;
    uint8_t credential[PROTO_DIGEST_BYTES];
    /* Ireland, seq 1-3. */
    pf_entry provider, spec, revocation;
    /* France, seq 1-6. */
    pf_entry decision, policy, policy_other_field, decision_other_spec, decision_expired,
        decision_employment;
    /* France, seq 7: a spec under Ireland's prefix (check_author must refuse it). */
    pf_entry fr_spec_ie_prefix;
    /* The outsider (not in the roster), seq 1: the same spec. */
    pf_entry outsider_spec;
} pf_world;

static inline void pf_author_init(pf_author *a, uint8_t seed_byte)
{
    uint8_t seed[PROTO_SEED_BYTES];
    memset(seed, seed_byte, sizeof(seed));
    memset(a, 0, sizeof(*a));
    proto_key_sk_derive(seed, a->sk, a->pk);
}

/* Encodes `r`, signs it as the author's next entry at time `ts`, and chains the author's head. */
static inline void pf_sign(pf_author *a, uint64_t ts, const proto_record *r, pf_entry *out)
{
    mp_buf body;
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    RN_ASSERT(proto_record_encode(r, &body) == 0);
    proto_entry_draft dr = {
        .seq = a->seq + 1,
        .prev = a->seq == 0 ? NULL : a->head,
        .timestamp_ms = ts,
        .kind = r->kind,
        .body = body.data,
        .body_len = body.len,
    };
    RN_ASSERT(proto_entry_sign(&dr, a->sk, out->b, sizeof(out->b), &out->len) == 0);
    mp_buf_free(&body);
    a->seq++;
    proto_entry_id(out->b, out->len, a->head);
}

/* The ELM sample's awarding body and spec (tests/support/fixtures.h) under Ireland's ids here. */
static inline proto_record pf_provider_record(void)
{
    proto_record r;
    fx_elm_provider(&r, PF_PROVIDER_ID);
    return r;
}

static inline proto_record pf_spec_record(const char *id)
{
    proto_record r;
    fx_elm_spec(&r, id, PF_PROVIDER_ID);
    return r;
}

static inline proto_record pf_decision_record(const char *id, const char *spec, uint32_t purpose,
                                              uint64_t from, uint64_t until)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *d = &r.u.decision;
    d->id = proto_str_c(id);
    d->spec = proto_str_c(spec);
    d->purpose = purpose;
    d->outcome = PROTO_OUTCOME_FULL;
    d->has_ects = true;
    d->ects_centi = 200;
    d->eqf = 6;
    d->appeal = proto_str_c("Recours gracieux auprès du centre ENIC-NARIC France sous deux mois.");
    d->valid_from_ms = from;
    d->valid_until_ms = until;
    return r;
}

static inline proto_record pf_policy_record(const char *id, const char *isced_prefix)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    proto_policy *p = &r.u.policy;
    p->id = proto_str_c(id);
    p->purpose = PROTO_PURPOSE_BOTH;
    p->outcome = PROTO_OUTCOME_FULL;
    p->issuer_countries_n = 2;
    p->issuer_countries[0] = proto_str_c("DE");
    p->issuer_countries[1] = proto_str_c("IE");
    p->eqf_min = 5;
    p->eqf_max = 7;
    p->ects_min_centi = 100;
    p->external_qa = true;
    p->isced_prefixes_n = 1;
    p->isced_prefixes[0] = proto_str_c(isced_prefix);
    p->valid_from_ms = PF_T_2024_01_01;
    p->status = PROTO_STATUS_ACTIVE;
    return r;
}

static inline proto_record pf_revocation_record(const uint8_t credential[PROTO_DIGEST_BYTES])
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_REVOCATION;
    r.u.revocation.credential = credential;
    r.u.revocation.provider = proto_str_c(PF_PROVIDER_ID);
    r.u.revocation.reason = PROTO_REASON_ISSUED_IN_ERROR;
    r.u.revocation.revoked_at_ms = PF_T_2024_06_01;
    return r;
}

/* Builds the whole world: keys, then every entry of every log. */
static inline void pf_world_build(pf_world *w)
{
    proto_record r;

    pf_author_init(&w->ie, 'I');
    pf_author_init(&w->fr, 'F');
    pf_author_init(&w->de, 'D');
    pf_author_init(&w->mirror, 'M');
    pf_author_init(&w->outsider, 'X');
    crypto_generichash(w->credential, sizeof(w->credential), (const uint8_t *)PF_CREDENTIAL_URN,
                       strlen(PF_CREDENTIAL_URN), NULL, 0);

    r = pf_provider_record();
    pf_sign(&w->ie, PF_T_2023_01_02, &r, &w->provider);
    r = pf_spec_record(PF_SPEC_ID);
    pf_sign(&w->ie, PF_T_2023_01_02 + PF_DAY_MS, &r, &w->spec);
    r = pf_revocation_record(w->credential);
    pf_sign(&w->ie, PF_T_2024_06_01, &r, &w->revocation);

    r = pf_decision_record("FR:dec/2024-0042", PF_SPEC_ID, PROTO_PURPOSE_FURTHER_STUDY,
                           PF_T_2024_09_01, PF_T_2027_09_01);
    pf_sign(&w->fr, PF_T_2024_09_01, &r, &w->decision);
    r = pf_policy_record("FR:pol/ict-eqf5-7", "06");
    pf_sign(&w->fr, PF_T_2024_09_01 + 1 * PF_DAY_MS, &r, &w->policy);
    r = pf_policy_record("FR:pol/engineering", "07");
    pf_sign(&w->fr, PF_T_2024_09_01 + 2 * PF_DAY_MS, &r, &w->policy_other_field);
    r = pf_decision_record("FR:dec/2024-0043", "DE:vhs/mc-data-101", PROTO_PURPOSE_BOTH,
                           PF_T_2024_09_01, 0);
    pf_sign(&w->fr, PF_T_2024_09_01 + 3 * PF_DAY_MS, &r, &w->decision_other_spec);
    r = pf_decision_record("FR:dec/2020-0007", PF_SPEC_ID, PROTO_PURPOSE_FURTHER_STUDY,
                           PF_T_2020_01_01, PF_T_2021_01_01);
    pf_sign(&w->fr, PF_T_2024_09_01 + 4 * PF_DAY_MS, &r, &w->decision_expired);
    r = pf_decision_record("FR:dec/2024-0044", PF_SPEC_ID, PROTO_PURPOSE_EMPLOYMENT,
                           PF_T_2024_09_01, 0);
    pf_sign(&w->fr, PF_T_2024_09_01 + 5 * PF_DAY_MS, &r, &w->decision_employment);
    r = pf_spec_record("IE:resa/mc-c013");
    pf_sign(&w->fr, PF_T_2024_09_01 + 6 * PF_DAY_MS, &r, &w->fr_spec_ie_prefix);

    r = pf_spec_record(PF_SPEC_ID);
    pf_sign(&w->outsider, PF_T_2023_01_02 + PF_DAY_MS, &r, &w->outsider_spec);
}

/* The federation: authorities of IE, FR and DE, and one mirror. The outsider is not in it. */
static inline void pf_roster_build(const pf_world *w, proto_roster *r)
{
    RN_ASSERT(proto_roster_init(r, 8) == 0);
    RN_ASSERT(proto_roster_add(r, "IE", 2, PROTO_ROLE_AUTHORITY, w->ie.pk) == 0);
    RN_ASSERT(proto_roster_add(r, "FR", 2, PROTO_ROLE_AUTHORITY, w->fr.pk) == 0);
    RN_ASSERT(proto_roster_add(r, "DE", 2, PROTO_ROLE_AUTHORITY, w->de.pk) == 0);
    RN_ASSERT(proto_roster_add(r, NULL, 0, PROTO_ROLE_MIRROR, w->mirror.pk) == 0);
}

/* The query "how does France recognise the Irish spec for further study on 2025-03-01?". */
static inline proto_proof_query pf_query(void)
{
    proto_proof_query q;
    memset(&q, 0, sizeof(q));
    q.spec = proto_str_c(PF_SPEC_ID);
    q.country = proto_str_c("FR");
    q.purpose = PROTO_PURPOSE_FURTHER_STUDY;
    q.at_ms = PF_T_2025_03_01;
    return q;
}

/* An answer resting on the entry `basis` (NULL for no decision). */
static inline proto_proof_answer pf_answer(uint32_t result, uint32_t outcome, const pf_entry *basis)
{
    proto_proof_answer a;
    memset(&a, 0, sizeof(a));
    a.result = result;
    a.outcome = outcome;
    if (basis != NULL) {
        proto_entry e;
        RN_ASSERT(proto_entry_decode(&e, basis->b, basis->len, NULL) == 0);
        a.basis_author = e.author; /* borrows basis->b */
        a.basis_seq = e.seq;
    }
    return a;
}

/* Encodes a bundle of `n` entries into `b` (initialised by the caller). Returns the encoder's
 * result. */
static inline int pf_bundle(mp_buf *b, const proto_proof_query *q, const proto_proof_answer *a,
                            const pf_entry *const *entries, uint32_t n)
{
    proto_proof p;
    memset(&p, 0, sizeof(p));
    p.query = *q;
    p.answer = *a;
    p.entries_n = n;
    for (uint32_t i = 0; i < n && i < RN_PROOF_ENTRIES_MAX; i++) {
        p.entries[i].ptr = entries[i]->b;
        p.entries[i].len = (uint32_t)entries[i]->len;
    }
    return proto_proof_encode(&p, b, NULL);
}

#endif /* RN_PROOF_FIXTURE_H */
