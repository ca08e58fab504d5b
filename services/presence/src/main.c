/* echochat-presence: entry point. Reads configuration, starts the shared runtime
 * (ops endpoint, NATS, PostgreSQL schema "presence"), serves its subjects and
 * shuts down cleanly on SIGTERM. */
#include <stdlib.h>

#include "echo/clock.h"
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
cleanup:;
    int64_t t0 = clock_mono_ms();
    presence_stop(p);
    if (clock_mono_ms() - t0 > 1000) /* see daemon_shutdown */
        log_warn("slow shutdown: the presence timer took %lld ms to stop",
                 (long long)(clock_mono_ms() - t0));
    daemon_shutdown(&d);
    presence_free(p);
    return rc;
}
