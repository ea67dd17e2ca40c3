/*
 * POST /api/graphql as Jobber answers it (reference §1.1, §1.7, §3.2,
 * §3.3): JSON bodies only, a Bearer access token (401 "Access token
 * expired" once it is), the X-JOBBER-GRAPHQL-VERSION header (refused when
 * missing: a guess, so tests catch a client that forgets it), the
 * request-count guard (HTTP 429 past 2,500 requests in 300 s) and the
 * query-cost leaky bucket (10,000 points, 500 a second): a query costing
 * more than is available answers HTTP 200 with a THROTTLED error.
 * Every answer carries extensions.cost and extensions.versioning.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobber/jobber.h"

#define DDOS_WINDOW_MS 300000
#define DDOS_RING 8192

static struct {
	double available;
	int64_t at_ms;
	int started;
} bucket;

static struct {
	int64_t at[DDOS_RING];
	size_t n;
} recent;

static struct { long queries, throttled, refused_429, query_errors, cost_points; } stats;

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void refill(void)
{
	int64_t t = now_ms();

	if (!bucket.started) {
		bucket.available = jb_faults.bucket_max;
		bucket.started = 1;
	} else {
		bucket.available += (double)(t - bucket.at_ms) * jb_faults.restore_rate / 1000.0;
		if (bucket.available > jb_faults.bucket_max)
			bucket.available = jb_faults.bucket_max;
	}
	bucket.at_ms = t;
}

/* The request-count guard: 1 when this request is one too many. */
static int over_request_limit(void)
{
	int64_t t = now_ms();
	size_t in_window = 0, n = recent.n < DDOS_RING ? recent.n : DDOS_RING;

	for (size_t i = 0; i < n; i++)
		if (recent.at[i] > t - DDOS_WINDOW_MS)
			in_window++;
	if ((long)in_window >= jb_faults.ddos_limit)
		return 1;
	recent.at[recent.n++ % DDOS_RING] = t;
	return 0;
}

static struct json_object *cost_json(int64_t requested, int64_t actual)
{
	struct json_object *cost = json_object_new_object(), *ts = json_object_new_object();

	json_object_object_add(cost, "requestedQueryCost", json_object_new_int64(requested));
	json_object_object_add(cost, "actualQueryCost", json_object_new_int64(actual));
	json_object_object_add(ts, "maximumAvailable", json_object_new_int(jb_faults.bucket_max));
	json_object_object_add(ts, "currentlyAvailable", json_object_new_int64((int64_t)bucket.available));
	json_object_object_add(ts, "restoreRate", json_object_new_int(jb_faults.restore_rate));
	json_object_object_add(cost, "throttleStatus", ts);
	return cost;
}

static enum MHD_Result answer(struct MHD_Connection *c, struct json_object *data,
			      struct json_object *errors, int64_t requested, int64_t actual,
			      const char *version)
{
	struct json_object *o = json_object_new_object(), *ext = json_object_new_object(),
			   *ver = json_object_new_object();

	if (errors)
		json_object_object_add(o, "errors", errors);
	if (data)
		json_object_object_add(o, "data", data);
	json_object_object_add(ext, "cost", cost_json(requested, actual));
	json_object_object_add(ver, "version", json_object_new_string(version ? version : ""));
	json_object_object_add(ext, "versioning", ver);
	json_object_object_add(o, "extensions", ext);
	return sim_send_json(c, 200, o);
}

static struct json_object *one_error(const char *message, const char *code)
{
	struct json_object *arr = json_object_new_array(), *e = json_object_new_object();

	json_object_object_add(e, "message", json_object_new_string(message));
	if (code) {
		struct json_object *ext = json_object_new_object();

		json_object_object_add(ext, "code", json_object_new_string(code));
		if (strcmp(code, "THROTTLED") == 0)
			json_object_object_add(ext, "documentation", json_object_new_string(
				"https://developer.getjobber.com/docs/using_jobbers_api/api_rate_limits"));
		json_object_object_add(e, "extensions", ext);
	}
	json_object_array_add(arr, e);
	return arr;
}

/* A parsed, validated query within the bucket: run it. */
static enum MHD_Result run(struct MHD_Connection *c, struct jb_query *q, const char *version)
{
	refill();
	if (jb_faults.query_error > 0) {
		jb_faults.query_error--;
		stats.query_errors++;
		return answer(c, NULL, one_error("Internal server error", "INTERNAL_SERVER_ERROR"),
			      q->requested_cost, 0, version);
	}
	if (q->requested_cost > bucket.available) {
		stats.throttled++;
		return answer(c, NULL, one_error("Throttled", "THROTTLED"), q->requested_cost, 0, version);
	}
	bucket.available -= (double)q->requested_cost;
	if (jb_execute(q) < 0) {
		bucket.available += (double)q->requested_cost;
		stats.query_errors++;
		return answer(c, NULL, q->errors, q->requested_cost, 0, version);
	}
	/* Charged what the query really cost. */
	bucket.available += (double)(q->requested_cost - q->actual_cost);
	stats.cost_points += q->actual_cost;
	return answer(c, q->data, NULL, q->requested_cost, q->actual_cost, version);
}

static enum MHD_Result graphql(struct sim_request *rq)
{
	const char *ctype = sim_header(rq->c, "Content-Type");
	const char *version = sim_header(rq->c, "X-JOBBER-GRAPHQL-VERSION");
	struct json_object *body, *query = NULL, *vars = NULL;
	struct gql_document doc;
	struct jb_query q;
	char err[300];
	enum MHD_Result ret;
	int access;

	if (strcmp(rq->method, "POST") != 0)
		return sim_send_json_text(rq->c, 405, "{\"message\":\"POST only\"}");
	access = jb_access_check(sim_header(rq->c, "Authorization"));
	if (access == -2)
		return sim_send_json_text(rq->c, 401, "{\"message\":\"Access token expired\"}");
	if (access < 0)
		return sim_send_json_text(rq->c, 401, "{\"message\":\"invalid_request\"}");
	if (over_request_limit()) {
		stats.refused_429++;
		return sim_send_text(rq->c, 429, "", "text/plain", -1, 0, 0, 0);
	}
	if (!ctype || strncmp(ctype, "application/json", 16) != 0)
		return sim_send_json_text(rq->c, 400, "{\"errors\":[{\"message\":"
					  "\"Content-Type must be application/json\"}]}");
	if (jb_faults.require_version && (!version || !version[0]))
		return sim_send_json_text(rq->c, 400, "{\"errors\":[{\"message\":"
					  "\"X-JOBBER-GRAPHQL-VERSION header is required\"}]}");
	body = json_tokener_parse(rq->body);
	if (!body || !json_object_object_get_ex(body, "query", &query) ||
	    !json_object_is_type(query, json_type_string)) {
		json_object_put(body);
		return answer(rq->c, NULL, one_error("No query string was present", NULL), 0, 0, version);
	}
	json_object_object_get_ex(body, "variables", &vars);
	if (gql_parse(json_object_get_string(query), &doc, err, sizeof err) < 0) {
		json_object_put(body);
		stats.query_errors++;
		return answer(rq->c, NULL, one_error(err, "parseError"), 0, 0, version);
	}
	memset(&q, 0, sizeof q);
	q.doc = &doc;
	q.variables = json_object_is_type(vars, json_type_object) ? vars : NULL;
	stats.queries++;
	if (jb_validate(&q) < 0) {
		stats.query_errors++;
		ret = answer(rq->c, NULL, q.errors, 0, 0, version);
	} else {
		ret = run(rq->c, &q, version);
	}
	gql_document_release(&doc);
	json_object_put(body);
	return ret;
}

enum MHD_Result jb_api(struct sim_request *rq)
{
	enum MHD_Result ret;

	if (jb_oauth_route(rq, &ret))
		return ret;
	if (strcmp(rq->url, "/api/graphql") == 0)
		return graphql(rq);
	return sim_send_text(rq->c, 404, "<html><body>Not Found</body></html>", "text/html", -1, 0, 0, 0);
}

void jb_api_stats(struct json_object *o)
{
	json_object_object_add(o, "queries", json_object_new_int64(stats.queries));
	json_object_object_add(o, "throttled", json_object_new_int64(stats.throttled));
	json_object_object_add(o, "refused_429", json_object_new_int64(stats.refused_429));
	json_object_object_add(o, "query_errors", json_object_new_int64(stats.query_errors));
	json_object_object_add(o, "cost_points", json_object_new_int64(stats.cost_points));
	refill();
	json_object_object_add(o, "bucket_available", json_object_new_int64((int64_t)bucket.available));
}
