/*
 * The end of a full sweep: deleting only what is proven gone.
 *
 * A sweep lists every record the CRM has; rows it did not list are
 * candidates, not deletions.  A listing can miss live records: a page
 * that comes back short or repeats records, or records deleted in the CRM
 * behind the sweep's position, which shift offset pages so that live
 * records slip past it unseen.  So a candidate is deleted only when
 *
 *   (a) the CRM answers "not found" when asked for it by id (streams
 *       flagged LL_STREAM_FETCH_BY_ID, through fetch_record), after a
 *       canary look-up of a record the sweep did list came back: a
 *       look-up that cannot find a live record proves nothing; or
 *   (b) two consecutive complete sweeps missed it.  Complete: the CRM
 *       states its count, the sweep listed at least that many distinct
 *       records, and the count did not fall while it ran (a record
 *       deleted behind the sweep's position may have pushed a live one
 *       past it unseen).  One unlucky sweep can skip a live record; the
 *       same record skipped by the next complete sweep as well is not a
 *       risk worth a week's stale report.
 *
 * A candidate the CRM still has is fetched, stored as listed, and counts
 * as seen (a skipped live record).  When a sweep shows the CRM deleting
 * records it had already listed (it recovered skipped records, or it saw
 * more than the CRM counts at the end), the next run sweeps again, so
 * those deletions are found without waiting for full_sweep_interval.
 * Look-ups are bounded (sweep_confirm_max per sweep); what cannot be
 * proven is kept and the run carries a flag saying so.
 */
#ifndef LL_SWEEP_H
#define LL_SWEEP_H

#include <pthread.h>
#include <stdint.h>

#include "store/checkpoint.h"
#include "store/db.h"
#include "sync/pagemap.h"
#include "sync/schedule.h"

struct ll_sweep {
	struct ll_db *db;
	pthread_mutex_t *db_lock;     /* held around each transaction */
	struct ll_lease_hold *lease;  /* renewed with each batch (ll_schedule_renew) */
	const struct ll_pagemap *map; /* provider, state, stream, rules */
	const struct ll_checkpoint *cp;
	int64_t integration_id;
	int64_t total_last;           /* the CRM's count on the last page, or -1 */
	int64_t confirm_max;          /* look-ups per sweep at most */
	const char *log_prefix;
};

struct ll_sweep_outcome {
	int64_t unseen;    /* live rows the listing did not hold */
	int64_t vanished;  /* proven gone and soft-deleted */
	int64_t recovered; /* still in the CRM: fetched and stored */
	int64_t rechanneled; /* dependents of recovered records re-channeled */
	int again;         /* the next run of the stream sweeps again */
	char flag[320];    /* what could not be proven, or "" */
};

void ll_sweep_outcome_init(struct ll_sweep_outcome *out);

/* After the sweep's last page committed, outside any transaction: look the
 * candidates up by id, in batches, each committed with its lease renewal.
 * 0, or -1 with err filled (the batches committed so far stand). */
int ll_sweep_confirm(const struct ll_sweep *sw, struct ll_sweep_outcome *out, char *err,
		     size_t errlen);

/* Inside the run's finishing transaction: the two-sweep rule, and the
 * verdict (again, flag). */
int ll_sweep_settle(const struct ll_sweep *sw, struct ll_sweep_outcome *out, char *err,
		    size_t errlen);

#endif
