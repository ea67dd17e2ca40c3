#include "api/server.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/gate.h"
#include "api/metrics.h"
#include "api/connect.h"
#include "api/routes.h"
#include "util/buf.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/timeutil.h"
#include "vault/token.h"

#define SITES_PREFIX "/api/v1/sites/"
#define STATIC_MAX_BYTES (1 << 20)
#define METRICS_MAX_BYTES (16 << 20)
#define POOL_WAIT_S 10
#define CONNECTION_MEMORY (64 * 1024) /* request line and headers */

struct static_file {
	const char *url;
	const char *name;
	const char *type;
	char *data;
	size_t len;
};

/* The dashboard: every file the server will ever read from disk. */
static const struct static_file dashboard_files[] = {
	{ "/", "index.html", "text/html; charset=utf-8", NULL, 0 },
	{ "/app.js", "app.js", "text/javascript; charset=utf-8", NULL, 0 },
	{ "/style.css", "style.css", "text/css; charset=utf-8", NULL, 0 },
};
#define N_FILES (sizeof dashboard_files / sizeof dashboard_files[0])

/* One connection per server thread; a request borrows one. */
struct pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct ll_db *conns;
	int *busy;
	size_t n;
	char *conninfo;
};

struct ll_api {
	struct ll_gate *gate;
	struct MHD_Daemon *mhd;         /* the API and dashboard */
	struct MHD_Daemon *metrics_mhd; /* /metrics on its own listener, or NULL */
	struct ll_api_hooks hooks;
	struct pool pool;
	struct static_file files[N_FILES];
};

static int pool_init(struct pool *p, size_t n, const char *conninfo)
{
	memset(p, 0, sizeof *p);
	p->conns = calloc(n, sizeof *p->conns);
	p->busy = calloc(n, sizeof *p->busy);
	p->conninfo = strdup(conninfo);
	p->n = n;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	return p->conns && p->busy && p->conninfo ? 0 : -1;
}

static void pool_release(struct pool *p)
{
	for (size_t i = 0; p->conns && i < p->n; i++)
		ll_db_release(&p->conns[i]);
	free(p->conns);
	free(p->busy);
	free(p->conninfo);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->freed);
}

/* A usable connection, or NULL (logged) when none is free in time or the
 * database cannot be reached. */
static struct ll_db *pool_borrow(struct pool *p)
{
	struct timespec until;
	struct ll_db *db = NULL;
	char err[512];
	size_t i = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += POOL_WAIT_S;
	pthread_mutex_lock(&p->lock);
	for (;;) {
		for (i = 0; i < p->n && p->busy[i]; i++)
			;
		if (i < p->n || pthread_cond_timedwait(&p->freed, &p->lock, &until) == ETIMEDOUT)
			break;
	}
	if (i < p->n) {
		p->busy[i] = 1;
		db = &p->conns[i];
	}
	pthread_mutex_unlock(&p->lock);
	if (!db) {
		ll_warning("api: no database connection free within %d s", POOL_WAIT_S);
		return NULL;
	}
	if ((!db->conn && ll_db_connect(db, p->conninfo, err, sizeof err) < 0) ||
	    (db->conn && ll_db_ensure(db, err, sizeof err) < 0)) {
		ll_warning("api: %s", err);
		pthread_mutex_lock(&p->lock);
		p->busy[i] = 0;
		pthread_cond_signal(&p->freed);
		pthread_mutex_unlock(&p->lock);
		return NULL;
	}
	return db;
}

static void pool_return(struct pool *p, struct ll_db *db)
{
	pthread_mutex_lock(&p->lock);
	p->busy[db - p->conns] = 0;
	pthread_cond_signal(&p->freed);
	pthread_mutex_unlock(&p->lock);
}

/* After a statement failed: when the connection turned out broken (the
 * database restarted since it was pooled), reconnect it.  1 when the
 * caller should run its request once more on the fresh connection. */
static int pool_recover(struct ll_db *db)
{
	char err[512];

	if (ll_db_usable(db))
		return 0;
	if (ll_db_ensure(db, err, sizeof err) < 0) {
		ll_warning("api: %s", err);
		return 0;
	}
	ll_notice("api: database connection re-established");
	return 1;
}

static int load_static(struct static_file *f, const char *dir)
{
	char path[4096];
	struct stat st;
	ssize_t got;
	int fd;

	snprintf(path, sizeof path, "%s/%s", dir, f->name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > STATIC_MAX_BYTES ||
	    !(f->data = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -1;
	}
	got = read(fd, f->data, (size_t)st.st_size);
	close(fd);
	if (got != st.st_size) {
		free(f->data);
		f->data = NULL;
		return -1;
	}
	f->len = (size_t)got;
	return 0;
}

static void common_headers(struct MHD_Response *r)
{
	for (const struct ll_api_header *h = ll_api_headers; h->name; h++)
		MHD_add_response_header(r, h->name, h->value);
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status, const char *type,
			    const void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)data, mode);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	common_headers(r);
	MHD_add_response_header(r, "Content-Type", type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, "Allow", "GET, HEAD");
	if (strncmp(type, "text/html", 9) == 0)
		MHD_add_response_header(r, "Content-Security-Policy",
					"default-src 'self'; img-src 'self' data:; "
					"frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status, struct json_object *o)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);

	return respond(c, status, "application/json; charset=utf-8", text, strlen(text),
		    MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
	struct json_object *o = json_object_new_object();
	enum MHD_Result ret;

	json_object_object_add(o, "error", json_object_new_string(msg));
	ret = send_json(c, status, o);
	json_object_put(o);
	return ret;
}

/* The one answer for every site that is not there for this caller. */
static enum MHD_Result not_found(struct MHD_Connection *c)
{
	return send_error(c, MHD_HTTP_NOT_FOUND, "not found");
}

static const char *bearer(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	if (!h || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	return h + 7;
}

static const char *lookup_arg(void *ctx, const char *key)
{
	return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, key);
}

/* Query parameters: only the route's, each once, each with a value, and
 * no value with a NUL inside (libmicrohttpd decodes %00 into the C string,
 * which would cut "3%00abc" to "3"). */
struct arg_check {
	const char *const *allowed;
	unsigned seen;      /* bit i: allowed[i] given */
	char bad[160];
};

static enum MHD_Result check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				 size_t key_size, const char *value, size_t value_size)
{
	struct arg_check *a = cls;
	size_t i;

	(void)kind;
	for (i = 0; a->allowed[i] && strcmp(a->allowed[i], key) != 0; i++)
		;
	if (!a->allowed[i] || strlen(key) != key_size)
		snprintf(a->bad, sizeof a->bad, "unknown parameter '%.64s'", key);
	else if (a->seen & (1U << i))
		snprintf(a->bad, sizeof a->bad, "parameter '%s' given more than once", key);
	else if (!value)
		snprintf(a->bad, sizeof a->bad, "parameter '%s' needs a value (%s=...)", key, key);
	else if (strlen(value) != value_size)
		snprintf(a->bad, sizeof a->bad, "parameter '%s' holds a NUL byte", key);
	a->seen |= 1U << i;
	return a->bad[0] ? MHD_NO : MHD_YES;
}

static enum MHD_Result serve_metrics(struct ll_api *api, struct MHD_Connection *c)
{
	struct ll_db *db = pool_borrow(&api->pool);
	struct ll_buf out;
	enum MHD_Result ret;
	char err[512];
	int rc;

	if (!db)
		return respond(c, MHD_HTTP_SERVICE_UNAVAILABLE, "text/plain; version=0.0.4",
			    "leadledger_up 0\n", 16, MHD_RESPMEM_PERSISTENT);
	ll_buf_init(&out, METRICS_MAX_BYTES);
	rc = ll_metrics_render(db, &out, err, sizeof err);
	if (rc < 0 && pool_recover(db)) {
		ll_buf_reset(&out);
		rc = ll_metrics_render(db, &out, err, sizeof err);
	}
	if (rc < 0) {
		ll_error("api: metrics: %s", err);
		ret = respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; version=0.0.4",
			   "leadledger_up 0\n", 16, MHD_RESPMEM_PERSISTENT);
	} else {
		ret = respond(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", out.data,
			   out.len, MHD_RESPMEM_MUST_COPY);
	}
	ll_buf_release(&out);
	pool_return(&api->pool, db);
	return ret;
}

/* /api/v1/sites/<site>[/<route>] */
static enum MHD_Result serve_site(struct ll_api *api, struct MHD_Connection *c, const char *path)
{
	const char *slash = strchr(path, '/'), *route_name = slash ? slash + 1 : "";
	const struct ll_site_conf *site;
	const struct ll_api_route *route;
	struct ll_api_request rq;
	struct arg_check check;
	const struct ll_app *app;
	char site_id[128], err[512];
	enum MHD_Result ret;
	void *handle;
	struct ll_db *db;
	int valid;

	if ((size_t)(slash ? slash - path : (ptrdiff_t)strlen(path)) >= sizeof site_id ||
	    strchr(route_name, '/'))
		return not_found(c);
	snprintf(site_id, sizeof site_id, "%.*s", (int)(slash ? slash - path : (ptrdiff_t)strlen(path)),
		 path);
	app = api->hooks.acquire(&handle);
	site = ll_config_site(&app->cfg, site_id);
	route = ll_api_route_find(route_name);
	if (!site || !ll_site_featured(site) || !route) {
		api->hooks.release(handle);
		return not_found(c);
	}
	if (!(db = pool_borrow(&api->pool))) {
		api->hooks.release(handle);
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	}
	valid = ll_token_verify(db, app->keyring, site_id, bearer(c), err, sizeof err);
	if (valid < 0 && pool_recover(db))
		valid = ll_token_verify(db, app->keyring, site_id, bearer(c), err, sizeof err);
	if (valid <= 0) {
		if (valid < 0)
			ll_error("api: %s", err);
		pool_return(&api->pool, db);
		api->hooks.release(handle);
		return valid < 0 ? send_error(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "database error")
				 : not_found(c);
	}
	memset(&check, 0, sizeof check);
	check.allowed = route->params;
	MHD_get_connection_values_n(c, MHD_GET_ARGUMENT_KIND, check_arg, &check);
	memset(&rq, 0, sizeof rq);
	rq.db = db;
	rq.app = app;
	rq.site = site;
	rq.arg = lookup_arg;
	rq.arg_ctx = c;
	rq.status = MHD_HTTP_OK;
	if (check.bad[0]) {
		rq.status = MHD_HTTP_BAD_REQUEST;
		snprintf(rq.error, sizeof rq.error, "%s", check.bad);
	} else {
		route->run(&rq);
		if (rq.status == MHD_HTTP_INTERNAL_SERVER_ERROR && pool_recover(db)) {
			json_object_put(rq.body);
			rq.body = NULL;
			rq.error[0] = '\0';
			rq.status = MHD_HTTP_OK;
			route->run(&rq);
		}
	}
	if (rq.body && rq.status == MHD_HTTP_OK)
		ret = send_json(c, MHD_HTTP_OK, rq.body);
	else
		ret = send_error(c, rq.status == MHD_HTTP_OK ? MHD_HTTP_INTERNAL_SERVER_ERROR
				 : rq.status, rq.error[0] ? rq.error : "internal error");
	json_object_put(rq.body);
	pool_return(&api->pool, db);
	api->hooks.release(handle);
	return ret;
}

/* The CRM's redirect after consent (api/connect.h): no token, its state
 * is the proof. */
static enum MHD_Result serve_callback(struct ll_api *api, struct MHD_Connection *c)
{
	const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
	const char *code = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "code");
	const struct ll_app *app;
	struct ll_db *db;
	char html[1024];
	unsigned status;
	void *handle;

	if (!(db = pool_borrow(&api->pool)))
		return send_error(c, MHD_HTTP_SERVICE_UNAVAILABLE, "database unavailable");
	app = api->hooks.acquire(&handle);
	status = ll_api_oauth_callback(app, db, state, code, html, sizeof html);
	api->hooks.release(handle);
	pool_return(&api->pool, db);
	return respond(c, status, "text/html; charset=utf-8", html, strlen(html),
		       MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **req_cls)
{
	struct ll_api *api = cls;
	int64_t started = ll_monotonic_ms();
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is supported");
	if (strncmp(url, SITES_PREFIX, sizeof SITES_PREFIX - 1) == 0) {
		ret = serve_site(api, c, url + sizeof SITES_PREFIX - 1);
	} else if (strcmp(url, LL_API_CALLBACK_PATH) == 0) {
		ret = serve_callback(api, c);
	} else {
		const struct static_file *f = NULL;

		for (size_t i = 0; i < N_FILES; i++)
			if (api->files[i].data && strcmp(url, api->files[i].url) == 0)
				f = &api->files[i];
		ret = f ? respond(c, MHD_HTTP_OK, f->type, f->data, f->len, MHD_RESPMEM_PERSISTENT)
			: not_found(c);
	}
	ll_debug("api: %s %s in %" PRId64 " ms", method, url, ll_monotonic_ms() - started);
	return ret;
}

/* The metrics listener serves /metrics and nothing else. */
static enum MHD_Result handle_metrics(void *cls, struct MHD_Connection *c, const char *url,
				      const char *method, const char *version, const char *upload,
				      size_t *upload_size, void **req_cls)
{
	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return send_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET is supported");
	return strcmp(url, "/metrics") == 0 ? serve_metrics(cls, c) : not_found(c);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	static struct ll_log_limit limit = LL_LOG_LIMIT_INIT(5, 10);
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	ll_log_limited(&limit, LL_LOG_WARNING, "api: %s", line);
}

/* A libmicrohttpd daemon fed by the gate. */
static struct MHD_Daemon *start_mhd(struct ll_api *api, MHD_AccessHandlerCallback handler,
				    unsigned threads, const struct ll_api_conf *conf)
{
	struct MHD_OptionItem opts[] = {
		/* The logger first, to catch errors in the options after it. */
		{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log, NULL },
		{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)ll_gate_notify, api->gate },
		{ MHD_OPTION_CONNECTION_LIMIT, (intptr_t)conf->max_connections, NULL },
		{ MHD_OPTION_CONNECTION_TIMEOUT, (intptr_t)conf->timeout_s, NULL },
		{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)CONNECTION_MEMORY, NULL },
		/* A pool of one is no pool: libmicrohttpd would warn. */
		{ threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (intptr_t)threads, NULL },
		{ MHD_OPTION_END, 0, NULL },
	};

	return MHD_start_daemon(MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG |
				MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC, 0, NULL, NULL, handler, api,
				MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
}

/* Bind one listener; its port, or -1 with err filled. */
static int listen_on(struct ll_api *api, const char *text, struct MHD_Daemon *mhd, char *err,
		     size_t errlen)
{
	struct sockaddr_storage addr;
	char why[256];
	int port;

	if (ll_parse_listen(text, &addr) < 0) {
		snprintf(err, errlen, "api: bad listen address '%s'", text);
		return -1;
	}
	if ((port = ll_gate_listen(api->gate, &addr, mhd, why, sizeof why)) < 0) {
		snprintf(err, errlen, "api: cannot listen on %s (%s)", text, why);
		return -1;
	}
	if (!ll_addr_is_loopback(&addr))
		ll_warning("api: %s is not a loopback address: put a TLS reverse proxy in front "
			   "(public = true)", text);
	return port;
}

struct ll_api *ll_api_start(const struct ll_api_conf *conf, const char *database,
			    const struct ll_api_hooks *hooks, char *err, size_t errlen)
{
	struct ll_api *api = calloc(1, sizeof *api);
	struct ll_gate_limits lim = {
		.max_connections = conf->max_connections,
		.per_ip_connections = conf->per_ip_connections, .timeout_s = conf->timeout_s,
		.trusted = conf->trusted_proxies, .n_trusted = conf->n_trusted_proxies,
	};
	int missing = 0, port, metrics_port = 0;

	if (!api || pool_init(&api->pool, (size_t)conf->threads + (conf->metrics_listen != NULL),
			      database) < 0 || !(api->gate = ll_gate_new(&lim))) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	api->hooks = *hooks;
	memcpy(api->files, dashboard_files, sizeof dashboard_files);
	for (size_t i = 0; i < N_FILES; i++)
		missing |= load_static(&api->files[i], conf->dashboard_dir) < 0;
	if (missing)
		ll_warning("api: the dashboard is incomplete in %s (index.html, app.js, "
			   "style.css); serving the API only", conf->dashboard_dir);
	if (!(api->mhd = start_mhd(api, handle, (unsigned)conf->threads, conf)) ||
	    (conf->metrics_listen && !(api->metrics_mhd = start_mhd(api, handle_metrics, 1, conf)))) {
		snprintf(err, errlen, "api: cannot start the HTTP server");
		goto fail;
	}
	if ((port = listen_on(api, conf->listen, api->mhd, err, errlen)) < 0 ||
	    (conf->metrics_listen &&
	     (metrics_port = listen_on(api, conf->metrics_listen, api->metrics_mhd, err, errlen)) < 0) ||
	    ll_gate_start(api->gate, err, errlen) < 0)
		goto fail;
	ll_notice("api: listening on %s (port %d)%s", conf->listen, port,
		  missing ? "" : " with the dashboard");
	if (conf->metrics_listen)
		ll_notice("api: metrics on %s (port %d)", conf->metrics_listen, metrics_port);
	return api;
fail:
	ll_api_stop(api);
	return NULL;
}

void ll_api_stop(struct ll_api *api)
{
	if (!api)
		return;
	ll_gate_stop(api->gate); /* no new connections */
	if (api->mhd)
		MHD_stop_daemon(api->mhd);
	if (api->metrics_mhd)
		MHD_stop_daemon(api->metrics_mhd);
	ll_gate_free(api->gate);
	for (size_t i = 0; i < N_FILES; i++)
		free(api->files[i].data);
	pool_release(&api->pool);
	free(api);
}
