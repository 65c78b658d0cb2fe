/*
 * ld_jcs_test.c: the JSON Canonicalization Scheme (cred/jcs.h) against the examples of
 * RFC 8785: the sample of section 3.2.2, the sorting example of section 3.2.3, and the
 * IEEE 754 number table of Appendix B (each double given by its bits). Then the limits: a
 * depth one past CRED_JCS_DEPTH_MAX, and an output bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "cred/jcs.h"

static char *jcs(const char *json)
{
    json_error_t e;
    json_t *v = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
    assert_non_null(v);
    cred_buf b;
    cred_buf_init(&b, 1 << 20);
    assert_int_equal(cred_jcs_write(v, &b), 0);
    json_decref(v);
    return b.data; /* owned by the caller */
}

/* RFC 8785 section 3.2.2. */
static void test_rfc_sample(void **state)
{
    (void)state;
    char *got = jcs("{\n  \"numbers\": [333333333.33333329, 1E30, 4.50,\n"
                    "              2e-3, 0.000000000000000000000000001],\n"
                    "  \"string\": \"\\u20ac$\\u000F\\u000aA'\\u0042\\u0022\\u005c\\\\\\\"\\/\",\n"
                    "  \"literals\": [null, true, false]\n}");
    assert_string_equal(got, "{\"literals\":[null,true,false],\"numbers\":[333333333.3333333,"
                             "1e+30,4.5,0.002,1e-27],\"string\":\"\xe2\x82\xac$\\u000f\\nA'B"
                             "\\\"\\\\\\\\\\\"/\"}");
    free(got);
}

/* RFC 8785 section 3.2.3: members sorted by UTF-16 code units. */
static void test_rfc_sorting(void **state)
{
    (void)state;
    char *got = jcs("{\"\\u20ac\": \"Euro Sign\", \"\\r\": \"Carriage Return\", \"\\ufb33\": "
                    "\"Hebrew Letter Dalet With Dagesh\", \"1\": \"One\", \"\\ud83d\\ude00\": "
                    "\"Emoji: Grinning Face\", \"\\u0080\": \"Control\", \"\\u00f6\": "
                    "\"Latin Small Letter O With Diaeresis\"}");
    assert_string_equal(got,
                        "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\xc2\x80\":\"Control\","
                        "\"\xc3\xb6\":\"Latin Small Letter O With Diaeresis\",\"\xe2\x82\xac\":"
                        "\"Euro Sign\",\"\xf0\x9f\x98\x80\":\"Emoji: Grinning Face\","
                        "\"\xef\xac\xb3\":\"Hebrew Letter Dalet With Dagesh\"}");
    free(got);
}

/* RFC 8785 Appendix B. */
static const struct {
    uint64_t bits;
    const char *text;
} NUMBERS[] = {
    { 0x0000000000000000, "0" },
    { 0x8000000000000000, "0" },
    { 0x0000000000000001, "5e-324" },
    { 0x8000000000000001, "-5e-324" },
    { 0x7fefffffffffffff, "1.7976931348623157e+308" },
    { 0xffefffffffffffff, "-1.7976931348623157e+308" },
    { 0x4340000000000000, "9007199254740992" },
    { 0xc340000000000000, "-9007199254740992" },
    { 0x4430000000000000, "295147905179352830000" },
    { 0x44b52d02c7e14af5, "9.999999999999997e+22" },
    { 0x44b52d02c7e14af6, "1e+23" },
    { 0x44b52d02c7e14af7, "1.0000000000000001e+23" },
    { 0x444b1ae4d6e2ef4e, "999999999999999700000" },
    { 0x444b1ae4d6e2ef4f, "999999999999999900000" },
    { 0x444b1ae4d6e2ef50, "1e+21" },
    { 0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7" },
    { 0x3eb0c6f7a0b5ed8d, "0.000001" },
    { 0x41b3de4355555553, "333333333.3333332" },
    { 0x41b3de4355555554, "333333333.33333325" },
    { 0x41b3de4355555555, "333333333.3333333" },
    { 0x41b3de4355555556, "333333333.3333334" },
    { 0x41b3de4355555557, "333333333.33333343" },
    { 0xbecbf647612f3696, "-0.0000033333333333333333" },
    { 0x43143ff3c1cb0959, "1424953923781206.2" },
};

static void test_rfc_numbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(NUMBERS) / sizeof(NUMBERS[0]); i++) {
        double d;
        memcpy(&d, &NUMBERS[i].bits, sizeof(d));
        char buf[CRED_JCS_NUMBER_CHARS];
        assert_int_equal(cred_jcs_number(d, buf), 0);
        if (strcmp(buf, NUMBERS[i].text) != 0)
            printf("%016llx: %s\n", (unsigned long long)NUMBERS[i].bits, buf);
        assert_string_equal(buf, NUMBERS[i].text);
    }
    uint64_t nan = 0x7fffffffffffffff, inf = 0x7ff0000000000000;
    double d;
    char buf[CRED_JCS_NUMBER_CHARS];
    memcpy(&d, &nan, sizeof(d));
    assert_int_equal(cred_jcs_number(d, buf), RN_EINVAL);
    memcpy(&d, &inf, sizeof(d));
    assert_int_equal(cred_jcs_number(d, buf), RN_EINVAL);
    /* Integers are written as the doubles they denote. */
    char *got = jcs("[9007199254740993, -12, 100, 1.0]");
    assert_string_equal(got, "[9007199254740992,-12,100,1]");
    free(got);
}

static void test_limits(void **state)
{
    (void)state;
    json_t *v = json_array(), *inner = v;
    for (unsigned i = 0; i < CRED_JCS_DEPTH_MAX; i++) {
        json_t *a = json_array();
        json_array_append_new(inner, a);
        inner = a;
    }
    cred_buf b;
    cred_buf_init(&b, 1 << 20);
    assert_int_equal(cred_jcs_write(v, &b), 0); /* depth CRED_JCS_DEPTH_MAX */
    json_array_append_new(inner, json_array());
    b.len = 0;
    assert_int_equal(cred_jcs_write(v, &b), RN_ETOOBIG);
    assert_int_equal(b.len, 0);
    cred_buf_free(&b);
    json_decref(v);
    cred_buf_init(&b, 8);
    v = json_pack("{s:s}", "key", "a value longer than eight bytes");
    assert_int_equal(cred_jcs_write(v, &b), RN_ETOOBIG);
    assert_int_equal(b.len, 0);
    cred_buf_free(&b);
    json_decref(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc_sample),
        cmocka_unit_test(test_rfc_sorting),
        cmocka_unit_test(test_rfc_numbers),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
