/* echochat-presence: entry point. Reads configuration, starts the shared runtime
 * (ops endpoint, NATS, PostgreSQL schema "presence"), serves its subjects and
 * shuts down cleanly on SIGTERM. */
#include <stdlib.h>

#include "echo/daemon.h"
#include "presence.h"

int main(int argc, char **argv)
{
    daemon_t d;
    presence_config_t cfg;
    presence_t *p = NULL;
    int rc = 1;
    daemon_init(&d, argc, argv, "presence", 9103, true);
    presence_config_load(&d.cfgr, &cfg);
    daemon_config_done(&d);
    if (daemon_start(&d, "presence") != 0) goto cleanup;
    if (presence_start(&p, &d, &cfg) != 0) goto cleanup;
    daemon_wait(&d);
    rc = 0;
cleanup:
    presence_stop(p);
    daemon_shutdown(&d);
    presence_free(p);
    return rc;
}
