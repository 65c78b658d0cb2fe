/*
 * keyfile.h: the two secret files a node holds, its own secret key file and the federation's
 * network key file. Library `conf`; the one place either is read or written.
 *
 * The secret key file (the format is proto/key.h's) is the one secret that is the node's alone;
 * the network key (proto/wire.h) is 32 bytes that every member of the federation holds and nobody
 * else:
 *
 *     # recnet network key: shared by the members of one federation; keep it private (mode 0600)
 *     <standard base64, with padding, of the 32 bytes>
 *
 * In the network key file, lines starting with '#' and empty lines are ignored; exactly one key
 * line, in its canonical spelling, must remain.
 *
 * Both are handled with the care OpenSSH and WireGuard take with keys. A new file is created as
 * conf/file.h creates files: O_CREAT | O_EXCL | O_NOFOLLOW and mode 0600 whatever the umask, so
 * that a key is never silently overwritten and never written through a symbolic link planted in
 * the directory; its contents and then its directory entry fsync'd before success is reported,
 * so that a key whose public half has been handed to the federation cannot vanish in a crash; the
 * partial file removed if anything fails after it was created. A file is read only when it is a
 * regular file (a symbolic link to one is followed: deployments often link a key from a secrets
 * volume; a FIFO never blocks the reader) whose mode grants nothing to group or others, so that a
 * leaked key is noticed at start-up rather than after misuse; and only up to its bound. Plain
 * POSIX calls, no stdio, and every buffer that held a key or the file's text is wiped.
 *
 * Errors. The secret key file's functions report as the CLI and recnetd print them: system call
 * failures are RN_EIO, and the errno of the call that failed is stored in *sys_errno when that
 * pointer is not NULL (it is set to 0 for failures that are not a system call's), so that the
 * caller can print strerror(errno) with the path; a malformed file's diagnostic goes to an
 * rn_diag. The network key file's functions write one message naming the file into
 * err[0..err_len) (NODECONF_ERR_MAX bytes hold every message).
 *
 * All of these are blocking and meant for start-up and the CLI, never for a callback of the
 * event loop.
 */
#ifndef RN_CONF_KEYFILE_H
#define RN_CONF_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/key.h"
#include "proto/wire.h"

/* The longest network key file read: comments and blank lines around the one key line. */
#define CONF_NETKEY_FILE_BYTES_MAX 4096u

/* ---- The secret key file ---- */

/*
 * Creates the secret key file `path` for `seed`, mode 0600 whatever the umask, and makes it
 * durable: writes the whole file, fsyncs it, closes it, then fsyncs the directory that holds it.
 * If anything fails after the file was created, the partial file is removed.
 *
 * Returns 0, or RN_EEXIST (`path` exists, whether as a file, a directory or a symbolic link,
 * dangling or not: it is never followed or replaced), RN_EINVAL (`path` empty or longer than
 * PATH_MAX), RN_EIO (open, write, fsync or close failed; *sys_errno says why).
 */
RN_MUST_USE int conf_keyfile_write(const char *path, const uint8_t seed[PROTO_SEED_BYTES],
                                   int *sys_errno);

/*
 * Generates a new key pair from the system's random generator (libsodium's crypto_sign_keypair)
 * and writes its seed to `path` as conf_keyfile_write does. On success the public key is copied
 * to `pk`; the secret never leaves this function. Calls sodium_init itself.
 *
 * Returns 0, or the errors of conf_keyfile_write, or RN_EIO (libsodium failed to initialise).
 */
RN_MUST_USE int conf_keyfile_generate(const char *path, uint8_t pk[PROTO_KEY_BYTES],
                                      int *sys_errno);

/*
 * Reads the secret key file `path` into `seed` and `pk`. At most PROTO_KEY_FILE_BYTES_MAX bytes
 * are read. The contents are parsed by proto_key_file_parse, which also checks that `pk` is the
 * seed's.
 *
 * Returns 0, or RN_EIO (open, fstat or read failed, including ENOENT; *sys_errno says why),
 * RN_EKEYPERM (the mode grants some permission to group or others; nothing is read),
 * RN_EKEYFILE (not a regular file, or malformed: see proto_key_file_parse, whose diagnostic
 * goes to `d`, which may be NULL), RN_ETOOBIG (longer than PROTO_KEY_FILE_BYTES_MAX).
 * On failure `seed` and `pk` are wiped; on success the caller must wipe `seed` when done.
 */
RN_MUST_USE int conf_keyfile_read(const char *path, uint8_t seed[PROTO_SEED_BYTES],
                                  uint8_t pk[PROTO_KEY_BYTES], int *sys_errno, rn_diag *d);

/* ---- The network key file ---- */

/* Reads the network key file `path` into `key`. Returns 0, RN_EIO, RN_EKEYPERM, RN_ETOOBIG
 * (over CONF_NETKEY_FILE_BYTES_MAX bytes), RN_EKEY (not a regular file, or malformed). `key` is
 * wiped on failure. */
RN_MUST_USE int conf_netkey_read(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                                 size_t err_len);

/* Writes `key` to a new file `path` (mode 0600, as above). Returns 0, RN_EEXIST, RN_EIO. */
RN_MUST_USE int conf_netkey_write(const char *path, const uint8_t key[PROTO_NETKEY_BYTES],
                                  char *err, size_t err_len);

/* Draws a new network key (randombytes_buf) into `key` and writes it as conf_netkey_write
 * does. Calls sodium_init. Returns the same. */
RN_MUST_USE int conf_netkey_generate(const char *path, uint8_t key[PROTO_NETKEY_BYTES], char *err,
                                     size_t err_len);

#endif /* RN_CONF_KEYFILE_H */
