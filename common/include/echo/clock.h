/* Clocks and the string hash every daemon's in-memory tables use, so each
 * module does not carry its own copy. Header-only: they are one call each. */
#ifndef ECHO_CLOCK_H
#define ECHO_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Monotonic milliseconds: timeouts, TTLs, rates (never jumps with the wall clock). */
static inline int64_t clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Milliseconds since the epoch: only for what is shown or stored as a time. */
static inline int64_t clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* FNV-1a (32-bit) of a NUL-terminated string: bucket index of hash tables
 * keyed by session ids, room names and presence keys. */
static inline uint32_t hash_str(const char *s)
{
    uint32_t h = 2166136261u;
    while (*s)
        h = (h ^ (unsigned char)*s++) * 16777619u;
    return h;
}

/* FNV-1a (64-bit) of n bytes: cache keys and lock keys. */
static inline uint64_t hash_bytes(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 1099511628211ULL;
    return h;
}

#endif
