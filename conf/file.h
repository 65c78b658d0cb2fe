/*
 * file.h: how the library `conf` creates a file: never over an existing one, with the exact mode
 * asked for, and durable before success is reported. Private to conf/: the node configuration
 * and the roster file (mode 0644) and the two key files (mode 0600, conf/keyfile.h) are all
 * created here, the way OpenSSH and WireGuard create a key: O_CREAT | O_EXCL | O_NOFOLLOW, so
 * that nothing is silently overwritten or written through a symbolic link planted in the
 * directory; fchmod to the mode whatever the umask; the contents fsync'd, then the directory
 * entry, so that a file reported written survives a crash; and the partial file removed if
 * anything fails after it was created.
 *
 * Plain POSIX calls, no stdio: stdio would keep a copy of a secret in a buffer we cannot wipe.
 * Blocking, for start-up and the CLI.
 */
#ifndef RN_CONF_FILE_H
#define RN_CONF_FILE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/error.h"

/*
 * Creates `path` with buf[0..len) and `mode` as above. Returns 0, RN_EEXIST (`path` exists,
 * whether as a file, a directory or a symbolic link, dangling or not) or RN_EIO (a system call
 * failed). On failure *sys_errno is the errno of the call that failed, and *created says whether
 * the file had been created (and so was removed again): a failure to write rather than to
 * create.
 */
RN_MUST_USE int conf_file_create(const char *path, const void *buf, size_t len, unsigned mode,
                                 int *sys_errno, bool *created);

/* conf_file_create with the message for an operator in err[0..err_len): "<path>: already
 * exists (not overwritten)", "<path>: cannot create: <strerror>" or "<path>: cannot write:
 * <strerror>". Returns the same. */
RN_MUST_USE int conf_file_create_err(const char *path, const void *buf, size_t len, unsigned mode,
                                     char *err, size_t err_len);

/* Writes buf[0..len) fully to fd (retrying on EINTR), then fsyncs it. Returns 0 or an errno. */
int conf_file_write_sync(int fd, const void *buf, size_t len);

/* The directory part of `path` ("" when it has none, "/" for a file in the root) into
 * dir[0..cap). Returns 0 or RN_ETOOBIG. */
RN_MUST_USE int conf_file_dir(const char *path, char *dir, size_t cap);

#endif /* RN_CONF_FILE_H */
