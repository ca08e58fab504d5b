/* echochat-presence: entry point. Reads configuration, starts the shared runtime
 * (ops endpoint, NATS, PostgreSQL schema "presence"), serves its subjects and
 * shuts down cleanly on SIGTERM. */
#include <stdlib.h>

#include "echo/daemon.h"

int main(int argc, char **argv)
{
    daemon_t d;
    daemon_init(&d, argc, argv, "presence", 9103, true);
    daemon_config_done(&d);
    if (daemon_start(&d, "presence") != 0) {
        daemon_shutdown(&d);
        return 1;
    }
    daemon_wait(&d);
    daemon_shutdown(&d);
    return 0;
}
