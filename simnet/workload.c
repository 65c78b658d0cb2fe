/*
 * workload.c: the records the simulated authorities publish.
 *
 * Every record is one of the demo fixtures of tests/fixtures/demo (the Commission's ELM sample
 * from University of Zed, the Dutch Open Badges 3.0 micro-credentials of Naboo Theed University
 * and Universiteit van Harderwijk, the French recognition decision, the German automatic
 * recognition policy, the Dutch pathway, the Irish revocation), with its identifiers moved under
 * the publishing authority's country prefix and numbered, so that every entry is a new, valid
 * record and refers to records that exist: a spec names a provider of its author, a decision
 * names a spec some authority published before, a revocation names a provider of its author. The
 * field values are the fixtures' own (vocabulary names mapped with proto/codes.h).
 *
 * The default mix, per 20 entries: 2 providers, 6 specs, 6 decisions, 2 policies, 2 pathways,
 * 2 revocations: registries grow mostly by specs and decisions.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "proto/codes.h"
#include "proto/record.h"
#include "simnet/sim.h"

#define S(s) proto_str_c(s)

#define T_2022_01_01 1640995200000ull
#define T_2022_12_31 1672527600000ull
#define T_2024_08_30 1724976000000ull
#define T_2025_01_01 1735689600000ull
#define T_2025_06_01 1748736000000ull
#define T_2029_08_30 1882742400000ull

static uint32_t vocab(proto_vocab v, const char *name)
{
    int n = proto_codes_vocab_number(v, name, strlen(name));
    RN_ASSERT(n > 0);
    return (uint32_t)n;
}

/* The default mix: a kind for r. */
static int mix_kind(uint64_t r)
{
    static const int mix[20] = {
        PROTO_KIND_PROVIDER, PROTO_KIND_SPEC,       PROTO_KIND_SPEC,     PROTO_KIND_DECISION,
        PROTO_KIND_SPEC,     PROTO_KIND_DECISION,   PROTO_KIND_POLICY,   PROTO_KIND_DECISION,
        PROTO_KIND_SPEC,     PROTO_KIND_PATHWAY,    PROTO_KIND_DECISION, PROTO_KIND_REVOCATION,
        PROTO_KIND_PROVIDER, PROTO_KIND_SPEC,       PROTO_KIND_DECISION, PROTO_KIND_SPEC,
        PROTO_KIND_POLICY,   PROTO_KIND_REVOCATION, PROTO_KIND_DECISION, PROTO_KIND_PATHWAY,
    };
    return mix[r % 20];
}

static int encode(const proto_record *rec, mp_buf *out)
{
    mp_buf_reset(out);
    return proto_record_encode(rec, out);
}

/* Provider k of the author: the three fixture bodies in turn. */
static int provider(sim_wl *w, const uint8_t *issuer_pk, mp_buf *out)
{
    char id[64], reg[32], name[128];
    uint32_t k = ++w->providers;
    snprintf(id, sizeof(id), "%s:prov-%u", w->cc, k);
    snprintf(reg, sizeof(reg), "%s-%06u", w->cc, 654321u + k);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = S(id);
    p->country = S(w->cc);
    p->registration_number = S(reg);
    p->status = PROTO_PROVIDER_ACTIVE;
    switch (k % 3) {
    case 1: /* ie-provider.json */
        snprintf(name, sizeof(name), "University of Zed (%s %u)", w->cc, k);
        p->qa_status = PROTO_QA_UNDER_REVIEW;
        p->url = S("https://uniz.edu");
        break;
    case 2: /* nl-provider-theed.json */
        snprintf(name, sizeof(name), "Naboo Theed University (%s %u)", w->cc, k);
        p->qa_status = PROTO_QA_ACCREDITED;
        p->qa_body = S("NVAO");
        break;
    default: /* nl-provider-uvh.json */
        snprintf(name, sizeof(name), "Universiteit van Harderwijk (%s %u)", w->cc, k);
        p->qa_status = PROTO_QA_ACCREDITED;
        p->qa_body = S("NVAO");
        p->url = S("https://uvh.example.com");
        break;
    }
    p->legal_name = S(name);
    if (k % 3 != 0) {
        p->issuer_keys_n = 1;
        p->issuer_keys[0] = (proto_issuer_key){ issuer_pk, T_2022_01_01, 0 };
    }
    return encode(&r, out);
}

/* Spec k of the author, under its latest provider: the three fixture specs in turn. */
static int spec(sim_wl *w, mp_buf *out, char *spec_out)
{
    char id[64], prov[64];
    uint32_t k = ++w->specs;
    snprintf(prov, sizeof(prov), "%s:prov-%u", w->cc, w->providers);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SPEC;
    proto_spec *s = &r.u.spec;
    s->provider = S(prov);
    s->status = PROTO_STATUS_ACTIVE;
    s->languages_n = 1;
    s->title_n = 1;
    switch (k % 3) {
    case 1: /* ie-spec.json: the ELM sample */
        snprintf(id, sizeof(id), "%s:prov-%u/mc-c%03u", w->cc, w->providers, k);
        s->title[0] = (proto_lang_text){ S("en"), S("Digital micro-credential creation") };
        s->outcomes_n = 2;
        s->outcomes[0].text = S("Communication, collaboration and creativity");
        s->outcomes[0].esco_n = 3;
        s->outcomes[0].esco[0] =
            S("http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9");
        s->outcomes[0].esco[1] =
            S("http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304");
        s->outcomes[0].esco[2] =
            S("http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d");
        s->outcomes[1].text = S("Developing digital content");
        s->outcomes[1].esco_n = 1;
        s->outcomes[1].esco[0] =
            S("http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a");
        s->ects_centi = 200;
        s->eqf = 6;
        s->nqf = S("RQF Level 6");
        s->isced = S("0688");
        s->assessment = vocab(PROTO_VOCAB_ASSESSMENT, "portfolio");
        s->participation = vocab(PROTO_VOCAB_PARTICIPATION, "onsite or blended");
        s->qa_type = vocab(PROTO_VOCAB_QA, "internal");
        s->languages[0] = S("en");
        s->prerequisites = S("The learner needs to have an EDC Online Credential Builder "
                             "account, that requires an EU Login ID.");
        s->supervision = vocab(PROTO_VOCAB_SUPERVISION, "unsupervised with no identity "
                                                        "verification");
        s->grading = S("Pass: an ELM standard compliant unsigned sample credential submitted.");
        s->stackability = PROTO_STACK_STAND_ALONE;
        s->url = S("https://uniz.edu");
        s->valid_from_ms = T_2022_12_31;
        break;
    case 2: /* nl-spec-theed.json */
        snprintf(id, sizeof(id), "%s:prov-%u/ach-%03u", w->cc, w->providers, k);
        s->title[0] =
            (proto_lang_text){ S("en"),
                               S("Minor: Jedi Mind Control and Advanced Meditation Practices") };
        s->outcomes_n = 1;
        s->outcomes[0].text = S("To earn this badge, you must attend the colleges on Mind "
                                "Control, and on Meditation. You must pass a practical test and "
                                "submit a written essay.");
        s->ects_centi = 300;
        s->eqf = 4;
        s->isced = S("0313");
        s->assessment = vocab(PROTO_VOCAB_ASSESSMENT, "testing");
        s->participation = vocab(PROTO_VOCAB_PARTICIPATION, "onsite or blended");
        s->qa_type = vocab(PROTO_VOCAB_QA, "external");
        s->languages[0] = S("en");
        s->supervision = vocab(PROTO_VOCAB_SUPERVISION, "onsite with identity verification");
        s->grading = S("1 to 10, pass mark 6");
        s->stackability = PROTO_STACK_STACKABLE;
        s->valid_from_ms = T_2024_08_30;
        s->valid_until_ms = T_2029_08_30;
        break;
    default: /* nl-spec-uvh.json */
        snprintf(id, sizeof(id), "%s:prov-%u/mc-koffie-%03u", w->cc, w->providers, k);
        s->title[0] =
            (proto_lang_text){ S("nl"),
                               S("Microcredential Basisomzetting Kat naar Koffiezetapparaat") };
        s->outcomes_n = 1;
        s->outcomes[0].text =
            S("De student heeft de eerste stap van transmutatie afgerond, waarbij katten zonder "
              "blijvende schade worden omgezet in keukenapparatuur.");
        s->ects_centi = 300;
        s->eqf = 4;
        s->isced = S("0713");
        s->assessment = vocab(PROTO_VOCAB_ASSESSMENT, "testing");
        s->participation = vocab(PROTO_VOCAB_PARTICIPATION, "onsite or blended");
        s->qa_type = vocab(PROTO_VOCAB_QA, "external");
        s->languages[0] = S("nl");
        s->supervision = vocab(PROTO_VOCAB_SUPERVISION, "onsite with identity verification");
        s->stackability = PROTO_STACK_STACKABLE;
        s->valid_from_ms = T_2024_08_30;
        break;
    }
    s->id = S(id);
    snprintf(spec_out, 64, "%s", id);
    return encode(&r, out);
}

/* fr-decision.json, about a spec some authority published, with the outcome drawn from r, or
 * about the spec, for the purpose and with the outcome `fix` names. */
static int decision(sim_wl *w, uint64_t r, const sim_specs *specs, const sim_wl_fix *fix,
                    mp_buf *out)
{
    char id[64];
    uint32_t k = ++w->decisions;
    snprintf(id, sizeof(id), "%s:enic-naric/2026-%04u", w->cc, k);
    proto_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_DECISION;
    proto_decision *d = &rec.u.decision;
    d->id = S(id);
    d->spec = fix != NULL && fix->spec != NULL ? S(fix->spec) : S(specs->id[(r >> 8) % specs->n]);
    d->purpose = fix != NULL && fix->purpose != 0 ? fix->purpose : (uint32_t)(1 + (r >> 20) % 3);
    d->outcome = fix != NULL && fix->outcome != 0 ? fix->outcome : (uint32_t)(1 + (r >> 24) % 4);
    d->appeal = S("Demo decision: an appeal goes to the recognition office within two months.");
    d->valid_from_ms = T_2025_01_01;
    switch (d->outcome) {
    case PROTO_OUTCOME_FULL:
        d->has_ects = true;
        d->ects_centi = 200;
        d->eqf = 6;
        break;
    case PROTO_OUTCOME_PARTIAL:
        d->has_ects = true;
        d->ects_centi = 150;
        d->eqf = 6;
        d->differences_n = 1;
        d->differences[0] =
            (proto_difference){ PROTO_DIFFERENCE_WORKLOAD,
                                S("Demo decision: 2 ECTS assessed by portfolio against "
                                  "the 3 ECTS of comparable French modules.") };
        break;
    case PROTO_OUTCOME_CONDITIONAL:
        d->conditions = S("Demo decision: recognised once a supervised test is passed.");
        break;
    default:
        d->differences_n = 1;
        d->differences[0] =
            (proto_difference){ PROTO_DIFFERENCE_LEVEL,
                                S("Demo decision: the learning outcomes are below the level "
                                  "of the modules it would replace.") };
        break;
    }
    /* Every third decision of the workload replaces the author's previous one. */
    char prev[64];
    if (fix == NULL && k > 1 && k % 3 == 0) {
        snprintf(prev, sizeof(prev), "%s:enic-naric/2026-%04u", w->cc, k - 1);
        d->supersedes = S(prev);
    }
    return encode(&rec, out);
}

/* de-policy.json, for the purpose drawn from r or the one `fix` names. */
static int policy(sim_wl *w, uint64_t r, const sim_wl_fix *fix, mp_buf *out)
{
    static const char *countries[] = { "AT", "BE", "IE", "LU", "NL" };
    char id[64];
    uint32_t k = ++w->policies;
    snprintf(id, sizeof(id), "%s:auto/eqf4-6-external-qa-%u", w->cc, k);
    proto_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_POLICY;
    proto_policy *p = &rec.u.policy;
    p->id = S(id);
    p->purpose = fix != NULL && fix->purpose != 0 ? fix->purpose : (uint32_t)(1 + (r >> 12) % 3);
    p->outcome = PROTO_OUTCOME_FULL;
    p->issuer_countries_n = 5;
    for (size_t i = 0; i < 5; i++)
        p->issuer_countries[i] = S(countries[i]);
    p->eqf_min = 4;
    p->eqf_max = 6;
    p->ects_min_centi = 100;
    p->external_qa = true;
    p->conditions = S("Demo policy: automatic recognition of externally quality-assured "
                      "micro-credentials at EQF 4 to 6.");
    p->valid_from_ms = T_2025_01_01;
    p->status = PROTO_STATUS_ACTIVE;
    return encode(&rec, out);
}

/* nl-pathway.json, with a spec drawn from those published, or the one `fix` names, as its
 * mandatory one. */
static int pathway(sim_wl *w, const sim_specs *specs, uint64_t r, const sim_wl_fix *fix,
                   mp_buf *out)
{
    char id[64];
    uint32_t k = ++w->pathways;
    snprintf(id, sizeof(id), "%s:pathway/minor-psychology-%u", w->cc, k);
    proto_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_PATHWAY;
    proto_pathway *p = &rec.u.pathway;
    p->id = S(id);
    p->title_n = 2;
    p->title[0] =
        (proto_lang_text){ S("en"), S("Minor in Psychological Assessment (demo pathway)") };
    p->title[1] = (proto_lang_text){ S("nl"), S("Minor Psychologische Assessment (demo)") };
    p->eqf = 4;
    p->ects_min_centi = 600;
    if (fix != NULL && fix->spec != NULL) {
        p->mandatory_n = 1;
        p->mandatory[0] = S(fix->spec);
    } else if (specs->n > 0) {
        p->mandatory_n = 1;
        p->mandatory[0] = S(specs->id[(r >> 16) % specs->n]);
    }
    p->rule.eqf_min = 4;
    p->rule.eqf_max = 5;
    p->valid_from_ms = T_2024_08_30;
    p->status = PROTO_STATUS_ACTIVE;
    return encode(&rec, out);
}

/* ie-revocation.json: a credential of the author's latest provider. */
static int revocation(sim_wl *w, mp_buf *out)
{
    char prov[64], label[96];
    uint8_t digest[PROTO_DIGEST_BYTES];
    uint32_t k = ++w->revocations;
    snprintf(prov, sizeof(prov), "%s:prov-%u", w->cc, w->providers);
    snprintf(label, sizeof(label), "issued credential %s %u", w->cc, k);
    crypto_generichash(digest, sizeof(digest), (const uint8_t *)label, strlen(label), NULL, 0);
    proto_record rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = PROTO_KIND_REVOCATION;
    proto_revocation *v = &rec.u.revocation;
    v->credential = digest;
    v->provider = S(prov);
    v->reason = PROTO_REASON_ISSUED_IN_ERROR;
    v->revoked_at_ms = T_2025_06_01;
    return encode(&rec, out);
}

int sim_wl_body(sim_wl *w, int kind, uint64_t r, const sim_specs *specs, const uint8_t *issuer_pk,
                const sim_wl_fix *fix, mp_buf *out, proto_kind *kind_out, char *spec_out)
{
    spec_out[0] = '\0';
    if (kind == 0)
        kind = mix_kind(r);
    /* What a record needs first: a provider for specs and revocations, a spec for decisions. */
    bool fixed_spec = kind == PROTO_KIND_DECISION && fix != NULL && fix->spec != NULL;
    if (w->providers == 0 && kind != PROTO_KIND_POLICY && kind != PROTO_KIND_PATHWAY && !fixed_spec)
        kind = PROTO_KIND_PROVIDER;
    if (kind == PROTO_KIND_DECISION && specs->n == 0 && !fixed_spec)
        kind = w->providers == 0 ? PROTO_KIND_PROVIDER : PROTO_KIND_SPEC;
    *kind_out = (proto_kind)kind;
    switch (kind) {
    case PROTO_KIND_PROVIDER:
        return provider(w, issuer_pk, out);
    case PROTO_KIND_SPEC:
        return spec(w, out, spec_out);
    case PROTO_KIND_DECISION:
        return decision(w, r, specs, fix, out);
    case PROTO_KIND_POLICY:
        return policy(w, r, fix, out);
    case PROTO_KIND_PATHWAY:
        return pathway(w, specs, r, fix, out);
    case PROTO_KIND_REVOCATION:
        return revocation(w, out);
    default:
        return RN_EKIND;
    }
}
