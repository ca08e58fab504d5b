/* Fuzzes the gateway's header logic: X-Forwarded-For walking, Host and
 * Origin allow-list matching, and the CSRF Origin/Referer verdict. Input
 * lines: XFF, HOST, ORIGIN, REFERER, COOKIE, TOKEN. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "allowed_hosts.h"
#include "client_ip.h"
#include "csrf_guard.h"

static char *take_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
    char *s = strndup((const char *)*p, n);
    *p += n + (nl ? 1 : 0);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static client_ip_net_t *nets;
    static char *proxies[] = {"127.0.0.1/32", "10.0.0.0/8", "::1/128", NULL};
    static char *hosts[] = {"localhost", ".example.com", NULL};
    static char *trusted[] = {"http://localhost:5173", "https://*.example.com", NULL};
    if (!nets) {
        const char *bad;
        nets = client_ip_nets_parse(proxies, &bad);
    }
    const uint8_t *p = data, *end = data + size;
    char *xff = take_line(&p, end), *host = take_line(&p, end), *origin = take_line(&p, end);
    char *referer = take_line(&p, end), *cookie = take_line(&p, end), *token = take_line(&p, end);
    char out[64];
    client_ip_resolve(nets, "127.0.0.1", xff, out, sizeof out);
    (void)client_ip_trusted(nets, xff);
    (void)allowed_hosts_match(hosts, host);
    csrf_request_t r = {.secure = size % 2, .host = host, .origin = *origin ? origin : NULL,
                        .referer = referer, .cookie = cookie, .token = token};
    (void)csrf_guard_check(trusted, &r);
    free(xff);
    free(host);
    free(origin);
    free(referer);
    free(cookie);
    free(token);
    return 0;
}
