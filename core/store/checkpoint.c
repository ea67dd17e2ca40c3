#include "store/checkpoint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

void ll_run_counters_init(struct ll_run_counters *c)
{
	memset(c, 0, sizeof *c);
	c->remote_total = -1;
	c->sweep_unseen = -1;
}

static int64_t col_int(PGresult *res, int col)
{
	return PQgetisnull(res, 0, col) ? 0 : strtoll(PQgetvalue(res, 0, col), NULL, 10);
}

/* A number as a statement parameter: NULL when below zero ("unknown"). */
struct num_param {
	char text[24];
};

static const char *num(struct num_param *p, int64_t v)
{
	if (v < 0)
		return NULL;
	snprintf(p->text, sizeof p->text, "%" PRId64, v);
	return p->text;
}

/* The run in flight of a dead process: mark its row and resume. */
static int resume(struct ll_db *db, struct ll_checkpoint *cp, PGresult *state, char *err,
		  size_t errlen)
{
	const char *p[] = { PQgetvalue(state, 0, 3) };

	cp->full = strcmp(PQgetvalue(state, 0, 0), "full") == 0;
	snprintf(cp->cursor, sizeof cp->cursor, "%s", PQgetvalue(state, 0, 1));
	cp->sweep_id = col_int(state, 2);
	cp->total_first = PQgetisnull(state, 0, 7) ? -1 : col_int(state, 7);
	cp->resumed = 1;
	if (PQgetisnull(state, 0, 3))
		return 0;
	return ll_db_exec(db, "UPDATE sync_runs SET status = 'interrupted', finished_at = now(), "
			  "error = 'interrupted; resumed by a later run' "
			  "WHERE id = $1 AND status = 'running'", 1, p, err, errlen);
}

/* A new run: full or incremental, from the start or the resume cursor. */
static int start(struct ll_db *db, struct ll_checkpoint *cp, PGresult *state, int force_full,
		 char *err, size_t errlen)
{
	const char *p[4] = { cp->iid, cp->stream };
	PGresult *res;

	cp->full = force_full || !cp->has_watermark || strcmp(PQgetvalue(state, 0, 6), "t") == 0;
	snprintf(cp->cursor, sizeof cp->cursor, "%s", cp->full ? "" : PQgetvalue(state, 0, 5));
	cp->total_first = -1;
	p[2] = cp->full ? "full" : "incremental";
	p[3] = cp->cursor;
	res = ll_db_query(db,
			  "UPDATE sync_state SET run_mode = $3, cursor = $4, run_started_at = now(), "
			  " newest_seen = NULL, last_error = NULL, updated_at = now(), "
			  " sweep_total_first = NULL, "
			  " sweep_id = CASE WHEN $3 = 'full' THEN nextval('sweep_ids') END "
			  "WHERE integration_id = $1 AND stream = $2 RETURNING sweep_id",
			  4, p, err, errlen);
	if (!res)
		return -1;
	cp->sweep_id = col_int(res, 0);
	PQclear(res);
	return 0;
}

int ll_checkpoint_begin(struct ll_db *db, struct ll_checkpoint *cp, int64_t full_every_s,
			int force_full, const char *runner, char *err, size_t errlen)
{
	struct num_param every;
	const char *p[3] = { cp->iid, cp->stream, num(&every, full_every_s) };
	char wm[40];
	PGresult *res;
	int rc;

	/* Columns: 0 run_mode, 1 cursor, 2 sweep_id, 3 run_id, 4 watermark,
	 * 5 resume_cursor, 6 a sweep is due, 7 sweep_total_first.  A stream's
	 * row is made by its first run only, so later runs cost one statement. */
	static const char state_sql[] =
		"SELECT run_mode, cursor, sweep_id, run_id, "
		" (extract(epoch FROM watermark) * 1000000)::bigint, resume_cursor, "
		" sweep_again OR ($3::bigint > 0 AND (last_full_sweep_at IS NULL OR "
		"   now() - last_full_sweep_at >= make_interval(secs => $3::bigint))), "
		" sweep_total_first "
		"FROM sync_state WHERE integration_id = $1 AND stream = $2";

	res = ll_db_query(db, state_sql, 3, p, err, errlen);
	if (res && PQntuples(res) == 0) {
		PQclear(res);
		res = NULL;
		if (ll_db_exec(db, "INSERT INTO sync_state (integration_id, stream) VALUES ($1, $2) "
			       "ON CONFLICT DO NOTHING", 2, p, err, errlen) == 0)
			res = ll_db_query(db, state_sql, 3, p, err, errlen);
	}
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "sync_state of %s/%s vanished", cp->iid, cp->stream);
		return -1;
	}
	cp->has_watermark = !PQgetisnull(res, 0, 4);
	cp->watermark_us = col_int(res, 4);
	cp->resumed = 0;
	rc = PQgetisnull(res, 0, 0) ? start(db, cp, res, force_full, err, errlen)
				    : resume(db, cp, res, err, errlen);
	PQclear(res);
	if (rc < 0)
		return -1;
	if (cp->has_watermark)
		ll_format_time(cp->watermark_us, wm, sizeof wm);
	{
		const char *r[] = { cp->iid, cp->stream, cp->full ? "full" : "incremental",
				    cp->has_watermark ? wm : NULL, cp->cursor, runner };

		/* The run's row and the state's pointer to it, in one statement. */
		res = ll_db_query(db,
				  "WITH run AS (INSERT INTO sync_runs (integration_id, stream, mode, "
				  " watermark_before, first_cursor, runner) "
				  " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id) "
				  "UPDATE sync_state s SET run_id = run.id FROM run "
				  "WHERE s.integration_id = $1 AND s.stream = $2 RETURNING run.id",
				  6, r, err, errlen);
	}
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "sync_state of %s/%s vanished", cp->iid, cp->stream);
		return -1;
	}
	snprintf(cp->run_id, sizeof cp->run_id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return 0;
}

int ll_checkpoint_lock(struct ll_db *db, const struct ll_checkpoint *cp, char *err,
		       size_t errlen)
{
	const char *p[] = { cp->iid, cp->stream };
	PGresult *res = ll_db_query(db, "SELECT pg_try_advisory_xact_lock("
				    "hashtextextended($1 || '/' || $2, 0))", 2, p, err, errlen);
	int held;

	if (!res)
		return -1;
	held = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!held) {
		snprintf(err, errlen, "stream %s is being synced by another process", cp->stream);
		return -1;
	}
	return 0;
}

/* The run's counters as parameters $1 (the run) to $13, then up to
 * COUNTER_EXTRA more from $14, for the statements that write them. */
#define COUNTERS_SET \
	"api_calls = $2, http_429 = $3, retries = $4, pages = $5, records_fetched = $6, " \
	"rows_inserted = $7, rows_updated = $8, remote_total = $9, rows_vanished = $10, " \
	"sweep_unseen = $11, sweep_recovered = $12, rechanneled = $13"
#define COUNTER_PARAMS 13
#define COUNTER_EXTRA 5

struct counter_params {
	struct num_param v[COUNTER_PARAMS - 1];
	const char *p[COUNTER_PARAMS + COUNTER_EXTRA];
};

static void counter_params(struct counter_params *out, const char *run_id,
			   const struct ll_run_counters *c)
{
	const int64_t v[COUNTER_PARAMS - 1] = {
		c->api_calls, c->http_429, c->retries, c->pages, c->records, c->inserted,
		c->updated,
		c->remote_total,  /* NULL when unknown */
		c->vanished,
		c->sweep_unseen,  /* NULL outside sweeps */
		c->sweep_recovered, c->rechanneled,
	};

	memset(out->p, 0, sizeof out->p);
	out->p[0] = run_id;
	for (int i = 0; i < COUNTER_PARAMS - 1; i++)
		out->p[i + 1] = num(&out->v[i], v[i]);
}

int ll_checkpoint_page(struct ll_db *db, struct ll_checkpoint *cp, const char *next_cursor,
		       int64_t newest_us, int64_t first_total, const struct ll_run_counters *c,
		       char *err, size_t errlen)
{
	struct counter_params q;
	struct num_param total;
	char newest[40];

	counter_params(&q, cp->run_id, c);
	q.p[13] = cp->iid;
	q.p[14] = cp->stream;
	q.p[15] = next_cursor;
	if (newest_us != INT64_MIN) {
		ll_format_time(newest_us, newest, sizeof newest);
		q.p[16] = newest;
	}
	q.p[17] = num(&total, first_total);
	if (ll_db_exec(db, "WITH run AS (UPDATE sync_runs SET " COUNTERS_SET " WHERE id = $1) "
		       "UPDATE sync_state SET cursor = $16, updated_at = now(), "
		       "newest_seen = GREATEST(newest_seen, $17::timestamptz), "
		       "sweep_total_first = COALESCE($18::bigint, sweep_total_first) "
		       "WHERE integration_id = $14 AND stream = $15", 18, q.p, err, errlen) < 0)
		return -1;
	if (first_total >= 0)
		cp->total_first = first_total;
	return 0;
}

int ll_checkpoint_finish(struct ll_db *db, const struct ll_checkpoint *cp, int64_t overlap_s,
			 const char *resume_cursor, int sweep_again,
			 const struct ll_run_counters *c, const char *flag, char *err,
			 size_t errlen)
{
	struct num_param ov;
	const char *p[] = { cp->iid, cp->stream, num(&ov, overlap_s), resume_cursor,
			    cp->full ? "t" : "f", sweep_again ? "t" : "f" };
	struct counter_params q;

	if (ll_db_exec(db,
		       "UPDATE sync_state SET "
		       " watermark = GREATEST(watermark, LEAST(run_started_at, "
		       "   COALESCE(newest_seen, run_started_at)) - make_interval(secs => $3::bigint)), "
		       " last_full_sweep_at = CASE WHEN $5::boolean THEN run_started_at "
		       "   ELSE last_full_sweep_at END, "
		       " sweep_again = CASE WHEN $5::boolean THEN $6::boolean ELSE sweep_again END, "
		       " resume_cursor = $4, run_mode = NULL, cursor = '', run_id = NULL, "
		       " sweep_total_first = NULL, "
		       " last_success_at = now(), last_error = NULL, updated_at = now() "
		       "WHERE integration_id = $1 AND stream = $2",
		       (int)(sizeof p / sizeof p[0]), p, err, errlen) < 0)
		return -1;
	counter_params(&q, cp->run_id, c);
	q.p[13] = cp->iid;
	q.p[14] = cp->stream;
	q.p[15] = flag;
	return ll_db_exec(db,
			  "UPDATE sync_runs r SET " COUNTERS_SET ", status = 'success', "
			  " finished_at = now(), watermark_after = s.watermark, flag = $16 "
			  "FROM sync_state s WHERE r.id = $1 AND s.integration_id = $14 "
			  "AND s.stream = $15", 16, q.p, err, errlen);
}

void ll_checkpoint_fail(struct ll_db *db, const struct ll_checkpoint *cp, const char *status,
			const char *error, const struct ll_run_counters *c,
			const char *log_prefix)
{
	const char *s[] = { cp->iid, cp->stream, error };
	struct counter_params q;
	char err[512];

	ll_db_rollback(db);
	if (!cp->run_id[0])
		return; /* the run never began: nothing to record */
	counter_params(&q, cp->run_id, c);
	q.p[13] = status;
	q.p[14] = error;
	if (ll_db_ensure(db, err, sizeof err) < 0 ||
	    ll_db_exec(db, "UPDATE sync_runs SET " COUNTERS_SET ", status = $14, error = $15, "
		       "finished_at = now() WHERE id = $1", 15, q.p, err, sizeof err) < 0 ||
	    ll_db_exec(db, "UPDATE sync_state SET last_error = $3, updated_at = now() "
		       "WHERE integration_id = $1 AND stream = $2", 3, s, err, sizeof err) < 0)
		ll_log(LL_LOG_ERR, "%s: %s: cannot record the failure: %s", log_prefix,
		       cp->stream, err);
}
