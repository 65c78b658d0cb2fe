/*
 * config.h: the two INI files of a node: its own configuration, and the roster file shared by the
 * federation; plus the network key file. Library `nodeconf`, used by recnetd and by recnetctl
 * (init, roster show|add, offline proof verify).
 *
 * The node's configuration (one per node; example in node/README.md):
 *
 *     [node]
 *     country = FR                    ; one of the 30; EL is accepted for GR
 *     data_dir = /var/lib/recnet      ; the replica, control.sock
 *     listen = 0.0.0.0:7400           ; IP address:port of the peer listener; [::]:7400 for IPv6
 *     roster = roster.ini             ; the federation's roster file
 *     key_file = /etc/recnet/node.key ; default <data_dir>/node.key
 *     network_key_file = ...          ; default <data_dir>/network.key
 *     log_level = info                ; error|warn|info|debug
 *     [peers]
 *     dial = DE, NL, mirror-1         ; default: every other member that has an address
 *     [limits]
 *     batch_entries = 1000            ; any field of node_limits (core.h), each bounded
 *     [store]
 *     map_size = 64G                  ; the replica's largest size: bytes, or with K, M, G, T
 *     check_at_start = no            ; yes: store_check before the node starts serving
 *
 * The roster file (the same file on every node of the federation):
 *
 *     [member FR]
 *     role = authority                ; authority|mirror
 *     country = FR                    ; required for an authority; a label for a mirror
 *     key = rn1:...                   ; the member's public key (proto/key.h)
 *     address = fr.example.eu:7400    ; optional: a member without one only dials out
 *
 * Rules. Unknown sections and keys are errors, as is a key given twice, so that a typo never
 * silently leaves a default in place. Numbers are decimal, parsed with strtoull with every check
 * (no sign, no spaces inside, no overflow) and then against their bounds. Relative paths in the
 * node configuration are relative to the directory of the file itself, so that a configuration
 * and its roster can move together. Member names are 1 to NODECONF_NAME_MAX characters of
 * [A-Za-z0-9._-] and unique; keys are unique; a country has at most one authority (the rules of
 * proto/roster.h). A value may continue on indented lines only for [peers] dial. Comments start a
 * line with ';' or '#', or follow a value after " ;". A line holds at most NODECONF_LINE_MAX
 * characters (inih's line buffer); a longer line is an error, never silently split. Stricter
 * than inih, so that every file has one reading (proto/PROTOCOL.md section 15 is the grammar):
 * '=' alone separates a key from its value ("key: value" is an error), keys and section headers
 * start in column 1 (an indented line only ever continues a value), and nothing but a comment
 * after a blank may follow a section header's ']', and a NUL byte is an error. Writers refuse a
 * value that would not read back as written.
 *
 * Errors. Every function that reads a file returns 0 or a negative RN_E code and writes one
 * message into err[0..err_len) naming the file, the line and the key, such as
 *
 *     fr.ini:7: limits.batch_entries: 0 is outside 1..1024
 *
 * The codes: RN_EIO (the file cannot be opened or read; the message carries strerror),
 * RN_EMISSING (a required key or section is absent), RN_EUNKNOWNFIELD (an unknown section or key),
 * RN_EDUPLICATE (a key, section, member name, key or authority given twice), RN_ECOUNTRY,
 * RN_EKEY, RN_EKEYPERM (a network key file readable by others), RN_ETOOBIG (a line, path or list
 * past its bound), RN_EEXIST (writers: the file exists), RN_EINVAL (anything else malformed: a
 * number, a bound, an address, a role, a name), RN_ENOMEM.
 *
 * Threading: none of these functions keeps state between calls; all are blocking file I/O meant
 * for start-up and the CLI, never for a callback of the event loop.
 */
#ifndef RN_NODE_CONFIG_H
#define RN_NODE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/core.h"
#include "node/log.h"
#include "proto/error.h"
#include "proto/roster.h"
#include "proto/wire.h"

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

/* The node's configuration. Caller owns it; it holds no pointers (no free needed). */
typedef struct nodeconf {
    char path[NODECONF_PATH_MAX];             /* the file it was read from, for messages */
    char country[3];                          /* canonical ("GR" for "EL") */
    char data_dir[NODECONF_PATH_MAX];         /* resolved */
    nodeconf_addr listen;                     /* the peer listener */
    char roster[NODECONF_PATH_MAX];           /* resolved */
    char key_file[NODECONF_PATH_MAX];         /* resolved; default <data_dir>/node.key */
    char network_key_file[NODECONF_PATH_MAX]; /* resolved; default <data_dir>/network.key */
    node_log_level log_level;                 /* default NODE_LOG_INFO */
    bool dial_set;                            /* [peers] dial was given (even empty) */
    unsigned dial_line;                       /* its line, for messages */
    size_t dial_n;                            /* 0 .. NODECONF_DIAL_MAX */
    char dial[NODECONF_DIAL_MAX][NODECONF_NAME_MAX + 1]; /* names or countries, as written */
    node_limits limits;                                  /* 0 for a field not given: default */
    uint64_t map_bytes;  /* [store] map_size, NODECONF_MAP_BYTES_MIN..MAX; 0: the default */
    bool check_at_start; /* [store] check_at_start: store_check before serving */
} nodeconf;

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
 * Reads the node configuration `path` into `c` (overwritten). Required: [node] country, data_dir,
 * listen, roster. Limits are checked against their bounds (and backoff_min_ms <= backoff_max_ms);
 * the control socket path under data_dir must fit (nodeconf_socket_path_check);
 * [peers] dial is kept as written and resolved later against the roster (nodeconf_resolve).
 * Returns 0 or an error above, with the message in err.
 */
RN_MUST_USE int nodeconf_load(nodeconf *c, const char *path, char *err, size_t err_len);

/*
 * Reads the roster file `path` into `r` (which needs no initialisation; on failure nothing is
 * left to free, and calling nodeconf_roster_free is harmless). At least one member is required.
 * Returns 0 or an error above, with the message in err.
 */
RN_MUST_USE int nodeconf_roster_load(nodeconf_roster *r, const char *path, char *err,
                                     size_t err_len);

/*
 * nodeconf_load and nodeconf_roster_load of the text buf[0..len) instead of a file: `path` names
 * it in messages and, for the configuration, is where relative paths resolve from, as if the text
 * had been read from there. Nothing is read from disk. The same errors, with RN_ENOMEM for
 * RN_EIO (the text could not be opened as a stream).
 */
RN_MUST_USE int nodeconf_parse(nodeconf *c, const char *path, const char *buf, size_t len,
                               char *err, size_t err_len);
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

/* ---- Writing (recnetctl init, roster add) ---- */

/*
 * Writes `c` as a new configuration file `path` (mode 0644; never over an existing file): every
 * [node] key, [peers] dial when c->dial_set, and the limits that are not 0. Paths are written as
 * they are in `c`. The file is fsync'd. Returns 0, RN_EEXIST, RN_EINVAL (a field that
 * nodeconf_load would refuse, or a path that would not read back as written: a blank at either
 * end, a ';' after a blank, a control character), RN_ETOOBIG (a line past NODECONF_LINE_MAX),
 * RN_EIO.
 */
RN_MUST_USE int nodeconf_write(const char *path, const nodeconf *c, char *err, size_t err_len);

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

/* ---- The network key file ----
 *
 * The federation's network key (wire.h) is 32 bytes that every member holds and nobody else:
 *
 *     # recnet network key: shared by the members of one federation; keep it private (mode 0600)
 *     <standard base64, with padding, of the 32 bytes>
 *
 * Lines starting with '#' and empty lines are ignored; exactly one key line, in its canonical
 * spelling, must remain. Like the secret key file, a file that grants any permission to group or
 * others is refused.
 */

/* Reads the network key file `path` into `key`. Returns 0, RN_EIO, RN_EKEYPERM, RN_ETOOBIG
 * (over 4096 bytes), RN_EKEY (malformed). `key` is wiped on failure. */
RN_MUST_USE int nodeconf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                                     size_t err_len);

/* Writes `key` to a new file `path` (O_EXCL, O_NOFOLLOW, mode 0600 whatever the umask; the file
 * and its directory are fsync'd). Returns 0, RN_EEXIST, RN_EIO. */
RN_MUST_USE int nodeconf_netkey_write(const char *path, const uint8_t key[PROTO_NETKEY_BYTES],
                                      char *err, size_t err_len);

/* Draws a new network key (randombytes_buf) into `key` and writes it as nodeconf_netkey_write
 * does. Calls sodium_init. Returns the same. */
RN_MUST_USE int nodeconf_netkey_generate(const char *path, uint8_t key[PROTO_NETKEY_BYTES],
                                         char *err, size_t err_len);

#endif /* RN_NODE_CONFIG_H */
