/* echochat-auth: entry point. Reads configuration, starts the shared runtime
 * (ops endpoint, NATS, PostgreSQL schema "auth"), serves echochat.auth.http,
 * echochat.auth.session.resolve and echochat.auth.user.lookup, and shuts
 * down cleanly on SIGTERM.
 * `echochat-auth createsuperuser` is handled by createsuperuser.c. */
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "avatar.h"
#include "createsuperuser.h"
#include "echo/daemon.h"
#include "echo/db.h"
#include "echo/log.h"
#include "http.h"
#include "janitor.h"
#include "lookup.h"
#include "media.h"
#include "password.h"
#include "resolve.h"

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "createsuperuser") == 0)
        return createsuperuser_main(argc, argv);

    daemon_t d;
    auth_t app = {0};
    int rc = 1;
    /* nats.c spins 2000 times on a busy lock before sleeping by default;
     * with more threads than cores that spinning only steals CPU from the
     * thread holding the lock. */
    nats_Open(0);
    daemon_init(&d, argc, argv, "auth", 9101, true);
    auth_config_load(&d.cfgr, d.cfg.debug, &app.cfg);
    daemon_config_done(&d);

    if (avatar_init(argv[0]) != 0 || password_init(&app.cfg) != 0)
        goto out;
    if (daemon_start(&d, "auth") != 0)
        goto out;
    app.bus = d.bus;
    /* First start: the default avatar is generated, never shipped in git. */
    int media_rc = media_ensure_default();
    db_thread_done();
    if (media_rc != 0 || resolve_start(&app) != BUS_OK || lookup_start(&app) != BUS_OK ||
        http_start(&app) != BUS_OK || janitor_start() != 0)
        goto out;
    log_info("auth: serving (%d http workers, %d resolve workers, passwords %s)", app.cfg.http_workers,
             app.cfg.resolve_workers, app.cfg.relax_passwords ? "relaxed" : "strict");
    daemon_wait(&d);
    rc = 0;
out:
    http_stop(&app);
    janitor_stop();
    daemon_shutdown(&d);
    http_free(&app);
    return rc;
}
