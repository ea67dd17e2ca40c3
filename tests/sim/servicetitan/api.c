/*
 * ServiceTitan's API as the simulator serves it (reference §2.1 to §2.7):
 *   POST /connect/token                  client credentials; expires_in
 *                                        (900); too many requests a minute
 *                                        answer 429 with Retry-After
 *   GET  /marketing/v2/tenant/{t}/campaigns
 *   GET  /crm/v2/tenant/{t}/customers[/{id}], .../export/customers
 *   GET  /jpm/v2/tenant/{t}/jobs[/{id}],      .../export/jobs
 *   GET  /sales/v2/tenant/{t}/estimates[/{id}], .../estimates/export
 * Every API call needs a live Bearer token and the ST-App-Key header.
 * Lists: page, pageSize (50, at most 5000), includeTotal, active
 * (True|False|Any, default True), ids (up to 50), sort (+Id, -Id,
 * +ModifiedOn, ...).  Job rows carry `active` only in exports.
 * Exports: from (a continueFrom token or a date: modifiedOn), and rows
 * changed in the last 15 minutes held back unless includeRecentChanges=
 * true, which also repeats up to five rows of the minute before the
 * token (as the real one "may return duplicates").  Errors are RFC 7807.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "servicetitan/st.h"

#define TOKENS_MAX 256
#define DUP_WINDOW_S 60
#define DUP_MAX 5

static char client_id[128] = "sim-client", client_secret[256] = "sim-secret", app_key[256] = "sim-app-key";
static struct { char token[64]; int64_t exp; } tokens[TOKENS_MAX];
static size_t n_tokens;
static int64_t token_times[64];
static size_t n_token_times;
static uint64_t token_seq = 1;
static struct { long tokens, token_429, lists, exports, lookups; } stats;

static char *read_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return n ? strdup(buf) : NULL;
}

int st_api_option(const char *name, const char *value)
{
	char *v;
	char *dest = strcmp(name, "client-secret-file") == 0 ? client_secret
		     : strcmp(name, "app-key-file") == 0 ? app_key : NULL;

	if (strcmp(name, "client-id") == 0) {
		snprintf(client_id, sizeof client_id, "%s", value);
		return 1;
	}
	if (!dest)
		return 0;
	/* Secrets come from files: a command line is visible to every user. */
	if (!(v = read_line(value)))
		return -1;
	snprintf(dest, 256, "%s", v);
	free(v);
	return 1;
}

void st_api_expire_tokens(void)
{
	for (size_t i = 0; i < n_tokens; i++)
		tokens[i].exp = 0;
}

/* An RFC 7807 problem; field and message (may be NULL) fill "errors". */
static enum MHD_Result problem(struct MHD_Connection *c, unsigned status, const char *title,
			       const char *field, const char *message)
{
	struct json_object *o = json_object_new_object(), *errs = json_object_new_object();
	char trace[64];

	snprintf(trace, sizeof trace, "00-%016llx-01", (unsigned long long)time(NULL));
	json_object_object_add(o, "type", json_object_new_string(
		status == 400 ? "https://tools.ietf.org/html/rfc7231#section-6.5.1"
			      : "https://tools.ietf.org/html/rfc7231#section-6.5.4"));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "status", json_object_new_int((int)status));
	json_object_object_add(o, "traceId", json_object_new_string(trace));
	if (field) {
		struct json_object *arr = json_object_new_array();

		json_object_array_add(arr, json_object_new_string(message));
		json_object_object_add(errs, field, arr);
	}
	json_object_object_add(o, "errors", errs);
	json_object_object_add(o, "data", json_object_new_object());
	return sim_send_json(c, status, o);
}

/* ---- the token endpoint ---- */

static int form_value(const char *body, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t o = 0;

		if (strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (p += klen + 1; *p && *p != '&' && o + 1 < len; p++) {
			if (*p == '%' && p[1] && p[2]) {
				char hex[3] = { p[1], p[2], '\0' };

				out[o++] = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				out[o++] = *p == '+' ? ' ' : *p;
			}
		}
		out[o] = '\0';
		return 1;
	}
	return 0;
}

/* The token endpoint throttles: more than token_limit requests in a
 * minute answer 429. */
static int token_throttled(void)
{
	int64_t now = (int64_t)time(NULL);
	size_t in_minute = 0, n = n_token_times < 64 ? n_token_times : 64;

	for (size_t i = 0; i < n; i++)
		if (token_times[i] > now - 60)
			in_minute++;
	if ((int)in_minute >= st_faults.token_limit)
		return 1;
	token_times[n_token_times++ % 64] = now;
	return 0;
}

static enum MHD_Result token_endpoint(struct sim_request *rq)
{
	char grant[40], id[128], secret[256], token[64];
	struct json_object *o;
	uint64_t s;

	if (strcmp(rq->method, "POST") != 0)
		return sim_send_json_text(rq->c, 405, "{\"error\":\"invalid_request\"}");
	if (st_faults.token_status > 0)
		return sim_send_json_text(rq->c, (unsigned)st_faults.token_status,
					  "{\"error\":\"server_error\"}");
	if (token_throttled()) {
		stats.token_429++;
		return sim_send_text(rq->c, 429, "{\"error\":\"too_many_requests\"}", "application/json",
				     5, 0, 0, 0);
	}
	if (!form_value(rq->body, "grant_type", grant, sizeof grant) ||
	    strcmp(grant, "client_credentials") != 0)
		return sim_send_json_text(rq->c, 400, "{\"error\":\"unsupported_grant_type\"}");
	if (!form_value(rq->body, "client_id", id, sizeof id) ||
	    !form_value(rq->body, "client_secret", secret, sizeof secret) ||
	    strcmp(id, client_id) != 0 || strcmp(secret, client_secret) != 0)
		return sim_send_json_text(rq->c, 400, "{\"error\":\"invalid_client\"}");
	s = token_seq++ * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);
	snprintf(token, sizeof token, "st.%016llx%016llx", (unsigned long long)sim_rand(&s),
		 (unsigned long long)sim_rand(&s));
	if (n_tokens == TOKENS_MAX) {
		memmove(tokens, tokens + 1, sizeof tokens - sizeof tokens[0]);
		n_tokens--;
	}
	snprintf(tokens[n_tokens].token, sizeof tokens[n_tokens].token, "%s", token);
	tokens[n_tokens++].exp = (int64_t)time(NULL) + st_faults.token_ttl;
	stats.tokens++;
	o = json_object_new_object();
	json_object_object_add(o, "access_token", json_object_new_string(token));
	json_object_object_add(o, "expires_in", json_object_new_int(st_faults.token_ttl));
	json_object_object_add(o, "token_type", json_object_new_string("Bearer"));
	json_object_object_add(o, "scope", json_object_new_string("tn.jpm.jobs:r tn.crm.customers:r"));
	return sim_send_json(rq->c, 200, o);
}

/* 0 when the call may go on; otherwise the 401 already answered. */
static int unauthorized(struct MHD_Connection *c, enum MHD_Result *ret)
{
	const char *auth = sim_header(c, "Authorization"), *key = sim_header(c, "ST-App-Key");

	if (!key || !key[0]) {
		*ret = problem(c, 401, "Application key not present, check ST-App-Key header value.",
			       NULL, NULL);
		return 1;
	}
	if (strcmp(key, app_key) != 0) {
		*ret = problem(c, 401, "Application key is not valid.", NULL, NULL);
		return 1;
	}
	for (size_t i = 0; auth && strncmp(auth, "Bearer ", 7) == 0 && i < n_tokens; i++)
		if (strcmp(tokens[i].token, auth + 7) == 0 && tokens[i].exp > (int64_t)time(NULL))
			return 0;
	*ret = problem(c, 401, "Unauthorized", NULL, NULL);
	return 1;
}

/* ---- the records of each resource ---- */

enum resource { R_CAMPAIGNS, R_CUSTOMERS, R_JOBS, R_ESTIMATES };

static size_t count_of(enum resource r)
{
	return r == R_CAMPAIGNS ? st_data.n_campaigns : r == R_CUSTOMERS ? st_data.n_customers
	       : r == R_JOBS ? st_data.n_jobs : st_data.n_estimates;
}

static int64_t id_of(enum resource r, size_t i)
{
	return r == R_CAMPAIGNS ? st_data.campaigns[i].id : r == R_CUSTOMERS
	       ? st_data.customers[i].id : r == R_JOBS ? st_data.jobs[i].id : st_data.estimates[i].id;
}

static struct st_time modified_of(enum resource r, size_t i)
{
	return r == R_CAMPAIGNS ? st_data.campaigns[i].modified : r == R_CUSTOMERS
	       ? st_data.customers[i].modified : r == R_JOBS ? st_data.jobs[i].modified
	       : st_data.estimates[i].modified;
}

static int active_of(enum resource r, size_t i)
{
	return r == R_CAMPAIGNS ? st_data.campaigns[i].active : r == R_CUSTOMERS
	       ? st_data.customers[i].active : r == R_JOBS ? st_data.jobs[i].active
	       : st_data.estimates[i].active;
}

static int hidden_of(enum resource r, size_t i)
{
	return r == R_CUSTOMERS ? st_data.customers[i].hidden : r == R_JOBS ? st_data.jobs[i].hidden
	       : r == R_ESTIMATES ? st_data.estimates[i].hidden : 0;
}

static struct json_object *record_json(enum resource r, size_t i, int export_row)
{
	return r == R_CAMPAIGNS ? st_campaign_json(&st_data.campaigns[i])
	       : r == R_CUSTOMERS ? st_customer_json(&st_data.customers[i])
	       : r == R_JOBS ? st_job_json(&st_data.jobs[i], export_row)
	       : st_estimate_json(&st_data.estimates[i]);
}

/* ---- lists ---- */

static enum resource sort_resource; /* qsort has no context; under sim_lock */
static int sort_by_modified, sort_desc;

static int cmp_list(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int c = 0;

	if (sort_by_modified)
		c = st_time_cmp(modified_of(sort_resource, x), modified_of(sort_resource, y));
	if (c == 0)
		c = (id_of(sort_resource, x) > id_of(sort_resource, y)) -
		    (id_of(sort_resource, x) < id_of(sort_resource, y));
	return sort_desc ? -c : c;
}

/* The ids filter: up to 50 comma-separated ids; n 0 when absent, -1 bad. */
static int parse_ids(const char *text, int64_t ids[50])
{
	int n = 0;
	char *end;

	if (!text)
		return 0;
	for (const char *p = text; *p; p = *end ? end + 1 : end) {
		if (n == 50 || *p < '0' || *p > '9')
			return -1;
		ids[n++] = strtoll(p, &end, 10);
		if (*end && *end != ',')
			return -1;
	}
	return n;
}

static int in_ids(const int64_t *ids, int n, int64_t id)
{
	for (int i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

/* The lowest-id active jobs go inactive (jobs are generated in id order). */
static void deactivate_lowest(int n)
{
	for (size_t i = 0; n > 0 && i < st_data.n_jobs; i++) {
		struct st_job *j = &st_data.jobs[i];

		if (j->active && !j->hidden) {
			j->active = 0;
			j->modified = st_now();
			n--;
		}
	}
}

static enum MHD_Result list(struct MHD_Connection *c, enum resource r)
{
	long page = sim_arg_long(c, "page", 1), size = sim_arg_long(c, "pageSize", 50);
	const char *active = sim_arg(c, "active"), *sort = sim_arg(c, "sort");
	const char *total = sim_arg(c, "includeTotal");
	size_t n = 0, *idx = malloc((count_of(r) + 1) * sizeof *idx), first;
	struct json_object *o, *arr;
	int64_t ids[50];
	int n_ids = parse_ids(sim_arg(c, "ids"), ids);

	if (!idx)
		return MHD_NO;
	if (n_ids < 0) {
		free(idx);
		return problem(c, 400, "One or more validation errors occurred.", "ids",
			       "At most 50 comma-separated ids.");
	}
	if (page < 1 || size < 1 || size > 5000) {
		free(idx);
		return problem(c, 400, "One or more validation errors occurred.",
			       page < 1 ? "page" : "pageSize",
			       page < 1 ? "The value must be 1 or more." : "The value must be 1 to 5000.");
	}
	if (active && strcasecmp(active, "True") && strcasecmp(active, "False") &&
	    strcasecmp(active, "Any")) {
		free(idx);
		return problem(c, 400, "One or more validation errors occurred.", "active",
			       "The value is not valid.");
	}
	if (r == R_JOBS && page == st_faults.deactivate_on_page) {
		st_faults.deactivate_on_page = 0;
		deactivate_lowest(st_faults.deactivate_jobs);
	}
	for (size_t i = 0; i < count_of(r); i++) {
		int a = active_of(r, i);

		if (hidden_of(r, i) || (!active || !strcasecmp(active, "True") ? !a
					: !strcasecmp(active, "False") ? a : 0) ||
		    (n_ids && !in_ids(ids, n_ids, id_of(r, i))))
			continue;
		idx[n++] = i;
	}
	sort_resource = r;
	sort_by_modified = sort && strstr(sort, "ModifiedOn");
	sort_desc = sort && sort[0] == '-';
	qsort(idx, n, sizeof *idx, cmp_list);
	arr = json_object_new_array();
	first = (size_t)(page - 1) * (size_t)size;
	for (size_t k = first; k < n && k < first + (size_t)size; k++)
		json_object_array_add(arr, record_json(r, idx[k], 0));
	o = json_object_new_object();
	json_object_object_add(o, "page", json_object_new_int64(page));
	json_object_object_add(o, "pageSize", json_object_new_int64(size));
	json_object_object_add(o, "hasMore", json_object_new_boolean(first + (size_t)size < n));
	json_object_object_add(o, "totalCount", total && !strcasecmp(total, "true")
			       ? json_object_new_int64((int64_t)n) : NULL);
	json_object_object_add(o, "data", arr);
	free(idx);
	stats.lists++;
	return sim_send_json(c, 200, o);
}

/* ---- exports ---- */

/* A position in (modifiedOn, id) order. */
struct position {
	struct st_time t;
	int64_t id;
};

static int after(struct position p, struct st_time t, int64_t id)
{
	int c = st_time_cmp(t, p.t);

	return c > 0 || (c == 0 && id > p.id);
}

static void token_of(struct position p, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char raw[80];
	size_t n = (size_t)snprintf(raw, sizeof raw, "st1:%lld:%d:%lld", (long long)p.t.s,
				    (int)p.t.ticks, (long long)p.id), o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i += 3) {
		unsigned v = (unsigned char)raw[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)raw[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)raw[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

/* from: our token, or a date or date-time (modifiedOn at or after it). */
static int parse_from(const char *from, struct position *p)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char raw[80], iso[40];
	size_t n = 0;
	unsigned acc = 0;
	int bits = 0, y, m, d, ticks;
	long long s, id;
	int64_t t;

	memset(p, 0, sizeof *p);
	p->t.ticks = -1; /* before everything at that instant */
	p->id = -1;
	if (!from || !from[0])
		return 0;
	if (strlen(from) == 10 && sscanf(from, "%4d-%2d-%2d", &y, &m, &d) == 3) {
		snprintf(iso, sizeof iso, "%sT00:00:00Z", from);
		from = iso;
	}
	if (sim_parse_iso(from, &t) == 0) {
		p->t.s = t;
		return 0;
	}
	for (const char *q = from; *q && n + 1 < sizeof raw; q++) {
		const char *k = strchr(b64, *q);

		if (!k)
			return -1;
		acc = acc << 6 | (unsigned)(k - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			raw[n++] = (char)(acc >> bits & 0xff);
		}
	}
	raw[n] = '\0';
	if (sscanf(raw, "st1:%lld:%d:%lld", &s, &ticks, &id) != 3)
		return -1;
	*p = (struct position){ { s, ticks }, id };
	return 0;
}

static enum MHD_Result export(struct MHD_Connection *c, enum resource r)
{
	const char *recent = sim_arg(c, "includeRecentChanges");
	int with_recent = recent && !strcasecmp(recent, "true"), from_token;
	struct st_time lag = { (int64_t)time(NULL) - ST_LAG_S, 0 };
	size_t n = 0, first = 0, *idx = malloc((count_of(r) + 1) * sizeof *idx), limit;
	struct position from, last, dup_from;
	struct json_object *o, *arr;
	char token[160];

	if (!idx)
		return MHD_NO;
	if (parse_from(sim_arg(c, "from"), &from) < 0) {
		free(idx);
		return problem(c, 400, "One or more validation errors occurred.", "from",
			       "The value is not a continuation token or a date.");
	}
	from_token = sim_arg(c, "from") && from.id >= 0;
	/* Duplicates, as the real export may send them with recent changes. */
	dup_from = from;
	if (with_recent && from_token)
		dup_from.t.s -= DUP_WINDOW_S;
	for (size_t i = 0; i < count_of(r); i++) {
		struct st_time m = modified_of(r, i);

		if (!hidden_of(r, i) && after(dup_from, m, id_of(r, i)) &&
		    (with_recent || st_time_cmp(m, lag) <= 0))
			idx[n++] = i;
	}
	sort_resource = r;
	sort_by_modified = 1;
	sort_desc = 0;
	qsort(idx, n, sizeof *idx, cmp_list);
	limit = (size_t)(st_faults.export_size > 0 ? st_faults.export_size : 500);
	/* The page: up to DUP_MAX rows already sent before the token, then
	 * up to limit new ones. */
	while (first < n && !after(from, modified_of(r, idx[first]), id_of(r, idx[first])))
		first++;
	arr = json_object_new_array();
	last = from;
	for (size_t k = first > DUP_MAX ? first - DUP_MAX : 0; k < n && k < first + limit; k++) {
		json_object_array_add(arr, record_json(r, idx[k], 1));
		if (after(last, modified_of(r, idx[k]), id_of(r, idx[k])))
			last = (struct position){ modified_of(r, idx[k]), id_of(r, idx[k]) };
	}
	n -= first;
	if (last.id < 0) /* nothing past a date: the token says where it stands */
		last.id = 0;
	token_of(last, token, sizeof token);
	o = json_object_new_object();
	json_object_object_add(o, "hasMore", json_object_new_boolean(n > limit));
	json_object_object_add(o, "continueFrom", json_object_new_string(token));
	json_object_object_add(o, "data", arr);
	free(idx);
	stats.exports++;
	return sim_send_json(c, 200, o);
}

static enum MHD_Result lookup(struct MHD_Connection *c, enum resource r, const char *id_text)
{
	char *end;
	long long id = strtoll(id_text, &end, 10);

	stats.lookups++;
	for (size_t i = 0; !*end && i < count_of(r); i++)
		if (id_of(r, i) == id && !hidden_of(r, i))
			return sim_send_json(c, 200, record_json(r, i, 0));
	return problem(c, 404, "Not Found", NULL, NULL);
}

/* /{module}/v2/tenant/{t}/{rest}: the resource, and what of it. */
static const struct route {
	const char *module, *rest;
	enum resource r;
	int kind; /* 0 list, 1 export, 2 by id (rest is a prefix) */
} routes[] = {
	{ "marketing", "campaigns", R_CAMPAIGNS, 0 },
	{ "crm", "customers", R_CUSTOMERS, 0 }, { "crm", "export/customers", R_CUSTOMERS, 1 },
	{ "crm", "customers/", R_CUSTOMERS, 2 },
	{ "jpm", "jobs", R_JOBS, 0 }, { "jpm", "export/jobs", R_JOBS, 1 }, { "jpm", "jobs/", R_JOBS, 2 },
	{ "sales", "estimates", R_ESTIMATES, 0 }, { "sales", "estimates/export", R_ESTIMATES, 1 },
	{ "sales", "estimates/", R_ESTIMATES, 2 },
};

enum MHD_Result st_api(struct sim_request *rq)
{
	char module[16], prefix[64];
	enum MHD_Result ret;
	long long tenant;
	const char *rest;
	int n = 0;

	if (strcmp(rq->url, "/connect/token") == 0)
		return token_endpoint(rq);
	if (strcmp(rq->method, "GET") != 0)
		return problem(rq->c, 405, "Method Not Allowed", NULL, NULL);
	if (sscanf(rq->url, "/%15[a-z]/v2/tenant/%lld/%n", module, &tenant, &n) != 2 || n == 0)
		return problem(rq->c, 404, "Not Found", NULL, NULL);
	if (unauthorized(rq->c, &ret))
		return ret;
	if (tenant != ST_TENANT)
		return problem(rq->c, 404, "Tenant not found", NULL, NULL);
	rest = rq->url + n;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *ro = &routes[i];

		if (strcmp(ro->module, module) != 0)
			continue;
		snprintf(prefix, sizeof prefix, "%s", ro->rest);
		if (ro->kind == 2 && strncmp(rest, prefix, strlen(prefix)) == 0 &&
		    strcmp(rest, "estimates/export") != 0)
			return lookup(rq->c, ro->r, rest + strlen(prefix));
		if (ro->kind != 2 && strcmp(rest, prefix) == 0)
			return ro->kind ? export(rq->c, ro->r) : list(rq->c, ro->r);
	}
	return problem(rq->c, 404, "Not Found", NULL, NULL);
}

void st_api_stats(struct json_object *o)
{
	json_object_object_add(o, "tokens", json_object_new_int64(stats.tokens));
	json_object_object_add(o, "token_429", json_object_new_int64(stats.token_429));
	json_object_object_add(o, "lists", json_object_new_int64(stats.lists));
	json_object_object_add(o, "exports", json_object_new_int64(stats.exports));
	json_object_object_add(o, "lookups", json_object_new_int64(stats.lookups));
}
