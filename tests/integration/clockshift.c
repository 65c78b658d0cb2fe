/*
 * clockshift.c: an LD_PRELOAD library that steps a process's wall clock, for the integration
 * tests of the node's clock (clock.sh): CLOCK_REALTIME (from clock_gettime) is shifted by the
 * signed number of milliseconds written in the file named by RN_CLOCKSHIFT_FILE, read at every
 * call, so that a test steps a running recnetd's wall clock by rewriting one small file. Every
 * other clock, the monotonic clocks included, is left alone: exactly what a bad NTP answer does.
 * Without the variable, or with a file that is missing or does not hold a number, the shift is 0.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long shift_ms(void)
{
    const char *path = getenv("RN_CLOCKSHIFT_FILE");
    char buf[32];
    if (path == NULL)
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    char *end = NULL;
    errno = 0;
    long long v = strtoll(buf, &end, 10);
    return errno != 0 || end == buf ? 0 : v;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
    static int (*real)(clockid_t, struct timespec *);
    if (real == NULL)
        real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
    int saved = errno;
    int rc = real(id, ts);
    if (rc != 0 || id != CLOCK_REALTIME)
        return rc;
    long long ms = shift_ms();
    errno = saved;
    long long ns = (long long)ts->tv_nsec + (ms % 1000) * 1000000;
    ts->tv_sec += (time_t)(ms / 1000);
    if (ns < 0) {
        ns += 1000000000;
        ts->tv_sec -= 1;
    } else if (ns >= 1000000000) {
        ns -= 1000000000;
        ts->tv_sec += 1;
    }
    ts->tv_nsec = (long)ns;
    return rc;
}
