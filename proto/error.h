/*
 * error.h: the one error table of recnet.
 *
 * Every function that can fail returns 0 or one of the negative RN_E codes below. The X-macro
 * generates the enum, the symbolic name and the human message from one list, as libuv's
 * UV_ERRNO_MAP does, so the three never drift apart. The numbers are part of the control API and
 * of the test vectors: never renumber an existing code, only append.
 *
 * Decoders and validators also fill an optional rn_diag with the name of the offending field
 * ("spec.eqf", "entry.prev"), so that the operator reads which field of which record is wrong,
 * not only what kind of wrong it is.
 */
#ifndef RN_ERROR_H
#define RN_ERROR_H

#include <stddef.h>

#define RN_MUST_USE __attribute__((warn_unused_result))

/* X(NAME, number, message) */
#define RN_ERRNO_MAP(X)                                                                            \
    X(ENOMEM, -1, "out of memory")                                                                 \
    X(EINVAL, -2, "invalid argument")                                                              \
    X(ETOOBIG, -3, "input exceeds its size limit")                                                 \
    X(ETRUNCATED, -4, "input ends before the value does")                                          \
    X(ETRAILING, -5, "unexpected bytes after the end of the value")                                \
    X(EMALFORMED, -6, "not valid MessagePack")                                                     \
    X(ENONCANON, -7, "valid MessagePack but not in canonical (shortest) form")                     \
    X(ETYPE, -8, "field has the wrong type")                                                       \
    X(EMISSING, -9, "required field is missing")                                                   \
    X(EUNKNOWNFIELD, -10, "unknown field")                                                         \
    X(EFIELDORDER, -11, "field repeated or out of ascending key order")                            \
    X(EVERSION, -12, "unsupported format version")                                                 \
    X(EKIND, -13, "unknown record kind")                                                           \
    X(ESEQ, -14, "sequence number out of range or not consecutive")                                \
    X(EPREV, -15, "prev does not match the id of the previous entry")                              \
    X(EAUTHOR, -16, "entries of one run have different authors")                                   \
    X(ESIG, -17, "signature does not verify")                                                      \
    X(ETIME, -18, "time out of range")                                                             \
    X(ELEN, -19, "string or byte string length out of bounds")                                     \
    X(ECOUNT, -20, "too many or too few items")                                                    \
    X(EUTF8, -21, "string is not valid UTF-8")                                                     \
    X(EID, -22, "malformed identifier (expected CC:reference)")                                    \
    X(EPREFIX, -23, "identifier carries another country's prefix")                                 \
    X(ECOUNTRY, -24, "not one of the 30 country codes")                                            \
    X(EISCED, -25, "not an ISCED-F 2013 field code")                                               \
    X(EEQF, -26, "EQF level outside 1-8")                                                          \
    X(EECTS, -27, "ECTS credits outside their bounds")                                             \
    X(EVOCAB, -28, "value not in its Annex I vocabulary")                                          \
    X(EENUM, -29, "value not in its enumeration")                                                  \
    X(ELANG, -30, "malformed language code (expected ISO 639-1, two lower-case letters)")          \
    X(EURL, -31, "malformed URL (expected http:// or https://)")                                   \
    X(EDATES, -32, "validity range is empty or reversed")                                          \
    X(EINCONSISTENT, -33, "fields contradict each other")                                          \
    X(EKEY, -34, "malformed key")                                                                  \
    X(EKEYFILE, -35, "malformed key file")                                                         \
    X(EKEYPERM, -36, "secret key file is readable by others (expected mode 0600)")                 \
    X(EIO, -37, "input/output error")                                                              \
    X(EEXIST, -38, "file already exists")                                                          \
    X(ENOTFOUND, -39, "not found")                                                                 \
    X(EROSTER, -40, "key is not a member of the roster")                                           \
    X(EPROOF, -41, "proof does not support its answer")                                            \
    X(EROLE, -42, "roster member may not author entries")                                          \
    X(EDUPLICATE, -43, "item appears twice (roster key or country, proof entry)")                  \
    X(EGAP, -44, "entries missing before this one: fetch from the head on")                        \
    X(ESTORE, -45, "replica storage error")                                                        \
    X(EFULL, -46, "replica is full (raise the map size)")                                          \
    X(ECORRUPT, -47, "replica is inconsistent with its own entries")                               \
    X(EQUORUM, -48, "fewer signatures than the quorum of authorities requires")                    \
    X(EWITNESS, -50, "not covered by a checkpoint with enough witnesses")                          \
    X(EFORK, -51, "another entry of the author at the same seq (a fork)")

enum {
#define RN_X_ENUM(name, num, msg) RN_##name = (num),
    RN_ERRNO_MAP(RN_X_ENUM)
#undef RN_X_ENUM
};

/* Return early with the error code when an expression fails (s2n's RESULT_GUARD). */
#define RN_TRY(expr)                                                                               \
    do {                                                                                           \
        int rn_try_rc_ = (expr);                                                                   \
        if (rn_try_rc_ < 0)                                                                        \
            return rn_try_rc_;                                                                     \
    } while (0)

/* Jump to the function's one cleanup label `out` with `rc` set when an expression fails. */
#define RN_GUARD(rc, expr)                                                                         \
    do {                                                                                           \
        (rc) = (expr);                                                                             \
        if ((rc) < 0)                                                                              \
            goto out;                                                                              \
    } while (0)

/* Invariants that stay on in release builds: a broken one is a programmer error, and crashing
 * beats carrying on with a corrupt replica (TigerBeetle, LMDB's mdb_cassert). */
#define RN_ASSERT(cond)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            rn_assert_fail(#cond, __FILE__, __LINE__);                                             \
    } while (0)

_Noreturn void rn_assert_fail(const char *cond, const char *file, int line);

/* Returns the symbolic name of an error code ("RN_EEQF"), or "RN_UNKNOWN" for a number that is
 * not in the table. The string is static. */
const char *rn_err_name(int code);

/* Returns the message of an error code, or "unknown error" for a number that is not in the table.
 * The string is static. */
const char *rn_strerror(int code);

/* Details of a failed decode or validation. `field` is a static string naming the field, such as
 * "spec.eqf" or "entry.prev"; NULL when no single field is to blame. */
typedef struct rn_diag {
    int code;          /* the RN_E code also returned by the function */
    const char *field; /* static, may be NULL */
    unsigned index;    /* 1 + position within a list field (so outcome 0 is 1), or 0 for none */
} rn_diag;

/* Records `code` and `field` in `d` (which may be NULL) and returns `code`, so that a decoder can
 * write `return rn_fail(d, RN_EEQF, "spec.eqf");`. */
int rn_fail(rn_diag *d, int code, const char *field);

/* As rn_fail, and sets d->index to `index` (1 + a position in a list, or 0). A NULL `field` keeps
 * the field a callee already recorded in `d`, so that a caller can add the position of the item
 * that failed to a decoder's diagnosis. */
int rn_fail_at(rn_diag *d, int code, const char *field, size_t index);

/* In a decoder with an `rn_diag *d` in scope: evaluates `expr` and, when it fails, returns its
 * error with `name` recorded as the field. */
#define RN_FIELD(d, expr, name)                                                                    \
    do {                                                                                           \
        int rn_field_rc_ = (expr);                                                                 \
        if (rn_field_rc_ < 0)                                                                      \
            return rn_fail((d), rn_field_rc_, (name));                                             \
    } while (0)

/* Formats `d` as "spec.eqf: EQF level outside 1-8" into `buf` (always NUL-terminated when
 * `len` > 0). Returns `buf`. */
char *rn_diag_format(const rn_diag *d, char *buf, size_t len);

#endif /* RN_ERROR_H */
