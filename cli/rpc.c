/*
 * rpc.c: the control socket client (rpc.h).
 */
#include "rpc.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "api/json.h"
#include "cli.h"
#include "proto/ctl.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "api/recjson.h"

/* Bytes read from the socket at a time. */
#define RPC_READ_BYTES (64u * 1024u)

/* A string of the response for people: NUL-terminated, truncated to fit, control characters
 * (which would reach the terminal as they are) replaced. */
static void copy_str(char *dst, size_t cap, const uint8_t *s, uint32_t len)
{
    size_t n = s == NULL ? 0 : len < cap - 1 ? len : cap - 1;
    if (n > 0)
        memcpy(dst, s, n);
    dst[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)dst[i] < 0x20)
            dst[i] = '?';
    }
}

int rpc_response_parse(const uint8_t *buf, size_t len, rpc_resp *r)
{
    ctl_response d;
    memset(r->name, 0, sizeof(r->name));
    r->is_error = false;
    r->code = 0;
    r->message[0] = r->field[0] = '\0';
    r->has_index = false;
    r->index = 0;
    RN_TRY(ctl_response_decode(&d, buf, len));
    r->msgid = d.msgid;
    r->is_error = d.is_error;
    r->code = d.code;
    copy_str(r->name, sizeof(r->name), d.name, d.name_len);
    copy_str(r->message, sizeof(r->message), d.message, d.message_len);
    copy_str(r->field, sizeof(r->field), d.field, d.field_len);
    r->has_index = d.has_index;
    r->index = d.index;
    r->result = d.result;
    return 0;
}

void rpc_resp_free(rpc_resp *r)
{
    free(r->buf);
    r->buf = NULL;
    r->len = 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int io_fail(char *why, size_t why_len, const char *what, const char *path, int err)
{
    snprintf(why, why_len, "%s %s: %s", what, path, strerror(err));
    return RN_EIO;
}

int rpc_call(const char *socket_path, const char *method, const uint8_t *params, size_t params_len,
             rpc_resp *r, char *why, size_t why_len)
{
    struct sockaddr_un sa;
    mp_buf req;
    int fd = -1, rc;
    size_t cap = 0;
    memset(r, 0, sizeof(*r));
    why[0] = '\0';
    if (strlen(socket_path) >= sizeof(sa.sun_path)) {
        snprintf(why, why_len, "socket path too long: %s", socket_path);
        return RN_EIO;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);

    const ctl_method *m = ctl_method_find((const uint8_t *)method, strlen(method));
    if (m == NULL) {
        snprintf(why, why_len, "unknown method %s", method);
        return RN_EINVAL;
    }
    mp_buf_init(&req, RN_CONTROL_REQUEST_BYTES_MAX);
    ctl_request_wrap(&req, 1, m, params, params_len);
    if (mp_buf_err(&req) != 0) {
        mp_buf_free(&req);
        snprintf(why, why_len, "request too large");
        return RN_ETOOBIG;
    }

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0) {
        rc = io_fail(why, why_len, "socket for", socket_path, errno);
        goto out;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        rc = io_fail(why, why_len, "cannot connect to", socket_path, errno);
        goto out;
    }
    for (size_t off = 0; off < req.len;) {
        ssize_t w = send(fd, req.data + off, req.len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            rc = io_fail(why, why_len, "cannot send to", socket_path, errno);
            goto out;
        }
        off += (size_t)w;
    }

    int64_t deadline = now_ms() + RPC_TIMEOUT_MS;
    for (;;) {
        if (cap - r->len < RPC_READ_BYTES) {
            size_t ncap = cap == 0 ? RPC_READ_BYTES : cap * 2;
            if (ncap > RN_CONTROL_RESPONSE_BYTES_MAX + RPC_READ_BYTES)
                ncap = RN_CONTROL_RESPONSE_BYTES_MAX + RPC_READ_BYTES;
            if (ncap <= cap) {
                snprintf(why, why_len, "response from %s larger than %u bytes", socket_path,
                         (unsigned)RN_CONTROL_RESPONSE_BYTES_MAX);
                rc = RN_ETOOBIG;
                goto out;
            }
            uint8_t *nb = realloc(r->buf, ncap);
            if (nb == NULL) {
                snprintf(why, why_len, "out of memory");
                rc = RN_ENOMEM;
                goto out;
            }
            r->buf = nb;
            cap = ncap;
        }
        int64_t left = deadline - now_ms();
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = left > 0 ? poll(&p, 1, (int)left) : 0;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            snprintf(why, why_len, "no answer from %s within %d s", socket_path,
                     RPC_TIMEOUT_MS / 1000);
            rc = RN_EIO;
            goto out;
        }
        ssize_t got = recv(fd, r->buf + r->len, cap - r->len, 0);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = io_fail(why, why_len, "cannot read from", socket_path, errno);
            goto out;
        }
        if (got == 0) {
            snprintf(why, why_len, "%s closed the connection before answering", socket_path);
            rc = RN_EIO;
            goto out;
        }
        r->len += (size_t)got;
        if (r->len > RN_CONTROL_RESPONSE_BYTES_MAX) {
            snprintf(why, why_len, "response from %s larger than %u bytes", socket_path,
                     (unsigned)RN_CONTROL_RESPONSE_BYTES_MAX);
            rc = RN_ETOOBIG;
            goto out;
        }
        rc = rpc_response_parse(r->buf, r->len, r);
        if (rc == RN_ETRUNCATED)
            continue;
        if (rc < 0)
            snprintf(why, why_len, "malformed response from %s: %s", socket_path, rn_strerror(rc));
        break;
    }
out:
    if (fd >= 0)
        close(fd);
    mp_buf_free(&req);
    return rc;
}

bool rpc_map_get(mp_cur map, const char *key, mp_cur *val)
{
    return api_map_get(map, key, val);
}

json_t *rpc_to_json(mp_cur v)
{
    return api_json_from_mp(v);
}

int rpc_exit_code(const rpc_resp *r)
{
    if (!r->is_error)
        return CLI_OK;
    switch (r->code) {
    case RN_ENOTFOUND:
        return CLI_NEGATIVE;
    case RN_EROLE:
    case RN_ESTORE:
    case RN_EFULL:
    case RN_ECORRUPT:
    case RN_ENOMEM:
    case RN_EIO:
        return CLI_ERROR;
    default:
        /* The node refused what we sent: a record, an id, a country, a parameter. */
        return CLI_REFUSED;
    }
}

int cli_call(cli *c, const char *method, const mp_buf *params, rpc_resp *r)
{
    char why[512];
    const char *sock = cli_socket(c);
    memset(r, 0, sizeof(*r));
    if (sock == NULL)
        return CLI_USAGE;
    if (mp_buf_err(params) != 0)
        return cli_fail(CLI_REFUSED, "request too large");
    int rc = rpc_call(sock, method, params->data, params->len, r, why, sizeof(why));
    if (rc == RN_EIO)
        return cli_fail_rn(CLI_UNREACHABLE, RN_EIO, NULL, -1, "%s", why);
    if (rc < 0)
        return cli_fail(CLI_ERROR, "%s", why);
    if (!r->is_error)
        return CLI_OK;
    char where[160] = "";
    if (r->field[0] != '\0' && r->has_index)
        snprintf(where, sizeof(where), "%s[%u]: ", r->field, r->index);
    else if (r->field[0] != '\0')
        snprintf(where, sizeof(where), "%s: ", r->field);
    return cli_fail_rn(rpc_exit_code(r), r->code, r->field, r->has_index ? (long)r->index : -1,
                       "%s: %s%s (%s)", method, where,
                       r->message[0] != '\0' ? r->message : rn_strerror(r->code),
                       r->name[0] != '\0' ? r->name : rn_err_name(r->code));
}

int cli_record_get(cli *c, proto_kind kind, const char *id, uint64_t at_ms, uint8_t **buf,
                   proto_entry *e, proto_record *rec)
{
    char why[512];
    const char *sock = cli_socket(c);
    rpc_resp r;
    mp_buf p;
    mp_cur v;
    const uint8_t *b;
    uint32_t n;
    int rc;
    *buf = NULL;
    if (sock == NULL)
        return CLI_USAGE;
    memset(&r, 0, sizeof(r));
    mp_buf_init(&p, 512);
    mp_put_array(&p, 3);
    mp_put_cstr(&p, proto_kind_name((int)kind));
    mp_put_cstr(&p, id);
    if (at_ms == UINT64_MAX)
        mp_put_nil(&p);
    else
        mp_put_uint(&p, at_ms);
    rc = rpc_call(sock, CTL_RECORD, p.data, p.len, &r, why, sizeof(why));
    mp_buf_free(&p);
    if (rc == RN_EIO) {
        rc = cli_fail_rn(CLI_UNREACHABLE, RN_EIO, NULL, -1, "%s", why);
        goto out;
    }
    if (rc < 0) {
        rc = cli_fail(CLI_ERROR, "%s", why);
        goto out;
    }
    if (r.is_error) {
        /* Not there, or a node without the method (unknown method: RN_EINVAL). */
        if (r.code == RN_ENOTFOUND || r.code == RN_EINVAL) {
            rc = CLI_NEGATIVE;
            goto out;
        }
        rc = cli_fail_rn(rpc_exit_code(&r), r.code, r.field, r.has_index ? (long)r.index : -1,
                         "record %s %s: %s (%s)", proto_kind_name((int)kind), id,
                         r.message[0] != '\0' ? r.message : rn_strerror(r.code), r.name);
        goto out;
    }
    if (!rpc_map_get(r.result, "bytes", &v) || mp_read_bin(&v, &b, &n) < 0) {
        rc = cli_fail(CLI_ERROR, "record: malformed result");
        goto out;
    }
    *buf = malloc(n > 0 ? n : 1);
    if (*buf == NULL) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    memcpy(*buf, b, n);
    if (proto_entry_decode(e, *buf, n, NULL) < 0 || proto_entry_verify(e) < 0 || e->kind != kind ||
        proto_record_decode(rec, kind, e->body, e->body_len, NULL) < 0) {
        free(*buf);
        *buf = NULL;
        rc = cli_fail(CLI_ERROR,
                      "record %s %s: the node answered with an entry that does not "
                      "decode or verify",
                      proto_kind_name((int)kind), id);
        goto out;
    }
    rc = CLI_OK;
out:
    rpc_resp_free(&r);
    return rc;
}
