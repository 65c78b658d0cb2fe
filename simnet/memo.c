/*
 * memo.c: remembers libsodium's answer to "is this a valid Ed25519 point?" for the roster keys.
 *
 * Every replica loads the federation's roster when it opens (store_open) and when the roster is
 * installed (store_roster_set), and proto_roster_add checks each member's key with
 * crypto_core_ed25519_is_valid_point, which costs some 50 microseconds. A real node does that once
 * for its roster; a simulation of 1,000 nodes would do it a million times at start (and a
 * thousand more at every restart): almost two minutes of a 1,000-node run. The function is pure,
 * so this file defines it in the executable (which the static libraries' calls bind to), answers
 * from a table of the keys already checked, and asks libsodium's own function (found with
 * dlsym(RTLD_NEXT)) about any other key. The answers are libsodium's, the behaviour identical.
 *
 * The table is bounded (RN_ROSTER_MEMBERS_MAX * 4 slots); when it is full, calls go straight
 * through.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/limits.h"

#define MEMO_SLOTS (RN_ROSTER_MEMBERS_MAX * 4u)

typedef struct memo_slot {
    bool used;
    int answer;
    uint8_t key[32];
} memo_slot;

static memo_slot memo[MEMO_SLOTS];
static size_t memo_used;

int crypto_core_ed25519_is_valid_point(const unsigned char *p)
{
    static int (*real)(const unsigned char *);
    if (real == NULL) {
        void *sym = dlsym(RTLD_NEXT, "crypto_core_ed25519_is_valid_point");
        memcpy(&real, &sym, sizeof(real));
        if (real == NULL)
            return 0; /* cannot happen with libsodium loaded: refuse rather than accept */
    }
    uint64_t h;
    memcpy(&h, p, sizeof(h));
    size_t i = (size_t)(h % MEMO_SLOTS);
    for (size_t probe = 0; probe < MEMO_SLOTS; probe++, i = (i + 1) % MEMO_SLOTS) {
        if (!memo[i].used)
            break;
        if (memcmp(memo[i].key, p, 32) == 0)
            return memo[i].answer;
    }
    int answer = real(p);
    if (memo_used < MEMO_SLOTS / 2 && !memo[i].used) {
        memo[i].used = true;
        memo[i].answer = answer;
        memcpy(memo[i].key, p, 32);
        memo_used++;
    }
    return answer;
}
