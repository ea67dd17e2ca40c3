#include "store/recategorize.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/derive.h"
#include "store/employees.h"
#include "store/store.h"

static int recategorize_table(struct ll_db *db, const char *table, const char *iid,
			      const struct ll_rules *rules, int64_t *changed,
			      char *err, size_t errlen)
{
	char sql[512];
	const char *params[4] = { iid };
	PGresult *res;
	int rc = 0;

	snprintf(sql, sizeof sql, "SELECT DISTINCT lead_source_raw, lead_source_alt FROM %s "
		 "WHERE integration_id = $1", table);
	res = ll_db_query(db, sql, 1, params, err, errlen);
	if (!res)
		return -1;
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET lead_source_category = $3 WHERE integration_id = $1 "
		 "AND lead_source_raw IS NOT DISTINCT FROM $2 "
		 "AND lead_source_alt IS NOT DISTINCT FROM $4 AND lead_source_category <> $3",
		 table);
	for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
		const char *raw = PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0);
		const char *alt = PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1);
		int64_t n;

		params[1] = raw;
		params[2] = ll_channel_name(ll_derive_channel(rules, raw, alt));
		params[3] = alt;
		n = ll_db_exec_count(db, sql, 4, params, err, errlen);
		if (n < 0) {
			rc = -1;
			break;
		}
		*changed += n;
	}
	PQclear(res);
	return rc;
}

/* Every table whose rows carry a lead source (those that lend one or
 * derive one), then the mark cleared.  Inside the caller's transaction. */
static int recategorize_integration(struct ll_db *db, const char *iid,
				    const struct ll_rules *rules, int64_t *changed, char *err,
				    size_t errlen)
{
	const char *params[] = { iid };

	for (int e = 0; ll_entity_table((enum ll_entity)e); e++) {
		if (!ll_entity_lends((enum ll_entity)e) && !ll_entity_depends((enum ll_entity)e))
			continue;
		if (recategorize_table(db, ll_entity_table((enum ll_entity)e), iid, rules, changed,
				       err, errlen) < 0)
			return -1;
	}
	return ll_db_exec(db, "UPDATE site_integrations SET rechannel_pending = false "
			  "WHERE id = $1 AND rechannel_pending", 1, params, err, errlen);
}

int ll_recategorize_site(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t *changed,
			 char *err, size_t errlen)
{
	const char *params[] = { site->id };
	PGresult *ids;
	int rc = 0;

	*changed = 0;
	ids = ll_db_query(db, "SELECT id FROM site_integrations WHERE site_id = $1",
			  1, params, err, errlen);
	if (!ids)
		return -1;
	if (ll_db_begin(db, err, errlen) < 0) {
		PQclear(ids);
		return -1;
	}
	for (int i = 0; i < PQntuples(ids) && rc == 0; i++) {
		struct ll_rules rules;
		int64_t iid = strtoll(PQgetvalue(ids, i, 0), NULL, 10);

		if (ll_integration_rules(db, site, defaults, iid, &rules, err, errlen) < 0) {
			rc = -1;
			break;
		}
		rc = recategorize_integration(db, PQgetvalue(ids, i, 0), &rules, changed, err,
					      errlen);
		ll_rules_release(&rules);
	}
	PQclear(ids);
	if (rc == 0)
		return ll_db_commit(db, err, errlen);
	ll_db_rollback(db);
	return -1;
}

int ll_recategorize_mark(struct ll_db *db, int64_t integration_id, char *err, size_t errlen)
{
	char iid[24];
	const char *params[] = { iid };

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	return ll_db_exec(db, "UPDATE site_integrations SET rechannel_pending = true "
			  "WHERE id = $1 AND NOT rechannel_pending", 1, params, err, errlen);
}

int ll_recategorize_pending(struct ll_db *db, int64_t integration_id,
			    const struct ll_rules *rules, int64_t *changed, char *err,
			    size_t errlen)
{
	char iid[24];
	const char *params[] = { iid };
	PGresult *res;
	int marked;

	*changed = 0;
	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	if (ll_db_begin(db, err, errlen) < 0)
		return -1;
	/* FOR UPDATE: a second instance re-deriving at once waits, then
	 * finds the mark cleared. */
	res = ll_db_query(db, "SELECT rechannel_pending FROM site_integrations WHERE id = $1 "
			  "FOR UPDATE", 1, params, err, errlen);
	if (!res) {
		ll_db_rollback(db);
		return -1;
	}
	marked = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (marked && recategorize_integration(db, iid, rules, changed, err, errlen) < 0) {
		ll_db_rollback(db);
		return -1;
	}
	return ll_db_commit(db, err, errlen);
}
