/* The simulators' HTTP server, faults, request log and controls (sim.h). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/sim.h"

#define LOG_MAX 200000
#define RECENT_MAX 256
#define BODY_MAX (1 << 20)

pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
struct sim_faults sim_faults = { .retry_after = 1 };

static const struct sim_crm *crm;
static uint64_t fault_rng = 42;
static volatile sig_atomic_t stop;

static struct {
	char **lines;
	size_t n, cap;
	long api_requests, served_429, served_5xx;
	/* How hard clients push: API requests being answered at once, and
	 * arrivals within any one second (from the last RECENT_MAX). */
	long in_flight, peak_in_flight, peak_per_second;
	int64_t recent[RECENT_MAX];
	size_t n_recent;
} reqlog;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under sim_lock. */
static void note_arrival(void)
{
	int64_t t = now_ms();
	long in_last_second = 0;
	size_t n;

	reqlog.recent[reqlog.n_recent++ % RECENT_MAX] = t;
	n = reqlog.n_recent < RECENT_MAX ? reqlog.n_recent : RECENT_MAX;
	for (size_t i = 0; i < n; i++)
		if (reqlog.recent[i] > t - 1000)
			in_last_second++;
	if (in_last_second > reqlog.peak_per_second)
		reqlog.peak_per_second = in_last_second;
	if (++reqlog.in_flight > reqlog.peak_in_flight)
		reqlog.peak_in_flight = reqlog.in_flight;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int sim_roll(int pct)
{
	return pct > 0 && (int)(sim_rand(&fault_rng) % 100) < pct;
}

/* ---- answers ---- */

struct body_reader {
	char *text;
	size_t len, sent, limit; /* limit < len: truncate with an error */
	int trickle;
	size_t oversize_left;
};

static ssize_t read_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct body_reader *b = cls;
	size_t n;

	(void)pos;
	if (b->oversize_left) {
		n = max < b->oversize_left ? max : b->oversize_left;
		memset(buf, ' ', n);
		if (b->sent == 0 && n > 0)
			buf[0] = '[';
		b->sent += n;
		b->oversize_left -= n;
		return (ssize_t)n;
	}
	if (b->sent >= b->limit)
		return b->limit < b->len ? MHD_CONTENT_READER_END_WITH_ERROR
					  : MHD_CONTENT_READER_END_OF_STREAM;
	n = b->limit - b->sent;
	if (n > max)
		n = max;
	if (b->trickle) {
		n = 1;
		sleep(1);
	}
	memcpy(buf, b->text + b->sent, n);
	b->sent += n;
	return (ssize_t)n;
}

static void free_body(void *cls)
{
	struct body_reader *b = cls;

	free(b->text);
	free(b);
}

/* Retry-After in the form the faults ask for: seconds or an HTTP-date. */
static void retry_after_value(int seconds, char *out, size_t len)
{
	if (sim_faults.retry_after_date) {
		time_t t = time(NULL) + seconds;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(out, len, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	} else {
		snprintf(out, len, "%d", seconds);
	}
}

enum MHD_Result sim_send_text(struct MHD_Connection *c, unsigned status, const char *text,
			      const char *ctype, int retry_after, int truncate, int trickle,
			      size_t oversize)
{
	struct body_reader *b = calloc(1, sizeof *b);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[64];

	if (!b)
		return MHD_NO;
	b->text = strdup(text);
	b->len = strlen(text);
	b->limit = truncate ? b->len / 2 : b->len;
	b->trickle = trickle;
	b->oversize_left = oversize;
	if (!b->text) {
		free(b);
		return MHD_NO;
	}
	resp = MHD_create_response_from_callback(oversize ? MHD_SIZE_UNKNOWN : b->len, 4096,
						 read_body, b, free_body);
	if (!resp) {
		free_body(b);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", ctype);
	if (retry_after >= 0) {
		retry_after_value(retry_after, ra, sizeof ra);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

enum MHD_Result sim_send_json(struct MHD_Connection *c, unsigned status, struct json_object *o)
{
	enum MHD_Result r = sim_send_text(c, status, json_object_to_json_string_ext(o,
					  JSON_C_TO_STRING_PLAIN), "application/json", -1, 0, 0, 0);

	json_object_put(o);
	return r;
}

enum MHD_Result sim_send_json_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	return sim_send_text(c, status, text, "application/json", -1, 0, 0, 0);
}

enum MHD_Result sim_send_with_headers(struct MHD_Connection *c, unsigned status,
				      struct json_object *o, const char *const *headers)
{
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
								    MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret = MHD_NO;

	if (resp) {
		MHD_add_response_header(resp, "Content-Type", "application/json");
		for (size_t i = 0; headers && headers[i]; i += 2)
			MHD_add_response_header(resp, headers[i], headers[i + 1]);
		ret = MHD_queue_response(c, status, resp);
		MHD_destroy_response(resp);
	}
	json_object_put(o);
	return ret;
}

const char *sim_arg(struct MHD_Connection *c, const char *key)
{
	return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

long sim_arg_long(struct MHD_Connection *c, const char *key, long def)
{
	const char *v = sim_arg(c, key);
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	return *end ? def : n;
}

const char *sim_header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* ---- the log and the controls ---- */

static void log_request(const char *method, const char *url, const char *query)
{
	char line[512];

	if (reqlog.n == reqlog.cap) {
		size_t cap = reqlog.cap ? reqlog.cap * 2 : 1024;
		char **v;

		if (cap > LOG_MAX)
			return;
		v = realloc(reqlog.lines, cap * sizeof *v);
		if (!v)
			return;
		reqlog.lines = v;
		reqlog.cap = cap;
	}
	snprintf(line, sizeof line, "%s %s%s%s", method, url, query[0] ? "?" : "", query);
	reqlog.lines[reqlog.n] = strdup(line);
	if (reqlog.lines[reqlog.n])
		reqlog.n++;
}

struct query {
	char text[512];
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				   const char *value)
{
	struct query *q = cls;
	size_t len = strlen(q->text);

	(void)kind;
	snprintf(q->text + len, sizeof q->text - len, "%s%s=%s", len ? "&" : "", key,
		 value ? value : "");
	return MHD_YES;
}

static enum MHD_Result set_fault(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct { const char *name; int *field; } table[] = {
		{ "fail_429_pct", &sim_faults.fail_429_pct },
		{ "fail_5xx_pct", &sim_faults.fail_5xx_pct },
		{ "burst_5xx", &sim_faults.burst_5xx }, { "slow_ms", &sim_faults.slow_ms },
		{ "truncate_pct", &sim_faults.truncate_pct }, { "trickle", &sim_faults.trickle },
		{ "retry_after", &sim_faults.retry_after },
		{ "retry_after_date", &sim_faults.retry_after_date },
		{ "oversize_mb", &sim_faults.oversize_mb }, { "status", &sim_faults.status },
	};

	(void)cls;
	(void)kind;
	if (!value)
		return MHD_YES;
	if (strcmp(key, "redirect") == 0)
		snprintf(sim_faults.redirect, sizeof sim_faults.redirect, "%s", value);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(key, table[i].name) == 0) {
			*table[i].field = (int)strtol(value, NULL, 10);
			return MHD_YES;
		}
	if (crm->set_fault)
		crm->set_fault(key, value);
	return MHD_YES;
}

static enum MHD_Result send_log(struct MHD_Connection *c)
{
	size_t len = 1;
	char *text, *p;
	enum MHD_Result r;

	for (size_t i = 0; i < reqlog.n; i++)
		len += strlen(reqlog.lines[i]) + 1;
	text = malloc(len);
	if (!text)
		return MHD_NO;
	p = text;
	*p = '\0';
	for (size_t i = 0; i < reqlog.n; i++) {
		size_t n = strlen(reqlog.lines[i]);

		memcpy(p, reqlog.lines[i], n);
		p[n] = '\n';
		p += n + 1;
	}
	*p = '\0';
	r = sim_send_text(c, 200, text, "text/plain", -1, 0, 0, 0);
	free(text);
	if (sim_arg_long(c, "clear", 0)) {
		for (size_t i = 0; i < reqlog.n; i++)
			free(reqlog.lines[i]);
		reqlog.n = 0;
	}
	return r;
}

static enum MHD_Result send_stats(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "api_requests", json_object_new_int64(reqlog.api_requests));
	json_object_object_add(o, "served_429", json_object_new_int64(reqlog.served_429));
	json_object_object_add(o, "served_5xx", json_object_new_int64(reqlog.served_5xx));
	json_object_object_add(o, "peak_in_flight", json_object_new_int64(reqlog.peak_in_flight));
	json_object_object_add(o, "peak_per_second", json_object_new_int64(reqlog.peak_per_second));
	if (sim_arg_long(c, "reset", 0))
		reqlog.peak_in_flight = reqlog.peak_per_second = 0;
	if (crm->stats)
		crm->stats(o);
	return sim_send_json(c, 200, o);
}

static enum MHD_Result control(struct sim_request *rq)
{
	const char *name = rq->url + 6;
	enum MHD_Result ret;

	if (strcmp(name, "config") == 0) {
		MHD_get_connection_values(rq->c, MHD_GET_ARGUMENT_KIND, set_fault, NULL);
		return sim_send_json(rq->c, 200, json_object_new_object());
	}
	if (strcmp(name, "log") == 0)
		return send_log(rq->c);
	if (strcmp(name, "stats") == 0)
		return send_stats(rq->c);
	if (crm->control && crm->control(rq, name, &ret))
		return ret;
	return sim_send_json_text(rq->c, 404, "{\"message\":\"no such control\"}");
}

/* The common faults, before the CRM sees the request: 1 answered. */
static int common_fault(struct MHD_Connection *c, enum MHD_Result *ret)
{
	if (sim_faults.burst_5xx > 0 || sim_roll(sim_faults.fail_5xx_pct)) {
		if (sim_faults.burst_5xx > 0)
			sim_faults.burst_5xx--;
		reqlog.served_5xx++;
		*ret = sim_send_text(c, 503, "<html><body>Service Unavailable</body></html>",
				     "text/html", -1, 0, 0, 0);
		return 1;
	}
	if (sim_roll(sim_faults.fail_429_pct)) {
		reqlog.served_429++;
		*ret = sim_send_text(c, 429, "{\"message\":\"Too Many Requests\"}",
				     "application/json", sim_faults.retry_after, 0, 0, 0);
		return 1;
	}
	if (sim_faults.status > 0) {
		*ret = sim_send_json_text(c, (unsigned)sim_faults.status,
					  "{\"error\":{\"message\":\"injected\"}}");
		return 1;
	}
	if (sim_faults.redirect[0]) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
									     MHD_RESPMEM_PERSISTENT);

		if (!resp) {
			*ret = MHD_NO;
			return 1;
		}
		MHD_add_response_header(resp, "Location", sim_faults.redirect);
		*ret = MHD_queue_response(c, 302, resp);
		MHD_destroy_response(resp);
		return 1;
	}
	if (sim_faults.oversize_mb > 0) {
		*ret = sim_send_text(c, 200, "", "application/json", -1, 0, 0,
				     (size_t)sim_faults.oversize_mb << 20);
		return 1;
	}
	return 0;
}

struct upload {
	char *data;
	size_t len;
	int too_big;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct upload *up = *con_cls;
	struct sim_request rq = { c, method, url, "", 0 };
	struct query q = { "" };
	enum MHD_Result r;
	int slow, truncate, trickle, is_control = strncmp(url, "/_sim/", 6) == 0;

	(void)cls;
	(void)version;
	if (!up) {
		/* First call: headers only.  Bodies are gathered whole. */
		*con_cls = up = calloc(1, sizeof *up);
		return up ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (!up->too_big && up->len + *upload_size <= BODY_MAX) {
			char *d = realloc(up->data, up->len + *upload_size + 1);

			if (d) {
				memcpy(d + up->len, upload, *upload_size);
				up->data = d;
				up->len += *upload_size;
				d[up->len] = '\0';
			}
		} else {
			up->too_big = 1;
		}
		*upload_size = 0;
		return MHD_YES;
	}
	if (up->data) {
		rq.body = up->data;
		rq.body_len = up->len;
	}
	if (up->too_big)
		return sim_send_json_text(c, 413, "{\"message\":\"request body too large\"}");
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
	pthread_mutex_lock(&sim_lock);
	/* Log on arrival: a stalled answer must not show up in a later log. */
	if (!is_control) {
		log_request(method, url, q.text);
		note_arrival();
	}
	slow = is_control ? 0 : sim_faults.slow_ms;
	truncate = is_control ? 0 : sim_roll(sim_faults.truncate_pct);
	trickle = is_control ? 0 : sim_faults.trickle;
	pthread_mutex_unlock(&sim_lock);
	if (slow)
		usleep((useconds_t)slow * 1000);
	pthread_mutex_lock(&sim_lock);
	if (truncate || trickle) {
		/* Cut the answer short, or dribble it. */
		r = sim_send_text(c, 200, "{\"page\":1,\"page_size\":10,\"total_pages\":1,\"data\":[",
				  "application/json", -1, truncate, trickle, 0);
	} else if (is_control) {
		r = control(&rq);
	} else {
		reqlog.api_requests++;
		if (!common_fault(c, &r))
			r = crm->api(&rq);
	}
	if (!is_control)
		reqlog.in_flight--;
	pthread_mutex_unlock(&sim_lock);
	return r;
}

static void request_done(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (up) {
		free(up->data);
		free(up);
	}
	*con_cls = NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (!f)
		return NULL;
	buf = calloc(1, 65536);
	n = buf ? fread(buf, 1, 65535, f) : 0;
	fclose(f);
	if (buf && n == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void usage(void)
{
	fprintf(stderr, "usage: %s [--port N] [--port-file F] [--fail-429-pct N] [--fail-5xx-pct N]\n"
		"       [--tls-cert PEM --tls-key PEM] %s\n", crm->name, crm->usage);
}

/* Listens on loopback until SIGTERM or SIGINT: 0, or 1 when it cannot. */
static int serve(uint16_t port, const char *port_file, const char *tls_cert, const char *tls_key)
{
	char *cert = NULL, *key = NULL;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d = NULL;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	int rc = 1;

	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
	if (tls_cert || tls_key) {
		cert = tls_cert ? slurp(tls_cert) : NULL;
		key = tls_key ? slurp(tls_key) : NULL;
		if (!cert || !key || MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "%s: cannot serve TLS (certificate, key or libmicrohttpd "
				"support)\n", crm->name);
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	d = cert ? MHD_start_daemon(flags, port, NULL, NULL, handle, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL,
				    MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				    MHD_OPTION_END)
		 : MHD_start_daemon(flags, port, NULL, NULL, handle, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "%s: cannot listen on port %u\n", crm->name, port);
		goto out;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	if (info)
		port = info->port;
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0) {
			fprintf(stderr, "%s: cannot write %s\n", crm->name, port_file);
			goto out;
		}
	}
	fprintf(stderr, "%s: serving on %s://127.0.0.1:%u\n", crm->name, cert ? "https" : "http",
		port);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop)
		pause();
	rc = 0;
out:
	if (d)
		MHD_stop_daemon(d);
	for (size_t i = 0; i < reqlog.n; i++)
		free(reqlog.lines[i]);
	free(reqlog.lines);
	free(cert);
	free(key);
	return rc;
}

int sim_main(int argc, char **argv, const struct sim_crm *which)
{
	const char *port_file = NULL, *tls_cert = NULL, *tls_key = NULL;
	long port = 0;
	int rc;

	crm = which;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int taken;

		if (!v || strncmp(a, "--", 2) != 0) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--port") == 0)
			port = strtol(v, NULL, 10);
		else if (strcmp(a, "--port-file") == 0)
			port_file = v;
		else if (strcmp(a, "--fail-429-pct") == 0)
			sim_faults.fail_429_pct = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--fail-5xx-pct") == 0)
			sim_faults.fail_5xx_pct = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--tls-cert") == 0)
			tls_cert = v;
		else if (strcmp(a, "--tls-key") == 0)
			tls_key = v;
		else if ((taken = crm->option(a + 2, v)) <= 0) {
			if (taken == 0)
				usage();
			else
				fprintf(stderr, "%s: bad value for %s\n", crm->name, a);
			crm->release();
			return 2;
		}
	}
	if (crm->generate() < 0) {
		fprintf(stderr, "%s: cannot generate the data set\n", crm->name);
		crm->release();
		return 1;
	}
	rc = serve((uint16_t)port, port_file, tls_cert, tls_key);
	crm->release();
	return rc;
}
