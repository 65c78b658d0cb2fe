/*
 * node.h: the node's own configuration file, one per node (example in node/README.md), and the
 * rules and errors that it shares with the roster file (conf/roster.h). Library `conf`, used by
 * recnetd and by recnetctl (init, roster show|add, offline proof verify); it depends on proto/
 * only, so that reading a configuration never links the replica.
 *
 *     [node]
 *     country = FR                    ; one of the 30; EL is accepted for GR
 *     data_dir = /var/lib/recnet      ; the replica, control.sock
 *     listen = 0.0.0.0:7400           ; IP address:port of the peer listener; [::]:7400 for IPv6
 *     roster = roster.ini             ; the federation's roster file
 *     key_file = /etc/recnet/node.key ; default <data_dir>/node.key
 *     network_key_file = ...          ; default <data_dir>/network.key
 *     log_level = info                ; error|warn|info|debug
 *     roster_chain = genesis.rc       ; the governed roster's genesis (recnetctl roster genesis)
 *     roster_changes = changes/       ; change documents (files or directories) applied at start
 *     [peers]
 *     dial = DE, NL, mirror-1         ; default: every other member that has an address
 *     [limits]
 *     batch_entries = 1000            ; any field of node_limits (node/core.h), each bounded
 *     [store]
 *     map_size = 64G                  ; the replica's largest size: bytes, or with K, M, G, T
 *     check_at_start = no            ; yes: store_check before the node starts serving
 *
 * Rules (both INI files). Unknown sections and keys are errors, as is a key given twice, so that
 * a typo never silently leaves a default in place. Numbers are decimal, parsed with strtoull with
 * every check (no sign, no spaces inside, no overflow) and then against their bounds. Relative
 * paths in the node configuration are relative to the directory of the file itself, so that a
 * configuration and its roster can move together. A value may continue on indented lines only
 * for [peers] dial. Comments start a line with ';' or '#', or follow a value after " ;". A line
 * holds at most NODECONF_LINE_MAX characters (inih's line buffer); a longer line is an error,
 * never silently split. Stricter than inih, so that every file has one reading
 * (proto/PROTOCOL.md section 15 is the grammar): '=' alone separates a key from its value
 * ("key: value" is an error), keys and section headers start in column 1 (an indented line only
 * ever continues a value), and nothing but a comment after a blank may follow a section header's
 * ']', and a NUL byte is an error. Writers refuse a value that would not read back as written.
 *
 * Errors. Every function that reads a file returns 0 or a negative RN_E code and writes one
 * message into err[0..err_len) naming the file, the line and the key, such as
 *
 *     fr.ini:7: limits.batch_entries: 0 is outside 1..1024
 *
 * The codes: RN_EIO (the file cannot be opened or read; the message carries strerror),
 * RN_EMISSING (a required key or section is absent), RN_EUNKNOWNFIELD (an unknown section or key),
 * RN_EDUPLICATE (a key, section, member name, key or authority given twice), RN_ECOUNTRY,
 * RN_EKEY, RN_ETOOBIG (a line, path or list past its bound), RN_EEXIST (writers: the file
 * exists), RN_EINVAL (anything else malformed: a number, a bound, an address, a role, a name),
 * RN_ENOMEM.
 *
 * Threading: none of these functions keeps state between calls; all are blocking file I/O meant
 * for start-up and the CLI, never for a callback of the event loop.
 */
#ifndef RN_CONF_NODE_H
#define RN_CONF_NODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/limits.h"

#define NODECONF_PATH_MAX 1024u /* a path after resolution against the config's directory */
#define NODECONF_NAME_MAX 32u   /* a member name in the roster file */
#define NODECONF_HOST_MAX 253u  /* a host: the longest DNS name, or an IP literal */
#define NODECONF_LINE_MAX                                                                          \
    196u /* characters of one line (inih's 200-byte buffer, less "\r\n\0"                          \
            and one byte that tells a full line from a cut one) */
#define NODECONF_DIAL_MAX RN_PEERS_MAX
#define NODECONF_ERR_MAX  512u /* a buffer this size holds every message */
/* The longest control socket path, "<data_dir>/control.sock": a Unix socket address holds 108
 * bytes with the terminating NUL (sockaddr_un's sun_path on Linux). */
#define NODECONF_SOCKET_PATH_MAX 107u
/* Bounds of [store] map_size: below 1 MiB LMDB cannot hold the schema and one run; 1 TiB of
 * address space per replica is already far past any federation's size (DESIGN.md section 5). */
#define NODECONF_MAP_BYTES_MIN (1ull << 20)
#define NODECONF_MAP_BYTES_MAX (1ull << 40)

/* host:port. `host` is a DNS name or an IP literal, without the brackets of "[::1]:7400". */
typedef struct nodeconf_addr {
    char host[NODECONF_HOST_MAX + 1];
    uint16_t port; /* 1 .. 65535 */
} nodeconf_addr;

/* [node] log_level: the levels of recnetd's log, most severe first. This is their one list:
 * node/log.h gives its own level names these values and logs them by these names. */
typedef enum nodeconf_log_level {
    NODECONF_LOG_ERROR = 0,
    NODECONF_LOG_WARN = 1,
    NODECONF_LOG_INFO = 2, /* the default */
    NODECONF_LOG_DEBUG = 3,
} nodeconf_log_level;

/* The name of a level as it appears in the file and in log lines ("warn"), or NULL for a value
 * that is not a level. */
const char *nodeconf_log_level_name(int level);

/* The level named `name` ("error", "warn", "info", "debug"), or -1. */
int nodeconf_log_level_parse(const char *name);

/*
 * [limits]: the node core's limits, one uint32_t key per field of node_limits (node/core.h), with
 * the bounds the file accepts, X(field, min, max). The bounds lie within what node_new accepts
 * (proto/limits.h), so that a value the core would refuse is refused here, at the line that set
 * it. The lower bounds are ours: a timer of a few milliseconds or a one-entry rate would only
 * make a node thrash. recnetd copies each field into node_limits by name through this list.
 */
#define NODECONF_LIMITS(X)                                                                         \
    X(peers_max, 1, RN_PEERS_MAX)                                                                  \
    X(batch_entries, 1, RN_BATCH_ENTRIES_MAX)                                                      \
    X(inflight_bytes, RN_INFLIGHT_BYTES_MIN, RN_INFLIGHT_BYTES_DEFAULT)                            \
    X(anti_entropy_ms, 100, RN_TIMER_MS_MAX)                                                       \
    X(stall_ms, 10, RN_TIMER_MS_MAX)                                                               \
    X(handshake_ms, 100, RN_TIMER_MS_MAX)                                                          \
    X(idle_ms, 1000, RN_TIMER_MS_MAX)                                                              \
    X(backoff_min_ms, 10, RN_TIMER_MS_MAX)                                                         \
    X(backoff_max_ms, 10, RN_TIMER_MS_MAX)                                                         \
    X(entries_per_s, 1, RN_ENTRIES_PER_S_MAX)

/* The [limits] given, in the units of node_limits (node/core.h documents each); 0 for a key not
 * given: the core's default. */
typedef struct nodeconf_limits {
#define NODECONF_LIMIT_FIELD(field, min, max) uint32_t field;
    NODECONF_LIMITS(NODECONF_LIMIT_FIELD)
#undef NODECONF_LIMIT_FIELD
} nodeconf_limits;

/* The node's configuration. Caller owns it; it holds no pointers (no free needed). */
typedef struct nodeconf {
    char path[NODECONF_PATH_MAX];             /* the file it was read from, for messages */
    char country[3];                          /* canonical ("GR" for "EL") */
    char data_dir[NODECONF_PATH_MAX];         /* resolved */
    nodeconf_addr listen;                     /* the peer listener */
    char roster[NODECONF_PATH_MAX];           /* resolved */
    char key_file[NODECONF_PATH_MAX];         /* resolved; default <data_dir>/node.key */
    char network_key_file[NODECONF_PATH_MAX]; /* resolved; default <data_dir>/network.key */
    nodeconf_log_level log_level;             /* default NODECONF_LOG_INFO */
    bool dial_set;                            /* [peers] dial was given (even empty) */
    unsigned dial_line;                       /* its line, for messages */
    size_t dial_n;                            /* 0 .. NODECONF_DIAL_MAX */
    char dial[NODECONF_DIAL_MAX][NODECONF_NAME_MAX + 1]; /* names or countries, as written */
    nodeconf_limits limits;                              /* 0 for a field not given: default */
    uint64_t map_bytes;        /* [store] map_size, NODECONF_MAP_BYTES_MIN..MAX; 0: the default */
    bool check_at_start;       /* [store] check_at_start: store_check before serving */
    nodeconf_addr http_listen; /* [http] listen: the HTTP gateway's address; port 0: no gateway */
    uint32_t http_rate_per_s;  /* [http] rate_per_s: requests a second per client address, 0 for
                                  no limit; RN_HTTP_RATE_PER_S when not given (http_rate_set) */
    bool http_rate_set;
    char http_tls_cert[NODECONF_PATH_MAX];    /* [http] tls_cert: PEM certificate chain, resolved */
    char http_tls_key[NODECONF_PATH_MAX];     /* [http] tls_key: its PEM private key, resolved */
    char http_issuer_docs[NODECONF_PATH_MAX]; /* [http] issuer_docs: a directory of issuers' DID
                                                 documents and profiles (POST /v1/verify) */
    char http_trust[NODECONF_PATH_MAX]; /* [http] trust: a PEM bundle of trust anchors for sealed
                                           credentials (POST /v1/verify) */
    /* The governed roster (PROTOCOL.md 4.4, 15.4): [node] roster_chain, the genesis document
     * ("" for a node without a chain: the roster file alone, as before), and [node]
     * roster_changes, blank-separated paths of change documents or of directories holding them
     * (every regular file in one, in name order), applied at start and on SIGHUP. */
    char roster_chain[NODECONF_PATH_MAX];
    size_t roster_changes_n; /* 0 .. RN_ROSTER_CHANGE_PATHS_MAX */
    char roster_changes[RN_ROSTER_CHANGE_PATHS_MAX][NODECONF_PATH_MAX];
    /* [node] checkpoint_interval: sign a checkpoint of the heads held this often (PROTOCOL.md
     * 11.12), seconds, 0 .. NODECONF_CHECKPOINT_INTERVAL_S_MAX; 0: never (the node still
     * cosigns others' as a witness). NODECONF_CHECKPOINT_INTERVAL_S_DEFAULT when not given
     * (checkpoint_interval_set false: nodeconf_write then leaves the key out). */
    uint32_t checkpoint_interval_s;
    bool checkpoint_interval_set;
} nodeconf;

#define NODECONF_CHECKPOINT_INTERVAL_S_DEFAULT 60u
#define NODECONF_CHECKPOINT_INTERVAL_S_MAX     86400u

/* ---- Reading ---- */

/*
 * Reads the node configuration `path` into `c` (overwritten). Required: [node] country, data_dir,
 * listen, roster. Limits are checked against their bounds (and backoff_min_ms <= backoff_max_ms);
 * the control socket path under data_dir must fit (nodeconf_socket_path_check);
 * [peers] dial is kept as written and resolved later against the roster (nodeconf_resolve,
 * conf/roster.h). Returns 0 or an error above, with the message in err.
 */
RN_MUST_USE int nodeconf_load(nodeconf *c, const char *path, char *err, size_t err_len);

/*
 * nodeconf_load of the text buf[0..len) instead of a file: `path` names it in messages and is
 * where relative paths resolve from, as if the text had been read from there. Nothing is read
 * from disk. The same errors, with RN_ENOMEM for RN_EIO (the text could not be opened as a
 * stream).
 */
RN_MUST_USE int nodeconf_parse(nodeconf *c, const char *path, const char *buf, size_t len,
                               char *err, size_t err_len);

/*
 * Checks that the control socket of data directory `data_dir`, "<data_dir>/control.sock", fits a
 * Unix socket address (NODECONF_SOCKET_PATH_MAX bytes), so that recnetctl init and recnetd refuse
 * a data directory before they create anything in it. Returns 0 or RN_ETOOBIG, with the message
 * "node.data_dir: ..." in err.
 */
RN_MUST_USE int nodeconf_socket_path_check(const char *data_dir, char *err, size_t err_len);

/* Parses "host:port" ("[v6]:port" for an IPv6 literal) s[0..len). Returns 0 or RN_EINVAL. */
RN_MUST_USE int nodeconf_addr_parse(const char *s, size_t len, nodeconf_addr *a);

/* Formats `a` as nodeconf_addr_parse reads it, into out[0..len) (NUL-terminated; 264 bytes
 * always suffice). Returns out. */
char *nodeconf_addr_format(const nodeconf_addr *a, char *out, size_t len);

/* ---- Writing (recnetctl init) ---- */

/*
 * Writes `c` as a new configuration file `path` (mode 0644; never over an existing file): every
 * [node] key, [peers] dial when c->dial_set, and the limits that are not 0. Paths are written as
 * they are in `c`. The file is fsync'd. Returns 0, RN_EEXIST, RN_EINVAL (a field that
 * nodeconf_load would refuse, or a path that would not read back as written: a blank at either
 * end, a ';' after a blank, a control character), RN_ETOOBIG (a line past NODECONF_LINE_MAX),
 * RN_EIO.
 */
RN_MUST_USE int nodeconf_write(const char *path, const nodeconf *c, char *err, size_t err_len);

#endif /* RN_CONF_NODE_H */
