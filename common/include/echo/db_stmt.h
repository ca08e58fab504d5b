/* Prepared statements on the calling thread's PostgreSQL connection (db.h):
 * each statement is prepared once per connection (again after a reconnect)
 * and then executed by name, which skips parsing and planning on hot paths. */
#ifndef ECHO_DB_STMT_H
#define ECHO_DB_STMT_H

#include <libpq-fe.h>

/* A statement definition; define it `static const` next to its caller. The
 * name must be unique in the process. */
typedef struct {
    const char *name;
    const char *sql;
    int nparams;
} db_stmt_t;

/* Executes st with text params (NULL entries are SQL NULL). Returns a
 * TUPLES_OK/COMMAND_OK result, or NULL on failure (logged unless the SQLSTATE
 * is class 23, integrity violations, which callers treat as answers). Outside
 * a transaction a statement that failed because the connection dropped is
 * retried once on a fresh connection. */
PGresult *db_stmt_exec(const db_stmt_t *st, const char *const *params);
/* The same without the retry, for a statement that writes and commits on its
 * own: when the connection drops mid-statement, the commit may have happened,
 * and running it again could store it twice. */
PGresult *db_stmt_exec_once(const db_stmt_t *st, const char *const *params);
/* SQLSTATE of the calling thread's last db_stmt_exec failure, "" if none. */
const char *db_stmt_sqlstate(void);

#endif
