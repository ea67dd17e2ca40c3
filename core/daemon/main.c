/*
 * leadledgerd: keeps every elite site's integrations synced (daemon.h names
 * its parts).
 *
 * A bounded pool of worker threads, each with its own database connection,
 * claims due integrations through leases in PostgreSQL (schedule.h), so
 * several instances on several machines share the work and an integration
 * never runs twice at once.  The main thread handles signals and systemd:
 * READY=1 once configuration, keyring, providers, database and schema check
 * out (else exit 78), WATCHDOG=1 from its loop, STATUS= lines, STOPPING=1.
 *
 * SIGHUP loads a new configuration snapshot; running jobs finish on the
 * snapshot they started with (snapshots are reference-counted).  A broken
 * file is rejected and the running one kept.  SIGTERM/SIGINT stop claiming
 * work, let the page in flight commit and exit within shutdown_timeout; a
 * second SIGTERM exits at once (uncommitted pages roll back).
 */
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/server.h"
#include "daemon/daemon.h"
#include "provider/http.h"
#include "store/registry.h"
#include "util/log.h"
#include "util/notify.h"
#include "util/timeutil.h"
#include "vault/token.h"

struct ll_daemon ll_daemon;
volatile sig_atomic_t ll_daemon_stop;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requested = 1;
	} else if (ll_daemon_stop) {
		_exit(LL_EXIT_RUNTIME); /* second request: at once */
	} else {
		ll_daemon_stop = 1;
	}
}

static void reload(void)
{
	struct ll_snapshot *fresh, *old = ll_snapshot_acquire();
	char err[1024];

	ll_notify("RELOADING=1");
	ll_notice("reloading %s", ll_daemon.config_path);
	if (ll_snapshot_load(old, &fresh) != 0) {
		ll_error("reload: %s rejected, keeping the running configuration", ll_daemon.config_path);
		ll_snapshot_release(old);
		ll_notify("READY=1");
		return;
	}
	if (ll_db_ensure(&ll_daemon.db, err, sizeof err) < 0 ||
	    ll_registry_reconcile(&ll_daemon.db, &fresh->app.cfg, err, sizeof err) < 0)
		ll_error("reload: registry: %s (retried at the next reload)", err);
	else
		ll_token_warn_missing_keys(&ll_daemon.db, fresh->app.keyring);
	pthread_mutex_lock(&ll_daemon.lock);
	ll_daemon.current = fresh;
	pthread_mutex_unlock(&ll_daemon.lock);
	ll_snapshot_release(old); /* our acquire */
	ll_snapshot_release(old); /* the reference `current` held */
	ll_notice("reloaded: %zu site%s", fresh->app.cfg.n_sites,
		  fresh->app.cfg.n_sites == 1 ? "" : "s");
	ll_notify("READY=1");
}

/* Free leases of dead local processes (a previous instance killed). */
static void reap_local(void)
{
	char err[512];
	int n;

	if (ll_db_ensure(&ll_daemon.db, err, sizeof err) < 0 ||
	    (n = ll_schedule_reap_local(&ll_daemon.db, err, sizeof err)) < 0)
		ll_warning("lease reaping: %s", err);
	else if (n > 0)
		ll_notice("took over %d lease%s of a dead local process", n, n == 1 ? "" : "s");
}

/* A page may wait out the whole retry budget after a renewal that came
 * up to an eighth of the lease late (schedule.h): a shorter lease lets
 * another instance take a live run over (the advisory lock still keeps
 * their pages apart). */
static void warn_short_lease(const struct ll_config *cfg)
{
	if (cfg->lease_s <= cfg->http.retry_budget_s + cfg->lease_s / 8)
		ll_warning("lease (%" PRId64 " s) is not longer than http.retry_budget (%" PRId64
			   " s) plus an eighth of itself: a slow page may lose its lease to "
			   "another instance", cfg->lease_s, cfg->http.retry_budget_s);
}

static int start(struct ll_snapshot **out)
{
	char err[1024];
	int rc = ll_snapshot_load(NULL, out);

	if (rc)
		return rc;
	if (ll_db_connect(&ll_daemon.db, (*out)->app.cfg.database, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_CONFIG; /* no READY without a database */
	}
	if (ll_app_check_schema(&(*out)->app, &ll_daemon.db) != 0)
		return LL_EXIT_CONFIG;
	if (ll_registry_reconcile(&ll_daemon.db, &(*out)->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_CONFIG;
	}
	reap_local();
	ll_token_warn_missing_keys(&ll_daemon.db, (*out)->app.keyring);
	warn_short_lease(&(*out)->app.cfg);
	return 0;
}

static void main_loop(void)
{
	int64_t last_status = 0, last_key_check = 0;

	while (!ll_daemon_stop) {
		if (ll_monotonic_ms() - last_key_check >= 2000) {
			last_key_check = ll_monotonic_ms();
			if (ll_snapshot_keyring_changed()) {
				ll_notice("the keyring changed: reloading");
				reload_requested = 1;
			}
		}
		if (reload_requested) {
			reload_requested = 0;
			reload();
		}
		ll_notify("WATCHDOG=1");
		if (ll_monotonic_ms() - last_status >= 10000) {
			char status[128];

			reap_local();
			pthread_mutex_lock(&ll_daemon.lock);
			snprintf(status, sizeof status, "STATUS=%d of %" PRId64 " workers syncing, %" PRId64
				 " runs done", ll_daemon.busy, ll_daemon.current->app.cfg.workers, ll_daemon.runs);
			pthread_mutex_unlock(&ll_daemon.lock);
			ll_notify(status);
			last_status = ll_monotonic_ms();
		}
		ll_sleep_ms(200, NULL);
	}
}

/* Join the workers, giving running pages shutdown_timeout to commit. */
static int stop_workers(pthread_t *tids, int64_t n, int64_t timeout_s)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += (time_t)timeout_s;
	for (int64_t i = 0; i < n; i++)
		if (pthread_timedjoin_np(tids[i], NULL, &deadline) != 0) {
			ll_error("workers still busy after %" PRId64 " s; exiting anyway "
				 "(uncommitted pages roll back)", timeout_s);
			return -1;
		}
	return 0;
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
	struct ll_snapshot *snap = NULL;
	struct ll_api *api = NULL;
	struct sigaction sa;
	sigset_t block, old;
	pthread_t *tids = NULL;
	int64_t n_workers = 0;
	int c, rc;

	memset(&ll_daemon, 0, sizeof ll_daemon);
	ll_daemon.config_path = LL_DEFAULT_CONFIG;
	pthread_mutex_init(&ll_daemon.lock, NULL);
	ll_log_init("leadledgerd");
	while ((c = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': ll_daemon.config_path = optarg; break;
		case 'f': break; /* always in the foreground: systemd supervises */
		case 'v': ll_daemon.verbose = 1; break;
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
	rc = start(&snap);
	if (rc == LL_EXIT_OK) {
		ll_daemon.current = snap;
		ll_lease_init(&ll_daemon.lease, snap->app.cfg.lease_s);
		n_workers = snap->app.cfg.workers;
		tids = calloc((size_t)n_workers, sizeof *tids);
		if (!tids)
			rc = LL_EXIT_RUNTIME;
	}
	if (rc == LL_EXIT_OK) {
		for (size_t i = 0; i < snap->app.providers.n; i++)
			ll_notice("provider %s %s (ABI %u.%u) from %s", snap->app.providers.v[i].desc.name,
				  snap->app.providers.v[i].desc.version,
				  LL_ABI_GET_MAJOR(snap->app.providers.v[i].desc.abi_version),
				  LL_ABI_GET_MINOR(snap->app.providers.v[i].desc.abi_version),
				  snap->app.providers.v[i].path);
		/* Signals go to the main thread only. */
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigaddset(&block, SIGHUP);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		if (snap->app.cfg.api.listen) {
			char err[512];

			api = ll_api_start(&snap->app.cfg.api, snap->app.cfg.database, &ll_snapshot_api_hooks,
					   err, sizeof err);
			if (!api) {
				ll_error("%s", err);
				ll_daemon_stop = 1;
				n_workers = 0;
				rc = LL_EXIT_CONFIG;
			}
		}
		for (int64_t i = 0; i < n_workers; i++)
			if (pthread_create(&tids[i], NULL, ll_worker_main, NULL) != 0) {
				ll_error("cannot start worker %" PRId64, i);
				ll_daemon_stop = 1;
				n_workers = i;
				rc = LL_EXIT_RUNTIME;
			}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == LL_EXIT_OK) {
			ll_notice("started as %s with %" PRId64 " workers, %zu site%s", ll_daemon.lease.owner,
				  n_workers, snap->app.cfg.n_sites, snap->app.cfg.n_sites == 1 ? "" : "s");
			ll_notify("READY=1\nSTATUS=started");
			main_loop();
			ll_notify("STOPPING=1");
			ll_notice("stopping: waiting for running pages to commit");
		}
		ll_api_stop(api); /* answers the requests in flight first */
		if (stop_workers(tids, n_workers, ll_daemon.current->app.cfg.shutdown_timeout_s) < 0)
			_exit(LL_EXIT_RUNTIME);
		ll_notice("stopped");
		snap = ll_daemon.current;
	}
	free(tids);
	if (snap)
		ll_snapshot_release(snap);
	ll_db_release(&ll_daemon.db);
	ll_http_global_cleanup();
	pthread_mutex_destroy(&ll_daemon.lock);
	return rc;
}
