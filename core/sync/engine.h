/*
 * The sync engine: one pass over every stream of one integration.
 *
 * Per stream, a run is either a full sweep (first sync, --full, a stream
 * without incremental support, full_sweep_interval elapsed, or the last
 * sweep asked for another) or an incremental run from the watermark
 * (checkpoint.h).  Pages are fetched ahead on worker threads (fetcher.h)
 * and mapped there (pagemap.h); each page's upserts and the stream's
 * checkpoint commit in one transaction under a per-stream advisory lock,
 * so a crash loses at most the page in flight.  A full sweep deletes only
 * what it proves gone (sweep.h).  Every run is recorded in sync_runs.
 *
 * This file is orchestration only: SQL lives in the store layer
 * (checkpoint.c, store.c), mapping in pagemap.c.
 */
#ifndef LL_SYNC_ENGINE_H
#define LL_SYNC_ENGINE_H

#include <signal.h>
#include <stdint.h>

#include "config/config.h"
#include "config/rules.h"
#include "provider/loader.h"
#include "store/db.h"
#include "sync/schedule.h"
#include "vault/vault.h"

enum ll_run_status { LL_RUN_SUCCESS = 0, LL_RUN_PARTIAL, LL_RUN_FAILED, LL_RUN_SKIPPED };

/* How one stream's run ended, for a summary line. */
struct ll_stream_summary {
	const char *prefix;        /* "site/provider" */
	const char *stream;
	enum ll_run_status status;
	int full;                  /* a full sweep */
	int64_t pages, records, inserted, updated, vanished, recovered;
	int64_t rechanneled;       /* dependents of changed records re-channeled */
	double seconds;
	const char *flag;          /* what the run could not prove, or "" */
	const char *error;         /* why it ended early, or "" */
};

struct ll_sync_progress {
	/* Called after each committed page. */
	void (*page)(void *ud, const char *prefix, const char *stream,
		     int64_t pages, int64_t records, int64_t total_pages,
		     int64_t total_records);
	/* Called when a stream's run ends. */
	void (*done)(void *ud, const struct ll_stream_summary *s);
	void *ud;
};

struct ll_sync_options {
	int force_full;
	const volatile sig_atomic_t *stop;
	const struct ll_sync_progress *progress; /* may be NULL */
	const struct ll_lease *lease; /* held by the run, renewed as pages commit (schedule.h); NULL: none */
};

struct ll_sync_result {
	enum ll_run_status status;   /* the worst stream's */
	int64_t retry_after_s;       /* > 0: the CRM asked us to come back later */
	int stopped;                 /* ended early because stop was requested */
	int db_lost;                 /* the database connection broke */
	int flagged;                 /* a stream's run carries a flag */
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

#endif
