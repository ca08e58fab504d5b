/* PostgreSQL plumbing: one connection per thread, reconnect on loss,
 * parameterised queries only. */
#ifndef ECHO_DB_H
#define ECHO_DB_H

#include <stdbool.h>

#include <libpq-fe.h>

/* Sets the conninfo used by every thread's connection. Call before any query. */
void db_init(const char *conninfo);
/* The calling thread's connection, connecting or reconnecting as needed;
 * NULL (logged once per outage) when the server is unreachable. */
PGconn *db_conn(void);
/* Closes the calling thread's connection (call when a worker thread ends). */
void db_thread_done(void);
/* True when a fresh connection answers `SELECT 1` (for /readyz). */
bool db_ping(void);

/* Runs a parameterised statement on the thread's connection. Text params;
 * NULL entries are SQL NULL. Returns a result whose status is TUPLES_OK or
 * COMMAND_OK, or NULL on failure (logged with the SQLSTATE). Retries once on
 * a dropped connection when the statement is not inside a transaction. */
PGresult *db_query(const char *sql, int nparams, const char *const *params);
/* SQLSTATE of the thread's last failure ("" when none), e.g. "23505". */
const char *db_last_sqlstate(void);

bool db_begin(void);
bool db_commit(void);
void db_rollback(void);

#endif
