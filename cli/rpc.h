/*
 * rpc.h: recnetctl's MessagePack-RPC client of the node's control socket (PROTOCOL.md section 12).
 *
 * One call is one connection: connect to the Unix socket, send [0, msgid, method, params], read
 * until one complete response [1, msgid, error, result] has arrived (at most
 * RN_CONTROL_RESPONSE_BYTES_MAX bytes, within RPC_TIMEOUT_MS), close. Requests are written and
 * responses read by the control API's codec (proto/ctl.h), the one the node uses; method names
 * are the table's CTL_ constants.
 *
 * Results are shown to people and scripts as JSON: rpc_to_json converts a result with the
 * conventions of the control API (keys as rn1:..., ids and digests as hex, times as ISO 8601
 * text, hundredths of ECTS as decimal ECTS).
 */
#ifndef RN_CLI_RPC_H
#define RN_CLI_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/ctl.h"
#include "proto/error.h"
#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/record.h"

/* How long a call waits for the node's answer. */
#define RPC_TIMEOUT_MS 30000

/* A response. `buf` is owned; `result` points into it. */
typedef struct rpc_resp {
    uint8_t *buf;
    size_t len;
    uint64_t msgid;
    bool is_error;
    int code;      /* the error's code (negative), when is_error */
    char name[32]; /* "RN_EEQF" */
    char message[256];
    char field[96]; /* "" when none */
    bool has_index;
    uint32_t index; /* 0-based position in the list `field` names */
    mp_cur result;  /* the result value (nil when is_error) */
} rpc_resp;

/*
 * Parses a complete response in buf[0..len) into *r (r->buf is not set: the caller owns buf)
 * with ctl_response_decode, copying the error's strings for people (truncated to fit, control
 * characters replaced). Returns 0; RN_ETRUNCATED when more bytes are needed; RN_ETRAILING when
 * bytes follow the response; or the other errors of ctl_response_decode for a malformed one.
 */
RN_MUST_USE int rpc_response_parse(const uint8_t *buf, size_t len, rpc_resp *r);

/*
 * Calls `method` (a CTL_ name of proto/ctl.h) with the encoded params array
 * params[0..params_len) on the node at `socket`. Returns 0 with *r filled (the node may have
 * answered with an error: r->is_error), or RN_EINVAL (a method the table does not have),
 * RN_EIO (cannot connect, send or receive, or no answer in time; `why` says what),
 * RN_ETOOBIG (the response passes RN_CONTROL_RESPONSE_BYTES_MAX), or a parse error of a
 * malformed response. Free r with rpc_resp_free in every case.
 */
RN_MUST_USE int rpc_call(const char *socket, const char *method, const uint8_t *params,
                         size_t params_len, rpc_resp *r, char *why, size_t why_len);

void rpc_resp_free(rpc_resp *r);

/* Finds the value of string key `key` in the map at `map` (not consumed). Returns true and sets
 * *val when found. */
bool rpc_map_get(mp_cur map, const char *key, mp_cur *val);

/* The result value converted to JSON (new reference), or NULL if it does not parse. */
json_t *rpc_to_json(mp_cur v);

/* The exit code an error response deserves (cli.h): refused input, a negative answer, or an
 * error. */
int rpc_exit_code(const rpc_resp *r);

struct cli;

/*
 * The call of a subcommand: rpc_call on the socket of `c` with the params array in `params`.
 * Returns CLI_OK with *r holding the result, or an exit code with the reason printed (the node's
 * error, an unreachable node, a malformed response). Free r with rpc_resp_free in every case.
 */
int cli_call(struct cli *c, const char *method, const mp_buf *params, rpc_resp *r);

/*
 * The latest version as of `at_ms` (UINT64_MAX for now) of the record of kind `kind` whose id is
 * `id`, through the node's `record` method. The entry's signature is checked against its author.
 * Returns CLI_OK with *buf (malloc'd, the caller frees it) holding the entry, *e and *rec decoded
 * from it (borrowing *buf); CLI_NEGATIVE when the node holds no such record (or predates the
 * `record` method), with nothing printed; or an exit code with the reason printed.
 */
int cli_record_get(struct cli *c, proto_kind kind, const char *id, uint64_t at_ms, uint8_t **buf,
                   proto_entry *e, proto_record *rec);

#endif /* RN_CLI_RPC_H */
