/*
 * json.h: a strict JSON reader that builds jansson values, for the JSON a verifier reads on
 * every check (a VC-JWT's header and payload, a credential with an embedded proof).
 *
 * It reads what jansson's json_loadb(buf, len, JSON_REJECT_DUPLICATES, &error) reads (but for
 * one byte, below) and builds the same values (the same types, integers and reals told apart as
 * jansson tells them, object members in document order), so that a caller can use either and
 * nothing downstream notices; it refuses every text jansson refuses. The difference is the cost:
 * jansson's lexer reads through a callback per byte and validates UTF-8 byte by byte, about 160
 * instructions a byte on a credential, more than an RSA-2048 verification for a 4 KiB badge; this
 * reader scans strings eight bytes at a time, validates UTF-8 a sequence at a time, and hands
 * jansson strings without escapes straight from the input (cred/README.md "Cost").
 *
 * The grammar is RFC 8259 with jansson's choices made the same way: the top-level value is an
 * object or an array; a member name that repeats is refused (JSON_REJECT_DUPLICATES); strings
 * are valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF) and no escape
 * yields U+0000; a lone or unpaired surrogate escape is refused; a number without fraction or
 * exponent is an integer and one outside int64 is refused, any other is a real and one that
 * overflows a double is refused (underflow reads as zero); white space is space, tab, CR and LF;
 * nothing but white space follows the value; at most CRED_JSON_DEPTH_MAX values are open at once
 * (jansson's JSON_PARSER_MAX_DEPTH, counting scalars).
 *
 * One difference, on purpose: jansson reads a NUL byte right after a number or a literal
 * ("[1\0]") as nothing (its lexer puts the byte back into a NUL-terminated buffer, where it
 * reads as empty); a NUL byte is not JSON, and this reader refuses it.
 *
 * tests/unit/cred_json_test.c compares it with jansson on the fixtures and on random and
 * mutated texts; tests/fuzz/fuzz_json.c does the same under libFuzzer.
 */
#ifndef RN_CRED_JSON_H
#define RN_CRED_JSON_H

#include <stddef.h>

#include <jansson.h>

#include "proto/error.h"

/* Values open at once, the innermost scalar counted: jansson's bound, so that both refuse the
 * same texts; it also bounds this reader's recursion (two frames of under 100 bytes a level). */
#define CRED_JSON_DEPTH_MAX 2048u

/*
 * Reads the JSON text buf[0..len) (not NUL-terminated; it may contain NUL bytes, which are
 * refused) into *out, a new object or array the caller releases with json_decref. Returns 0,
 * RN_EMALFORMED (not JSON as above; why, when not NULL, says what and at which byte offset,
 * e.g. "duplicate member \"a\" at byte 12") or RN_ENOMEM. On error *out is NULL.
 */
RN_MUST_USE int cred_json_loadb(const char *buf, size_t len, json_t **out, char *why,
                                size_t why_len);

/*
 * An arena for the jansson values cred_json_loadb builds: one block of memory (more when it
 * fills) instead of a malloc and a free for each of the hundreds of values of a credential, and
 * released at once without walking the tree (cred/README.md "Cost").
 *
 * How: jansson's allocator is process-wide (json_set_alloc_funcs), so the functions installed
 * (once, by the first cred_json_arena_enter) pass every request to the functions that were
 * installed before them, except on a thread that has entered an arena: there cred_json_loadb
 * takes its values from the arena, and jansson's frees of the arena's own memory do nothing.
 * Nothing else is allocated from an arena (a json_dumps made meanwhile is malloc's, as
 * everywhere), and memory that is not the arena's is freed as before.
 *
 * The rule for values read into an arena (the contract of cred_report.credential): they may be
 * read, and referenced (json_incref, json_object_set into another tree) while the arena lives,
 * but not modified, and no reference may outlive cred_json_arena_free: it frees every value at
 * once, whatever its reference count. Values from elsewhere must not be put into them.
 */
typedef struct cred_json_arena cred_json_arena;

/* A new arena whose first block holds `hint_bytes` (a guess, at most 16 MiB; it grows by blocks
 * twice as large). What it holds is bounded as malloc's share would be: by the values of the
 * texts read into it (a caller's bound on those texts, CRED_FILE_BYTES_MAX in the pipeline),
 * plus at most as much again in blocks left partly empty and hash tables jansson outgrew.
 * NULL when out of memory. */
cred_json_arena *cred_json_arena_new(size_t hint_bytes);

/* Frees the arena and every value read into it. NULL is allowed. The arena must not be
 * entered on any thread. */
void cred_json_arena_free(cred_json_arena *a);

/* Installs the allocation functions above, once per process (what the first
 * cred_json_arena_enter would do). A program that runs credential checks on a thread of its own
 * while other threads use jansson calls it before it starts that thread, so that jansson's
 * allocation functions are never changed while another thread allocates. */
void cred_json_init(void);

/* Makes `a` this thread's arena until cred_json_arena_leave: cred_json_loadb builds its values
 * in it, and jansson's frees of its memory do nothing. One at a time per thread (asserted). */
void cred_json_arena_enter(cred_json_arena *a);
void cred_json_arena_leave(void);

#endif /* RN_CRED_JSON_H */
