/*
 * rdfc.h: RDF Dataset Canonicalization, RDFC-1.0 (W3C Recommendation, 2024), with SHA-256.
 *
 * Data Integrity proofs over JSON-LD (eddsa-rdfc-2022, Ed25519Signature2020) sign the hash of
 * the canonical N-Quads of a credential's dataset: the quads with their blank nodes relabelled
 * _:c14n0, _:c14n1, ... by the algorithm of the Recommendation, one a line, sorted by code
 * point, duplicates removed. Two datasets that differ only in their blank node labels get the
 * same canonical form, so a verifier reproduces the issuer's bytes from the JSON-LD alone.
 *
 * The algorithm is implemented as the Recommendation writes it (sections 4.4 to 4.9): the hash
 * of the first-degree quads of each blank node, canonical labels for the unique hashes in hash
 * order, and the N-degree hash with its permutations for the rest. Blank nodes are numbered
 * once, so an identifier issuer is an array indexed by blank node, copied by memcpy.
 *
 * Cost and poison graphs: the N-degree hash is exponential in the number of blank nodes that
 * share a first-degree hash (the Recommendation's section 4.1, "poison graphs"). A credential
 * has few blank nodes and each is distinguished by its properties, so its cost is one hash per
 * blank node; a crafted dataset could take hours. The work is therefore bounded: each call of
 * the N-degree hash and each permutation it tries counts one step, and past
 * CRED_RDFC_WORK_MAX steps or CRED_RDFC_DEPTH_MAX nested calls canonicalization stops with
 * RN_ETOOBIG. The bound is far above what any test of the W3C suite other than its negative
 * (poison) test needs.
 *
 * Not supported: the hash algorithm parameter (SHA-384); the Data Integrity suites use SHA-256.
 */
#ifndef RN_CRED_RDFC_H
#define RN_CRED_RDFC_H

#include <stddef.h>
#include <stdint.h>

#include "cred/nquads.h"
#include "proto/error.h"

#define CRED_RDFC_WORK_MAX  100000u /* N-degree calls plus permutations, per canonicalization */
#define CRED_RDFC_DEPTH_MAX 32u     /* nested N-degree calls */
#define CRED_RDFC_OUT_MAX   (64u << 20)

/* The issued identifiers map (input blank node label -> canonical label), as the suite's map
 * tests give it. Both arrays have n entries, in the order of the input labels' first use;
 * strings owned by the map. */
typedef struct cred_rdfc_map {
    size_t n;
    char **from; /* input label, without "_:" */
    char **to;   /* "c14n<k>" */
} cred_rdfc_map;

void cred_rdfc_map_free(cred_rdfc_map *m);

/* Canonicalizes ds and appends its canonical N-Quads to out (which the caller initialised;
 * cred_buf_init(out, CRED_RDFC_OUT_MAX) is a fitting bound). When map is not NULL it receives
 * the issued identifiers (freed by cred_rdfc_map_free, also after a failure). ds is not
 * changed. Returns 0; RN_ETOOBIG past the work bound (a poison graph) or past out's bound;
 * RN_EINVAL for a term a dataset cannot hold (a literal as subject, a blank node predicate);
 * RN_ENOMEM. On failure out holds what it held before. */
RN_MUST_USE int cred_rdfc_canonize(const cred_dataset *ds, cred_buf *out, cred_rdfc_map *map);

/* out = SHA-256 of the canonical N-Quads of ds (the digest the Data Integrity suites sign).
 * Returns what cred_rdfc_canonize returns. */
RN_MUST_USE int cred_rdfc_hash(const cred_dataset *ds, uint8_t out[32]);

#endif /* RN_CRED_RDFC_H */
