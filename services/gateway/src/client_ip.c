/* Client IP derivation: CIDR matching of trusted proxies and the
 * X-Forwarded-For walk from the right. */
#include "client_ip.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client_ip_net {
    int family;
    unsigned char addr[16];
    int prefix;
    struct client_ip_net *next;
};

/* IPv4-mapped IPv6 peers (::ffff:a.b.c.d) are compared as IPv4. */
static bool parse_addr(const char *s, int *family, unsigned char *addr)
{
    if (inet_pton(AF_INET, s, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, s, addr) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
        } else {
            *family = AF_INET6;
        }
        return true;
    }
    return false;
}

client_ip_net_t *client_ip_nets_parse(char *const *cidrs, const char **bad)
{
    client_ip_net_t *head = NULL;
    for (char *const *c = cidrs; c && *c; c++) {
        char buf[80];
        snprintf(buf, sizeof buf, "%s", *c);
        char *slash = strchr(buf, '/');
        int prefix = -1;
        if (slash) {
            *slash = '\0';
            char *end = NULL;
            prefix = (int)strtol(slash + 1, &end, 10);
            if (!*(slash + 1) || *end)
                prefix = -2;
        }
        client_ip_net_t *n = calloc(1, sizeof *n);
        if (!n)
            abort();
        if (prefix == -2 || !parse_addr(buf, &n->family, n->addr)) {
            free(n);
            goto fail;
        }
        int max = n->family == AF_INET ? 32 : 128;
        n->prefix = prefix < 0 ? max : prefix;
        if (n->prefix > max) {
            free(n);
            goto fail;
        }
        n->next = head;
        head = n;
        continue;
    fail:
        *bad = *c;
        client_ip_nets_free(head);
        return NULL;
    }
    if (!head) { /* an empty list trusts nobody; keep a non-NULL sentinel */
        head = calloc(1, sizeof *head);
        if (!head)
            abort();
        head->family = -1;
    }
    return head;
}

void client_ip_nets_free(client_ip_net_t *nets)
{
    while (nets) {
        client_ip_net_t *next = nets->next;
        free(nets);
        nets = next;
    }
}

bool client_ip_trusted(const client_ip_net_t *nets, const char *ip)
{
    int family;
    unsigned char addr[16];
    if (!ip || !parse_addr(ip, &family, addr))
        return false;
    for (const client_ip_net_t *n = nets; n; n = n->next) {
        if (n->family != family)
            continue;
        int full = n->prefix / 8, rest = n->prefix % 8;
        if (memcmp(addr, n->addr, (size_t)full) != 0)
            continue;
        if (rest) {
            unsigned char mask = (unsigned char)(0xFF << (8 - rest));
            if ((addr[full] & mask) != (n->addr[full] & mask))
                continue;
        }
        return true;
    }
    return false;
}

bool client_ip_from_sockaddr(const struct sockaddr *sa, char *out, size_t outlen)
{
    if (!sa)
        return false;
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out,
                         (socklen_t)outlen) != NULL;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
            return inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], out, (socklen_t)outlen) != NULL;
        return inet_ntop(AF_INET6, &s6->sin6_addr, out, (socklen_t)outlen) != NULL;
    }
    return false;
}

/* Trims spaces around xff[start, end) into buf; false if not an address. */
static bool xff_entry(const char *s, size_t len, char *buf, size_t buflen)
{
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= buflen)
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    int family;
    unsigned char addr[16];
    return parse_addr(buf, &family, addr);
}

void client_ip_resolve(const client_ip_net_t *nets, const char *peer, const char *xff, char *out,
                       size_t outlen)
{
    snprintf(out, outlen, "%s", peer ? peer : "");
    if (!xff || !client_ip_trusted(nets, peer))
        return;
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *comma = end;
        while (comma > xff && comma[-1] != ',')
            comma--;
        char entry[64];
        if (!xff_entry(comma, (size_t)(end - comma), entry, sizeof entry))
            return; /* garbage in the chain: stop at the last trusted hop's view */
        snprintf(out, outlen, "%s", entry);
        if (!client_ip_trusted(nets, entry))
            return;
        end = comma > xff ? comma - 1 : xff;
    }
}
