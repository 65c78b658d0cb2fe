/*
 * ctl_load.c: a closed-loop load generator for the control socket, the counterpart of wrk for
 * http_bench.sh: CONNS connections to DATA_DIR/control.sock, each with one request outstanding
 * (as wrk keeps one per keep-alive connection), the same request over and over for SECONDS;
 * prints "calls_per_s P99_MS". The request is a recognise [spec, country, purpose, at].
 *
 * Usage: rn_ctl_load DATA_DIR CONNS SECONDS SPEC COUNTRY PURPOSE AT_MS
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "proto/ctl.h"
#include "proto/limits.h"
#include "proto/mp.h"

#define CONNS_MAX   64
#define SAMPLES_MAX (4u << 20)

typedef struct lconn {
    int fd;
    uint8_t *in;
    size_t in_len;
    double sent_at;
} lconn;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "rn_ctl_load: %s: %s\n", what, strerror(errno));
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: rn_ctl_load DATA_DIR CONNS SECONDS SPEC COUNTRY PURPOSE AT_MS\n");
        return 2;
    }
    int conns = atoi(argv[2]);
    double seconds = strtod(argv[3], NULL);
    if (conns < 1 || conns > CONNS_MAX || seconds <= 0)
        return 2;
    mp_buf req;
    mp_buf_init(&req, 4096);
    ctl_request_begin(&req, 1, ctl_method_get(CTL_M_RECOGNISE), 4);
    mp_put_cstr(&req, argv[4]);
    mp_put_cstr(&req, argv[5]);
    mp_put_cstr(&req, argv[6]);
    mp_put_uint(&req, strtoull(argv[7], NULL, 10));
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", argv[1]);
    lconn c[CONNS_MAX];
    struct pollfd pf[CONNS_MAX];
    double *lat = malloc(SAMPLES_MAX * sizeof(double));
    size_t n = 0;
    if (lat == NULL)
        die("malloc");
    for (int i = 0; i < conns; i++) {
        c[i].fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (c[i].fd < 0 || connect(c[i].fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
            die("connect");
        c[i].in = malloc(RN_CONTROL_RESPONSE_BYTES_MAX);
        c[i].in_len = 0;
        if (c[i].in == NULL)
            die("malloc");
        pf[i].fd = c[i].fd;
        pf[i].events = POLLIN;
    }
    double t0 = now_s(), end = t0 + seconds;
    for (int i = 0; i < conns; i++) {
        c[i].sent_at = now_s();
        if (write(c[i].fd, req.data, req.len) != (ssize_t)req.len)
            die("write");
    }
    for (;;) {
        double t = now_s();
        if (t >= end)
            break;
        if (poll(pf, (nfds_t)conns, 100) < 0)
            die("poll");
        for (int i = 0; i < conns; i++) {
            if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            ssize_t r =
                read(c[i].fd, c[i].in + c[i].in_len, RN_CONTROL_RESPONSE_BYTES_MAX - c[i].in_len);
            if (r <= 0)
                die("read");
            c[i].in_len += (size_t)r;
            ctl_response resp;
            size_t used;
            int rc = ctl_response_read(&resp, c[i].in, c[i].in_len, &used);
            if (rc == RN_ETRUNCATED)
                continue;
            if (rc != 0 || resp.is_error) {
                fprintf(stderr, "rn_ctl_load: bad or error response\n");
                return 1;
            }
            double done = now_s();
            if (n < SAMPLES_MAX)
                lat[n++] = done - c[i].sent_at;
            memmove(c[i].in, c[i].in + used, c[i].in_len - used);
            c[i].in_len -= used;
            c[i].sent_at = done;
            if (write(c[i].fd, req.data, req.len) != (ssize_t)req.len)
                die("write");
        }
    }
    double took = now_s() - t0;
    qsort(lat, n, sizeof(double), cmp_double);
    double p99 = n > 0 ? lat[(size_t)((double)(n - 1) * 0.99)] : 0;
    printf("%.0f %.3f\n", (double)n / took, p99 * 1000.0);
    for (int i = 0; i < conns; i++) {
        close(c[i].fd);
        free(c[i].in);
    }
    free(lat);
    mp_buf_free(&req);
    return 0;
}
