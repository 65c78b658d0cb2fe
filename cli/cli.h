/*
 * cli.h: what the parts of recnetctl share: the exit codes, the global options, the one table of
 * subcommands and its option parser, and the output helpers (aligned tables for people, JSON for
 * scripts).
 *
 * Every subcommand is a row of the table in cli.c: its name ("query recognise"), a summary, its
 * usage and help text, its options, how many positional arguments it takes, and its handler. The
 * dispatcher parses the options of the row before the handler runs, so a handler starts from
 * arguments that are known to be there; `--help` works on every row, and `recnetctl help` lists
 * them all. Handlers return one of the exit codes below.
 */
#ifndef RN_CLI_CLI_H
#define RN_CLI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "conf/roster.h"
#include "proto/entry.h"
#include "proto/error.h"

/* Exit codes (cli/README.md and `recnetctl help` list them). */
enum {
    CLI_OK = 0,          /* done; a positive answer */
    CLI_NEGATIVE = 1,    /* a negative answer: not recognised, no decision, credential not
                            valid, pathway not complete, proof does not verify, not found */
    CLI_USAGE = 2,       /* bad command line */
    CLI_REFUSED = 3,     /* refused input: an invalid record, bad JSON, a malformed value */
    CLI_UNREACHABLE = 4, /* the node's control socket cannot be reached or did not answer */
    CLI_ERROR = 5,       /* anything else: a file that cannot be written, a node-side error */
};

/* Bounds of the command line. */
#define CLI_OPTS_MAX   32u  /* options of one subcommand (spec import has 25) */
#define CLI_POS_MAX    80u  /* positional arguments (stack takes up to 64 spec ids) */
#define CLI_EXTRA_MAX  128u /* --<field> VALUE pairs of a publish command */
#define CLI_PATH_BYTES 1024u

/* One option of a subcommand: "--name VALUE" (arg) or "--name"; `shortc` is a one-letter alias
 * ("-o") or 0. */
typedef struct cli_optdef {
    const char *name;
    char shortc;
    bool arg;
} cli_optdef;

/* A parsed command line. */
typedef struct cli_args {
    unsigned pos_n;
    const char *pos[CLI_POS_MAX];
    const char *val[CLI_OPTS_MAX]; /* value of option i (its last occurrence), or NULL */
    bool set[CLI_OPTS_MAX];        /* option i was given */
    unsigned extra_n;              /* publish: --<field> VALUE pairs, in order */
    const char *extra_name[CLI_EXTRA_MAX];
    const char *extra_val[CLI_EXTRA_MAX];
} cli_args;

/* The global options and the state of one run. */
typedef struct cli {
    const char *data_dir; /* -d DIR, or $RECNET_DIR */
    const char *socket;   /* -s SOCKET, or $RECNET_SOCKET; else <data_dir>/control.sock */
    bool json;            /* --json */
    char socket_buf[CLI_PATH_BYTES];
} cli;

struct cli_cmd;
typedef int (*cli_fn)(cli *c, const struct cli_cmd *cmd, cli_args *a);

typedef struct cli_cmd {
    const char *name;       /* "query recognise" */
    const char *summary;    /* one line */
    const char *usage;      /* after the name: "SPEC COUNTRY PURPOSE [--at TIME]" */
    const char *help;       /* the options and what the command prints; may be NULL */
    const cli_optdef *opts; /* ended by a NULL name; may be NULL */
    unsigned pos_min, pos_max;
    bool any_flags; /* accepts --<field> VALUE for the record's fields */
    cli_fn fn;
    proto_kind kind; /* publish: the record kind */
} cli_cmd;

/* Runs recnetctl with argv[0 .. argc) (argv[0] the program name). Returns the exit code. */
int cli_main(int argc, char **argv);

/* The index of option `name` in cmd->opts (a programmer error if absent). */
unsigned cli_opt(const cli_cmd *cmd, const char *name);
/* The value of option `name`, or NULL when not given. */
const char *cli_optval(const cli_cmd *cmd, const cli_args *a, const char *name);
bool cli_optset(const cli_cmd *cmd, const cli_args *a, const char *name);

/* Prints "recnetctl: <message>" to stderr and returns `code`. The first error of a run is also
 * kept: under --json, cli_main prints it on stdout as {"error": {"exit", "name", "message",
 * "field", "index"}} (cli/README.md, "Errors under --json"). */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As cli_fail, naming the RN_E code `rn` (0 for none), the field at fault (NULL for none) and the
 * 0-based position in the list it names (-1 for none). */
int cli_fail_rn(int code, int rn, const char *field, long index, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* A usage error for `cmd`: the message and its usage line. Returns CLI_USAGE. */
int cli_usage(const cli_cmd *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The control socket path, or NULL with a usage message printed. */
const char *cli_socket(cli *c);

/* Reads the whole file `path` ("-" for standard input), at most `max` bytes, into a malloc'd
 * buffer with a NUL after its last byte. Returns 0, RN_EIO or RN_ETOOBIG, with `why` set. */
RN_MUST_USE int cli_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *why,
                              size_t why_len);

/* Prints `j` as indented JSON on stdout (ECTS with their two decimals). */
void cli_json_print(json_t *j);

/* ---- Aligned tables ---- */

#define CLI_TABLE_COLS 12u /* the widest table: peers, 12 columns */

typedef struct cli_table {
    unsigned cols;
    size_t rows, cap; /* rows used and allocated */
    char **cells;     /* rows * cols strings, owned */
    int err;          /* RN_ENOMEM once a row could not be added */
} cli_table;

void cli_table_init(cli_table *t, unsigned cols);
/* Adds a row of `cols` strings (copied; NULL prints as "-"). */
void cli_table_row(cli_table *t, ...);
/* Prints the rows with each column as wide as its widest cell, the first row being the header. */
void cli_table_print(const cli_table *t);
void cli_table_free(cli_table *t);

/* Prints "label  value" with the labels of a block aligned to `width`. */
void cli_kv(int width, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The subcommands' handlers (cmd_*.c). */
int cmd_init(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_keygen(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_show(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_add(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_publish(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_recognise(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_search(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_verify(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_stack(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_matrix(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_report(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_proof_get(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_status_list_export(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_proof_verify(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_log(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_peers(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_status(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_check(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_heads(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_spec_import(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_credential_issue(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_credential_verify(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_credential_check(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_record_show(cli *c, const cli_cmd *cmd, cli_args *a); /* spec show, provider show */
int cmd_spec_export(cli *c, const cli_cmd *cmd, cli_args *a); /* cmd_export.c */
int cmd_registry_import(cli *c, const cli_cmd *cmd, cli_args *a);
/* The governed roster (cmd_roster.c); roster show takes a roster file or a chain. */
int cmd_roster_show_any(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_genesis(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_propose(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_approve(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_roster_verify(cli *c, const cli_cmd *cmd, cli_args *a);
/* Checkpoints and signed answers (cmd_witness.c); the durations of --max-age ("90s", "10m",
 * "1h", "7d", "250ms") in ms: 0 or RN_EINVAL. */
/* A roster for offline checks: the federation's roster file (INI, then owned by `file`), or its
 * canonical MessagePack encoding (then owned by `out`: file->count is 0). Returns CLI_OK, or
 * CLI_REFUSED / CLI_ERROR with the reason printed. */
int cli_roster_load(const char *path, proto_roster *out, nodeconf_roster *file);

int cmd_checkpoint_get(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_checkpoint_verify(cli *c, const cli_cmd *cmd, cli_args *a);
int cmd_answer_verify(cli *c, const cli_cmd *cmd, cli_args *a);
int cli_duration_parse(const char *s, uint64_t *ms);

/* What the answers of recognise and verify say, for people (cmd_query.c): the width of their
 * labels; the recognition map (the spec, its provider, their statuses, the result and its
 * terms); the sentence for a verification's spec_reason and issuer_reason (into buf). */
#define CLI_ANSWER_WIDTH 11
void cli_print_recognition(json_t *recognition, int width);
const char *cli_spec_says(json_t *verification, char *buf, size_t cap);
const char *cli_issuer_says(json_t *verification, char *buf, size_t cap);

/* Whether a recognition map (the result of recognise, the `recognition` of verify) is a positive
 * answer: its result and outcome names decoded to their numbers, then proto_answer_recognises
 * (proto/rules.h). A map whose names are missing or unknown does not recognise. The one test of
 * every command whose exit code says "recognised". */
bool cli_recognition_recognises(json_t *recognition);

#endif /* RN_CLI_CLI_H */
