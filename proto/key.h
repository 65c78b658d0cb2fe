/*
 * key.h: node identity keys in text: the public key format and the secret key file format.
 *
 * A node (an authority or a mirror) is identified by an Ed25519 key pair. Its public key appears
 * in the roster, in logs and on the command line as
 *
 *     rn1:<standard base64, with padding, of the 32-byte public key>      (48 characters)
 *
 * The "rn1:" prefix names the key type and format version, so that a key pasted into the wrong
 * field (an SSH key, a WireGuard key) is refused rather than misread. Its secret key lives in a
 * small text file, readable by a person and diffable, holding the 32-byte Ed25519 seed (from which
 * libsodium derives the 64-byte signing key) and the public key as a check:
 *
 *     # recnet secret key: keep this file private (mode 0600)
 *     secret: <standard base64, with padding, of the 32-byte seed>
 *     public: rn1:<standard base64 of the public key>
 *
 * Both formats have exactly one spelling per key: parsing re-encodes what it decoded and refuses
 * anything that differs, so a key has one textual form that can be compared as a string.
 *
 * This module is pure: it formats and parses bytes; reading and writing the file (mode 0600,
 * O_EXCL, fsync) is conf/keyfile.h. Every buffer that held secret material is wiped with
 * sodium_memzero before the function returns, on every path. The caller owns every buffer it
 * passes and is responsible for wiping the seeds and secret keys it receives.
 */
#ifndef RN_KEY_H
#define RN_KEY_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"

/* The Ed25519 seed: the secret that the key file holds. */
#define PROTO_SEED_BYTES 32u

/* The public key in text: "rn1:" and 44 base64 characters. PROTO_KEY_TEXT_LEN is the length of
 * the string; buffers for the formatter need PROTO_KEY_TEXT_LEN + 1 bytes for the terminator. */
#define PROTO_KEY_TEXT_PREFIX     "rn1:"
#define PROTO_KEY_TEXT_PREFIX_LEN 4u
#define PROTO_KEY_B64_LEN         44u /* base64 of 32 bytes: 43 characters and one '=' */
#define PROTO_KEY_TEXT_LEN        (PROTO_KEY_TEXT_PREFIX_LEN + PROTO_KEY_B64_LEN)

/* The first line of every key file written by proto_key_file_format. */
#define PROTO_KEY_FILE_COMMENT "# recnet secret key: keep this file private (mode 0600)"

/* Length of the file proto_key_file_format writes: the comment line, "secret: " and the seed,
 * "public: " and the public key, each line ending in "\n". Buffers for the formatter need one
 * more byte for the terminator. */
#define PROTO_KEY_FILE_LEN                                                                         \
    (sizeof(PROTO_KEY_FILE_COMMENT) - 1u + 1u + 8u + PROTO_KEY_B64_LEN + 1u + 8u +                 \
     PROTO_KEY_TEXT_LEN + 1u)

/* Largest key file proto_key_file_parse accepts. The file proper is 166 bytes; the rest leaves
 * room for comments an operator adds (where the key is backed up, who holds it) while bounding
 * what a reader of a wrong path, say a log file, will load into memory. */
#define PROTO_KEY_FILE_BYTES_MAX 4096u

/*
 * Writes the textual form of the public key `pk` ("rn1:..." and a NUL) to out[0..49).
 * Cannot fail.
 */
void proto_key_text_format(const uint8_t pk[PROTO_KEY_BYTES], char out[PROTO_KEY_TEXT_LEN + 1]);

/*
 * Parses the textual public key s[0..len) (not necessarily NUL-terminated; a NUL inside is an
 * error) into `pk`. Strict: exactly "rn1:" followed by the 44-character standard base64 of 32
 * bytes with its padding, in its one canonical spelling, with nothing before or after (no
 * whitespace, no newline). The 32 bytes must also be a valid Ed25519 public key (a canonical
 * point of the prime-order subgroup that is not of small order), since no other can ever verify a
 * signature and accepting one would only hide a corrupted roster.
 *
 * Returns 0, or RN_EKEY (wrong prefix, wrong length, a character outside the alphabet, missing
 * or misplaced padding, non-zero padding bits, trailing bytes, or not a valid public key). On
 * failure `pk` is unspecified.
 */
RN_MUST_USE int proto_key_text_parse(const char *s, size_t len, uint8_t pk[PROTO_KEY_BYTES]);

/*
 * Derives the libsodium signing key `sk` (the seed followed by the public key, as
 * proto_entry_sign takes it) and, when `pk` is not NULL, the public key, from `seed`. Cannot fail.
 * The caller must wipe `sk` (sodium_memzero) when done with it.
 */
void proto_key_sk_derive(const uint8_t seed[PROTO_SEED_BYTES], uint8_t sk[PROTO_SK_BYTES],
                         uint8_t pk[PROTO_KEY_BYTES]);

/*
 * Writes the key file for `seed` (the three lines shown at the top of this header, exactly
 * PROTO_KEY_FILE_LEN bytes, then a NUL) to out[0..PROTO_KEY_FILE_LEN + 1). The public key line
 * is derived from the seed. The output holds the secret: the caller must wipe it. Cannot fail.
 */
void proto_key_file_format(const uint8_t seed[PROTO_SEED_BYTES], char out[PROTO_KEY_FILE_LEN + 1]);

/*
 * Parses the key file buf[0..len) into `seed` and `pk`. The grammar is line-based: lines end in
 * "\n" (the last line may lack it); a line is empty, a comment starting with '#' (any text after
 * it), "secret: " followed by the 44-character canonical base64 of the 32-byte seed, or "public: "
 * followed by the textual public key (proto_key_text_parse). Exactly one space follows the colon;
 * nothing follows the value, not even a space or a "\r". Each of the two key lines must appear
 * exactly once, in either order, and the public key must be the one the seed derives. A NUL byte
 * anywhere is an error.
 *
 * Returns 0, or RN_ETOOBIG (len > PROTO_KEY_FILE_BYTES_MAX), RN_EKEYFILE (anything else wrong:
 * an unknown or malformed line, a repeated or missing key line, a malformed seed or public key,
 * or a public key that does not match the seed). `d` (may be NULL) names the line at fault in
 * d->field ("keyfile.secret", "keyfile.public", "keyfile.line") and its 1-based number in
 * d->index. On failure `seed` and `pk` are wiped; on success the caller must wipe `seed`.
 */
RN_MUST_USE int proto_key_file_parse(const char *buf, size_t len, uint8_t seed[PROTO_SEED_BYTES],
                                     uint8_t pk[PROTO_KEY_BYTES], rn_diag *d);

#endif /* RN_KEY_H */
