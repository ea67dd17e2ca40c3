#include "sync/engine.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "store/checkpoint.h"
#include "store/derive.h"
#include "store/employees.h"
#include "store/recategorize.h"
#include "store/registry.h"
#include "store/store.h"
#include "sync/fetcher.h"
#include "sync/pagemap.h"
#include "sync/sweep.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_PAGES_PER_RUN 10000000
#define FLAG_NOTHING_FETCHED "fetched nothing while the CRM reports records"

const char *ll_run_status_name(enum ll_run_status st)
{
	static const char *const names[] = {
		[LL_RUN_SUCCESS] = "success", [LL_RUN_PARTIAL] = "partial",
		[LL_RUN_FAILED] = "failed", [LL_RUN_SKIPPED] = "skipped",
	};

	return (unsigned)st < sizeof names / sizeof names[0] ? names[st] : "failed";
}

/* One stream's run. */
struct stream_run {
	const struct ll_sync_context *ctx;
	const struct ll_sync_options *opt;
	struct ll_host *host;
	struct ll_pagemap map;
	struct ll_checkpoint cp;
	struct ll_run_counters c;
	struct ll_sweep_outcome sweep;
	char cursor[LL_CURSOR_MAX]; /* of the page being stored */
	char flag[400];
	struct ll_http_stats http_before;
	int64_t started_ms;
	struct ll_lease_hold *lease; /* the integration's, shared by its streams */
};

/* The HTTP counters of this run so far. */
static void http_counters(struct stream_run *sr)
{
	struct ll_http_stats now;

	ll_http_stats_get(&sr->host->http, &now);
	sr->c.api_calls = now.api_calls - sr->http_before.api_calls;
	sr->c.http_429 = now.http_429 - sr->http_before.http_429;
	sr->c.retries = now.retries - sr->http_before.retries;
}

static int64_t host_int(const struct stream_run *sr, enum ll_host_setting k)
{
	return ll_host_setting(sr->ctx->cfg, sr->host->ic, k);
}

/* One page: upserts, what they imply, and checkpoint in one transaction. */
static int commit_page(struct stream_run *sr, const struct ll_mapped_page *mp,
		       const char *next_cursor, int64_t first_total, char *err, size_t errlen)
{
	struct ll_db *db = sr->ctx->db;
	int64_t ins = 0, upd = 0, rech = 0;

	if (ll_db_begin(db, err, errlen) < 0 || ll_checkpoint_lock(db, &sr->cp, err, errlen) < 0 ||
	    ll_schedule_renew(db, sr->lease, err, errlen) < 0 ||
	    ll_store_upsert(db, sr->map.stream->entity, sr->host->integration_id,
			    sr->cp.full ? sr->cp.sweep_id : 0, &mp->copy, mp->n_rows, &ins, &upd,
			    err, errlen) < 0)
		goto fail;
	LL_FAULT_POINT("page_before_rechannel");
	if (ll_derive_stored(db, sr->map.stream->entity, sr->host->integration_id, ins + upd,
			     &rech, err, errlen) < 0)
		goto fail;
	LL_FAULT_POINT("page_after_upsert");
	sr->c.pages++;
	sr->c.inserted += ins;
	sr->c.updated += upd;
	sr->c.rechanneled += rech;
	http_counters(sr);
	if (ll_checkpoint_page(db, &sr->cp, next_cursor, mp->newest, first_total, &sr->c, err,
			       errlen) < 0 ||
	    ll_db_commit(db, err, errlen) < 0) {
		sr->c.pages--;
		sr->c.inserted -= ins;
		sr->c.updated -= upd;
		sr->c.rechanneled -= rech;
		goto fail;
	}
	LL_FAULT_POINT("after_commit_before_fetch");
	return 0;
fail:
	ll_db_rollback(db);
	return -1;
}

/* The flag a finished run carries, or "". */
static void run_flag(struct stream_run *sr)
{
	if (sr->c.records == 0 && sr->c.remote_total > 0)
		snprintf(sr->flag, sizeof sr->flag, "%s", FLAG_NOTHING_FETCHED);
	else
		snprintf(sr->flag, sizeof sr->flag, "%s", sr->sweep.flag);
}

/* After the last page: prove deletions (full sweeps), then record the
 * run's end with its checkpoint in one transaction. */
static int finish_run(struct stream_run *sr, const char *resume_cursor, char *err,
		      size_t errlen)
{
	struct ll_db *db = sr->ctx->db;
	struct ll_sweep sw = {
		.db = db, .db_lock = &sr->host->db_lock, .lease = sr->lease, .map = &sr->map,
		.cp = &sr->cp, .integration_id = sr->host->integration_id,
		.total_last = sr->c.remote_total,
		.confirm_max = host_int(sr, LL_HS_SWEEP_CONFIRM_MAX), .log_prefix = sr->host->prefix,
	};
	int sweeping = sr->cp.full && (sr->map.stream->flags & LL_STREAM_SWEEP_DELETES);
	int rc;

	if (sweeping && ll_sweep_confirm(&sw, &sr->sweep, err, errlen) < 0)
		return -1;
	pthread_mutex_lock(&sr->host->db_lock);
	rc = ll_db_begin(db, err, errlen);
	if (rc == 0 && sweeping)
		rc = ll_sweep_settle(&sw, &sr->sweep, err, errlen);

	if (rc == 0) {
		run_flag(sr);
		sr->c.vanished = sr->sweep.vanished;
		sr->c.sweep_recovered = sr->sweep.recovered;
		sr->c.rechanneled += sr->sweep.rechanneled;
		sr->c.sweep_unseen = sweeping ? sr->sweep.unseen : -1;
		http_counters(sr);
		rc = ll_checkpoint_finish(db, &sr->cp, host_int(sr, LL_HS_OVERLAP), resume_cursor,
					  sr->sweep.again, &sr->c, sr->flag[0] ? sr->flag : NULL,
					  err, errlen);
	}
	if (rc == 0)
		rc = ll_db_commit(db, err, errlen);
	if (rc < 0)
		ll_db_rollback(db);
	pthread_mutex_unlock(&sr->host->db_lock);
	return rc;
}

static enum ll_run_status status_for(enum ll_status st)
{
	/* Transient faults and rate limits keep the checkpoint: the next run
	 * resumes.  Everything else needs a look. */
	return st == LL_ERR_TRANSIENT || st == LL_ERR_RATE_LIMIT ? LL_RUN_PARTIAL : LL_RUN_FAILED;
}

static void fetch_job(void *ud, struct ll_fetched *out)
{
	struct stream_run *sr = ud;
	struct ll_fetch rq = { sr->map.stream, sr->cp.full ? LL_FETCH_FULL : LL_FETCH_INCREMENTAL,
			       out->cursor, sr->cp.watermark_us };
	struct ll_mapped_page *mp;

	out->page.total_records = out->page.total_pages = -1;
	out->status = sr->map.desc->fetch_page(sr->map.state, &rq, &out->page, out->err);
	if (out->status == LL_OK && (mp = malloc(sizeof *mp))) {
		ll_mapped_page_init(mp);
		out->prepared = mp;
		ll_pagemap_prepare(&sr->map, out->cursor, out->page.records, mp);
	}
	/* What storage needs is in the COPY text now: the page can go. */
	if (out->page.records)
		json_object_put(out->page.records);
	out->page.records = NULL;
}

static void fetch_release(void *ud, struct ll_fetched *f)
{
	struct ll_mapped_page *mp = f->prepared;

	(void)ud;
	if (mp) {
		ll_mapped_page_release(mp);
		free(mp);
	}
	f->prepared = NULL;
}

static int fetch_ahead(void *ud, const struct ll_fetched *after, int64_t ahead,
		       char out[LL_CURSOR_MAX])
{
	struct stream_run *sr = ud;
	struct ll_fetch rq = { sr->map.stream, sr->cp.full ? LL_FETCH_FULL : LL_FETCH_INCREMENTAL,
			       after->cursor, sr->cp.watermark_us };

	return sr->map.desc->page_cursor(sr->map.state, &rq, &after->page, ahead, out);
}

/* Providers without page_cursor get no guesses: one page ahead. */
static const struct ll_fetcher_ops fetch_one_ahead = { fetch_job, fetch_release, NULL };
static const struct ll_fetcher_ops fetch_numbered = { fetch_job, fetch_release, fetch_ahead };

static int start_fetcher(struct stream_run *sr, struct ll_fetcher *f, char *err,
			 size_t errlen)
{
	return ll_fetcher_start(f, sr->map.desc->page_cursor ? &fetch_numbered : &fetch_one_ahead,
				sr, (int)host_int(sr, LL_HS_CONCURRENCY), sr->cursor, err, errlen);
}

/* A failed fetch.  On a first 401 with refresh_auth, the workers are
 * stopped (refresh_auth runs alone), credentials renewed and the fetcher
 * restarted at the same cursor: returns 1 to go on. */
static int fetch_failed(struct stream_run *sr, struct ll_fetcher *fetcher,
			const struct ll_fetched *got, int *refreshed,
			enum ll_run_status *rs, char *err, size_t errlen)
{
	const struct ll_provider *d = sr->map.desc;
	enum ll_status st = got->status;
	char perr[LL_ERR_MAX];

	snprintf(err, errlen, "%s: %s", sr->map.stream->name,
		 got->err[0] ? got->err : "fetch failed");
	ll_fetcher_stop(fetcher);
	/* A refusal that already needs a person (a token endpoint refusing
	 * the client credentials) is not asked again. */
	if (st == LL_ERR_AUTH && d->refresh_auth && !*refreshed && !sr->host->attention[0]) {
		*refreshed = 1;
		perr[0] = '\0';
		if (d->refresh_auth(sr->map.state, perr) == LL_OK)
			return start_fetcher(sr, fetcher, err, errlen) == 0 ? 1 : (*rs = LL_RUN_FAILED, 0);
		snprintf(err, errlen, "%s: %s", sr->map.stream->name, perr[0] ? perr : "refresh failed");
	}
	if (st == LL_ERR_AUTH && !sr->host->attention[0])
		ll_host_mark_attention(sr->host, err);
	*rs = status_for(st);
	return 0;
}

/* An incremental run of a newest-first stream ends at the first page that
 * reaches below the watermark: every later page lies wholly below it. */
static int below_watermark(const struct stream_run *sr, const struct ll_mapped_page *mp)
{
	return !sr->cp.full && (sr->map.stream->flags & LL_STREAM_NEWEST_FIRST) &&
	       sr->cp.has_watermark && mp->oldest < sr->cp.watermark_us;
}

/* Pages in cursor order from the fetcher, each committed with its cursor;
 * the next page is already being fetched while one commits.  Returns
 * success once the last page committed, with its next cursor (the resume
 * cursor of export-style CRMs) in resume. */
static enum ll_run_status pump_pages(struct stream_run *sr, struct ll_fetcher *fetcher,
				     char resume[LL_CURSOR_MAX], char *err, size_t errlen)
{
	const struct ll_sync_progress *pg = sr->opt->progress;
	int refreshed = 0;

	for (int64_t i = 0; i < MAX_PAGES_PER_RUN; i++) {
		struct ll_fetched *got;
		struct ll_mapped_page *mp;
		enum ll_run_status rs;
		int done, at_watermark, rc, first = i == 0 && !sr->cp.resumed && sr->cp.full;

		if (sr->opt->stop && *sr->opt->stop) {
			snprintf(err, errlen, "stopped; resumes at cursor '%s'", sr->cursor);
			return LL_RUN_PARTIAL;
		}
		got = ll_fetcher_next(fetcher);
		if (!got) {
			snprintf(err, errlen, "%s: internal: no page queued", sr->map.stream->name);
			return LL_RUN_FAILED;
		}
		if (got->status != LL_OK) {
			if (fetch_failed(sr, fetcher, got, &refreshed, &rs, err, errlen)) {
				i--;
				continue;
			}
			return rs;
		}
		/* A page came through on the renewed credentials: a later
		 * refusal (a short-lived token expiring again) may renew again;
		 * two refusals in a row may not. */
		refreshed = 0;
		mp = got->prepared;
		if (!mp || mp->err[0]) {
			snprintf(err, errlen, "%s", mp ? mp->err : "out of memory");
			return LL_RUN_FAILED;
		}
		if (got->page.total_records >= 0)
			sr->c.remote_total = got->page.total_records;
		done = got->page.done;
		at_watermark = !done && below_watermark(sr, mp);
		done |= at_watermark;
		if (!done && strcmp(got->page.next_cursor, got->cursor) == 0) {
			snprintf(err, errlen, "%s: provider did not advance its cursor '%s'",
				 sr->map.stream->name, got->cursor);
			return LL_RUN_FAILED;
		}
		if (!done)
			ll_fetcher_follow(fetcher, got, got->page.next_cursor);
		sr->c.records += mp->n_records;
		pthread_mutex_lock(&sr->host->db_lock);
		rc = commit_page(sr, mp, done ? sr->cursor : got->page.next_cursor,
				 first ? got->page.total_records : -1, err, errlen);
		pthread_mutex_unlock(&sr->host->db_lock);
		if (rc < 0) {
			sr->c.records -= mp->n_records;
			return LL_RUN_FAILED;
		}
		if (pg && pg->page)
			pg->page(pg->ud, sr->host->prefix, sr->map.stream->name, sr->c.pages,
				 sr->c.records, got->page.total_pages, got->page.total_records);
		if (done) {
			/* A run the host ended at the watermark starts from the
			 * newest records again next time. */
			snprintf(resume, LL_CURSOR_MAX, "%s", at_watermark ? "" : got->page.next_cursor);
			return LL_RUN_SUCCESS;
		}
		snprintf(sr->cursor, sizeof sr->cursor, "%s", got->page.next_cursor);
	}
	snprintf(err, errlen, "%s: more than %d pages in one run", sr->map.stream->name,
		 MAX_PAGES_PER_RUN);
	return LL_RUN_FAILED;
}

static enum ll_run_status run_stream(struct stream_run *sr, char *err, size_t errlen)
{
	const struct ll_stream_def *s = sr->map.stream;
	struct ll_fetcher fetcher;
	enum ll_run_status st;
	char resume[LL_CURSOR_MAX] = "";
	int rc;

	sr->started_ms = ll_monotonic_ms();
	ll_http_stats_get(&sr->host->http, &sr->http_before);
	ll_run_counters_init(&sr->c);
	ll_sweep_outcome_init(&sr->sweep);
	snprintf(sr->cp.iid, sizeof sr->cp.iid, "%" PRId64, sr->host->integration_id);
	sr->cp.stream = s->name;
	pthread_mutex_lock(&sr->host->db_lock);
	rc = ll_store_stage(sr->ctx->db, err, errlen);
	if (rc == 0)
		rc = ll_checkpoint_begin(sr->ctx->db, &sr->cp, host_int(sr, LL_HS_FULL_SWEEP_INTERVAL),
					 sr->opt->force_full || !(s->flags & LL_STREAM_INCREMENTAL),
					 sr->opt->lease ? sr->opt->lease->owner : NULL, err, errlen);
	pthread_mutex_unlock(&sr->host->db_lock);
	if (rc < 0)
		return LL_RUN_FAILED;
	snprintf(sr->cursor, sizeof sr->cursor, "%s", sr->cp.cursor);
	if (sr->cp.resumed)
		ll_log(LL_LOG_INFO, "%s: %s: resuming %s run at cursor '%s'", sr->host->prefix,
		       s->name, sr->cp.full ? "full" : "incremental", sr->cp.cursor);
	if (start_fetcher(sr, &fetcher, err, errlen) < 0) {
		st = LL_RUN_FAILED;
	} else {
		st = pump_pages(sr, &fetcher, resume, err, errlen);
		/* Waits for requests in flight; what they fetched is dropped and
		 * fetched again by the next run, which resumes at the cursor.
		 * The sweep's look-ups then run alone. */
		ll_fetcher_stop(&fetcher);
		if (st == LL_RUN_SUCCESS && finish_run(sr, resume, err, errlen) < 0)
			st = LL_RUN_FAILED;
	}
	if (st != LL_RUN_SUCCESS) {
		http_counters(sr);
		pthread_mutex_lock(&sr->host->db_lock);
		ll_checkpoint_fail(sr->ctx->db, &sr->cp, ll_run_status_name(st), err, &sr->c,
				   sr->host->prefix);
		pthread_mutex_unlock(&sr->host->db_lock);
	}
	return st;
}

/* Log and report one stream's run: the caller's summary line when it
 * takes one (the CLI), else a log line (the daemon). */
static void summarize(const struct stream_run *sr, enum ll_run_status st, const char *error)
{
	const struct ll_sync_progress *pg = sr->opt->progress;
	struct ll_stream_summary s = {
		.prefix = sr->host->prefix, .stream = sr->map.stream->name, .status = st,
		.full = sr->cp.full, .pages = sr->c.pages, .records = sr->c.records,
		.inserted = sr->c.inserted, .updated = sr->c.updated, .vanished = sr->c.vanished,
		.recovered = sr->c.sweep_recovered, .rechanneled = sr->c.rechanneled,
		.seconds = (double)(ll_monotonic_ms() - sr->started_ms) / 1000.0,
		.flag = st == LL_RUN_SUCCESS ? sr->flag : "", .error = error,
	};

	if (pg && pg->done) {
		pg->done(pg->ud, &s);
		return;
	}
	ll_log(st == LL_RUN_SUCCESS && !s.flag[0] ? LL_LOG_INFO : LL_LOG_WARNING,
	       "%s: stream %s %s: %s run, %" PRId64 " pages, %" PRId64 " records, %" PRId64
	       " inserted, %" PRId64 " updated, %" PRId64 " vanished, %" PRId64 " recovered, %"
	       PRId64 " re-channeled, %.1f s%s%s%s%s",
	       s.prefix, s.stream, ll_run_status_name(st), s.full ? "full" : "incremental", s.pages,
	       s.records, s.inserted, s.updated, s.vanished, s.recovered, s.rechanneled, s.seconds,
	       s.flag[0] ? "; flagged: " : "", s.flag, error[0] ? ": " : "", error);
}

/* The integration's lead-source rules, after the employees were synced
 * (their names are referral rules); when the employee list changed, the
 * stored channels are re-derived with them first. */
static int integration_rules(const struct ll_sync_context *ctx, const struct ll_site_conf *site,
			     const struct ll_host *host, struct ll_rules *rules, char *err,
			     size_t errlen)
{
	int64_t changed = 0;

	if (ll_integration_rules(ctx->db, site, ctx->default_rules, host->integration_id, rules,
				 err, errlen) < 0)
		return -1;
	if (ll_recategorize_pending(ctx->db, host->integration_id, rules, &changed, err,
				    errlen) < 0) {
		ll_rules_release(rules);
		return -1;
	}
	if (changed > 0)
		ll_log(LL_LOG_INFO, "%s: the employee list changed: %" PRId64 " rows re-channeled",
		       host->prefix, changed);
	return 0;
}

enum ll_run_status ll_sync_integration(const struct ll_sync_context *ctx,
				       const struct ll_site_conf *site,
				       const struct ll_integration_conf *ic,
				       const struct ll_sync_options *opt,
				       struct ll_sync_result *res)
{
	char *err = res->error;
	size_t errlen = sizeof res->error;
	const struct ll_loaded_provider *lp = ll_providers_find(ctx->providers, ic->provider);
	struct ll_integration_row row;
	struct ll_lease_hold hold;
	struct ll_host host;
	struct ll_http_stats http;
	struct ll_rules rules;
	enum ll_run_status worst = LL_RUN_SUCCESS;
	char perr[LL_ERR_MAX] = "";
	void *state = NULL;
	int have_rules = 0, rc;

	res->retry_after_s = 0;
	res->stopped = 0;
	res->db_lost = 0;
	res->flagged = 0;
	err[0] = '\0';
	if (!lp) {
		snprintf(err, errlen, "%s/%s: provider not loaded", site->id, ic->provider);
		return res->status = LL_RUN_FAILED;
	}
	rc = ll_registry_lookup(ctx->db, site->id, ic->provider, &row, err, errlen);
	if (rc != 0) {
		if (rc > 0)
			snprintf(err, errlen, "%s/%s: not in the registry; run leadledger migrate "
				 "and reload", site->id, ic->provider);
		return res->status = LL_RUN_FAILED;
	}
	ll_lease_hold_init(&hold, opt->lease, row.id); /* claimed a moment ago */
	if (row.needs_attention) {
		snprintf(err, errlen, row.needs_reconnect
			 ? "%s/%s: needs reconnecting (see leadledger status): run leadledger "
			   "connect --site %s --provider %s"
			 : "%s/%s: needs attention (see leadledger status); fix the credentials in "
			   "the configuration%.0s%.0s", site->id, ic->provider, site->id, ic->provider);
		ll_integration_row_release(&row);
		return res->status = LL_RUN_SKIPPED;
	}
	if (ll_host_init(&host, ctx->cfg, site, ic, &lp->desc, ctx->keyring, ctx->db,
			 row.id, row.credentials) < 0) {
		ll_host_release(&host);
		snprintf(err, errlen, "%s/%s: cannot set up the HTTP client", site->id, ic->provider);
		return res->status = LL_RUN_FAILED;
	}
	host.http.stop = opt->stop;
	rc = (int)lp->desc.init(&ll_host_api, &host, &state, perr);
	if (rc != LL_OK) {
		snprintf(err, errlen, "%s: provider init failed: %s", host.prefix, perr);
		/* A token endpoint refusing the credentials, say: no retry loop. */
		if (rc == LL_ERR_AUTH)
			ll_host_mark_attention(&host, err);
		ll_host_release(&host);
		return res->status = LL_RUN_FAILED;
	}
	for (const struct ll_stream_def *s = lp->desc.streams; s->name; s++) {
		struct stream_run sr;
		enum ll_run_status st;
		char serr[1024];

		memset(&sr, 0, sizeof sr);
		if (s->entity != LL_ENTITY_EMPLOYEE && !have_rules) {
			if (integration_rules(ctx, site, &host, &rules, serr, sizeof serr) < 0) {
				snprintf(err, errlen, "%s: cannot build lead-source rules: %.600s",
					 host.prefix, serr);
				worst = LL_RUN_FAILED;
				break;
			}
			have_rules = 1;
		}
		sr.ctx = ctx;
		sr.opt = opt;
		sr.host = &host;
		sr.lease = &hold;
		sr.map = (struct ll_pagemap){ &lp->desc, state, s,
					      have_rules ? &rules : ctx->default_rules };
		serr[0] = '\0';
		st = run_stream(&sr, serr, sizeof serr);
		summarize(&sr, st, serr);
		if (st > worst)
			worst = st;
		if (st == LL_RUN_SUCCESS && sr.flag[0])
			res->flagged = 1;
		if (st != LL_RUN_SUCCESS && !err[0])
			snprintf(err, errlen, "%s: %s", host.prefix, serr);
		/* An unreachable or rate-limiting CRM will not serve the next
		 * stream either: end the pass; a bad page in one stream does not
		 * stop the others. */
		if (st == LL_RUN_PARTIAL || host.attention[0] || (opt->stop && *opt->stop))
			break;
		if (!ll_db_usable(ctx->db)) {
			res->db_lost = 1;
			break;
		}
	}
	if (have_rules)
		ll_rules_release(&rules);
	ll_http_stats_get(&host.http, &http);
	res->retry_after_s = http.last_retry_after_s;
	res->stopped = opt->stop && *opt->stop;
	lp->desc.fini(state);
	ll_host_release(&host);
	return res->status = worst;
}
