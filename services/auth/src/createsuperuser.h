/* `echochat-auth createsuperuser` (decision P16). */
#ifndef AUTH_CREATESUPERUSER_H
#define AUTH_CREATESUPERUSER_H

int createsuperuser_main(int argc, char **argv);

#endif
