/*
 * fixtures.c: the ELM sample's records (fixtures.h), transcribed from
 * tests/fixtures/elm/Sample-MC-Annex1-unsigned.jsonld with the Annex I numbers of
 * tests/fixtures/codes/annex1-enums.tsv.
 */
#include "fixtures.h"

#include <string.h>

void fx_elm_provider(proto_record *r, const char *id)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r->u.provider;
    p->id = proto_str_c(id);
    p->legal_name = proto_str_c("University of Zed");
    p->country = proto_str_c("IE");
    p->registration_number = proto_str_c("0000");
    p->qa_status = PROTO_QA_ACCREDITED;
    p->qa_body = proto_str_c("Quality and Qualifications Ireland");
    p->status = PROTO_PROVIDER_ACTIVE;
}

void fx_elm_spec(proto_record *r, const char *id, const char *provider)
{
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_SPEC;
    proto_spec *s = &r->u.spec;
    s->id = proto_str_c(id);
    s->provider = proto_str_c(provider);
    s->title_n = 1;
    s->title[0].lang = proto_str_c("en");
    s->title[0].text = proto_str_c("Digital micro-credential creation");
    s->outcomes_n = 2;
    s->outcomes[0].text = proto_str_c("Communication, collaboration and creativity");
    s->outcomes[0].esco_n = 3;
    s->outcomes[0].esco[0] =
        proto_str_c("http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9");
    s->outcomes[0].esco[1] =
        proto_str_c("http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304");
    s->outcomes[0].esco[2] =
        proto_str_c("http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d");
    s->outcomes[1].text = proto_str_c("Developing digital content");
    s->outcomes[1].esco_n = 1;
    s->outcomes[1].esco[0] =
        proto_str_c("http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a");
    s->ects_centi = 200;
    s->eqf = 6;
    s->nqf = proto_str_c("RQF Level 6");
    s->isced = proto_str_c("0688");
    s->assessment = 3;    /* portfolio: "Digital artefact assessment" */
    s->participation = 2; /* onsite or blended */
    s->qa_type = 2;       /* external */
    s->languages_n = 1;
    s->languages[0] = proto_str_c("en");
    s->supervision = 1; /* unsupervised with no identity verification */
    s->grading = proto_str_c("Standard grading");
    s->stackability = PROTO_STACK_STAND_ALONE;
    s->valid_from_ms = FX_ELM_VALID_FROM_MS;
    s->status = PROTO_STATUS_ACTIVE;
}
