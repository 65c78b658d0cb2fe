/*
 * registry.c: the readers of `recnetctl registry import` (JSON Lines and CSV), the cross-reference
 * check, and the comparison of the file's versions with the node's log (registry.h).
 *
 * Every record goes through the code of `recnetctl <kind> publish`: a JSON object (a JSON Lines
 * line, or a CSV row turned into one cell by cell with rec_json_set, the flags' own parser) is
 * read by rec_from_json (types, names, forms, then proto_record_validate) and encoded as its
 * canonical body. A fault refuses its line and the reading goes on, so that one run names every
 * fault. Records are grouped by their version key in an open-addressing table, which the
 * cross-reference check and the resume comparison both use; nothing here does I/O.
 */
#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <sodium.h>

#include "proto/limits.h"
#include "proto/mp.h"

/* ---- Groups: the version keys ---- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s != '\0'; s++) {
        h ^= (uint8_t)*s;
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t hash_body(const uint8_t *b, size_t len)
{
    uint64_t h;
    crypto_generichash((uint8_t *)&h, sizeof(h), b, len, NULL, 0);
    return h;
}

static int slots_grow(registry *r)
{
    size_t n = r->slots_n == 0 ? 1024u : 2u * r->slots_n;
    uint32_t *s = calloc(n, sizeof(*s));
    if (s == NULL)
        return RN_ENOMEM;
    for (size_t g = 0; g < r->groups_n; g++) {
        size_t i = (size_t)hash_str(r->groups[g].key) & (n - 1u);
        while (s[i] != 0)
            i = (i + 1u) & (n - 1u);
        s[i] = (uint32_t)(g + 1u);
    }
    free(r->slots);
    r->slots = s;
    r->slots_n = n;
    return 0;
}

/* The group of `key`: found, or added when `add` (then *g is its index). Returns 0, RN_ENOTFOUND
 * (not there and not added), RN_ENOMEM. */
static int group_find(registry *r, const char *key, bool add, uint32_t *g)
{
    if (r->slots_n > 0) {
        size_t i = (size_t)hash_str(key) & (r->slots_n - 1u);
        for (; r->slots[i] != 0; i = (i + 1u) & (r->slots_n - 1u)) {
            if (strcmp(r->groups[r->slots[i] - 1u].key, key) == 0) {
                *g = r->slots[i] - 1u;
                return 0;
            }
        }
    }
    if (!add)
        return RN_ENOTFOUND;
    if (2u * (r->groups_n + 1u) > r->slots_n)
        RN_TRY(slots_grow(r));
    if (r->groups_n == r->groups_cap) {
        size_t cap = r->groups_cap == 0 ? 256u : 2u * r->groups_cap;
        reg_group *ng = realloc(r->groups, cap * sizeof(*ng));
        if (ng == NULL)
            return RN_ENOMEM;
        r->groups = ng;
        r->groups_cap = cap;
    }
    reg_group *gr = &r->groups[r->groups_n];
    memset(gr, 0, sizeof(*gr));
    snprintf(gr->key, sizeof(gr->key), "%s", key);
    gr->known = -1;
    size_t i = (size_t)hash_str(key) & (r->slots_n - 1u);
    while (r->slots[i] != 0)
        i = (i + 1u) & (r->slots_n - 1u);
    r->slots[i] = (uint32_t)(r->groups_n + 1u);
    *g = (uint32_t)r->groups_n++;
    return 0;
}

void registry_key(const proto_record *rec, char out[REG_KEY_BYTES])
{
    if (rec->kind == PROTO_KIND_REVOCATION) {
        char hex[2 * PROTO_DIGEST_BYTES + 1];
        rec_hex(rec->u.revocation.credential, PROTO_DIGEST_BYTES, hex);
        snprintf(out, REG_KEY_BYTES, "revocation:%s/%.*s", hex, (int)rec->u.revocation.provider.len,
                 (const char *)rec->u.revocation.provider.ptr);
        return;
    }
    proto_str id = proto_record_id(rec);
    snprintf(out, REG_KEY_BYTES, "%s:%.*s", proto_kind_name((int)rec->kind), (int)id.len,
             (const char *)id.ptr);
}

/* ---- Setup ---- */

void registry_init(registry *r)
{
    memset(r, 0, sizeof(*r));
}

void registry_free(registry *r)
{
    for (size_t i = 0; i < r->n; i++)
        free(r->recs[i].body);
    for (size_t g = 0; g < r->groups_n; g++)
        free(r->groups[g].node_h);
    free(r->recs);
    free(r->refusals);
    free(r->groups);
    free(r->slots);
    memset(r, 0, sizeof(*r));
}

reg_format registry_format_of(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0 ? REG_FORMAT_CSV : REG_FORMAT_JSONL;
}

/* ---- Refusals ---- */

static int refuse(registry *r, uint32_t line, int code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int refuse(registry *r, uint32_t line, int code, const char *field, const char *fmt, ...)
{
    if (r->refused_n == r->refused_cap) {
        size_t cap = r->refused_cap == 0 ? 64u : 2u * r->refused_cap;
        reg_refusal *nr = realloc(r->refusals, cap * sizeof(*nr));
        if (nr == NULL)
            return RN_ENOMEM;
        r->refusals = nr;
        r->refused_cap = cap;
    }
    reg_refusal *f = &r->refusals[r->refused_n++];
    va_list ap;
    f->line = line;
    f->code = code;
    snprintf(f->field, sizeof(f->field), "%s", field != NULL ? field : "");
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof(f->message), fmt, ap);
    va_end(ap);
    return 0;
}

static int refuse_rec(registry *r, uint32_t line, const rec_err *e)
{
    char msg[REC_FIELD_BYTES + REC_DETAIL_BYTES + 64];
    return refuse(r, line, e->code, e->field, "%s (%s)", rec_err_format(e, msg, sizeof(msg)),
                  rn_err_name(e->code));
}

/* ---- One record ---- */

/* Validates the JSON record `obj` of line `line` (its kind taken from obj's "kind" unless
 * `kind` is not 0) and adds it, or refuses the line. Returns 0 or RN_ENOMEM, RN_ECOUNT. */
static int record_add(registry *r, json_t *obj, uint32_t line, const char *country)
{
    json_t *k = json_object_get(obj, "kind");
    if (k == NULL)
        return refuse(r, line, RN_EMISSING, "kind",
                      "kind: missing (provider, spec, decision, policy, pathway or revocation)");
    if (!json_is_string(k) || proto_kind_parse(json_string_value(k)) < 0)
        return refuse(r, line, RN_EKIND, "kind",
                      "kind: expected provider, spec, decision, policy, pathway or revocation");
    proto_kind kind = (proto_kind)proto_kind_parse(json_string_value(k));
    if (r->n >= RN_REGISTRY_RECORDS_MAX)
        return RN_ECOUNT;
    proto_record *rec = malloc(sizeof(*rec));
    rec_bytes *bytes = malloc(sizeof(*bytes));
    mp_buf body;
    rec_err e;
    rn_diag d;
    int rc = 0;
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    memset(&d, 0, sizeof(d));
    if (rec == NULL || bytes == NULL) {
        rc = RN_ENOMEM;
        goto out;
    }
    if (rec_from_json(rec, kind, obj, bytes, &e) < 0) {
        rc = e.code == RN_ENOMEM ? RN_ENOMEM : refuse_rec(r, line, &e);
        goto out;
    }
    if ((rc = proto_record_encode(rec, &body)) < 0) {
        rc = rc == RN_ENOMEM
                 ? RN_ENOMEM
                 : refuse(r, line, rc, "", "the record does not encode (%s)", rn_err_name(rc));
        goto out;
    }
    if (country != NULL && (rc = proto_record_check_author(rec, country, &d)) < 0) {
        rc = refuse(r, line, rc, d.code == rc ? d.field : "",
                    "%s: not a record of this node's authority (%s): %s",
                    d.code == rc && d.field != NULL ? d.field : "record", country, rn_strerror(rc));
        goto out;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap == 0 ? 1024u : 2u * r->cap;
        reg_record *nr = realloc(r->recs, cap * sizeof(*nr));
        if (nr == NULL) {
            rc = RN_ENOMEM;
            goto out;
        }
        r->recs = nr;
        r->cap = cap;
    }
    char key[REG_KEY_BYTES];
    uint32_t g;
    registry_key(rec, key);
    if ((rc = group_find(r, key, true, &g)) < 0)
        goto out;
    reg_record *x = &r->recs[r->n];
    x->body = malloc(body.len);
    if (x->body == NULL) {
        rc = RN_ENOMEM;
        goto out;
    }
    memcpy(x->body, body.data, body.len);
    x->body_len = (uint32_t)body.len;
    x->kind = kind;
    x->line = line;
    x->group = g;
    x->skip = false;
    r->groups[g].file_n++;
    r->n++;
out:
    mp_buf_free(&body);
    free(rec);
    free(bytes);
    return rc;
}

/* ---- JSON Lines ---- */

static bool blank(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
            return false;
    return true;
}

static int read_jsonl(registry *r, const uint8_t *buf, size_t len, const char *country)
{
    size_t off = 0;
    uint32_t line = 0;
    while (off < len) {
        const uint8_t *nl = memchr(buf + off, '\n', len - off);
        size_t n = nl != NULL ? (size_t)(nl - (buf + off)) : len - off;
        const uint8_t *p = buf + off;
        line++;
        off += n + (nl != NULL ? 1u : 0u);
        if (blank(p, n))
            continue;
        if (n > RN_REGISTRY_LINE_BYTES_MAX) {
            RN_TRY(refuse(r, line, RN_ETOOBIG, "", "the line passes %u bytes",
                          RN_REGISTRY_LINE_BYTES_MAX));
            continue;
        }
        json_error_t je;
        json_t *obj = json_loadb((const char *)p, n, JSON_REJECT_DUPLICATES, &je);
        if (obj == NULL) {
            RN_TRY(refuse(r, line, RN_EMALFORMED, "", "column %d: %s", je.column, je.text));
            continue;
        }
        int rc = 0;
        if (!json_is_object(obj))
            rc = refuse(r, line, RN_ETYPE, "", "expected a JSON object");
        else
            rc = record_add(r, obj, line, country);
        json_decref(obj);
        RN_TRY(rc);
    }
    r->lines = line;
    return 0;
}

/* ---- CSV ---- */

/* One CSV row: its cells, NUL-terminated in `text`. */
typedef struct csv_row {
    char *text; /* RN_REGISTRY_LINE_BYTES_MAX + 1 bytes */
    size_t used;
    uint32_t n;
    uint32_t cell[RN_REGISTRY_CSV_COLUMNS_MAX]; /* offsets into text */
    bool quoted[RN_REGISTRY_CSV_COLUMNS_MAX];
} csv_row;

/* Reads the row at buf[*off..len): RFC 4180. *line advances by the line ends it consumes.
 * Returns 0, RN_ETOOBIG (longer than a line may be), RN_ECOUNT (too many cells),
 * RN_EMALFORMED (a quote inside an unquoted cell, text after a closing quote, or a quoted cell
 * left open at the end) with *why set; then *off is past the row's end. */
static int csv_row_read(const uint8_t *buf, size_t len, size_t *off, uint32_t *line, csv_row *row,
                        const char **why)
{
    size_t i = *off;
    int rc = 0;
    bool in_q = false, was_q = false, cell_start = true;
    row->used = 0;
    row->n = 1;
    row->cell[0] = 0;
    row->quoted[0] = false;
    *why = NULL;
    for (; i < len; i++) {
        uint8_t ch = buf[i];
        if (in_q) {
            if (ch == '"') {
                if (i + 1 < len && buf[i + 1] == '"') {
                    i++;
                } else {
                    in_q = false;
                    was_q = true;
                    continue;
                }
            } else if (ch == '\n') {
                (*line)++;
            }
        } else if (ch == ',') {
            if (row->used >= RN_REGISTRY_LINE_BYTES_MAX) {
                rc = RN_ETOOBIG;
                break;
            }
            row->text[row->used++] = '\0';
            if (row->n == RN_REGISTRY_CSV_COLUMNS_MAX) {
                rc = RN_ECOUNT;
                break;
            }
            row->cell[row->n] = (uint32_t)row->used;
            row->quoted[row->n++] = false;
            cell_start = true;
            was_q = false;
            continue;
        } else if (ch == '\n') {
            break;
        } else if (ch == '\r' && i + 1 < len && buf[i + 1] == '\n') {
            continue;
        } else if (ch == '"' && cell_start) {
            in_q = true;
            row->quoted[row->n - 1] = true;
            cell_start = false;
            continue;
        } else if (ch == '"' || was_q) {
            rc = RN_EMALFORMED;
            *why = ch == '"' ? "a quote inside an unquoted cell (quote the cell, and double the "
                               "quote)"
                             : "text after the closing quote of a cell";
            break;
        }
        cell_start = false;
        if (row->used >= RN_REGISTRY_LINE_BYTES_MAX) {
            rc = RN_ETOOBIG;
            break;
        }
        row->text[row->used++] = (char)ch;
    }
    if (rc == 0 && in_q) {
        rc = RN_EMALFORMED;
        *why = "a quoted cell is not closed";
    }
    if (rc != 0) {
        /* Skip to the end of the physical line, so that reading resumes on the next one. */
        while (i < len && buf[i] != '\n')
            i++;
    }
    row->text[row->used < RN_REGISTRY_LINE_BYTES_MAX ? row->used : RN_REGISTRY_LINE_BYTES_MAX] =
        '\0';
    *off = i < len ? i + 1 : len;
    (*line)++;
    return rc;
}

/* The short forms of nested objects in a CSV cell (registry.h), as JSON text in out. Returns 0,
 * or RN_ENOTFOUND when the column has no short form or the cell is JSON already. */
static int csv_short_form(const char *col, const char *cell, json_t **out)
{
    *out = NULL;
    if (cell[0] == '{' || cell[0] == '[')
        return RN_ENOTFOUND;
    if (strcmp(col, "outcomes") == 0) {
        *out = json_pack("{s:s}", "text", cell);
        return *out != NULL ? 0 : RN_ETYPE;
    }
    const char *semi = strchr(cell, ';');
    if (strcmp(col, "differences") == 0) {
        if (semi == NULL)
            return RN_ETYPE;
        *out = json_pack("{s:s%,s:s}", "type", cell, (size_t)(semi - cell), "note", semi + 1);
        return *out != NULL ? 0 : RN_ETYPE;
    }
    if (strcmp(col, "issuer_keys") == 0) {
        if (semi == NULL)
            return RN_ETYPE;
        const char *semi2 = strchr(semi + 1, ';');
        size_t from_len = semi2 != NULL ? (size_t)(semi2 - semi - 1) : strlen(semi + 1);
        *out = json_pack("{s:s%,s:s%}", "key", cell, (size_t)(semi - cell), "valid_from", semi + 1,
                         from_len);
        if (*out != NULL && semi2 != NULL && semi2[1] != '\0')
            json_object_set_new(*out, "valid_until", json_string(semi2 + 1));
        return *out != NULL ? 0 : RN_ETYPE;
    }
    return RN_ENOTFOUND;
}

static int read_csv(registry *r, const uint8_t *buf, size_t len, const char *country)
{
    csv_row *row = malloc(sizeof(*row));
    char *header = NULL;
    char *cols[RN_REGISTRY_CSV_COLUMNS_MAX];
    uint32_t ncols = 0, kind_col = UINT32_MAX, line = 0;
    size_t off = 0;
    const char *why;
    int rc = 0;
    if (row == NULL || (row->text = malloc(RN_REGISTRY_LINE_BYTES_MAX + 1u)) == NULL) {
        free(row);
        return RN_ENOMEM;
    }
    /* The header: the first row that is not blank. */
    while (off < len && ncols == 0) {
        uint32_t at = line + 1;
        int hr = csv_row_read(buf, len, &off, &line, row, &why);
        if (hr == 0 && row->n == 1 && blank((const uint8_t *)row->text, row->used))
            continue;
        if (hr < 0) {
            rc = refuse(r, at, hr, "header", "header: %s", why != NULL ? why : rn_strerror(hr));
            goto out;
        }
        header = malloc(row->used + 1u);
        if (header == NULL) {
            rc = RN_ENOMEM;
            goto out;
        }
        memcpy(header, row->text, row->used + 1u);
        ncols = row->n;
        for (uint32_t c = 0; c < ncols; c++) {
            cols[c] = header + row->cell[c];
            for (char *p = cols[c]; *p != '\0'; p++)
                if (*p == '-')
                    *p = '_';
            if (strcmp(cols[c], "kind") == 0)
                kind_col = c;
            if (cols[c][0] == '\0') {
                rc = refuse(r, at, RN_EMISSING, "header", "header: column %u has no name", c + 1);
                goto out;
            }
        }
        if (kind_col == UINT32_MAX) {
            rc = refuse(r, at, RN_EMISSING, "kind", "header: no column named kind");
            goto out;
        }
    }
    while (off < len) {
        uint32_t at = line + 1;
        int hr = csv_row_read(buf, len, &off, &line, row, &why);
        if (hr == 0 && row->n == 1 && blank((const uint8_t *)row->text, row->used))
            continue;
        if (hr < 0) {
            RN_GUARD(rc, refuse(r, at, hr, "", "%s",
                                hr == RN_ETOOBIG  ? "the row passes its byte bound"
                                : hr == RN_ECOUNT ? "more cells than a row may have"
                                                  : why));
            continue;
        }
        if (row->n != ncols) {
            RN_GUARD(rc, refuse(r, at, RN_ECOUNT, "", "%u cells where the header names %u", row->n,
                                ncols));
            continue;
        }
        const char *kname = row->text + row->cell[kind_col];
        int k = proto_kind_parse(kname);
        if (k < 0) {
            RN_GUARD(rc, refuse(r, at, kname[0] == '\0' ? RN_EMISSING : RN_EKIND, "kind",
                                "kind: expected provider, spec, decision, policy, pathway or "
                                "revocation"));
            continue;
        }
        json_t *obj = json_object();
        if (obj == NULL) {
            rc = RN_ENOMEM;
            goto out;
        }
        json_object_set_new(obj, "kind", json_string(proto_kind_name(k)));
        bool bad = false;
        for (uint32_t c = 0; c < ncols && !bad; c++) {
            const char *cell = row->text + row->cell[c];
            if (c == kind_col || cell[0] == '\0')
                continue;
            json_t *shortv, *utf8 = json_string(cell);
            rec_err e;
            if (utf8 == NULL) {
                /* jansson takes only UTF-8; the flags' parser would not say which cell. */
                bad = true;
                RN_GUARD(rc, refuse(r, at, RN_ETYPE, cols[c], "%s.%s: not valid UTF-8",
                                    proto_kind_name(k), cols[c]));
                break;
            }
            json_decref(utf8);
            int sr = csv_short_form(cols[c], cell, &shortv);
            if (sr == RN_ETYPE) {
                bad = true;
                RN_GUARD(
                    rc,
                    refuse(r, at, RN_ETYPE, cols[c], "%s.%s: expected %s, or a JSON object",
                           proto_kind_name(k), cols[c],
                           strcmp(cols[c], "issuer_keys") == 0 ? "KEY;FROM[;UNTIL]" : "TYPE;NOTE"));
                break;
            }
            if (sr == 0) {
                char *text = json_dumps(shortv, JSON_COMPACT);
                json_decref(shortv);
                if (text == NULL) {
                    json_decref(obj);
                    rc = RN_ENOMEM;
                    goto out;
                }
                sr = rec_json_set(obj, (proto_kind)k, cols[c], text, &e);
                free(text);
            } else {
                sr = rec_json_set(obj, (proto_kind)k, cols[c], cell, &e);
            }
            if (sr < 0) {
                bad = true;
                if (sr == RN_ENOMEM) {
                    json_decref(obj);
                    rc = RN_ENOMEM;
                    goto out;
                }
                RN_GUARD(rc, refuse_rec(r, at, &e));
            }
        }
        if (!bad)
            rc = record_add(r, obj, at, country);
        json_decref(obj);
        if (rc < 0)
            goto out;
    }
out:
    r->lines = line;
    free(header);
    free(row->text);
    free(row);
    return rc;
}

int registry_read(registry *r, const uint8_t *buf, size_t len, reg_format fmt, const char *country)
{
    return fmt == REG_FORMAT_CSV ? read_csv(r, buf, len, country)
                                 : read_jsonl(r, buf, len, country);
}

/* ---- Cross-references ---- */

/* The reference `kind`:`id` of record `x` (field `field`, index `index` or -1): earlier in the
 * file, or known to the node. Returns 1 (resolved), 0 (refused: a refusal added), or an error. */
static int ref_check(registry *r, const reg_record *x, proto_kind kind, proto_str id,
                     const char *field, long index, reg_known_fn known, void *ctx)
{
    char key[REG_KEY_BYTES], sid[RN_ID_BYTES_MAX + 1];
    uint32_t g;
    snprintf(sid, sizeof(sid), "%.*s", (int)id.len, (const char *)id.ptr);
    snprintf(key, sizeof(key), "%s:%s", proto_kind_name((int)kind), sid);
    RN_TRY(group_find(r, key, true, &g));
    reg_group *gr = &r->groups[g];
    if (gr->seen)
        return 1;
    if (gr->known < 0) {
        int k = known != NULL ? known(ctx, kind, sid) : 0;
        if (k < 0)
            return k;
        gr = &r->groups[g];
        gr->known = k > 0 ? 1 : 0;
    }
    if (gr->known > 0)
        return 1;
    char where[REC_FIELD_BYTES + 24];
    if (index >= 0)
        snprintf(where, sizeof(where), "%s[%ld]", field, index);
    else
        snprintf(where, sizeof(where), "%s", field);
    RN_TRY(refuse(r, x->line, RN_ENOTFOUND, field,
                  "%s: no %s %s earlier in the file (or valid there), nor on the node", where,
                  proto_kind_name((int)kind), sid));
    return 0;
}

static int refs_of(registry *r, const reg_record *x, const proto_record *rec, reg_known_fn known,
                   void *ctx)
{
    int ok = 1;
    switch (rec->kind) {
    case PROTO_KIND_SPEC:
        ok = ref_check(r, x, PROTO_KIND_PROVIDER, rec->u.spec.provider, "spec.provider", -1, known,
                       ctx);
        break;
    case PROTO_KIND_REVOCATION:
        ok = ref_check(r, x, PROTO_KIND_PROVIDER, rec->u.revocation.provider, "revocation.provider",
                       -1, known, ctx);
        break;
    case PROTO_KIND_DECISION:
        ok =
            ref_check(r, x, PROTO_KIND_SPEC, rec->u.decision.spec, "decision.spec", -1, known, ctx);
        if (ok == 1 && rec->u.decision.supersedes.len > 0)
            ok = ref_check(r, x, PROTO_KIND_DECISION, rec->u.decision.supersedes,
                           "decision.supersedes", -1, known, ctx);
        break;
    case PROTO_KIND_PATHWAY:
        for (uint32_t i = 0; ok == 1 && i < rec->u.pathway.mandatory_n; i++)
            ok = ref_check(r, x, PROTO_KIND_SPEC, rec->u.pathway.mandatory[i], "pathway.mandatory",
                           (long)i, known, ctx);
        for (uint32_t i = 0; ok == 1 && i < rec->u.pathway.eligible_n; i++)
            ok = ref_check(r, x, PROTO_KIND_SPEC, rec->u.pathway.eligible[i], "pathway.eligible",
                           (long)i, known, ctx);
        break;
    case PROTO_KIND_PROVIDER:
    case PROTO_KIND_POLICY:
    default:
        break;
    }
    return ok;
}

int registry_crossref(registry *r, reg_known_fn known, void *ctx)
{
    proto_record *rec = malloc(sizeof(*rec));
    size_t kept = 0;
    int rc = 0;
    if (rec == NULL)
        return RN_ENOMEM;
    for (size_t g = 0; g < r->groups_n; g++)
        r->groups[g].seen = false;
    for (size_t i = 0; i < r->n; i++) {
        reg_record *x = &r->recs[i];
        int ok = 0;
        if (rc == 0) {
            RN_ASSERT(proto_record_decode(rec, x->kind, x->body, x->body_len, NULL) == 0);
            ok = refs_of(r, x, rec, known, ctx);
            if (ok < 0)
                rc = ok;
        }
        if (ok == 1) {
            r->groups[x->group].seen = true;
            r->recs[kept++] = *x;
        } else {
            r->groups[x->group].file_n--;
            free(x->body);
        }
    }
    r->n = kept;
    free(rec);
    return rc;
}

/* ---- The node's versions, and what they make of a re-run ---- */

int registry_node_version(registry *r, proto_kind kind, const uint8_t *body, size_t len)
{
    proto_record *rec = malloc(sizeof(*rec));
    char key[REG_KEY_BYTES];
    uint32_t g;
    int rc;
    if (rec == NULL)
        return RN_ENOMEM;
    rc = proto_record_decode(rec, kind, body, len, NULL);
    if (rc == 0)
        registry_key(rec, key);
    free(rec);
    RN_TRY(rc);
    if (group_find(r, key, false, &g) < 0 || r->groups[g].file_n == 0)
        return 0;
    reg_group *gr = &r->groups[g];
    if (gr->node_n == gr->node_cap) {
        uint32_t cap = gr->node_cap == 0 ? 4u : 2u * gr->node_cap;
        uint64_t *nh = realloc(gr->node_h, cap * sizeof(*nh));
        if (nh == NULL)
            return RN_ENOMEM;
        gr->node_h = nh;
        gr->node_cap = cap;
    }
    gr->node_h[gr->node_n++] = hash_body(body, len);
    return 0;
}

int registry_resume(registry *r, size_t *marked_out)
{
    size_t marked = 0;
    /* The file's versions of each group, in order: gather them group by group. */
    uint32_t *first = malloc(r->groups_n * sizeof(*first));
    uint32_t *next = malloc((r->n > 0 ? r->n : 1u) * sizeof(*next));
    uint64_t *fh = malloc((r->n > 0 ? r->n : 1u) * sizeof(*fh));
    if (first == NULL || next == NULL || fh == NULL) {
        free(first);
        free(next);
        free(fh);
        return RN_ENOMEM;
    }
    for (size_t g = 0; g < r->groups_n; g++)
        first[g] = UINT32_MAX;
    for (size_t i = r->n; i-- > 0;) {
        next[i] = first[r->recs[i].group];
        first[r->recs[i].group] = (uint32_t)i;
        fh[i] = hash_body(r->recs[i].body, r->recs[i].body_len);
    }
    for (size_t g = 0; g < r->groups_n; g++) {
        const reg_group *gr = &r->groups[g];
        if (gr->node_n == 0 || gr->file_n == 0)
            continue;
        /* The longest j such that the file's first j versions are the node's last j. */
        uint32_t m = gr->file_n < gr->node_n ? gr->file_n : gr->node_n, best = 0;
        for (uint32_t j = m; j > 0 && best == 0; j--) {
            uint32_t i = first[g], q = gr->node_n - j, t = 0;
            while (t < j && fh[i] == gr->node_h[q + t]) {
                i = next[i];
                t++;
            }
            if (t == j)
                best = j;
        }
        uint32_t i = first[g];
        for (uint32_t t = 0; t < best; t++, i = next[i]) {
            r->recs[i].skip = true;
            marked++;
        }
    }
    free(first);
    free(next);
    free(fh);
    *marked_out = marked;
    return 0;
}
