/*
 * fuzz_nodeconf.c: libFuzzer harness for the node configuration and roster file readers
 * (nodeconf_parse and nodeconf_roster_parse, conf/node.h, conf/roster.h).
 *
 * An operator writes these files by hand and a roster file travels between the members of a
 * federation, so the readers must survive any bytes: lines longer than inih's buffer, NUL bytes,
 * a BOM, continuation lines, keys outside sections. The first byte picks the reader (even: the
 * node configuration, odd: the roster file); the rest is the text. Beside not crashing, the
 * harness checks that
 *  - a failure returns a known RN_E code and a message that names the file, within the bound;
 *  - an accepted configuration holds a canonical country, a listen port, NUL-terminated paths
 *    resolved against the file's directory, and a dial list within its bound; resolved against
 *    a fixed roster for France's authority (nodeconf_resolve), it fails with a listed code or
 *    gives members with an address, none of them France, none twice;
 *  - an accepted roster has 1 .. RN_ROSTER_MEMBERS_MAX members with unique names and keys, each
 *    found again by nodeconf_roster_by_key and by nodeconf_roster_by_name, and every address
 *    formats to a text that nodeconf_addr_parse reads back to the same address.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "conf/roster.h"

#define FUZZ_PATH "/etc/recnet/fuzz.ini"

static void check_addr(const nodeconf_addr *a)
{
    char text[300];
    nodeconf_addr back;
    RN_ASSERT(a->port != 0);
    RN_ASSERT(memchr(a->host, '\0', sizeof(a->host)) != NULL && a->host[0] != '\0');
    nodeconf_addr_format(a, text, sizeof(text));
    RN_ASSERT(nodeconf_addr_parse(text, strlen(text), &back) == 0);
    RN_ASSERT(back.port == a->port && strcmp(back.host, a->host) == 0);
}

static void check_error(int rc, const char *err)
{
    RN_ASSERT(rc < 0 && strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
    RN_ASSERT(memchr(err, '\0', NODECONF_ERR_MAX) != NULL);
    RN_ASSERT(strncmp(err, FUZZ_PATH, strlen(FUZZ_PATH)) == 0);
}

/* The roster nodeconf_resolve reads the dial list against: France's authority (the node), a
 * mirror, Germany's and Ireland's authorities, Ireland's without an address. */
static const char roster_text[] =
    "[member FR]\nrole = authority\ncountry = FR\n"
    "key = rn1:iojj3XQJ8ZX9UtstPLpdcspnCb8dlBIb83SIAbQPb1w=\naddress = fr.example.org:7400\n"
    "[member mirror-1]\nrole = mirror\n"
    "key = rn1:gTl3Dqh9F19Wo1Rmw0x+zMuNipG07jeiXfYPW4/Js5Q=\naddress = [2001:db8::1]:7400\n"
    "[member DE]\nrole = authority\ncountry = DE\n"
    "key = rn1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\naddress = 10.0.0.2:7400\n"
    "[member ireland]\nrole = authority\ncountry = IE\n"
    "key = rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=\n";

static void resolve(const nodeconf *c)
{
    static nodeconf_roster r;
    static bool loaded;
    static uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES];
    char err[NODECONF_ERR_MAX];
    if (!loaded) {
        RN_ASSERT(nodeconf_roster_parse(&r, "roster.ini", roster_text, sizeof(roster_text) - 1, err,
                                        sizeof(err)) == 0);
        loaded = true;
    }
    const nodeconf_member *self = nodeconf_roster_by_name(&r, "FR");
    RN_ASSERT(self != NULL);
    size_t n = 0;
    int rc = nodeconf_resolve(c, &r, self->key, dial, &n, err, sizeof(err));
    if (rc != 0) {
        RN_ASSERT(rc == RN_ECOUNTRY || rc == RN_ENOTFOUND || rc == RN_EINVAL ||
                  rc == RN_EDUPLICATE || rc == RN_ETOOBIG);
        RN_ASSERT(memchr(err, '\0', sizeof(err)) != NULL);
        return;
    }
    RN_ASSERT(strcmp(c->country, "FR") == 0);
    RN_ASSERT(n <= NODECONF_DIAL_MAX && n <= r.count - 1);
    for (size_t i = 0; i < n; i++) {
        const nodeconf_member *m = nodeconf_roster_by_key(&r, dial[i]);
        RN_ASSERT(m != NULL && m != self && m->has_address);
        for (size_t j = 0; j < i; j++)
            RN_ASSERT(memcmp(dial[i], dial[j], PROTO_KEY_BYTES) != 0);
    }
    if (!c->dial_set)
        RN_ASSERT(n == 2); /* every other member with an address */
}

static void conf(const char *text, size_t len)
{
    static nodeconf c; /* 140 KiB: too big for libFuzzer's stack */
    char err[NODECONF_ERR_MAX];
    err[0] = '\0';
    int rc = nodeconf_parse(&c, FUZZ_PATH, text, len, err, sizeof(err));
    if (rc != 0) {
        check_error(rc, err);
        return;
    }
    RN_ASSERT(strlen(c.country) == 2 && strcmp(c.country, "EL") != 0);
    check_addr(&c.listen);
    const char *paths[] = { c.data_dir, c.roster, c.key_file, c.network_key_file };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        RN_ASSERT(memchr(paths[i], '\0', NODECONF_PATH_MAX) != NULL);
        /* Relative paths resolve against /etc/recnet: every path is absolute. */
        RN_ASSERT(paths[i][0] == '/');
    }
    RN_ASSERT(c.dial_n <= NODECONF_DIAL_MAX);
    RN_ASSERT(c.dial_set || c.dial_n == 0);
    for (size_t i = 0; i < c.dial_n; i++)
        RN_ASSERT(c.dial[i][0] != '\0' && memchr(c.dial[i], '\0', NODECONF_NAME_MAX + 1) != NULL);
    resolve(&c);
}

static void roster(const char *text, size_t len)
{
    nodeconf_roster r;
    char err[NODECONF_ERR_MAX];
    err[0] = '\0';
    int rc = nodeconf_roster_parse(&r, FUZZ_PATH, text, len, err, sizeof(err));
    if (rc != 0) {
        check_error(rc, err);
        nodeconf_roster_free(&r); /* harmless after a failure */
        return;
    }
    RN_ASSERT(r.count >= 1 && r.count <= RN_ROSTER_MEMBERS_MAX);
    for (size_t i = 0; i < r.count; i++) {
        const nodeconf_member *m = &r.members[i];
        size_t n = strlen(m->name);
        RN_ASSERT(n >= 1 && n <= NODECONF_NAME_MAX);
        RN_ASSERT(m->role == PROTO_ROLE_AUTHORITY || m->role == PROTO_ROLE_MIRROR);
        RN_ASSERT(m->role != PROTO_ROLE_AUTHORITY || strlen(m->country) == 2);
        RN_ASSERT(nodeconf_roster_by_key(&r, m->key) == m);
        RN_ASSERT(nodeconf_roster_by_name(&r, m->name) == m);
        if (m->has_address)
            check_addr(&m->address);
        for (size_t j = 0; j < i; j++) {
            RN_ASSERT(strcmp(r.members[j].name, m->name) != 0);
            RN_ASSERT(memcmp(r.members[j].key, m->key, PROTO_KEY_BYTES) != 0);
        }
    }
    nodeconf_roster_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    if (size == 0)
        return 0;
    const char *text = (const char *)data + 1;
    if (data[0] % 2 == 0)
        conf(text, size - 1);
    else
        roster(text, size - 1);
    return 0;
}
