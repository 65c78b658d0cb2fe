/*
 * http.h: the HTTP/JSON gateway of recnetd (README.md, "HTTP gateway"; node/README.md,
 * "The HTTP gateway").
 *
 * Read-only, for verifiers: each route maps a path and its query parameters to one row of the
 * control API's method table (proto/ctl.h), builds the MessagePack request a control client would
 * send, and answers with the JSON that recnetctl --json prints for the same answer (api/json.h),
 * or with the answer's proof bundle (application/vnd.recnet.proof). Only rows flagged CTL_PUBLIC
 * and not CTL_WRITES can be routed: the route table is checked against the method table when the
 * gateway starts and again for every request.
 *
 * Threads. The HTTP server (h2o over libuv: parsing, limits, rate limits, JSON) runs on a thread
 * and a loop of its own, so that slow clients, TLS and encoding never take time from
 * replication. Queries run on the node's loop, which alone may touch the replica: requests go
 * through a bounded queue and one uv_async_t, are answered in batches by `exec` (the driver's
 * call into node_control, the control socket's dispatcher), and their responses come back
 * through a second queue and uv_async_t.
 */
#ifndef RN_NODE_HTTP_H
#define RN_NODE_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "conf/node.h"
#include "proto/ctl.h"
#include "proto/mp.h"

typedef struct node_http node_http;

/* Runs one control API request req[0..len) on the node's loop and appends its response to
 * `resp`; returns 0 or RN_ETOOBIG as node_control does. `done` is called once after a batch. */
typedef int (*node_http_exec_fn)(void *ctx, const uint8_t *req, size_t len, mp_buf *resp);
typedef void (*node_http_done_fn)(void *ctx);

/*
 * Starts the gateway on `addr` with its own thread; `exec` and `done` run on `loop` (the node's,
 * which must be running for queries to be answered). With `tls_cert` (a PEM certificate chain)
 * and `tls_key` (its PEM key) not NULL nor empty, it speaks HTTPS only (TLS 1.2 and up, HTTP/2
 * by ALPN). `rate_per_s`: requests a second per client address, with a burst of twice as many
 * (429 beyond); 0 for no limit. `peers_expected`: the members the node
 * dials, all of which /readyz wants connected. Returns 0, RN_EIO (cannot bind or listen;
 * logged; also a certificate or key that cannot be read or do not match) or RN_ENOMEM. Call on the
 * node's loop thread.
 *
 * Besides the routes of api/route.h it serves /healthz (the process answers), /readyz (200 when
 * the replica takes writes, the index is current and every dialled peer is connected, else 503,
 * with each check in the JSON), /metrics (Prometheus text: the status counters, disk, per-peer
 * lag both ways, and the gateway's requests and latency per endpoint) and /v1/status (the public
 * part of `status`).
 */
RN_MUST_USE int node_http_start(node_http **out, uv_loop_t *loop, const nodeconf_addr *addr,
                                const char *tls_cert, const char *tls_key, uint32_t rate_per_s,
                                uint32_t peers_expected, node_http_exec_fn exec,
                                node_http_done_fn done, void *ctx);

/*
 * What POST /v1/verify resolves issuers and checks seals with: every *.json document of the
 * directory `issuer_docs` (DID documents and issuer profiles, cred/did.h) and the PEM trust
 * anchors of `trust` (either NULL or empty for none). Read once, here; call once, on the node's
 * loop thread, right after node_http_start. Returns 0, or the errors of cred_docs_load_dir and
 * cred_trust_load_pem (logged, naming the file).
 */
RN_MUST_USE int node_http_verify_set(node_http *h, const char *issuer_docs, const char *trust);

/* The key (libsodium's 64 bytes, copied; wiped when the gateway is freed) that signs the JSON
 * answers of requests with Recnet-Sign: 1: headers Recnet-Signer, Recnet-Time and Recnet-Signature
 * (PROTOCOL.md 12.5). Call on the node's loop thread, right after node_http_start; without it,
 * answers carry no signature. */
void node_http_signer_set(node_http *h, const uint8_t sk[64]);

/* Stops the gateway: its thread closes the listener and ends; the node loop's handle is closed
 * (so the loop can end) and the gateway freed once it is. Call on the node's loop thread. */
void node_http_stop(node_http *h);

#endif /* RN_NODE_HTTP_H */
