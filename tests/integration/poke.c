/*
 * poke.c: the integration tests' raw client for a node's peer port and control socket.
 *
 * The tests drive recnetd with recnetctl wherever they can; this tool covers what recnetctl will
 * not do on purpose: send arbitrary bytes (random garbage, a handshake cut short, a frame length
 * out of bounds, a truncated or oversized MessagePack request) and watch what the node does with
 * them. It reads the bytes to send from stdin, connects to 127.0.0.1:PORT (loopback only, by
 * construction) or to a Unix socket, writes them, optionally keeps the connection silent for a
 * while, then reads until the node closes the connection or the read time runs out, and reports
 * what came back on one line. Every step is bounded: stdin by POKE_INPUT_MAX, the connect by 2 s,
 * the write by 2 s, the wait for an answer by -w plus -r.
 *
 *     poke (tcp PORT | unix PATH) [-w HOLD_MS] [-r READ_MS] [-s] [-x]
 *
 * -w HOLD_MS  after writing, stay connected and silent, reading, for HOLD_MS (default 0)
 * -r READ_MS  and for READ_MS more (default 1000); both end early when the node closes
 * -s          shut down our sending side after writing (a client that has said everything)
 * -x          print the bytes received as hex on a second line
 *
 * Output: `sent N received M closed-by-peer yes|no`. Exit status: 0 when the connection was made
 * (whatever the node did with it), 1 when it could not be made, 2 for a usage error.
 *
 * Two flood modes play the strangers of node/README.md ("Strangers and floods"), bounded in
 * connections, rate and time:
 *
 *     poke flood PORT CONNS SECONDS RATE
 *
 * keeps up to CONNS silent connections open to 127.0.0.1:PORT for SECONDS, opening a new one
 * whenever the node closes one, at most RATE connects a second; prints `connects N closed M`.
 *
 *     poke ctlflood PATH CLIENTS SECONDS
 *
 * opens CLIENTS connections to the control socket PATH, and for SECONDS writes pipelined `status`
 * requests on each, in 64 KiB writes, as fast as the node takes them, never reading an answer;
 * prints `clients N sent BYTES closed-by-peer M` (M: those the node closed).
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum {
    POKE_INPUT_MAX = 16 * 1024 * 1024, /* bytes read from stdin: a few oversized requests */
    POKE_RECV_MAX = 1024 * 1024,       /* bytes kept of what the node answers */
    POKE_CONNECT_MS = 2000,            /* a loopback connect that takes longer has failed */
    POKE_WRITE_MS = 2000,              /* a node that stops reading for longer has refused */
    POKE_HEX_MAX = 4096,               /* bytes printed with -x */
};

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int usage(void)
{
    fprintf(stderr, "usage: poke (tcp PORT | unix PATH) [-w HOLD_MS] [-r READ_MS] [-s] [-x]\n"
                    "       poke flood PORT CONNS SECONDS RATE\n"
                    "       poke ctlflood PATH CLIENTS SECONDS\n");
    return 2;
}

static bool parse_ms(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
        return false;
    *out = v;
    return true;
}

/* Waits for `events` on `fd` until `deadline` (monotonic ms). Returns the revents, 0 on timeout. */
static short wait_fd(int fd, short events, uint64_t deadline)
{
    for (;;) {
        uint64_t now = now_ms();
        if (now >= deadline)
            return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int rc = poll(&p, 1, (int)(deadline - now));
        if (rc > 0)
            return p.revents;
        if (rc == 0)
            return 0;
        if (errno != EINTR)
            return POLLERR;
    }
}

static int connect_to(const char *kind, const char *where)
{
    int fd = -1;
    int rc;
    if (strcmp(kind, "tcp") == 0) {
        unsigned long port;
        if (!parse_ms(where, 65535, &port) || port == 0)
            return -2;
        struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1, and nothing else */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else if (strcmp(kind, "unix") == 0) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        if (strlen(where) >= sizeof(sa.sun_path))
            return -2;
        memcpy(sa.sun_path, where, strlen(where) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM, 0);
        if (fd < 0)
            return -1;
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
    } else {
        return -2;
    }
    if (rc != 0 && errno != EINPROGRESS && errno != EAGAIN) {
        close(fd);
        return -1;
    }
    if (rc != 0) {
        short ev = wait_fd(fd, POLLOUT, now_ms() + POKE_CONNECT_MS);
        int err = 0;
        socklen_t len = sizeof(err);
        if (!(ev & POLLOUT) || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

enum {
    FLOOD_CONNS_MAX = 2000,  /* connections one flood holds at most */
    FLOOD_SECONDS_MAX = 60,  /* how long a flood lasts at most */
    FLOOD_RATE_MAX = 100000, /* connects a second at most */
};

/* Starts a non-blocking connect to 127.0.0.1:port; -1 when the socket cannot be made. */
static int flood_connect(uint16_t port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/* Raises the descriptor limit to what `need` takes, as far as the hard limit allows. */
static void fds_raise(unsigned long need)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need + 16) {
        rl.rlim_cur = need + 16 < rl.rlim_max ? need + 16 : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static int flood(int argc, char **argv)
{
    unsigned long port, conns, secs, rate;
    if (argc != 6 || !parse_ms(argv[2], 65535, &port) || port == 0 ||
        !parse_ms(argv[3], FLOOD_CONNS_MAX, &conns) || conns == 0 ||
        !parse_ms(argv[4], FLOOD_SECONDS_MAX, &secs) || !parse_ms(argv[5], FLOOD_RATE_MAX, &rate) ||
        rate == 0)
        return usage();
    fds_raise(conns);
    static struct pollfd p[FLOOD_CONNS_MAX];
    for (size_t i = 0; i < conns; i++)
        p[i].fd = -1;
    uint64_t t0 = now_ms(), end = t0 + secs * 1000u, opened = 0, closed = 0;
    while (now_ms() < end) {
        /* Top up to `conns`, within the rate allowed so far. */
        uint64_t allowed = (now_ms() - t0) * rate / 1000u + 1u;
        for (size_t i = 0; i < conns && opened < allowed; i++) {
            if (p[i].fd >= 0)
                continue;
            p[i].fd = flood_connect((uint16_t)port);
            p[i].events = POLLIN;
            if (p[i].fd >= 0)
                opened++;
            else
                break; /* out of descriptors or ports for now */
        }
        int rc = poll(p, (nfds_t)conns, 10);
        if (rc <= 0)
            continue;
        for (size_t i = 0; i < conns; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            char b[256];
            ssize_t n = recv(p[i].fd, b, sizeof(b), 0);
            if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
                continue;   /* the node said something: stay silent anyway */
            close(p[i].fd); /* closed by the node (or refused): open another */
            p[i].fd = -1;
            closed++;
        }
    }
    for (size_t i = 0; i < conns; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    printf("connects %llu closed %llu\n", (unsigned long long)opened, (unsigned long long)closed);
    return 0;
}

static int ctlflood(int argc, char **argv)
{
    unsigned long clients, secs;
    if (argc != 5 || !parse_ms(argv[3], 1000, &clients) || clients == 0 ||
        !parse_ms(argv[4], FLOOD_SECONDS_MAX, &secs))
        return usage();
    fds_raise(clients);
    /* [0, 1, "status", []] over and over. */
    static const uint8_t req[] = { 0x94, 0x00, 0x01, 0xa6, 's', 't', 'a', 't', 'u', 's', 0x90 };
    static uint8_t chunk[65536 - 65536 % sizeof(req)];
    for (size_t i = 0; i < sizeof(chunk); i += sizeof(req))
        memcpy(chunk + i, req, sizeof(req));
    static struct pollfd p[1000];
    size_t n = 0;
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(argv[2]) >= sizeof(sa.sun_path))
        return usage();
    memcpy(sa.sun_path, argv[2], strlen(argv[2]) + 1);
    for (size_t i = 0; i < clients; i++) {
        /* A blocking connect, tried again while the node's backlog is full (EAGAIN). */
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        uint64_t give_up = now_ms() + POKE_CONNECT_MS;
        while (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            if ((errno != EAGAIN && errno != EINTR) || now_ms() >= give_up) {
                close(fd);
                fd = -1;
                break;
            }
            poll(NULL, 0, 10);
        }
        if (fd >= 0) {
            p[n].fd = fd;
            p[n].events = POLLOUT;
            n++;
        }
    }
    uint64_t end = now_ms() + secs * 1000u, sent = 0;
    size_t cut = 0;
    while (now_ms() < end) {
        if (poll(p, (nfds_t)n, 50) <= 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            if (p[i].fd < 0 || p[i].revents == 0)
                continue;
            ssize_t k = send(p[i].fd, chunk, sizeof(chunk), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (k > 0) {
                sent += (uint64_t)k;
            } else if (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                close(p[i].fd); /* EPIPE, ECONNRESET: the node closed it */
                p[i].fd = -1;
                cut++;
            } else if (p[i].revents & (POLLHUP | POLLERR)) {
                close(p[i].fd);
                p[i].fd = -1;
                cut++;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        if (p[i].fd >= 0)
            close(p[i].fd);
    printf("clients %zu sent %llu closed-by-peer %zu\n", n, (unsigned long long)sent, cut);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned long hold_ms = 0, read_ms = 1000;
    if (argc >= 2 && strcmp(argv[1], "flood") == 0)
        return flood(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "ctlflood") == 0)
        return ctlflood(argc, argv);
    bool shut = false, hex = false;
    if (argc < 3)
        return usage();
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
            if (!parse_ms(argv[++i], 600000, &hold_ms))
                return usage();
        } else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
            if (!parse_ms(argv[++i], 600000, &read_ms))
                return usage();
        } else if (strcmp(argv[i], "-s") == 0) {
            shut = true;
        } else if (strcmp(argv[i], "-x") == 0) {
            hex = true;
        } else {
            return usage();
        }
    }
    signal(SIGPIPE, SIG_IGN);

    uint8_t *in = malloc(POKE_INPUT_MAX);
    uint8_t *out = malloc(POKE_RECV_MAX);
    if (in == NULL || out == NULL) {
        fprintf(stderr, "poke: out of memory\n");
        return 1;
    }
    size_t in_len = 0;
    for (;;) {
        ssize_t n = read(STDIN_FILENO, in + in_len, POKE_INPUT_MAX - in_len);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "poke: stdin: %s\n", strerror(errno));
            return 1;
        }
        in_len += (size_t)n;
        if (in_len == POKE_INPUT_MAX) {
            fprintf(stderr, "poke: more than %d bytes on stdin\n", POKE_INPUT_MAX);
            return 2;
        }
    }

    int fd = connect_to(argv[1], argv[2]);
    if (fd == -2)
        return usage();
    if (fd < 0) {
        printf("cannot connect to %s %s: %s\n", argv[1], argv[2], strerror(errno));
        return 1;
    }

    /* Write everything, unless the node closes on us first (which is a fine answer to garbage). */
    size_t sent = 0;
    bool cut = false, closed = false;
    uint64_t deadline = now_ms() + POKE_WRITE_MS;
    while (sent < in_len && !cut) {
        ssize_t n = send(fd, in + sent, in_len - sent, 0);
        if (n > 0) {
            sent += (size_t)n;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
            if (wait_fd(fd, POLLOUT, deadline) == 0)
                break; /* the node stopped reading: leave the rest unsent */
        } else {
            cut = true; /* EPIPE, ECONNRESET: the node cut us off; what it said may be buffered */
        }
    }
    if (shut && !cut)
        shutdown(fd, SHUT_WR);

    /* Silence, then read what the node has to say until it closes or the time runs out. */
    size_t got = 0;
    deadline = now_ms() + hold_ms + read_ms;
    while (!closed) {
        uint64_t now = now_ms();
        if (now >= deadline)
            break;
        /* Reading during the hold sends nothing: the node sees only silence. */
        short ev = wait_fd(fd, POLLIN, deadline);
        if (ev == 0)
            break;
        uint8_t buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n > 0) {
            size_t keep = (size_t)n;
            if (keep > POKE_RECV_MAX - got)
                keep = POKE_RECV_MAX - got;
            memcpy(out + got, buf, keep);
            got += keep;
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
            closed = true;
        }
    }
    close(fd);

    printf("sent %zu received %zu closed-by-peer %s\n", sent, got, closed || cut ? "yes" : "no");
    if (hex) {
        for (size_t i = 0; i < got && i < POKE_HEX_MAX; i++)
            printf("%02x", out[i]);
        printf("\n");
    }
    free(in);
    free(out);
    return 0;
}
