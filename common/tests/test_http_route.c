/* Unit tests of daemon-side HTTP routing: slash redirects, 404, the CSRF
 * verdict before 405, path parameters and form decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/http_route.h"

static void ok_handler(http_req_t *req, http_resp_t *resp, void *ctx)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "param", req->nparams ? req->params[0] : "");
    http_resp_json(resp, 200, o);
}

static const http_route_t routes[] = {
    {"/api/auth/session/", "GET", ok_handler},
    {"/api/auth/profile/", "GET, POST", ok_handler},
    {"/api/auth/users/<>/", "GET", ok_handler},
    {NULL, NULL, NULL},
};

static http_resp_t run(const char *method, const char *raw_path, const char *query, const char *csrf)
{
    http_req_t req = {0};
    http_resp_t resp = {0};
    req.method = method;
    req.raw_path = raw_path;
    req.query = query;
    char *path = http_unescape(raw_path, strlen(raw_path), false);
    req.path = path;
    http_dispatch(routes, &req, csrf, &resp, NULL);
    for (int i = 0; i < req.nparams; i++)
        free(req.params[i]);
    free(path);
    return resp;
}

static const char *header(http_resp_t *r, const char *prefix)
{
    for (int i = 0; i < r->nheaders; i++)
        if (strncmp(r->headers[i], prefix, strlen(prefix)) == 0)
            return r->headers[i];
    return NULL;
}

static void test_missing_slash_redirects_get(void **state)
{
    http_resp_t r = run("GET", "/api/auth/session", "a=1", NULL);
    assert_int_equal(r.status, 301);
    assert_string_equal(header(&r, "Location"), "Location: /api/auth/session/?a=1");
    http_resp_free(&r);
    r = run("POST", "/api/auth/session", "", "ok");
    assert_int_equal(r.status, 404); /* D10 */
    http_resp_free(&r);
    r = run("GET", "/api/nope", "", NULL);
    assert_int_equal(r.status, 404);
    assert_non_null(strstr(r.body, "\"Not found\""));
    http_resp_free(&r);
}

static void test_csrf_before_method(void **state)
{
    http_resp_t r = run("POST", "/api/auth/session/", "", "CSRF cookie not set.");
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "CSRF verification failed."));
    http_resp_free(&r);
    r = run("POST", "/api/auth/session/", "", "ok");
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "Allow: GET");
    http_resp_free(&r);
    r = run("PUT", "/api/auth/profile/", "", "ok");
    assert_int_equal(r.status, 405);
    assert_string_equal(header(&r, "Allow"), "Allow: GET, POST");
    http_resp_free(&r);
    r = run("HEAD", "/api/auth/session/", "", NULL);
    assert_int_equal(r.status, 405);
    http_resp_free(&r);
}

static void test_params_decoded(void **state)
{
    http_resp_t r = run("GET", "/api/auth/users/%D0%B1%D0%BE%D0%B1/", "", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\\u0431\\u043e\\u0431"));
    http_resp_free(&r);
    r = run("GET", "/api/auth/users/a%2Fb/", "", NULL); /* %2F changes the route */
    assert_int_equal(r.status, 404);
    http_resp_free(&r);
    r = run("GET", "/api/auth/users//", "", NULL);
    assert_int_equal(r.status, 404);
    http_resp_free(&r);
}

static void test_form_get(void **state)
{
    const char *body = "a=1&csrfmiddlewaretoken=x%2By+z&b=&a=2";
    char *v = http_form_get(body, strlen(body), "csrfmiddlewaretoken");
    assert_string_equal(v, "x+y z");
    free(v);
    v = http_form_get(body, strlen(body), "a");
    assert_string_equal(v, "1");
    free(v);
    v = http_form_get(body, strlen(body), "b");
    assert_string_equal(v, "");
    free(v);
    assert_null(http_form_get(body, strlen(body), "c"));
    assert_null(http_unescape("a%00b", 5, false));
    v = http_unescape("%zz%4", 5, false);
    assert_string_equal(v, "%zz%4");
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_missing_slash_redirects_get),
        cmocka_unit_test(test_csrf_before_method),
        cmocka_unit_test(test_params_decoded),
        cmocka_unit_test(test_form_get),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
