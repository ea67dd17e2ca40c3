#include "report/report.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/timeutil.h"

int ll_report_parse_format(const char *s, enum ll_report_format *out)
{
	if (strcmp(s, "table") == 0)
		*out = LL_FORMAT_TABLE;
	else if (strcmp(s, "json") == 0)
		*out = LL_FORMAT_JSON;
	else if (strcmp(s, "csv") == 0)
		*out = LL_FORMAT_CSV;
	else
		return -1;
	return 0;
}

int ll_report_parse_days(const char *text, int64_t *days)
{
	size_t n = strspn(text, "0123456789");

	if (n == 0 || text[n] != '\0' || n > 12)
		return -1;
	return ll_parse_int64(text, 1, LL_REPORT_MAX_DAYS, days);
}

int ll_report_check_dates(const char *from, const char *to)
{
	char t1[32], t2[32];
	int64_t us1, us2;

	snprintf(t1, sizeof t1, "%sT00:00:00Z", from);
	snprintf(t2, sizeof t2, "%sT00:00:00Z", to);
	if (strlen(from) != 10 || strlen(to) != 10 || ll_parse_time(t1, &us1) < 0 ||
	    ll_parse_time(t2, &us2) < 0 || us1 > us2)
		return -1;
	return (us2 - us1) / (86400 * INT64_C(1000000)) < LL_REPORT_MAX_DAYS ? 0 : -1;
}

int ll_report_days_window(struct ll_db *db, const char *tz, int64_t days,
			  char from[11], char to[11], char *err, size_t errlen)
{
	char n[24];
	const char *params[] = { tz, n };
	PGresult *res;

	snprintf(n, sizeof n, "%" PRId64, days);
	res = ll_db_query(db,
			  "SELECT ((now() AT TIME ZONE $1)::date - ($2::int - 1))::text, "
			  "(now() AT TIME ZONE $1)::date::text", 2, params, err, errlen);
	if (!res)
		return -1;
	snprintf(from, 11, "%s", PQgetvalue(res, 0, 0));
	snprintf(to, 11, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int ll_report_parse_model(const char *s, enum ll_report_model *out)
{
	if (strcmp(s, "last") == 0)
		*out = LL_MODEL_LAST;
	else if (strcmp(s, "first") == 0)
		*out = LL_MODEL_FIRST;
	else
		return -1;
	return 0;
}

/* The window of the same number of days that ends the day before from. */
static int previous_window(struct ll_report *r)
{
	const int64_t day = 86400 * INT64_C(1000000);
	char t1[32], t2[32], out[40];
	int64_t from, to;

	snprintf(t1, sizeof t1, "%sT00:00:00Z", r->from);
	snprintf(t2, sizeof t2, "%sT00:00:00Z", r->to);
	if (ll_parse_time(t1, &from) < 0 || ll_parse_time(t2, &to) < 0 || to < from)
		return -1;
	ll_format_time(from - (to - from) - day, out, sizeof out);
	snprintf(r->prev_from, sizeof r->prev_from, "%.10s", out);
	ll_format_time(from - day, out, sizeof out);
	snprintf(r->prev_to, sizeof r->prev_to, "%.10s", out);
	return 0;
}

/*
 * Completed and canceled jobs of both windows ($5 = the previous one's
 * first day .. $3), one row per window and channel plus one per window
 * for the total (GROUPING SETS: distinct customers do not add up across
 * channels).
 *
 * A customer is its merge target when it was merged (ServiceTitan's
 * mergedToId, one level): members holds the customer and everyone merged
 * into it (m: the site's merged customers, usually none, read once), so
 * jobs filed under either count as one customer's.  One look-up of the
 * customer's jobs (h) gives both:
 *   first_counted: its counted job on the earliest local date, ties by
 *     the smaller external id (compared byte by byte); a job is new when
 *     it is that one, or has no customer;
 *   first_ch: the channel of its earliest created live job (ties the
 *     same), which every job of the customer takes under $6 = 'first'.
 */
#define WINDOW_JOBS(predicate) \
	" SELECT j.integration_id, j.external_id, j.status_class, j.amount_cents, j.resolved_at," \
	"  j.lead_source_category, j.customer_external_id FROM jobs j" \
	" WHERE j.integration_id IN (SELECT id FROM site_integrations WHERE site_id = $1)" \
	" AND " predicate " AND " LL_SQL_ON_LOCAL_DAYS("j.resolved_at", "$5", "$3", "$4")

static const char jobs_sql[] =
	"WITH w AS (" WINDOW_JOBS(LL_SQL_COUNTED_JOB("j")) " UNION ALL "
	WINDOW_JOBS("j.status_class = 2 AND " LL_SQL_LIVE("j")) "),"
	"m AS MATERIALIZED (SELECT c.integration_id, c.external_id, c.merged_into FROM customers c"
	" WHERE c.integration_id IN (SELECT id FROM site_integrations WHERE site_id = $1)"
	" AND c.merged_into IS NOT NULL),"
	"k AS ("
	" SELECT w.*, w.resolved_at >= ($2::date)::timestamp AT TIME ZONE $4 AS cur,"
	"  CASE WHEN coalesce(w.customer_external_id, '') = '' THEN NULL"
	"   ELSE ARRAY[coalesce(mm.merged_into, w.customer_external_id)] || ARRAY("
	"    SELECT o.external_id FROM m o WHERE o.integration_id = w.integration_id"
	"    AND o.merged_into = coalesce(mm.merged_into, w.customer_external_id)) END AS members"
	" FROM w LEFT JOIN m mm ON mm.integration_id = w.integration_id"
	"  AND mm.external_id = w.customer_external_id),"
	"f AS ("
	" SELECT k.cur, k.status_class, k.amount_cents, k.members[1] AS cust,"
	"  k.status_class = 1 AND (k.members IS NULL OR h.first_counted = k.external_id) AS is_new,"
	"  CASE WHEN $6 = 'first' AND k.members IS NOT NULL THEN h.first_ch"
	"  ELSE k.lead_source_category END AS ch"
	" FROM k LEFT JOIN LATERAL ("
	"  SELECT (array_agg(t.lead_source_category ORDER BY t.remote_created_at NULLS LAST,"
	"          t.external_id COLLATE \"C\"))[1] AS first_ch,"
	"   (array_agg(t.external_id ORDER BY (t.resolved_at AT TIME ZONE $4)::date,"
	"          t.external_id COLLATE \"C\") FILTER (WHERE t.status_class = 1))[1] AS first_counted"
	"  FROM jobs t WHERE k.members IS NOT NULL AND t.integration_id = k.integration_id"
	"  AND t.customer_external_id = ANY (k.members) AND " LL_SQL_LIVE("t") ") h ON true) "
	"SELECT cur, ch, GROUPING(ch),"
	" count(*) FILTER (WHERE status_class = 1),"
	" coalesce(sum(amount_cents) FILTER (WHERE status_class = 1), 0)::bigint,"
	" count(*) FILTER (WHERE is_new),"
	" coalesce(sum(amount_cents) FILTER (WHERE is_new), 0)::bigint,"
	" count(DISTINCT cust) FILTER (WHERE status_class = 1 AND NOT is_new),"
	" count(*) FILTER (WHERE status_class = 2) "
	"FROM f GROUP BY GROUPING SETS ((cur, ch), (cur))";

/* Estimates created in the window, given and won (status_class 1: each
 * provider maps its vocabulary onto it), per channel and in total.  An
 * estimate without a lead source of its own or of its customer counts in
 * its live job's current channel (ServiceTitan: the job's campaign), read
 * here rather than stored, so a renamed campaign moves both at once; with
 * its job deleted it has no channel to take and stays in its own. */
static const char estimates_sql[] =
	"SELECT ch, GROUPING(ch), count(*), count(*) FILTER (WHERE won) FROM ("
	" SELECT e.status_class = 1 AS won,"
	"  CASE WHEN e.lead_source_raw IS NULL AND e.job_external_id IS NOT NULL THEN coalesce("
	"   (SELECT j.lead_source_category FROM jobs j WHERE j.integration_id = e.integration_id"
	"    AND j.external_id = e.job_external_id AND " LL_SQL_LIVE("j") "), e.lead_source_category)"
	"  ELSE e.lead_source_category END AS ch"
	" FROM estimates e WHERE e.integration_id IN (SELECT id FROM site_integrations WHERE site_id = $1)"
	" AND " LL_SQL_LIVE("e")
	" AND " LL_SQL_ON_LOCAL_DAYS("e.remote_created_at", "$2", "$3", "$4") ") x"
	" GROUP BY ROLLUP (ch)";

/* Each month of spend (all sources added) that meets a window, with the
 * days of it the window covers and the days it has. */
static const char spend_sql[] =
	"SELECT w.cur, s.channel, s.amount,"
	" LEAST((s.month + interval '1 month')::date - 1, w.t) - GREATEST(s.month, w.f) + 1,"
	" (s.month + interval '1 month')::date - s.month "
	"FROM (SELECT channel, month, sum(amount_cents)::bigint AS amount FROM spend"
	"      WHERE site_id = $1 GROUP BY 1, 2) s "
	"JOIN (VALUES (true, $2::date, $3::date), (false, $4::date, $2::date - 1)) AS w(cur, f, t)"
	" ON s.month <= w.t AND (s.month + interval '1 month')::date > w.f";

static int64_t num(PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

static struct ll_report_figures *figures_of(struct ll_report *r, const char *channel)
{
	enum ll_channel ch;

	if (ll_channel_parse(channel, &ch) < 0)
		ch = LL_CH_UNKNOWN;
	return &r->rows[ch].f;
}

static void add_jobs(struct ll_report *r, PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++) {
		int cur = PQgetvalue(res, i, 0)[0] == 't';
		struct ll_report_figures *f = strcmp(PQgetvalue(res, i, 2), "1") == 0
						      ? &r->total : figures_of(r, PQgetvalue(res, i, 1));

		if (cur) {
			f->jobs += num(res, i, 3);
			f->cents += num(res, i, 4);
			f->new_jobs += num(res, i, 5);
			f->new_cents += num(res, i, 6);
			f->repeat_customers += num(res, i, 7);
			f->canceled += num(res, i, 8);
		} else {
			f->prev.jobs += num(res, i, 3);
			f->prev.cents += num(res, i, 4);
			f->prev.new_jobs += num(res, i, 5);
		}
	}
}

static void add_estimates(struct ll_report *r, PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct ll_report_figures *f = strcmp(PQgetvalue(res, i, 1), "1") == 0
						      ? &r->total : figures_of(r, PQgetvalue(res, i, 0));

		f->estimates += num(res, i, 2);
		f->won += num(res, i, 3);
	}
}

/* A month's spend counts in proportion to the days of it in the window,
 * rounded per month; the total is the sum of the channels'. */
static void add_spend(struct ll_report *r, PGresult *res)
{
	for (int i = 0; i < PQntuples(res); i++) {
		struct ll_report_figures *f = figures_of(r, PQgetvalue(res, i, 1));
		int64_t cents = ll_div_round(num(res, i, 2) * num(res, i, 3), num(res, i, 4));

		if (PQgetvalue(res, i, 0)[0] == 't') {
			f->spend += cents;
			r->total.spend += cents;
		} else {
			f->prev.spend += cents;
			r->total.prev.spend += cents;
		}
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct ll_report_row *x = a, *y = b;

	if (x->f.cents != y->f.cents)
		return x->f.cents > y->f.cents ? -1 : 1;
	return strcmp(ll_channel_name(x->channel), ll_channel_name(y->channel));
}

int ll_report_run(struct ll_db *db, struct ll_report *r, char *err, size_t errlen)
{
	const char *model = r->model == LL_MODEL_FIRST ? "first" : "last";
	const char *jparams[] = { r->site, r->from, r->to, r->timezone, r->prev_from, model };
	const char *eparams[] = { r->site, r->from, r->to, r->timezone };
	const char *sparams[] = { r->site, r->from, r->to, r->prev_from };
	PGresult *res;

	memset(r->rows, 0, sizeof r->rows);
	memset(&r->total, 0, sizeof r->total);
	for (int i = 0; i < LL_CH_COUNT; i++)
		r->rows[i].channel = (enum ll_channel)i;
	if (previous_window(r) < 0) {
		snprintf(err, errlen, "bad report window %s .. %s", r->from, r->to);
		return -1;
	}
	if (!(res = ll_db_query(db, jobs_sql, 6, jparams, err, errlen)))
		return -1;
	add_jobs(r, res);
	PQclear(res);
	if (!(res = ll_db_query(db, estimates_sql, 4, eparams, err, errlen)))
		return -1;
	add_estimates(r, res);
	PQclear(res);
	if (!(res = ll_db_query(db, spend_sql, 4, sparams, err, errlen)))
		return -1;
	add_spend(r, res);
	PQclear(res);
	qsort(r->rows, LL_CH_COUNT, sizeof r->rows[0], cmp_rows);
	return 0;
}
