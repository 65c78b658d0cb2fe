/*
 * ctl.h: the control API's method table and its request and response codec (PROTOCOL.md section
 * 12), without I/O, as wire.h is for peers.
 *
 * The control API is one table of methods: for each, its name, its parameters (name, type,
 * whether nil is accepted and the parameter may be left out at the end), whether it writes (authors
 * an entry: the node's own authority only), whether it reads the replica (the caller opens one
 * read transaction for the request before the method runs), and whether it is public (safe to
 * answer to anyone, read-only: what a gateway for verifiers may expose). Every transport takes
 * its methods from this table: the Unix control socket (node/control.c, MessagePack-RPC) today,
 * and an HTTP/JSON gateway can map a path and its query parameters to a row and its parameters,
 * build the MessagePack request with ctl_request_begin and hand it to the same dispatcher, so
 * that both transports check and refuse exactly the same requests.
 *
 * A request is [0, msgid, method, params] and a response [1, msgid, error, result], with exactly
 * one of error and result nil. ctl_request_decode checks a whole request before any method runs:
 * its shape, the method against the table, the parameter count, the type of each parameter and
 * the depth bound (PROTOCOL.md 12.1 lists the checks in their order); the method then reads
 * parameters that are known to be there and of their type. ctl_response_decode reads a response
 * for a client, the error map's negative code included (mp_read_int). Both go through the strict
 * cursor of mp.h and never allocate; what they hand back borrows the input.
 *
 * Method names are the CTL_<NAME> constants below: callers never spell a method as a bare string.
 */
#ifndef RN_CTL_H
#define RN_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "mp.h"
#include "record.h"

/* Parameters of the longest method (recognise, search, verify and stack have 6: the optional
 * valid time, PROTOCOL.md 14.1, then the optional request options, CTL_OPTIONS_PARAM). */
#define CTL_PARAMS_MAX 6u

/* The last parameter of the query methods: nil, or a map with string keys asking for a signed
 * answer (`signed`: bool) and, of the methods that give a proof bundle, a witnessed one
 * (`witnessed`: uint, the cosignatures each checkpoint must carry) (PROTOCOL.md 12.5). */
#define CTL_OPTIONS_PARAM "options"

/* The depth of a parameter within its request: [0, msgid, method, [param, ...]]. */
#define CTL_PARAM_DEPTH 2u

/* An error's field name and message, as a server writes them in the error map. */
#define CTL_FIELD_BYTES   64u
#define CTL_MESSAGE_BYTES 192u

/* The methods: X(ID, name). The order is the table's and PROTOCOL.md 12.2's. */
#define CTL_METHOD_MAP(X)                                                                          \
    X(STATUS, "status")                                                                            \
    X(CHECK, "check")                                                                              \
    X(PEERS, "peers")                                                                              \
    X(HEADS, "heads")                                                                              \
    X(LOG, "log")                                                                                  \
    X(ENTRY, "entry")                                                                              \
    X(FORK, "fork")                                                                                \
    X(RECORD, "record")                                                                            \
    X(ROSTER, "roster")                                                                            \
    X(PUBLISH, "publish")                                                                          \
    X(PROVIDER_PUBLISH, "provider.publish")                                                        \
    X(SPEC_PUBLISH, "spec.publish")                                                                \
    X(DECISION_PUBLISH, "decision.publish")                                                        \
    X(POLICY_PUBLISH, "policy.publish")                                                            \
    X(PATHWAY_PUBLISH, "pathway.publish")                                                          \
    X(REVOCATION_PUBLISH, "revocation.publish")                                                    \
    X(RECOGNISE, "recognise")                                                                      \
    X(SEARCH, "search")                                                                            \
    X(VERIFY, "verify")                                                                            \
    X(STACK, "stack")                                                                              \
    X(MATRIX, "matrix")                                                                            \
    X(REPORT, "report")                                                                            \
    X(PUBLISH_BATCH, "publish.batch")                                                              \
    X(STATUS_LIST, "status.list")                                                                  \
    X(ROSTER_SHOW, "roster.show")                                                                  \
    X(ROSTER_PROPOSE, "roster.propose")                                                            \
    X(ROSTER_APPROVE, "roster.approve")                                                            \
    X(CHECKPOINT_GET, "checkpoint.get")

/* CTL_M_STATUS ... : a method's row in the table. */
typedef enum ctl_method_id {
#define CTL_X_ID(id, name) CTL_M_##id,
    CTL_METHOD_MAP(CTL_X_ID)
#undef CTL_X_ID
        CTL_M_COUNT
} ctl_method_id;

/* CTL_STATUS "status", ...: the method names, for clients. */
#define CTL_STATUS             "status"
#define CTL_CHECK              "check"
#define CTL_PEERS              "peers"
#define CTL_HEADS              "heads"
#define CTL_LOG                "log"
#define CTL_ENTRY              "entry"
#define CTL_FORK               "fork"
#define CTL_RECORD             "record"
#define CTL_ROSTER             "roster"
#define CTL_PUBLISH            "publish"
#define CTL_PROVIDER_PUBLISH   "provider.publish"
#define CTL_SPEC_PUBLISH       "spec.publish"
#define CTL_DECISION_PUBLISH   "decision.publish"
#define CTL_POLICY_PUBLISH     "policy.publish"
#define CTL_PATHWAY_PUBLISH    "pathway.publish"
#define CTL_REVOCATION_PUBLISH "revocation.publish"
#define CTL_RECOGNISE          "recognise"
#define CTL_SEARCH             "search"
#define CTL_VERIFY             "verify"
#define CTL_STACK              "stack"
#define CTL_MATRIX             "matrix"
#define CTL_REPORT             "report"
#define CTL_PUBLISH_BATCH      "publish.batch"
#define CTL_STATUS_LIST        "status.list"
/* The governed roster, live (PROTOCOL.md 11.11, 12.3). */
#define CTL_ROSTER_SHOW    "roster.show"
#define CTL_ROSTER_PROPOSE "roster.propose"
#define CTL_ROSTER_APPROVE "roster.approve"
#define CTL_CHECKPOINT_GET "checkpoint.get"

/* The MessagePack type of a parameter (a JSON transport maps each to its own: str and key to a
 * string, bin to hex, uint to an integer, map to an object, array to an array). */
typedef enum ctl_type {
    CTL_T_NONE = 0,
    CTL_T_STR,   /* str */
    CTL_T_BIN,   /* bin */
    CTL_T_UINT,  /* uint */
    CTL_T_MAP,   /* map with str keys (a search filter, a verify claim) */
    CTL_T_ARRAY, /* array of `elem` */
    CTL_T_KEY,   /* a public key: bin of 32 bytes, or its text form "rn1:..." (str) */
} ctl_type;

typedef struct ctl_param {
    const char *name; /* as PROTOCOL.md 12.2 and the error's field name it */
    ctl_type type;
    ctl_type elem; /* the type of each element of a CTL_T_ARRAY, else CTL_T_NONE */
    bool optional; /* nil accepted, and the parameter may be left out at the end */
} ctl_param;

/* Method flags. */
enum {
    CTL_WRITES = 1u << 0, /* authors an entry: the node's own authority only (a mirror: RN_EROLE) */
    CTL_READS = 1u << 1,  /* reads the replica: one read transaction is opened for the request */
    CTL_PUBLIC = 1u << 2, /* read-only and about the federation's records, not the node's state
                             or its peers: safe to expose to anyone (a verifiers' gateway) */
};

typedef struct ctl_method {
    const char *name; /* CTL_<NAME> */
    ctl_method_id id;
    uint32_t flags;                   /* CTL_WRITES, CTL_READS, CTL_PUBLIC */
    proto_kind kind;                  /* the record kind of a <kind>.publish alias, else 0 */
    ctl_param params[CTL_PARAMS_MAX]; /* params_max of them, then rows with a NULL name */
} ctl_method;

/* The row of `id` (which must be below CTL_M_COUNT). Static. */
const ctl_method *ctl_method_get(ctl_method_id id);
/* The row named name[0..len), or NULL for none. Static. */
const ctl_method *ctl_method_find(const uint8_t *name, size_t len);
/* The <kind>.publish alias of a record kind, or NULL for none. Static. */
const ctl_method *ctl_method_publish(proto_kind kind);
/* How many parameters the method takes at most, and at least (up to its last non-optional). */
uint32_t ctl_params_max(const ctl_method *m);
uint32_t ctl_params_min(const ctl_method *m);
/* "a string", "an unsigned integer or nil", ...: the parameter's type in an error message. */
const char *ctl_param_type_text(const ctl_param *p);

/* ---- Errors ---- */

/* The error of a request, as the error map says it. */
typedef struct ctl_error {
    int code;                        /* negative RN_E code, 0 for none */
    char field[CTL_FIELD_BYTES];     /* "" for none */
    bool has_index;                  /* index present */
    uint32_t index;                  /* 0-based position within the list `field` names */
    char message[CTL_MESSAGE_BYTES]; /* "" for rn_strerror(code) */
} ctl_error;

/* Sets the code and the field (NULL for none; truncated to fit), clears the rest, and returns
 * the code. */
int ctl_error_set(ctl_error *e, int code, const char *field);
/* As ctl_error_set, with `message` (truncated to fit) in place of rn_strerror(code). */
int ctl_error_msg(ctl_error *e, int code, const char *field, const char *message);

/* ---- Requests ---- */

/* A decoded request. The cursors borrow the request's bytes. */
typedef struct ctl_request {
    uint64_t msgid;                /* 0 .. 2^32 - 1; 0 when it could not be read */
    const ctl_method *m;           /* the table's row */
    uint32_t params_n;             /* parameters given; the missing trailing ones are nil */
    mp_cur params[CTL_PARAMS_MAX]; /* each positioned at its parameter's value */
    const uint8_t *params_raw;     /* the params array, header included (a signed answer names
                                      the question by these bytes) */
    size_t params_raw_len;
} ctl_request;

/* The options of a request (CTL_OPTIONS_PARAM). */
typedef struct ctl_options {
    bool sign;          /* `signed`: answer with a signed answer (checkpoint.h) */
    uint32_t witnessed; /* `witnessed`: 0, or 1 .. RN_CHECKPOINT_COSIGS_MAX */
} ctl_options;

/*
 * Reads the options parameter of a decoded request into *o (all false and 0 when the method has
 * none or it is nil). Returns 0, or with *e filled (field "options" or "options.<key>"): RN_ETYPE
 * (a value of the wrong type), RN_EUNKNOWNFIELD (a key other than signed and witnessed),
 * RN_EFIELDORDER (a key twice), RN_ECOUNT (witnessed 0 or above RN_CHECKPOINT_COSIGS_MAX),
 * RN_EINVAL (witnessed asked of a method that gives no proof bundle).
 */
RN_MUST_USE int ctl_options_get(const ctl_request *r, ctl_options *o, ctl_error *e);

/*
 * Decodes and checks one request in buf[0..len) (PROTOCOL.md 12.1, in the order of its table).
 * Returns 0, or the negative code with *e filled (field and, where the table of 12.1 says so, a
 * message): RN_ETOOBIG (over RN_CONTROL_REQUEST_BYTES_MAX), the cursor's errors, RN_ECOUNT
 * (not 4 elements, or a parameter count outside the method's), RN_EINVAL (type not 0, msgid
 * above 2^32 - 1, unknown method), RN_ETYPE, RN_EMALFORMED, RN_ETRAILING. r->msgid is set as soon
 * as it is read, so that an error can be answered to it.
 */
RN_MUST_USE int ctl_request_decode(ctl_request *r, const uint8_t *buf, size_t len, ctl_error *e);

/* True when parameter i was left out or is nil. */
bool ctl_param_nil(const ctl_request *r, uint32_t i);

/* Writes [0, msgid, m->name, and the header of an array of `params_n` parameters; the caller
 * then writes the parameters. */
void ctl_request_begin(mp_buf *b, uint32_t msgid, const ctl_method *m, uint32_t params_n);

/* Writes a whole request [0, msgid, m->name, params], `params` being the encoded params array
 * (its header included), as a client that builds its parameters apart writes it. */
void ctl_request_wrap(mp_buf *b, uint32_t msgid, const ctl_method *m, const uint8_t *params,
                      size_t params_len);

/* ---- Responses ---- */

/* Writes [1, msgid, nil, and the caller writes the result, one value. */
void ctl_response_begin(mp_buf *b, uint64_t msgid);
/* Writes a whole error response [1, msgid, {name, message, field, index, code}, nil]. `code`
 * comes last in the map (PROTOCOL.md 12.1). */
void ctl_response_error(mp_buf *b, uint64_t msgid, const ctl_error *e);

/* A decoded response. Strings borrow the response's bytes and are not NUL-terminated. */
typedef struct ctl_response {
    uint32_t msgid;
    bool is_error;
    int code;            /* the error's code (negative), when is_error */
    const uint8_t *name; /* "RN_EEQF", NULL when absent */
    uint32_t name_len;
    const uint8_t *message; /* NULL when absent */
    uint32_t message_len;
    const uint8_t *field; /* NULL when nil or absent */
    uint32_t field_len;
    bool has_index;
    uint32_t index; /* 0-based position within the list `field` names */
    mp_cur result;  /* the result value alone (nil when is_error) */
} ctl_response;

/*
 * Decodes one complete response in buf[0..len). The error map's keys may come in any order and
 * keys it does not know are skipped (a newer node may add some); `code` is required. Returns 0;
 * RN_ETRUNCATED when more bytes are needed (a client reading a stream waits for them);
 * RN_ETRAILING when bytes follow the response; RN_ECOUNT (not 4 elements); RN_EINVAL (type not
 * 1, msgid above 2^32 - 1, a code that is not a negative int, an index above 2^32 - 1);
 * RN_EMISSING (no code); RN_EFIELDORDER (a key twice); RN_EINCONSISTENT (both an error and a
 * result); RN_ETYPE; or the cursor's errors. *r is unspecified on failure.
 */
RN_MUST_USE int ctl_response_decode(ctl_response *r, const uint8_t *buf, size_t len);

/* As ctl_response_decode, for the first of the responses in a stream: bytes after it are left
 * alone and *used says where it ends (mp_skip cannot delimit a response: it refuses the negative
 * code of an error map). Never RN_ETRAILING. */
RN_MUST_USE int ctl_response_read(ctl_response *r, const uint8_t *buf, size_t len, size_t *used);

#endif /* RN_CTL_H */
