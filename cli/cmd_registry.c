/*
 * cmd_registry.c: `recnetctl registry import FILE`: an authority's existing registry (providers,
 * specs and their history, issuer keys with their validity, decisions, policies, pathways,
 * revocations) migrated into its node's log.
 *
 * In order: the node's identity (status: its country, its key); every record of the file read
 * and validated as the publish commands validate one, and its references resolved (registry.h);
 * every refusal printed with its line, and nothing published when there is one (unless
 * --skip-invalid); the node's own log read back and compared with the file's versions, so that
 * what a killed run committed, or a finished one, is not published twice (the log is the truth:
 * no journal can be out of step with it); then the rest published in batches, one control call
 * (publish.batch) and one durable commit each. A progress bar goes to stderr when it is a
 * terminal; a summary ends the run (JSON under --json).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "registry.h"
#include "rpc.h"

/* The state of one import. */
typedef struct import_run {
    cli *c;
    const char *path;
    registry reg;
    char country[3];
    uint8_t self[PROTO_KEY_BYTES];
    size_t batch_max;           /* records per batch: 1 .. RN_APPEND_BATCH_RECORDS_MAX */
    size_t todo, done, batches; /* records to publish, published, batches committed */
    size_t by_kind[PROTO_KIND_REVOCATION + 1];
    size_t skipped;   /* already on the node */
    double t0, t_pub; /* start of the run, of the publishing */
    bool bar;         /* a progress bar on stderr */
} import_run;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* status: the node's country and key. */
static int node_identity(import_run *ir)
{
    mp_buf p;
    rpc_resp r;
    mp_buf_init(&p, 16);
    mp_put_array(&p, 0);
    int rc = cli_call(ir->c, CTL_STATUS, &p, &r);
    mp_buf_free(&p);
    if (rc == CLI_OK) {
        json_t *j = rpc_to_json(r.result);
        const char *cc = json_string_value(json_object_get(j, "country"));
        const char *key = json_string_value(json_object_get(j, "key"));
        const char *role = json_string_value(json_object_get(j, "role"));
        if (cc == NULL || key == NULL || strlen(cc) != 2 ||
            proto_key_text_parse(key, strlen(key), ir->self) < 0)
            rc = cli_fail(CLI_ERROR, "status: malformed result");
        else if (role == NULL || strcmp(role, "authority") != 0)
            rc = cli_fail_rn(CLI_REFUSED, RN_EROLE, NULL, -1,
                             "this node is a mirror: it publishes nothing");
        else
            memcpy(ir->country, cc, 3);
        json_decref(j);
    }
    rpc_resp_free(&r);
    return rc;
}

/* registry_crossref's question to the node: does it hold kind:id? */
static int node_knows(void *ctx, proto_kind kind, const char *id)
{
    import_run *ir = ctx;
    proto_record *held = malloc(sizeof(*held));
    uint8_t *buf = NULL;
    proto_entry e;
    if (held == NULL)
        return RN_ENOMEM;
    int rc = cli_record_get(ir->c, kind, id, UINT64_MAX, &buf, &e, held);
    free(buf);
    free(held);
    if (rc == CLI_OK)
        return 1;
    if (rc == CLI_NEGATIVE)
        return 0;
    return RN_EIO; /* the reason is printed */
}

/* Reads the node's own log from seq 1, each entry's record a version for registry_resume. */
static int node_log_read(import_run *ir)
{
    uint64_t from = 1;
    for (;;) {
        mp_buf p;
        rpc_resp r;
        uint32_t n;
        mp_buf_init(&p, 64);
        mp_put_array(&p, 3);
        mp_put_bin(&p, ir->self, PROTO_KEY_BYTES);
        mp_put_uint(&p, from);
        mp_put_uint(&p, RN_BATCH_ENTRIES_MAX);
        int rc = cli_call(ir->c, CTL_LOG, &p, &r);
        mp_buf_free(&p);
        if (rc != CLI_OK) {
            rpc_resp_free(&r);
            return rc;
        }
        mp_cur cur = r.result;
        if (mp_read_array(&cur, &n) < 0) {
            rpc_resp_free(&r);
            return cli_fail(CLI_ERROR, "log: malformed result");
        }
        for (uint32_t i = 0; i < n; i++) {
            const uint8_t *b;
            uint32_t len;
            proto_entry e;
            if (mp_read_bin(&cur, &b, &len) < 0 || proto_entry_decode(&e, b, len, NULL) < 0 ||
                e.seq != from) {
                rpc_resp_free(&r);
                return cli_fail(CLI_ERROR, "log: malformed entry at seq %llu",
                                (unsigned long long)from);
            }
            rc = registry_node_version(&ir->reg, e.kind, e.body, e.body_len);
            if (rc < 0) {
                rpc_resp_free(&r);
                return cli_fail(CLI_ERROR, "log: entry %llu: %s", (unsigned long long)from,
                                rn_strerror(rc));
            }
            from++;
        }
        rpc_resp_free(&r);
        if (n == 0)
            return CLI_OK;
    }
}

static void progress(const import_run *ir, bool last)
{
    if (!ir->bar)
        return;
    double el = now_s() - ir->t_pub;
    double rate = el > 0 ? (double)ir->done / el : 0;
    double frac = ir->todo > 0 ? (double)ir->done / (double)ir->todo : 1.0;
    unsigned width = 30, fill = (unsigned)(frac * width);
    char bar[32];
    for (unsigned i = 0; i < width; i++)
        bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
    bar[width] = '\0';
    double eta = rate > 0 ? (double)(ir->todo - ir->done) / rate : 0;
    fprintf(stderr, "\rimport [%s] %5.1f%%  %zu/%zu records  %.0f rec/s  ETA %u:%02u%s", bar,
            100.0 * frac, ir->done, ir->todo, rate, (unsigned)(eta / 60), (unsigned)eta % 60u,
            last ? "\n" : "");
    fflush(stderr);
}

/* Publishes recs[idx[0..k)] in one publish.batch call. */
static int publish_batch(import_run *ir, const size_t *idx, size_t k)
{
    mp_buf p;
    rpc_resp r;
    mp_buf_init(&p, RN_CONTROL_REQUEST_BYTES_MAX);
    mp_put_array(&p, 2);
    mp_put_array(&p, (uint32_t)k);
    for (size_t i = 0; i < k; i++)
        mp_put_cstr(&p, proto_kind_name((int)ir->reg.recs[idx[i]].kind));
    mp_put_array(&p, (uint32_t)k);
    for (size_t i = 0; i < k; i++)
        mp_put_bin(&p, ir->reg.recs[idx[i]].body, ir->reg.recs[idx[i]].body_len);
    if (ir->bar) /* the bar is drawn again after the call; an error goes on a clean line */
        fputs("\r\033[K", stderr);
    int rc = cli_call(ir->c, CTL_PUBLISH_BATCH, &p, &r);
    if (rc != CLI_OK && r.is_error && r.has_index && r.index < k)
        fprintf(stderr,
                "recnetctl: %s:%u: the node refused this record; batches before it "
                "are published, a re-run resumes after them\n",
                ir->path, ir->reg.recs[idx[r.index]].line);
    else if (rc != CLI_OK)
        fprintf(stderr, "recnetctl: batches before this one are published; a re-run resumes "
                        "after them\n");
    if (rc == CLI_OK) {
        for (size_t i = 0; i < k; i++)
            ir->by_kind[ir->reg.recs[idx[i]].kind]++;
        ir->done += k;
        ir->batches++;
    }
    rpc_resp_free(&r);
    mp_buf_free(&p);
    return rc;
}

static int publish_all(import_run *ir)
{
    size_t *idx = malloc(RN_APPEND_BATCH_RECORDS_MAX * sizeof(*idx));
    size_t k = 0, bytes = 0;
    int rc = CLI_OK;
    if (idx == NULL)
        return cli_fail(CLI_ERROR, "out of memory");
    ir->t_pub = now_s();
    for (size_t i = 0; i < ir->reg.n && rc == CLI_OK; i++) {
        const reg_record *x = &ir->reg.recs[i];
        if (x->skip)
            continue;
        if (k == ir->batch_max || bytes + x->body_len > RN_APPEND_BATCH_BODY_BYTES_MAX) {
            rc = publish_batch(ir, idx, k);
            progress(ir, false);
            k = 0;
            bytes = 0;
        }
        idx[k++] = i;
        bytes += x->body_len;
    }
    if (rc == CLI_OK && k > 0)
        rc = publish_batch(ir, idx, k);
    progress(ir, true);
    free(idx);
    return rc;
}

static int by_line(const void *a, const void *b)
{
    const reg_refusal *x = a, *y = b;
    return x->line < y->line ? -1 : x->line > y->line;
}

static void print_refusals(import_run *ir)
{
    /* The readers refuse as they read, the cross-reference check after: in line order. */
    if (ir->reg.refused_n > 1)
        qsort(ir->reg.refusals, ir->reg.refused_n, sizeof(*ir->reg.refusals), by_line);
    for (size_t i = 0; i < ir->reg.refused_n; i++) {
        const reg_refusal *f = &ir->reg.refusals[i];
        fprintf(stderr, "%s:%u: %s\n", ir->path, f->line, f->message);
    }
}

static json_t *refusals_json(const import_run *ir)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < ir->reg.refused_n; i++) {
        const reg_refusal *f = &ir->reg.refusals[i];
        json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:s}", "line", (json_int_t)f->line,
                                           "field", f->field, "name", rn_err_name(f->code),
                                           "message", f->message));
    }
    return a;
}

static void summary(const import_run *ir, bool dry_run)
{
    double el = now_s() - ir->t0, pub = ir->t_pub > 0 ? now_s() - ir->t_pub : 0;
    double rate = pub > 0 ? (double)ir->done / pub : 0;
    if (ir->c->json) {
        json_t *o = json_object(), *bk = json_object();
        for (int k = PROTO_KIND_PROVIDER; k <= PROTO_KIND_REVOCATION; k++)
            json_object_set_new(bk, proto_kind_name(k), json_integer((json_int_t)ir->by_kind[k]));
        json_object_set_new(o, "file", json_string(ir->path));
        json_object_set_new(o, "records", json_integer((json_int_t)ir->reg.n));
        json_object_set_new(o, "refused", json_integer((json_int_t)ir->reg.refused_n));
        json_object_set_new(o, "skipped", json_integer((json_int_t)ir->skipped));
        json_object_set_new(o, "published", json_integer((json_int_t)ir->done));
        json_object_set_new(o, "published_by_kind", bk);
        json_object_set_new(o, "batches", json_integer((json_int_t)ir->batches));
        json_object_set_new(o, "dry_run", json_boolean(dry_run));
        json_object_set_new(o, "seconds", json_real(el));
        json_object_set_new(o, "records_per_s", json_real(rate));
        json_object_set_new(o, "refusals", refusals_json(ir));
        cli_json_print(o);
        json_decref(o);
        return;
    }
    if (dry_run) {
        printf("%s: %zu records valid, %zu already on the node, %zu to publish (dry run: nothing "
               "published)\n",
               ir->path, ir->reg.n, ir->skipped, ir->todo);
        return;
    }
    if (ir->done == 0 && ir->skipped == ir->reg.n) {
        printf("%s: all %zu records are already on the node: nothing to publish\n", ir->path,
               ir->reg.n);
        return;
    }
    printf("%s: published %zu records in %zu batches, %zu already on the node", ir->path, ir->done,
           ir->batches, ir->skipped);
    if (ir->reg.refused_n > 0)
        printf(", %zu lines refused and left out", ir->reg.refused_n);
    printf("\n");
    for (int k = PROTO_KIND_PROVIDER; k <= PROTO_KIND_REVOCATION; k++)
        if (ir->by_kind[k] > 0)
            cli_kv(12, proto_kind_name(k), "%zu", ir->by_kind[k]);
    cli_kv(12, "time", "%.2f s (publishing %.2f s)", el, pub);
    cli_kv(12, "rate", "%.0f records/s", rate);
}

int cmd_registry_import(cli *c, const cli_cmd *cmd, cli_args *a)
{
    import_run ir;
    uint8_t *buf = NULL;
    size_t len = 0;
    char why[512];
    bool dry = cli_optset(cmd, a, "dry-run"), skip_invalid = cli_optset(cmd, a, "skip-invalid");
    const char *fs = cli_optval(cmd, a, "format"), *bs = cli_optval(cmd, a, "batch");
    reg_format fmt;
    int rc;

    memset(&ir, 0, sizeof(ir));
    registry_init(&ir.reg);
    ir.c = c;
    ir.path = a->pos[0];
    ir.t0 = now_s();
    ir.batch_max = RN_APPEND_BATCH_RECORDS_MAX;
    ir.bar = !c->json && isatty(STDERR_FILENO);
    if (fs == NULL)
        fmt = registry_format_of(ir.path);
    else if (strcmp(fs, "jsonl") == 0)
        fmt = REG_FORMAT_JSONL;
    else if (strcmp(fs, "csv") == 0)
        fmt = REG_FORMAT_CSV;
    else
        return cli_usage(cmd, "--format: expected jsonl or csv");
    if (bs != NULL) {
        char *end;
        unsigned long long v = strtoull(bs, &end, 10);
        if (bs[0] < '0' || bs[0] > '9' || *end != '\0' || v == 0 || v > RN_APPEND_BATCH_RECORDS_MAX)
            return cli_usage(cmd, "--batch: expected 1 to %u records", RN_APPEND_BATCH_RECORDS_MAX);
        ir.batch_max = (size_t)v;
    }

    if ((rc = node_identity(&ir)) != CLI_OK)
        goto out;
    rc = cli_read_file(ir.path, (size_t)RN_REGISTRY_FILE_BYTES_MAX, &buf, &len, why, sizeof(why));
    if (rc < 0) {
        rc = cli_fail(rc == RN_ETOOBIG ? CLI_REFUSED : CLI_ERROR, "%s", why);
        goto out;
    }
    rc = registry_read(&ir.reg, buf, len, fmt, ir.country);
    free(buf);
    buf = NULL;
    if (rc == RN_ECOUNT) {
        rc = cli_fail(CLI_REFUSED, "%s: more than %u records", ir.path, RN_REGISTRY_RECORDS_MAX);
        goto out;
    }
    if (rc == 0)
        rc = registry_crossref(&ir.reg, node_knows, &ir);
    if (rc == RN_EIO) {
        rc = CLI_UNREACHABLE;
        goto out;
    }
    if (rc < 0) {
        rc = cli_fail(CLI_ERROR, "%s", rn_strerror(rc));
        goto out;
    }
    print_refusals(&ir);
    if (ir.reg.refused_n > 0 && !skip_invalid) {
        rc = cli_fail_rn(CLI_REFUSED, ir.reg.refusals[0].code, ir.reg.refusals[0].field, -1,
                         "%s: %zu of %u lines refused (each named above): nothing published "
                         "(--skip-invalid publishes the others)",
                         ir.path, ir.reg.refused_n, ir.reg.lines);
        goto out;
    }
    if ((rc = node_log_read(&ir)) != CLI_OK)
        goto out;
    if (registry_resume(&ir.reg, &ir.skipped) < 0) {
        rc = cli_fail(CLI_ERROR, "out of memory");
        goto out;
    }
    ir.todo = ir.reg.n - ir.skipped;
    if (!dry && ir.todo > 0)
        rc = publish_all(&ir);
    else
        rc = CLI_OK;
    if (rc == CLI_OK)
        summary(&ir, dry);
out:
    free(buf);
    registry_free(&ir.reg);
    return rc;
}
