/* Client IP derivation: CIDR trust list and the X-Forwarded-For walk
 * (see client_ip.h for the rules and why they are what they are). */
#include "client_ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parses s[0..len) into family/addr; folds ::ffff:a.b.c.d to IPv4. */
static bool client_ip_parse(const char *s, size_t len, int *family, unsigned char addr[16])
{
    char buf[64];
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return false;
    if (s[0] == '[') { /* "[v6]" or "[v6]:port" */
        const char *close = memchr(s, ']', len);
        if (!close)
            return false;
        size_t rest = len - (size_t)(close - s) - 1;
        if (rest && close[1] != ':')
            return false;
        len = (size_t)(close - s) - 1;
        s++;
    }
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET6, buf, addr) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(addr, mapped, 12) == 0) {
            memmove(addr, addr + 12, 4);
            *family = AF_INET;
        } else {
            *family = AF_INET6;
        }
        return true;
    }
    char *colon = strchr(buf, ':');
    if (colon) { /* "a.b.c.d:port" */
        for (const char *p = colon + 1; *p; p++)
            if (*p < '0' || *p > '9')
                return false;
        *colon = '\0';
    }
    if (inet_pton(AF_INET, buf, addr) == 1) {
        *family = AF_INET;
        return true;
    }
    return false;
}

bool client_ip_canonical(const char *s, size_t len, char *out, size_t out_len)
{
    int family;
    unsigned char addr[16];
    if (!client_ip_parse(s, len, &family, addr))
        return false;
    return inet_ntop(family, addr, out, (socklen_t)out_len) != NULL;
}

int client_ip_trust_parse(client_ip_trust_t *out, char *const *list, char *err, size_t err_len)
{
    size_t n = 0;
    while (list && list[n])
        n++;
    out->nets = n ? calloc(n, sizeof *out->nets) : NULL;
    out->count = 0;
    if (n && !out->nets) {
        snprintf(err, err_len, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        const char *item = list[i];
        const char *slash = strchr(item, '/');
        size_t alen = slash ? (size_t)(slash - item) : strlen(item);
        client_ip_net_t *net = &out->nets[i];
        if (!client_ip_parse(item, alen, &net->family, net->addr) || memchr(item, '[', alen)) {
            snprintf(err, err_len, "'%s' is not an address or CIDR", item);
            goto fail;
        }
        int max = net->family == AF_INET ? 32 : 128;
        /* An IPv4-mapped network written in IPv6 form keeps IPv6 prefix bits. */
        bool mapped = net->family == AF_INET && strchr(item, ':') != NULL;
        net->prefix = max;
        if (slash) {
            char *end = NULL;
            long p = strtol(slash + 1, &end, 10);
            if (!slash[1] || *end || p < 0 || p > (mapped ? 128 : max)) {
                snprintf(err, err_len, "'%s' has a bad prefix length", item);
                goto fail;
            }
            net->prefix = mapped ? (int)(p >= 96 ? p - 96 : 0) : (int)p;
        }
        out->count++;
    }
    return 0;
fail:
    client_ip_trust_free(out);
    return -1;
}

void client_ip_trust_free(client_ip_trust_t *t)
{
    free(t->nets);
    t->nets = NULL;
    t->count = 0;
}

static bool client_ip_net_contains(const client_ip_net_t *net, int family, const unsigned char *addr)
{
    if (net->family != family)
        return false;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (addr[full] & mask);
}

static bool client_ip_trusted_bin(const client_ip_trust_t *t, int family, const unsigned char *addr)
{
    for (size_t i = 0; i < t->count; i++)
        if (client_ip_net_contains(&t->nets[i], family, addr))
            return true;
    return false;
}

bool client_ip_is_trusted(const client_ip_trust_t *t, const char *ip)
{
    int family;
    unsigned char addr[16];
    return ip && client_ip_parse(ip, strlen(ip), &family, addr) &&
           client_ip_trusted_bin(t, family, addr);
}

bool client_ip_resolve(const client_ip_trust_t *t, const char *peer, const char *xff, char *out,
                       size_t out_len)
{
    int family;
    unsigned char addr[16];
    if (out_len)
        out[0] = '\0';
    if (!peer || !client_ip_parse(peer, strlen(peer), &family, addr))
        return false;
    if (!xff || !*xff || !client_ip_trusted_bin(t, family, addr))
        return inet_ntop(family, addr, out, (socklen_t)out_len) != NULL;
    /* Walk right to left: each hop was appended by the proxy to its right. */
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        int f;
        unsigned char a[16];
        if (!client_ip_parse(start, (size_t)(end - start), &f, a)) {
            bool blank = true;
            for (const char *p = start; p < end; p++)
                if (*p != ' ' && *p != '\t')
                    blank = false;
            if (!blank)
                break; /* garbage: keep the last good hop */
        } else {
            family = f;
            memcpy(addr, a, sizeof addr);
            if (!client_ip_trusted_bin(t, f, a))
                break;
        }
        end = start > xff ? start - 1 : xff;
    }
    return inet_ntop(family, addr, out, (socklen_t)out_len) != NULL;
}
