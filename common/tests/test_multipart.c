/* Unit tests of the multipart/form-data parser: boundaries, fields and a
 * file part, filenames, limits, and hostile input that must fail cleanly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/multipart.h"

static const multipart_limits_t NO_LIMITS = {0};

#define BODY(s) s, sizeof(s) - 1

static void test_boundary_from_content_type(void **state)
{
    char b[MULTIPART_BOUNDARY_MAX + 1];
    assert_true(multipart_boundary("multipart/form-data; boundary=----WebKitFormBoundaryX1", b));
    assert_string_equal(b, "----WebKitFormBoundaryX1");
    assert_true(multipart_boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"", b));
    assert_string_equal(b, "a b");
    assert_false(multipart_boundary("multipart/form-data", b));
    assert_false(multipart_boundary("multipart/form-data; boundary=", b));
    assert_false(multipart_boundary("application/json; boundary=x", b));
    assert_false(multipart_boundary("multipart/form-data; boundary=\"unterminated", b));
    assert_false(multipart_boundary("multipart/form-data; boundary=bad<char>", b));
    char longb[200];
    memset(longb, 0, sizeof longb);
    strcpy(longb, "multipart/form-data; boundary=");
    memset(longb + strlen(longb), 'x', 71);
    assert_false(multipart_boundary(longb, b));
    assert_false(multipart_boundary(NULL, b));
}

static void test_fields_and_file(void **state)
{
    const char body[] = "preamble\r\n"
                        "--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"username\"\r\n"
                        "\r\n"
                        "bob\r\n"
                        "--XyZ\r\n"
                        "content-disposition: form-data; name=\"bio\"\r\n"
                        "\r\n"
                        "line1\r\nline2\r\n"
                        "--XyZ\r\n"
                        "Content-Disposition: form-data; name=\"image\"; filename=\"a \\\"q\\\".PNG\"\r\n"
                        "Content-Type: image/png\r\n"
                        "\r\n"
                        "\x89PNG\r\n\x00\x01--XyY\r\n"
                        "--XyZ--\r\n"
                        "epilogue";
    multipart_t mp;
    assert_int_equal(multipart_parse(body, sizeof body - 1, "XyZ", &NO_LIMITS, &mp), MULTIPART_OK);
    assert_int_equal(mp.nparts, 3);
    const multipart_part_t *u = multipart_get(&mp, "username");
    assert_non_null(u);
    assert_null(u->filename);
    assert_int_equal(u->len, 3);
    assert_memory_equal(u->data, "bob", 3);
    const multipart_part_t *bio = multipart_get(&mp, "bio");
    assert_int_equal(bio->len, 12);
    const multipart_part_t *img = multipart_get(&mp, "image");
    assert_string_equal(img->filename, "a \"q\".PNG");
    assert_string_equal(img->content_type, "image/png");
    assert_int_equal(img->len, 13); /* the CRLF before a delimiter belongs to it */
    assert_memory_equal(img->data, "\x89PNG\r\n\x00\x01--XyY", 13);
    assert_null(multipart_get(&mp, "email"));
    multipart_free(&mp);
}

static void test_body_starts_with_boundary_and_empty_values(void **state)
{
    const char body[] = "--b\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\n\r\n"
                        "--b\r\nContent-Disposition: form-data; name=image; filename=\"\"\r\n\r\n\r\n"
                        "--b--";
    multipart_t mp;
    assert_int_equal(multipart_parse(BODY(body), "b", &NO_LIMITS, &mp), MULTIPART_OK);
    assert_int_equal(mp.nparts, 2);
    assert_int_equal(multipart_get(&mp, "email")->len, 0);
    assert_string_equal(multipart_get(&mp, "image")->filename, "");
    multipart_free(&mp);
}

static void test_ext_filename(void **state)
{
    const char body[] = "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.png\"; "
                        "filename*=UTF-8''%D1%84.png\r\n\r\nDATA\r\n--b--\r\n";
    multipart_t mp;
    assert_int_equal(multipart_parse(BODY(body), "b", &NO_LIMITS, &mp), MULTIPART_OK);
    assert_string_equal(mp.parts[0].filename, "\xd1\x84.png");
    multipart_free(&mp);
}

static void test_limits(void **state)
{
    const char body[] = "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n12345\r\n"
                        "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\"\r\n\r\n"
                        "0123456789\r\n"
                        "--b--\r\n";
    multipart_t mp;
    multipart_limits_t lim = {.max_field_bytes = 4};
    assert_int_equal(multipart_parse(BODY(body), "b", &lim, &mp), MULTIPART_FIELDS_TOO_BIG);
    assert_int_equal(mp.nparts, 0);
    lim = (multipart_limits_t){.max_file_bytes = 9};
    assert_int_equal(multipart_parse(BODY(body), "b", &lim, &mp), MULTIPART_FILE_TOO_BIG);
    lim = (multipart_limits_t){.max_parts = 1};
    assert_int_equal(multipart_parse(BODY(body), "b", &lim, &mp), MULTIPART_TOO_MANY);
    lim = (multipart_limits_t){.max_files = 0, .max_file_bytes = 10, .max_field_bytes = 5};
    assert_int_equal(multipart_parse(BODY(body), "b", &lim, &mp), MULTIPART_OK);
    multipart_free(&mp);
    lim = (multipart_limits_t){.max_header_bytes = 10};
    assert_int_equal(multipart_parse(BODY(body), "b", &lim, &mp), MULTIPART_MALFORMED);
}

static void test_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "no boundary here",
        "--b\r\n",                                                      /* no headers end */
        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nxx", /* no closing delimiter */
        "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--",      /* no name */
        "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--",             /* no disposition */
        "--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--", /* open quote */
        "--b\r\nBroken header line\r\n\r\nx\r\n--b--",
        "--bjunk\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--",
        "--b\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\"; filename*=latin1''x\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\"; filename*=UTF-8''%00\r\n\r\nx\r\n--b--",
        "--b\r\nContent-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; "
        "name=\"b\"\r\n\r\nx\r\n--b--",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        multipart_t mp;
        multipart_status_t st = multipart_parse(bad[i], strlen(bad[i]), "b", &NO_LIMITS, &mp);
        if (st != MULTIPART_MALFORMED)
            fail_msg("case %zu parsed: %d", i, st);
        assert_int_equal(mp.nparts, 0);
    }
    /* NUL inside a name */
    const char nul[] = "--b\r\nContent-Disposition: form-data; name=\"a\0b\"\r\n\r\nx\r\n--b--";
    multipart_t mp;
    assert_int_equal(multipart_parse(nul, sizeof nul - 1, "b", &NO_LIMITS, &mp), MULTIPART_MALFORMED);
}

/* Every prefix and a deterministic stream of mutations of a valid body must
 * parse or fail without touching memory outside the buffer (run under ASan). */
static void test_hostile_mutations(void **state)
{
    const char body[] = "--b\r\nContent-Disposition: form-data; name=\"u\"\r\n\r\nbob\r\n"
                        "--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.png\"\r\n"
                        "Content-Type: image/png\r\n\r\nDATA\r\n--b--\r\n";
    size_t n = sizeof body - 1;
    for (size_t cut = 0; cut <= n; cut++) {
        char *copy = malloc(cut ? cut : 1);
        memcpy(copy, body, cut);
        multipart_t mp;
        if (multipart_parse(copy, cut, "b", &NO_LIMITS, &mp) == MULTIPART_OK)
            multipart_free(&mp);
        free(copy);
    }
    uint32_t seed = 12345;
    const char alphabet[] = "\r\n-b\";=\\ :%\0x";
    for (int round = 0; round < 20000; round++) {
        char *copy = malloc(n);
        memcpy(copy, body, n);
        for (int k = 0; k < 3; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t pos = (seed >> 8) % n;
            seed = seed * 1103515245u + 12345u;
            copy[pos] = alphabet[(seed >> 8) % (sizeof alphabet - 1)];
        }
        multipart_t mp;
        if (multipart_parse(copy, n, "b", &NO_LIMITS, &mp) == MULTIPART_OK) {
            for (size_t i = 0; i < mp.nparts; i++)
                assert_true(mp.parts[i].data >= copy && mp.parts[i].data + mp.parts[i].len <= copy + n);
            multipart_free(&mp);
        }
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_boundary_from_content_type),
        cmocka_unit_test(test_fields_and_file),
        cmocka_unit_test(test_body_starts_with_boundary_and_empty_values),
        cmocka_unit_test(test_ext_filename),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_hostile_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
