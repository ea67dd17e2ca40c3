#include "sync/schedule.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/timeutil.h"

static void host_name(char *host, size_t len)
{
	snprintf(host, len, "localhost");
	if (gethostname(host, len - 1) < 0)
		snprintf(host, len, "localhost");
	host[len - 1] = '\0';
}

int ll_schedule_reap_local(struct ll_db *db, char *err, size_t errlen)
{
	char host[64], prefix[80];
	const char *params[] = { prefix, NULL };
	PGresult *res;
	int freed = 0;

	host_name(host, sizeof host);
	snprintf(prefix, sizeof prefix, "%s:", host);
	res = ll_db_query(db, "SELECT DISTINCT lease_owner FROM site_integrations "
			  "WHERE lease_until > now() AND starts_with(lease_owner, $1)",
			  1, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *owner = PQgetvalue(res, i, 0);
		long pid = strtol(owner + strlen(prefix), NULL, 10);
		int64_t n;

		if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		params[1] = owner;
		n = ll_db_exec_count(db, "UPDATE site_integrations SET lease_owner = NULL, lease_until = NULL "
				     "WHERE lease_owner = $2 AND starts_with(lease_owner, $1)",
				     2, params, err, errlen);
		if (n < 0) {
			PQclear(res);
			return -1;
		}
		freed += (int)n;
	}
	PQclear(res);
	return freed;
}

void ll_lease_init(struct ll_lease *l, int64_t seconds)
{
	char host[64];

	host_name(host, sizeof host);
	snprintf(l->owner, sizeof l->owner, "%s:%ld:%08x", host, (long)getpid(),
		 randombytes_random());
	l->seconds = seconds;
}

/* Both claims take the lease the same way: $1 owner, $2 seconds. */
#define TAKE_LEASE \
	"lease_owner = $1, lease_until = now() + make_interval(secs => $2::bigint), " \
	"last_run_at = now() "
#define CLAIM_RETURNING "RETURNING i.id, i.site_id, i.provider, i.backoff_s"

static int read_claim(PGresult *res, struct ll_claim *out)
{
	if (PQntuples(res) == 0)
		return 0;
	out->integration_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	snprintf(out->site, sizeof out->site, "%s", PQgetvalue(res, 0, 1));
	snprintf(out->provider, sizeof out->provider, "%s", PQgetvalue(res, 0, 2));
	out->backoff_s = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
	return 1;
}

void ll_known_set_release(struct ll_known_set *ks)
{
	free(ks->loaded);
	ks->loaded = NULL;
}

static int known_load(struct ll_db *db, const char *known, struct ll_known_set *ks, char *err,
		      size_t errlen)
{
	const char *params[] = { known };
	char *copy;

	if ((db->session_objects & LL_DB_SESSION_KNOWN) && ks->loaded &&
	    strcmp(ks->loaded, known) == 0)
		return 0;
	if (!(copy = strdup(known))) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* ANALYZE: the planner then probes ll_known by key, row by row, in
	 * the claim's next_run_at order. */
	if (ll_db_exec(db, "CREATE TEMP TABLE IF NOT EXISTS ll_known (key text PRIMARY KEY)",
		       0, NULL, err, errlen) < 0 ||
	    ll_db_exec(db, "TRUNCATE ll_known", 0, NULL, err, errlen) < 0 ||
	    ll_db_exec(db, "INSERT INTO ll_known SELECT DISTINCT unnest($1::text[])", 1, params,
		       err, errlen) < 0 ||
	    ll_db_exec(db, "ANALYZE ll_known", 0, NULL, err, errlen) < 0) {
		db->session_objects &= ~(unsigned)LL_DB_SESSION_KNOWN; /* half-loaded */
		free(copy);
		return -1;
	}
	free(ks->loaded);
	ks->loaded = copy;
	db->session_objects |= LL_DB_SESSION_KNOWN;
	return 0;
}

int ll_schedule_claim_due(struct ll_db *db, const struct ll_lease *l, const char *known,
			  struct ll_known_set *ks, struct ll_claim *out, char *err,
			  size_t errlen)
{
	char secs[24];
	const char *params[] = { l->owner, secs };
	PGresult *res;
	int rc;

	if (known_load(db, known, ks, err, errlen) < 0)
		return -1;
	snprintf(secs, sizeof secs, "%" PRId64, l->seconds);
	res = ll_db_query(db,
			  "UPDATE site_integrations i SET " TAKE_LEASE
			  "WHERE i.id = (SELECT c.id FROM site_integrations c JOIN sites s ON s.id = c.site_id "
			  "  WHERE c.enabled AND NOT c.needs_attention AND s.plan = 'elite' "
			  "  AND c.next_run_at <= now() "
			  "  AND (c.lease_until IS NULL OR c.lease_until < now()) "
			  "  AND EXISTS (SELECT 1 FROM ll_known k "
			  "   WHERE k.key = c.site_id || '/' || c.provider) "
			  "  ORDER BY c.next_run_at FOR UPDATE OF c SKIP LOCKED LIMIT 1) "
			  CLAIM_RETURNING,
			  2, params, err, errlen);
	if (!res)
		return -1;
	rc = read_claim(res, out);
	PQclear(res);
	return rc;
}

int ll_schedule_claim(struct ll_db *db, const struct ll_lease *l, const char *site,
		      const char *provider, struct ll_claim *out, char *busy_by,
		      size_t busy_len, char *err, size_t errlen)
{
	char secs[24];
	const char *params[] = { l->owner, secs, site, provider };
	PGresult *res;
	int rc;

	snprintf(secs, sizeof secs, "%" PRId64, l->seconds);
	res = ll_db_query(db,
			  "UPDATE site_integrations i SET " TAKE_LEASE
			  "WHERE site_id = $3 AND provider = $4 "
			  "AND (lease_until IS NULL OR lease_until < now() OR lease_owner = $1) "
			  CLAIM_RETURNING, 4, params, err, errlen);
	if (!res)
		return -1;
	rc = read_claim(res, out);
	PQclear(res);
	if (rc == 0) {
		res = ll_db_query(db, "SELECT coalesce(lease_owner, '') FROM site_integrations "
				  "WHERE site_id = $3 AND provider = $4 AND $1::text IS NOT NULL "
				  "AND $2::text IS NOT NULL", 4, params, err, errlen);
		if (!res)
			return -1;
		snprintf(busy_by, busy_len, "%s", PQntuples(res) ? PQgetvalue(res, 0, 0) : "");
		PQclear(res);
	}
	return rc;
}

void ll_lease_hold_init(struct ll_lease_hold *h, const struct ll_lease *l,
			int64_t integration_id)
{
	h->lease = l;
	h->integration_id = integration_id;
	h->renewed_ms = ll_monotonic_ms();
}

int ll_schedule_renew(struct ll_db *db, struct ll_lease_hold *h, char *err, size_t errlen)
{
	char id[24], secs[24];
	const char *params[] = { id, NULL, secs };
	int64_t n, now = ll_monotonic_ms();

	if (!h->lease || now - h->renewed_ms < h->lease->seconds * 1000 / 8)
		return 0;
	params[1] = h->lease->owner;
	snprintf(id, sizeof id, "%" PRId64, h->integration_id);
	snprintf(secs, sizeof secs, "%" PRId64, h->lease->seconds);
	n = ll_db_exec_count(db,
			     "UPDATE site_integrations SET lease_until = now() + make_interval(secs => $3::bigint) "
			     "WHERE id = $1 AND lease_owner = $2", 3, params, err, errlen);
	if (n < 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "lease lost: another instance took this integration over");
		return -1;
	}
	h->renewed_ms = now;
	return 0;
}

int ll_schedule_finish(struct ll_db *db, const struct ll_lease *l,
		       int64_t integration_id, const char *status,
		       int64_t after_s, int64_t backoff_s, int64_t history_days,
		       char *err, size_t errlen)
{
	char id[24], after[24], backoff[24], days[24];
	const char *params[] = { id, l->owner, after, backoff, status, days };

	snprintf(id, sizeof id, "%" PRId64, integration_id);
	snprintf(after, sizeof after, "%" PRId64, after_s);
	snprintf(backoff, sizeof backoff, "%" PRId64, backoff_s);
	snprintf(days, sizeof days, "%" PRId64, history_days);
	return ll_db_exec(db,
			  "WITH pruned AS (DELETE FROM sync_runs r WHERE r.integration_id = $1 "
			  " AND r.status <> 'running' "
			  " AND r.finished_at < now() - make_interval(days => $6::int) "
			  " AND r.started_at < (SELECT max(x.started_at) FROM sync_runs x "
			  "  WHERE x.integration_id = r.integration_id AND x.stream = r.stream)) "
			  "UPDATE site_integrations SET lease_owner = NULL, lease_until = NULL, "
			  " next_run_at = now() + make_interval(secs => $3::bigint), "
			  " backoff_s = $4::int, last_run_status = $5 "
			  "WHERE id = $1 AND lease_owner = $2", 6, params, err, errlen);
}
