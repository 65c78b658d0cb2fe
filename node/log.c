/*
 * log.c: one line per event on stderr (see log.h).
 *
 * The timestamp is the wall clock (CLOCK_REALTIME) in UTC with milliseconds, the form RFC 3339
 * and every log shipper read. The line is built in a stack buffer and written with one write(2);
 * a short write to a full pipe is retried, an error is ignored (there is nowhere left to report
 * it).
 */
#include "node/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

static node_log_level threshold = NODE_LOG_INFO;

void node_log_set_level(node_log_level level)
{
    threshold = level;
}

bool node_log_enabled(node_log_level level)
{
    return level <= threshold;
}

/* Replaces control characters (and DEL) in s[0..len) with '?', so that a message quoting
 * untrusted bytes stays one line and cannot drive the terminal. */
static void scrub(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            s[i] = '?';
    }
}

void node_log(node_log_level level, const char *fmt, ...)
{
    char line[NODE_LOG_LINE_MAX];
    struct timespec ts;
    struct tm tm;
    size_t n = 0;

    if (!node_log_enabled(level))
        return;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    int w = snprintf(line + n, sizeof(line) - n, ".%03ldZ %-5s ", ts.tv_nsec / 1000000L,
                     node_log_level_name(level));
    if (w > 0)
        n += (size_t)w;

    /* The message, cut to leave room for "...\n". */
    size_t room = sizeof(line) - n - 4u;
    va_list ap;
    va_start(ap, fmt);
    w = vsnprintf(line + n, room + 1u, fmt, ap);
    va_end(ap);
    if (w < 0)
        w = 0;
    if ((size_t)w > room) {
        scrub(line + n, room);
        n += room;
        memcpy(line + n, "...", 3);
        n += 3;
    } else {
        scrub(line + n, (size_t)w);
        n += (size_t)w;
    }
    line[n++] = '\n';

    const char *p = line;
    while (n > 0) {
        ssize_t k = write(STDERR_FILENO, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return;
        p += k;
        n -= (size_t)k;
    }
}
