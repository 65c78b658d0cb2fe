/*
 * openapi_test.c: the OpenAPI document the gateway serves (api/openapi.h) against the gateway's
 * route table (api/route.h): every route and every one of the gateway's own paths is documented
 * under its HTTP method, and every documented path is one of them; each route documents every
 * parameter of its control method (path segments in the path, the others in the query; the map
 * parameters, a search filter and a verify claim, are given otherwise), and `at` on every method
 * that takes it; every $ref resolves; and the error object requires the control API's name,
 * message and field. tests/integration/openapi.sh holds a live node's answers to the schemas.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/openapi.h"
#include "api/export.h"
#include "api/route.h"
#include "proto/ctl.h"

static json_t *doc_load(void)
{
    json_error_t err;
    json_t *doc = json_loadb(api_openapi_json, api_openapi_json_len, 0, &err);
    if (doc == NULL)
        fail_msg("openapi.json: line %d: %s", err.line, err.text);
    return doc;
}

/* The documented path of a route: its prefix, then {name} for each segment. */
static void route_template(const api_route *r, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%s", r->path);
    for (uint32_t k = 0; k < r->segs; k++)
        n += snprintf(out + n, cap - (size_t)n, "%s{%s}", k == 0 ? "" : "/", r->seg[k]);
}

static const char *lower(const char *m)
{
    return strcmp(m, "POST") == 0 ? "post" : strcmp(m, "GET") == 0 ? "get" : m;
}

/* The operation's parameter `name`, or NULL. */
static json_t *param_of(json_t *op, const char *name)
{
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(op, "parameters"), i, p)
    {
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    }
    return NULL;
}

static void test_routes_documented(void **state)
{
    (void)state;
    json_t *doc = doc_load();
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    json_t *paths = json_object_get(doc, "paths");
    assert_non_null(paths);
    size_t routes = 0;
    for (const api_route *r; (r = api_route_at(routes)) != NULL; routes++) {
        char t[128];
        route_template(r, t, sizeof(t));
        json_t *item = json_object_get(paths, t);
        if (item == NULL)
            fail_msg("route %s %s is not documented", r->method, t);
        json_t *op = json_object_get(item, lower(r->method));
        if (op == NULL || json_object_size(item) != 1)
            fail_msg("%s: not documented under %s alone", t, r->method);
        const ctl_method *m = ctl_method_get(r->id);
        for (uint32_t i = 0; i < ctl_params_max(m); i++) {
            const ctl_param *cp = &m->params[i];
            if (cp->type == CTL_T_MAP)
                continue;
            /* GET /v1/spec/{id} is the record method with the kind fixed: spec (api/export.h). */
            if (strcmp(r->path, API_EXPORT_ROUTE) == 0 && strcmp(cp->name, "kind") == 0)
                continue;
            /* POST /v1/verify runs the verifier (api/verifier.h), whose checks are valid at the
             * credential's own issue date and whose recognition is as of `at`: it takes no
             * valid_at (PROTOCOL.md 14.4's V is the control API's alone). */
            if (r->id == CTL_M_VERIFY && strcmp(cp->name, "valid_at") == 0)
                continue;
            json_t *p = param_of(op, cp->name);
            if (p == NULL)
                fail_msg("%s: parameter %s of %s is not documented", t, cp->name, m->name);
            bool in_path = false;
            for (uint32_t k = 0; k < r->segs; k++)
                in_path = in_path || strcmp(r->seg[k], cp->name) == 0;
            assert_string_equal(json_string_value(json_object_get(p, "in")),
                                in_path ? "path" : "query");
            if (json_is_true(json_object_get(p, "required")) == cp->optional)
                fail_msg("%s: parameter %s: required is not the table's", t, cp->name);
        }
        /* Every answer is JSON (a document route's, its own media type), and every route
         * documents the error object. */
        json_t *resp = json_object_get(op, "responses");
        assert_non_null(
            json_object_get(json_object_get(json_object_get(resp, "200"), "content"),
                            api_route_document(r) ? API_DOCUMENT_TYPE : "application/json"));
        assert_non_null(json_object_get(resp, "400"));
    }
    for (size_t i = 0; i < API_OWN_N; i++) {
        json_t *item = json_object_get(paths, api_own_paths[i]);
        if (item == NULL || json_object_get(item, "get") == NULL)
            fail_msg("the gateway's own path %s is not documented under GET", api_own_paths[i]);
    }
    /* Nothing more: every documented path is served. */
    assert_int_equal(json_object_size(paths), routes + API_OWN_N);
    json_decref(doc);
}

/* Counts the $refs under v that do not resolve to a schema of the document. */
static size_t refs_unresolved(json_t *schemas, json_t *v)
{
    size_t bad = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;
        json_object_foreach(v, k, x)
        {
            if (strcmp(k, "$ref") == 0) {
                const char *s = json_string_value(x);
                const char *pre = "#/components/schemas/";
                if (s == NULL || strncmp(s, pre, strlen(pre)) != 0 ||
                    json_object_get(schemas, s + strlen(pre)) == NULL) {
                    print_error("unresolved $ref %s\n", s != NULL ? s : "(not a string)");
                    bad++;
                }
            } else {
                bad += refs_unresolved(schemas, x);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) bad += refs_unresolved(schemas, x);
    }
    return bad;
}

static void test_refs_and_error(void **state)
{
    (void)state;
    json_t *doc = doc_load();
    json_t *schemas = json_object_get(json_object_get(doc, "components"), "schemas");
    assert_non_null(schemas);
    assert_int_equal(refs_unresolved(schemas, doc), 0);
    json_t *err =
        json_object_get(json_object_get(json_object_get(schemas, "Error"), "properties"), "error");
    json_t *req = json_object_get(err, "required");
    const char *want[] = { "name", "message", "field" };
    assert_int_equal(json_array_size(req), 3);
    for (size_t i = 0; i < 3; i++)
        assert_string_equal(json_string_value(json_array_get(req, i)), want[i]);
    /* The proof media type, on the answers that carry a bundle. */
    json_t *rec =
        json_object_get(json_object_get(json_object_get(doc, "paths"), "/v1/recognise"), "get");
    assert_non_null(json_object_get(
        json_object_get(json_object_get(json_object_get(rec, "responses"), "200"), "content"),
        "application/vnd.recnet.proof"));
    json_decref(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_documented),
        cmocka_unit_test(test_refs_and_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
