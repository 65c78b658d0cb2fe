/*
 * registry.h: an authority's existing registry read for `recnetctl registry import`: every
 * record of a JSON Lines or CSV file decoded and validated with the code the publish commands
 * use (rec_json_set, rec_from_json, proto_record_encode, proto_record_check_author), its
 * cross-references resolved, and every refusal kept with its line and field, so that one run
 * names every fault of a file and nothing is published from a file with one.
 *
 * The two forms (cli/README.md, "Registry import", has the schema and an example of each):
 *
 *   JSON Lines: one record a line, the JSON object `recnetctl <kind> publish` reads, with a
 *   "kind" member naming its kind. Blank lines are skipped.
 *
 *   CSV (RFC 4180: commas, fields quoted with '"' and '""' inside, LF or CRLF, a quoted field may
 *   span lines): a header row naming the columns, one of them "kind"; the other columns are the
 *   fields of PROTOCOL.md section 3, and a cell is what the flag --<column> of the publish
 *   command takes (rec_json_set). A column named twice is the flag given twice (a title in two
 *   languages: two "title" columns holding "en=..." and "nl=..."); an empty cell is the field
 *   left out, so one file holds every kind, each row using its kind's columns. Lists are
 *   comma-separated within their cell. Nested objects are JSON text, or a short form:
 *   issuer_keys "KEY;FROM[;UNTIL]", outcomes "TEXT", differences "TYPE;NOTE".
 *
 * History: a record's versions are its lines with the same id (a revocation: the same credential
 * and provider), in file order; they are published in that order. registry_resume compares them
 * with the versions of the node's own log, so that a run that was killed, or one that finished,
 * publishes only what the log lacks (the log is the truth; no journal).
 *
 * The registry owns every byte it hands out; registry_free releases them. Workload: up to
 * RN_REGISTRY_RECORDS_MAX records of a few hundred bytes each, held in memory at once.
 */
#ifndef RN_CLI_REGISTRY_H
#define RN_CLI_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/record.h"
#include "api/recjson.h"

typedef enum reg_format {
    REG_FORMAT_JSONL = 1,
    REG_FORMAT_CSV = 2,
} reg_format;

/* A record's version key: "<kind>:<id>", or for a revocation "revocation:<digest hex>/<provider>".
 */
#define REG_KEY_BYTES (16u + 2u * PROTO_DIGEST_BYTES + 2u + RN_ID_BYTES_MAX)

/* One record of the file. */
typedef struct reg_record {
    proto_kind kind;
    uint32_t line;     /* 1-based line where the record starts */
    uint8_t *body;     /* its canonical body (owned) */
    uint32_t body_len; /* 1 .. RN_RECORD_BYTES_MAX */
    uint32_t group;    /* its version key's group (registry.groups) */
    bool skip;         /* already on the node (registry_resume) */
} reg_record;

/* Why a line was refused. */
typedef struct reg_refusal {
    uint32_t line;               /* 1-based */
    int code;                    /* the RN_E code */
    char field[REC_FIELD_BYTES]; /* dotted field path, "" when the line as a whole */
    char message[REC_DETAIL_BYTES + REC_FIELD_BYTES + 64u];
} reg_refusal;

/* The versions of one record: the file's, in order, and the node's own log's (their hashes). */
typedef struct reg_group {
    char key[REG_KEY_BYTES];
    uint32_t file_n;           /* versions in the file */
    uint64_t *node_h;          /* hashes of the node's versions' bodies, in log order (owned) */
    uint32_t node_n, node_cap; /* versions in node_h, and its room */
    bool seen;                 /* registry_crossref: a valid record of this key was passed */
    int8_t known;              /* registry_crossref: the node holds it (1), not (0), unasked (-1) */
} reg_group;

/* References a record makes to another record (a spec's provider, a decision's spec). */
typedef int (*reg_known_fn)(void *ctx, proto_kind kind, const char *id);

typedef struct registry {
    reg_record *recs;
    size_t n, cap;
    reg_refusal *refusals;
    size_t refused_n, refused_cap;
    reg_group *groups;
    size_t groups_n, groups_cap;
    uint32_t *slots; /* open addressing: 1 + group index, 0 for empty; slots_n a power of 2 */
    size_t slots_n;
    uint32_t lines; /* lines read */
} registry;

void registry_init(registry *r);
void registry_free(registry *r);

/* The format of a file named `path`: CSV when it ends in ".csv" (any case), else JSON Lines. */
reg_format registry_format_of(const char *path);

/*
 * Reads every record of buf[0..len) in format `fmt`: each decoded and validated as the publish
 * commands do, and, when `country` is not NULL, checked against that authority's country
 * (proto_record_check_author: what the node will check). Every refused line adds a refusal (its
 * line and field) and the reading goes on with the next; a refused record is not added. Returns
 * 0 (see r->refused_n), or RN_ENOMEM, or RN_ECOUNT (more than RN_REGISTRY_RECORDS_MAX records:
 * nothing more is read).
 */
RN_MUST_USE int registry_read(registry *r, const uint8_t *buf, size_t len, reg_format fmt,
                              const char *country);

/*
 * Checks the references of every record, in file order: a spec's provider, a revocation's
 * provider, a decision's spec and the decision it supersedes, a pathway's specs must each be a
 * record earlier in the file, or one `known` says the node holds (it returns 1, 0 for not held,
 * or a negative RN_E code that stops the check and is returned). A record whose reference is
 * neither is refused (its line and field) and taken out of the file's records, so that what
 * refers to it is refused too. Returns 0 (see r->refused_n), RN_ENOMEM, or known's error.
 */
RN_MUST_USE int registry_crossref(registry *r, reg_known_fn known, void *ctx);

/*
 * Adds a version of the node's own log: an entry's record of kind `kind` and body `body`.
 * Records of keys the file does not hold are ignored. Returns 0, RN_ENOMEM, or the record's
 * decode error (the node's log holds what the node validated: a bug if it fails).
 */
RN_MUST_USE int registry_node_version(registry *r, proto_kind kind, const uint8_t *body,
                                      size_t len);

/*
 * Marks as skip the versions the node already holds: for each record, the longest run of its
 * first versions in the file that the node's log ends with (the import publishes a record's
 * versions in order and a batch whole, so whatever a killed run committed is such a run).
 * *marked gets the number marked. Returns 0 or RN_ENOMEM.
 */
RN_MUST_USE int registry_resume(registry *r, size_t *marked);

/* The version key of a valid record, into out[REG_KEY_BYTES]. */
void registry_key(const proto_record *rec, char out[REG_KEY_BYTES]);

#endif /* RN_CLI_REGISTRY_H */
