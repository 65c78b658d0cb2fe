/*
 * roster.c: the roster file (see roster.h): a [member <name>] section per member, checked as a
 * whole when the next section starts, the lookups by key and by name, the configuration's dial
 * list resolved against it, and the append recnetctl roster add uses. The line reader is
 * ini.c's.
 */
#include "conf/roster.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf/file.h"
#include "conf/ini.h"
#include "proto/codes.h"

/* ---- The roster file ---- */

enum { MKEY_ROLE, MKEY_COUNTRY, MKEY_KEY, MKEY_ADDRESS, MKEY_COUNT };
static const char *const member_keys[MKEY_COUNT] = { "role", "country", "key", "address" };

typedef struct roster_parse {
    nodeconf_roster *r;
    nodeconf_member *cur; /* the member being read, NULL outside a [member] section */
    unsigned seen;        /* bit per MKEY_ of the current member */
    size_t cap;           /* slots of r->members */
} roster_parse;

/* Checks the member just finished (required keys, country rules) and adds it to the roster. */
static void member_finish(parse *p, roster_parse *rp)
{
    nodeconf_member *m = rp->cur;
    if (m == NULL)
        return;
    rp->cur = NULL;
    unsigned saved = p->line;
    p->line = m->line; /* errors about a whole member are reported at its header */
    if (!(rp->seen & (1u << MKEY_ROLE)))
        conf_perr(p, RN_EMISSING, "member %s: role: required key is missing", m->name);
    else if (!(rp->seen & (1u << MKEY_KEY)))
        conf_perr(p, RN_EMISSING, "member %s: key: required key is missing", m->name);
    else if (m->role == PROTO_ROLE_AUTHORITY && m->country[0] == '\0')
        conf_perr(p, RN_EMISSING, "member %s: country: required key is missing for an authority",
                  m->name);
    else {
        int rc = proto_roster_add(&rp->r->roster, m->country, strlen(m->country), m->role, m->key);
        if (rc == RN_EDUPLICATE) {
            const nodeconf_member *other = nodeconf_roster_by_key(rp->r, m->key);
            if (other != NULL)
                conf_perr(p, RN_EDUPLICATE, "member %s: key: same key as member %s (line %u)",
                          m->name, other->name, other->line);
            else {
                const proto_member *a =
                    proto_roster_authority(&rp->r->roster, m->country, strlen(m->country));
                const nodeconf_member *o = a != NULL ? nodeconf_roster_by_key(rp->r, a->key) : NULL;
                conf_perr(p, RN_EDUPLICATE,
                          "member %s: country: %s already has an authority (%s, line %u)", m->name,
                          m->country, o != NULL ? o->name : "?", o != NULL ? o->line : 0);
            }
        } else if (rc != 0) {
            conf_perr(p, rc, "member %s: %s", m->name, rn_strerror(rc));
        } else {
            rp->r->count++;
        }
    }
    p->line = saved;
}

static void roster_section(parse *p, const char *name)
{
    roster_parse *rp = p->ctx;
    nodeconf_roster *r = rp->r;
    unsigned saved = p->line;
    member_finish(p, rp);
    p->line = saved;
    p->section = -1;

    if (strncmp(name, "member ", 7) != 0) {
        conf_perr(p, RN_EUNKNOWNFIELD, "[%s]: unknown section (expected [member <name>])", name);
        return;
    }
    const char *n = name + 7;
    if (!conf_name_valid(n, strlen(n))) {
        conf_perr(p, RN_EINVAL, "[%s]: member name must be 1 to %u characters of A-Z a-z 0-9 . _ -",
                  name, NODECONF_NAME_MAX);
        return;
    }
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->members[i].name, n) == 0) {
            conf_perr(p, RN_EDUPLICATE, "[member %s]: member named twice (first at line %u)", n,
                      r->members[i].line);
            return;
        }
    if (r->count == RN_ROSTER_MEMBERS_MAX) {
        conf_perr(p, RN_ETOOBIG, "[member %s]: more than %u members", n, RN_ROSTER_MEMBERS_MAX);
        return;
    }
    if (r->count == rp->cap) {
        size_t cap = rp->cap == 0 ? 32 : rp->cap * 2;
        if (cap > RN_ROSTER_MEMBERS_MAX)
            cap = RN_ROSTER_MEMBERS_MAX;
        nodeconf_member *mm = realloc(r->members, cap * sizeof(*mm));
        if (mm == NULL) {
            conf_perr(p, RN_ENOMEM, "out of memory");
            return;
        }
        r->members = mm;
        rp->cap = cap;
    }
    nodeconf_member *m = &r->members[r->count];
    memset(m, 0, sizeof(*m));
    memcpy(m->name, n, strlen(n) + 1);
    m->line = p->line;
    rp->cur = m;
    rp->seen = 0;
    p->section = 0;
}

static void roster_key(parse *p, const char *key, const char *v, bool cont)
{
    roster_parse *rp = p->ctx;
    nodeconf_member *m = rp->cur;
    int k = -1;
    for (int i = 0; i < MKEY_COUNT; i++)
        if (strcmp(key, member_keys[i]) == 0)
            k = i;
    if (k < 0) {
        conf_perr(p, RN_EUNKNOWNFIELD,
                  "member %s: %s: unknown key (expected role, country, key, address)", m->name,
                  key);
        return;
    }
    if (cont) {
        conf_perr(p, RN_EINVAL, "member %s: %s: value continues on an indented line", m->name, key);
        return;
    }
    if (rp->seen & (1u << k)) {
        conf_perr(p, RN_EDUPLICATE, "member %s: %s: key given twice", m->name, key);
        return;
    }
    rp->seen |= 1u << k;
    switch (k) {
    case MKEY_ROLE:
        if (strcmp(v, "authority") == 0)
            m->role = PROTO_ROLE_AUTHORITY;
        else if (strcmp(v, "mirror") == 0)
            m->role = PROTO_ROLE_MIRROR;
        else
            conf_perr(p, RN_EINVAL, "member %s: role: \"%s\" is not authority or mirror", m->name,
                      v);
        break;
    case MKEY_COUNTRY: {
        const proto_country *pc = proto_country_find(v, strlen(v));
        if (pc == NULL)
            conf_perr(p, RN_ECOUNTRY,
                      "member %s: country: \"%s\" is not one of the 30 country codes", m->name, v);
        else
            memcpy(m->country, pc->alpha2, 3);
        break;
    }
    case MKEY_KEY:
        if (proto_key_text_parse(v, strlen(v), m->key) != 0)
            conf_perr(p, RN_EKEY, "member %s: key: not a valid rn1: public key", m->name);
        break;
    case MKEY_ADDRESS:
        if (nodeconf_addr_parse(v, strlen(v), &m->address) != 0)
            conf_perr(p, RN_EINVAL, "member %s: address: \"%s\" is not host:port (port 1..65535)",
                      m->name, v);
        else
            m->has_address = true;
        break;
    default:
        RN_ASSERT(0);
    }
}

/* nodeconf_roster_load, except that a file with no member at all (empty, or only comments and
 * blank lines) loads as an empty roster when `allow_empty`: the file roster add starts from. */
static int roster_load(nodeconf_roster *r, const char *path, const char *buf, size_t len,
                       bool allow_empty, char *err, size_t err_len)
{
    roster_parse rp = { 0 };
    parse *p = calloc(1, sizeof(*p));
    int rc = 0;

    memset(r, 0, sizeof(*r));
    if (p == NULL) {
        rc = conf_fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    if (conf_str_copy(r->path, sizeof(r->path), path) != 0) {
        rc = conf_fail(err, err_len, RN_ETOOBIG, "%s: path too long", path);
        goto out;
    }
    rc = proto_roster_init(&r->roster, RN_ROSTER_MEMBERS_MAX);
    if (rc != 0) {
        conf_fail(err, err_len, rc, "%s: %s", path, rn_strerror(rc));
        goto out;
    }
    rp.r = r;
    p->ctx = &rp;
    p->on_section = roster_section;
    p->on_key = roster_key;
    rc = conf_ini_read(p, path, buf, len);
    if (rc == 0) {
        member_finish(p, &rp);
        if (p->err_line != 0)
            rc = p->err_code;
    }
    if (rc != 0) {
        conf_fail(err, err_len, rc, "%s", p->err);
        goto out;
    }
    if (r->count == 0 && !allow_empty) {
        rc = conf_fail(err, err_len, RN_EMISSING, "%s:%u: no [member <name>] section", path,
                       p->line == 0 ? 1 : p->line);
        goto out;
    }
out:
    if (rc != 0)
        nodeconf_roster_free(r);
    free(p);
    return rc;
}

int nodeconf_roster_load(nodeconf_roster *r, const char *path, char *err, size_t err_len)
{
    return roster_load(r, path, NULL, 0, false, err, err_len);
}

int nodeconf_roster_parse(nodeconf_roster *r, const char *path, const char *buf, size_t len,
                          char *err, size_t err_len)
{
    return roster_load(r, path, buf, len, false, err, err_len);
}

void nodeconf_roster_free(nodeconf_roster *r)
{
    proto_roster_free(&r->roster);
    free(r->members);
    memset(r, 0, sizeof(*r));
}

const nodeconf_member *nodeconf_roster_by_key(const nodeconf_roster *r,
                                              const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < r->count; i++)
        if (memcmp(r->members[i].key, key, PROTO_KEY_BYTES) == 0)
            return &r->members[i];
    return NULL;
}

const nodeconf_member *nodeconf_roster_by_name(const nodeconf_roster *r, const char *name)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->members[i].name, name) == 0)
            return &r->members[i];
    const proto_member *a = proto_roster_authority(&r->roster, name, strlen(name));
    return a != NULL ? nodeconf_roster_by_key(r, a->key) : NULL;
}

int nodeconf_resolve(const nodeconf *c, const nodeconf_roster *r,
                     const uint8_t self[PROTO_KEY_BYTES],
                     uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES], size_t *dial_n, char *err,
                     size_t err_len)
{
    char kt[PROTO_KEY_TEXT_LEN + 1];
    const nodeconf_member *me = nodeconf_roster_by_key(r, self);
    *dial_n = 0;
    if (me == NULL) {
        proto_key_text_format(self, kt);
        return conf_fail(err, err_len, RN_EROSTER, "%s: our key %s is not a member of the roster",
                         r->path, kt);
    }
    if (me->country[0] != '\0' && strcmp(me->country, c->country) != 0)
        return conf_fail(
            err, err_len, RN_ECOUNTRY,
            "%s: node.country: %s, but our key is member %s of %s (line %u) with country %s",
            c->path, c->country, me->name, r->path, me->line, me->country);

    if (!c->dial_set) {
        for (size_t i = 0; i < r->count; i++) {
            const nodeconf_member *m = &r->members[i];
            if (m == me || !m->has_address)
                continue;
            if (*dial_n == NODECONF_DIAL_MAX)
                return conf_fail(err, err_len, RN_ETOOBIG,
                                 "%s: more than %u members to dial: list them in [peers] dial",
                                 c->path, NODECONF_DIAL_MAX);
            memcpy(dial[(*dial_n)++], m->key, PROTO_KEY_BYTES);
        }
        return 0;
    }
    for (size_t i = 0; i < c->dial_n; i++) {
        const nodeconf_member *m = nodeconf_roster_by_name(r, c->dial[i]);
        if (m == NULL)
            return conf_fail(
                err, err_len, RN_ENOTFOUND,
                "%s:%u: peers.dial: \"%s\" is neither a member of %s nor a country with an "
                "authority",
                c->path, c->dial_line, c->dial[i], r->path);
        if (m == me)
            return conf_fail(err, err_len, RN_EINVAL, "%s:%u: peers.dial: \"%s\" is this node",
                             c->path, c->dial_line, c->dial[i]);
        if (!m->has_address)
            return conf_fail(err, err_len, RN_EINVAL,
                             "%s:%u: peers.dial: member %s has no address in %s", c->path,
                             c->dial_line, m->name, r->path);
        for (size_t j = 0; j < *dial_n; j++)
            if (memcmp(dial[j], m->key, PROTO_KEY_BYTES) == 0)
                return conf_fail(err, err_len, RN_EDUPLICATE,
                                 "%s:%u: peers.dial: member %s named twice", c->path, c->dial_line,
                                 m->name);
        memcpy(dial[(*dial_n)++], m->key, PROTO_KEY_BYTES);
    }
    return 0;
}

/* ---- Writing ---- */

int nodeconf_roster_append(const char *path, const nodeconf_member *m, char *err, size_t err_len)
{
    nodeconf_roster r;
    char kt[PROTO_KEY_TEXT_LEN + 1];
    char addr[300];
    conf_text *t = calloc(1, sizeof(*t));
    int rc = 0;
    bool exists = access(path, F_OK) == 0;

    memset(&r, 0, sizeof(r));
    if (t == NULL)
        return conf_fail(err, err_len, RN_ENOMEM, "%s: out of memory", path);
    if (!conf_name_valid(m->name, strlen(m->name))) {
        rc = conf_fail(err, err_len, RN_EINVAL,
                       "member name \"%s\": 1 to %u characters of A-Z a-z 0-9 . _ -", m->name,
                       NODECONF_NAME_MAX);
        goto out;
    }
    if (m->role != PROTO_ROLE_AUTHORITY && m->role != PROTO_ROLE_MIRROR) {
        rc = conf_fail(err, err_len, RN_EINVAL, "member %s: role must be authority or mirror",
                       m->name);
        goto out;
    }
    if (m->country[0] != '\0' && !proto_country_is_canonical(m->country, strlen(m->country)) &&
        proto_country_find(m->country, strlen(m->country)) == NULL) {
        rc = conf_fail(err, err_len, RN_ECOUNTRY,
                       "member %s: \"%s\" is not one of the 30 countries", m->name, m->country);
        goto out;
    }
    if (exists) {
        rc = roster_load(&r, path, NULL, 0, true, err, err_len);
        if (rc != 0)
            goto out;
    } else {
        rc = proto_roster_init(&r.roster, RN_ROSTER_MEMBERS_MAX);
        if (rc != 0) {
            conf_fail(err, err_len, rc, "%s: %s", path, rn_strerror(rc));
            goto out;
        }
    }
    for (size_t i = 0; i < r.count; i++)
        if (strcmp(r.members[i].name, m->name) == 0) {
            rc = conf_fail(err, err_len, RN_EDUPLICATE, "%s:%u: member %s is already in the roster",
                           path, r.members[i].line, m->name);
            goto out;
        }
    const proto_country *pc =
        m->country[0] != '\0' ? proto_country_find(m->country, strlen(m->country)) : NULL;
    rc = proto_roster_add(&r.roster, pc != NULL ? pc->alpha2 : "", pc != NULL ? 2 : 0, m->role,
                          m->key);
    if (rc != 0) {
        const nodeconf_member *o = nodeconf_roster_by_key(&r, m->key);
        if (rc == RN_EDUPLICATE && o != NULL)
            conf_fail(err, err_len, rc, "%s:%u: member %s already has this key", path, o->line,
                      o->name);
        else if (rc == RN_EDUPLICATE)
            conf_fail(err, err_len, rc, "%s: %s already has an authority", path, pc->alpha2);
        else
            conf_fail(err, err_len, rc, "member %s: %s", m->name, rn_strerror(rc));
        goto out;
    }

    proto_key_text_format(m->key, kt);
    if (!exists)
        conf_tprintf(t, "; recnet federation roster: one [member <name>] section per member\n");
    conf_tprintf(t, "\n[member %s]\nrole = %s\n", m->name, proto_role_name((int)m->role));
    if (pc != NULL)
        conf_tprintf(t, "country = %s\n", pc->alpha2);
    conf_tprintf(t, "key = %s\n", kt);
    if (m->has_address)
        conf_tprintf(t, "address = %s\n", nodeconf_addr_format(&m->address, addr, sizeof(addr)));
    RN_ASSERT(!t->overflow);

    if (!exists) {
        rc = conf_file_create_err(path, t->buf, t->len, 0644, err, err_len);
        goto out;
    }
    int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) {
        rc = conf_fail(err, err_len, RN_EIO, "%s: cannot open for append: %s", path,
                       strerror(errno));
        goto out;
    }
    /* A file whose last line lacks its newline would glue our header onto it. */
    struct stat st;
    int e = fstat(fd, &st) != 0 ? errno : 0;
    if (e == 0 && st.st_size > 0) {
        int rfd = open(path, O_RDONLY | O_CLOEXEC);
        char last = '\n';
        if (rfd >= 0) {
            if (pread(rfd, &last, 1, st.st_size - 1) != 1)
                last = '\n';
            close(rfd);
        }
        if (last != '\n')
            e = conf_file_write_sync(fd, "\n", 1);
    }
    if (e == 0)
        e = conf_file_write_sync(fd, t->buf, t->len);
    if (close(fd) != 0 && e == 0)
        e = errno;
    if (e != 0)
        rc = conf_fail(err, err_len, RN_EIO, "%s: cannot append: %s", path, strerror(e));
out:
    nodeconf_roster_free(&r);
    free(t);
    return rc;
}
