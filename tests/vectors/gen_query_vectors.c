/*
 * gen_query_vectors.c: writes proto/query_vectors.json, the test vectors of PROTOCOL.md section 14
 * (what recognise, search, verify and stack answer).
 *
 * The story, all of it real public data from tests/fixtures: Ireland's authority registers the
 * University of Zed with an issuer key and publishes its micro-credential "Digital
 * micro-credential creation" (the Commission's ELM sample: 2 ECTS, EQF 6, ISCED-F 0688); the
 * Netherlands' registers Naboo Theed University and its Jedi minor (an Open Badges 3.0 example:
 * 3 ECTS, EQF 6, ISCED-F 0313) and a pathway that takes the Irish spec as mandatory and the
 * Dutch one as eligible; France decides "partial" on the Irish spec for further study, publishes
 * an ICT policy for employment, then supersedes its decision with a "full" one. Later Ireland
 * revokes one issued credential, withdraws the spec and suspends the provider. The questions are
 * asked as of times before and after each of these, so that every step of section 14 shows.
 *
 * Everything is deterministic: keys come from fixed labels (BLAKE2b-256 of the label as the seed),
 * timestamps are constants, Ed25519 signatures are deterministic, and the answers come from the
 * node's control API over a replica built in a temporary directory (query_vectors.h), so the same
 * program always writes the same file. `unit.query_vectors_fresh` reruns it and requires the
 * committed file to be identical; `unit.query_vectors` ingests the committed entries into a fresh
 * replica and checks every answer.
 *
 * Usage: gen_query_vectors [OUTPUT.json]   (stdout without an argument)
 *        gen_query_vectors --check FILE    (exit 0 when FILE is what this program writes)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "tests/fuzz/proof_fixture.h"
#include "tests/unit/testutil.h"
#include "tests/vectors/query_vectors.h"

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "gen_query_vectors: " __VA_ARGS__);                                        \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

#define DAY 86400000ull

/* The story's times (UTC midnight). */
#define T_2024_01_01 1704067200000ull
#define T_2024_02_01 1706745600000ull
#define T_2024_03_01 1709251200000ull
#define T_2024_04_01 1711929600000ull
#define T_2024_05_01 1714521600000ull
#define T_2024_06_01 1717200000000ull
#define T_2024_07_01 1719792000000ull
#define T_2024_08_01 1722470400000ull
#define T_2024_09_01 1725148800000ull
#define T_2024_10_01 1727740800000ull
#define T_2024_11_01 1730419200000ull
#define T_2025_01_01 1735689600000ull

#define IE_SPEC "IE:resa/mc-c012" /* PF_SPEC_ID */
#define NL_PROV "NL:brin/42nb"
#define NL_SPEC "NL:brin/42nb/jedi-minor"
#define NL_PW   "NL:pw/digital-minor"

typedef struct qlog {
    const char *country;
    pf_author a;
    pf_entry e[8];
    size_t n;
} qlog;

static qlog logs[] = { { .country = "IE" }, { .country = "FR" }, { .country = "NL" } };
#define LOGS_N (sizeof(logs) / sizeof(logs[0]))

static pf_author issuer, stranger; /* the University of Zed's issuer key; a key it never had */
static uint8_t cred_ok[PROTO_DIGEST_BYTES], cred_revoked[PROTO_DIGEST_BYTES];

static char *hex(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    if (s == NULL)
        DIE("out of memory");
    sodium_bin2hex(s, n * 2 + 1, p, n);
    return s;
}

static json_t *jhex(const uint8_t *p, size_t n)
{
    char *s = hex(p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static void put(qlog *l, uint64_t ts, const proto_record *r)
{
    if (l->n == sizeof(l->e) / sizeof(l->e[0]))
        DIE("log %s full", l->country);
    pf_sign(&l->a, ts, r, &l->e[l->n++]);
}

/* ---- The story ---- */

static proto_record theed_provider(void)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    r.u.provider.id = proto_str_c(NL_PROV);
    r.u.provider.legal_name = proto_str_c("Naboo Theed University");
    r.u.provider.country = proto_str_c("NL");
    r.u.provider.qa_status = PROTO_QA_ACCREDITED;
    r.u.provider.qa_body = proto_str_c("Nederlands-Vlaamse Accreditatieorganisatie");
    r.u.provider.status = PROTO_PROVIDER_ACTIVE;
    return r;
}

/* tests/fixtures/obv3/theed_microcredential_full_ho.json */
static proto_record theed_spec(void)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SPEC;
    proto_spec *s = &r.u.spec;
    s->id = proto_str_c(NL_SPEC);
    s->provider = proto_str_c(NL_PROV);
    s->title_n = 1;
    s->title[0].lang = proto_str_c("en");
    s->title[0].text = proto_str_c("Minor: Jedi Mind Control and Advanced Meditation Practices");
    s->outcomes_n = 1;
    s->outcomes[0].text = proto_str_c("Pass a practical test and submit a written essay.");
    s->ects_centi = 300;
    s->eqf = 6;
    s->isced = proto_str_c("0313");
    s->assessment = 1;    /* testing */
    s->participation = 2; /* onsite or blended */
    s->qa_type = 2;       /* external */
    s->languages_n = 1;
    s->languages[0] = proto_str_c("en");
    s->supervision = 4; /* onsite with identity verification */
    s->stackability = PROTO_STACK_STACKABLE;
    s->valid_from_ms = 1724976000000ull; /* 2024-08-30, the example's validFrom */
    s->status = PROTO_STATUS_ACTIVE;
    return r;
}

static proto_record pathway(void)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &r.u.pathway;
    p->id = proto_str_c(NL_PW);
    p->title_n = 1;
    p->title[0].lang = proto_str_c("nl");
    p->title[0].text = proto_str_c("Minor digitale vaardigheden");
    p->eqf = 6;
    p->ects_min_centi = 500;
    p->mandatory_n = 1;
    p->mandatory[0] = proto_str_c(IE_SPEC);
    p->eligible_n = 1;
    p->eligible[0] = proto_str_c(NL_SPEC);
    p->valid_from_ms = T_2024_01_01;
    p->status = PROTO_STATUS_ACTIVE;
    return r;
}

static void story(void)
{
    qlog *ie = &logs[0], *fr = &logs[1], *nl = &logs[2];
    char label[64];
    for (size_t i = 0; i < LOGS_N; i++) {
        snprintf(label, sizeof(label), "recnet query vectors: %s", logs[i].country);
        qv_key(label, logs[i].a.sk, logs[i].a.pk);
    }
    qv_key("recnet query vectors: University of Zed issuer", issuer.sk, issuer.pk);
    qv_key("recnet query vectors: a stranger's key", stranger.sk, stranger.pk);
    crypto_generichash(cred_ok, sizeof(cred_ok), (const uint8_t *)PF_CREDENTIAL_URN,
                       strlen(PF_CREDENTIAL_URN), NULL, 0);
    crypto_generichash(cred_revoked, sizeof(cred_revoked),
                       (const uint8_t *)"urn:credential:9a1f41c6-871b-2b82-e670-907b3ef0ac26",
                       strlen("urn:credential:9a1f41c6-871b-2b82-e670-907b3ef0ac26"), NULL, 0);

    /* Ireland: the provider with its issuer key from 2024, the spec (IE 1, 2). */
    proto_record prov = pf_provider_record();
    prov.u.provider.issuer_keys_n = 1;
    prov.u.provider.issuer_keys[0] = (proto_issuer_key){ issuer.pk, T_2024_01_01, 0 };
    put(ie, T_2024_01_01, &prov);
    proto_record spec = pf_spec_record(IE_SPEC);
    put(ie, T_2024_01_01 + DAY, &spec);
    /* The Netherlands: Naboo Theed, its minor, the pathway (NL 1-3). */
    proto_record r = theed_provider();
    put(nl, T_2024_02_01, &r);
    r = theed_spec();
    put(nl, T_2024_02_01, &r);
    r = pathway();
    put(nl, T_2024_02_01 + DAY, &r);
    /* France: a partial decision, an ICT policy for employment (FR 1, 2). */
    proto_record d1 = pf_decision_record("FR:dec/2024-0042", IE_SPEC, PROTO_PURPOSE_FURTHER_STUDY,
                                         T_2024_03_01, 0);
    d1.u.decision.outcome = PROTO_OUTCOME_PARTIAL;
    d1.u.decision.ects_centi = 150;
    d1.u.decision.differences_n = 1;
    d1.u.decision.differences[0].type = PROTO_DIFFERENCE_WORKLOAD;
    d1.u.decision.differences[0].note =
        proto_str_c("2 ECTS assessed by portfolio against 3 ECTS of comparable French modules.");
    put(fr, T_2024_03_01, &d1);
    r = pf_policy_record("FR:pol/ict-eqf5-7", "06");
    r.u.policy.purpose = PROTO_PURPOSE_EMPLOYMENT;
    r.u.policy.outcome = PROTO_OUTCOME_CONDITIONAL;
    r.u.policy.conditions = proto_str_c("Un entretien avec l'employeur.");
    r.u.policy.valid_from_ms = T_2024_03_01;
    r.u.policy.valid_until_ms = T_2025_01_01;
    put(fr, T_2024_03_01 + DAY, &r);
    /* France supersedes its decision with a full one (FR 3). */
    proto_record d2 = pf_decision_record("FR:dec/2024-0077", IE_SPEC, PROTO_PURPOSE_FURTHER_STUDY,
                                         T_2024_06_01, 0);
    d2.u.decision.supersedes = proto_str_c("FR:dec/2024-0042");
    put(fr, T_2024_06_01, &d2);
    /* Ireland revokes one credential (IE 3), withdraws the spec (IE 4), suspends the provider
     * (IE 5). */
    r = pf_revocation_record(cred_revoked);
    r.u.revocation.revoked_at_ms = T_2024_07_01;
    put(ie, T_2024_07_01, &r);
    spec.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(ie, T_2024_09_01, &spec);
    prov.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    put(ie, T_2024_10_01, &prov);
}

/* ---- The questions ---- */

static json_t *question(const char *query, uint64_t at, json_t *args)
{
    json_t *q = json_object();
    json_object_set_new(q, "query", json_string(query));
    json_object_set_new(q, "at", json_integer((json_int_t)at));
    json_object_set_new(q, "args", args);
    return q;
}

/* A bitemporal question: as known at `at`, valid at `valid_at` (PROTOCOL.md 14.1). */
static json_t *valid_at(json_t *q, uint64_t valid)
{
    json_object_set_new(q, "valid_at", json_integer((json_int_t)valid));
    return q;
}

static json_t *recognise(const char *spec, const char *cc, const char *purpose, uint64_t at)
{
    return question("recognise", at, json_pack("[s, s, s]", spec, cc, purpose));
}

static json_t *claim(const pf_author *key, uint64_t issued, const uint8_t *cred)
{
    json_t *c = json_object();
    json_object_set_new(c, "spec", json_string(IE_SPEC));
    json_object_set_new(c, "issuer_key", jhex(key->pk, PROTO_KEY_BYTES));
    json_object_set_new(c, "issued_at", json_integer((json_int_t)issued));
    json_object_set_new(c, "credential", jhex(cred, PROTO_DIGEST_BYTES));
    return c;
}

static json_t *verify(const pf_author *key, uint64_t issued, const uint8_t *cred, uint64_t at)
{
    return question("verify", at,
                    json_pack("[o, s, s]", claim(key, issued, cred), "FR", "further_study"));
}

static json_t *questions(void)
{
    json_t *qs = json_array();
    /* recognise: before any decision, the policy, each decision, supersession, withdrawal,
     * suspension; errors. */
    static const uint64_t times[] = { T_2024_02_01, T_2024_04_01, T_2024_07_01, T_2024_09_01,
                                      T_2024_11_01 };
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        json_array_append_new(qs, recognise(IE_SPEC, "FR", "further_study", times[i]));
        json_array_append_new(qs, recognise(IE_SPEC, "FR", "employment", times[i]));
    }
    json_array_append_new(qs, recognise(IE_SPEC, "FR", "both", T_2024_07_01));
    json_array_append_new(qs, recognise(IE_SPEC, "NL", "employment", T_2024_07_01));
    json_array_append_new(qs, recognise(NL_SPEC, "FR", "employment", T_2024_07_01));
    json_array_append_new(qs, recognise(IE_SPEC, "FR", "further_study", T_2024_01_01));
    json_array_append_new(qs, recognise("IE:resa/mc-c099", "FR", "further_study", T_2024_07_01));
    json_array_append_new(qs, recognise(IE_SPEC, "DE", "further_study", T_2024_07_01));
    /* search: before the Dutch spec's validity, with both, after the Irish withdrawal; filters;
     * paging. */
    const uint64_t both = T_2024_09_01 - 1;
    json_array_append_new(qs, question("search", T_2024_04_01, json_pack("[n, n, n]")));
    json_array_append_new(qs, question("search", both, json_pack("[n, n, n]")));
    json_array_append_new(qs, question("search", T_2024_11_01, json_pack("[n, n, n]")));
    json_array_append_new(qs, question("search", both, json_pack("[{s:s}, n, n]", "text", "JEDI")));
    json_array_append_new(
        qs,
        question("search", both, json_pack("[{s:s, s:i}, n, n]", "country", "IE", "eqf_min", 6)));
    json_array_append_new(qs, question("search", both, json_pack("[{s:s}, n, n]", "isced", "03")));
    json_array_append_new(qs, question("search", both, json_pack("[n, n, i]", 1)));
    json_array_append_new(qs, question("search", both, json_pack("[n, s, i]", IE_SPEC, 1)));
    /* verify */
    json_array_append_new(qs, verify(&issuer, T_2024_05_01, cred_ok, T_2024_06_01));
    json_array_append_new(qs, verify(&issuer, T_2024_05_01, cred_revoked, T_2024_06_01));
    json_array_append_new(qs, verify(&issuer, T_2024_05_01, cred_revoked, T_2024_08_01));
    json_array_append_new(qs, verify(&stranger, T_2024_05_01, cred_ok, T_2024_08_01));
    json_array_append_new(qs, verify(&issuer, T_2024_01_01 - DAY, cred_ok, T_2024_08_01));
    json_array_append_new(qs, verify(&issuer, T_2024_09_01 + DAY, cred_ok, T_2024_11_01));
    json_array_append_new(qs, verify(&issuer, T_2024_10_01 + DAY, cred_ok, T_2024_11_01));
    /* stack */
    json_array_append_new(qs, question("stack", T_2024_04_01,
                                       json_pack("[s, s, [s, s]]", "NL", NL_PW, IE_SPEC, NL_SPEC)));
    json_array_append_new(qs, question("stack", T_2024_11_01,
                                       json_pack("[s, s, [s, s]]", "NL", NL_PW, IE_SPEC, NL_SPEC)));
    json_array_append_new(qs, question("stack", T_2024_04_01,
                                       json_pack("[s, s, [s, s, s]]", "NL", NL_PW, NL_SPEC,
                                                 "IE:resa/mc-c099", NL_SPEC)));
    json_array_append_new(qs,
                          question("stack", T_2024_01_01, json_pack("[s, s, []]", "NL", NL_PW)));
    /* Two times (14.1): known at November 2024, valid at earlier times. In April the partial
     * decision was in force but is superseded as known now, and the full one not yet valid: no
     * decision; in July the full one; the spec active and the provider active then, whatever
     * they became later. */
    json_array_append_new(
        qs, valid_at(recognise(IE_SPEC, "FR", "further_study", T_2024_11_01), T_2024_04_01));
    json_array_append_new(
        qs, valid_at(recognise(IE_SPEC, "FR", "further_study", T_2024_11_01), T_2024_07_01));
    /* Known before the decisions, valid in their windows: none counts. */
    json_array_append_new(
        qs, valid_at(recognise(IE_SPEC, "FR", "further_study", T_2024_02_01), T_2024_07_01));
    json_array_append_new(
        qs, valid_at(question("search", T_2024_11_01, json_pack("[n, n, n]")), T_2024_08_01));
    /* The revocation (dated 2024-07-01) as valid in June, and in August, known in August. */
    json_array_append_new(
        qs, valid_at(verify(&issuer, T_2024_05_01, cred_revoked, T_2024_08_01), T_2024_06_01));
    json_array_append_new(
        qs, valid_at(verify(&issuer, T_2024_05_01, cred_revoked, T_2024_08_01), T_2024_08_01 - 1));
    /* Issued the day the key became valid, before the spec's entry (the spec's dates cover it):
     * valid, the spec registered retroactively. */
    json_array_append_new(qs, verify(&issuer, T_2024_01_01 + DAY / 2, cred_ok, T_2024_08_01));
    json_array_append_new(
        qs, valid_at(question("stack", T_2024_11_01,
                              json_pack("[s, s, [s, s]]", "NL", NL_PW, IE_SPEC, NL_SPEC)),
                     T_2024_04_01));
    return qs;
}

/* ---- The file ---- */

static json_t *build(void)
{
    proto_roster ro;
    qv_ctx q;
    uint8_t mpk[PROTO_KEY_BYTES], msk[PROTO_SK_BYTES];
    json_t *top = json_object(), *members = json_array(), *entries = json_array();

    story();
    qv_key(QV_MIRROR_LABEL, msk, mpk);
    if (proto_roster_init(&ro, 8) != 0)
        DIE("roster");
    for (size_t i = 0; i < LOGS_N; i++) {
        if (proto_roster_add(&ro, logs[i].country, 2, PROTO_ROLE_AUTHORITY, logs[i].a.pk) != 0)
            DIE("roster add %s", logs[i].country);
        json_array_append_new(members,
                              json_pack("{s:s, s:s, s:o}", "country", logs[i].country, "role",
                                        "authority", "key", jhex(logs[i].a.pk, PROTO_KEY_BYTES)));
    }
    if (proto_roster_add(&ro, NULL, 0, PROTO_ROLE_MIRROR, mpk) != 0)
        DIE("roster add mirror");
    json_array_append_new(members, json_pack("{s:s, s:s, s:o}", "country", "", "role", "mirror",
                                             "key", jhex(mpk, PROTO_KEY_BYTES)));
    if (qv_open(&q, &ro) != 0)
        DIE("cannot open a replica in /tmp");
    for (size_t i = 0; i < LOGS_N; i++) {
        proto_str raw[8];
        store_ingest_result res;
        for (size_t k = 0; k < logs[i].n; k++) {
            raw[k] = (proto_str){ logs[i].e[k].b, (uint32_t)logs[i].e[k].len };
            json_array_append_new(entries, jhex(logs[i].e[k].b, logs[i].e[k].len));
        }
        if (store_ingest(&q.s, raw, logs[i].n, &res, NULL) != 0 || res.accepted != logs[i].n)
            DIE("log %s not ingested", logs[i].country);
    }
    json_t *qs = questions(), *one;
    size_t i;
    json_array_foreach(qs, i, one)
    {
        json_t *a = qv_ask(&q, one);
        if (a == NULL)
            DIE("question %zu has no answer", i);
        json_object_set_new(one, "answer", a);
    }
    qv_close(&q);
    if (test_rmtree(q.dir) != 0)
        DIE("cannot remove %s", q.dir);
    proto_roster_free(&ro);
    json_object_set_new(top, "description",
                        json_string("PROTOCOL.md section 14: entries of three authorities and the "
                                    "answers of recognise, search, verify and stack as of several "
                                    "times. Written by tests/vectors/gen_query_vectors.c."));
    json_object_set_new(top, "roster", members);
    json_object_set_new(top, "entries", entries);
    json_object_set_new(top, "questions", qs);
    return top;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        DIE("sodium_init");
    json_t *top = build();
    char *text = json_dumps(top, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(top);
    if (text == NULL)
        DIE("json_dumps");
    size_t len = strlen(text);
    int rc = 0;
    if (argc == 3 && strcmp(argv[1], "--check") == 0) {
        FILE *f = fopen(argv[2], "rb");
        char *have = malloc(len + 2);
        size_t got = f != NULL && have != NULL ? fread(have, 1, len + 2, f) : 0;
        if (f != NULL)
            fclose(f);
        if (got != len + 1 || memcmp(have, text, len) != 0 || have[len] != '\n') {
            fprintf(stderr,
                    "gen_query_vectors: %s is not what the generator writes; run `make "
                    "vectors`\n",
                    argv[2]);
            rc = 1;
        }
        free(have);
    } else if (argc == 2) {
        FILE *f = fopen(argv[1], "wb");
        if (f == NULL || fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF || fclose(f) != 0)
            DIE("cannot write %s", argv[1]);
    } else if (argc == 1) {
        fputs(text, stdout);
        fputc('\n', stdout);
    } else {
        fprintf(stderr, "usage: gen_query_vectors [OUTPUT.json] | --check FILE\n");
        rc = 2;
    }
    free(text);
    return rc;
}
