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
 * 500 for a failure of the node itself (RN_ESTORE, RN_ECORRUPT, RN_EIO, RN_ENOMEM), and 400
 * for everything else (the request's fault); the gateway's own: 404 (no route), 405 (a route
 * under another method), 406 (a proof asked of an answer without one), 413 (a body over
 * RN_HTTP_BODY_BYTES_MAX), 429 (rate limited), 431 (too many headers or header bytes), 503
 * (the queue to the node is full, or the node is stopping).
 */
#include "node/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <h2o.h>
#include <h2o/http1.h>
#include <h2o/http2.h>
#include <jansson.h>

#include "api/json.h"
#include "api/query.h"
#include "api/route.h"
#include "node/log.h"
#include "proto/limits.h"

/* ---- The gateway ---- */

typedef struct job job;

typedef struct guard {
    job *j; /* NULL once the job is done with the request */
} guard;

struct job {
    job *next;
    h2o_req_t *req; /* NULL once the client has gone */
    guard *g;
    bool proof; /* the proof bundle is wanted, not the JSON */
    bool entry; /* the answer is an entry: shown as its record */
    uint8_t *in;
    size_t in_len;
    uint8_t *out; /* the response; NULL when the node could not run it */
    size_t out_len;
};

typedef struct rate_slot {
    uint8_t addr[16];
    uint64_t last_ms;
    double tokens;
} rate_slot;

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
    rate_slot *rate; /* RN_HTTP_RATE_ADDRS_MAX */

    /* Shared, under `lock`. */
    uv_mutex_t lock;
    job *todo, **todo_tail;
    uint32_t todo_n;
    job *done_list, **done_tail;
    bool stopping;
};

static void job_free(job *j)
{
    if (j->g != NULL)
        j->g->j = NULL;
    free(j->in);
    free(j->out);
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

static void send_body(h2o_req_t *req, int status, const char *type, const void *body, size_t len)
{
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

/* A response from the node, as JSON, a bundle or an error. */
static void answer(job *j)
{
    h2o_req_t *req = j->req;
    ctl_response r;
    if (j->out == NULL || ctl_response_decode(&r, j->out, j->out_len) != 0) {
        send_error(req, 503, RN_EIO, NULL, "the node did not answer");
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
        mp_buf_reset(&h->resp);
        (void)h->exec(h->ctx, j->in, j->in_len, &h->resp);
        if (h->resp.len > 0) {
            j->out = malloc(h->resp.len);
            if (j->out != NULL) {
                memcpy(j->out, h->resp.data, h->resp.len);
                j->out_len = h->resp.len;
            }
        }
        tail = &j->next;
    }
    h->done(h->ctx);
    uv_mutex_lock(&h->lock);
    *h->done_tail = first;
    h->done_tail = tail;
    uv_mutex_unlock(&h->lock);
    uv_async_send(&h->http_async);
}

/* ---- The gateway's side ---- */

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
    if (s == NULL) {
        s = oldest;
        memcpy(s->addr, addr, 16);
        s->tokens = RN_HTTP_RATE_BURST;
        s->last_ms = now;
    }
    s->tokens += (double)(now - s->last_ms) * RN_HTTP_RATE_PER_S / 1000.0;
    if (s->tokens > RN_HTTP_RATE_BURST)
        s->tokens = RN_HTTP_RATE_BURST;
    s->last_ms = now != 0 ? now : 1;
    if (s->tokens < 1.0)
        return false;
    s->tokens -= 1.0;
    return true;
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

/* The handler, with the gateway it serves. */
typedef struct handler {
    h2o_handler_t super;
    node_http *h;
} handler;

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
    api_param *pp = api_query_get(q, "proof");
    bool proof = wants_proof(req);
    if (pp != NULL) {
        if (strcmp(pp->value, "1") != 0 && strcmp(pp->value, "0") != 0) {
            send_error(req, 400, RN_EINVAL, "proof", "proof is 1 or 0");
            return 0;
        }
        proof = proof || pp->value[0] == '1';
    }
    mp_buf params, full;
    mp_buf_init(&params, RN_HTTP_QUERY_BYTES_MAX * 2u + 1024u);
    mp_buf_init(&full, RN_CONTROL_REQUEST_BYTES_MAX);
    int rc = api_params_build(&params, m, q, NULL, 0, "proof", &e);
    if (rc != 0) {
        mp_buf_free(&params);
        mp_buf_free(&full);
        send_ctl_error(req, 400, &e);
        return 0;
    }
    ctl_request_wrap(&full, ++h->msgid, m, params.data, params.len);
    mp_buf_free(&params);
    job *j = calloc(1, sizeof(*j));
    guard *g = h2o_mem_alloc_shared(&req->pool, sizeof(*g), on_guard_dispose);
    if (j == NULL || full.err != 0) {
        free(j);
        mp_buf_free(&full);
        send_error(req, 500, RN_ENOMEM, NULL, "out of memory");
        return 0;
    }
    j->in = full.data; /* taken from the buffer */
    j->in_len = full.len;
    full.data = NULL;
    mp_buf_free(&full);
    j->req = req;
    j->proof = proof;
    j->entry = rt->entry;
    j->g = g;
    g->j = j;
    uv_mutex_lock(&h->lock);
    bool room = h->todo_n < RN_HTTP_QUEUE_MAX && !h->stopping;
    if (room) {
        *h->todo_tail = j;
        h->todo_tail = &j->next;
        h->todo_n++;
    }
    uv_mutex_unlock(&h->lock);
    if (!room) {
        job_free(j);
        send_error(req, 503, RN_EFULL, NULL, "the node is busy; try again");
        return 0;
    }
    uv_async_send(&h->node_async);
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
    mp_buf_free(&h->resp);
    free(h->rate);
    free(h);
}

int node_http_start(node_http **out, uv_loop_t *loop, const nodeconf_addr *addr,
                    node_http_exec_fn exec, node_http_done_fn done, void *ctx)
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
    h->todo_tail = &h->todo;
    h->done_tail = &h->done_list;
    mp_buf_init(&h->resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    uv_mutex_init(&h->lock);
    uv_sem_init(&h->started, 0);
    uv_loop_init(&h->loop);

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
        NODE_LOG_INFO("http gateway on http://%s/v1/",
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
