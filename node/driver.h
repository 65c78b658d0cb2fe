/*
 * driver.h: recnetd's libuv driver around the node core (DESIGN.md section 6).
 *
 * The core (core.h) does no I/O; this module is the loop that does it for one node: the TCP
 * listener and outgoing connections, reads into node_conn_input and NODE_ACT_SEND into writes,
 * one timer armed from node_deadline after every call into the core, the MessagePack-RPC control
 * socket (<data_dir>/control.sock, mode 0600), the index flush after a catch-up, and SIGINT /
 * SIGTERM for a clean shutdown. It is also where the time and the randomness the core is given
 * come from (see driver.c for the clock).
 *
 * The caller (main.c) reads the configuration, the roster and the keys, opens the replica and
 * installs the roster in it; node_driver_run does the rest and returns when the node has shut
 * down. Keeping start-up checks out of the driver keeps every configuration error in one place,
 * with its exit code.
 */
#ifndef RN_NODE_DRIVER_H
#define RN_NODE_DRIVER_H

#include "conf/roster.h"
#include "node/core.h"
#include "store/store.h"

/* Peer connections the driver holds at once: established ones (at most peers_max), plus
 * outgoing attempts and incoming handshakes, strangers among them (at most RN_STRANGERS_MAX but
 * for one turn of the loop; see driver.c). Beyond it, an incoming connection is closed at once
 * and an outgoing attempt reported failed. */
#define NODE_DRIVER_CONNS_MAX (2u * RN_PEERS_MAX)

/* A closing connection gets this long to flush what the core sent before it is cut. */
#define NODE_DRIVER_CLOSE_GRACE_MS 2000u

/* An outgoing attempt (resolve and TCP connect) that takes longer fails. */
#define NODE_DRIVER_CONNECT_TIMEOUT_MS 5000u

/* The index pass runs once no new entry has arrived for this long, or this long at most after
 * the first unindexed entry, whichever comes first. */
#define NODE_DRIVER_FLUSH_QUIET_MS 100u
#define NODE_DRIVER_FLUSH_MAX_MS   10000u

/* A catch-up is logged when it begins and ends, and in between at most this often; it is
 * logged at info when it is expected to fetch this many entries or more (or lasts longer than
 * the interval), else at debug (the small fetches that follow lazy pushes). */
#define NODE_DRIVER_CATCHUP_LOG_MS       1000u
#define NODE_DRIVER_CATCHUP_INFO_ENTRIES 100u

/* Bytes written back to one control client and not yet taken by it; past this the driver stops
 * reading that client's requests until it catches up (it pipelines faster than it reads). All
 * clients together are bounded by RN_CONTROL_QUEUED_BYTES_MAX, and a client that takes nothing
 * for RN_CONTROL_WRITE_MS is closed. */
#define NODE_DRIVER_CLIENT_OUT_MAX (2u * RN_CONTROL_RESPONSE_BYTES_MAX)

/*
 * Runs the node until SIGINT or SIGTERM. `s` is the open replica (not owned, not closed here),
 * `cfg` the core's configuration (its secret key is copied by node_new; the caller wipes its
 * copy), `conf` and `roster` the files they came from (borrowed until return; the roster gives
 * the addresses to dial). Listens on conf->listen and on <conf->data_dir>/control.sock (a stale
 * socket there is removed; the caller must hold the data directory's lock).
 *
 * Returns 0 after a clean shutdown (every connection closed, the control socket removed, the
 * core freed), or RN_EIO when the node could not start (listen or bind failed; logged), or
 * node_new's error.
 */
RN_MUST_USE int node_driver_run(store *s, const node_config *cfg, const nodeconf *conf,
                                const nodeconf_roster *roster);

/* ---- The governed roster (PROTOCOL.md 11.11, 15.4): shared by start-up and SIGHUP ---- */

/*
 * The peers to dial: [peers] dial resolved in the roster file, or every member of the file with an
 * address; each member's key followed along its rotations to the key it has now (store_authors),
 * and only members of the roster in force (s->roster) other than `self`. Returns 0,
 * RN_ENOTFOUND (a name not in the file), RN_EINVAL (a name without an address), RN_ETOOBIG, with
 * the message in err.
 */
RN_MUST_USE int node_driver_dial_list(const nodeconf *c, const nodeconf_roster *file,
                                      const store *s, const uint8_t self[PROTO_KEY_BYTES],
                                      uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES],
                                      size_t *dial_n, char *err, size_t err_len);

/* Reads the file `path` whole, at most `max` bytes (RN_ETOOBIG past it), into a new buffer. */
RN_MUST_USE int node_driver_read_file(const char *path, size_t max, uint8_t **buf, size_t *len,
                                      char *err, size_t err_len);

/* Reads every document of [node] roster_changes (files, and the regular files of directories in
 * name order, at most RN_ROSTER_CHANGE_FILES_MAX). Free with node_driver_free_changes. */
RN_MUST_USE int node_driver_read_changes(const nodeconf *c, proto_str **docs, size_t *n, char *err,
                                         size_t err_len);
void node_driver_free_changes(proto_str *docs, size_t n);

#endif /* RN_NODE_DRIVER_H */
