/*
 * roster.h: the roster file, the same file on every node of the federation, and the node
 * configuration checked against it. Library `conf`; the rules and the errors of both INI files
 * are in conf/node.h.
 *
 *     [member FR]
 *     role = authority                ; authority|mirror
 *     country = FR                    ; required for an authority; a label for a mirror
 *     key = rn1:...                   ; the member's public key (proto/key.h)
 *     address = fr.example.eu:7400    ; optional: a member without one only dials out
 *
 * Member names are 1 to NODECONF_NAME_MAX characters of [A-Za-z0-9._-] and unique; keys are
 * unique; a country has at most one authority (the rules of proto/roster.h).
 *
 * Threading: as conf/node.h: blocking file I/O for start-up and the CLI.
 */
#ifndef RN_CONF_ROSTER_H
#define RN_CONF_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf/node.h"
#include "proto/error.h"
#include "proto/key.h"
#include "proto/roster.h"

/* One member of the roster file. */
typedef struct nodeconf_member {
    char name[NODECONF_NAME_MAX + 1]; /* from [member <name>] */
    proto_role role;
    char country[3]; /* canonical; "" for a mirror that names none */
    uint8_t key[PROTO_KEY_BYTES];
    bool has_address;
    nodeconf_addr address;
    unsigned line; /* line of its [member] header */
} nodeconf_member;

/* A roster file in memory: the proto_roster that proofs and the replica use, and the members in
 * file order with their names and addresses. Caller owns the struct; nodeconf_roster_free
 * releases what nodeconf_roster_load allocated. */
typedef struct nodeconf_roster {
    char path[NODECONF_PATH_MAX];
    proto_roster roster;      /* max RN_ROSTER_MEMBERS_MAX */
    nodeconf_member *members; /* owned; members[0..count) in file order */
    size_t count;
} nodeconf_roster;

/* ---- Reading ---- */

/*
 * Reads the roster file `path` into `r` (which needs no initialisation; on failure nothing is
 * left to free, and calling nodeconf_roster_free is harmless). At least one member is required.
 * Returns 0 or an error of conf/node.h, with the message in err.
 */
RN_MUST_USE int nodeconf_roster_load(nodeconf_roster *r, const char *path, char *err,
                                     size_t err_len);

/*
 * nodeconf_roster_load of the text buf[0..len) instead of a file: `path` names it in messages.
 * Nothing is read from disk. The same errors, with RN_ENOMEM for RN_EIO (the text could not be
 * opened as a stream).
 */
RN_MUST_USE int nodeconf_roster_parse(nodeconf_roster *r, const char *path, const char *buf,
                                      size_t len, char *err, size_t err_len);

/* Releases what nodeconf_roster_load allocated (not `r` itself) and zeroes `r`. */
void nodeconf_roster_free(nodeconf_roster *r);

/* The member whose key is `key`, or NULL. Borrowed from `r`. */
const nodeconf_member *nodeconf_roster_by_key(const nodeconf_roster *r,
                                              const uint8_t key[PROTO_KEY_BYTES]);

/* The member named `name`; failing that, when `name` is a country code ("FR", or "EL" for
 * Greece), that country's authority; else NULL. Borrowed from `r`. */
const nodeconf_member *nodeconf_roster_by_name(const nodeconf_roster *r, const char *name);

/*
 * Checks the configuration against the roster for the node whose public key is `self`, and
 * resolves the peers to dial. `self` must be a member; an authority's country must be c->country
 * (a mirror's, when it names one, too). The dial list is [peers] dial, each name resolved by
 * nodeconf_roster_by_name and required to have an address and not to be `self`; or, when dial
 * was not given, every other member that has an address. Writes the keys to dial[0..*dial_n).
 * Returns 0, RN_EROSTER (self not a member), RN_ECOUNTRY (country mismatch), RN_ENOTFOUND (a
 * name not in the roster), RN_EINVAL (self, or a member without an address, in dial),
 * RN_EDUPLICATE (a member named twice), RN_ETOOBIG (more than NODECONF_DIAL_MAX to dial).
 */
RN_MUST_USE int nodeconf_resolve(const nodeconf *c, const nodeconf_roster *r,
                                 const uint8_t self[PROTO_KEY_BYTES],
                                 uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES], size_t *dial_n,
                                 char *err, size_t err_len);

/* ---- Writing (recnetctl roster add) ---- */

/*
 * Appends member `m` (m->line ignored) to the roster file `path`, creating the file (mode 0644)
 * when it does not exist. The existing file must load, except that it may hold no member yet
 * (empty, or only comments and blank lines: a roster being started); the new member must keep
 * it valid (unique name and key, one authority per country). The file is fsync'd.
 * Returns 0, the errors of nodeconf_roster_load, RN_EDUPLICATE, RN_ECOUNTRY, RN_EKEY, RN_EINVAL,
 * RN_EIO.
 */
RN_MUST_USE int nodeconf_roster_append(const char *path, const nodeconf_member *m, char *err,
                                       size_t err_len);

#endif /* RN_CONF_ROSTER_H */
