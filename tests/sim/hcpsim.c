/*
 * hcpsim: a Housecall Pro API simulator on loopback, for tests and the demo.
 *
 * Faithful to ../shared/reference/housecallpro-api.md: list envelope
 * {page, page_size, total_pages, total_items, <resource>}, 1-based pages,
 * default page size 10 and a cap of 200 (the cap is a guess), sort_by
 * created_at|updated_at|id with default created_at desc, "Token" or
 * "Bearer" auth with the real 401 body, 422 for array params sent bare.
 *
 * Faults (command line or GET /_sim/config?name=value): fail_429_pct,
 * retry_after (seconds, -1: no header), fail_5xx_pct, burst_5xx (the next N
 * API requests answer 503), slow_ms, truncate_pct, oversize_mb, trickle,
 * mutate_on_page (bump a job's updated_at when that page of /jobs is
 * served), status (answer every API request with this HTTP status),
 * redirect (answer 302 to this URL), hostile + hostile_page (serve page N of
 * /jobs as a hostile payload: truncated_json, deep, wrong_types,
 * string_amount, missing_id, nul_bytes, invalid_utf8; or, in a true
 * envelope: empty (no records), short (half a page), duplicate_ids (a
 * full page of one job), nothing (one empty page although total_items
 * counts records)), vanish_on_page + vanish_jobs (when that page of /jobs
 * is served, N jobs picked by vanish_seed disappear, as a hard delete in
 * the CRM while a sync pages through).
 * --tls-cert/--tls-key serve HTTPS with that (self-signed) certificate.
 *
 * lookup_status (answer every GET /jobs/{id} and /customers/{id} with this
 * status, e.g. 404 for records that exist).
 *
 * Control: /_sim/expected, /_sim/mutate, /_sim/delete, /_sim/vanish
 * (?jobs=N or ?estimates=N), /_sim/restore (every vanished record is back),
 * /_sim/hidden (ids of vanished records), /_sim/silent, /_sim/log, /_sim/stats (request counts, and how hard the
 * client pushed: peak_in_flight, peak_per_second; ?reset=1 clears them).
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#define MAX_PAGE_SIZE 200
#define LOG_MAX 200000

static struct sim_data data;
const struct sim_data *sim_current = &data;
static const char *api_key = "sim-key";
static uint64_t fault_rng = 42;

static struct {
	int fail_429_pct, fail_5xx_pct, burst_5xx, slow_ms, truncate_pct, trickle;
	int retry_after, oversize_mb, mutate_on_page, status, hostile_page;
	int vanish_on_page, vanish_jobs, vanish_seed, lookup_status;
	char redirect[256], hostile[32];
} faults = { .retry_after = 1, .vanish_seed = 7 };

#define RECENT_MAX 256

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

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* ---- listing with sort ---- */

enum resource { R_JOBS, R_CUSTOMERS, R_ESTIMATES, R_EMPLOYEES };
enum sort_key { S_CREATED, S_UPDATED, S_ID };

struct sort_ctx {
	enum resource r;
	enum sort_key k;
	int desc;
};
static struct sort_ctx sorting; /* qsort has no context argument; under sim_lock */

static void keys_of(enum resource r, size_t i, int64_t *created, int64_t *updated,
		    const char **id)
{
	switch (r) {
	case R_JOBS:
		*created = data.jobs[i].created; *updated = data.jobs[i].updated; *id = data.jobs[i].id;
		break;
	case R_CUSTOMERS:
		*created = data.customers[i].created; *updated = data.customers[i].updated;
		*id = data.customers[i].id;
		break;
	case R_ESTIMATES:
		*created = data.estimates[i].created; *updated = data.estimates[i].updated;
		*id = data.estimates[i].id;
		break;
	default:
		*created = *updated = data.employees[i].created; *id = data.employees[i].id;
	}
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t cx, ux, cy, uy, kx, ky;
	const char *ix, *iy;
	int c;

	keys_of(sorting.r, x, &cx, &ux, &ix);
	keys_of(sorting.r, y, &cy, &uy, &iy);
	kx = sorting.k == S_UPDATED ? ux : cx;
	ky = sorting.k == S_UPDATED ? uy : cy;
	if (sorting.k != S_ID && kx != ky)
		c = kx < ky ? -1 : 1;
	else
		c = strcmp(ix, iy);
	/* Ties break by id, ascending, whatever the direction: stable pages. */
	if (sorting.k != S_ID && kx == ky)
		return c;
	return sorting.desc ? -c : c;
}

static size_t resource_count(enum resource r)
{
	return r == R_JOBS ? data.n_jobs : r == R_CUSTOMERS ? data.n_customers
	       : r == R_ESTIMATES ? data.n_estimates : data.n_employees;
}

static struct { size_t *idx; size_t n; uint64_t version; struct sort_ctx ctx; int valid; } cache[4];

static const size_t *sorted(enum resource r, enum sort_key k, int desc, size_t *n)
{
	struct sort_ctx want = { r, k, desc };
	size_t count = resource_count(r), m = 0;

	if (cache[r].valid && cache[r].version == data.version &&
	    memcmp(&cache[r].ctx, &want, sizeof want) == 0) {
		*n = cache[r].n;
		return cache[r].idx;
	}
	free(cache[r].idx);
	cache[r].idx = malloc((count + 1) * sizeof(size_t));
	if (!cache[r].idx) {
		cache[r].valid = 0;
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < count; i++)
		if (!(r == R_JOBS && data.jobs[i].hidden) &&
		    !(r == R_ESTIMATES && data.estimates[i].hidden))
			cache[r].idx[m++] = i;
	sorting = want;
	qsort(cache[r].idx, m, sizeof(size_t), cmp_index);
	cache[r].n = m;
	cache[r].version = data.version;
	cache[r].ctx = want;
	cache[r].valid = 1;
	*n = m;
	return cache[r].idx;
}

/* ---- responses ---- */

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

static enum MHD_Result send_text(struct MHD_Connection *c, unsigned status, const char *text,
				 const char *ctype, int retry_after, int truncate, int trickle,
				 size_t oversize)
{
	struct body_reader *b = calloc(1, sizeof *b);
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];

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
		snprintf(ra, sizeof ra, "%d", retry_after);
		MHD_add_response_header(resp, "Retry-After", ra);
	}
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned status,
				 struct json_object *o)
{
	enum MHD_Result r = send_text(c, status, json_object_to_json_string_ext(o,
				      JSON_C_TO_STRING_PLAIN), "application/json", -1, 0, 0, 0);

	json_object_put(o);
	return r;
}

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

static long arg_long(struct MHD_Connection *c, const char *key, long def)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
	char *end;
	long n;

	if (!v)
		return def;
	n = strtol(v, &end, 10);
	return *end ? def : n;
}

static int authorized(struct MHD_Connection *c)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");

	if (!h)
		return 0;
	if (strncmp(h, "Token ", 6) == 0)
		return strcmp(h + 6, api_key) == 0;
	if (strncmp(h, "Bearer ", 7) == 0)
		return strcmp(h + 7, api_key) == 0;
	return 0;
}

/* Bump job i as a CRM edit would: new updated_at, completed in the window. */
static void mutate_job(size_t i, int64_t now)
{
	struct sim_job *j = &data.jobs[i];

	j->total_amount += 1000;
	j->work_status = "complete rated";
	j->completed_at = now - 86400;
	j->deleted_at = 0;
	j->updated = now;
	data.version++;
}

/* A page of /jobs an attacker or a broken proxy might send.  Built as text:
 * several kinds are not valid JSON at all. */
static enum MHD_Result hostile_page(struct MHD_Connection *c, long page, long size)
{
	static const char tail[] = "\"created_at\":\"2024-01-01T00:00:00Z\","
				   "\"updated_at\":\"2024-01-01T00:00:00Z\"}]}";
	const char *k = faults.hostile;
	struct json_object *jo = sim_job_json(&data.jobs[0]);
	const char *job = json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN);
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap);
	enum MHD_Result ret;

	if (!text) {
		json_object_put(jo);
		return MHD_NO;
	}
	/* Announced as the last page, so what the client makes of the record
	 * itself is what is tested. */
	len = (size_t)snprintf(text, cap, "{\"page\":%ld,\"page_size\":%ld,\"total_pages\":%ld,"
			       "\"total_items\":99999,\"jobs\":[", page, size, page);
	if (strcmp(k, "truncated_json") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "%.*s", (int)(strlen(job) / 2), job);
	} else if (strcmp(k, "deep") == 0) {
		for (int i = 0; i < 10000; i++)
			text[len++] = '[';
		for (int i = 0; i < 10000; i++)
			text[len++] = ']';
		len += (size_t)snprintf(text + len, cap - len, "]}");
	} else if (strcmp(k, "wrong_types") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":{},%s", tail);
	} else if (strcmp(k, "string_amount") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":\"job_x\",\"total_amount\":\"12\",%s", tail);
	} else if (strcmp(k, "missing_id") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"work_status\":\"complete rated\",%s", tail);
	} else if (strcmp(k, "nul_bytes") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":\"job_nul\",\"lead_source\":"
					"\"Goo\\u0000gle\",\"total_amount\":100,%s", tail);
	} else { /* invalid_utf8 */
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":\"job_utf\",\"lead_source\":"
					"\"Goo\xff\xfegle\",\"total_amount\":100,%s", tail);
	}
	json_object_put(jo);
	ret = send_text(c, 200, text, "application/json", -1, 0, 0, 0);
	free(text);
	return ret;
}

/* Hostile pages in a true envelope: the JSON is well formed, the listing
 * is not what the counts promise. */
static int envelope_hostility(const char *k)
{
	return strcmp(k, "empty") == 0 || strcmp(k, "short") == 0 ||
	       strcmp(k, "duplicate_ids") == 0 || strcmp(k, "nothing") == 0;
}

/* Reshape a page's records; returns the total_pages to announce. */
static long hostile_envelope(struct json_object *arr, long total_pages)
{
	const char *k = faults.hostile;
	size_t len = json_object_array_length(arr);

	if (strcmp(k, "duplicate_ids") == 0 && len > 1) {
		struct json_object *first = json_object_get(json_object_array_get_idx(arr, 0));

		json_object_array_del_idx(arr, 0, len);
		for (size_t i = 0; i < len; i++)
			json_object_array_add(arr, json_object_get(first));
		json_object_put(first);
	} else if (strcmp(k, "short") == 0) {
		json_object_array_del_idx(arr, len / 2, len - len / 2);
	} else if (strcmp(k, "empty") == 0 || strcmp(k, "nothing") == 0) {
		json_object_array_del_idx(arr, 0, len);
	}
	return strcmp(k, "nothing") == 0 ? 1 : total_pages;
}

static enum MHD_Result list(struct MHD_Connection *c, enum resource r, const char *name)
{
	long page = arg_long(c, "page", 1), size = arg_long(c, "page_size", 10);
	const char *sb = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sort_by");
	const char *sd = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sort_direction");
	enum sort_key k = S_CREATED;
	struct json_object *o, *arr;
	const size_t *idx;
	size_t n;
	long total_pages;

	if (MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "work_status")) {
		o = json_tokener_parse("{\"errors\":{\"work_status\":\"must be an array\"}}");
		return send_json(c, 422, o);
	}
	if (sb && strcmp(sb, "updated_at") == 0)
		k = S_UPDATED;
	else if (sb && strcmp(sb, "id") == 0)
		k = S_ID;
	if (page < 1)
		page = 1;
	if (size < 1)
		size = 10;
	if (size > MAX_PAGE_SIZE)
		size = MAX_PAGE_SIZE;
	if (r == R_JOBS && faults.mutate_on_page && page == faults.mutate_on_page &&
	    data.n_jobs > 0) {
		/* A record changes while the client pages: the last job moves
		 * to the front of an updated_at-desc listing. */
		idx = sorted(r, k, !(sd && strcmp(sd, "asc") == 0), &n);
		if (n)
			mutate_job(idx[n - 1], (int64_t)time(NULL));
		faults.mutate_on_page = 0;
	}
	if (r == R_JOBS && faults.vanish_on_page && page == faults.vanish_on_page) {
		/* A hard delete in the CRM while the client pages. */
		uint64_t seed = (uint64_t)faults.vanish_seed;

		for (int v = 0; v < faults.vanish_jobs && data.n_jobs > 0; v++)
			data.jobs[sim_rand(&seed) % data.n_jobs].hidden = 1;
		data.version++;
		faults.vanish_on_page = 0;
	}
	if (r == R_JOBS && faults.hostile[0] && page == faults.hostile_page &&
	    !envelope_hostility(faults.hostile))
		return hostile_page(c, page, size);
	idx = sorted(r, k, !(sd && strcmp(sd, "asc") == 0), &n);
	arr = json_object_new_array();
	for (size_t i = (size_t)(page - 1) * (size_t)size; idx && i < n && i < (size_t)(page * size); i++) {
		struct json_object *rec =
			r == R_JOBS ? sim_job_json(&data.jobs[idx[i]])
			: r == R_CUSTOMERS ? sim_customer_json(&data.customers[idx[i]], 1)
			: r == R_ESTIMATES ? sim_estimate_json(&data.estimates[idx[i]])
					   : sim_employee_json(&data.employees[idx[i]]);
		json_object_array_add(arr, rec);
	}
	total_pages = (long)((n + (size_t)size - 1) / (size_t)size);
	if (r == R_JOBS && faults.hostile[0] && page == faults.hostile_page)
		total_pages = hostile_envelope(arr, total_pages);
	o = json_object_new_object();
	json_object_object_add(o, "page", json_object_new_int64(page));
	json_object_object_add(o, "page_size", json_object_new_int64(size));
	json_object_object_add(o, "total_pages", json_object_new_int64(total_pages));
	json_object_object_add(o, "total_items", json_object_new_int64((int64_t)n));
	json_object_object_add(o, name, arr);
	return send_json(c, 200, o);
}

static enum MHD_Result expected(struct MHD_Connection *c)
{
	const char *from = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "from");
	const char *to = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "to");
	const char *tz = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "tz");
	int64_t jobs[CH_COUNT] = { 0 }, cents[CH_COUNT] = { 0 }, tj = 0, tc = 0;
	struct json_object *o, *cats;
	int lo, hi, y, m, d;

	if (!from || !to || sscanf(from, "%d-%d-%d", &y, &m, &d) != 3)
		return send_json(c, 400, json_tokener_parse("{\"message\":\"from, to, tz\"}"));
	lo = y * 10000 + m * 100 + d;
	if (sscanf(to, "%d-%d-%d", &y, &m, &d) != 3)
		return send_json(c, 400, json_tokener_parse("{\"message\":\"to\"}"));
	hi = y * 10000 + m * 100 + d;
	setenv("TZ", tz ? tz : data.tz, 1);
	tzset();
	for (size_t i = 0; i < data.n_jobs; i++) {
		enum sim_channel ch;
		int ymd;

		if (sim_job_counts(&data, &data.jobs[i], &ymd, &ch) && ymd >= lo && ymd <= hi) {
			jobs[ch]++;
			cents[ch] += data.jobs[i].total_amount;
		}
	}
	o = json_object_new_object();
	cats = json_object_new_object();
	for (int i = 0; i < CH_COUNT; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "jobs", json_object_new_int64(jobs[i]));
		json_object_object_add(e, "revenue_cents", json_object_new_int64(cents[i]));
		json_object_object_add(cats, sim_channel_names[i], e);
		tj += jobs[i];
		tc += cents[i];
	}
	json_object_object_add(o, "categories", cats);
	cats = json_object_new_object();
	json_object_object_add(cats, "jobs", json_object_new_int64(tj));
	json_object_object_add(cats, "revenue_cents", json_object_new_int64(tc));
	json_object_object_add(o, "total", cats);
	return send_json(c, 200, o);
}

/* /_sim/mutate|delete|vanish|silent?jobs=N: change N jobs picked by seed. */
static enum MHD_Result change(struct MHD_Connection *c, const char *what)
{
	long n = arg_long(c, "jobs", 1), n_est = arg_long(c, "estimates", 0);
	uint64_t s = (uint64_t)arg_long(c, "seed", 7);
	int64_t now = (int64_t)time(NULL);
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();

	if (strcmp(what, "restore") == 0) {
		for (size_t i = 0; i < data.n_jobs; i++)
			data.jobs[i].hidden = 0;
		for (size_t i = 0; i < data.n_estimates; i++)
			data.estimates[i].hidden = 0;
		n = 0;
	}
	if (n_est > 0) {
		/* /_sim/vanish?estimates=N: estimates disappear instead. */
		for (long k = 0; k < n_est && data.n_estimates > 0; k++) {
			struct sim_estimate *e = &data.estimates[sim_rand(&s) % data.n_estimates];

			e->hidden = 1;
			json_object_array_add(ids, json_object_new_string(e->id));
		}
		n = 0;
	}
	for (long k = 0; k < n && data.n_jobs > 0; k++) {
		size_t i = (size_t)(sim_rand(&s) % data.n_jobs);
		struct sim_job *j = &data.jobs[i];

		if (strcmp(what, "mutate") == 0) {
			mutate_job(i, now);
		} else if (strcmp(what, "delete") == 0) {
			j->work_status = "pro canceled";
			j->deleted_at = now;
			j->updated = now;
		} else if (strcmp(what, "vanish") == 0) {
			j->hidden = 1;
		} else {
			j->total_amount += 777; /* silent: updated_at not bumped */
		}
		json_object_array_add(ids, json_object_new_string(j->id));
	}
	data.version++;
	json_object_object_add(o, "changed", ids);
	return send_json(c, 200, o);
}

static enum MHD_Result set_fault(void *cls, enum MHD_ValueKind kind, const char *key,
				 const char *value)
{
	struct { const char *name; int *field; } table[] = {
		{ "fail_429_pct", &faults.fail_429_pct }, { "fail_5xx_pct", &faults.fail_5xx_pct },
		{ "burst_5xx", &faults.burst_5xx }, { "slow_ms", &faults.slow_ms },
		{ "truncate_pct", &faults.truncate_pct }, { "trickle", &faults.trickle },
		{ "retry_after", &faults.retry_after }, { "oversize_mb", &faults.oversize_mb },
		{ "mutate_on_page", &faults.mutate_on_page }, { "status", &faults.status },
		{ "hostile_page", &faults.hostile_page }, { "vanish_on_page", &faults.vanish_on_page },
		{ "vanish_jobs", &faults.vanish_jobs }, { "vanish_seed", &faults.vanish_seed },
		{ "lookup_status", &faults.lookup_status },
	};

	(void)cls;
	(void)kind;
	if (value && strcmp(key, "redirect") == 0)
		snprintf(faults.redirect, sizeof faults.redirect, "%s", value);
	if (value && strcmp(key, "hostile") == 0)
		snprintf(faults.hostile, sizeof faults.hostile, "%s", value);
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (value && strcmp(key, table[i].name) == 0)
			*table[i].field = (int)strtol(value, NULL, 10);
	return MHD_YES;
}

static enum MHD_Result control(struct MHD_Connection *c, const char *url)
{
	if (strcmp(url, "/_sim/expected") == 0)
		return expected(c);
	if (strcmp(url, "/_sim/config") == 0) {
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, set_fault, NULL);
		return send_json(c, 200, json_object_new_object());
	}
	if (strcmp(url, "/_sim/log") == 0) {
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
		r = send_text(c, 200, text, "text/plain", -1, 0, 0, 0);
		free(text);
		if (arg_long(c, "clear", 0)) {
			for (size_t i = 0; i < reqlog.n; i++)
				free(reqlog.lines[i]);
			reqlog.n = 0;
		}
		return r;
	}
	if (strcmp(url, "/_sim/stats") == 0) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "api_requests", json_object_new_int64(reqlog.api_requests));
		json_object_object_add(o, "served_429", json_object_new_int64(reqlog.served_429));
		json_object_object_add(o, "served_5xx", json_object_new_int64(reqlog.served_5xx));
		json_object_object_add(o, "peak_in_flight", json_object_new_int64(reqlog.peak_in_flight));
		json_object_object_add(o, "peak_per_second", json_object_new_int64(reqlog.peak_per_second));
		if (arg_long(c, "reset", 0))
			reqlog.peak_in_flight = reqlog.peak_per_second = 0;
		json_object_object_add(o, "jobs", json_object_new_int64((int64_t)data.n_jobs));
		json_object_object_add(o, "customers", json_object_new_int64((int64_t)data.n_customers));
		json_object_object_add(o, "estimates", json_object_new_int64((int64_t)data.n_estimates));
		return send_json(c, 200, o);
	}
	if (strcmp(url, "/_sim/mutate") == 0 || strcmp(url, "/_sim/delete") == 0 ||
	    strcmp(url, "/_sim/vanish") == 0 || strcmp(url, "/_sim/silent") == 0 ||
	    strcmp(url, "/_sim/restore") == 0)
		return change(c, url + 6);
	if (strcmp(url, "/_sim/hidden") == 0) {
		/* The ids of jobs and estimates that vanished, for oracles. */
		struct json_object *o = json_object_new_object(), *j = json_object_new_array(),
				   *e = json_object_new_array();

		for (size_t i = 0; i < data.n_jobs; i++)
			if (data.jobs[i].hidden)
				json_object_array_add(j, json_object_new_string(data.jobs[i].id));
		for (size_t i = 0; i < data.n_estimates; i++)
			if (data.estimates[i].hidden)
				json_object_array_add(e, json_object_new_string(data.estimates[i].id));
		json_object_object_add(o, "jobs", j);
		json_object_object_add(o, "estimates", e);
		return send_json(c, 200, o);
	}
	return send_json(c, 404, json_tokener_parse("{\"message\":\"no such control\"}"));
}

static int roll(int pct)
{
	return pct > 0 && (int)(sim_rand(&fault_rng) % 100) < pct;
}

static enum MHD_Result api(struct MHD_Connection *c, const char *url)
{
	static const struct { const char *path; enum resource r; } lists[] = {
		{ "/jobs", R_JOBS }, { "/customers", R_CUSTOMERS },
		{ "/estimates", R_ESTIMATES }, { "/employees", R_EMPLOYEES },
	};

	reqlog.api_requests++;
	if (!authorized(c))
		return send_json(c, 401, json_tokener_parse("{\"message\":\"Unauthorized\"}"));
	if (faults.burst_5xx > 0 || roll(faults.fail_5xx_pct)) {
		if (faults.burst_5xx > 0)
			faults.burst_5xx--;
		reqlog.served_5xx++;
		return send_text(c, 503, "<html><body>Service Unavailable</body></html>",
				 "text/html", -1, 0, 0, 0);
	}
	if (roll(faults.fail_429_pct)) {
		reqlog.served_429++;
		return send_text(c, 429, "{\"message\":\"Too Many Requests\"}", "application/json",
				 faults.retry_after, 0, 0, 0);
	}
	if (faults.status > 0)
		return send_json(c, (unsigned)faults.status,
				 json_tokener_parse("{\"error\":{\"message\":\"injected\"}}"));
	if (faults.redirect[0]) {
		struct MHD_Response *resp = MHD_create_response_from_buffer(0, (void *)"",
									     MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ret;

		if (!resp)
			return MHD_NO;
		MHD_add_response_header(resp, "Location", faults.redirect);
		ret = MHD_queue_response(c, 302, resp);
		MHD_destroy_response(resp);
		return ret;
	}
	if (faults.oversize_mb > 0)
		return send_text(c, 200, "", "application/json", -1, 0, 0,
				 (size_t)faults.oversize_mb << 20);
	for (size_t i = 0; i < 4; i++)
		if (strcmp(url, lists[i].path) == 0)
			return list(c, lists[i].r, lists[i].path + 1);
	if (strcmp(url, "/company") == 0) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_string(data.company_id));
		json_object_object_add(o, "name", json_object_new_string("Patton Plumbing"));
		json_object_object_add(o, "time_zone", json_object_new_string(data.tz));
		return send_json(c, 200, o);
	}
	if (faults.lookup_status > 0 && (strncmp(url, "/jobs/", 6) == 0 ||
					  strncmp(url, "/customers/", 11) == 0))
		return send_json(c, (unsigned)faults.lookup_status, json_object_new_object());
	if (strncmp(url, "/jobs/", 6) == 0) {
		for (size_t i = 0; i < data.n_jobs; i++)
			if (strcmp(data.jobs[i].id, url + 6) == 0 && !data.jobs[i].hidden)
				return send_json(c, 200, sim_job_json(&data.jobs[i]));
		return send_json(c, 404, json_object_new_object());
	}
	if (strncmp(url, "/customers/", 11) == 0) {
		for (size_t i = 0; i < data.n_customers; i++)
			if (strcmp(data.customers[i].id, url + 11) == 0)
				return send_json(c, 200, sim_customer_json(&data.customers[i], 1));
		return send_json(c, 404, json_object_new_object());
	}
	return send_text(c, 404, "<html><body>Not Found</body></html>", "text/html", -1, 0, 0, 0);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct query q = { "" };
	enum MHD_Result r;
	int slow, truncate, trickle;

	(void)cls;
	(void)version;
	(void)upload;
	(void)upload_size;
	static int seen_headers;

	if (*con_cls == NULL) {
		*con_cls = &seen_headers; /* first call: headers only */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0)
		return send_json(c, 405, json_tokener_parse("{\"message\":\"GET only\"}"));
	MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, collect_arg, &q);
	pthread_mutex_lock(&sim_lock);
	/* Log on arrival: a stalled answer must not show up in a later log. */
	if (strncmp(url, "/_sim/", 6) != 0) {
		log_request(method, url, q.text);
		note_arrival();
	}
	slow = strncmp(url, "/_sim/", 6) ? faults.slow_ms : 0;
	truncate = strncmp(url, "/_sim/", 6) ? roll(faults.truncate_pct) : 0;
	trickle = strncmp(url, "/_sim/", 6) ? faults.trickle : 0;
	if (truncate || trickle) {
		/* Build the real answer, then cut it short or dribble it. */
		pthread_mutex_unlock(&sim_lock);
		if (slow)
			usleep((useconds_t)slow * 1000);
		pthread_mutex_lock(&sim_lock);
		r = send_text(c, 200, "{\"page\":1,\"page_size\":10,\"total_pages\":1,\"jobs\":[",
			      "application/json", -1, truncate, trickle, 0);
		reqlog.in_flight--;
		pthread_mutex_unlock(&sim_lock);
		return r;
	}
	pthread_mutex_unlock(&sim_lock);
	if (slow)
		usleep((useconds_t)slow * 1000);
	pthread_mutex_lock(&sim_lock);
	if (strncmp(url, "/_sim/", 6) == 0) {
		r = control(c, url);
	} else {
		r = api(c, url);
		reqlog.in_flight--;
	}
	pthread_mutex_unlock(&sim_lock);
	return r;
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
	fprintf(stderr,
		"usage: hcpsim [--port N] [--port-file F] [--dataset plumbing|small]\n"
		"              [--jobs N --customers N --estimates N] [--ties N] [--seed N]\n"
		"              [--tz ZONE] [--api-key KEY | --api-key-file F] [--now EPOCH]\n"
		"              [--fail-429-pct N] ...\n"
		"              [--tls-cert PEM --tls-key PEM]\n");
}

int main(int argc, char **argv)
{
	struct sim_gen_options o = { 1, 23676, 21829, 8174, 0, 0, "America/Chicago" };
	const char *port_file = NULL, *tls_cert = NULL, *tls_key = NULL;
	char *cert = NULL, *key = NULL, *key_file = NULL;
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
			 MHD_USE_ERROR_LOG;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *info;
	struct sockaddr_in sa;
	long port = 0;

	o.now = (int64_t)time(NULL);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!v) {
			usage();
			return 2;
		}
		i++;
		if (strcmp(a, "--port") == 0) port = strtol(v, NULL, 10);
		else if (strcmp(a, "--port-file") == 0) port_file = v;
		else if (strcmp(a, "--dataset") == 0 && strcmp(v, "small") == 0) {
			o.jobs = 2400; o.customers = 1500; o.estimates = 500;
		} else if (strcmp(a, "--dataset") == 0) { /* plumbing: the defaults */ }
		else if (strcmp(a, "--jobs") == 0) o.jobs = strtoul(v, NULL, 10);
		else if (strcmp(a, "--customers") == 0) o.customers = strtoul(v, NULL, 10);
		else if (strcmp(a, "--estimates") == 0) o.estimates = strtoul(v, NULL, 10);
		else if (strcmp(a, "--ties") == 0) o.ties = strtoul(v, NULL, 10);
		else if (strcmp(a, "--seed") == 0) o.seed = strtoull(v, NULL, 10);
		else if (strcmp(a, "--tz") == 0) o.tz = v;
		else if (strcmp(a, "--api-key") == 0) api_key = v;
		else if (strcmp(a, "--api-key-file") == 0) {
			/* Keeps the key off the command line, where ps shows it. */
			key_file = slurp(v);
			if (!key_file) {
				fprintf(stderr, "hcpsim: cannot read %s\n", v);
				return 2;
			}
			key_file[strcspn(key_file, "\r\n")] = '\0';
			api_key = key_file;
		}
		else if (strcmp(a, "--now") == 0) o.now = strtoll(v, NULL, 10);
		else if (strcmp(a, "--fail-429-pct") == 0) faults.fail_429_pct = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--fail-5xx-pct") == 0) faults.fail_5xx_pct = (int)strtol(v, NULL, 10);
		else if (strcmp(a, "--tls-cert") == 0) tls_cert = v;
		else if (strcmp(a, "--tls-key") == 0) tls_key = v;
		else {
			usage();
			return 2;
		}
	}
	if (sim_generate(&data, &o) < 0) {
		fprintf(stderr, "hcpsim: cannot generate the data set\n");
		return 1;
	}
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* loopback only */
	if (tls_cert || tls_key) {
		cert = tls_cert ? slurp(tls_cert) : NULL;
		key = tls_key ? slurp(tls_key) : NULL;
		if (!cert || !key || MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
			fprintf(stderr, "hcpsim: cannot serve TLS (certificate, key or libmicrohttpd support)\n");
			return 1;
		}
		flags |= MHD_USE_TLS;
	}
	d = cert ? MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				    MHD_OPTION_HTTPS_MEM_CERT, cert, MHD_OPTION_HTTPS_MEM_KEY, key,
				    MHD_OPTION_END)
		 : MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "hcpsim: cannot listen on port %ld\n", port);
		return 1;
	}
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	port = info ? info->port : port;
	if (port_file) {
		FILE *f = fopen(port_file, "w");

		if (!f || fprintf(f, "%ld\n", port) < 0 || fclose(f) != 0) {
			fprintf(stderr, "hcpsim: cannot write %s\n", port_file);
			return 1;
		}
	}
	fprintf(stderr, "hcpsim: %zu jobs, %zu customers, %zu estimates on %s://127.0.0.1:%ld\n",
		data.n_jobs, data.n_customers, data.n_estimates, cert ? "https" : "http", port);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	for (size_t i = 0; i < reqlog.n; i++)
		free(reqlog.lines[i]);
	free(reqlog.lines);
	for (int i = 0; i < 4; i++)
		free(cache[i].idx);
	sim_data_free(&data);
	free(cert);
	free(key);
	free(key_file);
	return 0;
}
