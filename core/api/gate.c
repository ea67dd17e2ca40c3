#include "api/gate.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "util/log.h"
#include "util/timeutil.h"

#define MAX_LISTENERS 4
#define LINGER_MS 1000     /* reading the rest of a refused request */
#define ACCEPTS_PER_WAKE 64

const struct ll_api_header ll_api_headers[] = {
	{ "Cache-Control", "no-store" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
	{ "Connection", "close" },
	{ NULL, NULL },
};

enum slot_state { SLOT_FREE = 0, SLOT_HEAD, SLOT_LINGER };

/* A connection the gate holds: reading its head, or lingering after an
 * error answer so the client reads the answer rather than a reset. */
struct slot {
	enum slot_state state;
	int fd;
	int listener;
	int got_bytes;
	int64_t deadline_ms;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Connections libmicrohttpd holds, per client address. */
struct held {
	struct sockaddr_storage addr;
	int64_t n;
};

struct ll_gate {
	struct ll_gate_limits lim;
	struct sockaddr_storage *trusted;
	int listen_fd[MAX_LISTENERS];
	struct MHD_Daemon *mhd[MAX_LISTENERS];
	int n_listeners;
	int epfd, wakefd;
	pthread_t thread;
	int running;
	struct slot *slots;        /* lim.max_connections of them */
	size_t n_slots;
	pthread_mutex_t held_lock; /* guards held and n_held_total */
	struct held *held;
	size_t n_held_entries;
	int64_t n_held_total;
	struct ll_log_limit refusals;
};

/* Addresses compare by family and address, never by port. */
static int same_host(const struct sockaddr_storage *a, const struct sockaddr *b)
{
	if (a->ss_family != b->sa_family)
		return 0;
	if (a->ss_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
			      &((const struct sockaddr_in *)(const void *)b)->sin_addr,
			      sizeof(struct in_addr)) == 0;
	if (a->ss_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
			      &((const struct sockaddr_in6 *)(const void *)b)->sin6_addr,
			      sizeof(struct in6_addr)) == 0;
	return 0;
}

static int trusted(const struct ll_gate *g, const struct sockaddr *a)
{
	for (size_t i = 0; i < g->lim.n_trusted; i++)
		if (same_host(&g->trusted[i], a))
			return 1;
	return 0;
}

void ll_gate_notify(void *cls, struct MHD_Connection *c, void **socket_context,
		    enum MHD_ConnectionNotificationCode toe)
{
	struct ll_gate *g = cls;
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *a = ci ? ci->client_addr : NULL;
	size_t i;

	(void)socket_context;
	if (!a || (a->sa_family != AF_INET && a->sa_family != AF_INET6))
		return;
	pthread_mutex_lock(&g->held_lock);
	for (i = 0; i < g->n_held_entries && !same_host(&g->held[i].addr, a); i++)
		;
	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		if (i == g->n_held_entries && i < g->n_slots * 2) {
			memset(&g->held[i], 0, sizeof g->held[i]);
			memcpy(&g->held[i].addr, a, a->sa_family == AF_INET ? sizeof(struct sockaddr_in)
									     : sizeof(struct sockaddr_in6));
			g->n_held_entries++;
		}
		if (i < g->n_held_entries)
			g->held[i].n++;
		g->n_held_total++;
	} else if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (i < g->n_held_entries && --g->held[i].n == 0)
			g->held[i] = g->held[--g->n_held_entries];
		g->n_held_total--;
	}
	pthread_mutex_unlock(&g->held_lock);
}

/* Connections from addr: held by libmicrohttpd plus in the gate. */
static int64_t from_host(struct ll_gate *g, const struct sockaddr *addr, int64_t *total)
{
	int64_t n = 0;

	pthread_mutex_lock(&g->held_lock);
	for (size_t i = 0; i < g->n_held_entries; i++)
		if (same_host(&g->held[i].addr, addr))
			n += g->held[i].n;
	*total = g->n_held_total;
	pthread_mutex_unlock(&g->held_lock);
	for (size_t i = 0; i < g->n_slots; i++) {
		if (g->slots[i].state == SLOT_FREE)
			continue;
		(*total)++;
		if (same_host(&g->slots[i].addr, addr))
			n++;
	}
	return n;
}

static const char *reason(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 408: return "Request Timeout";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 505: return "HTTP Version Not Supported";
	default: return "Error";
	}
}

/* Is s[0..n) a valid request method token? */
static int method_ok(const char *s, size_t n)
{
	if (n == 0 || n > 16)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return 0;
	return 1;
}

unsigned ll_gate_check_head(const char *buf, size_t len, int full, const char **why)
{
	const char *eol = memchr(buf, '\n', len), *sp1, *sp2, *ver;
	size_t line;

	*why = NULL;
	if (memchr(buf, '\0', len)) {
		*why = "a NUL byte in the request head";
		return 400;
	}
	if (!eol) {
		if (len > LL_GATE_TARGET_MAX + 32) {
			*why = "request line too long";
			return 414;
		}
		if (full) {
			*why = "request head too large";
			return 431;
		}
		return 1;
	}
	line = (size_t)(eol - buf);
	if (line > 0 && buf[line - 1] == '\r')
		line--;
	sp1 = memchr(buf, ' ', line);
	sp2 = sp1 ? memchr(sp1 + 1, ' ', line - (size_t)(sp1 + 1 - buf)) : NULL;
	if (!sp1 || !sp2 || !method_ok(buf, (size_t)(sp1 - buf)) || sp2 == sp1 + 1) {
		*why = "malformed request line";
		return 400;
	}
	if ((size_t)(sp2 - sp1 - 1) > LL_GATE_TARGET_MAX) {
		*why = "request target too long";
		return 414;
	}
	ver = sp2 + 1;
	if ((size_t)(buf + line - ver) != 8 || strncmp(ver, "HTTP/", 5) != 0 ||
	    ver[5] < '0' || ver[5] > '9' || ver[6] != '.' || ver[7] < '0' || ver[7] > '9') {
		*why = "malformed request line";
		return 400;
	}
	if (strncmp(ver, "HTTP/1.1", 8) != 0 && strncmp(ver, "HTTP/1.0", 8) != 0) {
		*why = "HTTP version not supported (HTTP/1.0 and HTTP/1.1 are)";
		return 505;
	}
	for (size_t i = line; i + 1 < len; i++) {
		if (buf[i] == '\n' && (buf[i + 1] == '\n' ||
				       (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n'))) {
			if (i > LL_GATE_HEAD_MAX)
				break;
			return 0;
		}
	}
	if (len > LL_GATE_HEAD_MAX || full) {
		*why = "request head too large";
		return 431;
	}
	return 1;
}

/* Read and drop what a refused client still sends; closed at its end. */
static void drain(struct ll_gate *g, struct slot *s);

static void slot_close(struct ll_gate *g, struct slot *s)
{
	epoll_ctl(g->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->state = SLOT_FREE;
	s->fd = -1;
}

/* Answer with a JSON error, then linger until the client is done. */
static void answer(struct ll_gate *g, struct slot *s, unsigned status, const char *why)
{
	char head[1024], body[256];
	int bl = snprintf(body, sizeof body, "{\"error\":\"%s\"}", why);
	size_t hl = (size_t)snprintf(head, sizeof head, "HTTP/1.1 %u %s\r\n"
				     "Content-Type: application/json; charset=utf-8\r\n"
				     "Content-Length: %d\r\n", status, reason(status), bl);

	for (const struct ll_api_header *h = ll_api_headers; h->name && hl < sizeof head; h++)
		hl += (size_t)snprintf(head + hl, sizeof head - hl, "%s: %s\r\n", h->name, h->value);
	if (hl < sizeof head)
		hl += (size_t)snprintf(head + hl, sizeof head - hl, "\r\n");
	if (hl >= sizeof head ||
	    send(s->fd, head, hl, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)hl ||
	    send(s->fd, body, (size_t)bl, MSG_NOSIGNAL | MSG_DONTWAIT) != bl ||
	    shutdown(s->fd, SHUT_WR) < 0) {
		slot_close(g, s);
		return;
	}
	s->state = SLOT_LINGER;
	s->deadline_ms = ll_monotonic_ms() + LINGER_MS;
	drain(g, s); /* what was only peeked at so far */
}

static void hand_over(struct ll_gate *g, struct slot *s)
{
	epoll_ctl(g->epfd, EPOLL_CTL_DEL, s->fd, NULL);
	/* libmicrohttpd owns the socket now, and closes it on failure. */
	if (MHD_add_connection(g->mhd[s->listener], s->fd, (struct sockaddr *)&s->addr,
			       s->addrlen) != MHD_YES)
		ll_log_limited(&g->refusals, LL_LOG_WARNING, "api: a connection could not be "
			       "handed to the server (at its connection limit?)");
	s->state = SLOT_FREE;
	s->fd = -1;
}

static void drain(struct ll_gate *g, struct slot *s)
{
	char buf[4096];
	ssize_t n;

	while ((n = recv(s->fd, buf, sizeof buf, MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		slot_close(g, s);
}

static void readable(struct ll_gate *g, struct slot *s)
{
	char buf[LL_GATE_HEAD_MAX + 1];
	const char *why;
	unsigned verdict;
	ssize_t n;

	if (s->state == SLOT_LINGER) {
		drain(g, s);
		return;
	}
	n = recv(s->fd, buf, sizeof buf, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
		slot_close(g, s);
		return;
	}
	if (n <= 0)
		return;
	s->got_bytes = 1;
	verdict = ll_gate_check_head(buf, (size_t)n, (size_t)n == sizeof buf, &why);
	if (verdict == 0)
		hand_over(g, s);
	else if (verdict > 1)
		answer(g, s, verdict, why);
}

static struct slot *free_slot(struct ll_gate *g)
{
	for (size_t i = 0; i < g->n_slots; i++)
		if (g->slots[i].state == SLOT_FREE)
			return &g->slots[i];
	return NULL;
}

static void accept_on(struct ll_gate *g, int listener)
{
	for (int k = 0; k < ACCEPTS_PER_WAKE; k++) {
		struct sockaddr_storage addr;
		socklen_t len = sizeof addr;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET };
		int64_t total, mine;
		struct slot *s;
		int fd = accept4(g->listen_fd[listener], (struct sockaddr *)&addr, &len,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0)
			return;
		mine = from_host(g, (struct sockaddr *)&addr, &total);
		s = free_slot(g);
		if (!s || total >= g->lim.max_connections) {
			ll_log_limited(&g->refusals, LL_LOG_WARNING, "api: connection refused: "
				       "max_connections (%lld) reached", (long long)g->lim.max_connections);
			close(fd);
			continue;
		}
		if (mine >= g->lim.per_ip_connections && !trusted(g, (struct sockaddr *)&addr)) {
			ll_log_limited(&g->refusals, LL_LOG_WARNING, "api: connection refused: "
				       "per_ip_connections (%lld) reached for one address",
				       (long long)g->lim.per_ip_connections);
			close(fd);
			continue;
		}
		*s = (struct slot){ .state = SLOT_HEAD, .fd = fd, .listener = listener,
				    .deadline_ms = ll_monotonic_ms() + g->lim.timeout_s * 1000,
				    .addr = addr, .addrlen = len };
		ev.data.u64 = (uint64_t)(MAX_LISTENERS + (s - g->slots));
		if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			s->state = SLOT_FREE;
			continue;
		}
		readable(g, s); /* the head may be there already */
	}
}

/* Past their deadline: a head never completed, or a linger ended. */
static int64_t expire(struct ll_gate *g)
{
	int64_t now = ll_monotonic_ms(), next = now + 1000;

	for (size_t i = 0; i < g->n_slots; i++) {
		struct slot *s = &g->slots[i];

		if (s->state == SLOT_FREE)
			continue;
		if (s->deadline_ms > now) {
			if (s->deadline_ms < next)
				next = s->deadline_ms;
		} else if (s->state == SLOT_HEAD && s->got_bytes) {
			answer(g, s, 408, "the request head did not arrive in time");
		} else {
			slot_close(g, s);
		}
	}
	return next - now;
}

static void *gate_main(void *arg)
{
	struct ll_gate *g = arg;
	struct epoll_event ev[64];

	for (;;) {
		int timeout = (int)expire(g), n = epoll_wait(g->epfd, ev, 64, timeout > 0 ? timeout : 0);

		for (int i = 0; i < n; i++) {
			uint64_t id = ev[i].data.u64;

			if (id == UINT64_MAX)
				return NULL;
			if (id < MAX_LISTENERS)
				accept_on(g, (int)id);
			else if (g->slots[id - MAX_LISTENERS].state != SLOT_FREE)
				readable(g, &g->slots[id - MAX_LISTENERS]);
		}
	}
}

struct ll_gate *ll_gate_new(const struct ll_gate_limits *lim)
{
	struct ll_gate *g = calloc(1, sizeof *g);
	struct ll_log_limit refusals = LL_LOG_LIMIT_INIT(5, 10);

	if (!g)
		return NULL;
	g->lim = *lim;
	g->epfd = g->wakefd = -1;
	g->refusals = refusals;
	pthread_mutex_init(&g->held_lock, NULL);
	g->n_slots = (size_t)lim->max_connections;
	g->slots = calloc(g->n_slots, sizeof *g->slots);
	g->held = calloc(2 * g->n_slots + 1, sizeof *g->held);
	g->trusted = calloc(lim->n_trusted + 1, sizeof *g->trusted);
	g->epfd = epoll_create1(EPOLL_CLOEXEC);
	g->wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (!g->slots || !g->held || !g->trusted || g->epfd < 0 || g->wakefd < 0) {
		ll_gate_free(g);
		return NULL;
	}
	if (lim->n_trusted)
		memcpy(g->trusted, lim->trusted, lim->n_trusted * sizeof *g->trusted);
	g->lim.trusted = g->trusted;
	for (size_t i = 0; i < g->n_slots; i++)
		g->slots[i].fd = -1;
	return g;
}

int ll_gate_listen(struct ll_gate *g, const struct sockaddr_storage *addr,
		   struct MHD_Daemon *mhd, char *err, size_t errlen)
{
	socklen_t len = addr->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						    : sizeof(struct sockaddr_in);
	struct sockaddr_storage bound;
	struct epoll_event ev = { .events = EPOLLIN };
	int one = 1, fd;

	if (g->n_listeners == MAX_LISTENERS) {
		snprintf(err, errlen, "too many listeners");
		return -1;
	}
	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, (const struct sockaddr *)addr, len) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&bound, &len) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	ev.data.u64 = (uint64_t)g->n_listeners;
	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		close(fd);
		return -1;
	}
	g->listen_fd[g->n_listeners] = fd;
	g->mhd[g->n_listeners] = mhd;
	g->n_listeners++;
	return ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
						 : ((struct sockaddr_in *)&bound)->sin_port);
}

int ll_gate_start(struct ll_gate *g, char *err, size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };

	if (epoll_ctl(g->epfd, EPOLL_CTL_ADD, g->wakefd, &ev) < 0 ||
	    pthread_create(&g->thread, NULL, gate_main, g) != 0) {
		snprintf(err, errlen, "api: cannot start the connection gate");
		return -1;
	}
	g->running = 1;
	return 0;
}

void ll_gate_stop(struct ll_gate *g)
{
	uint64_t one = 1;

	if (!g || !g->running)
		return;
	if (write(g->wakefd, &one, sizeof one) != (ssize_t)sizeof one)
		ll_warning("api: cannot wake the connection gate");
	pthread_join(g->thread, NULL);
	g->running = 0;
	for (size_t i = 0; i < g->n_slots; i++)
		if (g->slots[i].state != SLOT_FREE)
			slot_close(g, &g->slots[i]);
}

void ll_gate_free(struct ll_gate *g)
{
	if (!g)
		return;
	ll_gate_stop(g);
	for (int i = 0; i < g->n_listeners; i++)
		close(g->listen_fd[i]);
	if (g->epfd >= 0)
		close(g->epfd);
	if (g->wakefd >= 0)
		close(g->wakefd);
	pthread_mutex_destroy(&g->held_lock);
	free(g->slots);
	free(g->held);
	free(g->trusted);
	free(g);
}
