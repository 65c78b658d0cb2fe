/*
 * gen_corpus_ctl.c: writes the seed corpus of fuzz_ctl.c (the control API's codec) into
 * tests/fuzz/corpus/ctl/.
 *
 * Valid inputs of every shape, so that the fuzzer starts past the checks it would otherwise spend
 * its time on: a request of every method of the table (each parameter of its type, optional ones
 * given and left out), a result and an error response of each shape (the node's spelling, a map
 * in another order with an unknown key, a code in each signed form), and broken variants of
 * each (truncated, a trailing byte, a wrong type, a non-canonical code, an error with a result).
 * Deterministic: the same bytes on every run.
 *
 * Not run by the tests. Regenerate with `make corpus` (or
 *     build/tests/fuzz/gen_corpus_ctl tests/fuzz/corpus/ctl)
 * and commit the result; see tests/fuzz/README.md.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ctl.h"

static const char *dir;

static void die(const char *what)
{
    fprintf(stderr, "gen_corpus_ctl: %s\n", what);
    exit(1);
}

static void write_file(const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        die("path too long");
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
        die(path);
}

/* Writes `name`, and its broken variants: one byte short and one trailing byte. */
static void seed(const char *name, const mp_buf *b)
{
    char n2[160];
    uint8_t *more = malloc(b->len + 1);
    if (mp_buf_err(b) != 0 || more == NULL)
        die("buffer");
    write_file(name, b->data, b->len);
    snprintf(n2, sizeof(n2), "broken-short-%s", name);
    write_file(n2, b->data, b->len - 1);
    memcpy(more, b->data, b->len);
    more[b->len] = 0xc0;
    snprintf(n2, sizeof(n2), "broken-trailing-%s", name);
    write_file(n2, more, b->len + 1);
    free(more);
}

static void put_param(mp_buf *b, const ctl_param *p)
{
    static const uint8_t key[32] = { 0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                     0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66 };
    switch (p->type) {
    case CTL_T_STR:
        mp_put_cstr(b, strcmp(p->name, "country") == 0   ? "FR"
                       : strcmp(p->name, "purpose") == 0 ? "further_study"
                       : strcmp(p->name, "kind") == 0    ? "spec"
                                                         : "IE:uniz/mc-c012");
        break;
    case CTL_T_BIN:
        mp_put_bin(b, key, 32);
        break;
    case CTL_T_UINT:
        mp_put_uint(b, 1740787200000ull);
        break;
    case CTL_T_MAP:
        mp_put_map(b, 1);
        mp_put_cstr(b, strcmp(p->name, "claim") == 0 ? "spec" : "country");
        mp_put_cstr(b, strcmp(p->name, "claim") == 0 ? "IE:uniz/mc-c012" : "IE");
        break;
    case CTL_T_ARRAY:
        mp_put_array(b, 2);
        mp_put_cstr(b, "IE:uniz/mc-c012");
        mp_put_cstr(b, "IE:uniz/mc-c013");
        break;
    case CTL_T_KEY:
        mp_put_bin(b, key, 32);
        break;
    case CTL_T_NONE:
    default:
        die("parameter type");
    }
}

int main(int argc, char **argv)
{
    mp_buf b;
    char name[128];
    if (argc != 2)
        die("usage: gen_corpus_ctl DIR");
    dir = argv[1];
    mp_buf_init(&b, 1u << 16);

    /* Requests: every method with all its parameters, and with the required ones only. */
    for (int i = 0; i < CTL_M_COUNT; i++) {
        const ctl_method *m = ctl_method_get((ctl_method_id)i);
        uint32_t counts[2] = { ctl_params_max(m), ctl_params_min(m) };
        for (int k = 0; k < (counts[0] == counts[1] ? 1 : 2); k++) {
            mp_buf_reset(&b);
            ctl_request_begin(&b, (uint32_t)i + 1u, m, counts[k]);
            for (uint32_t j = 0; j < counts[k]; j++)
                put_param(&b, &m->params[j]);
            snprintf(name, sizeof(name), "req-%s-%u", m->name, counts[k]);
            seed(name, &b);
        }
    }
    /* Requests with a parameter nil, of the wrong type, and an unknown method. */
    mp_buf_reset(&b);
    ctl_request_begin(&b, 5, ctl_method_get(CTL_M_SEARCH), 4);
    for (int j = 0; j < 4; j++)
        mp_put_nil(&b);
    seed("req-search-nils", &b);
    mp_buf_reset(&b);
    ctl_request_begin(&b, 6, ctl_method_get(CTL_M_ENTRY), 1);
    mp_put_uint(&b, 3);
    write_file("broken-req-entry-uint", b.data, b.len);
    mp_buf_reset(&b);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 0);
    mp_put_uint(&b, 7);
    mp_put_cstr(&b, "recognize");
    mp_put_array(&b, 0);
    write_file("broken-req-unknown-method", b.data, b.len);

    /* Results. */
    mp_buf_reset(&b);
    ctl_response_begin(&b, 1);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "seq");
    mp_put_uint(&b, 3);
    mp_put_cstr(&b, "id");
    mp_put_bin(&b, "0123456789abcdef0123456789abcdef", 32);
    seed("resp-result-map", &b);
    mp_buf_reset(&b);
    ctl_response_begin(&b, 2);
    mp_put_array(&b, 2);
    mp_put_bin(&b, "entry", 5);
    mp_put_bool(&b, true);
    seed("resp-result-array", &b);

    /* Errors: a code in each signed form, with and without field and index. */
    static const int codes[] = { RN_ENOMEM, RN_EEQF, RN_ECORRUPT };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        ctl_error e;
        mp_buf_reset(&b);
        if (i % 2 == 0) {
            ctl_error_set(&e, codes[i], NULL);
        } else {
            ctl_error_msg(&e, codes[i], "outcomes", "a message");
            e.has_index = true;
            e.index = 3;
        }
        ctl_response_error(&b, 3, &e);
        snprintf(name, sizeof(name), "resp-error-%s", rn_err_name(codes[i]));
        seed(name, &b);
    }
    /* An error map in another order, with a key the decoder does not know. */
    static const uint8_t other_order[] = { 0x94, 0x01, 0x04, 0x83, 0xa4, 'c',  'o',  'd',
                                           'e',  0xe6, 0xa3, 'n',  'e',  'w',  0x91, 0x01,
                                           0xa4, 'n',  'a',  'm',  'e',  0xa1, 'x',  0xc0 };
    write_file("resp-error-other-order", other_order, sizeof(other_order));
    /* Broken: a code in a longer form, a code >= 0, an error with a result, no code. */
    static const uint8_t long_code[] = { 0x94, 0x01, 0x04, 0x81, 0xa4, 'c', 'o',
                                         'd',  'e',  0xd1, 0xff, 0xe6, 0xc0 };
    static const uint8_t zero_code[] = { 0x94, 0x01, 0x04, 0x81, 0xa4, 'c',
                                         'o',  'd',  'e',  0x00, 0xc0 };
    static const uint8_t with_result[] = { 0x94, 0x01, 0x04, 0x81, 0xa4, 'c',
                                           'o',  'd',  'e',  0xe6, 0x01 };
    static const uint8_t no_code[] = { 0x94, 0x01, 0x04, 0x81, 0xa4, 'n',
                                       'a',  'm',  'e',  0xa1, 'x',  0xc0 };
    write_file("broken-resp-long-code", long_code, sizeof(long_code));
    write_file("broken-resp-zero-code", zero_code, sizeof(zero_code));
    write_file("broken-resp-error-with-result", with_result, sizeof(with_result));
    write_file("broken-resp-no-code", no_code, sizeof(no_code));
    mp_buf_free(&b);
    return 0;
}
