/* Client IP derivation (P12, D1, W4): the socket peer, or the X-Forwarded-For
 * chain when the peer is a trusted proxy. Client-sent headers are never
 * trusted on their own. */
#ifndef CLIENT_IP_H
#define CLIENT_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef struct client_ip_net client_ip_net_t;

/* Parses a CIDR list ("127.0.0.1/32", "::1", "10.0.0.0/8"); NULL and *bad set
 * to the first invalid entry on error. */
client_ip_net_t *client_ip_nets_parse(char *const *cidrs, const char **bad);
void client_ip_nets_free(client_ip_net_t *nets);
bool client_ip_trusted(const client_ip_net_t *nets, const char *ip);

/* Writes the textual peer address of sa into out. */
bool client_ip_from_sockaddr(const struct sockaddr *sa, char *out, size_t outlen);

/* The client address: peer unless it is trusted, in which case the rightmost
 * untrusted entry of xff (the header value, may be NULL) — entries a client
 * wrote to the left of what our proxies appended are ignored. Falls back to
 * the peer when xff has no valid entry. */
void client_ip_resolve(const client_ip_net_t *nets, const char *peer, const char *xff, char *out,
                       size_t outlen);

#endif
