/*
 * node_bench.c: real recnetd processes on 127.0.0.1, measured from outside through their control
 * sockets (DESIGN.md section 8, issue 4's `make bench` paragraph). In one run:
 *
 * 1. Catch-up. Node A, a mirror, holds a replica of 1,000,000 genuinely signed entries of 30
 *    authorities (written with the store API before recnetd starts on it: store_ingest of runs of
 *    1,000 as in store_bench.c, signed entries cached in the working directory in
 *    node_bench_entries-v1-<count>.bin). Node B, another mirror, starts empty and dials A. The
 * clock starts when B is spawned; "caught up" is the first poll of B's `peers` that shows A
 * connected and 0 entries behind (the core's own head cache, which ingest updates on commit),
 * polled every 10 ms; `peers` never opens a read transaction, so polling does not trigger B's index
 *    pass. Then B's `heads` (whose read transaction runs the index pass first) must equal A's,
 *    author by author, seq and id: that time is printed as well ("readable").
 * 2. Spread. 30 authorities (the same keys, fresh replicas) in a full mesh. After a warm-up
 *    round (each node publishes one spec, everyone must hold all 30), 200 specs with distinct
 *    ids are published one at a time, the publisher rotating over the 30 nodes. For each, t0 is
 *    just before the publish request is written (so the publisher's fsync is included); then
 *    every node that has not shown the entry yet is asked for its `heads` (all requests written
 *    at once, answers read as they come; a new round 0.5 ms after the last), and a node's arrival
 *    time is when the first answer showing the entry was read: an upper bound, one poll round
 *    late at most. The next publish waits until all 30 hold the entry, plus 10 ms (no overlap).
 * 3. recognise. Pipelined requests on 1 and on 2 connections to node A (the 1,000,000-entry
 *    replica), each connection keeping 256 requests outstanding for 3 s, answers checked in
 *    order and counted by kind. The control API always returns the proof bundle with a
 *    recognise answer, so there is no "without proof" variant; as a floor, the same requests
 *    for specs that do not exist (an error answer: parse, read transaction, one index miss).
 * 4. Resident memory (VmRSS, and its anonymous part RssAnon; VmRSS also counts the replica's
 *    memory-mapped LMDB pages that the node touched, which are the page cache, shared and
 *    reclaimable) of idle nodes: A after start-up with its 1,000,000 entries, A and B 3 s after
 *    the catch-up, and the 30 nodes of the mesh 3 s after the spread test.
 *
 * Every wait is bounded in count and time; every process is stopped with SIGTERM (and must exit
 * 0), or killed when the bench fails or is interrupted (and the children get PR_SET_PDEATHSIG
 * should the bench itself be killed); the working directory node_bench_work is removed at the
 * start and at the end. Nodes listen on 127.0.0.1 only, on free ports from 26000 up.
 *
 * Usage: node_bench [ENTRIES]   (default 1000000, whole runs of 1,000, at least 30,000)
 *        RECNETD=path overrides the recnetd binary found at build time.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sodium.h>

#include "conf/keyfile.h"
#include "conf/roster.h"
#include "proto/codes.h"
#include "proto/ctl.h"
#include "proto/entry.h"
#include "proto/key.h"
#include "proto/mp.h"
#include "proto/record.h"
#include "proto/roster.h"
#include "store/store.h"
#include "workload.h"

#ifndef RECNETD_PATH
#define RECNETD_PATH "recnetd"
#endif

#define AUTHORS        WORKLOAD_AUTHORS
#define RUN            WORKLOAD_RUN
#define ENT_MAX        WORKLOAD_ENTRY_BYTES_MAX
#define CACHE          "node_bench_entries-v1-%zu.bin" /* of the entry count */
#define WORK_DIR       "node_bench_work"
#define PATH_MAX_BYTES 512

#define PROCS_MAX      (AUTHORS + 3) /* A, B, A again for recognise, the mesh */
#define PORT_FIRST     26000
#define PORT_LAST      28999
#define START_WAIT_S   15.0        /* a node's control socket appears within */
#define STOP_WAIT_S    10.0        /* SIGTERM to exit */
#define CATCHUP_MAX_S  300.0       /* the catch-up must finish within */
#define MESH_WAIT_S    60.0        /* the full mesh forms within */
#define SPREAD_N       200         /* entries published in the spread test */
#define SPREAD_MAX_S   5.0         /* one entry must reach every node within */
#define SPREAD_TOTAL_S 240.0       /* the whole spread test */
#define IDLE_S         3.0         /* idle time before a memory reading */
#define REC_WINDOW     256         /* recognise requests outstanding per connection */
#define REC_SECONDS    3.0         /* per recognise measurement */
#define REC_POOL       4096        /* distinct pre-encoded recognise requests */
#define RPC_IN_MAX     (64u << 20) /* bytes one connection buffers at most */
#define RPC_TIMEOUT_S  30.0

static workload_keys keys;               /* the 30 authorities */
static uint8_t mseed[2][32], mpk[2][32]; /* the mirrors A and B */
static uint8_t netkey[PROTO_NETKEY_BYTES];
static const char *recnetd_path = RECNETD_PATH;

/* ---- Processes, clean-up, failure ---- */

typedef struct proc {
    pid_t pid; /* 0 once reaped */
    char name[16];
    char dir[PATH_MAX_BYTES];
} proc;

static proc procs[PROCS_MAX];
static int procs_n;
static volatile sig_atomic_t interrupted;
static bool cleaned;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
    struct timespec ts = { (time_t)s, (long)((s - (double)(time_t)s) * 1e9) };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !interrupted)
        ;
}

/* Removes a directory tree (the bench's own, two or three levels deep). */
static void rm_rf(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d != NULL) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                char sub[PATH_MAX_BYTES];
                int n = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
                if (n > 0 && (size_t)n < sizeof(sub))
                    rm_rf(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

/* Waits for `p` to exit until `deadline`; returns its wait status, or -1 if it is still running. */
static int proc_wait(proc *p, double deadline)
{
    for (;;) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid) {
            p->pid = 0;
            return st;
        }
        if (r < 0) {
            p->pid = 0;
            return 0;
        }
        if (now_s() >= deadline)
            return -1;
        sleep_s(0.01);
    }
}

/* SIGTERM to every live process in [from, to), then waits; SIGKILL for any still running after
 * STOP_WAIT_S. Returns the number that did not exit 0 on their own. */
static int procs_stop(int from, int to)
{
    int bad = 0;
    for (int i = from; i < to; i++) {
        if (procs[i].pid > 0)
            kill(procs[i].pid, SIGTERM);
    }
    double deadline = now_s() + STOP_WAIT_S;
    for (int i = from; i < to; i++) {
        if (procs[i].pid <= 0)
            continue;
        int st = proc_wait(&procs[i], deadline);
        if (st == -1) {
            fprintf(stderr, "node_bench: recnetd %s did not stop: killed\n", procs[i].name);
            kill(procs[i].pid, SIGKILL);
            waitpid(procs[i].pid, &st, 0);
            procs[i].pid = 0;
            bad++;
        } else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
            fprintf(stderr, "node_bench: recnetd %s exited with status %d (%s/recnetd.log)\n",
                    procs[i].name, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                    procs[i].dir);
            bad++;
        }
    }
    return bad;
}

static void cleanup(void)
{
    if (cleaned)
        return;
    cleaned = true;
    procs_stop(0, procs_n);
    if (getenv("NODE_BENCH_KEEP") == NULL)
        rm_rf(WORK_DIR);
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "node_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1); /* cleanup() runs: every node stopped, the working directory removed (kept, with
                the nodes' logs, when NODE_BENCH_KEEP is set) */
}

static void check_interrupt(void)
{
    if (interrupted)
        die("interrupted");
}

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* ---- Signed entries (workload.c, the workload of store_bench.c) ---- */

/* All entries, in delivery order: run r is entries [r*RUN, (r+1)*RUN) of author r % AUTHORS. */
static workload_chains ch;

/* ---- Files of a node: keys, configuration, roster ---- */

static void path_join(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX_BYTES, "%s/%s", dir, name);
    if (n < 0 || n >= PATH_MAX_BYTES)
        die("path too long: %s/%s", dir, name);
}

static void mkdir_or_die(const char *dir)
{
    if (mkdir(dir, 0700) != 0)
        die("mkdir %s: %s", dir, strerror(errno));
}

static void roster_add(const char *roster, const char *name, proto_role role, const char *cc,
                       const uint8_t key[32], uint16_t port)
{
    nodeconf_member m;
    memset(&m, 0, sizeof(m));
    snprintf(m.name, sizeof(m.name), "%s", name);
    m.role = role;
    snprintf(m.country, sizeof(m.country), "%s", cc);
    memcpy(m.key, key, 32);
    if (port != 0) {
        m.has_address = true;
        snprintf(m.address.host, sizeof(m.address.host), "127.0.0.1");
        m.address.port = port;
    }
    char err[NODECONF_ERR_MAX];
    if (nodeconf_roster_append(roster, &m, err, sizeof(err)) != 0)
        die("roster: %s", err);
}

/* A data directory `dir` holding node.key, network.key and recnet.ini (data_dir ".", the roster
 * one level up, listening on 127.0.0.1:port). */
static void node_dir_write(const char *dir, const char *cc, const uint8_t s[32], uint16_t port)
{
    char path[PATH_MAX_BYTES], err[NODECONF_ERR_MAX], kf[PROTO_KEY_FILE_LEN + 1];
    struct stat st;
    if (stat(dir, &st) != 0)
        mkdir_or_die(dir);
    path_join(path, dir, "node.key");
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0)
        die("%s: %s", path, strerror(errno));
    proto_key_file_format(s, kf);
    if (write(fd, kf, PROTO_KEY_FILE_LEN) != (ssize_t)PROTO_KEY_FILE_LEN)
        die("%s: short write", path);
    close(fd);
    sodium_memzero(kf, sizeof(kf));
    path_join(path, dir, "network.key");
    if (conf_netkey_write(path, netkey, err, sizeof(err)) != 0)
        die("%s", err);
    nodeconf c;
    memset(&c, 0, sizeof(c));
    snprintf(c.country, sizeof(c.country), "%s", cc);
    snprintf(c.data_dir, sizeof(c.data_dir), ".");
    snprintf(c.listen.host, sizeof(c.listen.host), "127.0.0.1");
    c.listen.port = port;
    snprintf(c.roster, sizeof(c.roster), "../roster.ini");
    c.log_level = NODECONF_LOG_INFO;
    /* A mesh whose members start one after another forms within seconds, not backoff_max's 30. */
    c.limits.backoff_max_ms = 1000;
    path_join(path, dir, "recnet.ini");
    if (nodeconf_write(path, &c, err, sizeof(err)) != 0)
        die("%s", err);
}

/* Free TCP ports on 127.0.0.1 from PORT_FIRST, outside the ephemeral range so that no outgoing
 * connection takes one between this check and recnetd's bind. */
static void ports_pick(uint16_t *out, int n)
{
    static int next = PORT_FIRST;
    for (int i = 0; i < n; i++) {
        for (;; next++) {
            if (next > PORT_LAST)
                die("no free port in %d..%d", PORT_FIRST, PORT_LAST);
            int fd = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in sa;
            memset(&sa, 0, sizeof(sa));
            sa.sin_family = AF_INET;
            sa.sin_port = htons((uint16_t)next);
            sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
            if (fd >= 0)
                close(fd);
            if (ok)
                break;
        }
        out[i] = (uint16_t)next++;
    }
}

/* ---- Processes ---- */

static int spawn(const char *name, const char *dir)
{
    if (procs_n >= PROCS_MAX)
        die("too many processes");
    proc *p = &procs[procs_n];
    snprintf(p->name, sizeof(p->name), "%s", name);
    snprintf(p->dir, sizeof(p->dir), "%s", dir);
    pid_t parent = getpid();
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (chdir(dir) != 0)
            _exit(127);
        int lf = open("recnetd.log", O_WRONLY | O_CREAT | O_APPEND, 0600);
        int nul = open("/dev/null", O_RDWR);
        if (lf < 0 || nul < 0)
            _exit(127);
        dup2(nul, 0);
        dup2(nul, 1);
        dup2(lf, 2);
        execl(recnetd_path, "recnetd", "-c", "recnet.ini", (char *)NULL);
        _exit(127);
    }
    p->pid = pid;
    return procs_n++;
}

/* ---- MessagePack-RPC over the control socket ---- */

typedef struct rpc {
    int fd;
    uint8_t *in;     /* received bytes [0, in_len) */
    size_t in_len;   /* bytes held */
    size_t in_cap;   /* allocated, at most RPC_IN_MAX */
    size_t consumed; /* bytes of `in` already parsed, dropped at the next read */
    uint64_t msgid;  /* the last msgid used */
} rpc;

/* Connects to dir/control.sock; false if it is not there (yet). */
static bool rpc_try_open(rpc *r, const char *dir)
{
    memset(r, 0, sizeof(*r));
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof(sa));
    sa.sun_family = AF_UNIX;
    int n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/control.sock", dir);
    if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
        die("%s/control.sock: path too long for a Unix socket", dir);
    r->fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (r->fd < 0)
        die("socket: %s", strerror(errno));
    if (connect(r->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(r->fd);
        r->fd = -1;
        return false;
    }
    fcntl(r->fd, F_SETFL, fcntl(r->fd, F_GETFL) | O_NONBLOCK);
    return true;
}

static void rpc_close(rpc *r)
{
    if (r->fd >= 0)
        close(r->fd);
    free(r->in);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

/* Writes all of p[0..n) before `deadline`. */
static void rpc_write_all(rpc *r, const uint8_t *p, size_t n, double deadline)
{
    while (n > 0) {
        ssize_t w = write(r->fd, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            die("control socket write: %s", strerror(errno));
        check_interrupt();
        if (now_s() > deadline)
            die("control socket write: timed out");
        struct pollfd pf = { r->fd, POLLOUT, 0 };
        poll(&pf, 1, 10);
    }
}

/* Reads what is there (waiting up to wait_ms for something); returns the bytes read. */
static size_t rpc_read_some(rpc *r, int wait_ms)
{
    if (r->consumed > 0) {
        memmove(r->in, r->in + r->consumed, r->in_len - r->consumed);
        r->in_len -= r->consumed;
        r->consumed = 0;
    }
    if (r->in_cap - r->in_len < 65536) {
        size_t cap = r->in_cap == 0 ? (1u << 20) : r->in_cap * 2;
        if (cap > RPC_IN_MAX)
            die("control responses over %u bytes buffered", RPC_IN_MAX);
        uint8_t *p = realloc(r->in, cap);
        if (p == NULL)
            die("out of memory");
        r->in = p;
        r->in_cap = cap;
    }
    struct pollfd pf = { r->fd, POLLIN, 0 };
    if (wait_ms > 0 && poll(&pf, 1, wait_ms) <= 0)
        return 0;
    ssize_t n = read(r->fd, r->in + r->in_len, r->in_cap - r->in_len);
    if (n == 0)
        die("control socket closed by the node");
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR)
            return 0;
        die("control socket read: %s", strerror(errno));
    }
    r->in_len += (size_t)n;
    return (size_t)n;
}

static bool key_is(const uint8_t *k, uint32_t klen, const char *s)
{
    return strlen(s) == klen && memcmp(k, s, klen) == 0;
}

typedef struct resp {
    uint64_t msgid;
    bool error;    /* an error map came back */
    char name[40]; /* its name, e.g. "RN_ENOTFOUND" */
    char message[160];
    mp_cur result; /* the result value (nil after an error) */
} resp;

static void copy_text(char *dst, size_t cap, const uint8_t *s, uint32_t n)
{
    size_t m = s == NULL ? 0 : n < cap - 1 ? n : cap - 1;
    if (m > 0)
        memcpy(dst, s, m);
    dst[m] = '\0';
}

/* Parses one response [1, msgid, error, result] at the front of r's unparsed bytes with the
 * control API's codec (proto/ctl.h). Returns 0 (the bytes are consumed), RN_ETRUNCATED (not all
 * there yet), or another error (malformed). */
static int rpc_parse(rpc *r, resp *out)
{
    ctl_response d;
    size_t used;
    memset(out, 0, sizeof(*out));
    int rc = ctl_response_read(&d, r->in + r->consumed, r->in_len - r->consumed, &used);
    if (rc != 0)
        return rc;
    out->msgid = d.msgid;
    out->error = d.is_error;
    copy_text(out->name, sizeof(out->name), d.name, d.name_len);
    copy_text(out->message, sizeof(out->message), d.message, d.message_len);
    out->result = d.result;
    r->consumed += used;
    return 0;
}

/* Starts a request [0, msgid, method, [params...]]; the caller writes the n parameters. */
static uint64_t req_begin(rpc *r, mp_buf *b, ctl_method_id method, uint32_t nparams)
{
    mp_buf_reset(b);
    ctl_request_begin(b, (uint32_t)++r->msgid, ctl_method_get(method), nparams);
    return r->msgid;
}

/* Waits for the next response (RPC_TIMEOUT_S at most); dies on an error answer. */
static void rpc_wait(rpc *r, uint64_t msgid, const char *what, resp *out)
{
    double deadline = now_s() + RPC_TIMEOUT_S;
    for (;;) {
        int rc = rpc_parse(r, out);
        if (rc == 0)
            break;
        if (rc != RN_ETRUNCATED)
            die("%s: malformed response: %s", what, rn_strerror(rc));
        check_interrupt();
        if (now_s() > deadline)
            die("%s: no response within %.0f s", what, RPC_TIMEOUT_S);
        rpc_read_some(r, 100);
    }
    if (out->msgid != msgid)
        die("%s: response %" PRIu64 " to request %" PRIu64, what, out->msgid, msgid);
    if (out->error)
        die("%s: %s: %s", what, out->name, out->message);
}

/* Sends the request in `b` (from req_begin) and waits for its answer. */
static void rpc_call(rpc *r, mp_buf *b, uint64_t msgid, const char *what, resp *out)
{
    if (mp_buf_err(b) != 0)
        die("%s: request too large", what);
    rpc_write_all(r, b->data, b->len, now_s() + RPC_TIMEOUT_S);
    rpc_wait(r, msgid, what, out);
}

/* Opens the control socket of a node that was just spawned, waiting up to START_WAIT_S. */
static void rpc_open_started(rpc *r, int pi)
{
    double deadline = now_s() + START_WAIT_S;
    while (!rpc_try_open(r, procs[pi].dir)) {
        check_interrupt();
        int st;
        if (waitpid(procs[pi].pid, &st, WNOHANG) == procs[pi].pid) {
            procs[pi].pid = 0;
            die("recnetd %s exited at start (log %s/recnetd.log, kept with NODE_BENCH_KEEP=1)",
                procs[pi].name, procs[pi].dir);
        }
        if (now_s() > deadline)
            die("recnetd %s: no control socket after %.0f s", procs[pi].name, START_WAIT_S);
        sleep_s(0.005);
    }
}

/* ---- Reading results ---- */

typedef struct head {
    uint8_t author[32];
    uint64_t seq;
    uint8_t id[32];
} head;

/* The `heads` result: an array of maps {author, country, seq, id, timestamp, forked}. */
static size_t heads_parse(mp_cur c, head *out, size_t cap)
{
    uint32_t n, pairs;
    if (mp_read_array(&c, &n) != 0 || n > cap)
        die("heads: not an array of at most %zu", cap);
    for (uint32_t i = 0; i < n; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        if (mp_read_map(&c, &pairs) != 0)
            die("heads: not a map");
        for (uint32_t j = 0; j < pairs; j++) {
            const uint8_t *k, *v;
            uint32_t kl;
            int rc;
            if (mp_read_str(&c, &k, &kl) != 0)
                die("heads: key");
            if (key_is(k, kl, "author")) {
                rc = mp_read_bin_exact(&c, &v, 32);
                if (rc == 0)
                    memcpy(out[i].author, v, 32);
            } else if (key_is(k, kl, "id")) {
                rc = mp_read_bin_exact(&c, &v, 32);
                if (rc == 0)
                    memcpy(out[i].id, v, 32);
            } else if (key_is(k, kl, "seq")) {
                rc = mp_read_uint(&c, &out[i].seq);
            } else {
                rc = mp_skip(&c);
            }
            if (rc != 0)
                die("heads: %.*s: %s", (int)kl, (const char *)k, rn_strerror(rc));
        }
    }
    return n;
}

static uint64_t heads_seq_of(const head *h, size_t n, const uint8_t author[32])
{
    for (size_t i = 0; i < n; i++) {
        if (memcmp(h[i].author, author, 32) == 0)
            return h[i].seq;
    }
    return 0;
}

typedef struct peer_view {
    bool known, connected;
    uint64_t entries_behind;
} peer_view;

/* The `peers` result: what it says about `key`, and how many peers are connected. */
static size_t peers_parse(mp_cur c, const uint8_t key[32], peer_view *pv)
{
    uint32_t n, pairs;
    size_t connected = 0;
    memset(pv, 0, sizeof(*pv));
    if (mp_read_array(&c, &n) != 0)
        die("peers: not an array");
    for (uint32_t i = 0; i < n; i++) {
        bool match = false, conn = false;
        uint64_t behind = 0;
        if (mp_read_map(&c, &pairs) != 0)
            die("peers: not a map");
        for (uint32_t j = 0; j < pairs; j++) {
            const uint8_t *k, *v;
            uint32_t kl;
            int rc;
            if (mp_read_str(&c, &k, &kl) != 0)
                die("peers: key");
            if (key_is(k, kl, "key")) {
                rc = mp_read_bin_exact(&c, &v, 32);
                match = rc == 0 && key != NULL && memcmp(v, key, 32) == 0;
            } else if (key_is(k, kl, "connected")) {
                rc = mp_read_bool(&c, &conn);
            } else if (key_is(k, kl, "entries_behind")) {
                rc = mp_read_uint(&c, &behind);
            } else {
                rc = mp_skip(&c);
            }
            if (rc != 0)
                die("peers: %.*s: %s", (int)kl, (const char *)k, rn_strerror(rc));
        }
        connected += conn ? 1u : 0u;
        if (match) {
            pv->known = true;
            pv->connected = conn;
            pv->entries_behind = behind;
        }
    }
    return connected;
}

static size_t call_heads(rpc *r, mp_buf *b, head *h, size_t cap)
{
    resp rs;
    uint64_t id = req_begin(r, b, CTL_M_HEADS, 0);
    rpc_call(r, b, id, CTL_HEADS, &rs);
    return heads_parse(rs.result, h, cap);
}

static size_t call_peers(rpc *r, mp_buf *b, const uint8_t key[32], peer_view *pv)
{
    resp rs;
    uint64_t id = req_begin(r, b, CTL_M_PEERS, 0);
    rpc_call(r, b, id, CTL_PEERS, &rs);
    return peers_parse(rs.result, key, pv);
}

/* ---- Memory ---- */

typedef struct mem {
    uint64_t rss_kib, anon_kib, file_kib;
} mem;

static mem mem_read(pid_t pid)
{
    mem m = { 0, 0, 0 };
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        die("%s: %s", path, strerror(errno));
    while (fgets(line, sizeof(line), fp) != NULL) {
        uint64_t *dst = strncmp(line, "VmRSS:", 6) == 0     ? &m.rss_kib
                        : strncmp(line, "RssAnon:", 8) == 0 ? &m.anon_kib
                        : strncmp(line, "RssFile:", 8) == 0 ? &m.file_kib
                                                            : NULL;
        if (dst != NULL) {
            const char *p = strchr(line, ':') + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            *dst = strtoull(p, NULL, 10);
        }
    }
    fclose(fp);
    return m;
}

/* "wchar" of /proc/<pid>/io: bytes the process passed to write() and its kin. */
static uint64_t wchar_read(pid_t pid)
{
    char path[64], line[128];
    uint64_t v = 0;
    snprintf(path, sizeof(path), "/proc/%d/io", (int)pid);
    FILE *fp = fopen(path, "r");
    if (fp == NULL)
        return 0;
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, "wchar:", 6) == 0)
            v = strtoull(line + 6, NULL, 10);
    }
    fclose(fp);
    return v;
}

static void print_mem(const char *label, mem m)
{
    printf("    %-44s %8.1f MiB  (anonymous %.1f MiB, mapped replica and code %.1f MiB)\n", label,
           (double)m.rss_kib / 1024.0, (double)m.anon_kib / 1024.0, (double)m.file_kib / 1024.0);
}

/* ---- Statistics ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[0..n). */
static double pct(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

/* ---- 1. Catch-up ---- */

typedef struct results {
    size_t entries;
    double build_s, catchup_s, readable_s, verify_s;
    uint64_t entry_bytes, b_wchar, b_disk; /* entries' own bytes; B's write() bytes, its data.mdb */
    mem a_start, a_after, b_after, fed_max, fed_median;
    double rec_rate[2], rec_floor_rate;
    uint64_t rec_kinds[4];
    double reach_p50, reach_p99, reach_max, pub_p50, pub_p99;
    size_t reach_n;
    int bad_exits;
} results;

static results R;

static void write_roster_ab(const char *roster, uint16_t port_a, uint16_t port_b)
{
    for (int a = 0; a < AUTHORS; a++)
        roster_add(roster, workload_countries[a], PROTO_ROLE_AUTHORITY, workload_countries[a],
                   keys.pk[a], 0);
    roster_add(roster, "mirror-a", PROTO_ROLE_MIRROR, "", mpk[0], port_a);
    roster_add(roster, "mirror-b", PROTO_ROLE_MIRROR, "", mpk[1], port_b);
}

static void build_replica(const char *dir, const char *roster_path, size_t total)
{
    nodeconf_roster nr;
    char err[NODECONF_ERR_MAX];
    if (nodeconf_roster_load(&nr, roster_path, err, sizeof(err)) != 0)
        die("%s", err);
    store s;
    int rc;
    if ((rc = store_open(&s, dir, NULL)) != 0 || (rc = store_roster_set(&s, &nr.roster)) != 0)
        die("store open %s: %s", dir, rn_strerror(rc));
    nodeconf_roster_free(&nr);
    proto_str *run = malloc(RUN * sizeof(*run));
    if (run == NULL)
        die("out of memory");
    double t0 = now_s();
    for (size_t r = 0; r < total / RUN; r++) {
        if ((r & 63) == 0)
            check_interrupt();
        workload_chains_run(&ch, r, run);
        store_ingest_result res;
        rn_diag d = { 0 };
        if ((rc = store_ingest(&s, run, RUN, &res, &d)) != 0 || res.accepted != RUN) {
            char msg[160];
            die("ingest run %zu: %s", r, rn_diag_format(&d, msg, sizeof(msg)));
        }
    }
    if ((rc = store_index_flush(&s)) != 0 || (rc = store_sync(&s)) != 0)
        die("index: %s", rn_strerror(rc));
    R.build_s = now_s() - t0;
    store_close(&s);
    free(run);
}

static void bench_catchup(size_t total)
{
    char dir_ab[PATH_MAX_BYTES], dir_a[PATH_MAX_BYTES], dir_b[PATH_MAX_BYTES],
        roster[PATH_MAX_BYTES];
    uint16_t ports[2];
    ports_pick(ports, 2);
    path_join(dir_ab, WORK_DIR, "catchup");
    mkdir_or_die(dir_ab);
    path_join(dir_a, dir_ab, "A");
    path_join(dir_b, dir_ab, "B");
    path_join(roster, dir_ab, "roster.ini");
    write_roster_ab(roster, ports[0], ports[1]);
    node_dir_write(dir_a, "AT", mseed[0], ports[0]);
    node_dir_write(dir_b, "BE", mseed[1], ports[1]);

    printf("  writing node A's replica with the store API...\n");
    fflush(stdout);
    build_replica(dir_a, roster, total);
    printf("  %-46s %10.0f entries/s  (%.1f s, outside the measurement)\n",
           "node A's replica written (ingest + index)", (double)total / R.build_s, R.build_s);

    mp_buf b;
    mp_buf_init(&b, 1u << 20);
    rpc ra, rb;
    int pa = spawn("mirror-a", dir_a);
    rpc_open_started(&ra, pa);
    /* A alone, idle: its dials of B fail until B starts. */
    sleep_s(IDLE_S);
    check_interrupt();
    R.a_start = mem_read(procs[pa].pid);

    double t0 = now_s();
    int pb = spawn("mirror-b", dir_b);
    rpc_open_started(&rb, pb);
    bool seen_behind = false;
    peer_view pv;
    uint64_t polls = 0;
    for (;;) {
        check_interrupt();
        call_peers(&rb, &b, mpk[0], &pv);
        polls++;
        if (pv.connected && pv.entries_behind > 0)
            seen_behind = true;
        if (seen_behind && pv.connected && pv.entries_behind == 0)
            break;
        if (now_s() - t0 > CATCHUP_MAX_S)
            die("catch-up: not done after %.0f s (%" PRIu64 " entries behind)", CATCHUP_MAX_S,
                pv.entries_behind);
        sleep_s(0.01);
    }
    R.catchup_s = now_s() - t0;

    /* B's heads, through a read transaction (which first runs the index pass), equal A's. */
    head ha[RN_ROSTER_MEMBERS_MAX], hb[RN_ROSTER_MEMBERS_MAX];
    size_t na = call_heads(&ra, &b, ha, RN_ROSTER_MEMBERS_MAX), nb = 0;
    uint64_t sum = 0;
    for (size_t i = 0; i < na; i++)
        sum += ha[i].seq;
    if (sum != total)
        die("node A holds %" PRIu64 " entries, not %zu", sum, total);
    for (int tries = 0;; tries++) {
        nb = call_heads(&rb, &b, hb, RN_ROSTER_MEMBERS_MAX);
        bool equal = na == nb;
        for (size_t i = 0; equal && i < na; i++)
            equal = memcmp(&ha[i], &hb[i], sizeof(head)) == 0;
        if (equal)
            break;
        if (tries >= 1000 || now_s() - t0 > CATCHUP_MAX_S)
            die("catch-up: B's heads differ from A's");
        sleep_s(0.01);
    }
    R.readable_s = now_s() - t0;
    R.b_wchar = wchar_read(procs[pb].pid);
    char data[PATH_MAX_BYTES];
    struct stat st;
    path_join(data, dir_b, "data.mdb");
    R.b_disk = stat(data, &st) == 0 ? (uint64_t)st.st_size : 0;
    printf("  %-46s %10.0f entries/s  (%zu entries in %.2f s, %" PRIu64 " polls)\n",
           "catch-up A -> B (ingested, 0 behind)", (double)total / R.catchup_s, total, R.catchup_s,
           polls);
    printf("  %-46s %10.0f entries/s  (%.2f s: heads equal, index pass included)\n",
           "catch-up A -> B (readable)", (double)total / R.readable_s, R.readable_s);
    printf("  %-46s %10.0f MiB       (%.1f x the entries' %.0f MiB; B's data.mdb %.0f MiB)\n",
           "B's writes to its replica during the catch-up", (double)R.b_wchar / 1048576.0,
           (double)R.b_wchar / (double)R.entry_bytes, (double)R.entry_bytes / 1048576.0,
           (double)R.b_disk / 1048576.0);
    fflush(stdout);

    sleep_s(IDLE_S);
    check_interrupt();
    R.a_after = mem_read(procs[pa].pid);
    R.b_after = mem_read(procs[pb].pid);
    rpc_close(&rb);
    rpc_close(&ra);
    mp_buf_free(&b);
}

/* ---- 3. recognise, pipelined (against node A, which is still running) ---- */

typedef struct rec_conn {
    rpc r;
    uint64_t sent, recvd; /* requests written into `out`, responses read */
    uint8_t *out;         /* pending request bytes [out_off, out_len) */
    size_t out_off, out_len, out_cap;
} rec_conn;

/* REC_POOL pre-encoded requests: recognise in country c of a spec of country c+1. When `missing`
 * the specs do not exist. msgid = index in the pool. */
static void rec_pool_build(mp_buf *pool, size_t *poff, size_t *plen, size_t total, bool missing)
{
    uint64_t per_author = total / RUN / AUTHORS * RUN, x = WORKLOAD_QUESTION_SEED;
    mp_buf_reset(pool);
    for (size_t i = 0; i < REC_POOL; i++) {
        int c;
        uint64_t sq = workload_question_next(&x, per_author, &c);
        char spec[64];
        snprintf(spec, sizeof(spec), "%s:registry/%s-%06" PRIu64,
                 workload_countries[(c + 1) % AUTHORS], missing ? "none" : "mc", sq);
        poff[i] = pool->len;
        ctl_request_begin(pool, (uint32_t)i, ctl_method_get(CTL_M_RECOGNISE), 3);
        mp_put_cstr(pool, spec);
        mp_put_cstr(pool, workload_countries[c]);
        mp_put_cstr(pool, "further_study");
        plen[i] = pool->len - poff[i];
    }
    if (mp_buf_err(pool) != 0)
        die("recognise pool too large");
}

/* The first pair of a recognise result is "result": its value's name. */
static int rec_kind(mp_cur c)
{
    uint32_t pairs, kl, vl;
    const uint8_t *k, *v;
    if (mp_read_map(&c, &pairs) != 0 || pairs == 0 || mp_read_str(&c, &k, &kl) != 0 ||
        !key_is(k, kl, "result"))
        die("recognise: unexpected result");
    if (mp_peek(&c) == MP_NIL)
        return 0;
    if (mp_read_str(&c, &v, &vl) != 0)
        die("recognise: result is not a name");
    return key_is(v, vl, "decision") ? 1 : key_is(v, vl, "automatic") ? 2 : 3;
}

static double bench_recognise(const char *dir, int conns, bool missing, size_t total)
{
    mp_buf pool;
    mp_buf_init(&pool, 1u << 20);
    size_t *poff = malloc(REC_POOL * sizeof(size_t)), *plen = malloc(REC_POOL * sizeof(size_t));
    if (poff == NULL || plen == NULL)
        die("out of memory");
    rec_pool_build(&pool, poff, plen, total, missing);
    rec_conn rc[2];
    struct pollfd pf[2];
    memset(rc, 0, sizeof(rc));
    for (int i = 0; i < conns; i++) {
        if (!rpc_try_open(&rc[i].r, dir))
            die("recognise: cannot connect to %s/control.sock", dir);
        rc[i].out_cap = REC_WINDOW * 128u;
        rc[i].out = malloc(rc[i].out_cap);
        if (rc[i].out == NULL)
            die("out of memory");
    }
    double t0 = now_s(), t_end = t0 + REC_SECONDS, t_last = t0, drain_deadline = t_end + 10.0;
    uint64_t done = 0;
    for (;;) {
        double t = now_s();
        bool sending = t < t_end, pending = false;
        check_interrupt();
        if (t > drain_deadline)
            die("recognise: answers missing 10 s after the last request");
        for (int i = 0; i < conns; i++) {
            rec_conn *q = &rc[i];
            /* Fill the window. */
            if (sending && q->out_off == q->out_len) {
                q->out_off = q->out_len = 0;
                while (q->sent - q->recvd < REC_WINDOW) {
                    size_t k = (size_t)(q->sent % REC_POOL);
                    if (q->out_len + plen[k] > q->out_cap)
                        break;
                    memcpy(q->out + q->out_len, pool.data + poff[k], plen[k]);
                    q->out_len += plen[k];
                    q->sent++;
                }
            }
            if (q->out_off < q->out_len) {
                ssize_t w = write(q->r.fd, q->out + q->out_off, q->out_len - q->out_off);
                if (w < 0 && errno != EAGAIN && errno != EINTR)
                    die("recognise: write: %s", strerror(errno));
                if (w > 0)
                    q->out_off += (size_t)w;
            }
            pending = pending || q->recvd < q->sent;
            pf[i].fd = q->r.fd;
            pf[i].events = (short)(POLLIN | (q->out_off < q->out_len ? POLLOUT : 0));
            pf[i].revents = 0;
        }
        if (!sending && !pending)
            break;
        poll(pf, (nfds_t)conns, 100);
        for (int i = 0; i < conns; i++) {
            rec_conn *q = &rc[i];
            if ((pf[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                continue;
            rpc_read_some(&q->r, 0);
            resp rs;
            int prc;
            while ((prc = rpc_parse(&q->r, &rs)) == 0) {
                if (q->recvd >= q->sent || rs.msgid != q->recvd % REC_POOL)
                    die("recognise: answer %" PRIu64 " out of order", rs.msgid);
                if (missing) {
                    if (!rs.error || strcmp(rs.name, "RN_ENOTFOUND") != 0)
                        die("recognise of a missing spec: expected RN_ENOTFOUND, got %s",
                            rs.error ? rs.name : "an answer");
                } else {
                    if (rs.error)
                        die("recognise: %s: %s", rs.name, rs.message);
                    R.rec_kinds[rec_kind(rs.result)]++;
                }
                q->recvd++;
                done++;
                t_last = now_s();
            }
            if (prc != RN_ETRUNCATED)
                die("recognise: malformed answer: %s", rn_strerror(prc));
        }
    }
    for (int i = 0; i < conns; i++) {
        rpc_close(&rc[i].r);
        free(rc[i].out);
    }
    free(poff);
    free(plen);
    mp_buf_free(&pool);
    return (double)done / (t_last - t0);
}

/* ---- 2. Spread over a full mesh of 30 ---- */

typedef struct fed_node {
    rpc r;
    int proc;
    char dir[PATH_MAX_BYTES];
} fed_node;

static fed_node fed[AUTHORS];

/* Publishes body[0..bl) with `method` on node p; returns its seq. */
static uint64_t publish_body(mp_buf *b, int p, ctl_method_id method, const uint8_t *body, size_t bl)
{
    uint64_t msgid = req_begin(&fed[p].r, b, method, 1);
    mp_put_bin(b, body, bl);
    resp rs;
    rpc_call(&fed[p].r, b, msgid, ctl_method_get(method)->name, &rs);
    uint32_t pairs;
    uint64_t seq = 0;
    mp_cur c = rs.result;
    if (mp_read_map(&c, &pairs) != 0)
        die("publish: result is not a map");
    for (uint32_t j = 0; j < pairs; j++) {
        const uint8_t *k;
        uint32_t kl;
        if (mp_read_str(&c, &k, &kl) != 0)
            die("publish: key");
        if (key_is(k, kl, "seq")) {
            if (mp_read_uint(&c, &seq) != 0)
                die("publish: seq");
        } else if (mp_skip(&c) != 0) {
            die("publish: result");
        }
    }
    if (seq == 0)
        die("publish: no seq");
    return seq;
}

/* Publishes a spec `id` on node p (its provider workload_spec_body_id's, published before);
 * returns its seq. */
static uint64_t publish_spec(mp_buf *b, int p, const char *id, uint64_t n)
{
    uint8_t body[ENT_MAX];
    size_t bl = workload_spec_body_id(p, id, n, body);
    return publish_body(b, p, CTL_M_SPEC_PUBLISH, body, bl);
}

/* Polls every node's heads until each holds author p at `seq` or more (each is asked again
 * 0.5 ms after the previous round's answers, only while it lacks the entry). Returns the time
 * when the last node was seen holding it, or a negative number after `limit_s`. */
static double wait_everywhere(mp_buf *b, int p, uint64_t seq, double t0, double limit_s,
                              double *arrive)
{
    bool have[AUTHORS] = { false }, asked[AUTHORS];
    uint64_t msgid[AUTHORS];
    int left = AUTHORS;
    double last = t0;
    head h[RN_ROSTER_MEMBERS_MAX];
    while (left > 0) {
        check_interrupt();
        int out = 0;
        for (int n = 0; n < AUTHORS; n++) {
            asked[n] = !have[n];
            if (!asked[n])
                continue;
            msgid[n] = req_begin(&fed[n].r, b, CTL_M_HEADS, 0);
            rpc_write_all(&fed[n].r, b->data, b->len, now_s() + RPC_TIMEOUT_S);
            out++;
        }
        double deadline = now_s() + RPC_TIMEOUT_S;
        while (out > 0) {
            struct pollfd pf[AUTHORS];
            int idx[AUTHORS], k = 0;
            for (int n = 0; n < AUTHORS; n++) {
                if (asked[n]) {
                    pf[k].fd = fed[n].r.fd;
                    pf[k].events = POLLIN;
                    pf[k].revents = 0;
                    idx[k++] = n;
                }
            }
            poll(pf, (nfds_t)k, 100);
            check_interrupt();
            if (now_s() > deadline)
                die("heads: no answer within %.0f s", RPC_TIMEOUT_S);
            for (int j = 0; j < k; j++) {
                if ((pf[j].revents & (POLLIN | POLLHUP | POLLERR)) == 0)
                    continue;
                int n = idx[j];
                rpc_read_some(&fed[n].r, 0);
                resp rs;
                int prc = rpc_parse(&fed[n].r, &rs);
                if (prc == RN_ETRUNCATED)
                    continue;
                if (prc != 0 || rs.error || rs.msgid != msgid[n])
                    die("heads of %s: bad answer", workload_countries[n]);
                double t = now_s();
                asked[n] = false;
                out--;
                size_t hn = heads_parse(rs.result, h, RN_ROSTER_MEMBERS_MAX);
                if (heads_seq_of(h, hn, keys.pk[p]) >= seq) {
                    have[n] = true;
                    left--;
                    if (arrive != NULL)
                        arrive[n] = t - t0;
                    if (t > last)
                        last = t;
                }
            }
        }
        if (left > 0) {
            if (now_s() - t0 > limit_s)
                return -1.0;
            sleep_s(0.0005);
        }
    }
    return last;
}

static void bench_spread(void)
{
    char dir[PATH_MAX_BYTES], roster[PATH_MAX_BYTES];
    uint16_t ports[AUTHORS];
    ports_pick(ports, AUTHORS);
    path_join(dir, WORK_DIR, "mesh");
    mkdir_or_die(dir);
    path_join(roster, dir, "roster.ini");
    for (int a = 0; a < AUTHORS; a++)
        roster_add(roster, workload_countries[a], PROTO_ROLE_AUTHORITY, workload_countries[a],
                   keys.pk[a], ports[a]);
    for (int a = 0; a < AUTHORS; a++) {
        path_join(fed[a].dir, dir, workload_countries[a]);
        node_dir_write(fed[a].dir, workload_countries[a], keys.seed[a], ports[a]);
    }
    int first = procs_n;
    double t0 = now_s();
    for (int a = 0; a < AUTHORS; a++)
        fed[a].proc = spawn(workload_countries[a], fed[a].dir);
    for (int a = 0; a < AUTHORS; a++)
        rpc_open_started(&fed[a].r, fed[a].proc);

    mp_buf b;
    mp_buf_init(&b, 1u << 20);
    /* The full mesh: every node connected to the 29 others. */
    for (;;) {
        int short_n = 0;
        peer_view pv;
        for (int a = 0; a < AUTHORS; a++)
            short_n += call_peers(&fed[a].r, &b, NULL, &pv) < AUTHORS - 1 ? 1 : 0;
        if (short_n == 0)
            break;
        if (now_s() - t0 > MESH_WAIT_S)
            die("mesh: %d nodes short of %d peers after %.0f s", short_n, AUTHORS - 1, MESH_WAIT_S);
        sleep_s(0.05);
    }
    printf("  %-46s %10.2f s\n", "30 recnetd started, full mesh up", now_s() - t0);

    /* The providers the specs name (CC:provider-00 .. 49) first: a node refuses a spec of its
     * own whose provider is not on its log (PROTOCOL.md section 12.3). */
    for (int p = 0; p < AUTHORS; p++) {
        for (uint64_t k = 1; k <= 50; k++) {
            uint8_t body[ENT_MAX];
            size_t bl = workload_provider_body(p, k, body);
            (void)publish_body(&b, p, CTL_M_PROVIDER_PUBLISH, body, bl);
        }
    }
    /* Warm-up: one spec from every node, held everywhere (after its providers). */
    for (int p = 0; p < AUTHORS; p++) {
        char id[64];
        snprintf(id, sizeof(id), "%s:bench/warm-up", workload_countries[p]);
        uint64_t seq = publish_spec(&b, p, id, 1);
        if (wait_everywhere(&b, p, seq, now_s(), SPREAD_MAX_S, NULL) < 0)
            die("warm-up: %s's entry did not reach every node in %.0f s", workload_countries[p],
                SPREAD_MAX_S);
    }

    double reach[SPREAD_N], pub[SPREAD_N], arrive[AUTHORS];
    size_t n = 0;
    double t_all = now_s();
    for (int i = 0; i < SPREAD_N; i++) {
        int p = i % AUTHORS;
        char id[64];
        snprintf(id, sizeof(id), "%s:bench/spread-%04d", workload_countries[p], i);
        double ts = now_s();
        uint64_t seq = publish_spec(&b, p, id, (uint64_t)i + 2);
        pub[i] = now_s() - ts;
        double last = wait_everywhere(&b, p, seq, ts, SPREAD_MAX_S, arrive);
        if (last < 0)
            die("spread: entry %d of %s did not reach every node in %.0f s", i,
                workload_countries[p], SPREAD_MAX_S);
        reach[n++] = last - ts;
        if (now_s() - t_all > SPREAD_TOTAL_S)
            die("spread: over %.0f s", SPREAD_TOTAL_S);
        sleep_s(0.01);
    }
    qsort(reach, n, sizeof(double), cmp_double);
    qsort(pub, SPREAD_N, sizeof(double), cmp_double);
    R.reach_n = n;
    R.reach_p50 = pct(reach, n, 0.50) * 1e3;
    R.reach_p99 = pct(reach, n, 0.99) * 1e3;
    R.reach_max = reach[n - 1] * 1e3;
    R.pub_p50 = pct(pub, SPREAD_N, 0.50) * 1e3;
    R.pub_p99 = pct(pub, SPREAD_N, 0.99) * 1e3;

    sleep_s(IDLE_S);
    check_interrupt();
    double rss[AUTHORS];
    mem all[AUTHORS];
    for (int a = 0; a < AUTHORS; a++) {
        all[a] = mem_read(procs[fed[a].proc].pid);
        rss[a] = (double)all[a].rss_kib;
        if (all[a].rss_kib > R.fed_max.rss_kib)
            R.fed_max = all[a];
    }
    qsort(rss, AUTHORS, sizeof(double), cmp_double);
    for (int a = 0; a < AUTHORS; a++) {
        if ((double)all[a].rss_kib == rss[AUTHORS / 2])
            R.fed_median = all[a];
    }
    for (int a = 0; a < AUTHORS; a++)
        rpc_close(&fed[a].r);
    mp_buf_free(&b);
    R.bad_exits += procs_stop(first, first + AUTHORS);
}

/* Runs the background verifier over the replica in `dir` to its end (node A, stopped), as
 * store_bench does before it measures recognise: every signature that ingest left to it checked,
 * so that proof bundles rest on verified entries, as on a node in its steady state. Otherwise
 * every recognise of a node started minutes ago verifies its bundle's signatures itself (one
 * Ed25519 verification per entry not checked yet), and the figure measures that, not the
 * control API. Returns the signatures checked. */
static uint64_t verify_replica(const char *dir)
{
    store s;
    store_verify_result vr;
    uint64_t verified = 0;
    int rc;
    if ((rc = store_open(&s, dir, NULL)) != 0)
        die("store open %s: %s", dir, rn_strerror(rc));
    double t0 = now_s();
    do {
        check_interrupt();
        if ((rc = store_verify_step(&s, 4096, &vr)) != 0)
            die("verify %s: %s", dir, rn_strerror(rc));
        verified += vr.verified;
    } while (vr.more);
    R.verify_s = now_s() - t0;
    store_close(&s);
    return verified;
}

/* NODE_BENCH_RECOGNISE_DIR=DIR: only the recognise measurements, against a node already running
 * on DIR whose replica holds the workload of ENTRIES (node A of a run with NODE_BENCH_KEEP=1), so
 * that a profiler can be attached to that node alone. */
static int recognise_only(const char *dir, size_t total)
{
    static const struct {
        int conns;
        bool missing;
        const char *what, *how;
    } lines[3] = {
        { 1, false, "recognise, pipelined, with proof bundle", "1 connection" },
        { 2, false, "recognise, pipelined, with proof bundle", "2 connections" },
        { 2, true, "recognise of unknown specs (RPC floor)", "2 connections" },
    };
    signal(SIGPIPE, SIG_IGN);
    /* Each line is printed as soon as it is measured, so that a script reading the node's CPU
     * time can tell the three apart. */
    for (int i = 0; i < 3; i++) {
        double rate = bench_recognise(dir, lines[i].conns, lines[i].missing, total);
        printf("  %-46s %10.0f calls/s  (%s)\n", lines[i].what, rate, lines[i].how);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    size_t total = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    total = total / RUN * RUN;
    if (total < (size_t)RUN * AUTHORS || sodium_init() < 0) {
        fprintf(stderr, "usage: node_bench [ENTRIES >= 30000]\n");
        return 2;
    }
    if (getenv("NODE_BENCH_RECOGNISE_DIR") != NULL)
        return recognise_only(getenv("NODE_BENCH_RECOGNISE_DIR"), total);
    if (getenv("RECNETD") != NULL)
        recnetd_path = getenv("RECNETD");
    if (access(recnetd_path, X_OK) != 0) {
        fprintf(stderr, "node_bench: %s: not executable (build recnetd, or set RECNETD)\n",
                recnetd_path);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rm_rf(WORK_DIR);
    mkdir_or_die(WORK_DIR);
    atexit(cleanup);

    workload_keys_derive(&keys);
    for (int m = 0; m < 2; m++) {
        uint8_t msk[64];
        char label[64];
        snprintf(label, sizeof(label), "recnet bench mirror %c", 'A' + m);
        crypto_generichash(mseed[m], 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(mpk[m], msk, mseed[m]);
        sodium_memzero(msk, sizeof(msk));
    }
    randombytes_buf(netkey, sizeof(netkey));

    printf("node benchmark: real recnetd processes on 127.0.0.1 (%s)\n", recnetd_path);
    char cache[64];
    snprintf(cache, sizeof(cache), CACHE, total);
    if (workload_chains_load(&ch, &keys, total, cache, check_interrupt) != 0)
        die("out of memory");
    R.entries = total;
    for (size_t i = 0; i < total; i++)
        R.entry_bytes += ch.len[i];

    /* 1 and 4: catch-up, memory of A and B. */
    bench_catchup(total);
    workload_chains_free(&ch);
    if (getenv("NODE_BENCH_CATCHUP_ONLY") != NULL) { /* the catch-up lines alone */
        R.bad_exits += procs_stop(0, procs_n);
        printf("{\"bench\":\"node\",\"entries\":%zu,\"catchup_per_s\":%.0f,\"catchup_s\":%.3f,"
               "\"catchup_readable_per_s\":%.0f,\"b_write_bytes\":%" PRIu64 ",\"bad_exits\":%d}\n",
               R.entries, (double)R.entries / R.catchup_s, R.catchup_s,
               (double)R.entries / R.readable_s, R.b_wchar, R.bad_exits);
        cleanup();
        return R.bad_exits > 0 ? 1 : 0;
    }

    /* 3: recognise against node A in its steady state: A stops, its replica's signatures are all
     * checked (outside the measurement), A starts again; then A and B stop. */
    char dir_a[PATH_MAX_BYTES];
    snprintf(dir_a, sizeof(dir_a), "%s", procs[0].dir);
    R.bad_exits += procs_stop(0, 1);
    uint64_t verified = verify_replica(dir_a);
    printf("  %-46s %10.0f signatures/s  (%" PRIu64 " in %.1f s, outside the measurement)\n",
           "node A's replica verified (as store_bench)", (double)verified / R.verify_s, verified,
           R.verify_s);
    fflush(stdout);
    rpc ra;
    rpc_open_started(&ra, spawn("mirror-a", dir_a));
    rpc_close(&ra);
    R.rec_rate[0] = bench_recognise(dir_a, 1, false, total);
    R.rec_rate[1] = bench_recognise(dir_a, 2, false, total);
    R.rec_floor_rate = bench_recognise(dir_a, 2, true, total);
    R.bad_exits += procs_stop(1, procs_n);

    /* 2 and 4: spread over the mesh, memory of its nodes. */
    bench_spread();

    printf("  %-46s %10.0f calls/s  (1 connection, %d outstanding)\n",
           "recognise, pipelined, with proof bundle", R.rec_rate[0], REC_WINDOW);
    printf("  %-46s %10.0f calls/s  (2 connections, %d outstanding each; expected >= 100,000)\n",
           "recognise, pipelined, with proof bundle", R.rec_rate[1], REC_WINDOW);
    printf("  %-46s %10s           (answers: decision %" PRIu64 ", automatic %" PRIu64
           ", none %" PRIu64 ")\n",
           "", "", R.rec_kinds[1], R.rec_kinds[2], R.rec_kinds[3]);
    printf("  %-46s %10s\n", "recognise without proof", "n/a: the method always returns one");
    printf("  %-46s %10.0f calls/s  (2 connections: parse, read transaction, one index miss)\n",
           "recognise of unknown specs (RPC floor)", R.rec_floor_rate);
    printf("  %-46s %7.1f ms p50 %7.1f ms p99 %7.1f ms max  (expected p99 < 100)\n",
           "spread to all 30 nodes, 200 entries", R.reach_p50, R.reach_p99, R.reach_max);
    printf("  %-46s %7.1f ms p50 %7.1f ms p99  (publish call, fsync included)\n",
           "  of which the publish call", R.pub_p50, R.pub_p99);
    printf("  resident memory of idle nodes (VmRSS; expected < 32 MiB):\n");
    char label[64];
    snprintf(label, sizeof(label), "A, after start (%zu entries)", R.entries);
    print_mem(label, R.a_start);
    print_mem("A, after serving the catch-up", R.a_after);
    print_mem("B, after the catch-up", R.b_after);
    print_mem("a node of the mesh (median)", R.fed_median);
    print_mem("a node of the mesh (largest)", R.fed_max);
    if (R.bad_exits > 0)
        printf("  %d recnetd did not exit 0 on SIGTERM\n", R.bad_exits);
    printf("{\"bench\":\"node\",\"entries\":%zu,\"catchup_per_s\":%.0f,\"catchup_s\":%.3f,"
           "\"catchup_readable_per_s\":%.0f,\"spread_p50_ms\":%.2f,\"spread_p99_ms\":%.2f,"
           "\"spread_max_ms\":%.2f,\"publish_p50_ms\":%.2f,\"recognise_per_s\":%.0f,"
           "\"recognise_1conn_per_s\":%.0f,\"recognise_unknown_per_s\":%.0f,"
           "\"rss_a_start_kib\":%" PRIu64 ",\"rss_a_after_kib\":%" PRIu64
           ",\"rss_b_after_kib\":%" PRIu64 ",\"anon_b_after_kib\":%" PRIu64
           ",\"rss_mesh_median_kib\":%" PRIu64 ",\"rss_mesh_max_kib\":%" PRIu64
           ",\"b_write_bytes\":%" PRIu64 ",\"bad_exits\":%d}\n",
           R.entries, (double)R.entries / R.catchup_s, R.catchup_s,
           (double)R.entries / R.readable_s, R.reach_p50, R.reach_p99, R.reach_max, R.pub_p50,
           R.rec_rate[1], R.rec_rate[0], R.rec_floor_rate, R.a_start.rss_kib, R.a_after.rss_kib,
           R.b_after.rss_kib, R.b_after.anon_kib, R.fed_median.rss_kib, R.fed_max.rss_kib,
           R.b_wchar, R.bad_exits);
    fflush(stdout);
    cleanup();
    return R.bad_exits > 0 ? 1 : 0;
}
