/*
 * rdfc.c: RDFC-1.0 (cred/rdfc.h), following the Recommendation's sections 4.4 to 4.9 step by
 * step; the step numbers in the comments are the Recommendation's.
 *
 * Blank nodes are numbered by the sorted order of their input labels; the quads that mention
 * each are listed once (in input order, duplicates of the input removed first, as a dataset is
 * a set). An identifier issuer is two arrays over the blank nodes (issued number, and the order
 * of issue), so copying one is a memcpy. Permutations are generated as the reference
 * implementation (rdf-canonize) generates them, over the list sorted by label, so that ties
 * between equal paths resolve the same way.
 */
#include "cred/rdfc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

typedef struct issuer {
    int32_t *num;   /* per blank node: issued number, or -1 */
    int32_t *order; /* blank nodes in the order of issue */
    int32_t count;  /* identifiers issued */
} issuer;

typedef struct rc {
    const cred_dataset *ds;
    size_t *qi;       /* indices (into ds->q) of the distinct quads */
    size_t nq;        /* distinct quads */
    char **labels;    /* sorted distinct blank node labels (borrowed from ds) */
    size_t nb;        /* blank nodes */
    int32_t (*qb)[3]; /* per distinct quad: blank node of s, o, g, or -1 */
    size_t **bq;      /* per blank node: the distinct quads (positions in qi) mentioning it */
    size_t *bqn;      /* lengths of bq */
    char (*h1)[65];   /* per blank node: first-degree hash, hex */
    issuer canon;     /* the canonical issuer, prefix "c14n" */
    char (*canon_label)[24];
    size_t work;   /* steps taken, bounded by CRED_RDFC_WORK_MAX */
    size_t depth;  /* nested N-degree calls */
    int32_t cur_b; /* label callback state: the reference blank node */
    const issuer *lab_issuer;
} rc;

static void hex32(const uint8_t h[32], char out[65])
{
    sodium_bin2hex(out, 65, h, 32);
}

static int32_t bnode_index(const rc *r, const char *label)
{
    size_t lo = 0, hi = r->nb;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->labels[mid], label);
        if (c == 0)
            return (int32_t)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int issuer_init(issuer *is, size_t nb)
{
    is->num = malloc((nb ? nb : 1) * sizeof(int32_t));
    is->order = malloc((nb ? nb : 1) * sizeof(int32_t));
    is->count = 0;
    if (!is->num || !is->order) {
        free(is->num);
        free(is->order);
        is->num = is->order = NULL;
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < nb; i++)
        is->num[i] = -1;
    return 0;
}

static void issuer_free(issuer *is)
{
    free(is->num);
    free(is->order);
    is->num = is->order = NULL;
}

static int issuer_copy(issuer *dst, const issuer *src, size_t nb)
{
    RN_TRY(issuer_init(dst, nb));
    memcpy(dst->num, src->num, nb * sizeof(int32_t));
    memcpy(dst->order, src->order, nb * sizeof(int32_t));
    dst->count = src->count;
    return 0;
}

static int32_t issue(issuer *is, int32_t b)
{
    if (is->num[b] < 0) {
        is->num[b] = is->count;
        is->order[is->count++] = b;
    }
    return is->num[b];
}

/* ---- serialization with substituted labels ---- */

static const char *label_first_degree(void *ctx, const cred_term *t)
{
    rc *r = ctx;
    return bnode_index(r, t->value) == r->cur_b ? "a" : "z";
}

static const char *label_canonical(void *ctx, const cred_term *t)
{
    rc *r = ctx;
    int32_t b = bnode_index(r, t->value);
    RN_ASSERT(b >= 0 && r->canon.num[b] >= 0);
    return r->canon_label[b];
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Serializes the given quads (positions in qi) one a line with label(), sorts the lines and
 * either hashes their concatenation (digest != NULL) or appends it to out. */
static int sorted_lines(rc *r, const size_t *qs, size_t n, cred_bnode_label_fn label,
                        uint8_t digest[32], cred_buf *out)
{
    int rc_ = 0;
    cred_buf all;
    cred_buf_init(&all, CRED_RDFC_OUT_MAX);
    size_t *off = malloc((n + 1) * sizeof(size_t));
    char **lines = malloc((n + 1) * sizeof(char *));
    if (!off || !lines) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        off[i] = all.len;
        RN_GUARD(rc_, cred_nq_write_quad(&all, &r->ds->q[r->qi[qs[i]]], label, r));
        RN_GUARD(rc_, cred_buf_add(&all, "", 1)); /* a NUL between lines */
    }
    for (size_t i = 0; i < n; i++)
        lines[i] = all.data + off[i];
    qsort(lines, n, sizeof(char *), cmp_str);
    if (digest) {
        crypto_hash_sha256_state st;
        crypto_hash_sha256_init(&st);
        for (size_t i = 0; i < n; i++)
            crypto_hash_sha256_update(&st, (const unsigned char *)lines[i], strlen(lines[i]));
        crypto_hash_sha256_final(&st, digest);
    } else {
        size_t mark = out->len;
        for (size_t i = 0; i < n; i++) {
            if (i > 0 && strcmp(lines[i], lines[i - 1]) == 0)
                continue;
            if ((rc_ = cred_buf_adds(out, lines[i])) < 0) {
                out->len = mark;
                if (out->data)
                    out->data[mark] = '\0';
                goto out;
            }
        }
    }
out:
    free(off);
    free(lines);
    cred_buf_free(&all);
    return rc_;
}

/* 4.6 Hash First Degree Quads. */
static int hash_first_degree(rc *r, int32_t b)
{
    uint8_t h[32];
    r->cur_b = b;
    RN_TRY(sorted_lines(r, r->bq[b], r->bqn[b], label_first_degree, h, NULL));
    hex32(h, r->h1[b]);
    return 0;
}

/* 4.7 Hash Related Blank Node. */
static void hash_related(const rc *r, int32_t related, const cred_quad *q, const issuer *is,
                         char pos, char out[65])
{
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const unsigned char *)&pos, 1);
    if (pos != 'g') {
        crypto_hash_sha256_update(&st, (const unsigned char *)"<", 1);
        crypto_hash_sha256_update(&st, (const unsigned char *)q->p.value, strlen(q->p.value));
        crypto_hash_sha256_update(&st, (const unsigned char *)">", 1);
    }
    char id[80];
    if (r->canon.num[related] >= 0)
        snprintf(id, sizeof(id), "_:c14n%d", (int)r->canon.num[related]);
    else if (is->num[related] >= 0)
        snprintf(id, sizeof(id), "_:b%d", (int)is->num[related]);
    else
        snprintf(id, sizeof(id), "%s", r->h1[related]);
    crypto_hash_sha256_update(&st, (const unsigned char *)id, strlen(id));
    uint8_t h[32];
    crypto_hash_sha256_final(&st, h);
    hex32(h, out);
}

typedef struct related {
    char hash[65];
    int32_t b;
    size_t seq; /* encounter order, for a stable sort */
} related;

static int cmp_related(const void *a, const void *b)
{
    const related *x = a, *y = b;
    int c = strcmp(x->hash, y->hash);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Path comparison of step 5.4.4.2 and 5.4.5.5: true when path can no longer beat chosen. */
static bool path_worse(const cred_buf *path, const cred_buf *chosen)
{
    if (!chosen->len)
        return false;
    return path->len >= chosen->len && strcmp(path->data, chosen->data) > 0;
}

static int hash_n_degree(rc *r, int32_t b, issuer *is, char out[65]);

/* Appends "_:" + prefix + number to path. */
static int path_add_id(cred_buf *path, const char *prefix, int32_t num)
{
    char s[40];
    snprintf(s, sizeof(s), "_:%s%d", prefix, (int)num);
    return cred_buf_adds(path, s);
}

/* One group of step 5: the related blank nodes list[0..n) sharing one hash. Chooses the least
 * path over their permutations, appends it to data, and replaces *is by the chosen issuer. */
static int choose_path(rc *r, int32_t *list, size_t n, issuer *is, crypto_hash_sha256_state *data)
{
    int rc_ = 0;
    cred_buf chosen, path;
    cred_buf_init(&chosen, CRED_RDFC_OUT_MAX);
    cred_buf_init(&path, CRED_RDFC_OUT_MAX);
    issuer chosen_is = { 0 }, copy = { 0 };
    bool have_chosen = false;
    int32_t *recursion = malloc(n * sizeof(int32_t));
    bool *left = calloc(r->nb ? r->nb : 1, sizeof(bool));
    if (!recursion || !left) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    /* The permuter of rdf-canonize: the list sorted, every element pointing left, then the
     * largest mobile element swapped in its direction until none is mobile. */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(r->labels[list[j - 1]], r->labels[list[j]]) > 0; j--) {
            int32_t t = list[j];
            list[j] = list[j - 1];
            list[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        left[list[i]] = true;
    for (;;) {
        if (++r->work > CRED_RDFC_WORK_MAX) {
            rc_ = RN_ETOOBIG;
            goto out;
        }
        /* 5.4.1-5.4.5 for the current permutation. */
        issuer_free(&copy);
        RN_GUARD(rc_, issuer_copy(&copy, is, r->nb));
        path.len = 0;
        RN_GUARD(rc_, cred_buf_add(&path, "", 0));
        size_t nrec = 0;
        bool skip = false;
        for (size_t i = 0; i < n && !skip; i++) {
            int32_t rel = list[i];
            if (r->canon.num[rel] >= 0) {
                RN_GUARD(rc_, path_add_id(&path, "c14n", r->canon.num[rel]));
            } else {
                if (copy.num[rel] < 0)
                    recursion[nrec++] = rel;
                RN_GUARD(rc_, path_add_id(&path, "b", issue(&copy, rel)));
            }
            skip = path_worse(&path, &chosen);
        }
        for (size_t i = 0; i < nrec && !skip; i++) {
            char h[65];
            RN_GUARD(rc_, hash_n_degree(r, recursion[i], &copy, h));
            RN_GUARD(rc_, path_add_id(&path, "b", issue(&copy, recursion[i])));
            RN_GUARD(rc_, cred_buf_adds(&path, "<"));
            RN_GUARD(rc_, cred_buf_adds(&path, h));
            RN_GUARD(rc_, cred_buf_adds(&path, ">"));
            skip = path_worse(&path, &chosen);
        }
        if (!skip && (!have_chosen || strcmp(path.data, chosen.data) < 0)) {
            chosen.len = 0;
            RN_GUARD(rc_, cred_buf_add(&chosen, path.data, path.len));
            issuer_free(&chosen_is);
            chosen_is = copy;
            copy = (issuer){ 0 };
            have_chosen = true;
        }
        /* Next permutation. */
        int32_t k = -1;
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) {
            int32_t e = list[i];
            bool mobile = left[e] ? (i > 0 && strcmp(r->labels[e], r->labels[list[i - 1]]) > 0)
                                  : (i + 1 < n && strcmp(r->labels[e], r->labels[list[i + 1]]) > 0);
            if (mobile && (k < 0 || strcmp(r->labels[e], r->labels[k]) > 0)) {
                k = e;
                pos = i;
            }
        }
        if (k < 0)
            break;
        size_t swap = left[k] ? pos - 1 : pos + 1;
        list[pos] = list[swap];
        list[swap] = k;
        for (size_t i = 0; i < n; i++)
            if (strcmp(r->labels[list[i]], r->labels[k]) > 0)
                left[list[i]] = !left[list[i]];
    }
    RN_ASSERT(have_chosen);
    crypto_hash_sha256_update(data, (const unsigned char *)chosen.data, chosen.len);
    issuer_free(is);
    *is = chosen_is;
    chosen_is = (issuer){ 0 };
out:
    issuer_free(&copy);
    issuer_free(&chosen_is);
    cred_buf_free(&chosen);
    cred_buf_free(&path);
    free(recursion);
    free(left);
    return rc_;
}

/* 4.8 Hash N-Degree Quads: out is the hash; *is becomes the issuer the result carries. */
static int hash_n_degree(rc *r, int32_t b, issuer *is, char out[65])
{
    if (++r->work > CRED_RDFC_WORK_MAX || ++r->depth > CRED_RDFC_DEPTH_MAX)
        return RN_ETOOBIG;
    int rc_ = 0;
    size_t cap = r->bqn[b] * 3, nrel = 0;
    related *rel = malloc((cap ? cap : 1) * sizeof(related));
    int32_t *list = malloc((cap ? cap : 1) * sizeof(int32_t));
    if (!rel || !list) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    /* Steps 1-3: the hashes of the related blank nodes. */
    static const char pos[3] = { 's', 'o', 'g' };
    for (size_t i = 0; i < r->bqn[b]; i++) {
        size_t qpos = r->bq[b][i];
        const cred_quad *q = &r->ds->q[r->qi[qpos]];
        for (int c = 0; c < 3; c++) {
            int32_t o = r->qb[qpos][c];
            if (o < 0 || o == b)
                continue;
            hash_related(r, o, q, is, pos[c], rel[nrel].hash);
            rel[nrel].b = o;
            rel[nrel].seq = nrel;
            nrel++;
        }
    }
    qsort(rel, nrel, sizeof(related), cmp_related);
    /* Steps 4-5: for each related hash in order, the chosen path of its blank nodes. */
    crypto_hash_sha256_state data;
    crypto_hash_sha256_init(&data);
    for (size_t i = 0; i < nrel;) {
        size_t j = i, n = 0;
        while (j < nrel && strcmp(rel[j].hash, rel[i].hash) == 0)
            list[n++] = rel[j++].b;
        crypto_hash_sha256_update(&data, (const unsigned char *)rel[i].hash, 64);
        RN_GUARD(rc_, choose_path(r, list, n, is, &data));
        i = j;
    }
    uint8_t h[32];
    crypto_hash_sha256_final(&data, h);
    hex32(h, out);
out:
    r->depth--;
    free(rel);
    free(list);
    return rc_;
}

typedef struct hres {
    char hash[65];
    issuer is;
    size_t seq;
} hres;

static int cmp_hres(const void *a, const void *b)
{
    const hres *x = a, *y = b;
    int c = strcmp(x->hash, y->hash);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_first_hash(const void *a, const void *b, const rc *r)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    int c = strcmp(r->h1[x], r->h1[y]);
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

/* Raw line of quad i with its own labels, for removing duplicates. */
static const char *label_raw(void *ctx, const cred_term *t)
{
    (void)ctx;
    return t->value;
}

static void rc_free(rc *r)
{
    free(r->qi);
    free(r->labels);
    free(r->qb);
    if (r->bq)
        for (size_t i = 0; i < r->nb; i++)
            free(r->bq[i]);
    free(r->bq);
    free(r->bqn);
    free(r->h1);
    free(r->canon_label);
    issuer_free(&r->canon);
}

static bool term_ok(const cred_term *t, int role)
{
    /* role 0 subject, 1 predicate, 2 object, 3 graph */
    switch (t->kind) {
    case CRED_TERM_IRI:
        return t->value != NULL;
    case CRED_TERM_BNODE:
        return role != 1 && t->value != NULL;
    case CRED_TERM_LITERAL:
        return role == 2 && t->value != NULL;
    case CRED_TERM_NONE:
        return role == 3;
    default:
        return false;
    }
}

typedef struct line_ix {
    char *line;
    size_t q;
} line_ix;

static int cmp_line_ix(const void *a, const void *b)
{
    const line_ix *x = a, *y = b;
    int c = strcmp(x->line, y->line);
    if (c)
        return c;
    return x->q < y->q ? -1 : x->q > y->q;
}

/* Distinct quads (in input order) and distinct blank node labels (sorted). */
static int rc_index(rc *r)
{
    const cred_dataset *ds = r->ds;
    int rc_ = 0;
    cred_buf all;
    cred_buf_init(&all, CRED_RDFC_OUT_MAX);
    line_ix *ix = malloc((ds->n ? ds->n : 1) * sizeof(line_ix));
    size_t *off = malloc((ds->n ? ds->n : 1) * sizeof(size_t));
    bool *keep = calloc(ds->n ? ds->n : 1, sizeof(bool));
    char **lab = malloc((ds->n ? ds->n * 3 : 1) * sizeof(char *));
    r->qi = malloc((ds->n ? ds->n : 1) * sizeof(size_t));
    if (!ix || !off || !keep || !lab || !r->qi) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    size_t nl = 0;
    for (size_t i = 0; i < ds->n; i++) {
        const cred_quad *q = &ds->q[i];
        if (!term_ok(&q->s, 0) || !term_ok(&q->p, 1) || !term_ok(&q->o, 2) || !term_ok(&q->g, 3)) {
            rc_ = RN_EINVAL;
            goto out;
        }
        off[i] = all.len;
        RN_GUARD(rc_, cred_nq_write_quad(&all, q, label_raw, NULL));
        RN_GUARD(rc_, cred_buf_add(&all, "", 1));
        const cred_term *t3[3] = { &q->s, &q->o, &q->g };
        for (int c = 0; c < 3; c++)
            if (t3[c]->kind == CRED_TERM_BNODE)
                lab[nl++] = t3[c]->value;
    }
    for (size_t i = 0; i < ds->n; i++) {
        ix[i].line = all.data + off[i];
        ix[i].q = i;
    }
    qsort(ix, ds->n, sizeof(line_ix), cmp_line_ix);
    for (size_t i = 0; i < ds->n; i++)
        if (i == 0 || strcmp(ix[i].line, ix[i - 1].line) != 0)
            keep[ix[i].q] = true;
    for (size_t i = 0; i < ds->n; i++)
        if (keep[i])
            r->qi[r->nq++] = i;
    qsort(lab, nl, sizeof(char *), cmp_str);
    size_t nb = 0;
    for (size_t i = 0; i < nl; i++)
        if (nb == 0 || strcmp(lab[i], lab[nb - 1]) != 0)
            lab[nb++] = lab[i];
    r->labels = lab;
    lab = NULL;
    r->nb = nb;
out:
    free(ix);
    free(off);
    free(keep);
    free(lab);
    cred_buf_free(&all);
    return rc_;
}

int cred_rdfc_canonize(const cred_dataset *ds, cred_buf *out, cred_rdfc_map *map)
{
    rc r;
    memset(&r, 0, sizeof(r));
    r.ds = ds;
    int rc_ = 0;
    int32_t *order = NULL;
    hres *res = NULL;
    size_t nres = 0;
    if (map)
        memset(map, 0, sizeof(*map));
    RN_GUARD(rc_, rc_index(&r));
    size_t nb = r.nb ? r.nb : 1;
    r.qb = malloc((r.nq ? r.nq : 1) * sizeof(*r.qb));
    r.bq = calloc(nb, sizeof(size_t *));
    r.bqn = calloc(nb, sizeof(size_t));
    r.h1 = malloc(nb * sizeof(*r.h1));
    r.canon_label = malloc(nb * sizeof(*r.canon_label));
    order = malloc(nb * sizeof(int32_t));
    res = calloc(nb, sizeof(hres));
    if (!r.qb || !r.bq || !r.bqn || !r.h1 || !r.canon_label || !order || !res) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    RN_GUARD(rc_, issuer_init(&r.canon, r.nb));
    /* 4.4.3 step 2: the blank node to quads map. */
    size_t *cnt = r.bqn;
    for (size_t i = 0; i < r.nq; i++) {
        const cred_quad *q = &ds->q[r.qi[i]];
        const cred_term *t3[3] = { &q->s, &q->o, &q->g };
        for (int c = 0; c < 3; c++) {
            r.qb[i][c] = t3[c]->kind == CRED_TERM_BNODE ? bnode_index(&r, t3[c]->value) : -1;
            int32_t b = r.qb[i][c];
            if (b < 0 || (c > 0 && r.qb[i][0] == b) || (c > 1 && r.qb[i][1] == b))
                continue;
            size_t *l = realloc(r.bq[b], (cnt[b] + 1) * sizeof(size_t));
            if (!l) {
                rc_ = RN_ENOMEM;
                goto out;
            }
            r.bq[b] = l;
            l[cnt[b]++] = i;
        }
    }
    /* Step 3: first-degree hashes; step 4: canonical labels for the unique ones, in hash
     * order. */
    for (size_t b = 0; b < r.nb; b++) {
        RN_GUARD(rc_, hash_first_degree(&r, (int32_t)b));
        order[b] = (int32_t)b;
    }
    for (size_t i = 1; i < r.nb; i++) /* insertion sort: stable, and nb is small */
        for (size_t j = i; j > 0 && cmp_first_hash(&order[j - 1], &order[j], &r) > 0; j--) {
            int32_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t i = 0; i < r.nb;) {
        size_t j = i;
        while (j < r.nb && strcmp(r.h1[order[j]], r.h1[order[i]]) == 0)
            j++;
        if (j - i == 1)
            issue(&r.canon, order[i]);
        i = j;
    }
    /* Step 5: the shared hashes, each group in hash order, by their N-degree hashes. */
    for (size_t i = 0; i < r.nb;) {
        size_t j = i;
        while (j < r.nb && strcmp(r.h1[order[j]], r.h1[order[i]]) == 0)
            j++;
        if (j - i > 1) {
            nres = 0;
            for (size_t k = i; k < j; k++) {
                int32_t b = order[k];
                if (r.canon.num[b] >= 0)
                    continue;
                hres *h = &res[nres];
                RN_GUARD(rc_, issuer_init(&h->is, r.nb));
                h->seq = nres++;
                issue(&h->is, b);
                r.depth = 0;
                RN_GUARD(rc_, hash_n_degree(&r, b, &h->is, h->hash));
            }
            qsort(res, nres, sizeof(hres), cmp_hres);
            for (size_t k = 0; k < nres; k++) {
                for (int32_t m = 0; m < res[k].is.count; m++)
                    issue(&r.canon, res[k].is.order[m]);
                issuer_free(&res[k].is);
            }
            nres = 0;
        }
        i = j;
    }
    RN_ASSERT((size_t)r.canon.count == r.nb);
    for (size_t b = 0; b < r.nb; b++)
        snprintf(r.canon_label[b], sizeof(r.canon_label[b]), "c14n%d", (int)r.canon.num[b]);
    /* Step 6: the canonical N-Quads. */
    size_t *all = malloc((r.nq ? r.nq : 1) * sizeof(size_t));
    if (!all) {
        rc_ = RN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < r.nq; i++)
        all[i] = i;
    rc_ = sorted_lines(&r, all, r.nq, label_canonical, NULL, out);
    free(all);
    if (rc_ < 0)
        goto out;
    if (map) {
        map->from = calloc(nb, sizeof(char *));
        map->to = calloc(nb, sizeof(char *));
        if (!map->from || !map->to) {
            rc_ = RN_ENOMEM;
            goto out;
        }
        for (size_t b = 0; b < r.nb; b++) {
            map->from[b] = strdup(r.labels[b]);
            map->to[b] = strdup(r.canon_label[b]);
            map->n++;
            if (!map->from[b] || !map->to[b]) {
                rc_ = RN_ENOMEM;
                goto out;
            }
        }
    }
out:
    if (res)
        for (size_t k = 0; k < nb; k++)
            issuer_free(&res[k].is);
    free(res);
    free(order);
    rc_free(&r);
    return rc_;
}

void cred_rdfc_map_free(cred_rdfc_map *m)
{
    for (size_t i = 0; i < m->n; i++) {
        free(m->from[i]);
        free(m->to[i]);
    }
    free(m->from);
    free(m->to);
    memset(m, 0, sizeof(*m));
}

int cred_rdfc_hash(const cred_dataset *ds, uint8_t out[32])
{
    cred_buf b;
    cred_buf_init(&b, CRED_RDFC_OUT_MAX);
    int rc_ = cred_rdfc_canonize(ds, &b, NULL);
    if (rc_ == 0)
        crypto_hash_sha256(out, (const unsigned char *)(b.data ? b.data : ""), b.len);
    cred_buf_free(&b);
    return rc_;
}
