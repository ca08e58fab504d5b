/* DJANGO_ALLOWED_HOSTS rules (config.md): "*" allows any host, an entry
 * starting with "." allows that domain and its subdomains, anything else is
 * an exact, case-insensitive host; the port is ignored. */
#ifndef ALLOWED_HOSTS_H
#define ALLOWED_HOSTS_H

#include <stdbool.h>

/* host_header is "host", "host:port" or "[v6]:port". */
bool allowed_hosts_match(char *const *allowed, const char *host_header);

#endif
