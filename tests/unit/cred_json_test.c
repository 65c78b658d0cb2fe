/*
 * cred_json_test.c: the JSON reader of cred/json.h against its reference model, jansson's
 * json_loadb(JSON_REJECT_DUPLICATES): on every fixture and shipped context, on a table of texts
 * at each rule of the grammar (both must refuse or both read the same value), at the depth bound
 * and one past it, and on random texts and their mutations (byte flips, insertions, deletions,
 * cuts). "The same value" is json_equal and the same compact serialization, so that integers and
 * reals and the order of members are compared too.
 *
 * Reproducing a random failure: it prints its seed; RN_SEED=<n> runs that seed alone.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cred/json.h"
#include "tests/support/rng.h"

#define FILES_MAX      2000 /* fixture files read, at most */
#define FILE_BYTES_MAX (4u << 20)
#define RANDOM_TEXTS   3000 /* random texts per seed, each mutated MUTATIONS times */
#define MUTATIONS      8
#define SEEDS_DEFAULT  4
#define BUDGET_S       20 /* no further seed starts after this many seconds */

/* jansson's one known leniency (json.h): a NUL byte right after a number or a literal is read
 * as nothing. The text without such bytes, into out (len bytes); its length. */
static size_t drop_nuls(const char *buf, size_t len, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t prev = i > 0 ? (uint8_t)buf[i - 1] : 0;
        bool alnum = (prev >= '0' && prev <= '9') || (prev >= 'a' && prev <= 'z') ||
                     (prev >= 'A' && prev <= 'Z');
        if (buf[i] != '\0' || !alnum)
            out[k++] = buf[i];
    }
    return k;
}

/* Both readers on buf: 1 when both read it (the same value), 0 when both refuse, and a
 * failure naming the text otherwise. */
static int agree(const char *buf, size_t len, const char *what)
{
    json_error_t je;
    json_t *ref = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    json_t *got = NULL;
    char why[160] = "";
    int rc = cred_json_loadb(buf, len, &got, why, sizeof(why));
    if (ref != NULL && rc != 0 && memchr(buf, '\0', len) != NULL) {
        /* Refused for a NUL that jansson drops: the text without it reads as jansson's value. */
        char *clean = malloc(len + 1);
        assert_non_null(clean);
        size_t n = drop_nuls(buf, len, clean);
        assert_true(n < len);
        assert_int_equal(cred_json_loadb(clean, n, &got, NULL, 0), 0);
        assert_true(json_equal(ref, got));
        free(clean);
        json_decref(ref);
        json_decref(got);
        return 0;
    }
    if ((ref == NULL) != (rc != 0)) {
        fprintf(stderr, "%s: jansson %s (%s), cred_json_loadb %s (%s): %.*s\n", what,
                ref ? "reads" : "refuses", ref ? "" : je.text, rc == 0 ? "reads" : "refuses", why,
                (int)(len < 300 ? len : 300), buf);
        for (size_t i = 0; i < len && i < 300; i++)
            fprintf(stderr, "%02x%s", (uint8_t)buf[i], i + 1 < len ? " " : "\n");
        fail();
    }
    if (ref == NULL) {
        assert_int_equal(rc, RN_EMALFORMED);
        assert_null(got);
        assert_true(strstr(why, " at byte ") != NULL);
        return 0;
    }
    char *a = json_dumps(ref, JSON_COMPACT | JSON_ENCODE_ANY);
    char *b = json_dumps(got, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!json_equal(ref, got) || strcmp(a, b) != 0) {
        fprintf(stderr, "%s: different values:\n  jansson %.300s\n  cred    %.300s\n", what, a, b);
        fail();
    }
    free(a);
    free(b);
    json_decref(ref);
    json_decref(got);
    return 1;
}

/* ---- fixtures ---- */

static size_t files_seen, files_read;

static void walk(const char *dir, unsigned level)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL && files_seen < FILES_MAX) {
        char path[1024];
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        bool json = (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0) ||
                    (n > 7 && strcmp(e->d_name + n - 7, ".jsonld") == 0);
        if (!json) {
            DIR *sub = level < 6 ? opendir(path) : NULL;
            if (sub != NULL) {
                closedir(sub);
                walk(path, level + 1);
            }
            continue;
        }
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        char *buf = malloc(FILE_BYTES_MAX);
        assert_non_null(buf);
        size_t len = fread(buf, 1, FILE_BYTES_MAX, f);
        fclose(f);
        files_seen++;
        files_read += (size_t)agree(buf, len, path);
        free(buf);
    }
    closedir(d);
}

static void test_fixtures(void **state)
{
    (void)state;
    walk(RN_FIXTURES, 0);
    walk(RN_SOURCE_DIR "/cred/contexts", 0);
    /* The fixtures hold hundreds of JSON documents (the suites, the samples), a few of them
     * negative tests that both readers refuse. */
    assert_true(files_read > 500);
    assert_true(files_seen - files_read < files_seen / 4);
}

/* ---- the grammar, rule by rule ---- */

static void test_table(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int reads; /* 1 read, 0 refused (by both) */
    } cases[] = {
        { "{}", 1 },
        { "[]", 1 },
        { " \t\r\n{ } \n", 1 },
        { "", 0 },
        { "   ", 0 },
        { "1", 0 },
        { "\"a\"", 0 },
        { "true", 0 },
        { "null", 0 },
        { "\xef\xbb\xbf{}", 0 },
        { "{} x", 0 },
        { "{}{}", 0 },
        { "[1,]", 0 },
        { "[,1]", 0 },
        { "{\"a\":1,}", 0 },
        { "{\"a\" 1}", 0 },
        { "{a:1}", 0 },
        { "{1:1}", 0 },
        { "[1 2]", 0 },
        { "[", 0 },
        { "{\"a\":", 0 },
        { "[true,false,null]", 1 },
        { "[tru]", 0 },
        { "[truex]", 0 },
        { "[True]", 0 },
        { "[nul]", 0 },
        { "[\"\f\"]", 0 },
        { "[\"\x7f\"]", 1 },
        /* numbers */
        { "[0,-0,1,-1,10,1.5,-0.0,1e2,1E+2,1e-2,0.5e1]", 1 },
        { "[01]", 0 },
        { "[-01]", 0 },
        { "[-]", 0 },
        { "[+1]", 0 },
        { "[.5]", 0 },
        { "[1.]", 0 },
        { "[1.e2]", 0 },
        { "[1e]", 0 },
        { "[1e+]", 0 },
        { "[0x10]", 0 },
        { "[9223372036854775807,-9223372036854775808]", 1 },
        { "[9223372036854775808]", 0 },
        { "[-9223372036854775809]", 0 },
        { "[99999999999999999999]", 0 },
        { "[1e308,1e-400,-1e-400]", 1 },
        { "[1e309]", 0 },
        { "[-1e309]", 0 },
        { "[3.14159265358979323846264338327950288419716939937510582097494459230781640628]", 1 },
        { "[1.7976931348623157e308,4.9e-324,2.2250738585072014e-308]", 1 },
        /* strings and escapes */
        { "[\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"]", 1 },
        { "[\"\\x\"]", 0 },
        { "[\"\\'\"]", 0 },
        { "[\"\\u00e9\\u20AC\\uffff\"]", 1 },
        { "[\"\\u12\"]", 0 },
        { "[\"\\u12G4\"]", 0 },
        { "[\"\\u0000\"]", 0 },
        { "{\"\\u0000\":1}", 0 },
        { "[\"\\ud83d\\ude00\"]", 1 },
        { "[\"\\uD834\\uDD1E\"]", 1 },
        { "[\"\\ud800\"]", 0 },
        { "[\"\\ud800x\"]", 0 },
        { "[\"\\ud800\\u0041\"]", 0 },
        { "[\"\\ud800\\ud800\"]", 0 },
        { "[\"\\udc00\"]", 0 },
        { "[\"\\ud800\\u12\"]", 0 },
        { "[\"a", 0 },
        { "[\"a\\", 0 },
        { "[\"a\\u00", 0 },
        /* UTF-8 */
        { "[\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"]", 1 },
        { "[\"\xc0\x80\"]", 0 },
        { "[\"\xc1\xbf\"]", 0 },
        { "[\"\xe0\x9f\xbf\"]", 0 },
        { "[\"\xed\xa0\x80\"]", 0 },
        { "[\"\xf0\x8f\xbf\xbf\"]", 0 },
        { "[\"\xf4\x90\x80\x80\"]", 0 },
        { "[\"\xf5\x80\x80\x80\"]", 0 },
        { "[\"\x80\"]", 0 },
        { "[\"\xc3\"]", 0 },
        { "[\"\xe2\x82\"]", 0 },
        { "[\"\xc3", 0 },
        { "[\"\xc3(\"]", 0 },
        { "[\xc3\xa9]", 0 },
        /* members: duplicates (also spelled with escapes), order, names decoded while values
         * with escapes are read inside them */
        { "{\"a\":1,\"b\":2}", 1 },
        { "{\"b\":1,\"a\":2,\"c\":3}", 1 },
        { "{\"a\":1,\"a\":1}", 0 },
        { "{\"a\":1,\"\\u0061\":2}", 0 },
        { "{\"\":1,\"\":2}", 0 },
        { "{\"\":1}", 1 },
        { "{\"a\":{\"a\":1}}", 1 },
        { "{\"\\u00e9\\n\":{\"\\t\\u00e8\":\"\\u00e0\\\"\",\"x\":[\"\\\\\"]},\"\\u00e9\":2}", 1 },
        { "{\"\\u00e9\\n\":{\"\\t\":\"\\u00e0\"},\"\\u00e9\\n\":2}", 0 },
        { "{\"k\\u0031\":{\"k\\u0032\":{\"k\\u0033\":\"v\\u0034\"}},\"k1\":0}", 0 },
        { "{\"k\\u0031\":{\"k\\u0032\":{\"k\\u0033\":\"v\\u0034\"}},\"k2\":0}", 1 },
        { "[\"\\u0041\",\"B\\n\",{\"\\u0043\":\"\\u0044\"}]", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = strlen(cases[i].text);
        char what[64];
        snprintf(what, sizeof(what), "case %zu", i);
        assert_int_equal(agree(cases[i].text, len, what), cases[i].reads);
    }
    /* NUL bytes inside a string and after the value */
    assert_int_equal(agree("[\"a\0b\"]", 7, "NUL in a string"), 0);
    assert_int_equal(agree("[1]\0", 4, "NUL after the value"), 0);
    /* jansson reads a NUL right after a number or a literal as nothing; this reader refuses it
     * (agree checks that it is the only difference). */
    static const char *const dropped[] = { "[1\0]", "[true\0,1.5\0]", "{\"a\":null\0}" };
    static const size_t dropped_len[] = { 4, 12, 11 };
    for (size_t i = 0; i < 3; i++) {
        json_t *v = (json_t *)1;
        json_t *ref = json_loadb(dropped[i], dropped_len[i], JSON_REJECT_DUPLICATES, NULL);
        assert_non_null(ref);
        json_decref(ref);
        assert_int_equal(cred_json_loadb(dropped[i], dropped_len[i], &v, NULL, 0), RN_EMALFORMED);
        assert_null(v);
        assert_int_equal(agree(dropped[i], dropped_len[i], "a NUL jansson drops"), 0);
    }
}

static void test_messages(void **state)
{
    (void)state;
    json_t *v = (json_t *)1;
    char why[120];
    assert_int_equal(cred_json_loadb("{\"a\":1, \"a\":2}", 15, &v, why, sizeof(why)),
                     RN_EMALFORMED);
    assert_null(v);
    assert_string_equal(why, "duplicate member \"a\" at byte 8");
    assert_int_equal(cred_json_loadb("[\"\\ud800\"]", 10, &v, why, sizeof(why)), RN_EMALFORMED);
    assert_string_equal(why, "a high surrogate escape without its low surrogate at byte 2");
    assert_int_equal(cred_json_loadb("[1] x", 5, &v, why, 8), RN_EMALFORMED); /* cut */
    assert_int_equal(strlen(why), 7);
    assert_int_equal(cred_json_loadb("[1]", 3, &v, NULL, 0), 0);
    assert_true(json_is_array(v));
    json_decref(v);
}

/* The depth bound, counting the innermost scalar, at the bound and one past it. */
static char *nested(size_t n, const char *mid, size_t *len)
{
    size_t m = strlen(mid);
    char *b = malloc(2 * n + m + 1);
    assert_non_null(b);
    memset(b, '[', n);
    memcpy(b + n, mid, m);
    memset(b + n + m, ']', n);
    *len = 2 * n + m;
    b[*len] = '\0';
    return b;
}

static void test_depth(void **state)
{
    (void)state;
    static const struct {
        size_t arrays;
        const char *mid;
        int reads;
    } cases[] = {
        { CRED_JSON_DEPTH_MAX, "", 1 },
        { CRED_JSON_DEPTH_MAX + 1, "", 0 },
        { CRED_JSON_DEPTH_MAX - 1, "1", 1 },
        { CRED_JSON_DEPTH_MAX, "1", 0 },
        { CRED_JSON_DEPTH_MAX - 1, "{}", 1 },
        { CRED_JSON_DEPTH_MAX - 1, "{\"a\":1}", 0 },
        { 100000, "", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len;
        char *b = nested(cases[i].arrays, cases[i].mid, &len);
        assert_int_equal(agree(b, len, "depth"), cases[i].reads);
        free(b);
    }
}

/* ---- random texts and their mutations ---- */

static uint64_t rng;

static uint32_t next(void)
{
    return (uint32_t)(test_rng_next(&rng) >> 32);
}

typedef struct text {
    char *b;
    size_t n, cap;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->n + n + 1 > t->cap) {
        t->cap = (t->n + n + 1) * 2;
        t->b = realloc(t->b, t->cap);
        assert_non_null(t->b);
    }
    memcpy(t->b + t->n, s, n);
    t->n += n;
}

static void puts_(text *t, const char *s)
{
    put(t, s, strlen(s));
}

static void ws(text *t)
{
    static const char *const w[] = { "", "", "", " ", "\n", "\t", "\r\n  " };
    puts_(t, w[next() % 7]);
}

/* A string from a small alphabet in which names repeat, with escapes and UTF-8 of each length. */
static void rand_string(text *t)
{
    static const char *const parts[] = { "a",
                                         "b",
                                         "id",
                                         "type",
                                         "\\u0061",
                                         "\\n",
                                         "\\\"",
                                         "\\/",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\\u00e9",
                                         "\\ud83d\\ude00",
                                         " ",
                                         "\\\\",
                                         "\\u20ac" };
    puts_(t, "\"");
    unsigned n = next() % 4;
    for (unsigned i = 0; i < n; i++)
        puts_(t, parts[next() % (sizeof(parts) / sizeof(parts[0]))]);
    puts_(t, "\"");
}

static void rand_value(text *t, unsigned depth)
{
    static const char *const scalars[] = { "0",
                                           "-0",
                                           "1",
                                           "-17",
                                           "1.5",
                                           "-2.5e-3",
                                           "1E3",
                                           "true",
                                           "false",
                                           "null",
                                           "1e400",
                                           "01",
                                           "9223372036854775807",
                                           "9223372036854775808" };
    unsigned k = next() % (depth > 6 ? 3 : 6);
    if (k == 0) {
        puts_(t, scalars[next() % (sizeof(scalars) / sizeof(scalars[0]))]);
    } else if (k <= 2) {
        rand_string(t);
    } else if (k <= 3) {
        unsigned n = next() % 5;
        puts_(t, "[");
        for (unsigned i = 0; i < n; i++) {
            ws(t);
            rand_value(t, depth + 1);
            ws(t);
            if (i + 1 < n)
                puts_(t, ",");
        }
        puts_(t, "]");
    } else {
        unsigned n = next() % 5;
        puts_(t, "{");
        for (unsigned i = 0; i < n; i++) {
            ws(t);
            rand_string(t);
            ws(t);
            puts_(t, ":");
            ws(t);
            rand_value(t, depth + 1);
            if (i + 1 < n)
                puts_(t, ",");
        }
        puts_(t, "}");
    }
}

static void mutate(text *t)
{
    static const char bytes[] = "{}[]\",:\\u0e-.1 \x80\xc3\xed\xf4\x00\x1f";
    if (t->n == 0)
        return;
    size_t at = next() % t->n;
    switch (next() % 4) {
    case 0: /* change a byte */
        t->b[at] = next() % 3 == 0 ? (char)(next() & 0xff) : bytes[next() % (sizeof(bytes) - 1)];
        break;
    case 1: /* insert a byte */
        put(t, " ", 1);
        memmove(t->b + at + 1, t->b + at, t->n - at - 1);
        t->b[at] = bytes[next() % (sizeof(bytes) - 1)];
        break;
    case 2: /* delete a byte */
        memmove(t->b + at, t->b + at + 1, t->n - at - 1);
        t->n--;
        break;
    default: /* cut */
        t->n = at;
        break;
    }
}

static void test_random(void **state)
{
    (void)state;
    const char *env = getenv("RN_SEED");
    uint64_t first = env != NULL ? strtoull(env, NULL, 10) : 1;
    unsigned seeds = env != NULL ? 1 : SEEDS_DEFAULT;
    time_t t0 = time(NULL);
    size_t read = 0, refused = 0;
    for (unsigned s = 0; s < seeds && time(NULL) - t0 < BUDGET_S; s++) {
        uint64_t seed = first + s;
        rng = seed;
        fprintf(stderr, "cred_json_test: seed %llu\n", (unsigned long long)seed);
        for (unsigned i = 0; i < RANDOM_TEXTS; i++) {
            text t = { 0 };
            ws(&t);
            if (next() % 2)
                rand_value(&t, 6); /* any value, mostly objects and arrays below */
            else {
                puts_(&t, "{");
                rand_string(&t);
                puts_(&t, ":");
                rand_value(&t, 0);
                puts_(&t, "}");
            }
            ws(&t);
            char what[80];
            snprintf(what, sizeof(what), "seed %llu text %u (RN_SEED=%llu to replay)",
                     (unsigned long long)seed, i, (unsigned long long)seed);
            int r = agree(t.b, t.n, what);
            read += (size_t)r;
            refused += (size_t)!r;
            for (unsigned m = 0; m < MUTATIONS; m++) {
                mutate(&t);
                r = agree(t.b, t.n, what);
                read += (size_t)r;
                refused += (size_t)!r;
            }
            free(t.b);
        }
    }
    /* Both outcomes are exercised, many times each. */
    assert_true(read > 1000);
    assert_true(refused > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures), cmocka_unit_test(test_table),
        cmocka_unit_test(test_messages), cmocka_unit_test(test_depth),
        cmocka_unit_test(test_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
