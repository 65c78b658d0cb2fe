/*
 * keyfile.c: the secret key file on disk (see keyfile.h for the rules and why they exist).
 *
 * Plain POSIX calls, no stdio: stdio would keep a copy of the secret in a buffer we cannot wipe.
 * Every path goes through one cleanup label that wipes the text buffer and closes what is open.
 */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* Returns RN_EIO and records errno (sys call failures) for the caller. */
static int io_fail(int *sys_errno)
{
    if (sys_errno != NULL)
        *sys_errno = errno;
    return RN_EIO;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Fsyncs the directory that holds `path`, so that the new file's name is durable too. */
static int fsync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n;

    if (slash == NULL) {
        memcpy(dir, ".", 2);
    } else {
        n = slash == path ? 1 : (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int store_keyfile_write(const char *path, const uint8_t seed[PROTO_SEED_BYTES], int *sys_errno)
{
    char text[PROTO_KEY_FILE_LEN + 1];
    int fd = -1, rc = 0;
    int created = 0;

    if (sys_errno != NULL)
        *sys_errno = 0;
    if (path[0] == '\0' || strlen(path) >= PATH_MAX)
        return RN_EINVAL;

    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = errno == EEXIST ? RN_EEXIST : RN_EIO;
        if (sys_errno != NULL)
            *sys_errno = errno;
        goto out;
    }
    created = 1;
    /* The umask may have removed bits from 0600 (a umask of 0277 would leave 0400, which still
     * works but surprises); set the mode exactly. */
    if (fchmod(fd, 0600) != 0) {
        rc = io_fail(sys_errno);
        goto out;
    }
    proto_key_file_format(seed, text);
    if (write_all(fd, text, PROTO_KEY_FILE_LEN) != 0 || fsync(fd) != 0) {
        rc = io_fail(sys_errno);
        goto out;
    }
    int closed = close(fd);
    fd = -1;
    if (closed != 0 || fsync_parent(path) != 0) {
        rc = io_fail(sys_errno);
        goto out;
    }
out:
    sodium_memzero(text, sizeof(text));
    if (fd >= 0)
        close(fd);
    if (rc != 0 && created) {
        int saved = errno;
        unlink(path);
        errno = saved;
    }
    return rc;
}

int store_keyfile_generate(const char *path, uint8_t pk[PROTO_KEY_BYTES], int *sys_errno)
{
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t pk_new[PROTO_KEY_BYTES];
    int rc;

    if (sys_errno != NULL)
        *sys_errno = 0;
    if (sodium_init() < 0)
        return RN_EIO;
    crypto_sign_keypair(pk_new, sk);
    /* libsodium's secret key is the seed followed by the public key. */
    rc = store_keyfile_write(path, sk, sys_errno);
    sodium_memzero(sk, sizeof(sk));
    if (rc == 0)
        memcpy(pk, pk_new, PROTO_KEY_BYTES);
    return rc;
}

int store_keyfile_read(const char *path, uint8_t seed[PROTO_SEED_BYTES],
                       uint8_t pk[PROTO_KEY_BYTES], int *sys_errno, rn_diag *d)
{
    /* One byte more than the bound, to tell "exactly at the bound" from "past it". */
    char text[PROTO_KEY_FILE_BYTES_MAX + 1];
    size_t len = 0;
    struct stat st;
    int fd = -1, rc = 0;

    if (sys_errno != NULL)
        *sys_errno = 0;
    /* O_NONBLOCK so that a FIFO at `path` cannot hang us in open; it is refused below. */
    fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = io_fail(sys_errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = rn_fail(d, RN_EKEYFILE, "keyfile");
        goto out;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        rc = rn_fail(d, RN_EKEYPERM, "keyfile");
        goto out;
    }
    if (st.st_size > (off_t)PROTO_KEY_FILE_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "keyfile");
        goto out;
    }
    /* Read until end of file or one byte past the bound: the size may change under us. */
    while (len < sizeof(text)) {
        ssize_t r = read(fd, text + len, sizeof(text) - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            rc = io_fail(sys_errno);
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    if (len > PROTO_KEY_FILE_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "keyfile");
        goto out;
    }
    rc = proto_key_file_parse(text, len, seed, pk, d);
out:
    sodium_memzero(text, sizeof(text));
    if (fd >= 0)
        close(fd);
    if (rc != 0) {
        sodium_memzero(seed, PROTO_SEED_BYTES);
        sodium_memzero(pk, PROTO_KEY_BYTES);
    }
    return rc;
}
