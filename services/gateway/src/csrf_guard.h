/* The gateway's CSRF verdict for unsafe methods (api.md §2.2 steps 1-5):
 * Origin, then Referer for secure requests, then cookie and token. The owning
 * daemon applies the verdict after its route matched (so unknown paths stay
 * 404 and a POST to a GET-only route with a valid token is 405). */
#ifndef CSRF_GUARD_H
#define CSRF_GUARD_H

#include <stdbool.h>

typedef struct {
    bool secure;         /* request counts as https */
    const char *host;    /* Host header verbatim */
    const char *origin;  /* may be NULL */
    const char *referer; /* may be NULL */
    const char *cookie;  /* csrftoken cookie, may be NULL */
    const char *token;   /* form field csrfmiddlewaretoken if non-empty, else X-CSRFToken */
} csrf_request_t;

/* NULL when the request passes, else the failure reason. */
const char *csrf_guard_check(char *const *trusted_origins, const csrf_request_t *r);

#endif
