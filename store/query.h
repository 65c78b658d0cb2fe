/*
 * query.h: the questions a replica answers (DESIGN.md section 4): how does a country recognise a
 * micro-credential specification, which specs match a search, is an issued credential valid and
 * how is it recognised, and which specs count towards a pathway.
 *
 * Every query reads through one store_read opened by store_query_begin (one LMDB read
 * transaction, so one consistent snapshot) and takes a time `at_ms`: the query is answered "as
 * of" that time, that is over the replica restricted to the entries whose timestamp is <= at_ms
 * (store.h, "Time"), and every validity range (valid_from, valid_until) is evaluated at at_ms too.
 * Time is passed in, never read from a clock, so that the simulator and the tests see the same
 * answers as the node.
 *
 * "Now": at_ms = UINT64_MAX (QUERY_AT_NOW), or any value above RN_TIME_MS_MAX, asks about every
 * entry held and is evaluated as RN_TIME_MS_MAX, the last representable moment, which is also
 * the `at` written into proof bundles (a bundle's time must be a real time). Since every record
 * time is at most RN_TIME_MS_MAX, this gives exactly the answers UINT64_MAX would: in particular a
 * decision or policy with a valid_until has expired by then. To ask about today's calendar date,
 * pass today's time.
 *
 * "The latest version of record R as of T" is the version whose entry has the greatest
 * (timestamp, seq) among R's entries with timestamp <= T (store_version_get).
 *
 * Two times (PROTOCOL.md 14.1). The *_valid variants take a second time, valid_at_ms: the entries
 * that count are still those with timestamp <= at_ms (known at), and the dates they carry are
 * evaluated at valid_at_ms (valid at); a spec's or provider's status at valid_at_ms comes from its
 * versions as known at at_ms (proto_status_walk: a status change takes effect from its entry's
 * timestamp, the first status from the beginning of time). The functions without _valid are
 * the _valid ones with valid_at_ms = at_ms, whose answers are those of every query before valid
 * times were defined, except verify's, which is always "as valid at the issue date".
 *
 * The engine reads the materialised indexes of store.h with prefix scans (dec_spec, superseded,
 * versions under kind || "CC:", spec_prov, spec_isced) and never walks a log. Big records are
 * decoded into one heap scratch area per call (a decoded proto_record is some 48 KiB), so a
 * query uses a few KiB of stack whatever it reads. Results copy what they return (ids, titles,
 * names and texts into fixed buffers bounded by limits.h, entry locations by value); nothing in a
 * result borrows the transaction, so a result outlives store_read_end. Proof bundles are appended
 * to a caller's mp_buf. PROTOCOL.md section 14 states the same semantics for other
 * implementations, with test vectors (proto/query_vectors.json).
 *
 * Like store.h: one thread per store; none of these functions may be called from a store
 * callback (store_entries_range's).
 */
#ifndef RN_QUERY_H
#define RN_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/limits.h"
#include "proto/mp.h"
#include "proto/proof.h"
#include "proto/record.h"
#include "store/store.h"

/* Ask about every entry held (see "Now" above). */
#define QUERY_AT_NOW UINT64_MAX

/* Room for one record id and its NUL. */
#define QUERY_ID_CAP (RN_ID_BYTES_MAX + 1u)

/* Where an entry is: its author, seq and timestamp. All zero when there is no such entry. */
typedef struct query_ref {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;          /* 1 .. RN_SEQ_MAX, or 0 for none */
    uint64_t timestamp_ms; /* the entry's timestamp */
} query_ref;

/* Room for a name (a title, a legal name, a note) and for a text (conditions, appeal route),
 * each with its NUL. */
#define QUERY_NAME_CAP (RN_NAME_BYTES_MAX + 1u)
#define QUERY_TEXT_CAP (RN_TEXT_BYTES_MAX + 1u)

/* A title in one language, copied. */
typedef struct query_title {
    char lang[3];              /* two lower-case letters, NUL-terminated */
    char text[QUERY_NAME_CAP]; /* NUL-terminated */
} query_title;

/* A substantial difference, copied. */
typedef struct query_difference {
    uint32_t type;             /* PROTO_DIFFERENCE_... */
    char note[QUERY_NAME_CAP]; /* NUL-terminated */
} query_difference;

/* The terms of the basis of an answer: what the decision or policy says beyond its outcome.
 * All zero ("" for strings) when there is no basis; the fields a policy does not have are zero
 * for a policy. */
typedef struct query_terms {
    bool has_ects;          /* decision: recognised ECTS given */
    uint32_t ects_centi;    /* decision: recognised ECTS, hundredths, when has_ects */
    uint32_t eqf;           /* decision: recognised EQF level 1 .. 8, 0 when none */
    uint32_t differences_n; /* decision: 0 .. RN_DIFFERENCES_MAX */
    query_difference differences[RN_DIFFERENCES_MAX];
    char conditions[QUERY_TEXT_CAP]; /* decision or policy; "" when none */
    char appeal[QUERY_TEXT_CAP];     /* decision: the appeal route; "" when none */
    uint64_t valid_from_ms;          /* decision or policy */
    uint64_t valid_until_ms;         /* decision or policy; 0 when open-ended */
    char supersedes[QUERY_ID_CAP];   /* decision: the id it supersedes; "" when none */
} query_terms;

/* The answer to recognise(spec, country, purpose, at). Copied: nothing borrows the transaction.
 * Some 16 KiB: fine on a thread's stack, not in a large array. */
typedef struct query_recognition {
    uint32_t result;                /* PROTO_RESULT_DECISION, _AUTOMATIC or _NO_DECISION */
    uint32_t outcome;               /* PROTO_OUTCOME_...; 0 for no decision */
    query_ref basis;                /* the decision's or policy's entry; zero for no decision */
    char basis_id[QUERY_ID_CAP];    /* the decision's or policy's id, NUL-terminated; "" for none */
    bool forked;                    /* the country's authority or the spec's author has forked */
    query_ref spec;                 /* the spec's entry (latest version as of at) */
    query_ref provider;             /* its provider's entry (latest version as of at) */
    char provider_id[QUERY_ID_CAP]; /* the spec's provider id */
    uint32_t spec_status;           /* PROTO_STATUS_...: the spec's status as of at */
    uint32_t provider_status;       /* PROTO_PROVIDER_...: its provider's status as of at */
    query_terms terms;              /* the terms of the basis */
    uint32_t spec_title_n;          /* 1 .. RN_LANGS_MAX: the spec's titles as of at */
    query_title spec_title[RN_LANGS_MAX];
    uint32_t spec_ects_centi;           /* the spec's ECTS, hundredths */
    uint32_t spec_eqf;                  /* the spec's EQF level, 0 when it has none */
    char provider_name[QUERY_NAME_CAP]; /* the provider's legal name as of at */
} query_recognition;

/*
 * How country `country` recognises spec `spec_id` for purpose `purpose` as of `at_ms`, following
 * exactly these steps:
 *
 *  a. spec = the latest version of spec_id as of at; none: RN_ENOTFOUND. provider = the latest
 *     version of spec.provider as of at; none: RN_ENOTFOUND.
 *  b. A = the authority of `country`: every key that held the authority role for it in some
 *     period of the governed roster (its lineage, store_authors); none: RN_ECOUNTRY.
 *  c. Candidate decisions: every decision id D with a dec_spec key under spec_id 0x00 country;
 *     take D's latest version as of at, and keep it if its spec is still spec_id and its author
 *     is one of A's keys. (Entries past a key's cut-off are not in the indexes.)
 *  d. Drop the superseded ones: X is superseded if some decision Y, found through the
 *     `superseded` index under X.id with entry timestamp <= at, still has supersedes == X.id in
 *     its own latest version as of at.
 *  e. Keep those valid at at (valid_from <= at, and at < valid_until when there is one) whose
 *     purpose covers the query's: equal, or "both" (a query for "both" needs a decision for
 *     "both").
 *  f. If any remain, the answer is the one whose entry has the greatest (timestamp, seq):
 *     result "decision", with its outcome.
 *  g. Else the policies of A's country: every policy id under that country's prefix, latest
 *     version as of at, kept when active, valid at at, its purpose covers the query's, and the
 *     spec meets its conditions (proto_policy_matches, the verifier's own function). Among those
 *     the most favourable outcome wins (full > conditional > partial > denied), ties going to
 *     the smallest policy id (bytes): result "automatic", with that outcome.
 *  h. Else result "no decision".
 *
 * The answer states, whatever the result, the spec's and its provider's status as of at (a
 * withdrawn spec is still answered: credentials issued while it was active still need
 * recognising, so steps c-h do not look at the spec's status; the caller shows the withdrawal),
 * the spec's titles, ECTS and EQF level and the provider's legal name (all from the versions of
 * step a), and the terms of the basis (query_terms: for a decision its recognised ECTS and EQF
 * level, substantial differences, conditions, appeal route, validity and supersedes; for a
 * policy its conditions and validity). PROTOCOL.md section 14 gives the same steps.
 *
 * forked = A's head or the head of the spec entry's author carries STORE_HEAD_FORKED or
 * STORE_HEAD_BADSIG (an author that misbehaved either way).
 *
 * A basis (decision or policy) counts only when its entry is authored by A, the key the roster
 * names today: a proof bundle's basis must be the authority's (proto_proof_verify step 4), and
 * only a roster replaced after the fact can make this differ from the country prefix.
 *
 * `country` points to a two-letter code, upper case, not necessarily NUL-terminated (exactly two
 * bytes are read; "EL" is taken as Greece, "GR"). When `proof` is not NULL, the
 * answer's proof bundle is appended to it (proto_proof_encode): query {spec_id, the canonical
 * country, purpose, at}, the answer, and the entries of the basis (if any), the spec and the
 * provider; it passes proto_proof_verify against the store's roster. With `proof` NULL no bundle
 * is built (the cheaper call).
 *
 * Returns 0 (*out filled), or:
 *  RN_ELEN, RN_EID   spec_id is not a well-formed id (proto_id_check)
 *  RN_ECOUNTRY       `country` is not one of the 30, or has no authority in the roster
 *  RN_EENUM          `purpose` is not a PROTO_PURPOSE_... value
 *  RN_ENOTFOUND      no spec, or no provider of it, as of at
 *  RN_ESTORE, RN_ECORRUPT  from the replica (store.h)
 *  RN_ENOMEM
 *  RN_ETOOBIG        the bundle does not fit `proof`'s maximum
 *  RN_ESIG           (with `proof`) an entry of the bundle fails its own signature: its author
 *                    published it unsigned; no bundle that would not verify offline is given
 * On failure *out is unspecified and proof->len is as it was.
 */
RN_MUST_USE int query_recognise(store_read *r, proto_str spec_id, const char *country,
                                uint32_t purpose, uint64_t at_ms, query_recognition *out,
                                mp_buf *proof);

/*
 * query_recognise as known at `at_ms` and valid at `valid_at_ms` (see "Two times" above): the
 * entries that count are those with timestamp <= at_ms, as for query_recognise; the dates they
 * carry (the decisions' and policies' validity) are evaluated at valid_at_ms, and the spec's and
 * provider's statuses are their statuses at valid_at_ms (proto_status_walk). query_recognise is
 * this with valid_at_ms = at_ms. The bundle's query carries valid_at when it differs from at.
 * Same errors.
 */
RN_MUST_USE int query_recognise_valid(store_read *r, proto_str spec_id, const char *country,
                                      uint32_t purpose, uint64_t at_ms, uint64_t valid_at_ms,
                                      query_recognition *out, mp_buf *proof);

/* ---- search ---- */

/* What a search keeps. Every field is optional (zero / length 0 means "any"); a spec must match
 * every given one. */
typedef struct query_filter {
    proto_str country;       /* 2 letters: spec ids under that prefix ("EL" taken as "GR") */
    proto_str provider;      /* the spec's provider id, exactly */
    uint32_t eqf_min;        /* 0 or 1 .. 8 */
    uint32_t eqf_max;        /* 0 or 1 .. 8, >= eqf_min when both are given; when either is given
                                the spec must have a level within [eqf_min or 1, eqf_max or 8] */
    proto_str isced;         /* a string prefix of the spec's ISCED-F code ("06", "061") */
    uint32_t ects_min_centi; /* the spec's ECTS (hundredths) at least this */
    proto_str text;          /* ASCII case-insensitive substring of any of the spec's titles */
} query_filter;

/* One spec found, with what a list of results shows of it (some 1.2 KiB). */
typedef struct query_hit {
    char spec_id[QUERY_ID_CAP];         /* NUL-terminated */
    query_ref entry;                    /* the entry of its latest version as of at */
    char title[QUERY_NAME_CAP];         /* its English title, else its first (by language) */
    char title_lang[3];                 /* that title's language */
    uint32_t ects_centi;                /* its ECTS, hundredths */
    uint32_t eqf;                       /* its EQF level, 0 when it has none */
    char provider_id[QUERY_ID_CAP];     /* its provider's id */
    char provider_name[QUERY_NAME_CAP]; /* the provider's legal name as of at */
    uint32_t provider_status;           /* PROTO_PROVIDER_...: its status at the valid time */
} query_hit;

/*
 * Specs matching `f` as of `at_ms`: for every spec, its latest version as of at, kept when it is
 * active, valid at at, and matches every filter given. Results come in ascending order of spec id
 * (bytes, a shorter id before its extensions), starting strictly after `after` (a cursor: the
 * last id of the previous page, or length 0 to start at the beginning), at most `limit` of them,
 * into hits[0 .. *n). *more says whether at least one more match follows the last one returned
 * (then pass hits[*n - 1].spec_id as the next `after`). Each hit carries the spec's title (the
 * "en" one, else the first in language order), ECTS and EQF level, and its provider's id, legal
 * name and status as of at; a spec is found whatever its provider's status, but only when its
 * provider has a version as of at. That is the one rule for a spec whose provider does not
 * exist (yet) as of at: search does not list it, and recognise and verify refuse it
 * (RN_ENOTFOUND), so that every hit is a spec that recognise can answer for.
 *
 * The scan is narrowed by an index when it can be: the provider's spec_prov range, else the
 * country's range of the versions index, else the spec_isced ranges under the ISCED-F prefix
 * (merged in id order), else every spec.
 *
 * Returns 0, or RN_EINVAL (limit 0 or above RN_SEARCH_RESULTS_MAX, an EQF bound above 8 or
 * eqf_min > eqf_max, `after` longer than RN_ID_BYTES_MAX, provider or isced longer than an id),
 * RN_ECOUNTRY (a country that is not one of the 30), RN_ESTORE, RN_ECORRUPT, RN_ENOMEM. `hits`
 * must have room for `limit` results; on failure its content and *n, *more are unspecified.
 */
RN_MUST_USE int query_search(store_read *r, const query_filter *f, uint64_t at_ms, proto_str after,
                             uint32_t limit, query_hit *hits, uint32_t *n, bool *more);

/* query_search as known at `at_ms` and valid at `valid_at_ms`: a spec's latest version as known
 * at at_ms is a hit when its status at valid_at_ms (proto_status_walk) is active and its
 * validity holds at valid_at_ms; its provider must have a version as known at at_ms. Same
 * errors; query_search is this with valid_at_ms = at_ms. */
RN_MUST_USE int query_search_valid(store_read *r, const query_filter *f, uint64_t at_ms,
                                   uint64_t valid_at_ms, proto_str after, uint32_t limit,
                                   query_hit *hits, uint32_t *n, bool *more);

/* ---- verify ---- */

/* An issued credential, as far as recnet needs to know it (no learner data). Borrowed. */
typedef struct query_claim {
    proto_str spec_id;         /* the spec it was issued under */
    const uint8_t *issuer_key; /* PROTO_KEY_BYTES: the key that signed it */
    uint64_t issued_at_ms;     /* the issue date */
    const uint8_t *credential; /* PROTO_DIGEST_BYTES: its digest, as a revocation names it */
} query_claim;

/* Why the spec check of verify fails, or QUERY_SPEC_OK. */
typedef enum query_spec_reason {
    QUERY_SPEC_OK = 0,
    QUERY_SPEC_UNKNOWN,       /* no status at the issue date (not given since valid times) */
    QUERY_SPEC_WITHDRAWN,     /* its version then was withdrawn */
    QUERY_SPEC_NOT_YET_VALID, /* the issue date is before its valid_from */
    QUERY_SPEC_EXPIRED,       /* the issue date is at or after its valid_until */
} query_spec_reason;

/* Why the issuer check of verify fails, or QUERY_ISSUER_OK. */
typedef enum query_issuer_reason {
    QUERY_ISSUER_OK = 0,
    QUERY_ISSUER_KEY_UNKNOWN,        /* the provider's version then does not list the key */
    QUERY_ISSUER_KEY_NOT_YET_VALID,  /* it lists it, valid only from after the issue date */
    QUERY_ISSUER_KEY_EXPIRED,        /* it lists it, valid only until the issue date or before */
    QUERY_ISSUER_PROVIDER_SUSPENDED, /* the provider's version then was suspended */
    QUERY_ISSUER_PROVIDER_WITHDRAWN, /* the provider's version then was withdrawn */
    QUERY_ISSUER_PROVIDER_UNKNOWN,   /* no status at the issue date (not given since valid times) */
} query_issuer_reason;

/* The names of the reasons as the control API writes them ("provider_suspended"), or NULL. */
const char *query_spec_reason_name(uint32_t reason);
const char *query_issuer_reason_name(uint32_t reason);

typedef struct query_verification {
    bool valid;              /* spec_ok && issuer_ok && !revoked */
    bool spec_ok;            /* the spec was active and valid at the issue date (as known at at) */
    bool issuer_ok;          /* the issuer key was the provider's, and the provider active, then */
    bool revoked;            /* a revocation of the credential by the spec's provider, as of at */
    uint32_t spec_reason;    /* query_spec_reason; QUERY_SPEC_OK exactly when spec_ok */
    uint32_t issuer_reason;  /* query_issuer_reason; QUERY_ISSUER_OK exactly when issuer_ok */
    query_ref spec_at_issue; /* the spec's version the check rests on: its latest as of at */
    query_ref issuer_provider; /* the provider's version the check rests on: its latest as of at */
    char issuer_provider_id[QUERY_ID_CAP]; /* the provider the key was checked against */
    query_ref revocation;                  /* its entry when revoked, else zero */
    uint64_t spec_registered_ms;   /* the timestamp of the spec's first version (as known at at) */
    uint64_t key_registered_ms;    /* the timestamp of the first version of the provider that
                                      listed the key, as known at at; 0 when none did */
    bool spec_retroactive;         /* spec_registered_ms > the issue date: the spec's record was
                                      registered after the credential was issued */
    bool key_retroactive;          /* key_registered_ms > the issue date (the key was listed) */
    query_recognition recognition; /* recognise(spec, country, purpose, at, valid_at) */
} query_verification;

/*
 * Checks an issued credential and says how `country` recognises it, as known at `at_ms`:
 *
 * The spec and the issuer are checked as valid at issued_at, as known at at (PROTOCOL.md 14.4):
 *
 *  - spec_ok: the spec's latest version as of at (the recognition's; spec_at_issue) has status
 *    active at issued_at (proto_status_walk over its versions as of at) and its validity holds
 *    at issued_at. spec_reason says which fails first, in that order (UNKNOWN: no status then,
 *    which a spec with a version always has; WITHDRAWN, NOT_YET_VALID, EXPIRED).
 *  - issuer_ok: the provider that spec names (issuer_provider_id; its latest version as of at is
 *    issuer_provider) has status active at issued_at, and the window of claim->issuer_key
 *    (proto_key_walk: the window of the latest version as of at that lists it, the key withdrawn
 *    from the first later version that drops it) holds at issued_at. issuer_reason says which
 *    fails first, in that order (PROVIDER_UNKNOWN, PROVIDER_SUSPENDED or PROVIDER_WITHDRAWN,
 *    KEY_UNKNOWN, KEY_NOT_YET_VALID, KEY_EXPIRED): a credential issued while its provider was
 *    suspended fails for that reason, whatever its key; a key the provider's records, published
 *    after the issue date, say was valid then, vouches for it.
 *  - spec_registered_ms / key_registered_ms: when the spec's first version, and the provider's
 *    first version listing the key, were published (as of at); spec_retroactive /
 *    key_retroactive say that was after issued_at (the checks rest on records registered after
 *    the credential was issued).
 *  - revoked: the latest version as of at of the revocation whose rid is credential || the
 *    provider of the spec as of at (the spec of the proof bundle) exists and its revoked_at is
 *    <= at (the valid time, for query_verify_valid; proof.h step 5).
 *  - recognition: exactly query_recognise(spec_id, country, purpose, at) (query_recognise_valid's
 *    for query_verify_valid).
 *  - valid = spec_ok && issuer_ok && !revoked.
 *
 * When `proof` is not NULL the recognition's bundle is appended to it, its query naming the
 * credential and its answer saying whether it is revoked, with the revocation entry when it is;
 * it passes proto_proof_verify against the store's roster.
 *
 * Returns 0 (*out filled), or RN_EINVAL (issuer_key or credential NULL), and the errors of
 * query_recognise (in particular RN_ENOTFOUND when the spec or its provider does not exist as of
 * at: then nothing can be said about it, whatever the claim), RN_ENOMEM. On failure *out is
 * unspecified and proof->len is as it was.
 */
RN_MUST_USE int query_verify(store_read *r, const query_claim *claim, const char *country,
                             uint32_t purpose, uint64_t at_ms, query_verification *out,
                             mp_buf *proof);

/* query_verify as known at `at_ms`, its recognition and revocation valid at `valid_at_ms`
 * (query_recognise_valid; a revocation counts when its entry is known at at_ms and its
 * revoked_at <= valid_at_ms). The spec and issuer checks are at the issue date whatever
 * valid_at_ms is. query_verify is this with valid_at_ms = at_ms. Same errors. */
RN_MUST_USE int query_verify_valid(store_read *r, const query_claim *claim, const char *country,
                                   uint32_t purpose, uint64_t at_ms, uint64_t valid_at_ms,
                                   query_verification *out, mp_buf *proof);

/* ---- stack ---- */

/* Why a given spec counts, or does not. */
typedef enum query_stack_status {
    QUERY_STACK_MANDATORY = 1, /* counted: a mandatory spec of the pathway */
    QUERY_STACK_ELIGIBLE,      /* counted: listed as eligible */
    QUERY_STACK_RULE,          /* counted: meets the pathway's rule */
    QUERY_STACK_UNKNOWN,       /* not counted: no version of the spec as of at */
    QUERY_STACK_NOT_ELIGIBLE,  /* not counted: neither listed nor meeting the rule */
    QUERY_STACK_WITHDRAWN,     /* not counted: the spec is withdrawn as of at */
    QUERY_STACK_STATUS_MAX = QUERY_STACK_WITHDRAWN, /* the largest status */
} query_stack_status;

typedef struct query_stack_item {
    char spec_id[QUERY_ID_CAP]; /* as given, NUL-terminated */
    uint32_t status;            /* query_stack_status */
    bool counted;               /* status is MANDATORY, ELIGIBLE or RULE */
    bool duplicate;             /* the same id appeared earlier in the list: reported with the same
                                   status, but its ECTS are added once only */
    uint32_t ects_centi;        /* the spec's ECTS (hundredths) when known, else 0 */
} query_stack_item;

/* The answer to stack(...). About 19 KiB: allocate it rather than keep it on a small stack. */
typedef struct query_stack_result {
    query_ref pathway;         /* the pathway's entry */
    bool active;               /* the pathway is active and valid at at */
    bool forked;               /* the pathway's author has forked */
    uint32_t ects_min_centi;   /* the pathway's minimum */
    uint32_t total_ects_centi; /* sum over distinct counted specs, hundredths */
    uint32_t items_n;          /* = the number of spec ids given */
    query_stack_item items[RN_STACK_SPECS_MAX];
    uint32_t missing_n;                           /* mandatory specs not among the given ids */
    char missing[RN_SPEC_REFS_MAX][QUERY_ID_CAP]; /* in the pathway's order, NUL-terminated */
    bool complete; /* active && missing_n == 0 && total_ects_centi >= ects_min_centi */
} query_stack_result;

/*
 * Which of the specs spec_ids[0 .. n) count towards pathway `pathway_id` of country `country`, as
 * of `at_ms`. pathway = its latest version as of at (RN_ENOTFOUND); its id must carry the
 * `country` prefix (RN_EPREFIX). For each given spec id: its latest version as of at (none: status
 * UNKNOWN, not counted); it counts when it is one of the pathway's mandatory specs, or one of its
 * eligible specs, or the pathway has a rule and the spec meets it: when the rule has an EQF range
 * the spec has a level within [eqf_min or 1, eqf_max or 8]; its ISCED-F code is under one of the
 * rule's prefixes (or the rule names none); its provider's country (the provider's latest version
 * as of at; a spec whose provider is unknown then meets no country list) is one of the rule's
 * issuer countries (or it names none); and its ECTS are at least the rule's ects_min. A spec
 * withdrawn as of at never counts (status WITHDRAWN, checked before the lists); its validity
 * dates do not matter here. Duplicate ids count once. missing = the mandatory specs whose ids
 * are not among the given ones (given counts, known or not), or are withdrawn as of at.
 * complete = the pathway is active and valid at at, nothing is missing, and the total reaches
 * the pathway's ects_min.
 *
 * Returns 0 (*out filled), or RN_EINVAL (n > RN_STACK_SPECS_MAX, spec_ids NULL with n > 0),
 * RN_ECOUNTRY (`country` not one of the 30), RN_ELEN or RN_EID (a malformed pathway or spec id),
 * RN_ENOTFOUND, RN_EPREFIX, RN_ESTORE, RN_ECORRUPT, RN_ENOMEM. On failure *out is unspecified.
 */
RN_MUST_USE int query_stack(store_read *r, const char *country, proto_str pathway_id,
                            const proto_str *spec_ids, size_t n, uint64_t at_ms,
                            query_stack_result *out);

/* query_stack as known at `at_ms` and valid at `valid_at_ms`: the pathway's and the specs'
 * latest versions as known at at_ms; `active` evaluates the pathway's validity at valid_at_ms,
 * and a spec is WITHDRAWN when its status at valid_at_ms (proto_status_walk) is not active.
 * query_stack is this with valid_at_ms = at_ms. Same errors. */
RN_MUST_USE int query_stack_valid(store_read *r, const char *country, proto_str pathway_id,
                                  const proto_str *spec_ids, size_t n, uint64_t at_ms,
                                  uint64_t valid_at_ms, query_stack_result *out);

/*
 * The status (PROTO_STATUS_... of a spec, PROTO_PROVIDER_... of a provider: `kind`) at
 * valid_at_ms of the record with id `rid`, as known at at_ms (PROTOCOL.md 14.1, "Status at a
 * valid time"), given its latest version as known at at_ms: `latest` (store_version_get) whose
 * record says `latest_status`. When valid_at_ms is at or after that entry's timestamp the answer
 * is latest_status and nothing is read; otherwise the record's versions as known at at_ms are
 * walked (proto_status_walk), each decoded into `tmp` (scratch, the caller's). *status is 0 when
 * the record had no status then. The queries above use it, and so does the federation report
 * (report.h). Returns 0, RN_ESTORE, RN_ECORRUPT, RN_ENOMEM.
 */
RN_MUST_USE int query_status_valid(store_read *r, proto_kind kind, proto_str rid,
                                   const store_version *latest, uint32_t latest_status,
                                   uint64_t at_ms, uint64_t valid_at_ms, proto_record *tmp,
                                   uint32_t *status);

#endif /* RN_QUERY_H */
