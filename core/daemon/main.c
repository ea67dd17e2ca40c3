/*
 * leadledgerd: keeps every elite site's integrations synced.
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
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/server.h"
#include "app.h"
#include "util/buf.h"
#include "provider/http.h"
#include "util/log.h"
#include "util/notify.h"
#include "store/registry.h"
#include "sync/schedule.h"
#include "sync/engine.h"
#include "util/timeutil.h"
#include "vault/token.h"

#define IDLE_POLL_MS 1000

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		reload_requested = 1;
	} else if (stop_requested) {
		_exit(LL_EXIT_RUNTIME); /* second request: at once */
	} else {
		stop_requested = 1;
	}
}

/* What tells one version of a file from the next. */
struct file_id {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

static void file_id_of(const char *path, struct file_id *out)
{
	struct stat st;

	memset(out, 0, sizeof *out);
	if (lstat(path, &st) == 0)
		*out = (struct file_id){ st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim };
}

static int file_id_same(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/* A configuration and everything derived from it, shared by the jobs
 * that started under it. */
struct snapshot {
	struct ll_app app;
	struct ll_buf known; /* array literal of "site/provider" we can run */
	char keyring_path[4096];
	struct file_id keyring_id; /* of the keyring file this snapshot read */
	int refs;
};

struct daemon {
	const char *config_path;
	int verbose;
	struct ll_db db;          /* main thread: registry and schema */
	struct ll_lease lease;
	pthread_mutex_t lock;
	struct snapshot *current;
	struct file_id keyring_tried; /* a keyring version a reload was tried for */
	int busy;                 /* workers running a job */
	int64_t runs;
};

static struct daemon d;

static const struct ll_app *api_acquire(void **handle);
static void api_release(void *handle);
static const struct ll_api_hooks api_hooks = { api_acquire, api_release };

static void snapshot_free(struct snapshot *s)
{
	ll_buf_release(&s->known);
	ll_app_release(&s->app);
	free(s);
}

static struct snapshot *snapshot_acquire(void)
{
	struct snapshot *s;

	pthread_mutex_lock(&d.lock);
	s = d.current;
	s->refs++;
	pthread_mutex_unlock(&d.lock);
	return s;
}

static void snapshot_release(struct snapshot *s)
{
	int last;

	pthread_mutex_lock(&d.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&d.lock);
	if (last)
		snapshot_free(s);
}

static const struct ll_app *api_acquire(void **handle)
{
	struct snapshot *s = snapshot_acquire();

	*handle = s;
	return &s->app;
}

static void api_release(void *handle)
{
	snapshot_release(handle);
}

/* Load and check a configuration.  Providers already loaded by `prev`
 * are reused: they are never unloaded, so loading them again would only
 * hold another descriptor. */
static int snapshot_load(const struct snapshot *prev, struct snapshot **out)
{
	struct snapshot *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s)
		return LL_EXIT_RUNTIME;
	ll_app_init(&s->app);
	s->app.verbose = d.verbose;
	ll_buf_init(&s->known, (size_t)1 << 24);
	s->refs = 1;
	if (prev && ll_providers_copy(&s->app.providers, &prev->app.providers) < 0) {
		snapshot_free(s);
		return LL_EXIT_RUNTIME;
	}
	rc = ll_app_load_config(&s->app, d.config_path);
	if (rc == 0) {
		/* Taken before reading: a change while reading shows later. */
		ll_keyring_resolve_path(s->app.cfg.keyring, s->keyring_path, sizeof s->keyring_path);
		file_id_of(s->keyring_path, &s->keyring_id);
		rc = ll_app_load_keyring(&s->app);
	}
	if (rc == 0)
		rc = ll_app_check_credentials(&s->app, 0);
	if (rc == 0 && ll_config_integration_keys(&s->app.cfg, &s->known) < 0)
		rc = LL_EXIT_RUNTIME;
	if (rc != 0) {
		snapshot_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

static const struct ll_integration_conf *find_integration(const struct ll_config *cfg,
							  const struct ll_claim *c,
							  const struct ll_site_conf **site)
{
	*site = ll_config_site(cfg, c->site);
	for (size_t i = 0; *site && i < (*site)->n_integrations; i++)
		if (strcmp((*site)->integrations[i].provider, c->provider) == 0)
			return &(*site)->integrations[i];
	return NULL;
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Wait up to ms, waking early on stop. */
static void idle(int64_t ms)
{
	for (; ms > 0 && !stop_requested; ms -= 100)
		sleep_ms(ms < 100 ? ms : 100);
}

static void run_claim(struct ll_db *db, struct snapshot *s, const struct ll_claim *c)
{
	const struct ll_site_conf *site;
	const struct ll_integration_conf *ic = find_integration(&s->app.cfg, c, &site);
	struct ll_sync_options opt = { 0, &stop_requested, NULL, &d.lease };
	struct ll_sync_context ctx = { db, &s->app.cfg, &s->app.providers, s->app.keyring,
				       &s->app.rules };
	struct ll_sync_result res;
	int64_t interval, after, backoff;
	char err[512];

	memset(&res, 0, sizeof res);
	if (!ic) {
		res.status = LL_RUN_SKIPPED; /* left the file since it was claimed */
		interval = ll_host_setting(&s->app.cfg, NULL, LL_HS_SYNC_INTERVAL);
	} else {
		interval = ll_host_setting(&s->app.cfg, ic, LL_HS_SYNC_INTERVAL);
		ll_sync_integration(&ctx, site, ic, &opt, &res);
	}
	ll_sync_next_run(&s->app.cfg, interval, c->backoff_s, &res, &after, &backoff);
	if (res.status != LL_RUN_SUCCESS && res.status != LL_RUN_SKIPPED)
		ll_warning("%s/%s: %s: %s; next attempt in %" PRId64 " s", c->site, c->provider,
			   ll_run_status_name(res.status), res.error, after);
	/* The database may be restarting: keep trying to release the lease
	 * for a while, so the integration is not stuck until it expires. */
	for (int64_t wait_ms = 500, waited = 0;; waited += wait_ms, wait_ms *= 2) {
		if (ll_db_ensure(db, err, sizeof err) == 0 &&
		    ll_schedule_finish(db, &d.lease, c->integration_id,
				       ll_run_status_name(res.status), after, backoff, err,
				       sizeof err) == 0)
			break;
		if (stop_requested || waited > 30000) {
			ll_error("%s/%s: cannot release the lease (it expires by itself): %s",
				 c->site, c->provider, err);
			break;
		}
		idle(wait_ms);
	}
}

static void *worker_main(void *arg)
{
	struct ll_db db = { NULL };
	int64_t backoff_ms = 1000;
	char err[512];

	(void)arg;
	while (!stop_requested) {
		struct snapshot *s = snapshot_acquire();
		struct ll_claim claim;
		int got;

		if ((!db.conn && ll_db_connect(&db, s->app.cfg.database, err, sizeof err) < 0) ||
		    (db.conn && ll_db_ensure(&db, err, sizeof err) < 0)) {
			snapshot_release(s);
			ll_warning("worker: %s; retrying in %" PRId64 " ms", err, backoff_ms);
			idle(backoff_ms);
			backoff_ms = backoff_ms < 30000 ? backoff_ms * 2 : 30000;
			continue;
		}
		backoff_ms = 1000;
		got = ll_schedule_claim_due(&db, &d.lease, s->known.data, &claim, err, sizeof err);
		if (got < 0)
			ll_warning("worker: %s", err);
		if (got <= 0) {
			snapshot_release(s);
			idle(IDLE_POLL_MS + randombytes_uniform(250));
			continue;
		}
		pthread_mutex_lock(&d.lock);
		d.busy++;
		pthread_mutex_unlock(&d.lock);
		run_claim(&db, s, &claim);
		pthread_mutex_lock(&d.lock);
		d.busy--;
		d.runs++;
		pthread_mutex_unlock(&d.lock);
		snapshot_release(s);
	}
	ll_db_release(&db);
	return NULL;
}

static void reload(void)
{
	struct snapshot *fresh, *old = snapshot_acquire();
	char err[1024];

	ll_notify("RELOADING=1");
	ll_notice("reloading %s", d.config_path);
	if (snapshot_load(old, &fresh) != 0) {
		ll_error("reload: %s rejected, keeping the running configuration", d.config_path);
		snapshot_release(old);
		ll_notify("READY=1");
		return;
	}
	if (ll_db_ensure(&d.db, err, sizeof err) < 0 ||
	    ll_registry_reconcile(&d.db, &fresh->app.cfg, err, sizeof err) < 0)
		ll_error("reload: registry: %s (retried at the next reload)", err);
	else
		ll_token_warn_missing_keys(&d.db, fresh->app.keyring);
	pthread_mutex_lock(&d.lock);
	d.current = fresh;
	pthread_mutex_unlock(&d.lock);
	snapshot_release(old); /* our acquire */
	snapshot_release(old); /* the reference `current` held */
	ll_notice("reloaded: %zu site%s", fresh->app.cfg.n_sites,
		  fresh->app.cfg.n_sites == 1 ? "" : "s");
	ll_notify("READY=1");
}

/* Free leases of dead local processes (a previous instance killed). */
static void reap_local(void)
{
	char err[512];
	int n;

	if (ll_db_ensure(&d.db, err, sizeof err) < 0 ||
	    (n = ll_schedule_reap_local(&d.db, err, sizeof err)) < 0)
		ll_warning("lease reaping: %s", err);
	else if (n > 0)
		ll_notice("took over %d lease%s of a dead local process", n, n == 1 ? "" : "s");
}

static int start(struct snapshot **out)
{
	char err[1024];
	int rc = snapshot_load(NULL, out);

	if (rc)
		return rc;
	if (ll_db_connect(&d.db, (*out)->app.cfg.database, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_CONFIG; /* no READY without a database */
	}
	if (ll_check_schema(&d.db) != 0)
		return LL_EXIT_CONFIG;
	if (ll_registry_reconcile(&d.db, &(*out)->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_CONFIG;
	}
	reap_local();
	ll_token_warn_missing_keys(&d.db, (*out)->app.keyring);
	return 0;
}

/* A new key (vault keygen) or a retired one takes effect without a
 * SIGHUP: tokens created under a new key work at once. */
static int keyring_changed(void)
{
	struct file_id now;
	int changed;

	pthread_mutex_lock(&d.lock);
	file_id_of(d.current->keyring_path, &now);
	/* Once per version: a reload the file rejects is not retried in a loop. */
	changed = !file_id_same(&now, &d.current->keyring_id) &&
		  !file_id_same(&now, &d.keyring_tried);
	if (changed)
		d.keyring_tried = now;
	pthread_mutex_unlock(&d.lock);
	return changed;
}

static void main_loop(void)
{
	int64_t last_status = 0, last_key_check = 0;

	while (!stop_requested) {
		if (ll_monotonic_ms() - last_key_check >= 2000) {
			last_key_check = ll_monotonic_ms();
			if (keyring_changed()) {
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
			pthread_mutex_lock(&d.lock);
			snprintf(status, sizeof status, "STATUS=%d of %" PRId64 " workers syncing, %" PRId64
				 " runs done", d.busy, d.current->app.cfg.workers, d.runs);
			pthread_mutex_unlock(&d.lock);
			ll_notify(status);
			last_status = ll_monotonic_ms();
		}
		sleep_ms(200);
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
	struct snapshot *snap = NULL;
	struct ll_api *api = NULL;
	struct sigaction sa;
	sigset_t block, old;
	pthread_t *tids = NULL;
	int64_t n_workers = 0;
	int c, rc;

	memset(&d, 0, sizeof d);
	d.config_path = LL_DEFAULT_CONFIG;
	pthread_mutex_init(&d.lock, NULL);
	ll_log_init("leadledgerd");
	while ((c = getopt_long(argc, argv, "c:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': d.config_path = optarg; break;
		case 'f': break; /* always in the foreground: systemd supervises */
		case 'v': d.verbose = 1; break;
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
		d.current = snap;
		ll_lease_init(&d.lease, snap->app.cfg.lease_s);
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

			api = ll_api_start(&snap->app.cfg.api, snap->app.cfg.database, &api_hooks,
					   err, sizeof err);
			if (!api) {
				ll_error("%s", err);
				stop_requested = 1;
				n_workers = 0;
				rc = LL_EXIT_CONFIG;
			}
		}
		for (int64_t i = 0; i < n_workers; i++)
			if (pthread_create(&tids[i], NULL, worker_main, NULL) != 0) {
				ll_error("cannot start worker %" PRId64, i);
				stop_requested = 1;
				n_workers = i;
				rc = LL_EXIT_RUNTIME;
			}
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (rc == LL_EXIT_OK) {
			ll_notice("started as %s with %" PRId64 " workers, %zu site%s", d.lease.owner,
				  n_workers, snap->app.cfg.n_sites, snap->app.cfg.n_sites == 1 ? "" : "s");
			ll_notify("READY=1\nSTATUS=started");
			main_loop();
			ll_notify("STOPPING=1");
			ll_notice("stopping: waiting for running pages to commit");
		}
		ll_api_free(api); /* answers the requests in flight first */
		if (stop_workers(tids, n_workers, d.current->app.cfg.shutdown_timeout_s) < 0)
			_exit(LL_EXIT_RUNTIME);
		ll_notice("stopped");
		snap = d.current;
	}
	free(tids);
	if (snap)
		snapshot_release(snap);
	ll_db_release(&d.db);
	ll_http_global_cleanup();
	pthread_mutex_destroy(&d.lock);
	return rc;
}
