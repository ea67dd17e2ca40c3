/*
 * systemd's notification protocol without libsystemd (as collectd does):
 * one datagram to $NOTIFY_SOCKET, abstract namespace included.  A no-op
 * when the variable is unset.
 */
#ifndef LL_NOTIFY_H
#define LL_NOTIFY_H

void ll_notify(const char *state);

#endif
