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

/* A numeric host address without a port ("127.0.0.1", "::1", "[::1]").
 * 0, or -1. */
int ll_parse_host(const char *text, struct sockaddr_storage *addr);

/* True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
int ll_addr_is_loopback(const struct sockaddr_storage *addr);

#endif
