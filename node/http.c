/*
 * http.c: the HTTP/JSON gateway (http.h).
 *
 * Two loops, two queues. The gateway's thread runs its own libuv loop with h2o (HTTP/1.1 and
 * HTTP/2): it accepts connections (at most RN_HTTP_CONNS_MAX), applies every bound (header
 * count and bytes, body bytes, the time to send a request, a token bucket per client address),
 * maps the path to its route and the query string to the method's parameters (api/query.h),
 * and queues a job. The node's loop takes every queued job at once (one uv_async_send may stand
 * for many), runs each through `exec` (node_control: the same dispatcher as the control
 * socket), and queues the responses back; the gateway's loop turns each into JSON, a proof
 * bundle or an error. A job whose client went away meanwhile is dropped when it comes back: the
 * request's memory pool tells the job, through a guard, that the request is gone.
 *
 * Statuses: a control API error keeps its name, message and field, with 404 for RN_ENOTFOUND,
 * 410 for RN_ESUPERSEDED (a record the governed roster cut off: its entry lies past its key's
 * last trusted one), 500 for a failure of the node itself (RN_ESTORE, RN_ECORRUPT, RN_EIO,
 * RN_ENOMEM), and 400 for everything else (the request's fault); the gateway's own: 404 (no route),
 * 405 (a route under another method), 406 (a proof asked of an answer without one), 413 (a body
 * over RN_HTTP_BODY_BYTES_MAX), 429 (rate limited), 431 (too many headers or header bytes), 503
 * (the queue to the node is full, or the node is stopping).
 */
#include "node/http.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/time.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>
#include <h2o/http1.h>
#include <h2o/http2.h>
#include <jansson.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sodium.h>

#include "api/export.h"
#include "api/json.h"
#include "api/openapi.h"
#include "api/query.h"
#include "api/route.h"
#include "api/verifier.h"
#include "api/recjson.h"
#include "cred/json.h"
#include "cred/jws.h"
#include "node/log.h"
#include "node/www.h"
#include "proto/checkpoint.h"
#include "proto/key.h"
#include "proto/limits.h"

/* ---- The gateway ---- */

typedef struct job job;

typedef struct guard {
    job *j; /* NULL once the job is done with the request */
} guard;

/* What a job's answers become: a route's JSON (or bundle), or one of the gateway's own views of
 * the node, made from `status` and `peers` (neither writes; only what the view shows leaves). */
typedef enum view { VIEW_ROUTE, VIEW_STATUS, VIEW_READY, VIEW_METRICS } view;

/* One request to the node, and its response. */
typedef struct call {
    uint8_t *in;
    size_t in_len;
    uint8_t *out; /* the response; NULL when the node could not run it */
    size_t out_len;
} call;

struct job {
    job *next;
    h2o_req_t *req; /* NULL once the client has gone */
    guard *g;
    view v;
    bool proof;        /* the proof bundle is wanted, not the JSON */
    bool sign;         /* the signed answer is wanted (?signed=1), not the JSON */
    bool entry;        /* the answer is an entry: shown as its record */
    api_verifier *ver; /* verify: the verifier whose questions the calls are (owned), or NULL */
    int form;          /* GET /v1/spec/{id}?as=: the api_export_form, 0 otherwise */
    api_query *q;      /* its query (the request's pool): the provider's call is built from it */
    call spec;         /* its first call, the spec's, once answered (owned) */
    uint32_t n;        /* calls: 1, or 2 for /metrics (status and peers) */
    bool document;     /* the answer carries a document served as it is (api_route_document) */
    call c[2];
};

typedef struct rate_slot {
    uint8_t addr[16];
    uint64_t last_ms;
    double tokens;
} rate_slot;

/* Latency buckets of /metrics, in seconds (Prometheus histograms are cumulative). */
static const double latency_s[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                    0.05,   0.1,   0.25,   0.5,   1.0,  2.5 };
#define LATENCY_N (sizeof(latency_s) / sizeof(latency_s[0]))

/* The endpoints /metrics counts apart: the routes, then the gateway's own paths, then the rest. */
#define OWN_N         API_OWN_N
#define ENDPOINTS_MAX 32u

typedef struct endpoint_stats {
    uint64_t by_class[5]; /* answers by status class: 1xx .. 5xx */
    uint64_t bucket[LATENCY_N];
    uint64_t count;
    double sum_s;
} endpoint_stats;

struct node_http {
    /* The node's side. */
    uv_loop_t *node_loop;
    uv_async_t node_async; /* jobs to run */
    node_http_exec_fn exec;
    node_http_done_fn done;
    void *ctx;
    mp_buf resp;

    /* The gateway's side. */
    uv_thread_t thread;
    uv_loop_t loop;
    uv_async_t http_async; /* responses to send, or stop */
    uv_tcp_t listener;
    uv_sem_t started;
    int start_rc;
    nodeconf_addr addr;
    h2o_globalconf_t config;
    h2o_context_t hctx;
    h2o_accept_ctx_t accept_ctx;
    uint32_t conns;
    uint32_t msgid;
    rate_slot *rate;         /* RN_HTTP_RATE_ADDRS_MAX */
    uint32_t peers_expected; /* members dialled: /readyz wants them all connected */
    uint32_t rate_per_s;     /* per client address, a burst of twice as many; 0: no limit */
    endpoint_stats stats[ENDPOINTS_MAX]; /* routes, own paths, "other" */
    uint64_t rate_limited, queue_full;
    api_text json; /* the answers' JSON, written straight from the MessagePack (reused) */

    /* Shared, under `lock`. */
    uv_mutex_t lock;
    job *todo, **todo_tail;
    uint32_t todo_n;
    job *done_list, **done_tail;
    bool stopping;
    /* What POST /v1/verify resolves issuers and seals with, set once (node_http_verify_set)
     * and read-only after: the pointers under `lock`. */
    cred_docs *verify_docs;
    cred_trust *verify_trust;
    /* The node's key, which signs the JSON answers asked with Recnet-Sign: 1
     * (node_http_signer_set), under `lock`. */
    bool signer_set;
    uint8_t signer_sk[PROTO_SK_BYTES];
};

/* The gateway of the running thread (one per process): what the send functions count in. */
static _Thread_local node_http *current;

static size_t endpoints_n(void)
{
    size_t n = 0;
    while (api_route_at(n) != NULL)
        n++;
    return n + OWN_N + 1;
}

static const char *endpoint_name(size_t i)
{
    size_t routes_n = endpoints_n() - OWN_N - 1;
    if (i < routes_n)
        return api_route_at(i)->path;
    if (i < routes_n + OWN_N)
        return api_own_paths[i - routes_n];
    return "other";
}

static size_t endpoint_of(h2o_req_t *req)
{
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    size_t routes_n = endpoints_n() - OWN_N - 1;
    for (size_t i = 0; i < routes_n; i++) {
        const api_route *r = api_route_at(i);
        size_t l = strlen(r->path);
        if (r->segs == 0 ? plen == l && memcmp(req->path.base, r->path, l) == 0
                         : plen > l && memcmp(req->path.base, r->path, l) == 0)
            return i;
    }
    for (size_t i = 0; i < OWN_N; i++)
        if (plen == strlen(api_own_paths[i]) && memcmp(req->path.base, api_own_paths[i], plen) == 0)
            return routes_n + i;
    return routes_n + OWN_N;
}

static void count_answer(h2o_req_t *req, int status)
{
    node_http *h = current;
    if (h == NULL)
        return;
    endpoint_stats *st = &h->stats[endpoint_of(req)];
    struct timeval now;
    gettimeofday(&now, NULL);
    double s = (double)(now.tv_sec - req->timestamps.request_begin_at.tv_sec) +
               (double)(now.tv_usec - req->timestamps.request_begin_at.tv_usec) / 1e6;
    if (s < 0)
        s = 0;
    if (status >= 100 && status < 600)
        st->by_class[status / 100 - 1]++;
    for (size_t i = 0; i < LATENCY_N; i++)
        if (s <= latency_s[i])
            st->bucket[i]++;
    st->count++;
    st->sum_s += s;
    if (status == 429)
        h->rate_limited++;
}

static void job_free(job *j)
{
    if (j->g != NULL)
        j->g->j = NULL;
    api_verifier_free(j->ver);
    free(j->spec.out);
    for (uint32_t i = 0; i < j->n; i++) {
        free(j->c[i].in);
        free(j->c[i].out);
    }
    free(j);
}

static void on_guard_dispose(void *p)
{
    guard *g = p;
    if (g->j != NULL) {
        g->j->req = NULL;
        g->j->g = NULL;
    }
}

/* ---- Answers ---- */

static const char *reason_of(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* Did the request ask for its JSON answer signed (the header Recnet-Sign: 1)? An Ed25519
 * signature costs about as much as the rest of a recognise call, so the gateway signs only the
 * answers that a verifier means to keep. */
static bool sign_asked(const h2o_req_t *req)
{
    ssize_t i = h2o_find_header_by_str(&req->headers, H2O_STRLIT("recnet-sign"), -1);
    return i >= 0 && req->headers.entries[i].value.len == 1 &&
           req->headers.entries[i].value.base[0] == '1';
}

/* Recnet-Signer, Recnet-Time, Recnet-Signature over a JSON body (PROTOCOL.md 12.5), when the
 * request asked (sign_asked): the node's key as text (4.1), the gateway's clock in ms, and the
 * signature (checkpoint.h, proto_answer_json_sign) in standard base64. */
static void sign_json(h2o_req_t *req, const void *body, size_t len)
{
    node_http *h = current;
    uint8_t sk[PROTO_SK_BYTES], sig[PROTO_SIG_BYTES];
    bool have = false;
    if (h == NULL || !sign_asked(req))
        return;
    uv_mutex_lock(&h->lock);
    if (h->signer_set) {
        memcpy(sk, h->signer_sk, sizeof(sk));
        have = true;
    }
    uv_mutex_unlock(&h->lock);
    if (!have)
        return;
    struct timeval tv;
    gettimeofday(&tv, NULL);
    uint64_t t = (uint64_t)tv.tv_sec * 1000u + (uint64_t)tv.tv_usec / 1000u;
    proto_answer_json_sign(body, len, t, sk, sig);
    char key[PROTO_KEY_TEXT_LEN + 1], ts[24],
        b64[sodium_base64_ENCODED_LEN(PROTO_SIG_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    proto_key_text_format(sk + 32, key);
    sodium_memzero(sk, sizeof(sk));
    int tn = snprintf(ts, sizeof(ts), "%llu", (unsigned long long)t);
    sodium_bin2base64(b64, sizeof(b64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("recnet-signer"), 0, NULL,
                          h2o_strdup(&req->pool, key, strlen(key)).base, strlen(key));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("recnet-time"), 0, NULL,
                          h2o_strdup(&req->pool, ts, (size_t)tn).base, (size_t)tn);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("recnet-signature"), 0, NULL,
                          h2o_strdup(&req->pool, b64, strlen(b64)).base, strlen(b64));
}

static void send_body(h2o_req_t *req, int status, const char *type, const void *body, size_t len)
{
    count_answer(req, status);
    if (strcmp(type, "application/json") == 0)
        sign_json(req, body, len);
    req->res.status = status;
    req->res.reason = reason_of(status);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    if (status == 429 || status == 503)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_RETRY_AFTER, NULL, H2O_STRLIT("1"));
    h2o_send_inline(req, body, len);
}

static void send_json(h2o_req_t *req, int status, json_t *j)
{
    char *t = j != NULL ? api_json_text(j) : NULL;
    if (t == NULL) {
        static const char oom[] = "{\"error\":{\"name\":\"RN_ENOMEM\",\"message\":\"out of "
                                  "memory\",\"field\":null}}\n";
        send_body(req, 500, "application/json", oom, sizeof(oom) - 1);
        return;
    }
    send_body(req, status, "application/json", t, strlen(t));
    free(t);
}

/* {"error": {"name", "message", "field", "index"?}}: the control API's error, as JSON. */
static void send_error_parts(h2o_req_t *req, int status, const char *name, const char *message,
                             const char *field, bool has_index, uint32_t index)
{
    json_t *o = json_object(), *e = json_object();
    if (o == NULL || e == NULL) {
        json_decref(o);
        json_decref(e);
        send_json(req, 500, NULL);
        return;
    }
    json_object_set_new(e, "name", json_string(name));
    json_object_set_new(e, "message", json_string(message));
    json_object_set_new(e, "field",
                        field != NULL && field[0] != '\0' ? json_string(field) : json_null());
    if (has_index)
        json_object_set_new(e, "index", json_integer(index));
    json_object_set_new(o, "error", e);
    send_json(req, status, o);
    json_decref(o);
}

static int status_of(int code)
{
    switch (code) {
    case RN_ENOTFOUND:
        return 404;
    case RN_ESUPERSEDED:
        return 410;
    case RN_ESTORE:
    case RN_ECORRUPT:
    case RN_EIO:
    case RN_ENOMEM:
        return 500;
    default:
        return 400;
    }
}

static void send_ctl_error(h2o_req_t *req, int status, const ctl_error *e)
{
    send_error_parts(req, status, rn_err_name(e->code),
                     e->message[0] != '\0' ? e->message : rn_strerror(e->code), e->field, false, 0);
}

static void send_error(h2o_req_t *req, int status, int code, const char *field, const char *message)
{
    ctl_error e;
    ctl_error_msg(&e, code, field, message);
    send_ctl_error(req, status, &e);
}

/* ---- The gateway's own views ---- */

/* The keys of `status` that /v1/status shows: what the node is and holds, not its disk, clock,
 * counters or peers' addresses. */
static const char *const status_public[] = { "country",       "role",    "key",   "seq",
                                             "entries",       "authors", "forks", "peers",
                                             "index_pending", "time" };

/* A text buffer for /metrics: grows up to a bound, as everything here does. */
typedef struct text {
    char *p;
    size_t len, cap;
    bool failed;
} text;

#define METRICS_BYTES_MAX (4u << 20)

static void tput(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tput(text *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p != NULL ? t->p + t->len : NULL, t->p != NULL ? t->cap - t->len : 0,
                          fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if (t->p != NULL && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap == 0 ? 16384 : t->cap * 2;
        while (cap <= t->len + (size_t)n)
            cap *= 2;
        char *q = cap <= METRICS_BYTES_MAX ? realloc(t->p, cap) : NULL;
        if (q == NULL) {
            t->failed = true;
            return;
        }
        t->p = q;
        t->cap = cap;
    }
}

/* A label value: the characters Prometheus needs escaped are replaced. */
static const char *label(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (; s != NULL && *s != '\0' && o + 1 < cap; s++)
        out[o++] = (*s == '"' || *s == '\\' || *s == '\n') ? '_' : *s;
    out[o] = '\0';
    return out;
}

static void metrics(node_http *h, h2o_req_t *req, json_t *status, json_t *peers)
{
    text t = { NULL, 0, 0, false };
    const char *k;
    json_t *v;
    char l1[128], l2[128];
    tput(&t, "# HELP recnet_up 1 while the node answers.\n# TYPE recnet_up gauge\nrecnet_up 1\n");
    static const char *const gauges[] = { "seq", "entries", "authors" };
    for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
        json_t *g = json_object_get(status, gauges[i]);
        if (json_is_integer(g))
            tput(&t, "# TYPE recnet_%s gauge\nrecnet_%s %lld\n", gauges[i], gauges[i],
                 (long long)json_integer_value(g));
    }
    json_t *pc = json_object_get(status, "peers");
    tput(&t, "# TYPE recnet_peers_connected gauge\nrecnet_peers_connected %lld\n",
         (long long)json_integer_value(json_object_get(pc, "connected")));
    tput(&t, "# TYPE recnet_forks gauge\nrecnet_forks %zu\n",
         json_array_size(json_object_get(status, "forks")));
    tput(&t, "# TYPE recnet_index_pending gauge\nrecnet_index_pending %d\n",
         json_is_true(json_object_get(status, "index_pending")) ? 1 : 0);
    /* The status counters: every one, under its own name (PROTOCOL.md 12.3). */
    json_object_foreach(json_object_get(status, "counters"), k, v)
    {
        if (json_is_integer(v))
            tput(&t, "# TYPE recnet_%s counter\nrecnet_%s %lld\n", k, k,
                 (long long)json_integer_value(v));
    }
    /* Catch-ups (PROTOCOL.md 12.3, status.catchup): all of them, and the current or last. */
    static const struct {
        const char *key, *name, *type, *help;
    } catchup[] = {
        { "runs", "recnet_catchup_runs_total", "counter", "catch-ups begun" },
        { "active", "recnet_catchup_active", "gauge", "1 while a catch-up runs" },
        { "entries", "recnet_catchup_entries_total", "counter",
          "new entries taken in during catch-ups" },
        { "bytes", "recnet_catchup_bytes_total", "counter", "their bytes" },
        { "last_entries", "recnet_catchup_last_entries", "gauge",
          "new entries of the current or last catch-up" },
        { "last_bytes", "recnet_catchup_last_bytes", "gauge", "their bytes" },
        { "last_expected", "recnet_catchup_last_expected", "gauge",
          "entries the peers showed beyond our heads when it began" },
        { "last_ms", "recnet_catchup_last_seconds", "gauge",
          "how long the current or last catch-up has run" },
    };
    json_t *cu = json_object_get(status, "catchup");
    for (size_t i = 0; json_is_object(cu) && i < sizeof(catchup) / sizeof(catchup[0]); i++) {
        json_t *x = json_object_get(cu, catchup[i].key);
        tput(&t, "# HELP %s %s.\n# TYPE %s %s\n", catchup[i].name, catchup[i].help, catchup[i].name,
             catchup[i].type);
        if (strcmp(catchup[i].key, "last_ms") == 0)
            tput(&t, "%s %.3f\n", catchup[i].name, (double)json_integer_value(x) / 1000.0);
        else
            tput(&t, "%s %lld\n", catchup[i].name,
                 json_is_boolean(x) ? (long long)json_is_true(x)
                                    : (long long)json_integer_value(x));
    }
    json_t *disk = json_object_get(status, "disk");
    json_object_foreach(disk, k, v)
    {
        if (json_is_integer(v))
            tput(&t, "# TYPE recnet_disk_%s gauge\nrecnet_disk_%s %lld\n", k, k,
                 (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            tput(&t, "# TYPE recnet_disk_%s gauge\nrecnet_disk_%s %d\n", k, k, json_is_true(v));
    }
    /* Per peer, the lag both ways: what it holds that we lack, and what we hold that it lacks. */
    static const struct {
        const char *key, *name, *help;
    } per_peer[] = {
        { "connected", "recnet_peer_connected", "1 while connected" },
        { "entries_behind", "recnet_peer_entries_behind",
          "entries the peer shows beyond our heads (we lag)" },
        { "peer_behind", "recnet_peer_behind", "entries we hold that the peer lacks (it lags)" },
        { "bytes_in", "recnet_peer_bytes_in", "bytes received" },
        { "bytes_out", "recnet_peer_bytes_out", "bytes sent" },
        { "idle_ms", "recnet_peer_idle_ms", "ms since its last frame" },
    };
    for (size_t m = 0; m < sizeof(per_peer) / sizeof(per_peer[0]); m++) {
        size_t i;
        json_t *p;
        tput(&t, "# HELP %s %s.\n# TYPE %s gauge\n", per_peer[m].name, per_peer[m].help,
             per_peer[m].name);
        json_array_foreach(peers, i, p)
        {
            json_t *x = json_object_get(p, per_peer[m].key);
            long long val = json_is_boolean(x) ? json_is_true(x) : json_integer_value(x);
            tput(&t, "%s{country=\"%s\",key=\"%s\"} %lld\n", per_peer[m].name,
                 label(json_string_value(json_object_get(p, "country")), l1, sizeof(l1)),
                 label(json_string_value(json_object_get(p, "key")), l2, sizeof(l2)), val);
        }
    }
    /* The gateway's own: requests and latency per endpoint. */
    tput(&t, "# HELP recnet_http_requests_total HTTP answers by endpoint and status class.\n"
             "# TYPE recnet_http_requests_total counter\n");
    size_t en = endpoints_n();
    for (size_t e = 0; e < en; e++)
        for (int c = 0; c < 5; c++)
            if (h->stats[e].by_class[c] > 0)
                tput(&t, "recnet_http_requests_total{endpoint=\"%s\",code=\"%dxx\"} %llu\n",
                     endpoint_name(e), c + 1, (unsigned long long)h->stats[e].by_class[c]);
    tput(&t, "# HELP recnet_http_request_seconds Time from a request's start to its answer.\n"
             "# TYPE recnet_http_request_seconds histogram\n");
    for (size_t e = 0; e < en; e++) {
        const endpoint_stats *st = &h->stats[e];
        for (size_t b = 0; b < LATENCY_N; b++)
            tput(&t, "recnet_http_request_seconds_bucket{endpoint=\"%s\",le=\"%g\"} %llu\n",
                 endpoint_name(e), latency_s[b], (unsigned long long)st->bucket[b]);
        tput(&t, "recnet_http_request_seconds_bucket{endpoint=\"%s\",le=\"+Inf\"} %llu\n",
             endpoint_name(e), (unsigned long long)st->count);
        tput(&t, "recnet_http_request_seconds_sum{endpoint=\"%s\"} %.6f\n", endpoint_name(e),
             st->sum_s);
        tput(&t, "recnet_http_request_seconds_count{endpoint=\"%s\"} %llu\n", endpoint_name(e),
             (unsigned long long)st->count);
    }
    tput(&t, "# TYPE recnet_http_connections gauge\nrecnet_http_connections %u\n", h->conns);
    tput(&t, "# TYPE recnet_http_rate_limited_total counter\nrecnet_http_rate_limited_total %llu\n",
         (unsigned long long)h->rate_limited);
    tput(&t, "# TYPE recnet_http_queue_full_total counter\nrecnet_http_queue_full_total %llu\n",
         (unsigned long long)h->queue_full);
    if (t.failed)
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
    else
        send_body(req, 200, "text/plain; version=0.0.4; charset=utf-8", t.p, t.len);
    free(t.p);
}

static void answer_view(job *j, const ctl_response *r)
{
    node_http *h = current;
    h2o_req_t *req = j->req;
    if (r->is_error) {
        send_error(req, 503, r->code, NULL, "the node cannot tell its status");
        return;
    }
    json_t *st = api_json_from_mp(r->result), *peers = NULL;
    if (st == NULL) {
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    if (j->v == VIEW_STATUS) {
        json_t *o = json_object();
        for (size_t i = 0; o != NULL && i < sizeof(status_public) / sizeof(status_public[0]); i++) {
            json_t *v = json_object_get(st, status_public[i]);
            if (v != NULL)
                json_object_set(o, status_public[i], v);
        }
        send_json(req, 200, o);
        json_decref(o);
    } else if (j->v == VIEW_READY) {
        json_t *disk = json_object_get(st, "disk");
        bool replica = !json_is_true(json_object_get(disk, "writes_stopped")) &&
                       !json_is_true(json_object_get(disk, "full"));
        bool index = !json_is_true(json_object_get(st, "index_pending"));
        json_int_t connected =
            json_integer_value(json_object_get(json_object_get(st, "peers"), "connected"));
        bool peers_ok = connected >= (json_int_t)h->peers_expected;
        json_t *o = json_object(), *p = json_object();
        json_object_set_new(o, "ready", json_boolean(replica && index && peers_ok));
        json_object_set_new(o, "replica", json_boolean(replica));
        json_object_set_new(o, "index", json_boolean(index));
        json_object_set_new(p, "connected", json_integer(connected));
        json_object_set_new(p, "expected", json_integer(h->peers_expected));
        json_object_set_new(o, "peers", p);
        send_json(req, replica && index && peers_ok ? 200 : 503, o);
        json_decref(o);
    } else {
        ctl_response pr;
        if (j->n < 2 || j->c[1].out == NULL ||
            ctl_response_decode(&pr, j->c[1].out, j->c[1].out_len) != 0 || pr.is_error ||
            (peers = api_json_from_mp(pr.result)) == NULL) {
            send_error(req, 503, RN_EIO, NULL, "the node did not list its peers");
        } else {
            metrics(h, req, st, peers);
        }
    }
    json_decref(peers);
    json_decref(st);
}

static job *job_new(node_http *h, h2o_req_t *req, view v);
static int job_call(node_http *h, job *j, const ctl_method *m, const uint8_t *params,
                    size_t params_len);
static void job_queue(node_http *h, job *j);

/* GET /v1/spec/{id}?as= (api/export.h): the spec's answer `r` asks for its provider, as of the
 * same time, in a second job; the provider's answer makes the document. */
static void export_answer(job *j, const ctl_response *r)
{
    h2o_req_t *req = j->req;
    char why[256];
    if (j->spec.out == NULL) {
        proto_entry e;
        proto_record *rec = malloc(sizeof(*rec));
        char *pid = h2o_mem_alloc_pool(&req->pool, RN_ID_BYTES_MAX + 1);
        job *n = NULL;
        mp_buf params;
        ctl_error ce;
        if (rec == NULL || api_export_record_of(r->result, PROTO_KIND_SPEC, &e, rec) != 0) {
            free(rec);
            send_error(req, 500, RN_EMALFORMED, NULL, "malformed result");
            return;
        }
        snprintf(pid, RN_ID_BYTES_MAX + 1, "%.*s", (int)rec->u.spec.provider.len,
                 (const char *)rec->u.spec.provider.ptr);
        free(rec);
        for (uint32_t i = 0; i < j->q->n; i++) {
            api_param *p = &j->q->p[i];
            p->used = strcmp(p->name, "as") == 0;
            if (strcmp(p->name, "kind") == 0)
                p->value = "provider", p->value_len = 8;
            if (strcmp(p->name, "id") == 0)
                p->value = pid, p->value_len = strlen(pid);
        }
        mp_buf_init(&params, RN_HTTP_QUERY_BYTES_MAX * 2u + 1024u);
        int rc =
            api_params_build(&params, ctl_method_get(CTL_M_RECORD), j->q, NULL, 0, "proof", &ce);
        if (rc == 0 && (n = job_new(current, req, VIEW_ROUTE)) != NULL &&
            job_call(current, n, ctl_method_get(CTL_M_RECORD), params.data, params.len) == 0) {
            n->form = j->form;
            n->spec.out = j->c[0].out; /* taken: the spec's answer goes with the second job */
            n->spec.out_len = j->c[0].out_len;
            j->c[0].out = NULL;
            mp_buf_free(&params);
            job_queue(current, n);
            return;
        }
        mp_buf_free(&params);
        if (n != NULL)
            job_free(n);
        send_error(req, 500, rc != 0 ? rc : RN_ENOMEM, NULL, "cannot ask for the provider");
        return;
    }
    ctl_response rs;
    json_t *doc = NULL;
    char *out = NULL;
    int rc = ctl_response_decode(&rs, j->spec.out, j->spec.out_len);
    if (rc == 0)
        rc = api_export_answers(rs.result, r->result, (api_export_form)j->form, &doc, why,
                                sizeof(why));
    if (rc == 0 && (out = api_json_text(doc)) == NULL)
        rc = RN_ENOMEM;
    if (rc != 0)
        send_error(req, 500, rc, NULL, rc == RN_ENOMEM ? "out of memory" : why);
    else
        send_body(req, 200, API_EXPORT_MEDIA_TYPE, out, strlen(out));
    free(out);
    json_decref(doc);
}

/* The result of a response [1, msgid, nil, result] that is not an error, without checking the
 * result (the writer checks it as it goes); false for anything else. */
static bool result_of(const call *c, mp_cur *result)
{
    mp_cur v;
    uint32_t n;
    uint64_t type, msgid;
    if (c->out == NULL)
        return false;
    mp_cur_init(&v, c->out, c->out_len);
    if (mp_read_array(&v, &n) < 0 || n != 4 || mp_read_uint(&v, &type) < 0 || type != 1 ||
        mp_read_uint(&v, &msgid) < 0 || mp_read_nil(&v) < 0)
        return false;
    *result = v;
    return true;
}

/* A response from the node, as JSON, a bundle or an error. */
static void answer(job *j)
{
    h2o_req_t *req = j->req;
    ctl_response r;
    /* The common case straight to text, the response checked by the writer as it reads it;
     * anything it declines takes the path below, whose bytes it would have written anyway. */
    mp_cur fast;
    if (j->v == VIEW_ROUTE && !j->proof && !j->sign && !j->entry && j->ver == NULL &&
        j->form == 0 && !j->document && result_of(&j->c[0], &fast) &&
        api_json_write(&current->json, fast, API_JSON_DROP_PROOF | API_JSON_WHOLE) == 0) {
        send_body(req, 200, "application/json", current->json.p, current->json.len);
        return;
    }
    if (j->c[0].out == NULL || ctl_response_decode(&r, j->c[0].out, j->c[0].out_len) != 0) {
        send_error(req, 503, RN_EIO, NULL, "the node did not answer");
        return;
    }
    if (j->v != VIEW_ROUTE) {
        answer_view(j, &r);
        return;
    }
    if (r.is_error) {
        char name[64], msg[CTL_MESSAGE_BYTES], field[CTL_FIELD_BYTES];
        snprintf(name, sizeof(name), "%.*s", (int)r.name_len,
                 r.name != NULL ? (const char *)r.name : "");
        snprintf(msg, sizeof(msg), "%.*s", (int)r.message_len,
                 r.message != NULL ? (const char *)r.message : "");
        snprintf(field, sizeof(field), "%.*s", (int)r.field_len,
                 r.field != NULL ? (const char *)r.field : "");
        send_error_parts(req, status_of(r.code), name, msg, field, r.has_index, r.index);
        return;
    }
    if (j->sign) {
        const uint8_t *b;
        uint32_t n;
        if (mp_read_bin(&r.result, &b, &n) < 0) {
            send_error(req, 500, RN_EMALFORMED, NULL, "malformed result");
            return;
        }
        send_body(req, 200, "application/vnd.recnet.signed-answer", b, n);
        return;
    }
    if (j->proof) {
        mp_cur v;
        const uint8_t *b;
        uint32_t n;
        if (!api_map_get(r.result, "proof", &v) || mp_read_bin(&v, &b, &n) < 0) {
            send_error(req, 406, RN_ENOTFOUND, "proof", "this answer has no proof bundle");
            return;
        }
        send_body(req, 200, "application/vnd.recnet.proof", b, n);
        return;
    }
    if (j->form != 0) {
        export_answer(j, &r);
        return;
    }
    if (j->document) {
        mp_cur v;
        const uint8_t *b;
        uint32_t n;
        if (!api_map_get(r.result, API_DOCUMENT_MEMBER, &v) || mp_read_str(&v, &b, &n) < 0) {
            send_error(req, 500, RN_EMALFORMED, NULL, "malformed result");
            return;
        }
        send_body(req, 200, API_DOCUMENT_TYPE, b, n);
        return;
    }
    json_t *res = j->entry ? api_json_record(r.result) : api_json_from_mp(r.result);
    if (res == NULL) {
        send_error(req, 500, RN_EMALFORMED, NULL, "malformed result");
        return;
    }
    api_json_drop_proof(res, r.result);
    send_json(req, 200, res);
    json_decref(res);
}

/* ---- The node's side ---- */

static void on_node_async(uv_async_t *a)
{
    node_http *h = a->data;
    uv_mutex_lock(&h->lock);
    job *list = h->todo;
    h->todo = NULL;
    h->todo_tail = &h->todo;
    h->todo_n = 0;
    uv_mutex_unlock(&h->lock);
    if (list == NULL)
        return;
    job *first = list, **tail = &first;
    for (job *j = list; j != NULL; j = j->next) {
        for (uint32_t i = 0; i < j->n; i++) {
            call *c = &j->c[i];
            mp_buf_reset(&h->resp);
            (void)h->exec(h->ctx, c->in, c->in_len, &h->resp);
            if (h->resp.len > 0) {
                c->out = malloc(h->resp.len);
                if (c->out != NULL) {
                    memcpy(c->out, h->resp.data, h->resp.len);
                    c->out_len = h->resp.len;
                }
            }
        }
        tail = &j->next;
    }
    h->done(h->ctx);
    uv_mutex_lock(&h->lock);
    bool wake = h->done_list == NULL; /* as job_queue: a list not empty has its wake-up */
    *h->done_tail = first;
    h->done_tail = tail;
    uv_mutex_unlock(&h->lock);
    if (wake)
        uv_async_send(&h->http_async);
}

/* ---- The gateway's side ---- */

static void verify_resume(node_http *h, job *j);

static void on_http_async(uv_async_t *a)
{
    node_http *h = a->data;
    uv_mutex_lock(&h->lock);
    job *list = h->done_list;
    h->done_list = NULL;
    h->done_tail = &h->done_list;
    bool stopping = h->stopping;
    uv_mutex_unlock(&h->lock);
    while (list != NULL) {
        job *j = list;
        list = j->next;
        if (j->ver != NULL && j->req != NULL) {
            verify_resume(h, j);
            continue;
        }
        if (j->req != NULL)
            answer(j);
        job_free(j);
    }
    if (stopping) {
        uv_close((uv_handle_t *)&h->listener, NULL);
        uv_close((uv_handle_t *)&h->http_async, NULL);
        uv_stop(&h->loop);
    }
}

static uint64_t mono_ms(node_http *h)
{
    return uv_now(&h->loop);
}

/* The token bucket of the client's address: false when it is empty. */
static bool rate_take(node_http *h, h2o_req_t *req)
{
    if (h->rate_per_s == 0)
        return true;
    struct sockaddr_storage ss;
    uint8_t addr[16];
    memset(addr, 0, sizeof(addr));
    socklen_t sl = req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss);
    if (sl == 0)
        return true;
    if (ss.ss_family == AF_INET)
        memcpy(addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
    else if (ss.ss_family == AF_INET6)
        memcpy(addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
    uint64_t now = mono_ms(h);
    rate_slot *oldest = &h->rate[0], *s = NULL;
    for (size_t i = 0; i < RN_HTTP_RATE_ADDRS_MAX; i++) {
        rate_slot *r = &h->rate[i];
        if (r->last_ms != 0 && memcmp(r->addr, addr, 16) == 0) {
            s = r;
            break;
        }
        if (r->last_ms < oldest->last_ms)
            oldest = r;
    }
    double burst = 2.0 * h->rate_per_s;
    if (s == NULL) {
        s = oldest;
        memcpy(s->addr, addr, 16);
        s->tokens = burst;
        s->last_ms = now;
    }
    s->tokens += (double)(now - s->last_ms) * h->rate_per_s / 1000.0;
    if (s->tokens > burst)
        s->tokens = burst;
    s->last_ms = now != 0 ? now : 1;
    if (s->tokens < 1.0)
        return false;
    s->tokens -= 1.0;
    return true;
}

/* ---- Signed answers (PROTOCOL.md 12.5) ---- */

/* Does the method take request options (ctl.h, CTL_OPTIONS_PARAM), its last parameter? */
static bool method_has_options(const ctl_method *m)
{
    uint32_t n = ctl_params_max(m);
    return n > 0 && strcmp(m->params[n - 1].name, CTL_OPTIONS_PARAM) == 0;
}

/* ?signed=1|0, or Accept: application/vnd.recnet.signed-answer: *sign. Answers 400 and returns
 * -1 for another value. */
static int signed_asked(h2o_req_t *req, api_query *q, bool *sign)
{
    static const char t[] = "application/vnd.recnet.signed-answer";
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (i >= 0) {
        h2o_iovec_t v = req->headers.entries[i].value;
        for (size_t k = 0; k + sizeof(t) - 1 <= v.len && !*sign; k++)
            *sign = memcmp(v.base + k, t, sizeof(t) - 1) == 0;
    }
    api_param *sp = api_query_get(q, "signed");
    if (sp == NULL)
        return 0;
    if (strcmp(sp->value, "1") != 0 && strcmp(sp->value, "0") != 0) {
        send_error(req, 400, RN_EINVAL, "signed", "signed is 1 or 0");
        return -1;
    }
    sp->used = true;
    *sign = *sign || sp->value[0] == '1';
    return 0;
}

/* The params api_params_build wrote end with the options parameter, nil (a query string has no
 * options): it becomes {signed: true}. */
static void options_signed(mp_buf *params)
{
    RN_ASSERT(params->len > 0 && params->data[params->len - 1] == 0xc0);
    params->len--;
    mp_put_map(params, 1);
    mp_put_cstr(params, "signed");
    mp_put_bool(params, true);
}

void node_http_signer_set(node_http *h, const uint8_t sk[PROTO_SK_BYTES])
{
    uv_mutex_lock(&h->lock);
    memcpy(h->signer_sk, sk, PROTO_SK_BYTES);
    h->signer_set = true;
    uv_mutex_unlock(&h->lock);
}

static bool wants_proof(h2o_req_t *req)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_ACCEPT, -1);
    if (i < 0)
        return false;
    h2o_iovec_t v = req->headers.entries[i].value;
    static const char t[] = "application/vnd.recnet.proof";
    for (size_t k = 0; k + sizeof(t) - 1 <= v.len; k++)
        if (memcmp(v.base + k, t, sizeof(t) - 1) == 0)
            return true;
    return false;
}

/* A job for `req`, guarded against the request going away. NULL when out of memory. */
static job *job_new(node_http *h, h2o_req_t *req, view v)
{
    (void)h;
    job *j = calloc(1, sizeof(*j));
    if (j == NULL)
        return NULL;
    guard *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_guard_dispose);
    j->req = req;
    j->v = v;
    j->g = g;
    g->j = j;
    return j;
}

/* Adds the request [0, msgid, m, params] to the job. Returns 0 or RN_ENOMEM. */
static int job_call(node_http *h, job *j, const ctl_method *m, const uint8_t *params,
                    size_t params_len)
{
    mp_buf full;
    RN_ASSERT(j->n < 2);
    mp_buf_init(&full, RN_CONTROL_REQUEST_BYTES_MAX);
    ctl_request_wrap(&full, ++h->msgid, m, params, params_len);
    if (full.err != 0) {
        mp_buf_free(&full);
        return RN_ENOMEM;
    }
    j->c[j->n].in = full.data; /* taken from the buffer */
    j->c[j->n].in_len = full.len;
    j->n++;
    full.data = NULL;
    mp_buf_free(&full);
    return 0;
}

/* Queues the job for the node's loop, or answers 503 when the queue is full. */
static void job_queue(node_http *h, job *j)
{
    uv_mutex_lock(&h->lock);
    bool room = h->todo_n < RN_HTTP_QUEUE_MAX && !h->stopping;
    /* Only the first job of a batch wakes the node's loop: while the queue is not empty, the
     * wake-up of its first job has not been taken yet, and takes the whole queue. Fewer
     * uv_async_send calls, fewer times the two loops meet in libuv's async handshake. */
    bool wake = h->todo_n == 0;
    if (room) {
        *h->todo_tail = j;
        h->todo_tail = &j->next;
        h->todo_n++;
    }
    uv_mutex_unlock(&h->lock);
    if (!room) {
        h2o_req_t *req = j->req;
        h->queue_full++;
        job_free(j);
        send_error(req, 503, RN_EFULL, NULL, "the node is busy; try again");
        return;
    }
    if (wake)
        uv_async_send(&h->node_async);
}

/* ---- POST /v1/verify: a verifier job (api/verifier.h) ----
 *
 * The credential is checked on the gateway's thread (its signatures, proofs and seals cost
 * CPU, not the replica); each question the verifier asks of the registry (record, search,
 * verify) is one call of a job through the node's queue, and the job comes back, is fed the
 * answer and goes round again until the verifier is done. A client that goes away ends it at
 * its next return.
 */

/* The body's media types: a specific one must be what the body is; a generic one (or none) is
 * sniffed. */
static const struct {
    const char *type;
    char form; /* 'j' compact JWS, '{' JSON, 'e' envelope, 0 generic */
} verify_types[] = {
    { "application/jwt", 'j' },
    { "application/vc+jwt", 'j' },
    { "application/vc+ld+json", '{' },
    { "application/vc+ld+json+jwt", 'j' },
    { "application/ld+json", '{' },
    { "application/json", '{' },
    { "application/vnd.recnet.credential", 'e' },
    { "application/octet-stream", 0 },
    { "application/x-www-form-urlencoded", 0 }, /* what curl --data-binary sends by default */
    { "text/plain", 0 },
};

/* 0 when the Content-Type admits the body, else the HTTP status (415) with the message. */
static int verify_type_check(h2o_req_t *req, char *msg, size_t cap)
{
    ssize_t i = h2o_find_header(&req->headers, H2O_TOKEN_CONTENT_TYPE, -1);
    if (i < 0)
        return 0;
    h2o_iovec_t v = req->headers.entries[i].value;
    size_t tl = 0;
    while (tl < v.len && v.base[tl] != ';' && v.base[tl] != ' ')
        tl++;
    const uint8_t *b = (const uint8_t *)req->entity.base;
    size_t n = req->entity.len;
    size_t k = 0;
    while (k < n && (b[k] == ' ' || b[k] == '\t' || b[k] == '\r' || b[k] == '\n'))
        k++;
    for (size_t t = 0; t < sizeof(verify_types) / sizeof(verify_types[0]); t++) {
        const char *name = verify_types[t].type;
        if (strlen(name) != tl || !h2o_lcstris(v.base, tl, name, tl))
            continue;
        char f = verify_types[t].form;
        bool ok = f == 0 || (f == 'j' && cred_jws_looks_compact(b, n)) ||
                  (f == '{' && k < n && b[k] == '{') || (f == 'e' && n > 0 && b[0] == 0x97);
        if (ok)
            return 0;
        snprintf(msg, cap, "the body is not %s", name);
        return 415;
    }
    snprintf(msg, cap,
             "a credential is sent as application/jwt, application/vc+ld+json, "
             "application/json or application/vnd.recnet.credential (or a generic type)");
    return 415;
}

/* The verifier's answer to the client: its JSON, or its error. */
static void verify_answer(job *j)
{
    h2o_req_t *req = j->req;
    api_verifier *v = j->ver;
    json_t *ans = api_verifier_answer(v);
    const char *field, *msg;
    int code = api_verifier_error(v, &field, &msg);
    if (ans == NULL) {
        int status = api_verifier_outcome(v) == API_VERIFY_REFUSED ? 400 : status_of(code);
        send_error(req, status, code, field[0] != '\0' ? field : NULL, msg);
        return;
    }
    if (j->proof) {
        size_t len;
        const uint8_t *b = api_verifier_proof(v, &len);
        if (b == NULL)
            send_error(req, 406, RN_ENOTFOUND, "proof",
                       "this answer has no proof bundle: the "
                       "node was not asked");
        else
            send_body(req, 200, "application/vnd.recnet.proof", b, len);
        return;
    }
    send_json(req, 200, ans);
}

/* The verifier's next question queued, or its answer sent and the job freed. */
static void verify_step(node_http *h, job *j)
{
    ctl_method_id m;
    const uint8_t *params;
    size_t len;
    if (api_verifier_next(j->ver, &m, &params, &len) == API_VERIFIER_DONE) {
        verify_answer(j);
        job_free(j);
        return;
    }
    for (uint32_t i = 0; i < j->n; i++) {
        free(j->c[i].in);
        free(j->c[i].out);
    }
    memset(j->c, 0, sizeof(j->c));
    j->n = 0;
    j->next = NULL;
    if (job_call(h, j, ctl_method_get(m), params, len) != 0) {
        send_error(j->req, 500, RN_ENOMEM, NULL, "out of memory");
        job_free(j);
        return;
    }
    job_queue(h, j);
}

static void verify_resume(node_http *h, job *j)
{
    api_verifier_feed(j->ver, j->c[0].out, j->c[0].out_len);
    verify_step(h, j);
}

static void verify_start(node_http *h, h2o_req_t *req, api_query *q, bool proof)
{
    static const char *const known[] = { "country", "purpose", "at", "spec", "proof" };
    char msg[CTL_MESSAGE_BYTES];
    for (uint32_t i = 0; i < q->n; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            ok = ok || strcmp(q->p[i].name, known[k]) == 0;
        if (!ok) {
            send_error(req, 400, RN_EUNKNOWNFIELD, q->p[i].name,
                       "verify takes country, purpose, at, spec and proof");
            return;
        }
    }
    api_param *cc = api_query_get(q, "country"), *pu = api_query_get(q, "purpose");
    api_param *at = api_query_get(q, "at"), *spec = api_query_get(q, "spec");
    if (cc == NULL || pu == NULL) {
        send_error(req, 400, RN_EMISSING, cc == NULL ? "country" : "purpose",
                   "verify needs country and purpose");
        return;
    }
    if (req->entity.base == NULL || req->entity.len == 0) {
        send_error(req, 400, RN_EMISSING, "body", "the credential file is the request's body");
        return;
    }
    int status = verify_type_check(req, msg, sizeof(msg));
    if (status != 0) {
        send_error(req, status, RN_EINVAL, "body", msg);
        return;
    }
    api_verifier_opts o;
    memset(&o, 0, sizeof(o));
    o.country = cc->value;
    o.purpose = pu->value;
    o.spec = spec != NULL ? spec->value : NULL;
    o.now_ms = (uint64_t)time(NULL) * 1000u;
    if (at != NULL) {
        if (rec_time_parse(at->value, at->value_len, &o.at_ms) < 0) {
            send_error(req, 400, RN_ETIME, "at", "at: expected a date or a datetime with its zone");
            return;
        }
        o.at_set = true;
        o.now_ms = o.at_ms;
    }
    uv_mutex_lock(&h->lock);
    o.docs = h->verify_docs;
    o.trust = h->verify_trust;
    uv_mutex_unlock(&h->lock);
    job *j = job_new(h, req, VIEW_ROUTE);
    if (j == NULL || (j->ver = api_verifier_new()) == NULL ||
        api_verifier_start(j->ver, (const uint8_t *)req->entity.base, req->entity.len, &o) != 0) {
        if (j != NULL)
            job_free(j);
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    j->proof = proof;
    verify_step(h, j);
}

int node_http_verify_set(node_http *h, const char *issuer_docs, const char *trust)
{
    char why[512];
    int rc;
    cred_docs *docs = NULL;
    cred_trust *tr = NULL;
    if (issuer_docs != NULL && issuer_docs[0] != '\0') {
        docs = malloc(sizeof(*docs));
        if (docs == NULL)
            return RN_ENOMEM;
        cred_docs_init(docs);
        if ((rc = cred_docs_load_dir(docs, issuer_docs, why, sizeof(why))) < 0) {
            NODE_LOG_ERR("http: issuer_docs: %s", why);
            cred_docs_free(docs);
            free(docs);
            return rc;
        }
    }
    if (trust != NULL && trust[0] != '\0') {
        tr = malloc(sizeof(*tr));
        if (tr != NULL)
            cred_trust_init(tr);
        if (tr == NULL || (rc = cred_trust_load_pem(tr, trust, why, sizeof(why))) < 0) {
            rc = tr == NULL ? RN_ENOMEM : rc;
            NODE_LOG_ERR("http: trust: %s", tr == NULL ? "out of memory" : why);
            if (tr != NULL)
                cred_trust_free(tr);
            free(tr);
            if (docs != NULL)
                cred_docs_free(docs);
            free(docs);
            return rc;
        }
    }
    uv_mutex_lock(&h->lock);
    RN_ASSERT(h->verify_docs == NULL && h->verify_trust == NULL);
    h->verify_docs = docs;
    h->verify_trust = tr;
    uv_mutex_unlock(&h->lock);
    return 0;
}

/* One of the gateway's own views: `status` (and `peers` for /metrics), no parameters. */
static void view_start(node_http *h, h2o_req_t *req, view v)
{
    static const uint8_t none[] = { 0x90 }; /* [] */
    job *j = job_new(h, req, v);
    if (j == NULL || job_call(h, j, ctl_method_get(CTL_M_STATUS), none, 1) != 0 ||
        (v == VIEW_METRICS && job_call(h, j, ctl_method_get(CTL_M_PEERS), none, 1) != 0)) {
        if (j != NULL)
            job_free(j);
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
        return;
    }
    job_queue(h, j);
}

/* The handler, with the gateway it serves. */
typedef struct handler {
    h2o_handler_t super;
    node_http *h;
} handler;

/* The verifier's page (www.h): true when `path` is one of its files, then answered (GET or
 * HEAD; any query is the page's own and ignored). The page may load and ask only its own node:
 * the Content-Security-Policy says so to the browser. */
static bool send_asset(h2o_req_t *req, const char *method, const char *path, size_t plen)
{
    static const char csp[] = "default-src 'self'; script-src 'self'; style-src 'self'; "
                              "img-src 'self'; connect-src 'self'; font-src 'self'; "
                              "object-src 'none'; base-uri 'none'; form-action 'self'; "
                              "frame-ancestors 'none'";
    const node_www_asset *a = node_www_assets;
    while (a->path != NULL && (plen != strlen(a->path) || memcmp(path, a->path, plen) != 0))
        a++;
    if (a->path == NULL)
        return false;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        send_error(req, 405, RN_EINVAL, NULL, "this path takes another HTTP method");
        return true;
    }
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0,
                          NULL, csp, sizeof(csp) - 1);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                          H2O_STRLIT("no-referrer"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    send_body(req, 200, a->type, a->bytes, a->len);
    return true;
}

static int on_req(h2o_handler_t *self, h2o_req_t *req)
{
    node_http *h = ((handler *)self)->h;
    char method[8];
    size_t ml = req->method.len < sizeof(method) - 1 ? req->method.len : sizeof(method) - 1;
    memcpy(method, req->method.base, ml);
    method[ml] = '\0';

    size_t head = req->path.len;
    for (size_t i = 0; i < req->headers.size; i++)
        head += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    if (req->headers.size > RN_HTTP_HEADERS_MAX || head > RN_HTTP_HEAD_BYTES_MAX) {
        send_error(req, 431, RN_ETOOBIG, NULL, "too many headers, or header bytes");
        return 0;
    }
    if (!rate_take(h, req)) {
        send_error(req, 429, RN_ETOOBIG, NULL, "too many requests from this address");
        return 0;
    }
    /* The path as sent, split at the query. */
    size_t plen = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const char *path = req->path.base;
    if (plen == 8 && memcmp(path, "/healthz", 8) == 0) {
        static const char ok[] = "{\n  \"status\": \"ok\"\n}\n";
        send_body(req, 200, "application/json", ok, sizeof(ok) - 1);
        return 0;
    }
    if (plen == 16 && memcmp(path, "/v1/openapi.json", 16) == 0) {
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
            send_error(req, 405, RN_EINVAL, NULL, "this path takes another HTTP method");
        else
            send_body(req, 200, "application/json", api_openapi_json, api_openapi_json_len);
        return 0;
    }
    if (send_asset(req, method, path, plen))
        return 0;
    static const struct {
        const char *path;
        view v;
    } views[] = { { "/readyz", VIEW_READY },
                  { "/metrics", VIEW_METRICS },
                  { "/v1/status", VIEW_STATUS } };
    for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++) {
        if (plen != strlen(views[i].path) || memcmp(path, views[i].path, plen) != 0)
            continue;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            send_error(req, 405, RN_EINVAL, NULL, "this path takes another HTTP method");
            return 0;
        }
        if (req->query_at != SIZE_MAX && req->path.len > req->query_at + 1) {
            send_error(req, 400, RN_EUNKNOWNFIELD, NULL, "this path takes no query parameters");
            return 0;
        }
        view_start(h, req, views[i].v);
        return 0;
    }
    const char *seg[2];
    size_t seg_len[2];
    bool wrong;
    const api_route *rt = api_route_find(path, plen, method, &wrong, seg, seg_len);
    if (rt == NULL) {
        if (wrong)
            send_error(req, 405, RN_EINVAL, NULL, "this path takes another HTTP method");
        else
            send_error(req, 404, RN_ENOTFOUND, NULL, "no such path");
        return 0;
    }
    const ctl_method *m = ctl_method_get(rt->id);
    /* The route table is checked at start; this keeps the rule where it is applied too. */
    if ((m->flags & CTL_PUBLIC) == 0 || (m->flags & CTL_WRITES) != 0) {
        send_error(req, 405, RN_EROLE, NULL, "not a public read-only method");
        return 0;
    }
    api_query *q = h2o_mem_alloc_pool(&req->pool, sizeof(*q));
    ctl_error e;
    size_t qlen = req->query_at != SIZE_MAX ? req->path.len - req->query_at - 1 : 0;
    const char *qs = req->query_at != SIZE_MAX ? req->path.base + req->query_at + 1 : "";
    if (api_query_parse(q, qs, qlen, &e) != 0) {
        send_ctl_error(req, e.code == RN_ETOOBIG ? 413 : 400, &e);
        return 0;
    }
    /* Path segments are parameters too (a query parameter of the same name is refused). */
    char segbuf[2][RN_ID_BYTES_MAX + 1];
    for (uint32_t k = 0; k < rt->segs; k++) {
        if (api_query_get(q, rt->seg[k]) != NULL || q->n == RN_HTTP_QUERY_PARAMS_MAX) {
            send_error(req, 400, RN_EDUPLICATE, rt->seg[k], "given in the path and the query");
            return 0;
        }
        if (seg_len[k] > RN_ID_BYTES_MAX * 3) {
            send_error(req, 400, RN_ELEN, rt->seg[k], "path segment too long");
            return 0;
        }
        api_query sq;
        char raw[RN_ID_BYTES_MAX * 3 + 1];
        memcpy(raw, seg[k], seg_len[k]);
        raw[seg_len[k]] = '\0';
        char one[RN_ID_BYTES_MAX * 3 + 4];
        int n = snprintf(one, sizeof(one), "v=%s", raw);
        if (n < 0 || api_query_parse(&sq, one, (size_t)n, &e) != 0 || sq.n != 1 ||
            sq.p[0].value_len > RN_ID_BYTES_MAX) {
            send_error(req, 400, RN_EINVAL, rt->seg[k], "bad path segment");
            return 0;
        }
        memcpy(segbuf[k], sq.p[0].value, sq.p[0].value_len + 1);
        q->p[q->n].name = rt->seg[k];
        q->p[q->n].value = segbuf[k];
        q->p[q->n].value_len = sq.p[0].value_len;
        q->p[q->n].used = false;
        q->n++;
    }
    /* GET /v1/spec/{id}[?as=ob3|elm]: the `record` method with kind spec; with `as`, the
     * export of api/export.h, else the entry as /v1/record/spec/{id} gives it. */
    api_export_form form = 0;
    if (strcmp(rt->path, API_EXPORT_ROUTE) == 0) {
        api_param *ap = api_query_get(q, "as");
        if (api_query_get(q, "kind") != NULL) {
            send_error(req, 400, RN_EUNKNOWNFIELD, "kind", "this path is a spec's");
            return 0;
        }
        if (q->n == RN_HTTP_QUERY_PARAMS_MAX) {
            send_error(req, 413, RN_ETOOBIG, NULL, "too many query parameters");
            return 0;
        }
        if (ap != NULL && api_export_form_parse(ap->value, &form) != 0) {
            send_error(req, 400, RN_EINVAL, "as", "as is ob3 or elm");
            return 0;
        }
        if (ap != NULL)
            ap->used = true;
        q->p[q->n].name = "kind";
        q->p[q->n].value = "spec";
        q->p[q->n].value_len = 4;
        q->p[q->n].used = false;
        q->n++;
    }
    api_param *pp = api_query_get(q, "proof");
    bool proof = wants_proof(req);
    if (pp != NULL) {
        if (strcmp(pp->value, "1") != 0 && strcmp(pp->value, "0") != 0) {
            send_error(req, 400, RN_EINVAL, "proof", "proof is 1 or 0");
            return 0;
        }
        proof = proof || pp->value[0] == '1';
    }
    if (rt->body) {
        verify_start(h, req, q, proof);
        return 0;
    }
    bool sign = false;
    if (signed_asked(req, q, &sign) != 0)
        return 0;
    if (sign && (proof || !method_has_options(m))) {
        send_error(req, 400, RN_EINVAL, "signed",
                   proof ? "a signed answer or a proof bundle, not both"
                         : "this path has no signed answer");
        return 0;
    }
    mp_buf params;
    /* A document's id is the URL it was asked at, unless the query names one. */
    char self_url[RN_URL_BYTES_MAX + 1];
    if (api_route_document(rt) && api_query_get(q, "url") == NULL &&
        q->n < RN_HTTP_QUERY_PARAMS_MAX) {
        int n = snprintf(self_url, sizeof(self_url), "%.*s://%.*s%.*s", (int)req->scheme->name.len,
                         req->scheme->name.base, (int)req->authority.len, req->authority.base,
                         (int)plen, path);
        if (n > 0 && (size_t)n < sizeof(self_url)) {
            q->p[q->n].name = "url";
            q->p[q->n].value = self_url;
            q->p[q->n].value_len = (size_t)n;
            q->p[q->n].used = false;
            q->n++;
        }
    }
    mp_buf_init(&params, RN_HTTP_QUERY_BYTES_MAX * 2u + 1024u);
    int rc = api_params_build(&params, m, q, NULL, 0, "proof", &e);
    if (rc != 0) {
        mp_buf_free(&params);
        send_ctl_error(req, 400, &e);
        return 0;
    }
    if (sign)
        options_signed(&params);
    job *j = job_new(h, req, VIEW_ROUTE);
    if (j != NULL && job_call(h, j, m, params.data, params.len) != 0) {
        job_free(j);
        j = NULL;
    }
    mp_buf_free(&params);
    if (j == NULL) {
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
        return 0;
    }
    j->proof = proof;
    j->sign = sign;
    j->entry = rt->entry;
    j->form = (int)form;
    j->q = q;
    j->document = api_route_document(rt);
    job_queue(h, j);
    return 0;
}

static void on_conn_closed(uv_handle_t *hd)
{
    node_http *h = hd->loop->data;
    h->conns--;
    free(hd);
}

static void on_accept(uv_stream_t *listener, int status)
{
    node_http *h = listener->data;
    if (status != 0)
        return;
    uv_tcp_t *c = malloc(sizeof(*c));
    if (c == NULL)
        return;
    uv_tcp_init(listener->loop, c);
    if (uv_accept(listener, (uv_stream_t *)c) != 0 || h->conns >= RN_HTTP_CONNS_MAX) {
        uv_close((uv_handle_t *)c, (uv_close_cb)free);
        return;
    }
    h->conns++;
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)c, on_conn_closed);
    h2o_accept(&h->accept_ctx, sock);
}

static void thread_main(void *arg)
{
    node_http *h = arg;
    struct sockaddr_storage ss;
    current = h;
    int rc;
    h->loop.data = h;
    h->listener.data = h;
    h->http_async.data = h;
    uv_tcp_init(&h->loop, &h->listener);
    uv_async_init(&h->loop, &h->http_async, on_http_async);
    if (uv_ip4_addr(h->addr.host, h->addr.port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(h->addr.host, h->addr.port, (struct sockaddr_in6 *)&ss) != 0)
        rc = UV_EINVAL;
    else
        rc = uv_tcp_bind(&h->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&h->listener, 128, on_accept);
    h->start_rc = rc;
    if (rc == 0) {
        h2o_context_init(&h->hctx, &h->loop, &h->config);
        h->accept_ctx.ctx = &h->hctx;
        h->accept_ctx.hosts = h->config.hosts;
    }
    uv_sem_post(&h->started);
    if (rc != 0) {
        uv_close((uv_handle_t *)&h->listener, NULL);
        uv_close((uv_handle_t *)&h->http_async, NULL);
    }
    uv_run(&h->loop, UV_RUN_DEFAULT);
}

static void on_node_async_closed(uv_handle_t *hd)
{
    node_http *h = hd->data;
    if (h->accept_ctx.ssl_ctx != NULL)
        SSL_CTX_free(h->accept_ctx.ssl_ctx);
    mp_buf_free(&h->resp);
    api_text_free(&h->json);
    free(h->rate);
    if (h->verify_docs != NULL)
        cred_docs_free(h->verify_docs);
    free(h->verify_docs);
    if (h->verify_trust != NULL)
        cred_trust_free(h->verify_trust);
    free(h->verify_trust);
    sodium_memzero(h->signer_sk, sizeof(h->signer_sk));
    free(h);
}

int node_http_start(node_http **out, uv_loop_t *loop, const nodeconf_addr *addr,
                    const char *tls_cert, const char *tls_key, uint32_t rate_per_s,
                    uint32_t peers_expected, node_http_exec_fn exec, node_http_done_fn done,
                    void *ctx)
{
    RN_ASSERT(api_routes_safe());
    node_http *h = calloc(1, sizeof(*h));
    if (h == NULL)
        return RN_ENOMEM;
    h->rate = calloc(RN_HTTP_RATE_ADDRS_MAX, sizeof(*h->rate));
    if (h->rate == NULL) {
        free(h);
        return RN_ENOMEM;
    }
    h->node_loop = loop;
    h->exec = exec;
    h->done = done;
    h->ctx = ctx;
    h->addr = *addr;
    h->peers_expected = peers_expected;
    h->rate_per_s = rate_per_s;
    h->todo_tail = &h->todo;
    h->done_tail = &h->done_list;
    mp_buf_init(&h->resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    /* Hex and escapes at most six bytes of text a byte: a larger text takes the tree path. */
    api_text_init(&h->json, 6u * RN_CONTROL_RESPONSE_BYTES_MAX);
    uv_mutex_init(&h->lock);
    uv_sem_init(&h->started, 0);
    uv_loop_init(&h->loop);

    if (tls_cert != NULL && tls_cert[0] != '\0') {
        /* TLS 1.2 and 1.3, HTTP/2 by ALPN. The files are read once, here: a renewed
         * certificate takes a restart. */
        SSL_CTX *ssl = SSL_CTX_new(TLS_server_method());
        if (ssl == NULL || SSL_CTX_set_min_proto_version(ssl, TLS1_2_VERSION) != 1 ||
            SSL_CTX_use_certificate_chain_file(ssl, tls_cert) != 1 ||
            SSL_CTX_use_PrivateKey_file(ssl, tls_key, SSL_FILETYPE_PEM) != 1 ||
            SSL_CTX_check_private_key(ssl) != 1) {
            char why[256];
            ERR_error_string_n(ERR_get_error(), why, sizeof(why));
            NODE_LOG_ERR("http: cannot use the certificate %s and key %s: %s", tls_cert, tls_key,
                         why);
            SSL_CTX_free(ssl);
            mp_buf_free(&h->resp);
            free(h->rate);
            free(h);
            return RN_EIO;
        }
        h2o_ssl_register_alpn_protocols(ssl, h2o_http2_alpn_protocols);
        h->accept_ctx.ssl_ctx = ssl;
    }
    h2o_config_init(&h->config);
    h->config.max_request_entity_size = RN_HTTP_BODY_BYTES_MAX;
    h->config.http1.req_timeout = RN_HTTP_REQUEST_MS;
    h->config.http2.idle_timeout = RN_HTTP_IDLE_MS;
    h2o_hostconf_t *host =
        h2o_config_register_host(&h->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    h2o_pathconf_t *pc = h2o_config_register_path(host, "/", 0);
    handler *hd = (handler *)h2o_create_handler(pc, sizeof(*hd));
    hd->super.on_req = on_req;
    hd->h = h;

    /* The gateway's thread checks credentials (POST /v1/verify) while the node's uses jansson:
     * cred's allocation functions are installed before that thread exists (cred/json.h). */
    cred_json_init();
    if (uv_thread_create(&h->thread, thread_main, h) != 0) {
        NODE_LOG_ERR("http: cannot start the gateway's thread");
        return RN_EIO; /* h is leaked on this path only: the node does not start */
    }
    uv_sem_wait(&h->started);
    if (h->start_rc != 0) {
        char a[300];
        NODE_LOG_ERR("http: cannot listen on %s: %s", nodeconf_addr_format(&h->addr, a, sizeof(a)),
                     uv_strerror(h->start_rc));
        uv_thread_join(&h->thread);
        uv_loop_close(&h->loop);
        h2o_config_dispose(&h->config);
        mp_buf_free(&h->resp);
        free(h->rate);
        free(h);
        return RN_EIO;
    }
    h->node_async.data = h;
    uv_async_init(loop, &h->node_async, on_node_async);
    {
        char a[300];
        NODE_LOG_INFO("http gateway on %s://%s/v1/",
                      h->accept_ctx.ssl_ctx != NULL ? "https" : "http",
                      nodeconf_addr_format(&h->addr, a, sizeof(a)));
    }
    *out = h;
    return 0;
}

void node_http_stop(node_http *h)
{
    uv_mutex_lock(&h->lock);
    h->stopping = true;
    uv_mutex_unlock(&h->lock);
    uv_async_send(&h->http_async);
    uv_thread_join(&h->thread);
    /* Jobs never run or never answered: their requests died with the gateway's loop. */
    for (job *j = h->todo; j != NULL;) {
        job *next = j->next;
        j->g = NULL;
        job_free(j);
        j = next;
    }
    for (job *j = h->done_list; j != NULL;) {
        job *next = j->next;
        j->g = NULL;
        job_free(j);
        j = next;
    }
    uv_close((uv_handle_t *)&h->node_async, on_node_async_closed);
}
