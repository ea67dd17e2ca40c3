/*
 * The sync engine: one pass over every stream of one integration.
 *
 * Per stream, a run is either a full sweep (first sync, --full, stream
 * without incremental support, or full_sweep_interval elapsed) or an
 * incremental run from the watermark.  Each page's upserts and the stream's
 * checkpoint (cursor, newest updated_at seen) commit in one transaction
 * under a per-stream advisory lock, so a crash loses at most the page in
 * flight and the next run resumes from the last committed page.  When a
 * run finishes: watermark = max(old, min(run start, newest seen) - overlap),
 * and a full sweep soft-deletes (vanished_at) what it did not see.
 * Every run is recorded in sync_runs.
 */
#ifndef LL_SYNC_H
#define LL_SYNC_H

#include <signal.h>
#include <stdint.h>

#include "configfile.h"
#include "db.h"
#include "loader.h"
#include "rules.h"
#include "schedule.h"
#include "vault.h"

enum ll_run_status { LL_RUN_SUCCESS = 0, LL_RUN_PARTIAL, LL_RUN_FAILED, LL_RUN_SKIPPED };

struct ll_sync_progress {
	/* Called after each committed page. */
	void (*page)(void *ud, const char *prefix, const char *stream,
		     int64_t pages, int64_t records, int64_t total_pages,
		     int64_t total_records);
	/* Called when a stream's run ends. */
	void (*done)(void *ud, const char *prefix, const char *stream,
		     enum ll_run_status st, int64_t pages, int64_t records,
		     int64_t inserted, int64_t updated, double seconds,
		     const char *error);
	void *ud;
};

struct ll_sync_options {
	int force_full;
	const volatile sig_atomic_t *stop;
	const struct ll_sync_progress *progress; /* may be NULL */
	const struct ll_lease *lease; /* renewed with every page; NULL: none */
};

struct ll_sync_result {
	enum ll_run_status status;   /* the worst stream's */
	int64_t retry_after_s;       /* > 0: the CRM asked us to come back later */
	int stopped;                 /* ended early because stop was requested */
	int db_lost;                 /* the database connection broke */
	char error[1024];            /* the first error */
};

struct ll_sync_context {
	struct ll_db *db;
	const struct ll_config *cfg;
	const struct ll_providers *providers;
	const struct ll_keyring *keyring;
	const struct ll_rules *default_rules;
};

const char *ll_run_status_name(enum ll_run_status st);

/* Sync one integration of a site; returns res->status. */
enum ll_run_status ll_sync_integration(const struct ll_sync_context *ctx,
				       const struct ll_site_conf *site,
				       const struct ll_integration_conf *ic,
				       const struct ll_sync_options *opt,
				       struct ll_sync_result *res);

/* When to run again after a result (collectd's read backoff): success
 * waits the interval and resets the backoff; a rate limit waits what the
 * CRM asked; a stop or a lost database connection (not the integration's
 * fault) resumes at once; a failure waits its backoff, which doubles from
 * min(interval, 300 s) up to max_backoff. */
void ll_sync_next_run(const struct ll_config *cfg, int64_t interval,
		      int64_t prev_backoff, const struct ll_sync_result *res,
		      int64_t *after_s, int64_t *backoff_s);

/* The rules for one integration: the site's overrides, then the defaults,
 * then the integration's stored employees' first and full names.  On
 * failure out is released. */
int ll_integration_rules(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t integration_id,
			 struct ll_rules *out, char *err, size_t errlen);

#endif
