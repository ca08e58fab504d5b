/* PostgreSQL plumbing: a lazily opened connection per thread (bus workers
 * each hold one), reconnection after loss, parameterised statements only. */
#include "echo/db.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "echo/log.h"

static char *g_conninfo;
static atomic_bool g_outage_logged;
static _Thread_local PGconn *t_conn;
static _Thread_local char t_sqlstate[6];
static _Thread_local bool t_in_tx;
/* Worker threads belong to nats.c and end without telling us: a key
 * destructor closes their connection when they exit. */
static pthread_key_t g_conn_key;
static pthread_once_t g_key_once = PTHREAD_ONCE_INIT;

static void close_at_thread_exit(void *conn)
{
    PQfinish(conn);
}

static void make_key(void)
{
    pthread_key_create(&g_conn_key, close_at_thread_exit);
}

void db_init(const char *conninfo)
{
    free(g_conninfo);
    g_conninfo = conninfo ? strdup(conninfo) : NULL;
}

/* Server notices ("schema already exists, skipping") are not our logs. */
static void ignore_notice(void *arg, const char *message)
{
}

static PGconn *open_conn(void)
{
    if (!g_conninfo)
        return NULL;
    /* connect_timeout bounds start-up waits when the server is unreachable. */
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {g_conninfo, "3", "echochat", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        if (!atomic_exchange(&g_outage_logged, true))
            log_error("postgres: cannot connect: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    PQsetNoticeProcessor(c, ignore_notice, NULL);
    if (atomic_exchange(&g_outage_logged, false))
        log_info("postgres: connected");
    return c;
}

PGconn *db_conn(void)
{
    if (t_conn && PQstatus(t_conn) == CONNECTION_OK)
        return t_conn;
    pthread_once(&g_key_once, make_key);
    if (t_conn) {
        PQfinish(t_conn);
        t_conn = NULL;
        t_in_tx = false;
    }
    t_conn = open_conn();
    pthread_setspecific(g_conn_key, t_conn);
    return t_conn;
}

void db_thread_done(void)
{
    if (t_conn)
        PQfinish(t_conn);
    t_conn = NULL;
    pthread_once(&g_key_once, make_key);
    pthread_setspecific(g_conn_key, NULL);
    t_in_tx = false;
}

bool db_ping(void)
{
    PGconn *c = open_conn();
    if (!c)
        return false;
    PGresult *r = PQexec(c, "SELECT 1");
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK;
    PQclear(r);
    PQfinish(c);
    return ok;
}

const char *db_last_sqlstate(void)
{
    return t_sqlstate;
}

PGresult *db_query(const char *sql, int nparams, const char *const *params)
{
    t_sqlstate[0] = '\0';
    for (int attempt = 0; attempt < 2; attempt++) {
        PGconn *c = db_conn();
        if (!c) {
            strcpy(t_sqlstate, "08006");
            return NULL;
        }
        PGresult *r = PQexecParams(c, sql, nparams, NULL, params, NULL, NULL, 0);
        ExecStatusType st = PQresultStatus(r);
        if (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK)
            return r;
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        snprintf(t_sqlstate, sizeof t_sqlstate, "%s", state ? state : "08006");
        bool lost = PQstatus(c) != CONNECTION_OK;
        /* Unique violations and friends are answers, not faults: the caller
         * decides; only unexpected failures are logged here. */
        if (strncmp(t_sqlstate, "23", 2) != 0)
            log_error("postgres: %s (SQLSTATE %s)", PQerrorMessage(c), t_sqlstate);
        PQclear(r);
        if (!lost || t_in_tx)
            return NULL;
    }
    return NULL;
}

static bool exec_simple(const char *sql)
{
    PGresult *r = db_query(sql, 0, NULL);
    if (!r)
        return false;
    PQclear(r);
    return true;
}

bool db_begin(void)
{
    if (!exec_simple("BEGIN"))
        return false;
    t_in_tx = true;
    return true;
}

bool db_commit(void)
{
    bool ok = exec_simple("COMMIT");
    t_in_tx = false;
    return ok;
}

void db_rollback(void)
{
    if (t_conn && PQstatus(t_conn) == CONNECTION_OK) {
        PGresult *r = PQexec(t_conn, "ROLLBACK");
        PQclear(r);
    }
    t_in_tx = false;
}
