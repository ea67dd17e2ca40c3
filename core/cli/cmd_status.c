/* leadledger status: sync state per integration and stream (status.h). */
#include <getopt.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

#include "cli/cli.h"
#include "report/report.h"
#include "report/status.h"
#include "util/log.h"

static const char *str(struct json_object *o, const char *key)
{
	return json_object_get_string(json_object_object_get(o, key));
}

static int64_t num(struct json_object *o, const char *key)
{
	return json_object_get_int64(json_object_object_get(o, key));
}

static void print_row(struct json_object *o)
{
	char who[160], age[24] = "-";
	const char *error = str(o, "last_error"), *reason = str(o, "needs_attention");

	snprintf(who, sizeof who, "%s/%s", str(o, "site"), str(o, "provider"));
	if (json_object_object_get(o, "age_seconds"))
		snprintf(age, sizeof age, "%" PRId64, num(o, "age_seconds"));
	printf("%-32.32s %-13s %-10s %-20s %8s %-6s %8" PRId64 " %8" PRId64
	       " %" PRId64 "/%" PRId64 "/%" PRId64 "/%" PRId64 ", %s%s%s%s%s\n",
	       who, str(o, "stream")[0] ? str(o, "stream") : "-", str(o, "state"),
	       str(o, "last_success")[0] ? str(o, "last_success") : "never", age,
	       json_object_get_boolean(json_object_object_get(o, "stale")) ? "STALE" : "yes",
	       num(o, "next_run_in_seconds"), num(o, "backoff_seconds"), num(o, "jobs"),
	       num(o, "customers"), num(o, "estimates"), num(o, "employees"),
	       str(o, "last_run")[0] ? str(o, "last_run") : "no run",
	       error[0] ? ", error: " : "", error, reason[0] ? ", needs attention: " : "", reason);
}

int ll_cmd_status(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	enum ll_report_format fmt = LL_FORMAT_TABLE;
	struct json_object *arr;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "F:", opts, NULL)) != -1) {
		if (c != 'F')
			return LL_EXIT_USAGE;
		if (ll_report_parse_format(optarg, &fmt) < 0 || fmt == LL_FORMAT_CSV) {
			ll_error("--format must be table or json, not '%s'", optarg);
			return LL_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_connect(&cli->app)))
		return rc;
	arr = ll_status_json(&cli->app.db, NULL, err, sizeof err);
	if (!arr) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (fmt == LL_FORMAT_JSON) {
		printf("%s\n", json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE));
	} else {
		printf("%-32s %-13s %-10s %-20s %8s %-6s %8s %8s %s\n", "site/provider", "stream",
		       "state", "last success", "age(s)", "fresh", "next(s)", "backoff",
		       "rows (jobs/customers/estimates/employees), last run, error");
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			print_row(json_object_array_get_idx(arr, i));
	}
	json_object_put(arr);
	return LL_EXIT_OK;
}
