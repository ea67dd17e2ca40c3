#include "store/employees.h"

#include <inttypes.h>
#include <stdio.h>

static int add_employees(struct ll_db *db, int64_t integration_id, struct ll_rules *rules,
			 char *err, size_t errlen)
{
	char iid[24];
	const char *params[] = { iid };
	PGresult *res;
	int rc = 0;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	res = ll_db_query(db, "SELECT first_name, last_name FROM employees "
			  "WHERE integration_id = $1 AND first_name IS NOT NULL "
			  "AND vanished_at IS NULL AND NOT deleted",
			  1, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res) && rc == 0; i++)
		rc = ll_rules_add_employee(rules, PQgetvalue(res, i, 0),
					   PQgetisnull(res, i, 1) ? NULL : PQgetvalue(res, i, 1));
	PQclear(res);
	if (rc < 0)
		snprintf(err, errlen, "out of memory");
	return rc;
}

int ll_integration_rules(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t integration_id,
			 struct ll_rules *out, char *err, size_t errlen)
{
	ll_rules_init(out);
	if (ll_rules_append(out, &site->overrides) < 0 || ll_rules_append(out, defaults) < 0) {
		snprintf(err, errlen, "out of memory");
		ll_rules_release(out);
		return -1;
	}
	if (add_employees(db, integration_id, out, err, errlen) < 0) {
		ll_rules_release(out);
		return -1;
	}
	return 0;
}
