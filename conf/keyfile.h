/*
 * keyfile.h: the key files a node holds: the federation's network key file. Library `conf`.
 *
 * The federation's network key (proto/wire.h) is 32 bytes that every member holds and nobody
 * else:
 *
 *     # recnet network key: shared by the members of one federation; keep it private (mode 0600)
 *     <standard base64, with padding, of the 32 bytes>
 *
 * Lines starting with '#' and empty lines are ignored; exactly one key line, in its canonical
 * spelling, must remain. Like the secret key file, a file that grants any permission to group or
 * others is refused. Files are created as conf/file.h creates them (O_EXCL, O_NOFOLLOW, the
 * exact mode, fsync'd with their directory). Every buffer that held a key is wiped.
 *
 * Errors: 0 or a negative RN_E code, with one message naming the file in err[0..err_len)
 * (NODECONF_ERR_MAX bytes hold every message). Blocking, for start-up and the CLI, never for a
 * callback of the event loop.
 */
#ifndef RN_CONF_KEYFILE_H
#define RN_CONF_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/wire.h"

/* Reads the network key file `path` into `key`. Returns 0, RN_EIO, RN_EKEYPERM, RN_ETOOBIG
 * (over 4096 bytes), RN_EKEY (malformed). `key` is wiped on failure. */
RN_MUST_USE int conf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                                 size_t err_len);

/* Writes `key` to a new file `path` (O_EXCL, O_NOFOLLOW, mode 0600 whatever the umask; the file
 * and its directory are fsync'd). Returns 0, RN_EEXIST, RN_EIO. */
RN_MUST_USE int conf_netkey_write(const char *path, const uint8_t key[PROTO_NETKEY_BYTES],
                                  char *err, size_t err_len);

/* Draws a new network key (randombytes_buf) into `key` and writes it as conf_netkey_write
 * does. Calls sodium_init. Returns the same. */
RN_MUST_USE int conf_netkey_generate(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                                     size_t err_len);

#endif /* RN_CONF_KEYFILE_H */
