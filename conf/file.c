/*
 * file.c: creating a file durably and never over another (see file.h).
 */
#include "conf/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int conf_file_dir(const char *path, char *dir, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        dir[0] = '\0';
        return 0;
    }
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    if (n >= cap)
        return RN_ETOOBIG;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return 0;
}

/* fsyncs the directory that holds `path`, so that the new file's name is durable too. Returns 0
 * or an errno. */
static int sync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    if (conf_file_dir(path, dir, sizeof(dir)) != 0)
        return ENAMETOOLONG;
    int fd = open(dir[0] != '\0' ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int e = fsync(fd) != 0 ? errno : 0;
    close(fd);
    return e;
}

int conf_file_write_sync(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno;
        p += n;
        len -= (size_t)n;
    }
    return fsync(fd) != 0 ? errno : 0;
}

int conf_file_create(const char *path, const void *buf, size_t len, unsigned mode, int *sys_errno,
                     bool *created)
{
    *sys_errno = 0;
    *created = false;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        *sys_errno = errno;
        return errno == EEXIST ? RN_EEXIST : RN_EIO;
    }
    *created = true;
    /* The umask may have removed bits from the mode (a umask of 0277 would leave 0400 of 0600,
     * which still works but surprises); set it exactly. */
    int e = fchmod(fd, (mode_t)mode) != 0 ? errno : 0;
    if (e == 0)
        e = conf_file_write_sync(fd, buf, len);
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e == 0)
        e = sync_dir_of(path);
    if (e != 0) {
        unlink(path);
        *sys_errno = e;
        return RN_EIO;
    }
    return 0;
}

int conf_file_create_err(const char *path, const void *buf, size_t len, unsigned mode, char *err,
                         size_t err_len)
{
    int e = 0;
    bool created = false;
    int rc = conf_file_create(path, buf, len, mode, &e, &created);
    if (err == NULL || err_len == 0)
        return rc;
    if (rc == RN_EEXIST)
        snprintf(err, err_len, "%s: already exists (not overwritten)", path);
    else if (rc != 0)
        snprintf(err, err_len, "%s: cannot %s: %s", path, created ? "write" : "create",
                 strerror(e));
    return rc;
}
