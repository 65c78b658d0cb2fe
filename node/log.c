/*
 * log.c: one line per event on stderr (see log.h).
 *
 * The timestamp is the wall clock (CLOCK_REALTIME) in UTC with milliseconds, the form RFC 3339
 * and every log shipper read. The line is built in a stack buffer and written with one write(2);
 * a short write to a full pipe is retried, an error is ignored (there is nowhere left to report
 * it).
 *
 * Repeated lines (node_log_limited) are counted per limiter in fixed windows; the summary that
 * closes a window says how many events there were and how many lines were left out, so that a
 * flood of refusals costs a few lines per window, however long it lasts, and still shows its size.
 */
#include "node/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "proto/limits.h"

static node_log_level threshold = NODE_LOG_INFO;
static uint64_t suppressed_total;

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

static void log_v(node_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

void node_log(node_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_v(level, fmt, ap);
    va_end(ap);
}

void node_log_limit_flush(node_log_limit *l, uint64_t now_ms)
{
    if (l->window_ms == 0 || now_ms - l->window_ms < RN_LOG_REPEAT_WINDOW_MS)
        return;
    if (l->suppressed > 0)
        node_log(l->level, "%llu %s in the last %u s (%llu lines not written)",
                 (unsigned long long)l->events, l->what, RN_LOG_REPEAT_WINDOW_MS / 1000u,
                 (unsigned long long)l->suppressed);
    l->window_ms = 0;
    l->events = 0;
    l->lines = 0;
    l->suppressed = 0;
}

void node_log_limited(node_log_limit *l, uint64_t now_ms, node_log_level level, const char *fmt,
                      ...)
{
    if (!node_log_enabled(level))
        return;
    node_log_limit_flush(l, now_ms);
    if (l->window_ms == 0)
        l->window_ms = now_ms == 0 ? 1u : now_ms;
    l->events++;
    if (l->lines >= (l->quota != 0 ? l->quota : RN_LOG_REPEAT_LINES)) {
        l->suppressed++;
        suppressed_total++;
        if (level < l->level)
            l->level = level;
        return;
    }
    if (l->lines == 0)
        l->level = level;
    l->lines++;
    va_list ap;
    va_start(ap, fmt);
    log_v(level, fmt, ap);
    va_end(ap);
}

uint64_t node_log_suppressed_total(void)
{
    return suppressed_total;
}

static void log_v(node_log_level level, const char *fmt, va_list ap)
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
    w = vsnprintf(line + n, room + 1u, fmt, ap);
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
