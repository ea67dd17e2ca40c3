/*
 * One job: a claimed integration synced, then its lease released with the
 * time of its next run.  Both programs run their claims through here
 * (leadledger sync and leadledgerd's workers), so they schedule alike.
 */
#ifndef LL_JOB_H
#define LL_JOB_H

#include <stdint.h>

#include "config/config.h"
#include "sync/engine.h"
#include "sync/schedule.h"

/* When to run again after a result (collectd's read backoff): success
 * waits the interval and resets the backoff; a rate limit waits what the
 * CRM asked; a stop or a lost database connection (not the integration's
 * fault) resumes at once; a failure waits its backoff, which doubles from
 * min(interval, 300 s) up to max_backoff. */
void ll_job_next_run(const struct ll_config *cfg, int64_t interval, int64_t prev_backoff,
		     const struct ll_sync_result *res, int64_t *after_s, int64_t *backoff_s);

/*
 * Run claim c under opt (whose lease is the one c was claimed with): ic
 * NULL means the integration left the configuration since the claim, and
 * records a skip.  A run that did not succeed is logged with its next
 * attempt.  The lease is released whatever happened; while the database is
 * away (restarting) the release is retried for up to 30 s, unless
 * opt->stop is set, and after that the lease expires by itself.
 */
void ll_job_run(const struct ll_sync_context *ctx, const struct ll_site_conf *site,
		const struct ll_integration_conf *ic, const struct ll_claim *c,
		const struct ll_sync_options *opt, struct ll_sync_result *res);

#endif
