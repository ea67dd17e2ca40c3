#include "store/recategorize.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/employees.h"

static int recategorize_table(struct ll_db *db, const char *table, const char *iid,
			      const struct ll_rules *rules, int64_t *changed,
			      char *err, size_t errlen)
{
	char sql[512];
	const char *params[3] = { iid };
	PGresult *res;
	int rc = 0;

	snprintf(sql, sizeof sql, "SELECT DISTINCT lead_source_raw FROM %s "
		 "WHERE integration_id = $1", table);
	res = ll_db_query(db, sql, 1, params, err, errlen);
	if (!res)
		return -1;
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET lead_source_category = $3 WHERE integration_id = $1 "
		 "AND lead_source_raw IS NOT DISTINCT FROM $2 AND lead_source_category <> $3",
		 table);
	for (int i = 0; i < PQntuples(res) && rc == 0; i++) {
		const char *raw = PQgetisnull(res, i, 0) ? NULL : PQgetvalue(res, i, 0);
		int64_t n;

		params[1] = raw;
		params[2] = ll_channel_name(ll_rules_classify(rules, raw));
		n = ll_db_exec_count(db, sql, 3, params, err, errlen);
		if (n < 0) {
			rc = -1;
			break;
		}
		*changed += n;
	}
	PQclear(res);
	return rc;
}

int ll_recategorize_site(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t *changed,
			 char *err, size_t errlen)
{
	static const char *const tables[] = { "jobs", "customers", "estimates" };
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
		for (size_t t = 0; rc == 0 && t < 3; t++)
			rc = recategorize_table(db, tables[t], PQgetvalue(ids, i, 0), &rules,
						changed, err, errlen);
		ll_rules_release(&rules);
	}
	PQclear(ids);
	if (rc == 0)
		return ll_db_commit(db, err, errlen);
	ll_db_rollback(db);
	return -1;
}
