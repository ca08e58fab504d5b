/* The auth daemon's shared state: its settings (read once at start-up) and
 * the NATS connection handlers publish events on. Every handler gets one
 * auth_t as its context; nothing in it changes once requests are served. */
#ifndef AUTH_H
#define AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "echo/bus.h"
#include "echo/config.h"

/* 14 days, absolute (api.md §2.1): COOKIE_SESSION_MAX_AGE as a literal, since
 * SQL text embeds it. */
#define AUTH_SESSION_LIFETIME 1209600
#define AUTH_DEFAULT_AVATAR "default.jpg"

typedef struct {
    bool relax_passwords;       /* DJANGO_RELAX_PASSWORDS, default = debug */
    bool session_cookie_secure; /* DJANGO_SESSION_COOKIE_SECURE, default = !debug */
    bool csrf_cookie_secure;    /* DJANGO_CSRF_COOKIE_SECURE, default = !debug */
    long rate_limit;            /* AUTH_RATE_LIMIT */
    long rate_window;           /* AUTH_RATE_WINDOW, seconds */
    size_t upload_max_bytes;    /* DJANGO_UPLOAD_MAX_MB in bytes */
    uint32_t argon2_memory_kib; /* AUTH_ARGON2_MEMORY_KIB */
    uint32_t argon2_iterations; /* AUTH_ARGON2_ITERATIONS */
    uint32_t argon2_parallelism;/* AUTH_ARGON2_PARALLELISM */
    int http_workers;           /* AUTH_HTTP_WORKERS */
    int resolve_workers;        /* AUTH_RESOLVE_WORKERS */
    int hash_workers;           /* AUTH_HASH_WORKERS: slow-lane threads */
} auth_config_t;

/* Nice value of the slow lane's threads: hashing yields the CPU to fast
 * requests instead of competing with them as an equal. 10 gives a nice-0
 * thread ~9x the weight of a hash (5 gave 3x), so a waking gateway or NATS
 * thread preempts a hash almost at once, while under full saturation hashing
 * still gets ~10 % of a core and logins slow down instead of stalling
 * (SCHED_IDLE would starve them; docs/benchmarks.md, Auth). On idle cores
 * the value costs logins nothing: hashes only take CPU nobody else wants. */
#define AUTH_SLOW_NICE 10

struct slow_lane;

typedef struct {
    auth_config_t cfg;
    bus_t *bus;
    struct slow_lane *slow; /* set by http_start before any request */
} auth_t;

/* Reads every auth setting through cfg_* (errors collected in c). */
void auth_config_load(cfg_t *c, bool debug, auth_config_t *out);

#endif
