/*
 * cli.c: recnetctl's entry: the global options, the one table of subcommands, the option parser
 * that every subcommand shares, help, and the output helpers of cli.h.
 *
 * recnetctl [-d DATA_DIR | -s SOCKET] [--json] COMMAND [ARGS]
 *
 * The global options may also follow the command. A command is one word ("status") or two
 * ("query recognise"); `recnetctl help [COMMAND]` and `--help` anywhere print help, and
 * `recnetctl --version` the version. Under --json a failed run also prints its error as one JSON
 * object on stdout (cli_fail_rn records what it names).
 */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/limits.h"
#include "api/json.h"
#include "api/recjson.h"

/* The version of the project (CMakeLists.txt's project() VERSION), given by the build. */
#ifndef RN_VERSION
#error "RN_VERSION is defined by CMakeLists.txt from the project's version"
#endif

/* ---- Options of the subcommands ---- */

static const cli_optdef opts_none[] = { { NULL, 0, false } };
static const cli_optdef opts_init[] = {
    { "country", 0, true },     { "listen", 0, true }, { "roster", 0, true },
    { "network-key", 0, true }, { NULL, 0, false },
};
static const cli_optdef opts_roster_show[] = { { "roster", 0, true },
                                               { "history", 0, false },
                                               { "version", 0, true },
                                               { "out", 'o', true },
                                               { NULL, 0, false } };
static const cli_optdef opts_roster_genesis[] = {
    { "roster", 0, true },    { "federation", 0, true }, { "quorum", 0, true },
    { "issued-at", 0, true }, { "out", 'o', true },      { NULL, 0, false },
};
static const cli_optdef opts_roster_propose[] = {
    { "change", 0, true },
    { "out", 'o', true },
    { "add", 0, true },
    { "remove", 0, true },
    { "set", 0, true },
    { "rotate", 0, true },
    { "rotate-compromised", 0, true },
    { "new-key", 0, true },
    { "role", 0, true },
    { "country", 0, true },
    { "last-seq", 0, true },
    { "last-id", 0, true },
    { "quorum", 0, true },
    { "issued-at", 0, true },
    { NULL, 0, false },
};
static const cli_optdef opts_roster_approve[] = { { "key", 0, true }, { NULL, 0, false } };
static const cli_optdef opts_roster_add[] = {
    { "roster", 0, true }, { "name", 0, true },    { "role", 0, true }, { "country", 0, true },
    { "key", 0, true },    { "address", 0, true }, { NULL, 0, false },
};
static const cli_optdef opts_publish[] = {
    { "dry-run", 'n', false },
    { "force", 0, false },
    { NULL, 0, false },
};
static const cli_optdef opts_publish_revocation[] = {
    { "dry-run", 'n', false },
    { "force", 0, false },
    { "status-from", 0, true },
    { NULL, 0, false },
};
static const cli_optdef opts_at[] = { { "at", 0, true }, { NULL, 0, false } };
/* The queries of PROTOCOL.md 14: known at (--at) and valid at (--valid-at). */
static const cli_optdef opts_query_at[] = {
    { "at", 0, true },
    { "valid-at", 0, true },
    { "signed", 0, true },
    { NULL, 0, false },
};
static const cli_optdef opts_export[] = {
    { "as", 0, true },
    { "at", 0, true },
    { "out", 'o', true },
    { NULL, 0, false },
};
static const cli_optdef opts_search[] = {
    { "country", 0, true }, { "provider", 0, true }, { "eqf-min", 0, true },
    { "eqf-max", 0, true }, { "isced", 0, true },    { "ects-min", 0, true },
    { "text", 0, true },    { "at", 0, true },       { "after", 0, true },
    { "limit", 0, true },   { "valid-at", 0, true }, { "signed", 0, true },
    { NULL, 0, false },
};
static const cli_optdef opts_verify[] = {
    { "spec", 0, true },       { "issuer-key", 0, true }, { "issued-at", 0, true },
    { "credential", 0, true }, { "at", 0, true },         { "valid-at", 0, true },
    { "signed", 0, true },     { "witnessed", 0, true },  { NULL, 0, false },
};
static const cli_optdef opts_proof_get[] = {
    { "at", 0, true },        { "valid-at", 0, true }, { "output", 'o', true },
    { "witnessed", 0, true }, { "signed", 0, true },   { NULL, 0, false },
};
static const cli_optdef opts_status_list[] = {
    { "at", 0, true },
    { "url", 0, true },
    { "output", 'o', true },
    { NULL, 0, false },
};
static const cli_optdef opts_proof_verify[] = { { "roster", 0, true },
                                                { "genesis", 0, true },
                                                { "witnesses", 0, true },
                                                { "max-age", 0, true },
                                                { NULL, 0, false } };
static const cli_optdef opts_import[] = {
    { "dry-run", 'n', false },  { "provider-id", 0, true },
    { "spec-id", 0, true },     { "country", 0, true },
    { "qa-status", 0, true },   { "qa-body", 0, true },
    { "isced", 0, true },       { "ects", 0, true },
    { "eqf", 0, true },         { "qa-type", 0, true },
    { "assessment", 0, true },  { "participation", 0, true },
    { "supervision", 0, true }, { "stackability", 0, true },
    { "part-of", 0, true },     { "languages", 0, true },
    { "valid-from", 0, true },  { "valid-until", 0, true },
    { "issuer-key", 0, true },  { "key-valid-from", 0, true },
    { "replace", 0, false },    { "trust", 0, true },
    { "force", 0, false },      { "trust-list-signer", 0, true },
    { "trust-list", 0, true },  { NULL, 0, false },
};
static const cli_optdef opts_registry_import[] = {
    { "dry-run", 'n', false }, { "skip-invalid", 0, false }, { "format", 0, true },
    { "batch", 0, true },      { NULL, 0, false },
};
static const cli_optdef opts_cred_issue[] = {
    { "spec", 0, true },     { "issuer-key", 0, true }, { "holder", 0, true },
    { "salt", 0, true },     { "issued-at", 0, true },  { "grade", 0, true },
    { "output", 'o', true }, { NULL, 0, false },
};
static const cli_optdef opts_cred_verify[] = {
    { "at", 0, true },          { "spec", 0, true },       { "issuer-key", 0, true },
    { "proof", 0, true },       { "trust", 0, true },      { "issuer-docs", 0, true },
    { "status-list", 0, true }, { "trust-list", 0, true }, { "trust-list-signer", 0, true },
    { NULL, 0, false },
};
static const cli_optdef opts_cred_check[] = {
    { "issuer-docs", 0, true },       { "status-list", 0, true }, { "trust", 0, true },
    { "issuer-key", 0, true },        { "at", 0, true },          { "trust-list", 0, true },
    { "trust-list-signer", 0, true }, { NULL, 0, false },
};
static const cli_optdef opts_checkpoint_verify[] = { { "roster", 0, true },
                                                     { "witnesses", 0, true },
                                                     { NULL, 0, false } };
static const cli_optdef opts_output_only[] = { { "output", 'o', true }, { NULL, 0, false } };
static const cli_optdef opts_answer_verify[] = { { "roster", 0, true },
                                                 { "headers", 0, true },
                                                 { NULL, 0, false } };
static const cli_optdef opts_log[] = { { "from", 0, true },
                                       { "max", 0, true },
                                       { NULL, 0, false } };

#define PUBLISH_HELP                                                                               \
    "Reads the record from FILE as JSON (\"-\" for standard input), sets the fields given as\n"    \
    "--<field> VALUE on top of it (or alone, without FILE), checks it as every node will, and\n"   \
    "sends it to the node, which signs it into its authority's log. Field names and forms are\n"   \
    "those of PROTOCOL.md section 3: enumerations by name (\"outcome\": \"partial\"), times as\n"  \
    "ISO 8601 dates or UTC datetimes, ms or now, ECTS as decimals (2.5), keys as rn1:...,\n"       \
    "titles as {\"en\": \"...\"} (flag: --title en=TEXT), lists as JSON arrays (flag:\n"           \
    "comma-separated or repeated), nested objects as JSON text. The fields are listed below;\n"    \
    "cli/README.md has an example of each kind.\n"                                                 \
    "A decision or a pathway naming a spec the node does not know is refused (exit 3), each\n"     \
    "unknown spec named on stderr.\n"                                                              \
    "  -n, --dry-run   check the record and print it as JSON and its canonical body, send "        \
    "nothing\n"                                                                                    \
    "  --force         publish even when a spec it names is unknown to the node (not arrived yet)"

#define PUBLISH_ROW(k, kname)                                                                      \
    {                                                                                              \
        kname " publish", "publish a " kname " record (JSON file or flags)",                       \
            "[FILE|-] [--<field> VALUE ...] [--dry-run] [--force]", PUBLISH_HELP, opts_publish, 0, \
            1, true, cmd_publish, k                                                                \
    }

/* ---- The table of subcommands ---- */

static const cli_cmd commands[] = {
    { "init", "create a node's data directory: secret key, configuration",
      "[DIR] --country CC [--listen HOST:PORT] [--roster FILE] | --network-key FILE",
      "Creates DIR (or -d DIR) with a new secret key (node.key, mode 0600) and a configuration\n"
      "(recnet.ini) for the authority of country CC, and prints the public key rn1:... to add\n"
      "to the federation's roster, with the commands that come next. --listen defaults to\n"
      "0.0.0.0:7400. --roster FILE, relative to the current directory, is written into the\n"
      "configuration as an absolute path; without it the node reads DIR/roster.ini. The node\n"
      "reads the network key from DIR/network.key. With --network-key FILE, also (or only,\n"
      "without --country) writes a new network key for a new federation to FILE: one per\n"
      "federation, shared by its members.",
      opts_init, 0, 1, false, cmd_init, 0 },
    { "keygen", "write a new secret key file and print its public key", "FILE",
      "Writes a new Ed25519 secret key to FILE (mode 0600; never over an existing file) and\n"
      "prints its public key rn1:...",
      opts_none, 1, 1, false, cmd_keygen, 0 },
    { "roster show", "list the members of a roster file, or of a governed roster",
      "[FILE | --roster FILE] | [--history] GENESIS [CHANGE...] | [--history] | --version N -o F",
      "Without FILE, asks the node for its governed roster (roster.show: the roster in force,\n"
      "the quorum, the changes pending with their signers and how many more they need; with\n"
      "--history every version and key period; --version N -o FILE writes the document of\n"
      "version N as the node holds it, 1 being the genesis); a node without one, or none running: "
      "the roster\n"
      "file named by DATA_DIR/recnet.ini (-d). Given a governed\n"
      "roster (a genesis written by roster genesis, then its changes in version order), verifies\n"
      "the chain as roster verify does and lists the roster in force at its last version.\n"
      "  --history   also every version's changes and signers, and every key's versions (from,\n"
      "              until, why it ended; for a compromised key the last trusted seq)",
      opts_roster_show, 0, CLI_POS_MAX, false, cmd_roster_show_any, 0 },
    { "roster add", "add a member to a roster file",
      "--roster FILE --name NAME --role authority|mirror [--country CC] --key rn1:...|KEYFILE "
      "[--address HOST:PORT]",
      "Appends [member NAME] to FILE (created when missing; an empty file takes its first\n"
      "member), refusing a repeated name or key or a second authority for a country. --key is\n"
      "the member's public key, or its secret key file, whose public key is taken.",
      opts_roster_add, 0, 0, false, cmd_roster_add, 0 },
    { "roster genesis", "write version 1 of a governed roster from a roster file",
      "--roster FILE --federation NAME [--quorum majority|K] [--issued-at TIME] -o GENESIS",
      "Writes the genesis document (PROTOCOL.md 4.4) of the members of the roster file FILE:\n"
      "the federation's name (1 to 64 bytes), the quorum of authorities a change needs\n"
      "(majority, the default, or K of them) and the time (default now). Prints the\n"
      "federation id, H(GENESIS). Never overwrites GENESIS. Every member must receive the same\n"
      "file, out of band.",
      opts_roster_genesis, 0, 0, false, cmd_roster_genesis, 0 },
    { "roster propose", "propose a change to the governed roster (through the node, or a file)",
      "--add KEY --country CC [--role R] | --remove KEY | --set KEY --role R [--country CC] |\n"
      "      --rotate KEY --new-key KEY | --rotate-compromised KEY --new-key KEY --last-seq N\n"
      "      [--last-id HEX] | --quorum majority|K | --change FILE.json  [--issued-at TIME]\n"
      "  or  GENESIS [CHANGE...] --change FILE.json -o NEWCHANGE",
      "Online (no GENESIS): the node builds the change on its chain, signs it with its key and\n"
      "publishes it as a roster entry (kind 7) that every node collects approvals for; it takes\n"
      "effect on every node once a quorum has signed. Prints the change's hash, which the\n"
      "others approve with roster approve HASH. KEY is rn1:... or a key file (its public key).\n"
      "Offline:\n"
      "FILE.json describes the ops (cli/README.md, \"Governing the roster\"):\n"
      "  {\"ops\": [{\"op\": \"add\", \"key\": \"rn1:...\", \"role\": \"authority\", "
      "\"country\": \"NL\"}, ...],\n"
      "   \"issued_at\": TIME (optional, default now)}\n"
      "with op add, remove, set (key, role, country), rotate (key, new_key), rotate-compromised\n"
      "(key, new_key, last_seq, last_id) or quorum (quorum: majority or K). The chain is\n"
      "verified first; the change is bound to its last version and checked to leave a valid\n"
      "roster. Writes NEWCHANGE (never overwriting it) without signatures.",
      opts_roster_propose, 0, CLI_POS_MAX, false, cmd_roster_propose, 0 },
    { "roster approve", "sign a roster change (through the node, or a file with a key)",
      "HASH|CHANGE | CHANGE --key KEYFILE",
      "Without --key: the node signs the pending change of that hash (or the change file) with\n"
      "its key and publishes its approval as a roster entry; prints how many signatures it\n"
      "holds and whether it is in force. With --key (offline):\n"
      "Adds the signature of KEYFILE's key to CHANGE (replacing one it made before) and prints\n"
      "what it signed. The file is replaced whole (CHANGE.tmp, then renamed). Whether the key\n"
      "may sign is checked by roster verify, against the roster before the change.",
      opts_roster_approve, 1, 1, false, cmd_roster_approve, 0 },
    { "roster verify", "verify a governed roster: genesis, then changes", "GENESIS [CHANGE...]",
      "Checks every change in order: its link to the version before it, its ops, and the\n"
      "signatures of a quorum of the authorities before it (and of the old key for a planned\n"
      "rotation). Prints the roster in force at the last version. Exit 0 when every change\n"
      "verifies; 1 naming the first that does not and why; 3 when GENESIS is not a genesis.",
      opts_none, 1, CLI_POS_MAX, false, cmd_roster_verify, 0 },
    PUBLISH_ROW(PROTO_KIND_PROVIDER, "provider"),
    PUBLISH_ROW(PROTO_KIND_SPEC, "spec"),
    { "spec import", "a spec and its provider from an ELM v3 or Open Badges 3.0 file",
      "FILE [--dry-run] [--provider-id ID] [--spec-id ID] [--<element> VALUE ...]\n"
      "      [--issuer-key rn1:...|KEYFILE [--key-valid-from TIME]] [--replace]\n"
      "      [--trust PEM] [--trust-list FILE --trust-list-signer PEM] [--force]",
      "Reads a European Learning Model v3 credential (JSON-LD: a EuropeanDigitalCredential with\n"
      "credentialSubject.hasClaim.specifiedBy) or an Open Badges 3.0 credential (an\n"
      "OpenBadgeCredential with credentialSubject.achievement), maps every Annex I element it\n"
      "carries onto a provider and a spec record, and publishes them through the node, the\n"
      "provider first (each skipped when the node already holds the same record). Nothing of\n"
      "the learner is read. Elements the file lacks are named, never invented; a mandatory one\n"
      "must come from its flag, which also overrides the file:\n"
      "  --country CC  --qa-status S  --qa-body NAME  --isced CODE  --ects N  --eqf 1-8\n"
      "  --qa-type internal|external  --assessment T  --participation F  --supervision S\n"
      "  --stackability stand_alone|stackable  --part-of IDS  --languages en,nl\n"
      "  --valid-from T  --valid-until T\n"
      "Ids default to <CC>:<registration or identifier> and <provider id>/<notation>.\n"
      "--issuer-key registers the awarding body's issuer key (valid from --key-valid-from, by\n"
      "default the spec's valid_from); the keys the node holds are always kept, their windows\n"
      "as registered. A provider or spec the node holds under the same id that differs from\n"
      "the file's (another awarding body or micro-credential deriving the same id, or another\n"
      "version) is not replaced: exit 3, naming both, unless --replace.\n"
      "  -n, --dry-run   print the records and what the file lacks; send nothing. When the node\n"
      "                  answers, also check what it would refuse: another country's prefix,\n"
      "                  a record it holds that would be replaced (exit 3)\n"
      "  --replace       publish the file's records over different ones the node holds\n"
      "A sealed European Digital Credential (JAdES, JWS JSON serialization) is unwrapped: the\n"
      "seal verified with the certificate it carries, the sealer (its subject) printed, the\n"
      "chain checked against --trust (a PEM bundle of trust anchors) when given. A seal that\n"
      "does not verify refuses the import (exit 3); so does a certificate expired, not the\n"
      "x5t#S256 named, or not chained to --trust, unless --force.\n"
      "--trust-list is an eIDAS trusted list (ETSI TS 119 612 XML, downloaded), its signature\n"
      "verified with --trust-list-signer (the scheme operator's certificate, PEM): a chain to a\n"
      "CA/QC service granted now passes, naming the provider and the list's country.\n"
      "Exit 3 for a file that is neither format, not JSON, lacks a mandatory element or carries\n"
      "an unknown code. cli/README.md has the mapping element by element.",
      opts_import, 1, 1, false, cmd_spec_import, 0 },
    PUBLISH_ROW(PROTO_KIND_DECISION, "decision"),
    PUBLISH_ROW(PROTO_KIND_POLICY, "policy"),
    PUBLISH_ROW(PROTO_KIND_PATHWAY, "pathway"),
    { "revocation publish", "publish a revocation record (JSON file or flags)",
      "[FILE|-] [--<field> VALUE ...] [--status-from CREDENTIAL] [--dry-run] [--force]",
      PUBLISH_HELP
      "\n"
      "--status-index N places the credential in its provider's Bitstring Status List\n"
      "(0 .. 1048575; status-list export). --status-from CREDENTIAL reads N from the\n"
      "credential itself (JSON or VC-JWT): its credentialStatus entry of purpose\n"
      "revocation whose statusListCredential is this provider's list (a URL ending in\n"
      "/v1/status/PROVIDER, or urn:recnet:status:PROVIDER).",
      opts_publish_revocation, 0, 1, true, cmd_publish, PROTO_KIND_REVOCATION },
    { "credential issue", "sign an issued credential with an awarding body's issuer key",
      "--spec ID --issuer-key KEYFILE --holder REF [--salt HEX] [--issued-at TIME]\n"
      "      [--grade TEXT] -o FILE",
      "Offline. Writes the credential envelope (PROTOCOL.md section 13) to FILE, a new file\n"
      "(never over an existing one: exit 5): the spec, a\n"
      "holder reference (BLAKE2b-256 of REF keyed with the salt: never a name), the issue date\n"
      "(default now), the grade and the issuer key, signed with KEYFILE. Prints the salt, which\n"
      "stays with the holder (it is not in the credential), and the credential's digest, which\n"
      "a revocation names. --salt is 16 to 64 bytes in hex (default 32 random bytes).",
      opts_cred_issue, 0, 0, false, cmd_credential_issue, 0 },
    { "credential verify", "is an issued credential valid, and recognised in a country",
      "FILE COUNTRY PURPOSE [--at TIME] [--proof FILE] [--spec ID] [--issuer-key KEY]\n"
      "      [--issuer-docs DIR] [--trust PEM] [--status-list FILE]\n"
      "      [--trust-list FILE --trust-list-signer PEM]",
      "FILE is a credential of any form credential check reads: a credential envelope\n"
      "(credential issue), a VC-JWT (RS256, ES256, EdDSA), a JSON credential with a Data\n"
      "Integrity proof, or a sealed European Digital Credential. Runs the checks of credential\n"
      "check (--issuer-docs, --trust, --status-list as there; status is \"not checked\" without\n"
      "a list), the key that verifies being one the spec's provider registered (or --issuer-key,\n"
      "rn1:... or a key file), then asks the node: the key registered and its provider active at\n"
      "the issue date, the spec valid then and the credential bound to it (PROTOCOL.md 3.5), not\n"
      "revoked, and how COUNTRY recognises the spec for PURPOSE. The spec is --spec, else the id\n"
      "its import derives. --proof saves the proof bundle. Exit 0 when valid and recognised, 1\n"
      "when not (each failed check named), 3 when FILE is not a credential read here or the node\n"
      "cannot be asked about it (the reason given).",
      opts_cred_verify, 3, 3, false, cmd_credential_verify, 0 },
    { "credential check", "check a credential offline, as its standard defines it",
      "FILE [--issuer-docs DIR] [--status-list FILE] [--trust PEM] [--issuer-key KEY] [--at T]\n"
      "      [--trust-list FILE --trust-list-signer PEM]",
      "Without a node. FILE is an Open Badges 3.0 credential (a VC-JWT signed with RS256, ES256\n"
      "or EdDSA, or JSON with an embedded proof) or a Europass credential (sealed with JAdES, or\n"
      "not). Prints each check (format, structure, signature, proof or seal, key, issuer key,\n"
      "dates, status) with its result and reason, and what could not be checked and why.\n"
      "--issuer-docs is a directory (or a file) of JSON documents found by their id: did:web DID\n"
      "documents, issuer profiles; nothing is fetched. --status-list a Bitstring Status List\n"
      "credential; --trust a PEM bundle of trust anchors for a seal's certificate chain;\n"
      "--issuer-key a key registered for the issuer (rn1:... or a key file); --at the time the\n"
      "dates are checked at (default now). Exit 0 when every check that could be made passed, 1\n"
      "when one failed, 3 when FILE is not a credential recnetctl reads.\n"
      "--trust-list an eIDAS trusted list (ETSI TS 119 612 XML, downloaded, never fetched), its\n"
      "signature verified with --trust-list-signer (the scheme operator's certificate, PEM, as\n"
      "the EU's List of Trusted Lists publishes it); refused when unsigned, tampered, signed by\n"
      "another key or expired at --at. A seal's chain passes when it ends at a CA/QC service\n"
      "granted at --at (a service withdrawn since counts for a time it was granted): the\n"
      "provider and the list's country are named.",
      opts_cred_check, 1, 1, false, cmd_credential_check, 0 },
    { "spec show", "one spec in full, as of a time", "ID [--at TIME]",
      "Prints every field of the latest version of spec ID as of TIME (default: now), and the\n"
      "entry it is in; --json prints the entry and its record as JSON. Exit 1 when there is none.",
      opts_at, 1, 1, false, cmd_record_show, PROTO_KIND_SPEC },
    { "provider show", "one provider in full, as of a time", "ID [--at TIME]",
      "Prints every field of the latest version of provider ID as of TIME (default: now),\n"
      "issuer keys as a table; --json prints the entry and its record as JSON. Exit 1 when there\n"
      "is none.",
      opts_at, 1, 1, false, cmd_record_show, PROTO_KIND_PROVIDER },
    { "spec export", "a spec as an Open Badges 3.0 Achievement or an ELM specification",
      "ID --as ob3|elm [--at TIME] [-o|--out FILE]",
      "Reads spec ID and its provider as of TIME (default: now) from the node and prints the\n"
      "spec as JSON-LD: --as ob3 an Open Badges 3.0 Achievement (its creator the provider's\n"
      "Profile), --as elm a European Learning Model v3 LearningAchievementSpecification (its\n"
      "awarding body the provider). The bytes are those of GET /v1/spec/ID?as= at the gateway.\n"
      "--out writes them to FILE instead. api/README.md has the mapping field by field, and\n"
      "what a form does not carry. Exit 1 when the node holds no such spec.",
      opts_export, 1, 1, false, cmd_spec_export, 0 },
    { "query recognise", "how does a country recognise a spec, for a purpose",
      "SPEC COUNTRY PURPOSE [--at TIME] [--valid-at TIME] [--signed FILE]",
      "PURPOSE is further_study, employment or both; TIME an ISO 8601 date or datetime, ms\n"
      "since the epoch, or now (the default). --at is the time known at (the entries published\n"
      "by then count), --valid-at the time the records' dates are evaluated at (default: --at).\n"
      "Exit 0 when recognised (full, partial or conditional), 1 when denied or when there is\n"
      "no decision. --signed FILE also saves the node's signed answer (its key, its time, the\n"
      "question and the answer: PROTOCOL.md 12.5), for recnetctl answer verify.",
      opts_query_at, 3, 3, false, cmd_recognise, 0 },
    { "query search", "find specs",
      "[--country CC] [--provider ID] [--eqf-min N] [--eqf-max N] [--isced PREFIX]\n"
      "      [--ects-min ECTS] [--text TEXT] [--at TIME] [--valid-at TIME] [--after SPEC]\n"
      "      [--limit N] [--signed FILE]",
      "Lists the active specs that match every filter given, in id order, 100 at a time (at most\n"
      "1000 with --limit); --after the last id of a page gives the next.",
      opts_search, 0, 0, false, cmd_search, 0 },
    { "query verify", "is an issued credential valid, and how is it recognised",
      "--spec SPEC --issuer-key rn1:... --issued-at TIME --credential HEX COUNTRY PURPOSE "
      "[--at TIME] [--valid-at TIME] [--signed FILE]",
      "--credential is the 64-hex-digit digest of the issued credential. The issuer and spec are\n"
      "checked as valid at the issue date, as known at --at; --valid-at is the time of the\n"
      "recognition and the revocation. Exit 0 when the credential is valid and recognised, 1\n"
      "otherwise.",
      opts_verify, 2, 2, false, cmd_verify, 0 },
    { "query stack", "which specs count towards a pathway",
      "COUNTRY PATHWAY SPEC... [--at TIME] [--valid-at TIME] [--signed FILE]",
      "Exit 0 when the pathway is complete with the specs given, 1 otherwise.", opts_query_at, 2,
      2 + RN_STACK_SPECS_MAX, false, cmd_stack, 0 },
    { "query matrix", "how each of the 30 countries recognises a spec, for each purpose",
      "SPEC [--at TIME] [--valid-at TIME] [--signed FILE]",
      "One call: the recognition of SPEC in every country, for further_study, employment and\n"
      "both (result and outcome per cell; --json gives every term). Exit 0.",
      opts_query_at, 1, 1, false, cmd_matrix, 0 },
    { "report", "the federation report: per country, what is registered and recognised",
      "[--at TIME] [--valid-at TIME] [--signed FILE]",
      "Per country of the 30: providers and specs registered, the share of those specs with an\n"
      "EQF level, with external QA and listed by a pathway in force, the pathways, and the\n"
      "decisions and policies in force by outcome, as known at --at (now by default) and valid\n"
      "at --valid-at (default: --at). Exit 0.",
      opts_query_at, 0, 0, false, cmd_report, 0 },
    { "status-list export", "a provider's revocations as a signed Bitstring Status List",
      "PROVIDER [--at TIME] [--url URL] [-o FILE]",
      "Asks the node of PROVIDER's country's authority (only it holds the signing key) for the\n"
      "W3C Bitstring Status List credential of PROVIDER's revocations in force as of TIME (now\n"
      "by default): 1,048,576 entries, the bit of each revocation's status index set, signed\n"
      "eddsa-jcs-2022 by the did:key of the node's key (PROTOCOL.md 13.7). --url is the list's\n"
      "id, the URL the provider's credentials name as statusListCredential (the gateway serves\n"
      "the list at /v1/status/PROVIDER); without it the id is urn:recnet:status:PROVIDER.\n"
      "Writes the credential to FILE (-o, replaced if it exists) and prints what it holds, or\n"
      "prints the credential. Exit 0; 1 when the node holds no such provider as of TIME.",
      opts_status_list, 1, 1, false, cmd_status_list_export, 0 },
    { "proof get", "recognise, and save the proof bundle to a file",
      "SPEC COUNTRY PURPOSE [--at TIME] [--valid-at TIME] [--witnessed N] [--signed FILE] -o FILE",
      "--witnessed N asks for a witnessed bundle (version 2): for every author it rests on, the\n"
      "node's newest checkpoint covering it with at least N cosignatures (the node refuses,\n"
      "naming how many it has, when there is none). --signed FILE also saves the node's signed\n"
      "answer.",
      opts_proof_get, 3, 3, false, cmd_proof_get, 0 },
    { "proof verify", "check a proof bundle offline, with only the roster",
      "FILE --roster ROSTER | --genesis GENESIS [--change CHANGE]... [--witnesses N] [--max-age D]",
      "ROSTER is the federation's roster file (or its canonical MessagePack encoding); GENESIS\n"
      "and the CHANGEs, in version order, are its governed roster (recnetctl roster genesis,\n"
      "propose, approve), against which a bundle made under a key since rotated or removed still\n"
      "verifies, and an entry of a compromised key past its last trusted one does not\n"
      "(RN_ESUPERSEDED). Prints the answer and the entries it rests on. Exit 0 when the bundle\n"
      "verifies, 1 when it does not.\n"
      "A witnessed bundle (PROTOCOL.md 5.5) also carries signed checkpoints, verified against the\n"
      "current roster; with --witnesses N each author of its entries must be covered by a\n"
      "checkpoint cosigned by at least N members other than its signer, and with --max-age D\n"
      "(90s, 10m, 1h, 7d) one at most D old.",
      opts_proof_verify, 1, 1, true, cmd_proof_verify, 0 },
    { "log", "entries of an author's log, as JSON records", "AUTHOR [--from SEQ] [--max N]",
      "AUTHOR is a key rn1:... or a country code (its authority in the node's roster).", opts_log,
      1, 1, false, cmd_log, 0 },
    { "heads", "the head of every log the node holds", "", NULL, opts_none, 0, 0, false, cmd_heads,
      0 },
    { "peers", "the node's peers and their lag", "", NULL, opts_none, 0, 0, false, cmd_peers, 0 },
    { "status", "the node's identity, logs, forks, peers and counters", "", NULL, opts_none, 0, 0,
      false, cmd_status, 0 },
    { "check", "check the whole replica against its own entries", "",
      "Reads every entry: each must match its id, every log be complete and linked, every index\n"
      "hold exactly what its entries imply. The node answers nothing else meanwhile. Exit 0 when\n"
      "the replica is consistent, 5 naming the first damaged entry otherwise.",
      opts_none, 0, 0, false, cmd_check, 0 },
    { "registry import", "migrate an authority's registry (JSON Lines or CSV) into its log",
      "FILE [--format jsonl|csv] [--dry-run] [--skip-invalid] [--batch N]",
      "Reads every record of FILE (\"-\" for standard input): JSON Lines, one record a line as\n"
      "`<kind> publish` reads it with a \"kind\" member, or CSV (FILE ending in .csv, or\n"
      "--format csv) with a header row naming a \"kind\" column and the fields' columns, a cell\n"
      "being what the field's flag takes (cli/README.md, \"Registry import\"). Every record is\n"
      "checked as the publish commands check one, and its references (a spec's provider, a\n"
      "decision's spec, ...) must be earlier in the file or on the node. Every refused line is\n"
      "named with its line number and field, and nothing is published (exit 3) unless\n"
      "--skip-invalid. A record's lines with one id are its versions, published in order.\n"
      "The rest is published in batches of up to --batch records (default and most 1024), one\n"
      "durable commit each; versions the node's log already holds are skipped, so a run that\n"
      "was interrupted is finished by running it again, and a finished one publishes nothing.\n"
      "A progress bar goes to stderr when it is a terminal, a summary to stdout.\n"
      "  -n, --dry-run    check, and count what would be published, publish nothing\n"
      "  --skip-invalid   publish the valid records, leaving out the refused lines",
      opts_registry_import, 1, 1, false, cmd_registry_import, 0 },
    { "checkpoint get", "the node's newest signed checkpoint and its witnesses", "[-o FILE]",
      "Asks the node for its newest checkpoint (PROTOCOL.md 16: the head of each author it\n"
      "holds, signed at a time) with the cosignatures its peers sent as witnesses, and prints\n"
      "it; -o FILE saves its exact bytes, for checkpoint verify. Exit 0; 1 when the node has\n"
      "none yet ([node] checkpoint_interval 0, or no log held).",
      opts_output_only, 0, 0, false, cmd_checkpoint_get, 0 },
    { "checkpoint verify", "check a signed checkpoint and its witnesses offline",
      "FILE --roster ROSTER [--witnesses N]",
      "FILE is a signed checkpoint (PROTOCOL.md 16): a node's statement of the head of each\n"
      "author's log it holds at a time, and the cosignatures of the witnesses that checked it.\n"
      "Prints its heads and its witnesses. Exit 0 when it is signed by a member, every\n"
      "cosignature verifies and at least N (default 0) are by members other than the signer;\n"
      "1 otherwise; 3 when FILE is not a checkpoint.",
      opts_checkpoint_verify, 1, 1, false, cmd_checkpoint_verify, 0 },
    { "answer verify", "check a node's signed answer offline",
      "FILE --roster ROSTER [--headers HEADERS]",
      "FILE is a signed answer (PROTOCOL.md 16.5): the control API's result for a query asked\n"
      "with signed: true, or the gateway's body with ?signed=1. With --headers, FILE is a JSON\n"
      "answer of the gateway and HEADERS the response headers that sign it, asked with the\n"
      "request header Recnet-Sign: 1 (curl -H 'Recnet-Sign: 1' -D HEADERS -o FILE URL).\n"
      "Prints the answer, who signed it and when. Exit 0 when the signer is a member and the\n"
      "signature verifies, 1 otherwise, 3 when FILE is not a signed answer.",
      opts_answer_verify, 1, 1, false, cmd_answer_verify, 0 },
};

#define COMMANDS_N (sizeof(commands) / sizeof(commands[0]))

/* ---- Messages ---- */

static const char *const exit_help =
    "Exit codes:\n"
    "  0  done; a positive answer\n"
    "  1  a negative answer: not recognised, no decision, credential not valid, pathway not\n"
    "     complete, proof does not verify, not found\n"
    "  2  usage error\n"
    "  3  refused input: invalid record, bad JSON, malformed value\n"
    "  4  node unreachable\n"
    "  5  other error\n";

/* The error a run reports, kept for the JSON error object that --json prints on stdout. The
 * first error of a run is its cause: later ones are not kept. */
static struct {
    bool set;
    int exit_code;
    int rn;                      /* the RN_E code, 0 when none applies */
    char message[1024];          /* as printed after "recnetctl: " */
    char field[REC_FIELD_BYTES]; /* "" when none */
    long index;                  /* 0-based position in the list `field` names, -1 for none */
} last_err;

static void err_keep(int code, int rn, const char *field, long index, const char *fmt, va_list ap)
{
    if (last_err.set)
        return;
    last_err.set = true;
    last_err.exit_code = code;
    last_err.rn = rn;
    vsnprintf(last_err.message, sizeof(last_err.message), fmt, ap);
    snprintf(last_err.field, sizeof(last_err.field), "%s", field != NULL ? field : "");
    last_err.index = index;
}

int cli_fail_rn(int code, int rn, const char *field, long index, const char *fmt, ...)
{
    va_list ap;
    fputs("recnetctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    va_start(ap, fmt);
    err_keep(code, rn, field, index, fmt, ap);
    va_end(ap);
    return code;
}

int cli_fail(int code, const char *fmt, ...)
{
    va_list ap;
    fputs("recnetctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    va_start(ap, fmt);
    err_keep(code, 0, NULL, -1, fmt, ap);
    va_end(ap);
    return code;
}

int cli_usage(const cli_cmd *cmd, const char *fmt, ...)
{
    va_list ap;
    fputs("recnetctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    va_start(ap, fmt);
    err_keep(CLI_USAGE, 0, NULL, -1, fmt, ap);
    va_end(ap);
    if (cmd != NULL)
        fprintf(stderr, "usage: recnetctl %s %s\n", cmd->name, cmd->usage);
    else
        fputs("usage: recnetctl [-d DATA_DIR | -s SOCKET] [--json] COMMAND [ARGS]; "
              "see recnetctl help\n",
              stderr);
    return CLI_USAGE;
}

/* --json: the error of a failed run as one JSON object on stdout (cli/README.md, "Errors under
 * --json"). */
static void err_json_print(int rc)
{
    json_t *o = json_object(), *e = json_object();
    if (o == NULL || e == NULL) {
        json_decref(o);
        json_decref(e);
        return;
    }
    json_object_set_new(e, "exit", json_integer(rc));
    json_object_set_new(e, "name",
                        last_err.rn != 0 ? json_string(rn_err_name(last_err.rn)) : json_null());
    json_object_set_new(e, "message", json_string(last_err.message));
    json_object_set_new(e, "field",
                        last_err.field[0] != '\0' ? json_string(last_err.field) : json_null());
    json_object_set_new(e, "index",
                        last_err.index >= 0 ? json_integer(last_err.index) : json_null());
    json_object_set_new(o, "error", e);
    cli_json_print(o);
    json_decref(o);
}

static void help_all(FILE *f)
{
    fputs("recnetctl: the operators' and verifiers' command line of a recnet node\n\n"
          "usage: recnetctl [-d DATA_DIR | -s SOCKET] [--json] COMMAND [ARGS]\n\n"
          "  -d DATA_DIR  the node's data directory (its control socket is DATA_DIR/control.sock;\n"
          "               default $RECNET_DIR)\n"
          "  -s SOCKET    the control socket itself (default $RECNET_SOCKET)\n"
          "  --json       print JSON for scripts instead of tables (and errors as\n"
          "               {\"error\": {...}} on stdout)\n"
          "  --version    print recnetctl's version\n\n"
          "Commands:\n",
          f);
    for (size_t i = 0; i < COMMANDS_N; i++)
        fprintf(f, "  %-19s %s\n", commands[i].name, commands[i].summary);
    fputs("  help [COMMAND]      this text, or a command's\n\n", f);
    fputs(exit_help, f);
}

static void help_cmd(const cli_cmd *cmd)
{
    printf("usage: recnetctl %s %s\n\n%s.\n", cmd->name, cmd->usage, cmd->summary);
    if (cmd->help != NULL)
        printf("\n%s\n", cmd->help);
    if (cmd->fn == cmd_publish) {
        putchar('\n');
        rec_fields_help(cmd->kind, stdout);
    }
    printf("\nGlobal options: -d DATA_DIR, -s SOCKET, --json.\n");
}

/* The commands whose name starts with `group` and a space ("query ..."). */
static bool help_group(const char *group)
{
    size_t n = strlen(group);
    bool any = false;
    for (size_t i = 0; i < COMMANDS_N; i++) {
        if (strncmp(commands[i].name, group, n) == 0 && commands[i].name[n] == ' ') {
            if (!any)
                printf("recnetctl %s commands:\n", group);
            printf("  %-19s %s\n", commands[i].name, commands[i].summary);
            any = true;
        }
    }
    return any;
}

/* ---- Options ---- */

unsigned cli_opt(const cli_cmd *cmd, const char *name)
{
    for (unsigned i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
        RN_ASSERT(i < CLI_OPTS_MAX); /* a table longer than cli_args holds */
        if (strcmp(cmd->opts[i].name, name) == 0)
            return i;
    }
    RN_ASSERT(!"no such option");
    return 0;
}

const char *cli_optval(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    return a->val[cli_opt(cmd, name)];
}

bool cli_optset(const cli_cmd *cmd, const cli_args *a, const char *name)
{
    return a->set[cli_opt(cmd, name)];
}

/* Global options, recognised anywhere. Returns 1 if argv[*i] was one (consuming its value), 0 if
 * not, or -1 for a usage error. */
static int global_opt(cli *c, int argc, char **argv, int *i, bool *help)
{
    const char *s = argv[*i];
    if (strcmp(s, "--json") == 0) {
        c->json = true;
        return 1;
    }
    if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
        *help = true;
        return 1;
    }
    bool dir = strcmp(s, "-d") == 0 || strcmp(s, "--data-dir") == 0;
    bool sock = strcmp(s, "-s") == 0 || strcmp(s, "--socket") == 0;
    if (!dir && !sock)
        return 0;
    if (*i + 1 >= argc) {
        cli_usage(NULL, "%s needs a value", s);
        return -1;
    }
    (*i)++;
    if (dir)
        c->data_dir = argv[*i];
    else
        c->socket = argv[*i];
    return 1;
}

static const cli_optdef *find_opt(const cli_cmd *cmd, const char *name, size_t len, char shortc,
                                  unsigned *index)
{
    for (unsigned i = 0; cmd->opts != NULL && cmd->opts[i].name != NULL; i++) {
        const cli_optdef *o = &cmd->opts[i];
        RN_ASSERT(i < CLI_OPTS_MAX); /* a table longer than cli_args holds */
        if ((shortc != 0 && o->shortc == shortc) ||
            (shortc == 0 && strlen(o->name) == len && strncmp(o->name, name, len) == 0)) {
            *index = i;
            return o;
        }
    }
    return NULL;
}

/* Parses the arguments after the command name. Returns 0, or CLI_USAGE (message printed). */
static int parse_args(cli *c, const cli_cmd *cmd, int argc, char **argv, int first, cli_args *a,
                      bool *help)
{
    bool only_pos = false;
    memset(a, 0, sizeof(*a));
    for (int i = first; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || s[0] != '-' || strcmp(s, "-") == 0) {
            if (a->pos_n >= CLI_POS_MAX || a->pos_n >= cmd->pos_max)
                return cli_usage(cmd, "too many arguments (at \"%s\")", s);
            a->pos[a->pos_n++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = true;
            continue;
        }
        int g = global_opt(c, argc, argv, &i, help);
        if (g < 0)
            return CLI_USAGE;
        if (g > 0)
            continue;
        const char *name = NULL, *inline_val = NULL;
        size_t len = 0;
        char shortc = 0;
        if (s[1] == '-') {
            name = s + 2;
            const char *eq = strchr(name, '=');
            len = eq != NULL ? (size_t)(eq - name) : strlen(name);
            inline_val = eq != NULL ? eq + 1 : NULL;
        } else if (s[2] == '\0') {
            shortc = s[1];
        } else {
            return cli_usage(cmd, "unknown option %s", s);
        }
        unsigned idx;
        const cli_optdef *o = find_opt(cmd, name, len, shortc, &idx);
        if (o == NULL && cmd->any_flags && name != NULL && len > 0) {
            /* publish: --<field> VALUE */
            const char *v = inline_val;
            if (v == NULL) {
                if (i + 1 >= argc)
                    return cli_usage(cmd, "%s needs a value", s);
                v = argv[++i];
            }
            if (a->extra_n >= CLI_EXTRA_MAX)
                return cli_usage(cmd, "too many field flags");
            a->extra_name[a->extra_n] = name; /* may end in "=VALUE": cmd_publish cuts it */
            a->extra_val[a->extra_n++] = v;
            continue;
        }
        if (o == NULL)
            return cli_usage(cmd, "unknown option %s", s);
        a->set[idx] = true;
        if (!o->arg) {
            if (inline_val != NULL)
                return cli_usage(cmd, "--%s takes no value", o->name);
            continue;
        }
        if (inline_val != NULL) {
            a->val[idx] = inline_val;
        } else {
            if (i + 1 >= argc)
                return cli_usage(cmd, "%s needs a value", s);
            a->val[idx] = argv[++i];
        }
    }
    return 0;
}

/* Finds the command named by argv[i] (and argv[i + 1] for two-word commands). *words gets 1 or
 * 2. NULL when none. */
static const cli_cmd *find_cmd(int argc, char **argv, int i, int *words)
{
    if (i + 1 < argc) {
        size_t n0 = strlen(argv[i]);
        for (size_t k = 0; k < COMMANDS_N; k++) {
            const char *name = commands[k].name;
            if (strncmp(name, argv[i], n0) == 0 && name[n0] == ' ' &&
                strcmp(name + n0 + 1, argv[i + 1]) == 0) {
                *words = 2;
                return &commands[k];
            }
        }
    }
    for (size_t k = 0; k < COMMANDS_N; k++) {
        if (strcmp(commands[k].name, argv[i]) == 0) {
            *words = 1;
            return &commands[k];
        }
    }
    return NULL;
}

const char *cli_socket(cli *c)
{
    if (c->socket != NULL)
        return c->socket;
    if (c->data_dir == NULL) {
        cli_usage(NULL, "which node? give -d DATA_DIR or -s SOCKET (or set RECNET_DIR)");
        return NULL;
    }
    int n = snprintf(c->socket_buf, sizeof(c->socket_buf), "%s/control.sock", c->data_dir);
    if (n < 0 || (size_t)n >= sizeof(c->socket_buf)) {
        cli_usage(NULL, "data directory path too long");
        return NULL;
    }
    return c->socket_buf;
}

static int cli_run(cli *cp, int argc, char **argv)
{
    cli_args *a = NULL;
    bool help = false;
    int i = 1, words = 0, rc;
    memset(cp, 0, sizeof(*cp));
    memset(&last_err, 0, sizeof(last_err));
    cp->data_dir = getenv("RECNET_DIR");
    cp->socket = getenv("RECNET_SOCKET");

    /* Global options before the command. */
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("recnetctl %s\n", RN_VERSION);
            return CLI_OK;
        }
        int g = global_opt(cp, argc, argv, &i, &help);
        if (g < 0)
            return CLI_USAGE;
        if (g == 0)
            return cli_usage(NULL, "unknown option %s", argv[i]);
    }
    if (i >= argc) {
        if (help) {
            help_all(stdout);
            return CLI_OK;
        }
        help_all(stderr);
        return CLI_USAGE;
    }
    if (strcmp(argv[i], "help") == 0) {
        if (i + 1 >= argc) {
            help_all(stdout);
            return CLI_OK;
        }
        const cli_cmd *h = find_cmd(argc, argv, i + 1, &words);
        if (h != NULL) {
            help_cmd(h);
            return CLI_OK;
        }
        if (help_group(argv[i + 1]))
            return CLI_OK;
        return cli_usage(NULL, "no command \"%s\"", argv[i + 1]);
    }
    const cli_cmd *cmd = find_cmd(argc, argv, i, &words);
    if (cmd == NULL) {
        for (int k = i + 1; k < argc; k++)
            help = help || strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0;
        if (help_group(argv[i]))
            return help ? CLI_OK : CLI_USAGE; /* "recnetctl query" alone is a usage error */
        return cli_usage(NULL, "no command \"%s\"", argv[i]);
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    rc = parse_args(cp, cmd, argc, argv, i + words, a, &help);
    if (rc == 0 && help) {
        help_cmd(cmd);
        rc = CLI_OK;
        goto out;
    }
    if (rc != 0)
        goto out;
    if (a->pos_n < cmd->pos_min) {
        rc = cli_usage(cmd, "missing arguments");
        goto out;
    }
    rc = cmd->fn(cp, cmd, a);
out:
    free(a);
    return rc;
}

int cli_main(int argc, char **argv)
{
    cli c;
    int rc = cli_run(&c, argc, argv);
    if (c.json && rc != CLI_OK && last_err.set)
        err_json_print(rc);
    fflush(stdout);
    return rc;
}

/* ---- Files ---- */

int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *why,
                  size_t why_len)
{
    bool in = strcmp(path, "-") == 0;
    FILE *f = in ? stdin : fopen(path, "rb");
    uint8_t *b = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return RN_EIO;
    }
    for (;;) {
        if (cap - n < 4096) {
            size_t ncap = cap == 0 ? 8192 : cap * 2;
            if (ncap > max + 4096)
                ncap = max + 4096;
            uint8_t *nb = ncap > cap ? realloc(b, ncap + 1) : NULL;
            if (nb == NULL) {
                snprintf(why, why_len, "%s: %s", path,
                         ncap > cap ? "out of memory" : "file too large");
                rc = ncap > cap ? RN_EIO : RN_ETOOBIG;
                break;
            }
            b = nb;
            cap = ncap;
        }
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n > max) {
            snprintf(why, why_len, "%s: larger than %zu bytes", path, max);
            rc = RN_ETOOBIG;
            break;
        }
        if (got == 0) {
            if (ferror(f)) {
                snprintf(why, why_len, "%s: %s", path, strerror(errno));
                rc = RN_EIO;
            }
            break;
        }
    }
    if (!in)
        fclose(f);
    if (rc < 0) {
        free(b);
        return rc;
    }
    if (b == NULL) {
        b = malloc(1);
        if (b == NULL) {
            snprintf(why, why_len, "out of memory");
            return RN_EIO;
        }
    }
    b[n] = 0;
    *buf = b;
    *len = n;
    return 0;
}

/* ---- Output ---- */

void cli_json_print(json_t *j)
{
    char *t = api_json_text(j);
    if (t != NULL)
        fputs(t, stdout);
    free(t);
}

void cli_table_init(cli_table *t, unsigned cols)
{
    RN_ASSERT(cols > 0 && cols <= CLI_TABLE_COLS);
    memset(t, 0, sizeof(*t));
    t->cols = cols;
}

void cli_table_row(cli_table *t, ...)
{
    va_list ap;
    if (t->err != 0)
        return;
    if (t->rows == t->cap) {
        size_t ncap = t->cap == 0 ? 16 : t->cap * 2;
        char **nc = realloc(t->cells, ncap * t->cols * sizeof(char *));
        if (nc == NULL) {
            t->err = RN_ENOMEM;
            return;
        }
        t->cells = nc;
        t->cap = ncap;
    }
    va_start(ap, t);
    for (unsigned i = 0; i < t->cols; i++) {
        const char *s = va_arg(ap, const char *);
        char *copy = strdup(s != NULL ? s : "-");
        if (copy == NULL) {
            /* keep the table consistent: fill the rest with NULL and mark the error */
            t->err = RN_ENOMEM;
            for (unsigned k = i; k < t->cols; k++)
                t->cells[t->rows * t->cols + k] = NULL;
            t->rows++;
            va_end(ap);
            return;
        }
        t->cells[t->rows * t->cols + i] = copy;
    }
    va_end(ap);
    t->rows++;
}

void cli_table_print(const cli_table *t)
{
    size_t w[CLI_TABLE_COLS] = { 0 };
    for (size_t r = 0; r < t->rows; r++) {
        for (unsigned k = 0; k < t->cols; k++) {
            const char *s = t->cells[r * t->cols + k];
            size_t n = s != NULL ? strlen(s) : 0;
            if (n > w[k])
                w[k] = n;
        }
    }
    for (size_t r = 0; r < t->rows; r++) {
        for (unsigned k = 0; k < t->cols; k++) {
            const char *s = t->cells[r * t->cols + k];
            if (k + 1 == t->cols)
                printf("%s", s != NULL ? s : "");
            else
                printf("%-*s  ", (int)w[k], s != NULL ? s : "");
        }
        putchar('\n');
    }
}

void cli_table_free(cli_table *t)
{
    for (size_t i = 0; i < t->rows * t->cols; i++)
        free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

void cli_kv(int width, const char *label, const char *fmt, ...)
{
    va_list ap;
    printf("%-*s  ", width, label);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}
