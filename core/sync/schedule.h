/*
 * Scheduling state in the database: who runs which integration when.
 *
 * Instances coordinate through PostgreSQL alone.  A claim takes the most
 * overdue integration whose lease is free or expired (FOR UPDATE SKIP
 * LOCKED, so concurrent claimers never wait on or take the same row) and
 * sets a lease; the sync engine renews it with every committed page
 * (ll_schedule_renew); finishing releases it and sets the next run.  The
 * per-stream advisory lock in the sync engine is the second guard.
 *
 * A lease must outlast the longest wait between two page commits, the HTTP
 * retry budget included, or another instance may take over a live run (the
 * advisory lock still keeps their pages apart); the default lease (1200 s)
 * is longer than the default retry budget (900 s).
 */
#ifndef LL_SCHEDULE_H
#define LL_SCHEDULE_H

#include <stdint.h>

#include "config/config.h"
#include "store/db.h"

struct ll_lease {
	char owner[96];     /* "host:pid:random", unique per instance */
	int64_t seconds;    /* lease length, renewed per page */
};

struct ll_claim {
	int64_t integration_id;
	char site[80];
	char provider[80];
	int64_t backoff_s;
};

/* One run's hold on its integration's lease. */
struct ll_lease_hold {
	const struct ll_lease *lease; /* NULL: the run holds none */
	int64_t integration_id;
	int64_t renewed_ms;           /* monotonic: the claim, then each renewal */
};

void ll_lease_init(struct ll_lease *l, int64_t seconds);
/* Start holding the lease just claimed (l may be NULL). */
void ll_lease_hold_init(struct ll_lease_hold *h, const struct ll_lease *l,
			int64_t integration_id);

/* What one claimer's session knows it can run: `known` loaded into the
 * session's ll_known table, so a claim does not carry (and PostgreSQL
 * does not plan) the whole list; reloaded only when it changes or the
 * session is new. */
struct ll_known_set {
	char *loaded; /* the array literal ll_known holds; owned; NULL: none */
};

void ll_known_set_release(struct ll_known_set *ks);

/* Claim the most overdue integration among `known` ("site/provider",
 * a PostgreSQL array literal), kept in ks for this connection.  1
 * claimed, 0 nothing due, -1 error. */
int ll_schedule_claim_due(struct ll_db *db, const struct ll_lease *l, const char *known,
			  struct ll_known_set *ks, struct ll_claim *out, char *err,
			  size_t errlen);
/* Claim one integration now whatever its schedule (leadledger sync).
 * 1 claimed, 0 leased by someone else (owner written to busy_by), -1 error. */
int ll_schedule_claim(struct ll_db *db, const struct ll_lease *l, const char *site,
		      const char *provider, struct ll_claim *out, char *busy_by,
		      size_t busy_len, char *err, size_t errlen);
/* Free the leases of processes on this host that no longer exist (a
 * kill -9, a crash), so a restart does not wait for them to expire.
 * Owners are "host:pid:random"; a reused pid only delays the take-over.
 * Returns how many were freed, or -1. */
int ll_schedule_reap_local(struct ll_db *db, char *err, size_t errlen);

/* Extend the lease once an eighth of its length has passed since the
 * claim or the last renewal, else do nothing: a page commit calls this in
 * its transaction, and a short run then costs no lease statement beyond
 * its claim and its finish, while a lease of the default 1200 s is renewed
 * at least every 150 s of commits, well inside what the retry budget
 * leaves (lease > 150 s + the retry budget's 900 s).  0 (also with no
 * lease held), or -1 when the lease is no longer ours. */
int ll_schedule_renew(struct ll_db *db, struct ll_lease_hold *h, char *err, size_t errlen);
/* Release the lease and schedule the next run in `after_s` seconds; in
 * the same statement, delete the integration's finished runs older than
 * history_days (already counted in sync_run_totals, migration 9), the
 * latest of each stream kept. */
int ll_schedule_finish(struct ll_db *db, const struct ll_lease *l,
		       int64_t integration_id, const char *status,
		       int64_t after_s, int64_t backoff_s, int64_t history_days,
		       char *err, size_t errlen);

#endif
