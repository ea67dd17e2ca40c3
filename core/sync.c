#include "sync.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "fetcher.h"
#include "host.h"
#include "log.h"
#include "registry.h"
#include "store.h"
#include "timeutil.h"

#define MAX_PAGES_PER_RUN 10000000

const char *ll_run_status_name(enum ll_run_status st)
{
	static const char *const names[] = { "success", "partial", "failed", "skipped" };

	return (unsigned)st < 4 ? names[st] : "failed";
}

struct stream_run {
	const struct ll_sync_context *ctx;
	const struct ll_sync_options *opt;
	struct ll_host *host;
	void *state;
	const struct ll_stream_def *stream;
	const struct ll_rules *rules;
	char iid[24];
	char run_id[24];
	enum ll_fetch_mode mode;
	char cursor[LL_CURSOR_MAX];
	int64_t sweep_id;
	int64_t watermark_us;
	int has_watermark;
	int64_t pages, records, inserted, updated, vanished, remote_total;
	struct ll_http_stats http_before;
	int64_t started_ms;
};

static int64_t col_int(PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

void ll_sync_next_run(const struct ll_config *cfg, int64_t interval,
		      int64_t prev_backoff, const struct ll_sync_result *res,
		      int64_t *after_s, int64_t *backoff_s)
{
	*backoff_s = prev_backoff;
	if (res->status == LL_RUN_SUCCESS || res->status == LL_RUN_SKIPPED) {
		*after_s = interval;
		*backoff_s = 0;
	} else if (res->stopped || res->db_lost) {
		*after_s = 0;
	} else if (res->retry_after_s > 0) {
		*after_s = res->retry_after_s;
	} else {
		*backoff_s = prev_backoff ? prev_backoff * 2 : (interval < 300 ? interval : 300);
		if (*backoff_s > cfg->max_backoff_s)
			*backoff_s = cfg->max_backoff_s;
		*after_s = *backoff_s;
	}
}

static int add_employees_from_db(struct ll_db *db, int64_t integration_id,
				 struct ll_rules *rules, char *err, size_t errlen)
{
	char iid[24];
	const char *params[] = { iid };
	PGresult *res;
	int rc = 0;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	res = ll_db_query(db, "SELECT first_name, last_name FROM employees "
			  "WHERE integration_id = $1 AND first_name IS NOT NULL",
			  1, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && rc == 0; i++)
		rc = ll_rules_add_employee(rules, PQgetvalue(res, i, 0),
					   PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1));
	PQclear(res);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int ll_integration_rules(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t integration_id,
			 struct ll_rules *out, char *err, size_t errlen)
{
	ll_rules_init(out);
	if (ll_rules_append(out, &site->overrides) < 0 || ll_rules_append(out, defaults) < 0) {
		snprintf(err, errlen, "out of memory");
		ll_rules_release(out);
		return -1;
	}
	if (add_employees_from_db(db, integration_id, out, err, errlen) < 0) {
		ll_rules_release(out);
		return -1;
	}
	return 0;
}

/* Load the checkpoint, deciding whether to resume or start a run. */
static int begin_run(struct stream_run *sr, char *err, size_t errlen)
{
	struct ll_db *db = sr->ctx->db;
	const char *params[4] = { sr->iid, sr->stream->name };
	int64_t full_every = ll_integration_host_int(sr->ctx->cfg, sr->host->ic,
						     "full_sweep_interval");
	char every[24], wm[40];
	PGresult *res;
	int resuming, full;

	if (ll_store_stage(db, err, errlen) < 0 ||
	    ll_db_exec(db, "INSERT INTO sync_state (integration_id, stream) VALUES ($1, $2) "
		       "ON CONFLICT DO NOTHING", 2, params, err, errlen) < 0)
		return -1;
	snprintf(every, sizeof every, "%" PRId64, full_every);
	params[2] = every;
	res = ll_db_query(db,
			  "SELECT run_mode, cursor, sweep_id, run_id, "
			  " (extract(epoch FROM watermark) * 1000000)::bigint, resume_cursor, "
			  " $3::bigint > 0 AND (last_full_sweep_at IS NULL OR "
			  "   now() - last_full_sweep_at >= make_interval(secs => $3::bigint)) "
			  "FROM sync_state WHERE integration_id = $1 AND stream = $2",
			  3, params, err, errlen);
	if (!res)
		return -1;
	resuming = !PQgetisnull(res, 0, 0);
	sr->has_watermark = !PQgetisnull(res, 0, 4);
	sr->watermark_us = col_int(res, 4);
	if (resuming) {
		sr->mode = strcmp(PQgetvalue(res, 0, 0), "full") == 0 ? LL_FETCH_FULL
								      : LL_FETCH_INCREMENTAL;
		snprintf(sr->cursor, sizeof sr->cursor, "%s", PQgetvalue(res, 0, 1));
		sr->sweep_id = col_int(res, 2);
		/* A run row still "running" belongs to a process that died. */
		if (!PQgetisnull(res, 0, 3)) {
			const char *p1[] = { PQgetvalue(res, 0, 3) };

			if (ll_db_exec(db, "UPDATE sync_runs SET status = 'failed', finished_at = now(), "
				       "error = 'interrupted; resumed by a later run' "
				       "WHERE id = $1 AND status = 'running'", 1, p1, err, errlen) < 0) {
				PQclear(res);
				return -1;
			}
		}
		PQclear(res);
		ll_log(LL_LOG_INFO, "%s: %s: resuming %s run at cursor '%s'", sr->host->prefix,
		       sr->stream->name, sr->mode == LL_FETCH_FULL ? "full" : "incremental",
		       sr->cursor);
	} else {
		full = sr->opt->force_full || !sr->has_watermark ||
		       !(sr->stream->flags & LL_STREAM_INCREMENTAL) ||
		       strcmp(PQgetvalue(res, 0, 6), "t") == 0;
		sr->mode = full ? LL_FETCH_FULL : LL_FETCH_INCREMENTAL;
		snprintf(sr->cursor, sizeof sr->cursor, "%s", full ? "" : PQgetvalue(res, 0, 5));
		PQclear(res);
		params[2] = full ? "full" : "incremental";
		params[3] = sr->cursor;
		res = ll_db_query(db,
				  "UPDATE sync_state SET run_mode = $3, cursor = $4, run_started_at = now(), "
				  " newest_seen = NULL, last_error = NULL, updated_at = now(), "
				  " sweep_id = CASE WHEN $3 = 'full' THEN nextval('sweep_ids') END "
				  "WHERE integration_id = $1 AND stream = $2 RETURNING sweep_id",
				  4, params, err, errlen);
		if (!res)
			return -1;
		sr->sweep_id = col_int(res, 0);
		PQclear(res);
	}
	if (sr->has_watermark)
		ll_format_time(sr->watermark_us, wm, sizeof wm);
	params[2] = sr->mode == LL_FETCH_FULL ? "full" : "incremental";
	params[3] = sr->has_watermark ? wm : NULL;
	{
		const char *p6[] = { sr->iid, sr->stream->name, params[2], params[3], sr->cursor,
				     sr->opt->lease ? sr->opt->lease->owner : NULL };

		res = ll_db_query(db,
				  "INSERT INTO sync_runs (integration_id, stream, mode, watermark_before, "
				  "first_cursor, runner) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
				  6, p6, err, errlen);
	}
	if (!res)
		return -1;
	snprintf(sr->run_id, sizeof sr->run_id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	params[2] = sr->run_id;
	return ll_db_exec(db, "UPDATE sync_state SET run_id = $3 WHERE integration_id = $1 "
			  "AND stream = $2", 3, params, err, errlen);
}

static void release_rows(struct ll_store_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ll_record_release(&rows[i].rec);
	free(rows);
}

/* Map a page into rows.  Any bad record rejects the whole page. */
static int map_page(struct stream_run *sr, const char *cursor, struct json_object *records,
		    struct ll_store_row **out, size_t *n_out, int64_t *newest,
		    char *err, size_t errlen)
{
	const struct ll_provider *d = sr->host->desc;
	size_t n = json_object_array_length(records);
	struct ll_store_row *rows = calloc(n ? n : 1, sizeof *rows);
	char perr[LL_ERR_MAX];

	*newest = INT64_MIN;
	if (!rows) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ll_store_row *row = &rows[i];
		enum ll_status st;

		ll_record_init(&row->rec);
		row->raw = json_object_array_get_idx(records, i);
		perr[0] = '\0';
		st = d->map_record(sr->state, sr->stream->entity, row->raw, &row->rec, perr);
		if (st == LL_OK && (!row->rec.str[LL_FIELD_EXTERNAL_ID] ||
				    !row->rec.str[LL_FIELD_EXTERNAL_ID][0])) {
			st = LL_ERR_DATA;
			snprintf(perr, sizeof perr, "record has no id");
		}
		if (st == LL_OK && (sr->stream->flags & LL_STREAM_INCREMENTAL) &&
		    !row->rec.set[LL_FIELD_UPDATED_AT]) {
			st = LL_ERR_DATA;
			snprintf(perr, sizeof perr, "record has no updated_at");
		}
		if (st != LL_OK) {
			snprintf(err, errlen, "%s page at cursor '%s', record %zu rejected: %s",
				 sr->stream->name, cursor, i, perr[0] ? perr : "mapping failed");
			release_rows(rows, i + 1);
			return -1;
		}
		row->has_resolved = d->resolve_date(sr->state, sr->stream->entity, row->raw,
						    &row->resolved_us, perr) == LL_OK;
		ll_store_classify(row, sr->rules);
		if (row->rec.set[LL_FIELD_UPDATED_AT] && row->rec.num[LL_FIELD_UPDATED_AT] > *newest)
			*newest = row->rec.num[LL_FIELD_UPDATED_AT];
	}
	*out = rows;
	*n_out = n;
	return 0;
}

static void http_delta(struct stream_run *sr, char out[3][24])
{
	const struct ll_http_stats *b = &sr->http_before;
	struct ll_http_stats now;

	ll_http_stats_get(&sr->host->http, &now);
	snprintf(out[0], 24, "%" PRId64, now.api_calls - b->api_calls);
	snprintf(out[1], 24, "%" PRId64, now.http_429 - b->http_429);
	snprintf(out[2], 24, "%" PRId64, now.retries - b->retries);
}

static int update_run_counters(struct stream_run *sr, char *err, size_t errlen)
{
	char c[9][24];
	const char *params[10];

	http_delta(sr, c);
	snprintf(c[3], 24, "%" PRId64, sr->pages);
	snprintf(c[4], 24, "%" PRId64, sr->records);
	snprintf(c[5], 24, "%" PRId64, sr->inserted);
	snprintf(c[6], 24, "%" PRId64, sr->updated);
	snprintf(c[7], 24, "%" PRId64, sr->remote_total);
	snprintf(c[8], 24, "%" PRId64, sr->vanished);
	params[0] = sr->run_id;
	for (int i = 0; i < 9; i++)
		params[i + 1] = c[i];
	if (sr->remote_total < 0)
		params[8] = NULL;
	return ll_db_exec(sr->ctx->db,
			  "UPDATE sync_runs SET api_calls = $2, http_429 = $3, retries = $4, "
			  "pages = $5, records_fetched = $6, rows_inserted = $7, rows_updated = $8, "
			  "remote_total = $9, rows_vanished = $10 WHERE id = $1",
			  10, params, err, errlen);
}

/* A fetched page, prepared for storage on the worker that fetched it:
 * mapped, de-duplicated and turned into COPY text, so the thread that
 * owns the database connection only sends it. */
struct mapped_page {
	struct ll_buf copy;   /* COPY text of the de-duplicated rows */
	size_t n_rows;        /* rows in it */
	int64_t n_records;    /* records the CRM sent */
	int64_t newest;       /* newest updated_at, or INT64_MIN */
	char err[LL_ERR_MAX + LL_CURSOR_MAX];
};

/* One page: upserts and checkpoint in one transaction. */
static int commit_page(struct stream_run *sr, const struct mapped_page *mp,
		       const char *next_cursor, char *err, size_t errlen)
{
	int64_t newest = mp->newest;
	struct ll_db *db = sr->ctx->db;
	char newest_txt[40];
	const char *params[4] = { sr->iid, sr->stream->name };
	int64_t ins = 0, upd = 0;
	PGresult *res;

	if (ll_db_begin(db, err, errlen) < 0)
		return -1;
	/* Second guard besides scheduling: one writer per stream. */
	res = ll_db_query(db, "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))",
			  2, params, err, errlen);
	if (!res)
		goto fail;
	if (strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
		PQclear(res);
		snprintf(err, errlen, "stream %s is being synced by another process", sr->stream->name);
		goto fail;
	}
	PQclear(res);
	if (sr->opt->lease && ll_schedule_renew(db, sr->opt->lease, sr->host->integration_id,
						err, errlen) < 0)
		goto fail;
	if (ll_store_upsert(db, sr->stream->entity, sr->host->integration_id,
			    sr->mode == LL_FETCH_FULL ? sr->sweep_id : 0, &mp->copy, mp->n_rows,
			    &ins, &upd, err, errlen) < 0)
		goto fail;
	LL_FAULT_POINT("page_after_upsert");
	if (newest != INT64_MIN)
		ll_format_time(newest, newest_txt, sizeof newest_txt);
	params[2] = next_cursor;
	params[3] = newest != INT64_MIN ? newest_txt : NULL;
	if (ll_db_exec(db, "UPDATE sync_state SET cursor = $3, updated_at = now(), "
		       "newest_seen = GREATEST(newest_seen, $4::timestamptz) "
		       "WHERE integration_id = $1 AND stream = $2", 4, params, err, errlen) < 0)
		goto fail;
	sr->pages++;
	sr->inserted += ins;
	sr->updated += upd;
	if (update_run_counters(sr, err, errlen) < 0 || ll_db_commit(db, err, errlen) < 0) {
		sr->pages--;
		sr->inserted -= ins;
		sr->updated -= upd;
		goto fail;
	}
	LL_FAULT_POINT("after_commit_before_fetch");
	return 0;
fail:
	ll_db_rollback(db);
	return -1;
}

static int finish_run(struct stream_run *sr, const char *resume_cursor, char *err,
		      size_t errlen)
{
	struct ll_db *db = sr->ctx->db;
	int64_t overlap = ll_integration_host_int(sr->ctx->cfg, sr->host->ic, "overlap");
	char ov[24], flag_records[24];
	const char *params[5];
	int full = sr->mode == LL_FETCH_FULL;

	if (ll_db_begin(db, err, errlen) < 0)
		return -1;
	/* An empty sweep against a non-empty table is a CRM problem, not a
	 * mass deletion: keep the rows and flag the run. */
	if (full && (sr->stream->flags & LL_STREAM_SWEEP_DELETES) && sr->records > 0 &&
	    ll_store_mark_vanished(db, sr->stream->entity, sr->host->integration_id,
				   sr->sweep_id, &sr->vanished, err, errlen) < 0)
		goto fail;
	snprintf(ov, sizeof ov, "%" PRId64, overlap);
	params[0] = sr->iid;
	params[1] = sr->stream->name;
	params[2] = ov;
	params[3] = resume_cursor;
	params[4] = full ? "t" : "f";
	if (ll_db_exec(db,
		       "UPDATE sync_state SET "
		       " watermark = GREATEST(watermark, LEAST(run_started_at, "
		       "   COALESCE(newest_seen, run_started_at)) - make_interval(secs => $3::bigint)), "
		       " last_full_sweep_at = CASE WHEN $5::boolean THEN run_started_at ELSE last_full_sweep_at END, "
		       " resume_cursor = $4, run_mode = NULL, cursor = '', run_id = NULL, "
		       " last_success_at = now(), last_error = NULL, updated_at = now() "
		       "WHERE integration_id = $1 AND stream = $2",
		       5, params, err, errlen) < 0)
		goto fail;
	if (update_run_counters(sr, err, errlen) < 0)
		goto fail;
	snprintf(flag_records, sizeof flag_records, "%" PRId64, sr->records);
	params[0] = sr->run_id;
	params[1] = sr->iid;
	params[2] = sr->stream->name;
	params[3] = flag_records;
	if (ll_db_exec(db,
		       "UPDATE sync_runs r SET status = 'success', finished_at = now(), "
		       " watermark_after = s.watermark, "
		       " flag = CASE WHEN $4::bigint = 0 AND coalesce(r.remote_total, 0) > 0 "
		       "   THEN 'fetched nothing while the CRM reports records' END "
		       "FROM sync_state s WHERE r.id = $1 AND s.integration_id = $2 AND s.stream = $3",
		       4, params, err, errlen) < 0)
		goto fail;
	return ll_db_commit(db, err, errlen);
fail:
	ll_db_rollback(db);
	return -1;
}

static void record_failure(struct stream_run *sr, enum ll_run_status st,
			   const char *error)
{
	struct ll_db *db = sr->ctx->db;
	char err[512];
	const char *params[4] = { sr->run_id, ll_run_status_name(st), error, sr->iid };

	ll_db_rollback(db);
	if (ll_db_ensure(db, err, sizeof err) < 0) {
		ll_log(LL_LOG_ERR, "%s: %s: cannot record the failure: %s", sr->host->prefix,
		       sr->stream->name, err);
		return;
	}
	if (update_run_counters(sr, err, sizeof err) < 0 ||
	    ll_db_exec(db, "UPDATE sync_runs SET status = $2, error = $3, finished_at = now() "
		       "WHERE id = $1", 3, params, err, sizeof err) < 0) {
		ll_log(LL_LOG_ERR, "%s: %s: cannot record the failure: %s", sr->host->prefix,
		       sr->stream->name, err);
		return;
	}
	params[0] = sr->iid;
	params[1] = sr->stream->name;
	if (ll_db_exec(db, "UPDATE sync_state SET last_error = $3, updated_at = now() "
		       "WHERE integration_id = $1 AND stream = $2", 3, params, err, sizeof err) < 0)
		ll_log(LL_LOG_ERR, "%s: %s: %s", sr->host->prefix, sr->stream->name, err);
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
	struct ll_fetch rq = { sr->stream, sr->mode, out->cursor, sr->watermark_us };
	struct ll_store_row *rows = NULL;
	struct mapped_page *mp;
	size_t n = 0;

	out->page.total_records = out->page.total_pages = -1;
	out->status = sr->host->desc->fetch_page(sr->state, &rq, &out->page, out->err);
	if (out->status == LL_OK && (mp = calloc(1, sizeof *mp))) {
		out->prepared = mp;
		ll_buf_init(&mp->copy, (size_t)1 << 30);
		if (!out->page.records || !json_object_is_type(out->page.records, json_type_array)) {
			snprintf(mp->err, sizeof mp->err, "%s: provider returned no record array",
				 sr->stream->name);
		} else if (map_page(sr, out->cursor, out->page.records, &rows, &n, &mp->newest,
				    mp->err, sizeof mp->err) == 0) {
			mp->n_records = (int64_t)json_object_array_length(out->page.records);
			mp->n_rows = ll_store_dedupe(rows, n);
			if (ll_store_copy_data(rows, mp->n_rows, &mp->copy) < 0)
				snprintf(mp->err, sizeof mp->err, "%s: out of memory", sr->stream->name);
			release_rows(rows, n);
		}
	}
	/* What storage needs is in the COPY text now: the page can go. */
	if (out->page.records)
		json_object_put(out->page.records);
	out->page.records = NULL;
}

static void fetch_release(void *ud, struct ll_fetched *f)
{
	struct mapped_page *mp = f->prepared;

	(void)ud;
	if (mp) {
		ll_buf_release(&mp->copy);
		free(mp);
	}
	f->prepared = NULL;
}

static int fetch_ahead(void *ud, const struct ll_fetched *after, int64_t ahead,
		       char out[LL_CURSOR_MAX])
{
	struct stream_run *sr = ud;
	struct ll_fetch rq = { sr->stream, sr->mode, after->cursor, sr->watermark_us };

	return sr->host->desc->page_cursor(sr->state, &rq, &after->page, ahead, out);
}

/* Providers without page_cursor get no guesses: one page ahead. */
static const struct ll_fetcher_ops fetch_one_ahead = { fetch_job, fetch_release, NULL };
static const struct ll_fetcher_ops fetch_numbered = { fetch_job, fetch_release, fetch_ahead };

static int start_fetcher(struct stream_run *sr, struct ll_fetcher *f, char *err,
			 size_t errlen)
{
	return ll_fetcher_start(f, sr->host->desc->page_cursor ? &fetch_numbered : &fetch_one_ahead, sr,
				(int)ll_integration_host_int(sr->ctx->cfg, sr->host->ic,
							     "concurrency"),
				sr->cursor, err, errlen);
}

/* A failed fetch.  On a first 401 with refresh_auth, the workers are
 * stopped (refresh_auth runs alone), credentials renewed and the fetcher
 * restarted at the same cursor: returns 1 to go on. */
static int fetch_failed(struct stream_run *sr, struct ll_fetcher *fetcher,
			const struct ll_fetched *got, int *refreshed,
			enum ll_run_status *rs, char *err, size_t errlen)
{
	const struct ll_provider *d = sr->host->desc;
	enum ll_status st = got->status;
	char perr[LL_ERR_MAX];

	snprintf(err, errlen, "%s: %s", sr->stream->name, got->err[0] ? got->err : "fetch failed");
	ll_fetcher_stop(fetcher);
	if (st == LL_ERR_AUTH && d->refresh_auth && !*refreshed) {
		*refreshed = 1;
		perr[0] = '\0';
		if (d->refresh_auth(sr->state, perr) == LL_OK)
			return start_fetcher(sr, fetcher, err, errlen) == 0 ? 1 : (*rs = LL_RUN_FAILED, 0);
		snprintf(err, errlen, "%s: %s", sr->stream->name, perr[0] ? perr : "refresh failed");
	}
	if (st == LL_ERR_AUTH && !sr->host->attention[0])
		ll_host_mark_attention(sr->host, err);
	*rs = status_for(st);
	return 0;
}

/* Pages in cursor order from the fetcher, each committed with its cursor;
 * the next page is already being fetched while one commits. */
static enum ll_run_status pump_pages(struct stream_run *sr, struct ll_fetcher *fetcher,
				     char *err, size_t errlen)
{
	const struct ll_sync_progress *pg = sr->opt->progress;
	int refreshed = 0;

	for (int64_t i = 0; i < MAX_PAGES_PER_RUN; i++) {
		struct ll_fetched *got;
		struct mapped_page *mp;
		enum ll_run_status rs;
		int done, rc;

		if (sr->opt->stop && *sr->opt->stop) {
			snprintf(err, errlen, "stopped; resumes at cursor '%s'", sr->cursor);
			return LL_RUN_PARTIAL;
		}
		got = ll_fetcher_next(fetcher);
		if (!got) {
			snprintf(err, errlen, "%s: internal: no page queued", sr->stream->name);
			return LL_RUN_FAILED;
		}
		if (got->status != LL_OK) {
			if (fetch_failed(sr, fetcher, got, &refreshed, &rs, err, errlen)) {
				i--;
				continue;
			}
			return rs;
		}
		mp = got->prepared;
		if (!mp || mp->err[0]) {
			snprintf(err, errlen, "%s", mp ? mp->err : "out of memory");
			return LL_RUN_FAILED;
		}
		if (got->page.total_records >= 0)
			sr->remote_total = got->page.total_records;
		done = got->page.done;
		if (!done && strcmp(got->page.next_cursor, got->cursor) == 0) {
			snprintf(err, errlen, "%s: provider did not advance its cursor '%s'",
				 sr->stream->name, got->cursor);
			return LL_RUN_FAILED;
		}
		if (!done)
			ll_fetcher_follow(fetcher, got, got->page.next_cursor);
		pthread_mutex_lock(&sr->host->db_lock);
		rc = commit_page(sr, mp, done ? sr->cursor : got->page.next_cursor, err, errlen);
		pthread_mutex_unlock(&sr->host->db_lock);
		if (rc < 0)
			return LL_RUN_FAILED;
		sr->records += mp->n_records;
		if (pg && pg->page)
			pg->page(pg->ud, sr->host->prefix, sr->stream->name, sr->pages,
				 sr->records, got->page.total_pages, got->page.total_records);
		if (done) {
			pthread_mutex_lock(&sr->host->db_lock);
			rc = finish_run(sr, got->page.next_cursor, err, errlen);
			pthread_mutex_unlock(&sr->host->db_lock);
			return rc < 0 ? LL_RUN_FAILED : LL_RUN_SUCCESS;
		}
		snprintf(sr->cursor, sizeof sr->cursor, "%s", got->page.next_cursor);
	}
	snprintf(err, errlen, "%s: more than %d pages in one run", sr->stream->name,
		 MAX_PAGES_PER_RUN);
	return LL_RUN_FAILED;
}

static enum ll_run_status run_stream(struct stream_run *sr, char *err, size_t errlen)
{
	struct ll_fetcher fetcher;
	enum ll_run_status st;

	sr->started_ms = ll_monotonic_ms();
	ll_http_stats_get(&sr->host->http, &sr->http_before);
	sr->remote_total = -1;
	if (begin_run(sr, err, errlen) < 0)
		return LL_RUN_FAILED;
	if (start_fetcher(sr, &fetcher, err, errlen) < 0) {
		record_failure(sr, LL_RUN_FAILED, err);
		return LL_RUN_FAILED;
	}
	st = pump_pages(sr, &fetcher, err, errlen);
	/* Waits for requests in flight; what they fetched is dropped and
	 * fetched again by the next run, which resumes at the cursor. */
	ll_fetcher_stop(&fetcher);
	if (st != LL_RUN_SUCCESS)
		record_failure(sr, st, err);
	return st;
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
	if (row.needs_attention) {
		ll_integration_row_release(&row);
		snprintf(err, errlen, "%s/%s: needs attention (see leadledger status); "
			 "fix the credentials in the configuration", site->id, ic->provider);
		return res->status = LL_RUN_SKIPPED;
	}
	if (ll_host_init(&host, ctx->cfg, site, ic, &lp->desc, ctx->keyring, ctx->db,
			 row.id, row.credentials) < 0) {
		ll_host_release(&host);
		snprintf(err, errlen, "%s/%s: cannot set up the HTTP client", site->id, ic->provider);
		return res->status = LL_RUN_FAILED;
	}
	host.http.stop = opt->stop;
	if (lp->desc.init(&ll_host_api, &host, &state, perr) != LL_OK) {
		snprintf(err, errlen, "%s: provider init failed: %s", host.prefix, perr);
		ll_host_release(&host);
		return res->status = LL_RUN_FAILED;
	}
	for (const struct ll_stream_def *s = lp->desc.streams; s->name; s++) {
		struct stream_run sr;
		enum ll_run_status st;
		char serr[1024];

		memset(&sr, 0, sizeof sr);
		if (s->entity != LL_ENTITY_EMPLOYEE && !have_rules) {
			/* Employees are synced first: their names are referral rules. */
			if (ll_integration_rules(ctx->db, site, ctx->default_rules, row.id, &rules,
						 serr, sizeof serr) < 0) {
				snprintf(err, errlen, "%s: cannot build lead-source rules", host.prefix);
				worst = LL_RUN_FAILED;
				break;
			}
			have_rules = 1;
		}
		sr.ctx = ctx;
		sr.opt = opt;
		sr.host = &host;
		sr.state = state;
		sr.stream = s;
		sr.rules = have_rules ? &rules : ctx->default_rules;
		snprintf(sr.iid, sizeof sr.iid, "%" PRId64, row.id);
		serr[0] = '\0';
		st = run_stream(&sr, serr, sizeof serr);
		ll_log(st == LL_RUN_SUCCESS ? LL_LOG_INFO : LL_LOG_WARNING,
		       "%s: stream %s %s: %s run, %" PRId64 " pages, %" PRId64 " records, %" PRId64
		       " inserted, %" PRId64 " updated, %" PRId64 " vanished, %.1f s%s%s",
		       host.prefix, s->name, ll_run_status_name(st),
		       sr.mode == LL_FETCH_FULL ? "full" : "incremental", sr.pages, sr.records,
		       sr.inserted, sr.updated, sr.vanished,
		       (double)(ll_monotonic_ms() - sr.started_ms) / 1000.0,
		       serr[0] ? ": " : "", serr);
		if (opt->progress && opt->progress->done)
			opt->progress->done(opt->progress->ud, host.prefix, s->name, st, sr.pages,
					    sr.records, sr.inserted, sr.updated,
					    (double)(ll_monotonic_ms() - sr.started_ms) / 1000.0, serr);
		if (st > worst)
			worst = st;
		if (st != LL_RUN_SUCCESS && !err[0])
			snprintf(err, errlen, "%s: %s", host.prefix, serr);
		/* An unreachable or rate-limiting CRM will not serve the next
		 * stream either: end the pass; a bad page in one stream does not
		 * stop the others. */
		if (st == LL_RUN_PARTIAL || host.attention[0] || (opt->stop && *opt->stop))
			break;
		if (PQstatus(ctx->db->conn) != CONNECTION_OK) {
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
