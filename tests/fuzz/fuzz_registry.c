/*
 * fuzz_registry.c: libFuzzer harness for the readers of `recnetctl registry import`
 * (cli/registry.h): JSON Lines and CSV files that an authority's old registry exported, read
 * whole, then the cross-reference check and the resume comparison.
 *
 * The first byte picks the format (bit 0: CSV, else JSON Lines) and whether the node is said to
 * hold every reference (bit 1); the rest is the file. Beside not crashing, the harness checks that
 *  - every record read is valid: its body decodes as its kind and carries the country's prefix,
 *    its line is within the file, and its group's key is the record's;
 *  - every refusal has a line within the file (1 .. lines), a negative RN_E code with a name, and
 *    a message;
 *  - the cross-reference check only takes records away, keeps the file's order, and leaves each
 *    group's count equal to its records;
 *  - the records given back as the node's own log are all recognised as already there.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/registry.h"
#include "proto/limits.h"

static int knows_all(void *ctx, proto_kind kind, const char *id)
{
    (void)kind;
    (void)id;
    return *(const bool *)ctx ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 64u * 1024u)
        return 0;
    if (sodium_init() < 0)
        abort();
    reg_format fmt = (data[0] & 1u) != 0 ? REG_FORMAT_CSV : REG_FORMAT_JSONL;
    bool all = (data[0] & 2u) != 0;
    registry r;
    proto_record *rec = malloc(sizeof(*rec));
    RN_ASSERT(rec != NULL);
    registry_init(&r);
    int rc = registry_read(&r, data + 1, size - 1, fmt, "IE");
    RN_ASSERT(rc == 0);
    for (size_t i = 0; i < r.refused_n; i++) {
        const reg_refusal *f = &r.refusals[i];
        RN_ASSERT(f->line >= 1 && f->line <= r.lines);
        RN_ASSERT(f->code < 0 && rn_err_name(f->code) != NULL && f->message[0] != '\0');
    }
    uint32_t prev_line = 0;
    for (size_t i = 0; i < r.n; i++) {
        const reg_record *x = &r.recs[i];
        char key[REG_KEY_BYTES];
        RN_ASSERT(x->line >= 1 && x->line <= r.lines && x->line > prev_line);
        prev_line = x->line;
        RN_ASSERT(proto_record_decode(rec, x->kind, x->body, x->body_len, NULL) == 0);
        RN_ASSERT(proto_record_check_author(rec, "IE", NULL) == 0);
        registry_key(rec, key);
        RN_ASSERT(x->group < r.groups_n && strcmp(r.groups[x->group].key, key) == 0);
    }
    size_t before = r.n;
    RN_ASSERT(registry_crossref(&r, knows_all, &all) == 0);
    RN_ASSERT(r.n <= before);
    if (all)
        RN_ASSERT(r.n == before);
    prev_line = 0;
    for (size_t i = 0; i < r.n; i++) {
        RN_ASSERT(r.recs[i].line > prev_line);
        prev_line = r.recs[i].line;
        RN_ASSERT(registry_node_version(&r, r.recs[i].kind, r.recs[i].body, r.recs[i].body_len) ==
                  0);
    }
    for (size_t g = 0; g < r.groups_n; g++) {
        uint32_t n = 0;
        for (size_t i = 0; i < r.n; i++)
            n += r.recs[i].group == g;
        RN_ASSERT(r.groups[g].file_n == n);
    }
    size_t skipped = 0;
    RN_ASSERT(registry_resume(&r, &skipped) == 0);
    RN_ASSERT(skipped == r.n);
    registry_free(&r);
    free(rec);
    return 0;
}
