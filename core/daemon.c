/*
 * leadledgerd: keeps every elite site's integrations synced.
 *
 * This first version runs integrations one after another in one thread:
 * each syncs every sync_interval (per-integration override), failures back
 * off by doubling up to a day.  SIGHUP reloads the configuration (a broken
 * file is rejected and the old one kept); SIGTERM/SIGINT stop after the
 * page in flight commits.  The worker pool and leases for several
 * instances are not built yet (see README, "Operating the service").
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "http.h"
#include "log.h"
#include "notify.h"
#include "registry.h"
#include "sync.h"
#include "timeutil.h"

#define MAX_BACKOFF_S 86400

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

struct job {
	char site[80];
	char provider[80];
	int64_t next_ms;  /* monotonic */
	int64_t backoff_s;
};

struct daemon {
	const char *config_path;
	struct ll_app app;
	struct job *jobs;
	size_t n_jobs;
};

static struct job *find_job(struct job *jobs, size_t n, const char *site, const char *prov)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(jobs[i].site, site) == 0 && strcmp(jobs[i].provider, prov) == 0)
			return &jobs[i];
	return NULL;
}

/* Rebuild the job list from the configuration, keeping known schedules. */
static int build_jobs(struct daemon *d)
{
	const struct ll_config *cfg = &d->app.cfg;
	struct job *jobs;
	size_t n = 0, cap = 1;

	for (size_t i = 0; i < cfg->n_sites; i++)
		cap += cfg->sites[i].n_integrations;
	jobs = calloc(cap, sizeof *jobs);
	if (!jobs)
		return -1;
	for (size_t i = 0; i < cfg->n_sites; i++) {
		const struct ll_site_conf *s = &cfg->sites[i];

		if (!ll_site_featured(s))
			continue;
		for (size_t j = 0; j < s->n_integrations; j++) {
			struct job *old = find_job(d->jobs, d->n_jobs, s->id, s->integrations[j].provider);
			struct job *nj = &jobs[n++];

			if (old) {
				*nj = *old;
				continue;
			}
			snprintf(nj->site, sizeof nj->site, "%s", s->id);
			snprintf(nj->provider, sizeof nj->provider, "%s", s->integrations[j].provider);
			/* New integrations backfill now, spread by a little jitter. */
			nj->next_ms = ll_monotonic_ms() + randombytes_uniform(5000);
		}
	}
	free(d->jobs);
	d->jobs = jobs;
	d->n_jobs = n;
	return 0;
}

static int start(struct daemon *d)
{
	char err[1024];
	int rc;

	if ((rc = ll_app_load_config(&d->app, d->config_path)) ||
	    (rc = ll_app_load_keyring(&d->app)))
		return rc;
	if (ll_app_connect(&d->app))
		return LL_EXIT_CONFIG; /* no READY without a database: exit 78 */
	if ((rc = ll_app_check_schema(&d->app)))
		return LL_EXIT_CONFIG;
	if (ll_registry_reconcile(&d->app.db, &d->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_CONFIG;
	}
	return build_jobs(d) < 0 ? LL_EXIT_RUNTIME : LL_EXIT_OK;
}

static void reload(struct daemon *d)
{
	struct ll_app fresh;
	char err[1024];

	ll_notice("reloading %s", d->config_path);
	ll_app_init(&fresh);
	fresh.verbose = d->app.verbose;
	if (ll_app_load_config(&fresh, d->config_path) != 0 || ll_app_load_keyring(&fresh) != 0) {
		ll_error("reload: %s rejected, keeping the running configuration", d->config_path);
		ll_app_release(&fresh);
		return;
	}
	/* Keep the connection; swap everything else.  Providers already
	 * loaded stay mapped (never dlclose'd). */
	fresh.db = d->app.db;
	d->app.db.conn = NULL;
	ll_app_release(&d->app);
	d->app = fresh;
	if (ll_registry_reconcile(&d->app.db, &d->app.cfg, err, sizeof err) < 0)
		ll_error("registry: %s", err);
	if (build_jobs(d) < 0)
		ll_error("reload: out of memory");
	ll_notify("RELOADING=0\nREADY=1");
}

static void run_job(struct daemon *d, struct job *j)
{
	const struct ll_site_conf *s = ll_config_site(&d->app.cfg, j->site);
	struct ll_sync_options opt = { 0, &stop_requested, NULL };
	struct ll_sync_context ctx = { &d->app.db, &d->app.cfg, &d->app.providers,
				       d->app.keyring, &d->app.rules };
	const struct ll_integration_conf *ic = NULL;
	enum ll_run_status st;
	char err[1024], status[256];
	int64_t interval;

	for (size_t i = 0; s && i < s->n_integrations; i++)
		if (strcmp(s->integrations[i].provider, j->provider) == 0)
			ic = &s->integrations[i];
	if (!ic)
		return;
	interval = ll_integration_host_int(&d->app.cfg, ic, "sync_interval");
	if (ll_db_ensure(&d->app.db, err, sizeof err) < 0) {
		ll_error("%s", err);
		st = LL_RUN_PARTIAL;
	} else {
		snprintf(status, sizeof status, "STATUS=syncing %s/%s", j->site, j->provider);
		ll_notify(status);
		st = ll_sync_integration(&ctx, s, ic, &opt, err, sizeof err);
	}
	if (st == LL_RUN_SUCCESS || st == LL_RUN_SKIPPED) {
		j->backoff_s = 0;
		j->next_ms = ll_monotonic_ms() + interval * 1000;
	} else {
		/* collectd's read backoff: double the wait, up to a day. */
		j->backoff_s = j->backoff_s ? j->backoff_s * 2 : interval;
		if (j->backoff_s > MAX_BACKOFF_S)
			j->backoff_s = MAX_BACKOFF_S;
		j->next_ms = ll_monotonic_ms() + j->backoff_s * 1000;
		ll_warning("%s/%s: %s; next attempt in %" PRId64 " s", j->site, j->provider,
			   err, j->backoff_s);
	}
	ll_notify("STATUS=idle");
}

static void loop(struct daemon *d)
{
	while (!stop_requested) {
		struct job *due = NULL;
		int64_t now = ll_monotonic_ms(), wait;
		struct timespec ts;

		if (reload_requested) {
			reload_requested = 0;
			reload(d);
		}
		ll_notify("WATCHDOG=1");
		for (size_t i = 0; i < d->n_jobs; i++)
			if (!due || d->jobs[i].next_ms < due->next_ms)
				due = &d->jobs[i];
		if (due && due->next_ms <= now) {
			run_job(d, due);
			continue;
		}
		wait = due ? due->next_ms - now : 1000;
		if (wait > 1000)
			wait = 1000;
		ts.tv_sec = (time_t)(wait / 1000);
		ts.tv_nsec = (long)(wait % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct daemon d;
	struct sigaction sa;
	int c, rc, verbose = 0;

	memset(&d, 0, sizeof d);
	d.config_path = LL_DEFAULT_CONFIG;
	ll_log_init("leadledgerd");
	while ((c = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; break;
		case 'f': break; /* always in the foreground: systemd supervises */
		case 'v': verbose = 1; break;
		case 'h':
			printf("usage: leadledgerd [-c FILE] [--foreground] [-v]\n");
			return LL_EXIT_OK;
		default:
			fprintf(stderr, "usage: leadledgerd [-c FILE] [--foreground] [-v]\n");
			return LL_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if (sodium_init() < 0 || ll_http_global_init() < 0)
		return LL_EXIT_RUNTIME;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ll_app_init(&d.app);
	d.app.verbose = verbose;
	rc = start(&d);
	if (rc == LL_EXIT_OK) {
		for (size_t i = 0; i < d.app.providers.n; i++)
			ll_notice("provider %s %s (ABI %u.%u) from %s", d.app.providers.v[i].desc.name,
				  d.app.providers.v[i].desc.version,
				  LL_ABI_GET_MAJOR(d.app.providers.v[i].desc.abi_version),
				  LL_ABI_GET_MINOR(d.app.providers.v[i].desc.abi_version),
				  d.app.providers.v[i].path);
		ll_notice("started: %zu integration%s to sync", d.n_jobs, d.n_jobs == 1 ? "" : "s");
		ll_notify("READY=1\nSTATUS=idle");
		loop(&d);
		ll_notify("STOPPING=1");
		ll_notice("stopped");
	}
	free(d.jobs);
	ll_app_release(&d.app);
	ll_http_global_cleanup();
	return rc;
}
