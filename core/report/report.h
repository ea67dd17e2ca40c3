/*
 * The report: revenue, jobs and the attribution figures per channel for a
 * site over a window of local dates (design.md, "Attribution figures").
 *
 * Jobs count when completed (status_class 1), not deleted and not
 * vanished, and their resolved date, seen in the site's time zone, falls
 * on a date from `from` to `to` inclusive.  The window is cut by
 * PostgreSQL (local midnight of `from` to local midnight after `to`, AT
 * TIME ZONE), so DST days are 23 or 25 hours long as they should be.
 * Money is summed in integer cents; every division rounds half away from
 * zero (util/number.h) and a figure whose divisor is zero is absent.
 */
#ifndef LL_REPORT_H
#define LL_REPORT_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "config/rules.h"
#include "store/db.h"
#include "util/json.h"
#include "util/number.h"

/*
 * SQL fragments shared by every query that counts records, so the report,
 * the API and the lists agree by construction.  Arguments are SQL text: a
 * table alias, or expressions such as "$2".
 */
/* A record the CRM still has: neither deleted there nor gone from a sweep. */
#define LL_SQL_LIVE(t) "NOT " t ".deleted AND " t ".vanished_at IS NULL"
/* A job whose revenue counts (the predicate of the partial index
 * jobs_report_idx, so the report reads the index alone). */
#define LL_SQL_COUNTED_JOB(t) t ".status_class = 1 AND " LL_SQL_LIVE(t)
/* The instant col falls on a local date from `from` to `to` inclusive in
 * time zone tz: cut at local midnights, so DST days last 23 or 25 hours. */
#define LL_SQL_ON_LOCAL_DAYS(col, from, to, tz) \
	col " >= (" from "::date)::timestamp AT TIME ZONE " tz " AND " \
	col " < (" to "::date + 1)::timestamp AT TIME ZONE " tz

enum ll_report_format { LL_FORMAT_TABLE, LL_FORMAT_JSON, LL_FORMAT_CSV };

/* Which channel a job counts to: its own (last touch), or the channel of
 * its customer's first job (first touch). */
enum ll_report_model { LL_MODEL_LAST, LL_MODEL_FIRST };

/* The figures of one channel, or of all of them (the total). */
struct ll_report_figures {
	int64_t jobs, cents;         /* counted jobs and their revenue */
	int64_t new_jobs, new_cents; /* new-customer jobs: the rest are repeat */
	int64_t repeat_customers;    /* distinct customers behind the repeat jobs */
	int64_t canceled;            /* canceled jobs dated in the window */
	int64_t estimates, won;      /* estimates created in the window; won */
	int64_t spend;               /* cents, months prorated by days */
	struct {
		int64_t jobs, cents, new_jobs, spend;
	} prev; /* the same-length window just before */
};

struct ll_report_row {
	enum ll_channel channel;
	struct ll_report_figures f;
};

struct ll_report {
	const char *site;
	const char *site_name;
	const char *timezone;
	enum ll_report_model model;
	char from[11];
	char to[11];
	char prev_from[11]; /* filled by ll_report_run */
	char prev_to[11];
	struct ll_report_row rows[LL_CH_COUNT]; /* revenue desc, then name */
	struct ll_report_figures total;
};

int ll_report_parse_format(const char *s, enum ll_report_format *out);
/* "last" or "first"; 0, or -1 for anything else. */
int ll_report_parse_model(const char *s, enum ll_report_model *out);

/* One rule for every report window, on the command line and in the API:
 * days is a whole number (digits only) from 1 to LL_REPORT_MAX_DAYS, and
 * from..to holds at most as many days. */
#define LL_REPORT_MAX_DAYS 3660 /* ten years */
#define LL_REPORT_DAYS_RULE "a whole number from 1 to 3660"
#define LL_REPORT_DATES_RULE \
	"dates YYYY-MM-DD with from <= to, at most 3660 days apart"
/* 0, or -1 when text breaks the rule. */
int ll_report_parse_days(const char *text, int64_t *days);
/* 0 when from and to keep the rule, -1 otherwise. */
int ll_report_check_dates(const char *from, const char *to);
/* The N days ending today in tz, today included. */
int ll_report_days_window(struct ll_db *db, const char *tz, int64_t days,
			  char from[11], char to[11], char *err, size_t errlen);
/* Fill r's figures from the stored records and spend (r->site, timezone,
 * model, from and to set by the caller).  0, or -1 with err filled. */
int ll_report_run(struct ll_db *db, struct ll_report *r, char *err, size_t errlen);
void ll_report_print(const struct ll_report *r, enum ll_report_format fmt, FILE *out);
/* The report as the design brief's JSON object (a new reference). */
struct json_object *ll_report_json(const struct ll_report *r);

/* Jobs and revenue per channel per day, ISO week (starting Monday) or
 * month of local dates: a new object {site, from, to, timezone, bucket,
 * buckets: [{start, jobs, revenue_cents, categories: {<channel>: {jobs,
 * revenue_cents}}}]} with every bucket that meets the window, empty ones
 * included.  The first and last buckets count only the days inside the
 * window, so the buckets add up to the report.  NULL with err filled. */
struct json_object *ll_report_series_json(struct ll_db *db, const struct ll_report *r,
					  const char *bucket, char *err, size_t errlen);

/* The raw lead sources that fell into `unknown` in the window, most jobs
 * first, so an operator can see which rules to add: a new object
 * {site, from, to, unknown_lead_sources: [{lead_source, jobs,
 * revenue_cents}]}, or NULL with err filled. */
struct json_object *ll_report_unknown_json(struct ll_db *db, const struct ll_report *r,
					   int limit, char *err, size_t errlen);
void ll_report_unknown_print(struct json_object *u, enum ll_report_format fmt, FILE *out);

#endif
