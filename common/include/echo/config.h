/* Environment configuration: typed readers that validate at start-up and keep
 * the first error as one line naming the variable (decisions P4, P5). */
#ifndef ECHO_CONFIG_H
#define ECHO_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "echo/log.h"

typedef struct {
    char error[512]; /* first failure: "NAME: what is wrong" */
    bool failed;
} cfg_t;

/* Value of NAME from the environment. For DJANGO_X names the unprefixed X is
 * looked up first and wins (P4). NULL when neither is set. */
const char *cfg_lookup(const char *name);

void cfg_fail(cfg_t *c, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* config.md §1 boolean: unset → def; set → true iff trimmed lower-case value is
 * 1/true/yes/on (anything else, including "", is false). */
bool cfg_bool(cfg_t *c, const char *name, bool def);
/* Decimal integer within [min, max]; anything else is a start-up error. */
long cfg_int(cfg_t *c, const char *name, long def, long min, long max);
/* Heap copy of the value (or of def; NULL when both are NULL). */
char *cfg_str(cfg_t *c, const char *name, const char *def);
/* config.md §1 list: comma-separated, trimmed, empties dropped; unset or
 * empty → def (also a comma list). Returns a NULL-terminated heap array. */
char **cfg_list(cfg_t *c, const char *name, const char *def);
void cfg_list_free(char **list);
size_t cfg_list_len(char *const *list);

/* Settings every daemon shares. */
typedef struct {
    char *service;       /* "auth", "chat", "presence", "gateway" */
    bool debug;          /* DJANGO_DEBUG / DEBUG, default false (C1) */
    log_level_t log_level;
    char *nats_url;      /* NATS_URL */
    char *db_conninfo;   /* libpq conninfo from DATABASE_URL or DJANGO_DB_*; NULL if unused */
    char *ops_host;      /* OPS_HOST */
    int ops_port;        /* OPS_PORT */
} common_config_t;

/* Reads the shared settings. needs_db makes the database settings mandatory. */
void common_config_load(cfg_t *c, common_config_t *out, const char *service, int default_ops_port,
                        bool needs_db);
void common_config_free(common_config_t *cfg);

#endif
