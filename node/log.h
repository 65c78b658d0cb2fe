/*
 * log.h: recnetd's log: one line per event on stderr, with a UTC timestamp and a level.
 *
 *     2026-11-26T21:04:05.123Z info  peer FR connected (outgoing, conn 3)
 *
 * The daemon runs under a supervisor (systemd, a container runtime, the demo's script) that owns
 * log files, rotation and shipping; writing plain lines to stderr is what each of those expects.
 * Every line is formatted in full and handed to one write(2), so lines from several processes
 * sharing a terminal or a pipe never interleave mid-line (lines stay below PIPE_BUF). Control
 * characters in a message (which may quote a peer's or a client's bytes) are escaped, so a line
 * is always one line.
 *
 * The levels and their names are the configuration's ([node] log_level, conf/node.h): this
 * header gives them the log's names, so that the file and the log share one list.
 *
 * Threading: recnetd is single-threaded; the threshold is a process-wide variable.
 */
#ifndef RN_NODE_LOG_H
#define RN_NODE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "conf/node.h"

typedef enum node_log_level {
    NODE_LOG_ERROR = NODECONF_LOG_ERROR, /* the node cannot go on, or lost something */
    NODE_LOG_WARN = NODECONF_LOG_WARN,   /* a peer or client misbehaved; the node goes on */
    NODE_LOG_INFO = NODECONF_LOG_INFO,   /* connections, peers, start and stop (the default) */
    NODE_LOG_DEBUG = NODECONF_LOG_DEBUG, /* every connection attempt, control error, flush */
} node_log_level;

/* Longest line written, timestamp and newline included; longer messages are cut with "...". */
#define NODE_LOG_LINE_MAX 1024u

/* The name of a level as it appears in the config file and in log lines ("warn"), or NULL. */
static inline const char *node_log_level_name(int level)
{
    return nodeconf_log_level_name(level);
}

/* Sets the threshold: messages above it are dropped. The default is NODE_LOG_INFO. */
void node_log_set_level(node_log_level level);

/* True if a message at `level` would be written (to skip formatting costly arguments). */
bool node_log_enabled(node_log_level level);

/* Writes one line at `level` if it passes the threshold. `fmt` is printf's. */
void node_log(node_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Repeated lines. A line that an outsider can make the node write as often as it likes (a refused
 * connection, a refused control client) goes through a limiter instead of node_log: within each
 * window of RN_LOG_REPEAT_WINDOW_MS, the first `quota` lines of one limiter are
 * written and the rest only counted; the first call after the window ends (or
 * node_log_limit_flush, which the driver calls every second) writes one summary line,
 *
 *     ... warn  412 incoming connections refused or cut in the last 10 s (402 lines not written)
 *
 * and starts the next window. The limiter is the caller's (zeroed, with `what` and perhaps `quota`
 * set: the summary's noun phrase, a string literal); `now_ms` is any monotonic clock in
 * milliseconds.
 */
typedef struct node_log_limit {
    const char *what;     /* "incoming connections refused or cut": for the summary */
    node_log_level level; /* the summary's level (that of the lines it stands for) */
    uint32_t quota;       /* lines written per window; 0 for RN_LOG_REPEAT_LINES */
    uint64_t window_ms;   /* start of the current window; 0 before the first event */
    uint64_t events;      /* events in the current window (written or not) */
    uint32_t lines;       /* lines written in it: at most quota */
    uint64_t suppressed;  /* lines not written in it */
} node_log_limit;

/* Logs one event through `l`: a line at `level` while the window's quota lasts, else a count. */
void node_log_limited(node_log_limit *l, uint64_t now_ms, node_log_level level, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

/* Writes the summary of `l` if its window has ended with lines not written, and resets it. */
void node_log_limit_flush(node_log_limit *l, uint64_t now_ms);

/* Lines not written by every limiter since the process started (for status). */
uint64_t node_log_suppressed_total(void);

#define NODE_LOG_ERR(...)   node_log(NODE_LOG_ERROR, __VA_ARGS__)
#define NODE_LOG_WARN(...)  node_log(NODE_LOG_WARN, __VA_ARGS__)
#define NODE_LOG_INFO(...)  node_log(NODE_LOG_INFO, __VA_ARGS__)
#define NODE_LOG_DEBUG(...) node_log(NODE_LOG_DEBUG, __VA_ARGS__)

#endif /* RN_NODE_LOG_H */
