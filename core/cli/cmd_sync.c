/* leadledger sync: one pass now, with progress on a terminal. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/registry.h"
#include "sync/engine.h"
#include "sync/job.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Progress on a terminal: one line rewritten in place. */
struct progress {
	int tty;
	int64_t started_ms;
};

static void progress_page(void *ud, const char *prefix, const char *stream,
			  int64_t pages, int64_t records, int64_t total_pages,
			  int64_t total_records)
{
	struct progress *p = ud;
	double secs = (double)(ll_monotonic_ms() - p->started_ms) / 1000.0;
	double rate = secs > 0 ? (double)records / secs : 0;

	if (!p->tty)
		return;
	fprintf(stderr, "\r\033[K%s %s: page %" PRId64, prefix, stream, pages);
	if (total_pages > 0)
		fprintf(stderr, "/%" PRId64, total_pages);
	fprintf(stderr, ", %" PRId64, records);
	if (total_records >= 0)
		fprintf(stderr, "/%" PRId64, total_records);
	fprintf(stderr, " records, %.0f rec/s", rate);
	if (total_records > records && rate > 0) {
		int64_t eta = (int64_t)((double)(total_records - records) / rate);

		fprintf(stderr, ", ETA %" PRId64 ":%02" PRId64, eta / 60, eta % 60);
	}
}

/* One line per stream; a run with a flag is not called a success. */
static void progress_done(void *ud, const struct ll_stream_summary *s)
{
	struct progress *p = ud;
	char extra[160] = "";
	size_t n = 0;

	if (p->tty)
		fprintf(stderr, "\r\033[K");
	if (s->vanished || s->recovered)
		n = (size_t)snprintf(extra, sizeof extra, ", %" PRId64 " deleted, %" PRId64
				     " recovered", s->vanished, s->recovered);
	if (s->rechanneled)
		snprintf(extra + n, sizeof extra - n, ", %" PRId64 " re-channeled", s->rechanneled);
	printf("%s %s: %s, %" PRId64 " pages, %" PRId64 " records (%" PRId64 " new, %" PRId64
	       " updated%s) in %.1f s%s%s\n", s->prefix, s->stream,
	       s->flag[0] ? "flagged" : ll_run_status_name(s->status), s->pages, s->records,
	       s->inserted, s->updated, extra, s->seconds, s->flag[0] || s->error[0] ? ": " : "",
	       s->flag[0] ? s->flag : s->error);
	fflush(stdout);
	p->started_ms = ll_monotonic_ms();
}

int ll_cmd_sync(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "full", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct progress prog = { isatty(STDERR_FILENO), ll_monotonic_ms() };
	struct ll_sync_progress cb = { progress_page, progress_done, &prog };
	struct ll_sync_options opt = { 0, NULL, &cb, NULL };
	struct ll_sync_context ctx;
	struct ll_lease lease;
	const char *site_id = NULL;
	int c, rc, synced = 0, worst = LL_RUN_SUCCESS;
	char err[1024];

	while ((c = getopt_long(argc, argv, "s:f", opts, NULL)) != -1) {
		if (c == 's')
			site_id = optarg;
		else if (c == 'f')
			opt.force_full = 1;
		else
			return LL_EXIT_USAGE;
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = ll_cli_need_db(cli)) || (rc = ll_app_load_keyring(&cli->app)) ||
	    (rc = ll_app_check_schema(&cli->app, NULL)))
		return rc;
	if (site_id && (rc = ll_cli_site(cli, site_id, NULL)))
		return rc;
	if (ll_registry_reconcile(&cli->app.db, &cli->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_RUNTIME;
	}
	ctx = (struct ll_sync_context){ &cli->app.db, &cli->app.cfg, &cli->app.providers,
					cli->app.keyring, &cli->app.rules };
	/* Take the integration's lease like a daemon would, so a manual sync
	 * never runs beside leadledgerd's. */
	ll_lease_init(&lease, cli->app.cfg.lease_s);
	opt.lease = &lease;
	if (ll_schedule_reap_local(&cli->app.db, err, sizeof err) < 0)
		ll_warning("%s", err);
	for (size_t i = 0; i < cli->app.cfg.n_sites; i++) {
		const struct ll_site_conf *s = &cli->app.cfg.sites[i];

		if (site_id && strcmp(s->id, site_id) != 0)
			continue;
		if (!ll_site_featured(s)) {
			printf("%s: plan '%s' does not include lead-source reporting "
			       "(plan '%s' does); not synced\n", s->id, s->plan, LL_PLAN_FEATURED);
			continue;
		}
		for (size_t j = 0; j < s->n_integrations; j++) {
			const struct ll_integration_conf *ic = &s->integrations[j];
			struct ll_sync_result res;
			struct ll_claim claim;
			char busy[128];
			int got = ll_schedule_claim(&cli->app.db, &lease, s->id, ic->provider, &claim,
						    busy, sizeof busy, err, sizeof err);

			synced++;
			if (got <= 0) {
				if (got < 0)
					ll_error("%s", err);
				else
					printf("%s/%s: being synced by %s; skipped\n", s->id,
					       ic->provider, busy);
				worst = LL_RUN_FAILED;
				continue;
			}
			ll_job_run(&ctx, s, ic, &claim, &opt, &res);
			if ((int)res.status > worst)
				worst = res.status;
			if (res.flagged && worst == LL_RUN_SUCCESS)
				worst = LL_RUN_PARTIAL;
		}
	}
	if (site_id && synced == 0 && !ll_site_featured(ll_config_site(&cli->app.cfg, site_id)))
		return LL_EXIT_RUNTIME;
	return worst == LL_RUN_SUCCESS ? LL_EXIT_OK : LL_EXIT_RUNTIME;
}
