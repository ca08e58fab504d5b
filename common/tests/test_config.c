/* Unit tests of the configuration readers: every parsing rule and failure path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "echo/config.h"

static int clear_env(void **state)
{
    const char *vars[] = {"X_BOOL", "X_INT", "X_LIST", "DJANGO_FOO", "FOO", "DATABASE_URL",
                          "DJANGO_DB_ENGINE", "DJANGO_DB_NAME", "DJANGO_DB_HOST", "DB_NAME",
                          "DJANGO_SQLITE_PATH", "LOG_LEVEL", "NATS_URL", "OPS_PORT",
                          "DJANGO_DEBUG", "DEBUG"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    return 0;
}

static void test_bool_rules(void **state)
{
    cfg_t c = {0};
    assert_true(cfg_bool(&c, "X_BOOL", true));
    assert_false(cfg_bool(&c, "X_BOOL", false));
    const char *truthy[] = {"1", "true", " TRUE ", "yes", "On"};
    for (size_t i = 0; i < 5; i++) {
        setenv("X_BOOL", truthy[i], 1);
        assert_true(cfg_bool(&c, "X_BOOL", false));
    }
    const char *falsy[] = {"", "0", "false", "no", "y", "enabled"};
    for (size_t i = 0; i < 6; i++) {
        setenv("X_BOOL", falsy[i], 1);
        assert_false(cfg_bool(&c, "X_BOOL", true));
    }
    assert_false(c.failed);
}

static void test_int_rules(void **state)
{
    cfg_t c = {0};
    assert_int_equal(cfg_int(&c, "X_INT", 7, 1, 10), 7);
    setenv("X_INT", " 9 ", 1);
    assert_int_equal(cfg_int(&c, "X_INT", 7, 1, 10), 9);
    assert_false(c.failed);
}

static void test_int_not_a_number_fails_naming_variable(void **state)
{
    cfg_t c = {0};
    setenv("X_INT", "12abc", 1);
    cfg_int(&c, "X_INT", 7, 1, 100);
    assert_true(c.failed);
    assert_non_null(strstr(c.error, "X_INT"));
    assert_null(strchr(c.error, '\n'));
}

static void test_int_empty_and_range_fail(void **state)
{
    cfg_t c = {0};
    setenv("X_INT", "", 1);
    cfg_int(&c, "X_INT", 7, 1, 100);
    assert_true(c.failed);
    cfg_t d = {0};
    setenv("X_INT", "101", 1);
    cfg_int(&d, "X_INT", 7, 1, 100);
    assert_true(d.failed);
    assert_non_null(strstr(d.error, "between 1 and 100"));
}

static void test_first_error_wins(void **state)
{
    cfg_t c = {0};
    setenv("X_INT", "x", 1);
    setenv("X_BOOL", "1", 1);
    cfg_int(&c, "X_INT", 1, 0, 5);
    cfg_fail(&c, "OTHER", "later");
    assert_true(strncmp(c.error, "X_INT:", 6) == 0);
}

static void test_list_rules(void **state)
{
    cfg_t c = {0};
    char **l = cfg_list(&c, "X_LIST", "a,b");
    assert_int_equal(cfg_list_len(l), 2);
    cfg_list_free(l);
    setenv("X_LIST", " x , ,y,, ", 1);
    l = cfg_list(&c, "X_LIST", "a");
    assert_int_equal(cfg_list_len(l), 2);
    assert_string_equal(l[0], "x");
    assert_string_equal(l[1], "y");
    cfg_list_free(l);
    setenv("X_LIST", " , ", 1); /* empty list → default */
    l = cfg_list(&c, "X_LIST", "d1,d2,d3");
    assert_int_equal(cfg_list_len(l), 3);
    cfg_list_free(l);
}

static void test_unprefixed_alias_wins(void **state)
{
    setenv("DJANGO_FOO", "prefixed", 1);
    assert_string_equal(cfg_lookup("DJANGO_FOO"), "prefixed");
    setenv("FOO", "plain", 1);
    assert_string_equal(cfg_lookup("DJANGO_FOO"), "plain");
}

static void test_common_database_url(void **state)
{
    cfg_t c = {0};
    common_config_t cfg;
    setenv("DATABASE_URL", "postgres://u:p@h:5432/db", 1);
    common_config_load(&c, &cfg, "auth", 9101, true);
    assert_false(c.failed);
    assert_string_equal(cfg.db_conninfo, "postgres://u:p@h:5432/db");
    assert_int_equal(cfg.ops_port, 9101);
    assert_false(cfg.debug);
    common_config_free(&cfg);
}

static void test_common_bad_database_scheme(void **state)
{
    cfg_t c = {0};
    common_config_t cfg;
    setenv("DATABASE_URL", "mysql://x/y", 1);
    common_config_load(&c, &cfg, "chat", 9102, true);
    assert_true(c.failed);
    assert_true(strncmp(c.error, "DATABASE_URL:", 13) == 0);
    common_config_free(&cfg);
}

static void test_common_missing_database(void **state)
{
    cfg_t c = {0};
    common_config_t cfg;
    common_config_load(&c, &cfg, "chat", 9102, true);
    assert_true(c.failed);
    assert_non_null(strstr(c.error, "DATABASE_URL"));
    common_config_free(&cfg);
    cfg_t g = {0};
    common_config_load(&g, &cfg, "gateway", 9104, false);
    assert_false(g.failed);
    common_config_free(&cfg);
}

static void test_common_sqlite_refused(void **state)
{
    cfg_t c = {0};
    common_config_t cfg;
    setenv("DJANGO_SQLITE_PATH", "/tmp/db.sqlite3", 1);
    common_config_load(&c, &cfg, "auth", 9101, true);
    assert_true(c.failed);
    assert_non_null(strstr(c.error, "SQLite is not supported"));
    common_config_free(&cfg);
}

static void test_common_db_engine_parts(void **state)
{
    cfg_t c = {0};
    common_config_t cfg;
    setenv("DJANGO_DB_ENGINE", "django.db.backends.postgresql", 1);
    setenv("DJANGO_DB_NAME", "chat'app", 1);
    setenv("DB_NAME", "override", 1); /* unprefixed alias wins */
    setenv("DJANGO_DB_HOST", "db", 1);
    common_config_load(&c, &cfg, "auth", 9101, true);
    assert_false(c.failed);
    assert_string_equal(cfg.db_conninfo, "dbname='override' host='db'");
    common_config_free(&cfg);
    unsetenv("DB_NAME");
    cfg_t d = {0};
    common_config_load(&d, &cfg, "auth", 9101, true);
    assert_string_equal(cfg.db_conninfo, "dbname='chat\\'app' host='db'");
    common_config_free(&cfg);
    setenv("DJANGO_DB_ENGINE", "django.db.backends.sqlite3", 1);
    cfg_t e = {0};
    common_config_load(&e, &cfg, "auth", 9101, true);
    assert_true(e.failed);
    assert_true(strncmp(e.error, "DJANGO_DB_ENGINE:", 17) == 0);
    common_config_free(&cfg);
}

static void test_common_bad_values(void **state)
{
    common_config_t cfg;
    cfg_t a = {0};
    setenv("LOG_LEVEL", "loud", 1);
    common_config_load(&a, &cfg, "gateway", 9104, false);
    assert_true(a.failed);
    assert_true(strncmp(a.error, "LOG_LEVEL:", 10) == 0);
    common_config_free(&cfg);
    unsetenv("LOG_LEVEL");
    cfg_t b = {0};
    setenv("NATS_URL", "http://x", 1);
    common_config_load(&b, &cfg, "gateway", 9104, false);
    assert_true(strncmp(b.error, "NATS_URL:", 9) == 0);
    common_config_free(&cfg);
    unsetenv("NATS_URL");
    cfg_t d = {0};
    setenv("OPS_PORT", "70000", 1);
    common_config_load(&d, &cfg, "gateway", 9104, false);
    assert_true(strncmp(d.error, "OPS_PORT:", 9) == 0);
    common_config_free(&cfg);
}

static void test_debug_alias(void **state)
{
    common_config_t cfg;
    cfg_t a = {0};
    setenv("DJANGO_DEBUG", "1", 1);
    setenv("DEBUG", "0", 1);
    common_config_load(&a, &cfg, "gateway", 9104, false);
    assert_false(cfg.debug);
    assert_int_equal(cfg.log_level, LOG_INFO);
    common_config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_bool_rules, clear_env),
        cmocka_unit_test_setup(test_int_rules, clear_env),
        cmocka_unit_test_setup(test_int_not_a_number_fails_naming_variable, clear_env),
        cmocka_unit_test_setup(test_int_empty_and_range_fail, clear_env),
        cmocka_unit_test_setup(test_first_error_wins, clear_env),
        cmocka_unit_test_setup(test_list_rules, clear_env),
        cmocka_unit_test_setup(test_unprefixed_alias_wins, clear_env),
        cmocka_unit_test_setup(test_common_database_url, clear_env),
        cmocka_unit_test_setup(test_common_bad_database_scheme, clear_env),
        cmocka_unit_test_setup(test_common_missing_database, clear_env),
        cmocka_unit_test_setup(test_common_sqlite_refused, clear_env),
        cmocka_unit_test_setup(test_common_db_engine_parts, clear_env),
        cmocka_unit_test_setup(test_common_bad_values, clear_env),
        cmocka_unit_test_setup(test_debug_alias, clear_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
