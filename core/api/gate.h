/*
 * The HTTP API's front door: leadledgerd accepts connections itself and
 * looks at each request's head before libmicrohttpd sees a byte.
 *
 * - The head must arrive whole within `timeout` seconds of the accept, an
 *   absolute deadline: a client trickling one header line every few
 *   seconds is cut off, where libmicrohttpd's idle timeout would restart
 *   with every line.  A connection that sent nothing is closed silently,
 *   one that sent part of a head gets 408.
 * - Connections per client address are limited (per_ip_connections),
 *   except for trusted proxies, which speak for many clients; the total
 *   is limited too (max_connections).  Refusals are logged at a bounded
 *   rate.
 * - A head that is malformed (400), too long in its request line (414) or
 *   in all (431), or of another HTTP version (505) is answered here, as
 *   JSON with the headers every response carries (ll_api_headers), never
 *   with libmicrohttpd's HTML pages.
 * - A good head is left unread (recv with MSG_PEEK) and the socket handed
 *   to the listener's libmicrohttpd daemon (MHD_add_connection).  Every
 *   response says Connection: close, so each request passes the gate.
 *
 * One thread serves every listener.  The libmicrohttpd daemons must report
 * their connections through ll_gate_notify (MHD_OPTION_NOTIFY_CONNECTION
 * with the gate as its closure) so the per-address count includes the
 * connections they hold.
 */
#ifndef LL_API_GATE_H
#define LL_API_GATE_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Sent with every API response, by libmicrohttpd and by the gate. */
struct ll_api_header {
	const char *name;
	const char *value;
};
extern const struct ll_api_header ll_api_headers[]; /* NULL-terminated */

#define LL_GATE_HEAD_MAX 16384 /* request line and headers */
#define LL_GATE_TARGET_MAX 8192 /* request target */

struct ll_gate_limits {
	int64_t max_connections;
	int64_t per_ip_connections;
	int64_t timeout_s;                /* for the whole head */
	const struct sockaddr_storage *trusted; /* exempt from per_ip_connections */
	size_t n_trusted;
};

struct ll_gate;

/* A gate (not yet running) with these limits (copied).  NULL: no memory. */
struct ll_gate *ll_gate_new(const struct ll_gate_limits *lim);
/* Bind and listen on addr, feeding connections to mhd (started with
 * MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC).  Returns the bound port, or -1
 * with err filled. */
int ll_gate_listen(struct ll_gate *g, const struct sockaddr_storage *addr,
		   struct MHD_Daemon *mhd, char *err, size_t errlen);
/* Start the thread.  0, or -1 with err filled. */
int ll_gate_start(struct ll_gate *g, char *err, size_t errlen);
/* Stop the thread (connections not yet handed over are closed). */
void ll_gate_stop(struct ll_gate *g);
/* After ll_gate_stop and after the daemons stopped. */
void ll_gate_free(struct ll_gate *g);

/* MHD_OPTION_NOTIFY_CONNECTION callback; cls is the gate. */
void ll_gate_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		    enum MHD_ConnectionNotificationCode toe);

/* The verdict on a request head (exposed for unit tests): 0 complete and
 * acceptable, 1 incomplete (read more), or an HTTP status to answer with
 * *why set.  full: no more bytes will be looked at. */
unsigned ll_gate_check_head(const char *buf, size_t len, int full, const char **why);

#endif
