/*
 * A stream run's checkpoint and its record: the sync_state row of
 * (integration, stream) and the sync_runs row of the run.
 *
 * sync_state holds the run in flight (mode, cursor, sweep id, newest
 * updated_at seen, the CRM's total on the sweep's first page) and what the
 * last finished run left (watermark, resume cursor, last full sweep, whether
 * the next run must sweep again).  A page's cursor is saved in the same
 * transaction as its rows (the caller's), so a crash loses at most the page
 * in flight and ll_checkpoint_begin() resumes at the next one.
 *
 * Every function but ll_checkpoint_begin() and ll_checkpoint_fail() runs
 * inside the caller's transaction.  All return 0, or -1 with err filled.
 */
#ifndef LL_CHECKPOINT_H
#define LL_CHECKPOINT_H

#include <stdint.h>

#include "leadledger/provider.h"
#include "store/db.h"

struct ll_checkpoint {
	/* Set by the caller before ll_checkpoint_begin(). */
	char iid[24];           /* integration id, decimal */
	const char *stream;
	/* Set by ll_checkpoint_begin(). */
	char run_id[24];        /* sync_runs.id of this run */
	int full;               /* a full sweep (else incremental) */
	int resumed;            /* continues a run a previous process began */
	char cursor[LL_CURSOR_MAX]; /* where the run starts */
	int64_t sweep_id;       /* full sweeps: marks the rows this sweep saw */
	int64_t watermark_us;   /* incremental: valid when has_watermark */
	int has_watermark;
	int64_t total_first;    /* the CRM's count on the sweep's first page, or -1 */
};

/* What a run did, as it stands; written to its sync_runs row. */
struct ll_run_counters {
	int64_t pages, records, inserted, updated, vanished;
	int64_t remote_total;   /* the CRM's own count, -1 when it does not say */
	int64_t api_calls, http_429, retries;
	int64_t sweep_unseen;   /* full sweeps: rows the listing did not hold, or -1 */
	int64_t sweep_recovered;
	int64_t rechanneled;    /* dependents re-channeled after their lender changed */
};

void ll_run_counters_init(struct ll_run_counters *c);

/* Begin or resume the stream's run.  A run left in flight by a process
 * that died is resumed at its cursor (its sync_runs row becomes
 * 'interrupted'); otherwise the run is a full sweep when force_full, when
 * there is no watermark yet, when the last sweep asked for another, or
 * when full_every_s (> 0) has passed since the last sweep, else
 * incremental from the watermark.  runner names the lease owner (or NULL).
 * Autocommits. */
int ll_checkpoint_begin(struct ll_db *db, struct ll_checkpoint *cp, int64_t full_every_s,
			int force_full, const char *runner, char *err, size_t errlen);

/* Take the stream's advisory transaction lock, the second guard besides
 * scheduling: -1 (err says so) when another session holds it. */
int ll_checkpoint_lock(struct ll_db *db, const struct ll_checkpoint *cp, char *err,
		       size_t errlen);

/* A committed page: the next cursor, the newest updated_at it held
 * (INT64_MIN: none), on the first page of a sweep the CRM's count (-1:
 * not the first page, or unknown), and the run's counters so far; one
 * statement, in the page's transaction. */
int ll_checkpoint_page(struct ll_db *db, struct ll_checkpoint *cp, const char *next_cursor,
		       int64_t newest_us, int64_t first_total, const struct ll_run_counters *c,
		       char *err, size_t errlen);

/* The run finished: watermark = max(old, min(run start, newest seen) -
 * overlap_s), the resume cursor kept for the next incremental run, the
 * run recorded as a success with its counters and flag (NULL: none). */
int ll_checkpoint_finish(struct ll_db *db, const struct ll_checkpoint *cp, int64_t overlap_s,
			 const char *resume_cursor, int sweep_again,
			 const struct ll_run_counters *c, const char *flag, char *err,
			 size_t errlen);

/* The run ended early: rolls back what is open, reconnects if needed and
 * records status and error on its own; failures to record are logged. */
void ll_checkpoint_fail(struct ll_db *db, const struct ll_checkpoint *cp, const char *status,
			const char *error, const struct ll_run_counters *c,
			const char *log_prefix);

#endif
