/*
 * keyfile.c: the secret key file and the network key file on disk (see keyfile.h). Both go
 * through one reader (read_secret) and conf/file.h's create; each file then parses and reports
 * in its own words.
 */
#include "conf/keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "conf/file.h"
#include "conf/ini.h"

/* ---- Reading a secret file ---- */

/* What read_secret found, for each file's own message. */
typedef struct secret_read {
    size_t len;       /* bytes read into the buffer, on success */
    const char *call; /* RN_EIO: the call that failed, "open", "stat" or "read" */
    int sys_errno;    /* RN_EIO: its errno */
    unsigned mode;    /* RN_EKEYPERM: the file's permission bits */
} secret_read;

/*
 * Reads the file `path` into buf[0..max] (buf holds max + 1 bytes: the one past the bound tells
 * "exactly at the bound" from "past it"). The file must be a regular file (a symbolic link to one
 * is followed) whose mode grants nothing to group or others. Returns 0 with sr->len set, RN_EIO,
 * RN_EINVAL (not a regular file), RN_EKEYPERM (nothing is read), RN_ETOOBIG (longer than max).
 * The caller wipes buf, whatever the result.
 */
static int read_secret(const char *path, char *buf, size_t max, secret_read *sr)
{
    struct stat st;
    int rc = 0;

    memset(sr, 0, sizeof(*sr));
    /* O_NONBLOCK so that a FIFO at `path` cannot hang us in open; it is refused below. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        sr->call = "open";
        sr->sys_errno = errno;
        return RN_EIO;
    }
    if (fstat(fd, &st) != 0) {
        sr->call = "stat";
        sr->sys_errno = errno;
        rc = RN_EIO;
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = RN_EINVAL;
        goto out;
    }
    if ((st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        sr->mode = (unsigned)(st.st_mode & 0777);
        rc = RN_EKEYPERM;
        goto out;
    }
    if (st.st_size > (off_t)max) {
        rc = RN_ETOOBIG;
        goto out;
    }
    /* Read until end of file or one byte past the bound: the size may change under us. */
    while (sr->len <= max) {
        ssize_t n = read(fd, buf + sr->len, max + 1 - sr->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            sr->call = "read";
            sr->sys_errno = errno;
            rc = RN_EIO;
            goto out;
        }
        if (n == 0)
            break;
        sr->len += (size_t)n;
    }
    if (sr->len > max)
        rc = RN_ETOOBIG;
out:
    close(fd);
    return rc;
}

/* ---- The secret key file ---- */

int conf_keyfile_write(const char *path, const uint8_t seed[PROTO_SEED_BYTES], int *sys_errno)
{
    char text[PROTO_KEY_FILE_LEN + 1];
    int e = 0;
    bool created = false;

    if (sys_errno != NULL)
        *sys_errno = 0;
    if (path[0] == '\0' || strlen(path) >= PATH_MAX)
        return RN_EINVAL;
    proto_key_file_format(seed, text);
    int rc = conf_file_create(path, text, PROTO_KEY_FILE_LEN, 0600, &e, &created);
    sodium_memzero(text, sizeof(text));
    if (rc != 0 && sys_errno != NULL)
        *sys_errno = e;
    return rc;
}

int conf_keyfile_generate(const char *path, uint8_t pk[PROTO_KEY_BYTES], int *sys_errno)
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
    rc = conf_keyfile_write(path, sk, sys_errno);
    sodium_memzero(sk, sizeof(sk));
    if (rc == 0)
        memcpy(pk, pk_new, PROTO_KEY_BYTES);
    return rc;
}

int conf_keyfile_read(const char *path, uint8_t seed[PROTO_SEED_BYTES], uint8_t pk[PROTO_KEY_BYTES],
                      int *sys_errno, rn_diag *d)
{
    char text[PROTO_KEY_FILE_BYTES_MAX + 1];
    secret_read sr;

    if (sys_errno != NULL)
        *sys_errno = 0;
    int rc = read_secret(path, text, PROTO_KEY_FILE_BYTES_MAX, &sr);
    switch (rc) {
    case 0:
        rc = proto_key_file_parse(text, sr.len, seed, pk, d);
        break;
    case RN_EIO:
        if (sys_errno != NULL)
            *sys_errno = sr.sys_errno;
        break;
    case RN_EINVAL:
        rc = rn_fail(d, RN_EKEYFILE, "keyfile");
        break;
    case RN_EKEYPERM:
    case RN_ETOOBIG:
        rc = rn_fail(d, rc, "keyfile");
        break;
    default:
        RN_ASSERT(0);
    }
    sodium_memzero(text, sizeof(text));
    if (rc != 0) {
        sodium_memzero(seed, PROTO_SEED_BYTES);
        sodium_memzero(pk, PROTO_KEY_BYTES);
    }
    return rc;
}

/* ---- The network key file ---- */

#define NETKEY_COMMENT                                                                             \
    "# recnet network key: shared by the members of one federation; keep it private (mode 0600)"
#define NETKEY_B64_LEN 44u

int conf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err, size_t err_len)
{
    char buf[CONF_NETKEY_FILE_BYTES_MAX + 1];
    char again[NETKEY_B64_LEN + 1];
    secret_read sr;
    int found = 0;

    sodium_memzero(key, PROTO_NETKEY_BYTES);
    int rc = read_secret(path, buf, CONF_NETKEY_FILE_BYTES_MAX, &sr);
    switch (rc) {
    case 0:
        break;
    case RN_EIO:
        rc =
            conf_fail(err, err_len, rc, "%s: cannot %s: %s", path, sr.call, strerror(sr.sys_errno));
        goto out;
    case RN_EINVAL:
        rc = conf_fail(err, err_len, RN_EKEY, "%s: not a regular file", path);
        goto out;
    case RN_EKEYPERM:
        rc = conf_fail(err, err_len, rc,
                       "%s: network key file is accessible to others (mode %03o; expected 0600)",
                       path, sr.mode);
        goto out;
    case RN_ETOOBIG:
        rc = conf_fail(err, err_len, rc, "%s: longer than %u bytes", path,
                       CONF_NETKEY_FILE_BYTES_MAX);
        goto out;
    default:
        RN_ASSERT(0);
    }
    size_t len = sr.len;
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
