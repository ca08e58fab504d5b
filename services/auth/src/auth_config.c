/* The auth daemon's own settings (config.md §2, decisions P4, P5, P10, C5). */
#include <stdlib.h>
#include <string.h>

#include "auth.h"

/* Django's built-in development key: refusing it is C5's point. */
#define INSECURE_DEFAULT_PREFIX "django-insecure-"

void auth_config_load(cfg_t *c, bool debug, auth_config_t *out)
{
    memset(out, 0, sizeof *out);
    /* The session store needs no secret (ids are random, stored hashed), but
     * C5 requires an explicit one so a forgotten .env is caught at start-up. */
    const char *secret = cfg_lookup("DJANGO_SECRET_KEY");
    bool allow_insecure = cfg_bool(c, "ALLOW_INSECURE_SECRET", false);
    if (!allow_insecure) {
        if (!secret || !*secret)
            cfg_fail(c, "DJANGO_SECRET_KEY", "required (set ALLOW_INSECURE_SECRET=1 for development)");
        else if (strncmp(secret, INSECURE_DEFAULT_PREFIX, strlen(INSECURE_DEFAULT_PREFIX)) == 0)
            cfg_fail(c, "DJANGO_SECRET_KEY", "the built-in insecure key is refused");
    }
    out->relax_passwords = cfg_bool(c, "DJANGO_RELAX_PASSWORDS", debug);
    out->session_cookie_secure = cfg_bool(c, "DJANGO_SESSION_COOKIE_SECURE", !debug);
    out->csrf_cookie_secure = cfg_bool(c, "DJANGO_CSRF_COOKIE_SECURE", !debug);
    out->rate_limit = cfg_int(c, "AUTH_RATE_LIMIT", 10, 1, 1000000);
    out->rate_window = cfg_int(c, "AUTH_RATE_WINDOW", 60, 1, 86400 * 30);
    out->upload_max_bytes = (size_t)cfg_int(c, "DJANGO_UPLOAD_MAX_MB", 20, 1, 1024) * 1024 * 1024;
    out->argon2_memory_kib = (uint32_t)cfg_int(c, "AUTH_ARGON2_MEMORY_KIB", 19456, 8, 4 * 1024 * 1024);
    out->argon2_iterations = (uint32_t)cfg_int(c, "AUTH_ARGON2_ITERATIONS", 2, 1, 100);
    out->argon2_parallelism = (uint32_t)cfg_int(c, "AUTH_ARGON2_PARALLELISM", 1, 1, 64);
    if (out->argon2_memory_kib < 8 * out->argon2_parallelism)
        cfg_fail(c, "AUTH_ARGON2_MEMORY_KIB", "must be at least 8 x AUTH_ARGON2_PARALLELISM");
    out->http_workers = (int)cfg_int(c, "AUTH_HTTP_WORKERS", 4, 1, 256);
    out->resolve_workers = (int)cfg_int(c, "AUTH_RESOLVE_WORKERS", 2, 1, 64);
    out->hash_workers = (int)cfg_int(c, "AUTH_HASH_WORKERS", 2, 1, 64);
}
