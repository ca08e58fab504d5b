/* Schema migrations: applies a daemon's numbered SQL files into its own
 * schema. A session-level advisory lock keyed by the schema name serialises
 * instances that start together; each migration runs in its own transaction
 * together with its row in <schema>.schema_migrations. */
#include "echo/migrate.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo/log.h"

static bool run(PGconn *conn, const char *sql, const char *what)
{
    PGresult *r = PQexec(conn, sql);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        log_error("migrate: %s failed: %s", what, PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

static bool valid_schema_name(const char *s)
{
    if (!*s)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
            return false;
    return true;
}

int migrate_apply(PGconn *conn, const char *schema, const migration_t *migrations, int count)
{
    /* The schema name is spliced into DDL, so only a fixed alphabet is allowed. */
    if (!valid_schema_name(schema)) {
        log_error("migrate: invalid schema name");
        return -1;
    }
    char sql[512];
    int applied = 0, result = -1;
    const char *lock_params[] = {schema};
    PGresult *r = PQexecParams(conn, "SELECT pg_advisory_lock(hashtext('echochat.migrate.' || $1))",
                               1, NULL, lock_params, NULL, NULL, 0);
    bool locked = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    if (!locked) {
        log_error("migrate: cannot take the advisory lock: %s", PQerrorMessage(conn));
        return -1;
    }

    /* CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
     * schema exists; in production the schema is made by the operator for the
     * daemon's role, which then needs no database-wide privilege. */
    r = PQexecParams(conn, "SELECT 1 FROM pg_namespace WHERE nspname = $1", 1, NULL, lock_params,
                     NULL, NULL, 0);
    bool exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    if (!exists) {
        snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
        if (!run(conn, sql, "creating the schema"))
            goto cleanup;
    }
    snprintf(sql, sizeof sql,
             "CREATE TABLE IF NOT EXISTS %s.schema_migrations ("
             " version integer PRIMARY KEY, name text NOT NULL,"
             " applied_at timestamptz NOT NULL DEFAULT now())",
             schema);
    if (!run(conn, sql, "creating the migrations table"))
        goto cleanup;

    for (int i = 0; i < count && migrations[i].version; i++) {
        const migration_t *m = &migrations[i];
        char version[16];
        snprintf(version, sizeof version, "%d", m->version);
        snprintf(sql, sizeof sql, "SELECT 1 FROM %s.schema_migrations WHERE version = $1", schema);
        const char *p1[] = {version};
        r = PQexecParams(conn, sql, 1, NULL, p1, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK) {
            log_error("migrate: cannot read %s.schema_migrations: %s", schema, PQerrorMessage(conn));
            PQclear(r);
            goto cleanup;
        }
        bool done = PQntuples(r) > 0;
        PQclear(r);
        if (done)
            continue;

        if (!run(conn, "BEGIN", "BEGIN"))
            goto cleanup;
        snprintf(sql, sizeof sql, "SET LOCAL search_path TO %s", schema);
        if (!run(conn, sql, "search_path") || !run(conn, m->sql, m->name)) {
            run(conn, "ROLLBACK", "ROLLBACK");
            log_error("migrate: %s.%s failed; schema left at the previous version", schema, m->name);
            goto cleanup;
        }
        snprintf(sql, sizeof sql, "INSERT INTO %s.schema_migrations (version, name) VALUES ($1, $2)",
                 schema);
        const char *p2[] = {version, m->name};
        r = PQexecParams(conn, sql, 2, NULL, p2, NULL, NULL, 0);
        bool recorded = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
        if (!recorded || !run(conn, "COMMIT", "COMMIT")) {
            run(conn, "ROLLBACK", "ROLLBACK");
            goto cleanup;
        }
        log_info("migrate: applied %s.%s", schema, m->name);
        applied++;
    }
    result = applied;
cleanup:
    r = PQexecParams(conn, "SELECT pg_advisory_unlock(hashtext('echochat.migrate.' || $1))", 1,
                     NULL, lock_params, NULL, NULL, 0);
    PQclear(r);
    return result;
}
