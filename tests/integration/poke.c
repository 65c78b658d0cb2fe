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
    fprintf(stderr, "usage: poke (tcp PORT | unix PATH) [-w HOLD_MS] [-r READ_MS] [-s] [-x]\n");
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

int main(int argc, char **argv)
{
    unsigned long hold_ms = 0, read_ms = 1000;
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
