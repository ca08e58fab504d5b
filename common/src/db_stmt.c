/* Per-thread prepared statements on top of db.c's per-thread connection.
 * A connection is identified by its pointer and server pid together, so a
 * reconnect that happens to reuse the pointer still re-prepares. */
#include "echo/db_stmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "echo/db.h"
#include "echo/log.h"

#define DB_STMT_MAX 64

static _Thread_local PGconn *t_conn;
static _Thread_local int t_pid;
static _Thread_local const db_stmt_t *t_prepared[DB_STMT_MAX];
static _Thread_local int t_nprepared;
static _Thread_local char t_sqlstate[6];

static bool is_prepared(const db_stmt_t *st)
{
    for (int i = 0; i < t_nprepared; i++)
        if (t_prepared[i] == st)
            return true;
    return false;
}

static void fail_state(PGconn *c, PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    snprintf(t_sqlstate, sizeof t_sqlstate, "%s", state ? state : "08006");
    if (strncmp(t_sqlstate, "23", 2) != 0)
        log_error("postgres: %s (SQLSTATE %s)", PQerrorMessage(c), t_sqlstate);
}

/* Prepares st on c unless already done for this connection. */
static bool ensure_prepared(PGconn *c, const db_stmt_t *st)
{
    if (c != t_conn || PQbackendPID(c) != t_pid) {
        t_conn = c;
        t_pid = PQbackendPID(c);
        t_nprepared = 0;
    }
    if (is_prepared(st))
        return true;
    if (t_nprepared == DB_STMT_MAX) {
        /* A programming error (a statement defined per call?), not a runtime state. */
        log_error("postgres: more than %d prepared statements on one connection (%s)", DB_STMT_MAX,
                  st->name);
        strcpy(t_sqlstate, "54000");
        return false;
    }
    PGresult *r = PQprepare(c, st->name, st->sql, st->nparams, NULL);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (ok)
        t_prepared[t_nprepared++] = st;
    else
        fail_state(c, r);
    PQclear(r);
    return ok;
}

static PGresult *stmt_exec(const db_stmt_t *st, const char *const *params, int attempts)
{
    t_sqlstate[0] = '\0';
    for (int attempt = 0; attempt < attempts; attempt++) {
        PGconn *c = db_conn();
        if (!c) {
            strcpy(t_sqlstate, "08006");
            return NULL;
        }
        bool idle = PQtransactionStatus(c) == PQTRANS_IDLE;
        PGresult *r = NULL;
        if (ensure_prepared(c, st)) {
            r = PQexecPrepared(c, st->name, st->nparams, params, NULL, NULL, 0);
            ExecStatusType s = PQresultStatus(r);
            if (s == PGRES_TUPLES_OK || s == PGRES_COMMAND_OK)
                return r;
            fail_state(c, r);
            PQclear(r);
        }
        /* Only a dropped connection outside a transaction is worth a retry:
         * inside one, the transaction is gone and the caller must redo it. */
        if (PQstatus(c) == CONNECTION_OK || !idle)
            return NULL;
    }
    return NULL;
}

PGresult *db_stmt_exec(const db_stmt_t *st, const char *const *params)
{
    return stmt_exec(st, params, 2);
}

PGresult *db_stmt_exec_once(const db_stmt_t *st, const char *const *params)
{
    return stmt_exec(st, params, 1);
}

const char *db_stmt_sqlstate(void)
{
    return t_sqlstate;
}
