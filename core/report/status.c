#include "report/status.h"

#include <stdlib.h>
#include <string.h>

#define STATUS_SQL \
	"SELECT i.site_id, i.provider, i.enabled, i.needs_attention, " \
	" coalesce(i.attention_reason, ''), coalesce(s.stream, ''), " \
	" coalesce(to_char(s.last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), " \
	" coalesce(extract(epoch FROM now() - s.last_success_at)::bigint::text, ''), " \
	" " LL_SQL_STALE ", " \
	" coalesce(s.last_error, ''), coalesce(s.run_mode, ''), " \
	" (SELECT count(*) FROM jobs x WHERE x.integration_id = i.id AND x.vanished_at IS NULL), " \
	" (SELECT count(*) FROM customers x WHERE x.integration_id = i.id AND x.vanished_at IS NULL), " \
	" (SELECT count(*) FROM estimates x WHERE x.integration_id = i.id AND x.vanished_at IS NULL), " \
	" (SELECT count(*) FROM employees x WHERE x.integration_id = i.id AND x.vanished_at IS NULL), " \
	" coalesce(s.last_run, ''), " \
	" greatest(0, extract(epoch FROM i.next_run_at - now()))::bigint, i.backoff_s, " \
	" CASE WHEN i.lease_until > now() THEN i.lease_owner ELSE '' END, i.needs_reconnect " \
	"FROM site_integrations i LEFT JOIN sync_state s ON s.integration_id = i.id " \
	"WHERE $1::text IS NULL OR i.site_id = $1 " \
	"ORDER BY i.site_id, i.provider, s.stream"

enum { C_SITE, C_PROV, C_ENABLED, C_ATTN, C_REASON, C_STREAM, C_SUCCESS, C_AGE, C_STALE,
       C_ERROR, C_RUNMODE, C_JOBS, C_CUST, C_EST, C_EMP, C_LASTRUN, C_NEXT, C_BACKOFF,
       C_RUNNING, C_RECONNECT, C_COUNT };

static void add_string(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_int(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_int64(strtoll(v, NULL, 10)));
}

static struct json_object *row_json(PGresult *res, int i)
{
	const char *v[C_COUNT];
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (int k = 0; k < C_COUNT; k++)
		v[k] = PQgetvalue(res, i, k);
	add_string(o, "site", v[C_SITE]);
	add_string(o, "provider", v[C_PROV]);
	add_string(o, "stream", v[C_STREAM]);
	add_string(o, "state", strcmp(v[C_ENABLED], "t") ? "disabled"
			       : strcmp(v[C_RECONNECT], "t") == 0 ? "reconnect"
			       : strcmp(v[C_ATTN], "t") == 0 ? "attention"
			       : v[C_RUNNING][0] ? "running"
			       : v[C_RUNMODE][0] ? "resumable" : "ok");
	add_string(o, "needs_attention", v[C_REASON]);
	add_string(o, "last_success", v[C_SUCCESS]);
	if (v[C_AGE][0])
		add_int(o, "age_seconds", v[C_AGE]);
	else
		json_object_object_add(o, "age_seconds", NULL);
	json_object_object_add(o, "stale", json_object_new_boolean(strcmp(v[C_STALE], "t") == 0));
	add_int(o, "jobs", v[C_JOBS]);
	add_int(o, "customers", v[C_CUST]);
	add_int(o, "estimates", v[C_EST]);
	add_int(o, "employees", v[C_EMP]);
	add_string(o, "last_run", v[C_LASTRUN]);
	add_string(o, "last_error", v[C_ERROR]);
	add_int(o, "next_run_in_seconds", v[C_NEXT]);
	add_int(o, "backoff_seconds", v[C_BACKOFF]);
	add_string(o, "running_on", v[C_RUNNING]);
	return o;
}

struct json_object *ll_status_json(struct ll_db *db, const char *site, char *err,
				   size_t errlen)
{
	const char *params[] = { site };
	struct json_object *arr;
	PGresult *res = ll_db_query(db, STATUS_SQL, 1, params, err, errlen);

	if (!res)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; arr && i < PQntuples(res); i++) {
		struct json_object *o = row_json(res, i);

		if (!o || json_object_array_add(arr, o) < 0) {
			json_object_put(o);
			json_object_put(arr);
			arr = NULL;
		}
	}
	PQclear(res);
	if (!arr)
		snprintf(err, errlen, "out of memory");
	return arr;
}
