/* The report's companions: the trend (jobs and revenue per bucket of
 * local dates) and the lead sources that fell into unknown.  Both count
 * jobs by their own channel (last touch). */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

#define WINDOW_SQL \
	"FROM jobs j WHERE j.integration_id IN " \
	" (SELECT id FROM site_integrations WHERE site_id = $1) " \
	"AND " LL_SQL_COUNTED_JOB("j") " " \
	"AND " LL_SQL_ON_LOCAL_DAYS("j.resolved_at", "$2", "$3", "$4") " "

static struct json_object *zero_categories(void)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; i < LL_CH_COUNT; i++) {
		struct json_object *c = json_object_new_object();

		json_object_object_add(c, "jobs", json_object_new_int64(0));
		json_object_object_add(c, "revenue_cents", json_object_new_int64(0));
		json_object_object_add(o, ll_channel_name((enum ll_channel)i), c);
	}
	return o;
}

static void add_to(struct json_object *o, const char *key, int64_t n)
{
	json_object_object_add(o, key, json_object_new_int64(
		json_object_get_int64(json_object_object_get(o, key)) + n));
}

/* Every bucket of the window, empty ones included, so a chart needs no
 * gap filling: first the bucket starts, then the sums to drop into them. */
struct json_object *ll_report_series_json(struct ll_db *db, const struct ll_report *r,
					  const char *bucket, char *err, size_t errlen)
{
	const char *bparams[] = { bucket, r->from, r->to };
	const char *params[] = { r->site, r->from, r->to, r->timezone, bucket };
	struct json_object *o, *arr, *index;
	PGresult *starts, *res;

	if (strcmp(bucket, "day") && strcmp(bucket, "week") && strcmp(bucket, "month")) {
		snprintf(err, errlen, "bucket must be day, week or month");
		return NULL;
	}
	starts = ll_db_query(db,
			     "SELECT generate_series(date_trunc($1, $2::date), $3::date, "
			     "('1 ' || $1)::interval)::date::text", 3, bparams, err, errlen);
	if (!starts)
		return NULL;
	res = ll_db_query(db,
			  "SELECT date_trunc($5, j.resolved_at AT TIME ZONE $4)::date::text, "
			  "j.lead_source_category, count(*), sum(j.amount_cents)::bigint "
			  WINDOW_SQL "GROUP BY 1, 2", 5, params, err, errlen);
	if (!res) {
		PQclear(starts);
		return NULL;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	index = json_object_new_object(); /* start -> bucket, borrowed */
	for (int i = 0; i < PQntuples(starts); i++) {
		struct json_object *b = json_object_new_object();

		json_object_object_add(b, "start", json_object_new_string(PQgetvalue(starts, i, 0)));
		json_object_object_add(b, "jobs", json_object_new_int64(0));
		json_object_object_add(b, "revenue_cents", json_object_new_int64(0));
		json_object_object_add(b, "categories", zero_categories());
		json_object_array_add(arr, b);
		json_object_object_add(index, PQgetvalue(starts, i, 0), json_object_get(b));
	}
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *b = json_object_object_get(index, PQgetvalue(res, i, 0)), *c;
		enum ll_channel ch;
		int64_t jobs = strtoll(PQgetvalue(res, i, 2), NULL, 10);
		int64_t cents = strtoll(PQgetvalue(res, i, 3), NULL, 10);

		if (!b)
			continue;
		if (ll_channel_parse(PQgetvalue(res, i, 1), &ch) < 0)
			ch = LL_CH_UNKNOWN;
		c = json_object_object_get(json_object_object_get(b, "categories"),
					   ll_channel_name(ch));
		add_to(c, "jobs", jobs);
		add_to(c, "revenue_cents", cents);
		add_to(b, "jobs", jobs);
		add_to(b, "revenue_cents", cents);
	}
	json_object_put(index);
	PQclear(starts);
	PQclear(res);
	json_object_object_add(o, "site", json_object_new_string(r->site));
	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	json_object_object_add(o, "timezone", json_object_new_string(r->timezone));
	json_object_object_add(o, "bucket", json_object_new_string(bucket));
	json_object_object_add(o, "buckets", arr);
	return o;
}

struct json_object *ll_report_unknown_json(struct ll_db *db, const struct ll_report *r,
					   int limit, char *err, size_t errlen)
{
	char lim[16];
	const char *params[] = { r->site, r->from, r->to, r->timezone, lim };
	struct json_object *o, *arr;
	PGresult *res;

	snprintf(lim, sizeof lim, "%d", limit);
	res = ll_db_query(db,
			  "SELECT coalesce(j.lead_source_raw, ''), count(*), sum(j.amount_cents)::bigint, "
			  " j.lead_source_alt "
			  WINDOW_SQL "AND j.lead_source_category = 'unknown' "
			  "GROUP BY 1, 4 ORDER BY 2 DESC, 1, 4 LIMIT $5::int", 5, params, err, errlen);
	if (!res)
		return NULL;
	o = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(o, "site", json_object_new_string(r->site));
	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *u = json_object_new_object();

		json_object_object_add(u, "lead_source", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(u, "jobs",
				       json_object_new_int64(strtoll(PQgetvalue(res, i, 1), NULL, 10)));
		json_object_object_add(u, "revenue_cents",
				       json_object_new_int64(strtoll(PQgetvalue(res, i, 2), NULL, 10)));
		/* What else was tried: a ServiceTitan campaign's category. */
		if (!PQgetisnull(res, i, 3))
			json_object_object_add(u, "fallback",
					       json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_array_add(arr, u);
	}
	PQclear(res);
	json_object_object_add(o, "unknown_lead_sources", arr);
	return o;
}

