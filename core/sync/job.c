#include "sync/job.h"

#include <inttypes.h>
#include <string.h>

#include "util/log.h"
#include "util/timeutil.h"

#define RELEASE_PATIENCE_MS 30000

void ll_job_next_run(const struct ll_config *cfg, int64_t interval, int64_t prev_backoff,
		     const struct ll_sync_result *res, int64_t *after_s, int64_t *backoff_s)
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

/* Release the lease with the next run; the database may be restarting. */
static void release(const struct ll_sync_context *ctx, const struct ll_claim *c,
		    const struct ll_sync_options *opt, const char *status, int64_t after,
		    int64_t backoff)
{
	char err[512] = "";

	for (int64_t wait_ms = 500, waited = 0;; waited += wait_ms, wait_ms *= 2) {
		if (ll_db_ensure(ctx->db, err, sizeof err) == 0 &&
		    ll_schedule_finish(ctx->db, opt->lease, c->integration_id, status, after,
				       backoff, ctx->cfg->run_history_days, err, sizeof err) == 0)
			return;
		if ((opt->stop && *opt->stop) || waited > RELEASE_PATIENCE_MS ||
		    ll_sleep_ms(wait_ms, opt->stop) < 0)
			break;
	}
	ll_error("%s/%s: cannot release the lease (it expires by itself): %s", c->site,
		 c->provider, err);
}

void ll_job_run(const struct ll_sync_context *ctx, const struct ll_site_conf *site,
		const struct ll_integration_conf *ic, const struct ll_claim *c,
		const struct ll_sync_options *opt, struct ll_sync_result *res)
{
	int64_t interval = ll_host_setting(ctx->cfg, ic, LL_HS_SYNC_INTERVAL), after, backoff;

	memset(res, 0, sizeof *res);
	if (ic)
		ll_sync_integration(ctx, site, ic, opt, res);
	else
		res->status = LL_RUN_SKIPPED;
	ll_job_next_run(ctx->cfg, interval, c->backoff_s, res, &after, &backoff);
	if (res->status != LL_RUN_SUCCESS && res->status != LL_RUN_SKIPPED)
		ll_warning("%s/%s: %s: %s; next attempt in %" PRId64 " s", c->site, c->provider,
			   ll_run_status_name(res->status), res->error, after);
	release(ctx, c, opt, ll_run_status_name(res->status), after, backoff);
}
