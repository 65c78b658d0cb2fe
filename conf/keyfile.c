/*
 * keyfile.c: the key files on disk (see keyfile.h).
 */
#include "conf/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "conf/file.h"
#include "conf/ini.h"

/* ---- The network key file ---- */

#define NETKEY_COMMENT                                                                             \
    "# recnet network key: shared by the members of one federation; keep it private (mode 0600)"
#define NETKEY_B64_LEN  44u
#define NETKEY_FILE_MAX 4096u

int conf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err, size_t err_len)
{
    char buf[NETKEY_FILE_MAX + 1];
    char again[NETKEY_B64_LEN + 1];
    size_t len = 0;
    int rc = 0;
    int found = 0;
    struct stat st;

    sodium_memzero(key, PROTO_NETKEY_BYTES);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return conf_fail(err, err_len, RN_EIO, "%s: cannot open: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        rc = conf_fail(err, err_len, RN_EIO, "%s: cannot stat: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = conf_fail(err, err_len, RN_EKEY, "%s: not a regular file", path);
        goto out;
    }
    if (st.st_mode & 077) {
        rc = conf_fail(err, err_len, RN_EKEYPERM,
                       "%s: network key file is accessible to others (mode %03o; expected 0600)",
                       path, (unsigned)(st.st_mode & 0777));
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, sizeof(buf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = conf_fail(err, err_len, RN_EIO, "%s: cannot read: %s", path, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > NETKEY_FILE_MAX) {
            rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: longer than %u bytes", path,
                           NETKEY_FILE_MAX);
            goto out;
        }
    }
    unsigned line = 0;
    for (size_t i = 0; i < len;) {
        size_t e = i;
        while (e < len && buf[e] != '\n')
            e++;
        line++;
        size_t l = e - i;
        if (l > 0 && buf[i + l - 1] == '\r')
            l--;
        if (l > 0 && buf[i] != '#') {
            size_t used = 0;
            const char *end = NULL;
            if (found || l != NETKEY_B64_LEN || memchr(buf + i, '\0', l) != NULL ||
                sodium_base642bin(key, PROTO_NETKEY_BYTES, buf + i, l, NULL, &used, &end,
                                  sodium_base64_VARIANT_ORIGINAL) != 0 ||
                used != PROTO_NETKEY_BYTES || end != buf + i + l) {
                rc = conf_fail(err, err_len, RN_EKEY, "%s:%u: %s", path, line,
                               found ? "a second key line" : "not the base64 of a 32-byte key");
                goto out;
            }
            sodium_bin2base64(again, sizeof(again), key, PROTO_NETKEY_BYTES,
                              sodium_base64_VARIANT_ORIGINAL);
            if (memcmp(again, buf + i, NETKEY_B64_LEN) != 0) {
                rc = conf_fail(err, err_len, RN_EKEY, "%s:%u: key not in canonical base64", path,
                               line);
                goto out;
            }
            found = 1;
        }
        i = e + 1;
    }
    if (!found)
        rc = conf_fail(err, err_len, RN_EKEY, "%s: no key line", path);
out:
    close(fd);
    if (rc != 0)
        sodium_memzero(key, PROTO_NETKEY_BYTES);
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(again, sizeof(again));
    return rc;
}

int conf_netkey_write(const char *path, const uint8_t key[PROTO_NETKEY_BYTES], char *err,
                      size_t err_len)
{
    char buf[sizeof(NETKEY_COMMENT) + NETKEY_B64_LEN + 4];
    char b64[NETKEY_B64_LEN + 1];
    sodium_bin2base64(b64, sizeof(b64), key, PROTO_NETKEY_BYTES, sodium_base64_VARIANT_ORIGINAL);
    int n = snprintf(buf, sizeof(buf), "%s\n%s\n", NETKEY_COMMENT, b64);
    RN_ASSERT(n > 0 && (size_t)n < sizeof(buf));
    int rc = conf_file_create_err(path, buf, (size_t)n, 0600, err, err_len);
    sodium_memzero(buf, sizeof(buf));
    sodium_memzero(b64, sizeof(b64));
    return rc;
}

int conf_netkey_generate(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                         size_t err_len)
{
    if (sodium_init() < 0)
        return conf_fail(err, err_len, RN_EIO, "libsodium failed to initialise");
    randombytes_buf(key, PROTO_NETKEY_BYTES);
    int rc = conf_netkey_write(path, key, err, err_len);
    if (rc != 0)
        sodium_memzero(key, PROTO_NETKEY_BYTES);
    return rc;
}
