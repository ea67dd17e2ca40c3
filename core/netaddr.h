/*
 * Listening addresses as text: "127.0.0.1:8470" or "[::1]:8470", numeric
 * only (no name look-ups at start-up), port 0 meaning "any free port".
 */
#ifndef LL_NETADDR_H
#define LL_NETADDR_H

#include <sys/socket.h>

#define LL_API_DEFAULT_LISTEN "127.0.0.1:8470"

/* Fill addr from text.  0, or -1 when the text is not such an address. */
int ll_parse_listen(const char *text, struct sockaddr_storage *addr);

#endif
