/* leadledger status: sync state per integration and stream. */
#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "report.h"

#define STATUS_SQL \
	"SELECT i.site_id, i.provider, i.enabled, i.needs_attention, " \
	" coalesce(i.attention_reason, ''), coalesce(s.stream, ''), " \
	" coalesce(to_char(s.last_success_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), ''), " \
	" coalesce(extract(epoch FROM now() - s.last_success_at)::bigint::text, ''), " \
	" coalesce(s.last_error, ''), coalesce(s.run_mode, ''), " \
	" (SELECT count(*) FROM jobs WHERE integration_id = i.id), " \
	" (SELECT count(*) FROM customers WHERE integration_id = i.id), " \
	" (SELECT count(*) FROM estimates WHERE integration_id = i.id), " \
	" (SELECT count(*) FROM employees WHERE integration_id = i.id), " \
	" coalesce((SELECT r.status || coalesce(': ' || r.flag, '') FROM sync_runs r " \
	"   WHERE r.integration_id = i.id AND r.stream = s.stream ORDER BY r.id DESC LIMIT 1), ''), " \
	" greatest(0, extract(epoch FROM i.next_run_at - now()))::bigint, i.backoff_s, " \
	" CASE WHEN i.lease_until > now() THEN i.lease_owner ELSE '' END " \
	"FROM site_integrations i LEFT JOIN sync_state s ON s.integration_id = i.id " \
	"ORDER BY i.site_id, i.provider, s.stream"

enum { C_SITE, C_PROV, C_ENABLED, C_ATTN, C_REASON, C_STREAM, C_SUCCESS, C_AGE,
       C_ERROR, C_RUNMODE, C_JOBS, C_CUST, C_EST, C_EMP, C_LASTRUN, C_NEXT, C_BACKOFF,
       C_RUNNING, C_COUNT };

/* Data older than twice the interval is stale (design brief). */
static int stale(const struct ll_config *cfg, const char *site, const char *provider,
		 const char *age)
{
	const struct ll_site_conf *s = ll_config_site(cfg, site);
	int64_t interval = cfg->sync_interval;

	for (size_t j = 0; s && j < s->n_integrations; j++)
		if (strcmp(s->integrations[j].provider, provider) == 0)
			interval = ll_integration_host_int(cfg, &s->integrations[j], "sync_interval");
	return !age[0] || strtoll(age, NULL, 10) > 2 * interval;
}

int ll_cmd_status(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	enum ll_report_format fmt = LL_FORMAT_TABLE;
	struct json_object *arr = NULL;
	char err[1024];
	PGresult *res;
	int c, rc;

	while ((c = getopt_long(argc, argv, "F:", opts, NULL)) != -1) {
		if (c != 'F' || ll_report_parse_format(optarg, &fmt) < 0 || fmt == LL_FORMAT_CSV)
			return LL_EXIT_USAGE;
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_connect(&cli->app)))
		return rc;
	res = ll_db_query(&cli->app.db, STATUS_SQL, 0, NULL, err, sizeof err);
	if (!res) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (fmt == LL_FORMAT_JSON)
		arr = json_object_new_array();
	else
		printf("%-32s %-13s %-10s %-20s %8s %-6s %8s %8s %s\n", "site/provider", "stream",
		       "state", "last success", "age(s)", "fresh", "next(s)", "backoff",
		       "rows (jobs/customers/estimates/employees), last run, error");
	for (int i = 0; i < PQntuples(res); i++) {
		const char *v[C_COUNT];
		const char *state;
		int is_stale;

		for (int k = 0; k < C_COUNT; k++)
			v[k] = PQgetvalue(res, i, k);
		is_stale = stale(&cli->app.cfg, v[C_SITE], v[C_PROV], v[C_AGE]);
		state = strcmp(v[C_ENABLED], "t") ? "disabled"
			: strcmp(v[C_ATTN], "t") == 0 ? "attention"
			: v[C_RUNNING][0] ? "running"
			: v[C_RUNMODE][0] ? "resumable" : "ok";
		if (arr) {
			struct json_object *o = json_object_new_object();

			json_object_object_add(o, "site", json_object_new_string(v[C_SITE]));
			json_object_object_add(o, "provider", json_object_new_string(v[C_PROV]));
			json_object_object_add(o, "stream", json_object_new_string(v[C_STREAM]));
			json_object_object_add(o, "state", json_object_new_string(state));
			json_object_object_add(o, "needs_attention", json_object_new_string(v[C_REASON]));
			json_object_object_add(o, "last_success", json_object_new_string(v[C_SUCCESS]));
			json_object_object_add(o, "age_seconds", v[C_AGE][0]
					       ? json_object_new_int64(strtoll(v[C_AGE], NULL, 10)) : NULL);
			json_object_object_add(o, "stale", json_object_new_boolean(is_stale));
			json_object_object_add(o, "jobs", json_object_new_int64(strtoll(v[C_JOBS], NULL, 10)));
			json_object_object_add(o, "customers", json_object_new_int64(strtoll(v[C_CUST], NULL, 10)));
			json_object_object_add(o, "estimates", json_object_new_int64(strtoll(v[C_EST], NULL, 10)));
			json_object_object_add(o, "employees", json_object_new_int64(strtoll(v[C_EMP], NULL, 10)));
			json_object_object_add(o, "last_run", json_object_new_string(v[C_LASTRUN]));
			json_object_object_add(o, "last_error", json_object_new_string(v[C_ERROR]));
			json_object_object_add(o, "next_run_in_seconds",
					       json_object_new_int64(strtoll(v[C_NEXT], NULL, 10)));
			json_object_object_add(o, "backoff_seconds",
					       json_object_new_int64(strtoll(v[C_BACKOFF], NULL, 10)));
			json_object_object_add(o, "running_on", json_object_new_string(v[C_RUNNING]));
			json_object_array_add(arr, o);
			continue;
		}
		char who[160];

		snprintf(who, sizeof who, "%s/%s", v[C_SITE], v[C_PROV]);
		printf("%-32.32s %-13s %-10s %-20s %8s %-6s %8s %8s %s/%s/%s/%s, %s%s%s%s%s\n",
		       who, v[C_STREAM][0] ? v[C_STREAM] : "-", state,
		       v[C_SUCCESS][0] ? v[C_SUCCESS] : "never", v[C_AGE][0] ? v[C_AGE] : "-",
		       is_stale ? "STALE" : "yes", v[C_NEXT], v[C_BACKOFF], v[C_JOBS], v[C_CUST], v[C_EST], v[C_EMP],
		       v[C_LASTRUN][0] ? v[C_LASTRUN] : "no run",
		       v[C_ERROR][0] ? ", error: " : "", v[C_ERROR],
		       v[C_REASON][0] ? ", needs attention: " : "", v[C_REASON]);
	}
	if (arr) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	}
	PQclear(res);
	return LL_EXIT_OK;
}
