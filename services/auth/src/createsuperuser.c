/* `echochat-auth createsuperuser [--username U] [--password P] [--email E]`:
 * applies the auth migrations and creates the superuser, or promotes an
 * existing account (setting the given password, which revokes its sessions).
 * Values come from flags, then ECHOCHAT_SUPERUSER_USERNAME / _PASSWORD /
 * _EMAIL, then interactive prompts when stdin is a terminal. Exit 0 on
 * success, 1 on failure, 2 on bad usage or configuration. */
#include "createsuperuser.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth.h"
#include "echo/daemon.h"
#include "echo/db.h"
#include "echo/migrate.h"
#include "echo/text.h"
#include "events.h"
#include "password.h"
#include "session.h"
#include "user.h"
#include "username.h"

static char *prompt(const char *label, bool hidden)
{
    struct termios old, quiet;
    bool restore = false;
    fprintf(stderr, "%s", label);
    fflush(stderr);
    if (hidden && tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, stdin);
    if (restore) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fprintf(stderr, "\n");
    }
    if (n < 0) {
        free(line);
        return NULL;
    }
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = '\0';
    return line;
}

static char *value_of(const char *flag_value, const char *env)
{
    const char *v = flag_value ? flag_value : getenv(env);
    return v && *v ? strdup(v) : NULL;
}

/* Publishes the revocation so running gateways drop cached sessions; the
 * sessions are already gone from the database either way. */
static void announce_revocation(daemon_t *d, int64_t user_id)
{
    bus_t *bus = NULL;
    if (bus_open(&bus, d->cfg.nats_url, "echochat-auth-createsuperuser") != BUS_OK)
        return;
    for (int i = 0; i < 20 && !bus_connected(bus); i++)
        usleep(100 * 1000);
    if (bus_connected(bus))
        events_session_revoked(bus, user_id, NULL, "password_changed");
    bus_close(bus);
}

static int save(daemon_t *d, auth_t *app, const char *username, const char *password, const char *email)
{
    char hash[PASSWORD_ENCODED_MAX];
    if (password_hash(&app->cfg, password, strlen(password), hash) != 0)
        return 1;
    user_t u;
    user_status_t us = user_by_username(username, &u);
    if (us == USER_ERROR)
        return 1;
    if (us == USER_MISSING) {
        user_t created;
        if (user_create(username, hash, true, true, email, &created) != USER_FOUND) {
            fprintf(stderr, "createsuperuser: could not create %s\n", username);
            return 1;
        }
        printf("Superuser \"%s\" created.\n", username);
        user_free(&created);
        return 0;
    }
    char uid[24];
    snprintf(uid, sizeof uid, "%lld", (long long)u.id);
    const char *params[] = {uid, hash, email};
    PGresult *r = db_query("UPDATE auth.users SET password = $2, is_staff = true, is_superuser = true,"
                           " is_active = true, email = coalesce($3, email) WHERE id = $1",
                           3, params);
    int rc = 1;
    if (r) {
        PQclear(r);
        if (session_delete_user(u.id) >= 0) {
            announce_revocation(d, u.id);
            printf("Existing account \"%s\" promoted to superuser; its password was reset.\n", username);
            rc = 0;
        }
    }
    user_free(&u);
    return rc;
}

int createsuperuser_main(int argc, char **argv)
{
    const char *f_user = NULL, *f_pass = NULL, *f_email = NULL;
    for (int i = 2; i < argc; i++) {
        const char **slot = !strcmp(argv[i], "--username") ? &f_user
                            : !strcmp(argv[i], "--password") ? &f_pass
                            : !strcmp(argv[i], "--email")    ? &f_email
                                                             : NULL;
        if (!slot || i + 1 >= argc) {
            fprintf(stderr, "usage: echochat-auth createsuperuser [--username U] [--password P] [--email E]\n");
            return 2;
        }
        *slot = argv[++i];
    }
    daemon_t d;
    auth_t app = {0};
    char *argv0[] = {argv[0], NULL};
    daemon_init(&d, 1, argv0, "auth", 9101, true);
    auth_config_load(&d.cfgr, d.cfg.debug, &app.cfg);
    daemon_config_done(&d);

    bool tty = isatty(STDIN_FILENO);
    char *raw_user = value_of(f_user, "ECHOCHAT_SUPERUSER_USERNAME");
    char *password = value_of(f_pass, "ECHOCHAT_SUPERUSER_PASSWORD");
    char *email = value_of(f_email, "ECHOCHAT_SUPERUSER_EMAIL");
    char *username = NULL;
    int rc = 2;
    if (!raw_user && tty)
        raw_user = prompt("Username: ", false);
    if (!raw_user) {
        fprintf(stderr, "createsuperuser: --username (or ECHOCHAT_SUPERUSER_USERNAME) is required\n");
        goto done;
    }
    size_t count = 0;
    username_status_t ust = username_clean(raw_user, strlen(raw_user), &username, &count);
    if (ust != USERNAME_OK) {
        char msg[512];
        username_message(ust, count, msg, sizeof msg);
        fprintf(stderr, "createsuperuser: username: %s\n", msg);
        goto done;
    }
    if (!password && tty) {
        password = prompt("Password: ", true);
        char *again = password ? prompt("Password (again): ", true) : NULL;
        bool same = again && strcmp(again, password) == 0;
        free(again);
        if (!same) {
            fprintf(stderr, "createsuperuser: passwords do not match\n");
            goto done;
        }
    }
    if (!password || !*password) {
        fprintf(stderr, "createsuperuser: --password (or ECHOCHAT_SUPERUSER_PASSWORD) is required\n");
        goto done;
    }
    if (!text_valid_utf8(password, strlen(password)) || (email && !text_valid_utf8(email, strlen(email)))) {
        fprintf(stderr, "createsuperuser: values must be UTF-8\n");
        goto done;
    }

    rc = 1;
    db_init(d.cfg.db_conninfo);
    PGconn *conn = NULL;
    for (int attempt = 0; attempt < 30 && !(conn = db_conn()); attempt++)
        sleep(1);
    if (!conn) {
        fprintf(stderr, "createsuperuser: PostgreSQL is unreachable\n");
        goto done;
    }
    if (migrate_apply(conn, "auth", service_migrations, service_migrations_count) < 0) {
        fprintf(stderr, "createsuperuser: migrations failed\n");
        goto done;
    }
    if (password_init(&app.cfg) != 0)
        goto done;
    if (!password_acceptable(app.cfg.relax_passwords, password, strlen(password), username, email))
        fprintf(stderr, "createsuperuser: warning: the password does not pass the password rules\n");
    rc = save(&d, &app, username, password, email);
done:
    db_thread_done();
    free(raw_user);
    free(username);
    free(password);
    free(email);
    common_config_free(&d.cfg);
    return rc;
}
