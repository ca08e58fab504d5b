/* Client IP derivation (decisions P12, websocket.md W4): the socket peer, or
 * the rightmost untrusted X-Forwarded-For entry when the peer is a trusted
 * proxy (TRUSTED_PROXIES, CIDR list). Client-supplied CF-Connecting-IP and
 * X-Real-IP are never consulted. Pure functions, usable from any thread;
 * shared by the HTTP and WebSocket fronts. */
#ifndef GATEWAY_CLIENT_IP_H
#define GATEWAY_CLIENT_IP_H

#include <stdbool.h>
#include <stddef.h>

/* Longest canonical text form (INET6_ADDRSTRLEN). */
#define CLIENT_IP_MAX 46

typedef struct {
    int family;              /* AF_INET or AF_INET6 */
    unsigned char addr[16];  /* network order, 4 or 16 bytes used */
    int prefix;              /* bits */
} client_ip_net_t;

typedef struct {
    client_ip_net_t *nets;
    size_t count;
} client_ip_trust_t;

/* Parses a NULL-terminated list of CIDRs ("10.0.0.0/8", "::1/128", or a bare
 * address = host route). On failure returns -1 and names the bad entry in
 * err; *out is left empty. */
int client_ip_trust_parse(client_ip_trust_t *out, char *const *list, char *err, size_t err_len);
void client_ip_trust_free(client_ip_trust_t *t);

/* Parses one address (IPv4, IPv6, IPv4-mapped IPv6 is folded to IPv4; an
 * IPv4 "a.b.c.d:port" or "[v6]:port" form is accepted) into its canonical
 * text in out. Returns false when s is not an address. */
bool client_ip_canonical(const char *s, size_t len, char *out, size_t out_len);

bool client_ip_is_trusted(const client_ip_trust_t *t, const char *ip);

/* The client IP of a request: peer (any textual address) when it is not
 * trusted or xff is NULL/empty; otherwise the X-Forwarded-For chain is
 * walked right to left, skipping trusted hops, and the first untrusted
 * address wins. When every entry is trusted the leftmost one wins; an
 * unparsable entry stops the walk at the last good hop. Returns false only
 * when the peer itself is not an address (out is then ""). */
bool client_ip_resolve(const client_ip_trust_t *t, const char *peer, const char *xff, char *out,
                       size_t out_len);

#endif
