/* Schema migrations: numbered SQL files per daemon, applied at start-up into
 * the daemon's own schema under an advisory lock, one transaction each. */
#ifndef ECHO_MIGRATE_H
#define ECHO_MIGRATE_H

#include <libpq-fe.h>

typedef struct {
    int version;      /* from the file name NNNN_*.sql; 0 ends the list */
    const char *name; /* file name */
    const char *sql;
} migration_t;

/* Provided by each daemon's build (cmake/EmbedMigrations.cmake). */
extern const migration_t service_migrations[];
extern const int service_migrations_count;

/* Applies pending migrations of `schema` on conn. Returns the number applied,
 * or -1 (logged) when one failed; a failed migration leaves the schema as it
 * was before that migration. */
int migrate_apply(PGconn *conn, const char *schema, const migration_t *migrations, int count);

#endif
