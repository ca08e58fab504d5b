/* echochat.auth.user.lookup: chat asks for an account by exact username
 * (admin room owners it has not seen post). */
#ifndef AUTH_LOOKUP_H
#define AUTH_LOOKUP_H

#include "auth.h"

int lookup_start(auth_t *app);

#endif
