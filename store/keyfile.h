/*
 * keyfile.h: reading and writing a node's secret key file (the format is proto/key.h's).
 *
 * The secret key file is the one secret a node holds, so the I/O around it is careful in the
 * ways OpenSSH and WireGuard are: a new file is created with O_CREAT | O_EXCL | O_NOFOLLOW and
 * mode 0600, so that a key is never silently overwritten and never written through a symbolic
 * link planted in the directory; its contents and then its directory entry are fsync'd before
 * success is reported, so that a key whose public half has been handed to the federation cannot
 * vanish in a crash; and a key file that grants any permission to group or others is refused
 * rather than used, so that a leaked key is noticed at start-up rather than after misuse.
 *
 * Reads are bounded by PROTO_KEY_FILE_BYTES_MAX. Every buffer that held the file's text is wiped.
 * These functions are blocking and meant for start-up and the CLI's keygen, never for a callback
 * of the event loop.
 *
 * Errors: system call failures are RN_EIO, and the errno of the call that failed is stored in
 * *sys_errno when that pointer is not NULL (it is set to 0 for failures that are not a system
 * call's), so that the caller can print strerror(errno) with the path.
 */
#ifndef RN_STORE_KEYFILE_H
#define RN_STORE_KEYFILE_H

#include <stdint.h>

#include "proto/error.h"
#include "proto/key.h"

/*
 * Creates the secret key file `path` for `seed`, mode 0600 whatever the umask, and makes it
 * durable: writes the whole file, fsyncs it, closes it, then fsyncs the directory that holds it.
 * If anything fails after the file was created, the partial file is removed.
 *
 * Returns 0, or RN_EEXIST (`path` exists, whether as a file, a directory or a symbolic link,
 * dangling or not: it is never followed or replaced), RN_EINVAL (`path` empty or longer than
 * PATH_MAX), RN_EIO (open, write, fsync or close failed; *sys_errno says why).
 */
RN_MUST_USE int store_keyfile_write(const char *path, const uint8_t seed[PROTO_SEED_BYTES],
                                    int *sys_errno);

/*
 * Generates a new key pair from the system's random generator (libsodium's crypto_sign_keypair)
 * and writes its seed to `path` as store_keyfile_write does. On success the public key is copied
 * to `pk`; the secret never leaves this function. Calls sodium_init itself.
 *
 * Returns 0, or the errors of store_keyfile_write, or RN_EIO (libsodium failed to initialise).
 */
RN_MUST_USE int store_keyfile_generate(const char *path, uint8_t pk[PROTO_KEY_BYTES],
                                       int *sys_errno);

/*
 * Reads the secret key file `path` into `seed` and `pk`. The file must be a regular file (a
 * symbolic link to one is followed: deployments often link a key from a secrets volume) whose
 * mode grants nothing to group or others; at most PROTO_KEY_FILE_BYTES_MAX bytes are read. The
 * contents are parsed by proto_key_file_parse, which also checks that `pk` is the seed's.
 *
 * Returns 0, or RN_EIO (open, fstat or read failed, including ENOENT; *sys_errno says why),
 * RN_EKEYPERM (the mode grants some permission to group or others; nothing is read),
 * RN_EKEYFILE (not a regular file, or malformed: see proto_key_file_parse, whose diagnostic
 * goes to `d`, which may be NULL), RN_ETOOBIG (longer than PROTO_KEY_FILE_BYTES_MAX).
 * On failure `seed` and `pk` are wiped; on success the caller must wipe `seed` when done.
 */
RN_MUST_USE int store_keyfile_read(const char *path, uint8_t seed[PROTO_SEED_BYTES],
                                   uint8_t pk[PROTO_KEY_BYTES], int *sys_errno, rn_diag *d);

#endif /* RN_STORE_KEYFILE_H */
