#include "daemon/daemon.h"

#include <inttypes.h>
#include <sodium.h>
#include <string.h>

#include "sync/job.h"
#include "util/log.h"
#include "util/timeutil.h"

#define IDLE_POLL_MS 1000

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

static void run_claim(struct ll_db *db, struct ll_snapshot *s, const struct ll_claim *c)
{
	const struct ll_site_conf *site;
	const struct ll_integration_conf *ic = find_integration(&s->app.cfg, c, &site);
	struct ll_sync_options opt = { 0, &ll_daemon_stop, NULL, &ll_daemon.lease };
	struct ll_sync_context ctx = { db, &s->app.cfg, &s->app.providers, s->app.keyring,
				       &s->app.rules };
	struct ll_sync_result res;

	ll_job_run(&ctx, site, ic, c, &opt, &res);
}

/* Each worker has its own database connection, reconnected with backoff. */
void *ll_worker_main(void *arg)
{
	struct ll_db db = { NULL, 0 };
	struct ll_known_set known = { NULL };
	int64_t backoff_ms = 1000;
	char err[512];

	(void)arg;
	while (!ll_daemon_stop) {
		struct ll_snapshot *s = ll_snapshot_acquire();
		struct ll_claim claim;
		int got;

		if ((!db.conn && ll_db_connect(&db, s->app.cfg.database, err, sizeof err) < 0) ||
		    (db.conn && ll_db_ensure(&db, err, sizeof err) < 0)) {
			ll_snapshot_release(s);
			ll_warning("worker: %s; retrying in %" PRId64 " ms", err, backoff_ms);
			ll_sleep_ms(backoff_ms, &ll_daemon_stop);
			backoff_ms = backoff_ms < 30000 ? backoff_ms * 2 : 30000;
			continue;
		}
		backoff_ms = 1000;
		got = ll_schedule_claim_due(&db, &ll_daemon.lease, s->known.data, &known, &claim,
					    err, sizeof err);
		if (got < 0)
			ll_warning("worker: %s", err);
		if (got <= 0) {
			ll_snapshot_release(s);
			ll_sleep_ms(IDLE_POLL_MS + randombytes_uniform(250), &ll_daemon_stop);
			continue;
		}
		pthread_mutex_lock(&ll_daemon.lock);
		ll_daemon.busy++;
		pthread_mutex_unlock(&ll_daemon.lock);
		run_claim(&db, s, &claim);
		pthread_mutex_lock(&ll_daemon.lock);
		ll_daemon.busy--;
		ll_daemon.runs++;
		pthread_mutex_unlock(&ll_daemon.lock);
		ll_snapshot_release(s);
	}
	ll_known_set_release(&known);
	ll_db_release(&db);
	return NULL;
}
