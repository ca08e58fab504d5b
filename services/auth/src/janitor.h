/* Background sweeping of expired sessions and idle rate-limit counters. */
#ifndef AUTH_JANITOR_H
#define AUTH_JANITOR_H

int janitor_start(void);
void janitor_stop(void);

#endif
