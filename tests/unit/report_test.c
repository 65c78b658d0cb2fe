/*
 * report_test.c: the federation report (store/report.h) on a small replica written with
 * store_append from the shared fixtures (tests/support/fixtures.h): Ireland's awarding body and
 * two specs, France's decisions (one superseding another) and a policy, a Dutch pathway listing
 * one Irish spec; each count asked as of several times (before anything, after each step), a
 * withdrawn spec and a superseded decision dropped, the 28 other countries all zero. Every one of
 * those answers is also asked valid at its own time (report_compute_valid with valid_at = at) and
 * must be the same. Then valid times (PROTOCOL.md 14.1): an authority's history published in 2026
 * with dates back to 2022, counted as valid in 2024 as known now but not as known in 2025, and
 * withdrawals that hold from their entries' timestamps, never before.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/codes.h"
#include "store/report.h"
#include "store/store.h"
#include "tests/support/fixtures.h"

#include "testutil.h"

#define T_2020 1577836800000ull /* 2020-01-01 */
#define T1     1704067200000ull /* 2024-01-01 */
#define T2     1717200000000ull /* 2024-06-01 */
#define T3     1725148800000ull /* 2024-09-01 */

#define T_2022_06 1654041600000ull /* 2022-06-01 */
#define T_2023    1672531200000ull /* 2023-01-01 */
#define T_2025    1735689600000ull /* 2025-01-01 */
#define T_2026_03 1772323200000ull /* 2026-03-01: the history is published */
#define T_2026_04 1775001600000ull /* 2026-04-01 */
#define T_2026_06 1780272000000ull /* 2026-06-01: a suspension and two withdrawals */
#define T_2026_07 1782864000000ull /* 2026-07-01 */

#define PROV   "IE:zed"
#define SPEC_A "IE:zed/mc-a"
#define SPEC_B "IE:zed/mc-b"

typedef struct author {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} author;

typedef struct world {
    char dir[64];
    store s;
    author ie, fr, nl;
} world;

static void author_init(author *a, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seed_byte, sizeof(seed));
    assert_int_equal(crypto_sign_seed_keypair(a->pk, a->sk, seed), 0);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    proto_roster ro;
    if (w == NULL || sodium_init() < 0)
        return -1;
    snprintf(w->dir, sizeof(w->dir), "/tmp/report_test.XXXXXX");
    if (mkdtemp(w->dir) == NULL || store_open(&w->s, w->dir, NULL) != 0)
        return -1;
    author_init(&w->ie, 'I');
    author_init(&w->fr, 'F');
    author_init(&w->nl, 'N');
    if (proto_roster_init(&ro, 4) != 0 ||
        proto_roster_add(&ro, "IE", 2, PROTO_ROLE_AUTHORITY, w->ie.pk) != 0 ||
        proto_roster_add(&ro, "FR", 2, PROTO_ROLE_AUTHORITY, w->fr.pk) != 0 ||
        proto_roster_add(&ro, "NL", 2, PROTO_ROLE_AUTHORITY, w->nl.pk) != 0 ||
        store_roster_set(&w->s, &ro) != 0)
        return -1;
    proto_roster_free(&ro);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    store_close(&w->s);
    int rc = test_rmtree(w->dir);
    free(w);
    return rc;
}

static void put(world *w, const author *a, uint64_t ts, const proto_record *r)
{
    mp_buf b;
    uint64_t seq = 0;
    uint8_t id[PROTO_ID_BYTES];
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &b), 0);
    assert_int_equal(store_append(&w->s, a->sk, r->kind, b.data, b.len, ts, id, &seq, NULL, NULL),
                     0);
    mp_buf_free(&b);
}

static proto_record decision(const char *id, uint32_t outcome, const char *supersedes)
{
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *d = &r.u.decision;
    d->id = proto_str_c(id);
    d->spec = proto_str_c(SPEC_A);
    d->purpose = PROTO_PURPOSE_FURTHER_STUDY;
    d->outcome = outcome;
    if (outcome != PROTO_OUTCOME_DENIED) {
        d->has_ects = true;
        d->ects_centi = 200;
        d->eqf = 6;
    }
    if (outcome == PROTO_OUTCOME_PARTIAL || outcome == PROTO_OUTCOME_DENIED) {
        d->differences_n = 1;
        d->differences[0].type = PROTO_DIFFERENCE_WORKLOAD;
        d->differences[0].note = proto_str_c("Charge de travail insuffisante.");
    }
    d->valid_from_ms = T1;
    if (supersedes != NULL)
        d->supersedes = proto_str_c(supersedes);
    return r;
}

/* The replica: T1 Ireland, T2 France, T3 the Netherlands' pathway, France's superseder and
 * Ireland's withdrawal of spec B. */
static void build(world *w)
{
    proto_record r;
    fx_elm_provider(&r, PROV);
    put(w, &w->ie, T1, &r);
    fx_elm_spec(&r, SPEC_A, PROV); /* EQF 6, external QA */
    put(w, &w->ie, T1, &r);
    fx_elm_spec(&r, SPEC_B, PROV);
    r.u.spec.eqf = 0;
    r.u.spec.qa_type = 1; /* internal */
    put(w, &w->ie, T1, &r);

    r = decision("FR:dec/1", PROTO_OUTCOME_FULL, NULL);
    put(w, &w->fr, T2, &r);
    r = decision("FR:dec/2", PROTO_OUTCOME_PARTIAL, NULL);
    put(w, &w->fr, T2, &r);
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    r.u.policy.id = proto_str_c("FR:pol/1");
    r.u.policy.purpose = PROTO_PURPOSE_BOTH;
    r.u.policy.outcome = PROTO_OUTCOME_FULL;
    r.u.policy.external_qa = true;
    r.u.policy.valid_from_ms = T1;
    r.u.policy.status = PROTO_STATUS_ACTIVE;
    put(w, &w->fr, T2, &r);

    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &r.u.pathway;
    p->id = proto_str_c("NL:pw/1");
    p->title_n = 1;
    p->title[0].lang = proto_str_c("nl");
    p->title[0].text = proto_str_c("Minor digitale vaardigheden");
    p->eqf = 6;
    p->ects_min_centi = 500;
    p->mandatory_n = 1;
    p->mandatory[0] = proto_str_c(SPEC_A);
    p->valid_from_ms = T1;
    p->status = PROTO_STATUS_ACTIVE;
    put(w, &w->nl, T3, &r);
    r = decision("FR:dec/3", PROTO_OUTCOME_DENIED, "FR:dec/1");
    put(w, &w->fr, T3, &r);
    fx_elm_spec(&r, SPEC_B, PROV);
    r.u.spec.eqf = 0;
    r.u.spec.qa_type = 1;
    r.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T3, &r);
}

static size_t ci(const char *cc)
{
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++)
        if (strcmp(proto_country_at(i)->alpha2, cc) == 0)
            return i;
    fail_msg("no country %s", cc);
    return 0;
}

/* The report known at `at`, valid at `valid`. */
static void ask_valid(world *w, uint64_t at, uint64_t valid, report *out)
{
    store_read r;
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    assert_int_equal(report_compute_valid(&r, at, valid, out), 0);
    store_read_end(&r);
}

/* The report as of `at`; asked valid at `at` too, the answer must be the same. */
static void ask(world *w, uint64_t at, report *out)
{
    store_read r;
    report *same = malloc(sizeof(*same));
    assert_non_null(same);
    assert_int_equal(store_query_begin(&w->s, &r), 0);
    assert_int_equal(report_compute(&r, at, out), 0);
    store_read_end(&r);
    ask_valid(w, at, at, same);
    assert_memory_equal(out, same, sizeof(*same));
    free(same);
}

/* Every country but those named is all zero. */
static void others_zero(const report *rep, const char *const *named, size_t n)
{
    static const report_country zero;
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++) {
        bool skip = false;
        for (size_t k = 0; k < n; k++)
            skip = skip || i == ci(named[k]);
        if (!skip && memcmp(&rep->c[i], &zero, sizeof(zero)) != 0)
            fail_msg("%s is not all zero", proto_country_at(i)->alpha2);
    }
}

static void test_report(void **state)
{
    world *w = *state;
    report *rep = malloc(sizeof(*rep));
    assert_non_null(rep);
    static const char *const named[] = { "IE", "FR", "NL" };

    /* An empty replica, and a time before anything: nothing anywhere. */
    ask(w, UINT64_MAX, rep);
    others_zero(rep, NULL, 0);
    build(w);
    ask(w, T_2020, rep);
    others_zero(rep, NULL, 0);

    /* As of T1: Ireland's provider and two specs, one with an EQF level and external QA. */
    ask(w, T1, rep);
    const report_country *ie = &rep->c[ci("IE")], *fr = &rep->c[ci("FR")], *nl = &rep->c[ci("NL")];
    assert_int_equal(ie->providers, 1);
    assert_int_equal(ie->specs, 2);
    assert_int_equal(ie->specs_eqf, 1);
    assert_int_equal(ie->specs_external_qa, 1);
    assert_int_equal(ie->specs_stackable, 0);
    assert_int_equal(fr->decisions, 0);
    others_zero(rep, named, 1);

    /* As of T2: France's two decisions (full, partial) and its policy (full). */
    ask(w, T2, rep);
    assert_int_equal(fr->decisions, 2);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_FULL - 1], 1);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_PARTIAL - 1], 1);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_DENIED - 1], 0);
    assert_int_equal(fr->policies, 1);
    assert_int_equal(fr->policy_outcomes[PROTO_OUTCOME_FULL - 1], 1);
    assert_int_equal(fr->providers + fr->specs + fr->pathways, 0);
    assert_int_equal(nl->pathways, 0);
    others_zero(rep, named, 2);

    /* Now: spec B withdrawn, spec A listed by the Dutch pathway, decision 1 superseded by a
     * denial. */
    ask(w, UINT64_MAX, rep);
    assert_int_equal(ie->providers, 1);
    assert_int_equal(ie->specs, 1);
    assert_int_equal(ie->specs_eqf, 1);
    assert_int_equal(ie->specs_external_qa, 1);
    assert_int_equal(ie->specs_stackable, 1);
    assert_int_equal(nl->pathways, 1);
    assert_int_equal(nl->specs, 0);
    assert_int_equal(fr->decisions, 2);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_FULL - 1], 0);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_PARTIAL - 1], 1);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_DENIED - 1], 1);
    assert_int_equal(fr->policies, 1);
    others_zero(rep, named, 3);

    /* Just before T3, the state of T2 still holds. */
    ask(w, T3 - 1, rep);
    assert_int_equal(ie->specs, 2);
    assert_int_equal(ie->specs_stackable, 0);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_FULL - 1], 1);
    free(rep);
}

/* An authority's history, all published on 2026-03-01 with dates from before: Ireland's two
 * awarding bodies and two specs (valid from 2022-12-31), a Dutch pathway valid from 2023 listing
 * spec A, a French decision and policy valid from 2023. On 2026-06-01 Ireland suspends one body,
 * withdraws the other and withdraws spec B. */
static void build_history(world *w)
{
    proto_record r;
    fx_elm_provider(&r, PROV);
    put(w, &w->ie, T_2026_03, &r);
    fx_elm_provider(&r, "IE:old");
    put(w, &w->ie, T_2026_03, &r);
    fx_elm_spec(&r, SPEC_A, PROV);
    put(w, &w->ie, T_2026_03, &r);
    fx_elm_spec(&r, SPEC_B, PROV);
    put(w, &w->ie, T_2026_03, &r);

    r = decision("FR:dec/1", PROTO_OUTCOME_FULL, NULL);
    r.u.decision.valid_from_ms = T_2023;
    put(w, &w->fr, T_2026_03, &r);
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    r.u.policy.id = proto_str_c("FR:pol/1");
    r.u.policy.purpose = PROTO_PURPOSE_BOTH;
    r.u.policy.outcome = PROTO_OUTCOME_PARTIAL;
    r.u.policy.valid_from_ms = T_2023;
    r.u.policy.status = PROTO_STATUS_ACTIVE;
    put(w, &w->fr, T_2026_03, &r);

    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &r.u.pathway;
    p->id = proto_str_c("NL:pw/1");
    p->title_n = 1;
    p->title[0].lang = proto_str_c("nl");
    p->title[0].text = proto_str_c("Minor digitale vaardigheden");
    p->eqf = 6;
    p->ects_min_centi = 500;
    p->mandatory_n = 1;
    p->mandatory[0] = proto_str_c(SPEC_A);
    p->valid_from_ms = T_2023;
    p->status = PROTO_STATUS_ACTIVE;
    put(w, &w->nl, T_2026_03, &r);

    fx_elm_provider(&r, PROV);
    r.u.provider.status = PROTO_PROVIDER_SUSPENDED;
    put(w, &w->ie, T_2026_06, &r);
    fx_elm_provider(&r, "IE:old");
    r.u.provider.status = PROTO_PROVIDER_WITHDRAWN;
    put(w, &w->ie, T_2026_06, &r);
    fx_elm_spec(&r, SPEC_B, PROV);
    r.u.spec.status = PROTO_STATUS_WITHDRAWN;
    put(w, &w->ie, T_2026_06, &r);
}

static void test_report_valid_at(void **state)
{
    world *w = *state;
    report *rep = malloc(sizeof(*rep)), *now = malloc(sizeof(*now));
    assert_non_null(rep);
    assert_non_null(now);
    static const char *const named[] = { "IE", "FR", "NL" };
    const report_country *ie = &rep->c[ci("IE")], *fr = &rep->c[ci("FR")], *nl = &rep->c[ci("NL")];
    build_history(w);

    /* Valid in 2024, as known now: the history counts as its dates and statuses say (the
     * suspension and the withdrawals of 2026-06-01 do not reach back). */
    ask_valid(w, UINT64_MAX, T1, rep);
    assert_int_equal(ie->providers, 2);
    assert_int_equal(ie->specs, 2);
    assert_int_equal(ie->specs_eqf, 2);
    assert_int_equal(ie->specs_stackable, 1);
    assert_int_equal(nl->pathways, 1);
    assert_int_equal(fr->decisions, 1);
    assert_int_equal(fr->decision_outcomes[PROTO_OUTCOME_FULL - 1], 1);
    assert_int_equal(fr->policies, 1);
    assert_int_equal(fr->policy_outcomes[PROTO_OUTCOME_PARTIAL - 1], 1);
    others_zero(rep, named, 3);

    /* Valid in 2024 as known in 2025, and as of 2024 (the old question): nothing was said yet. */
    ask_valid(w, T_2025, T1, rep);
    others_zero(rep, NULL, 0);
    ask(w, T1, rep);
    others_zero(rep, NULL, 0);

    /* Valid in mid-2022, as known now: the statuses hold from the beginning of time, the
     * pathway, decision and policy valid from 2023 are not yet in force. */
    ask_valid(w, UINT64_MAX, T_2022_06, rep);
    assert_int_equal(ie->providers, 2);
    assert_int_equal(ie->specs, 2);
    assert_int_equal(ie->specs_stackable, 0);
    assert_int_equal(nl->pathways + fr->decisions + fr->policies, 0);
    others_zero(rep, named, 3);

    /* The status changes take effect at their entry's timestamp: just before it, both bodies
     * and both specs; from it on, the suspended body still counts (providers are those not
     * withdrawn), the withdrawn body and spec B do not. */
    ask_valid(w, UINT64_MAX, T_2026_06 - 1, rep);
    assert_int_equal(ie->providers, 2);
    assert_int_equal(ie->specs, 2);
    ask_valid(w, UINT64_MAX, T_2026_06, rep);
    assert_int_equal(ie->providers, 1);
    assert_int_equal(ie->specs, 1);
    assert_int_equal(ie->specs_stackable, 1);
    ask_valid(w, UINT64_MAX, T_2026_07, rep);
    assert_int_equal(ie->providers, 1);
    assert_int_equal(ie->specs, 1);
    assert_int_equal(fr->decisions, 1);

    /* As known in April 2026, the withdrawals were not said yet, whatever the valid time. */
    ask_valid(w, T_2026_04, T_2026_07, rep);
    assert_int_equal(ie->providers, 2);
    assert_int_equal(ie->specs, 2);
    ask_valid(w, T_2026_04, T1, rep);
    assert_int_equal(ie->providers, 2);
    assert_int_equal(ie->specs, 2);

    /* Valid at now, as known now, is the report as of now; so is any valid time after the last
     * entry. */
    ask(w, UINT64_MAX, now);
    ask_valid(w, UINT64_MAX, T_2026_07, rep);
    assert_memory_equal(rep, now, sizeof(*now));
    free(rep);
    free(now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_report_valid_at, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
