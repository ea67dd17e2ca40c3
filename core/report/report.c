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

#define WINDOW_SQL \
	"FROM jobs j WHERE j.integration_id IN " \
	" (SELECT id FROM site_integrations WHERE site_id = $1) " \
	"AND " LL_SQL_COUNTED_JOB("j") " " \
	"AND " LL_SQL_ON_LOCAL_DAYS("j.resolved_at", "$2", "$3", "$4") " "

static int cmp_rows(const void *a, const void *b)
{
	const struct ll_report_row *x = a, *y = b;

	if (x->cents != y->cents)
		return x->cents > y->cents ? -1 : 1;
	return strcmp(ll_channel_name(x->channel), ll_channel_name(y->channel));
}

int ll_report_run(struct ll_db *db, struct ll_report *r, char *err, size_t errlen)
{
	const char *params[] = { r->site, r->from, r->to, r->timezone };
	PGresult *res;

	for (int i = 0; i < LL_CH_COUNT; i++)
		r->rows[i] = (struct ll_report_row){ (enum ll_channel)i, 0, 0 };
	r->jobs = r->cents = 0;
	res = ll_db_query(db,
			  "SELECT j.lead_source_category, count(*), sum(j.amount_cents)::bigint "
			  WINDOW_SQL "GROUP BY 1", 4, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		enum ll_channel ch;

		if (ll_channel_parse(PQgetvalue(res, i, 0), &ch) < 0)
			ch = LL_CH_UNKNOWN;
		r->rows[ch].jobs += strtoll(PQgetvalue(res, i, 1), NULL, 10);
		r->rows[ch].cents += strtoll(PQgetvalue(res, i, 2), NULL, 10);
	}
	PQclear(res);
	for (int i = 0; i < LL_CH_COUNT; i++) {
		r->jobs += r->rows[i].jobs;
		r->cents += r->rows[i].cents;
	}
	qsort(r->rows, LL_CH_COUNT, sizeof r->rows[0], cmp_rows);
	return 0;
}

static struct json_object *money_json(int64_t jobs, int64_t cents)
{
	char money[32];
	struct json_object *o = json_object_new_object();

	ll_format_cents(cents, money, sizeof money);
	json_object_object_add(o, "jobs", json_object_new_int64(jobs));
	json_object_object_add(o, "revenue_cents", json_object_new_int64(cents));
	json_object_object_add(o, "revenue", json_object_new_string(money));
	return o;
}

struct json_object *ll_report_json(const struct ll_report *r)
{
	struct json_object *o = json_object_new_object(), *cats = json_object_new_array();

	json_object_object_add(o, "site", json_object_new_string(r->site));
	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	json_object_object_add(o, "timezone", json_object_new_string(r->timezone));
	json_object_object_add(o, "currency", json_object_new_string("USD"));
	for (int i = 0; i < LL_CH_COUNT; i++) {
		struct json_object *c = json_object_new_object(),
				   *m = money_json(r->rows[i].jobs, r->rows[i].cents);

		json_object_object_add(c, "category",
				       json_object_new_string(ll_channel_name(r->rows[i].channel)));
		json_object_object_foreach(m, k, v)
			json_object_object_add(c, k, json_object_get(v));
		json_object_put(m);
		json_object_array_add(cats, c);
	}
	json_object_object_add(o, "categories", cats);
	json_object_object_add(o, "total", money_json(r->jobs, r->cents));
	return o;
}

/* Share of revenue in tenths of a percent, rounded. */
static int64_t share_permille(int64_t part, int64_t total)
{
	return total > 0 ? (part * 1000 + total / 2) / total : 0;
}

static void print_table(const struct ll_report *r, FILE *out)
{
	char money[32];
	int64_t sh;

	fprintf(out, "%s (%s)  %s .. %s  %s  USD\n\n", r->site_name ? r->site_name : r->site,
		r->site, r->from, r->to, r->timezone);
	fprintf(out, "%-16s %8s %14s %7s\n", "channel", "jobs", "revenue", "share");
	for (int i = 0; i < LL_CH_COUNT; i++) {
		ll_format_cents(r->rows[i].cents, money, sizeof money);
		sh = share_permille(r->rows[i].cents, r->cents);
		fprintf(out, "%-16s %8" PRId64 " %14s %5" PRId64 ".%" PRId64 "%%\n",
			ll_channel_name(r->rows[i].channel), r->rows[i].jobs, money,
			sh / 10, sh % 10);
	}
	ll_format_cents(r->cents, money, sizeof money);
	fprintf(out, "%-16s %8" PRId64 " %14s %7s\n", "total", r->jobs, money,
		r->cents > 0 ? "100.0%" : "0.0%");
}

static void print_csv(const struct ll_report *r, FILE *out)
{
	char money[32];

	fprintf(out, "category,jobs,revenue_cents,revenue\n");
	for (int i = 0; i < LL_CH_COUNT; i++) {
		ll_format_cents(r->rows[i].cents, money, sizeof money);
		fprintf(out, "%s,%" PRId64 ",%" PRId64 ",%s\n",
			ll_channel_name(r->rows[i].channel), r->rows[i].jobs,
			r->rows[i].cents, money);
	}
	ll_format_cents(r->cents, money, sizeof money);
	fprintf(out, "total,%" PRId64 ",%" PRId64 ",%s\n", r->jobs, r->cents, money);
}

void ll_report_print(const struct ll_report *r, enum ll_report_format fmt, FILE *out)
{
	struct json_object *o;

	if (fmt == LL_FORMAT_JSON) {
		o = ll_report_json(r);
		ll_json_print(o, out);
		json_object_put(o);
	} else if (fmt == LL_FORMAT_CSV)
		print_csv(r, out);
	else
		print_table(r, out);
}

static void csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

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

void ll_report_unknown_print(struct json_object *u, enum ll_report_format fmt, FILE *out)
{
	struct json_object *arr = json_object_object_get(u, "unknown_lead_sources");

	if (fmt == LL_FORMAT_JSON) {
		ll_json_print(u, out);
		return;
	}
	if (fmt == LL_FORMAT_CSV)
		fprintf(out, "lead_source,jobs,revenue_cents,fallback\n");
	else
		fprintf(out, "\nunknown lead sources, %s .. %s (add rules for these):\n"
			"%-40s %8s %14s\n",
			json_object_get_string(json_object_object_get(u, "from")),
			json_object_get_string(json_object_object_get(u, "to")),
			"lead source", "jobs", "revenue");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *raw = json_object_get_string(json_object_object_get(e, "lead_source"));
		const char *alt = json_object_get_string(json_object_object_get(e, "fallback"));
		int64_t jobs = json_object_get_int64(json_object_object_get(e, "jobs"));
		int64_t cents = json_object_get_int64(json_object_object_get(e, "revenue_cents"));
		char money[32], shown[128];

		if (fmt == LL_FORMAT_CSV) {
			csv_field(out, raw);
			fprintf(out, ",%" PRId64 ",%" PRId64 ",", jobs, cents);
			csv_field(out, alt ? alt : "");
			fputc('\n', out);
		} else {
			ll_format_cents(cents, money, sizeof money);
			snprintf(shown, sizeof shown, "%s%s%s%s", raw[0] ? raw : "(blank)",
				 alt ? " (" : "", alt ? alt : "", alt ? ")" : "");
			fprintf(out, "%-40.40s %8" PRId64 " %14s\n", shown, jobs, money);
		}
	}
}
