#include "api/routes.h"

#include "api/connect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"
#include "report/status.h"
#include "util/log.h"
#include "util/number.h"
#include "util/timeutil.h"

#define DEFAULT_DAYS 30
#define MAX_PAGE 500
#define MAX_OFFSET 10000000

/* An empty value ("days=") is given, and then invalid, not absent. */
static const char *arg(struct ll_api_request *rq, const char *key)
{
	return rq->arg(rq->arg_ctx, key);
}

static void fail(struct ll_api_request *rq, unsigned status, const char *msg)
{
	rq->status = status;
	snprintf(rq->error, sizeof rq->error, "%s", msg);
}

/* Digits only: no sign, space or exponent slips through. */
static int int_arg(struct ll_api_request *rq, const char *key, int64_t min, int64_t max,
		   int64_t def, int64_t *out)
{
	const char *v = arg(rq, key);

	*out = def;
	if (!v)
		return 0;
	if (strspn(v, "0123456789") != strlen(v) || strlen(v) > 12 ||
	    ll_parse_int64(v, min, max, out) < 0) {
		rq->status = 400;
		snprintf(rq->error, sizeof rq->error, "%s must be a whole number from %" PRId64
			 " to %" PRId64, key, min, max);
		return -1;
	}
	return 0;
}

static int date_arg(struct ll_api_request *rq, const char *key, char out[11])
{
	const char *v = arg(rq, key);
	int y, m, d;

	out[0] = '\0';
	if (!v)
		return 0;
	if (strlen(v) != 10 || ll_parse_date(v, &y, &m, &d) < 0) {
		rq->status = 400;
		snprintf(rq->error, sizeof rq->error, "%s must be a date YYYY-MM-DD", key);
		return -1;
	}
	memcpy(out, v, 11);
	return 0;
}

/* The window: days=N (ending today in the site's zone), or from= and
 * to=, or default_days when given none (0: no window). */
static int window(struct ll_api_request *rq, struct ll_report *r, int64_t default_days)
{
	int64_t days;
	char err[512];

	memset(r, 0, sizeof *r);
	r->site = rq->site->id;
	r->site_name = rq->site->name;
	r->timezone = rq->site->timezone;
	days = default_days;
	if (arg(rq, "days") && ll_report_parse_days(arg(rq, "days"), &days) < 0) {
		fail(rq, 400, "days must be " LL_REPORT_DAYS_RULE);
		return -1;
	}
	if (date_arg(rq, "from", r->from) < 0 || date_arg(rq, "to", r->to) < 0)
		return -1;
	if (arg(rq, "days") && (r->from[0] || r->to[0])) {
		fail(rq, 400, "give either days or from and to, not both");
		return -1;
	}
	if (!!r->from[0] != !!r->to[0]) {
		fail(rq, 400, "from and to go together");
		return -1;
	}
	if (r->from[0]) {
		if (ll_report_check_dates(r->from, r->to) < 0) {
			fail(rq, 400, "from and to must be " LL_REPORT_DATES_RULE);
			return -1;
		}
		return 0;
	}
	if (days == 0)
		return 0;
	if (ll_report_days_window(rq->db, r->timezone, days, r->from, r->to, err, sizeof err) < 0) {
		fail(rq, 500, "database error");
		ll_error("api: %s", err);
		return -1;
	}
	return 0;
}

static void db_failed(struct ll_api_request *rq, const char *err)
{
	ll_error("api: %s: %s", rq->site->id, err);
	fail(rq, 500, "database error");
}

static void route_site(struct ll_api_request *rq)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(rq->site->id));
	json_object_object_add(o, "name", json_object_new_string(rq->site->name));
	json_object_object_add(o, "timezone", json_object_new_string(rq->site->timezone));
	json_object_object_add(o, "currency", json_object_new_string("USD"));
	rq->body = o;
}

static void route_report(struct ll_api_request *rq)
{
	struct ll_report r;
	char err[512];

	if (window(rq, &r, DEFAULT_DAYS) < 0)
		return;
	if (arg(rq, "model") && ll_report_parse_model(arg(rq, "model"), &r.model) < 0) {
		fail(rq, 400, "model must be last or first");
		return;
	}
	if (ll_report_run(rq->db, &r, err, sizeof err) < 0)
		db_failed(rq, err);
	else
		rq->body = ll_report_json(&r);
}

static void route_timeseries(struct ll_api_request *rq)
{
	const char *bucket = arg(rq, "bucket") ? arg(rq, "bucket") : "day";
	struct ll_report r;
	char err[512];

	if (strcmp(bucket, "day") && strcmp(bucket, "week") && strcmp(bucket, "month")) {
		fail(rq, 400, "bucket must be day, week or month");
		return;
	}
	if (window(rq, &r, DEFAULT_DAYS) < 0)
		return;
	if (!(rq->body = ll_report_series_json(rq->db, &r, bucket, err, sizeof err)))
		db_failed(rq, err);
}

static void route_unknown(struct ll_api_request *rq)
{
	struct ll_report r;
	int64_t limit;
	char err[512];

	if (int_arg(rq, "limit", 1, MAX_PAGE, 50, &limit) < 0 || window(rq, &r, DEFAULT_DAYS) < 0)
		return;
	if (!(rq->body = ll_report_unknown_json(rq->db, &r, (int)limit, err, sizeof err)))
		db_failed(rq, err);
}

static void route_integrations(struct ll_api_request *rq)
{
	struct json_object *arr, *o;
	char err[512];

	if (!(arr = ll_status_json(rq->db, rq->site->id, err, sizeof err))) {
		db_failed(rq, err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "site", json_object_new_string(rq->site->id));
	json_object_object_add(o, "integrations", arr);
	json_object_object_add(o, "connectable", ll_api_connectable(rq));
	rq->body = o;
}

/* Filters shared by the two lists, as query parameters $2..$6. */
struct list_filter {
	char channel[32], status[4], limit[24], offset[24];
	struct ll_report r;
	int64_t limit_n, offset_n;
};

static int list_filter(struct ll_api_request *rq, struct list_filter *f, int with_status)
{
	const char *ch = arg(rq, "channel"), *st = with_status ? arg(rq, "status") : NULL;
	enum ll_channel c;

	memset(f, 0, sizeof *f);
	if (ch && ll_channel_parse(ch, &c) < 0) {
		fail(rq, 400, "channel must be one of website, google, social, "
		     "repeat_customer, ai_phone, referral, direct, unknown");
		return -1;
	}
	snprintf(f->channel, sizeof f->channel, "%s", ch ? ch : "");
	if (st) {
		if (strcmp(st, "open") == 0)
			snprintf(f->status, sizeof f->status, "0");
		else if (strcmp(st, "completed") == 0)
			snprintf(f->status, sizeof f->status, "1");
		else if (strcmp(st, "canceled") == 0)
			snprintf(f->status, sizeof f->status, "2");
		else {
			fail(rq, 400, "status must be open, completed or canceled");
			return -1;
		}
	}
	if (int_arg(rq, "limit", 1, MAX_PAGE, 50, &f->limit_n) < 0 ||
	    int_arg(rq, "offset", 0, MAX_OFFSET, 0, &f->offset_n) < 0 || window(rq, &f->r, 0) < 0)
		return -1;
	snprintf(f->limit, sizeof f->limit, "%" PRId64, f->limit_n);
	snprintf(f->offset, sizeof f->offset, "%" PRId64, f->offset_n);
	return 0;
}

static const char *or_null(const char *s)
{
	return s[0] ? s : NULL;
}

/* Run the count and the page of a list; builds {total, limit, offset,
 * <name>: [...]} with one object per row from the column names. */
static void list_query(struct ll_api_request *rq, const struct list_filter *f, const char *name,
		       const char *count_sql, const char *page_sql, const char *const *int_cols)
{
	const char *params[] = { rq->site->id, or_null(f->channel), or_null(f->status),
				 or_null(f->r.from), or_null(f->r.to), rq->site->timezone,
				 f->limit, f->offset };
	struct json_object *o, *arr;
	PGresult *count, *page;
	char err[512];

	if (!(count = ll_db_query(rq->db, count_sql, 6, params, err, sizeof err))) {
		db_failed(rq, err);
		return;
	}
	if (!(page = ll_db_query(rq->db, page_sql, 8, params, err, sizeof err))) {
		PQclear(count);
		db_failed(rq, err);
		return;
	}
	o = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(o, "total", json_object_new_int64(strtoll(PQgetvalue(count, 0, 0), NULL, 10)));
	json_object_object_add(o, "limit", json_object_new_int64(f->limit_n));
	json_object_object_add(o, "offset", json_object_new_int64(f->offset_n));
	for (int i = 0; i < PQntuples(page); i++) {
		struct json_object *row = json_object_new_object();

		for (int k = 0; k < PQnfields(page); k++) {
			const char *col = PQfname(page, k), *v = PQgetvalue(page, i, k);
			int is_int = 0;

			for (size_t n = 0; int_cols[n]; n++)
				is_int |= strcmp(int_cols[n], col) == 0;
			json_object_object_add(row, col, PQgetisnull(page, i, k) ? NULL
					       : is_int ? json_object_new_int64(strtoll(v, NULL, 10))
							: json_object_new_string(v));
		}
		json_object_array_add(arr, row);
	}
	json_object_object_add(o, name, arr);
	PQclear(count);
	PQclear(page);
	rq->body = o;
}

#define JOBS_WHERE \
	"FROM jobs j WHERE j.integration_id IN " \
	" (SELECT id FROM site_integrations WHERE site_id = $1) " \
	"AND " LL_SQL_LIVE("j") " " \
	"AND ($2::text IS NULL OR j.lead_source_category = $2) " \
	"AND ($3::smallint IS NULL OR j.status_class = $3) " \
	"AND ($4::date IS NULL OR " LL_SQL_ON_LOCAL_DAYS("j.resolved_at", "$4", "$5", "$6") ") "

static void route_jobs(struct ll_api_request *rq)
{
	static const char *const ints[] = { "amount_cents", NULL };
	struct list_filter f;

	if (list_filter(rq, &f, 1) < 0)
		return;
	/* The page is cut first, so the customer look-up runs for its rows
	 * only, whatever plan the statistics suggest. */
	list_query(rq, &f, "jobs", "SELECT count(*) " JOBS_WHERE,
		   "SELECT j.external_id AS id, "
		   " to_char(j.resolved_at AT TIME ZONE $6, 'YYYY-MM-DD') AS date, "
		   " CASE j.status_class WHEN 1 THEN 'completed' WHEN 2 THEN 'canceled' "
		   "  ELSE 'open' END AS status, j.status_raw AS crm_status, "
		   " j.amount_cents, j.lead_source_category AS channel, "
		   " j.lead_source_raw AS lead_source, "
		   " coalesce(cu.id, j.customer_external_id) AS customer_id, cu.name AS customer "
		   "FROM (SELECT j.* " JOBS_WHERE "ORDER BY j.resolved_at DESC NULLS LAST, j.external_id "
		   " LIMIT $7::int OFFSET $8::int) j LEFT JOIN LATERAL "
		   /* A merged customer's jobs belong to the customer it became. */
		   " (SELECT coalesce(s.external_id, c.external_id) AS id, "
		   "  CASE WHEN s.external_id IS NULL "
		   "  THEN nullif(concat_ws(' ', c.first_name, c.last_name), '') "
		   "  ELSE nullif(concat_ws(' ', s.first_name, s.last_name), '') END AS name "
		   "  FROM customers c LEFT JOIN customers s ON s.integration_id = c.integration_id "
		   "  AND s.external_id = c.merged_into "
		   "  WHERE c.integration_id = j.integration_id "
		   "  AND c.external_id = j.customer_external_id) cu ON true "
		   "ORDER BY j.resolved_at DESC NULLS LAST, j.external_id", ints);
}

/* Customers by when they were created in the CRM, with the completed
 * jobs and revenue they brought (all time), those of the customers merged
 * into them included (ServiceTitan's mergedToId, one level). */
#define CUSTOMERS_WHERE \
	"WHERE c.integration_id IN " \
	" (SELECT id FROM site_integrations WHERE site_id = $1) " \
	"AND " LL_SQL_LIVE("c") " " \
	"AND ($2::text IS NULL OR c.lead_source_category = $2) " \
	"AND ($4::date IS NULL OR " LL_SQL_ON_LOCAL_DAYS("c.remote_created_at", "$4", "$5", "$6") ") " \
	"AND $3::text IS NULL " /* customers have no status: keeps $3 typed */

static void route_customers(struct ll_api_request *rq)
{
	static const char *const ints[] = { "jobs", "revenue_cents", NULL };
	struct list_filter f;

	if (list_filter(rq, &f, 0) < 0)
		return;
	/* The page first, then each of its customers' jobs. */
	list_query(rq, &f, "customers", "SELECT count(*) FROM customers c " CUSTOMERS_WHERE,
		   "SELECT c.external_id AS id, "
		   " nullif(concat_ws(' ', c.first_name, c.last_name), '') AS name, "
		   " to_char(c.remote_created_at AT TIME ZONE $6, 'YYYY-MM-DD') AS created, "
		   " c.lead_source_category AS channel, c.lead_source_raw AS lead_source, "
		   " t.jobs, t.revenue_cents "
		   "FROM (SELECT c.* FROM customers c " CUSTOMERS_WHERE
		   " ORDER BY c.remote_created_at DESC NULLS LAST, c.external_id "
		   " LIMIT $7::int OFFSET $8::int) c CROSS JOIN LATERAL "
		   " (SELECT count(*) AS jobs, coalesce(sum(j.amount_cents), 0)::bigint AS revenue_cents "
		   "  FROM jobs j WHERE j.integration_id = c.integration_id "
		   "  AND j.customer_external_id = ANY (c.external_id || ARRAY(SELECT m.external_id "
		   "   FROM customers m WHERE m.integration_id = c.integration_id "
		   "   AND m.merged_into = c.external_id)) "
		   "  AND " LL_SQL_COUNTED_JOB("j") ") t "
		   "ORDER BY c.remote_created_at DESC NULLS LAST, c.external_id", ints);
}

static const char *const no_params[] = { NULL };
static const char *const report_params[] = { "days", "from", "to", "model", NULL };
static const char *const series_params[] = { "days", "from", "to", "bucket", NULL };
static const char *const unknown_params[] = { "days", "from", "to", "limit", NULL };
static const char *const jobs_params[] = { "days", "from", "to", "channel", "status",
					   "limit", "offset", NULL };
static const char *const customers_params[] = { "days", "from", "to", "channel",
						"limit", "offset", NULL };
static const char *const connect_params[] = { "provider", NULL };

static const struct ll_api_route routes[] = {
	{ "", no_params, route_site },
	{ "report", report_params, route_report },
	{ "timeseries", series_params, route_timeseries },
	{ "jobs", jobs_params, route_jobs },
	{ "customers", customers_params, route_customers },
	{ "integrations", no_params, route_integrations },
	{ "unknown-sources", unknown_params, route_unknown },
	{ "connect", connect_params, ll_api_route_connect },
};

const struct ll_api_route *ll_api_route_find(const char *name)
{
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++)
		if (strcmp(routes[i].name, name) == 0)
			return &routes[i];
	return NULL;
}
