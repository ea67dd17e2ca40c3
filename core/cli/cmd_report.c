/* leadledger report: revenue, jobs and attribution per channel over a window. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "util/log.h"
#include "util/number.h"

int ll_cmd_report(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "unknown", no_argument, NULL, 'u' },
		{ "model", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site_id = NULL, *from = NULL, *to = NULL, *days_s = NULL;
	enum ll_report_format fmt = LL_FORMAT_TABLE;
	enum ll_report_model model = LL_MODEL_LAST;
	const struct ll_site_conf *site;
	struct ll_report r;
	int c, rc, unknown = 0;
	int64_t days = 0;
	char err[1024];

	while ((c = getopt_long(argc, argv, "s:d:f:t:F:um:", opts, NULL)) != -1) {
		switch (c) {
		case 's': site_id = optarg; break;
		case 'd': days_s = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'u': unknown = 1; break;
		case 'm':
			if (ll_report_parse_model(optarg, &model) < 0) {
				ll_error("--model must be last or first, not '%s'", optarg);
				return LL_EXIT_USAGE;
			}
			break;
		case 'F':
			if (ll_report_parse_format(optarg, &fmt) < 0) {
				ll_error("--format must be table, json or csv, not '%s'", optarg);
				return LL_EXIT_USAGE;
			}
			break;
		default: return LL_EXIT_USAGE;
		}
	}
	if (optind != argc || !site_id || (days_s && (from || to)) ||
	    (!days_s && !(from && to))) {
		ll_error("report needs --site ID and either --days N or --from DATE --to DATE");
		return LL_EXIT_USAGE;
	}
	if (days_s && ll_report_parse_days(days_s, &days) < 0) {
		ll_error("--days must be " LL_REPORT_DAYS_RULE);
		return LL_EXIT_USAGE;
	}
	if (from && ll_report_check_dates(from, to) < 0) {
		ll_error("--from and --to must be " LL_REPORT_DATES_RULE);
		return LL_EXIT_USAGE;
	}
	if ((rc = ll_cli_need_db(cli)))
		return rc;
	if ((rc = ll_cli_site(cli, site_id, &site)))
		return rc;
	if (!ll_site_featured(site)) {
		ll_error("%s: plan '%s' does not include lead-source reporting (plan '%s' does)",
			 site->id, site->plan, LL_PLAN_FEATURED);
		return LL_EXIT_RUNTIME;
	}
	memset(&r, 0, sizeof r);
	r.site = site->id;
	r.site_name = site->name;
	r.timezone = site->timezone;
	r.model = model;
	if (days_s) {
		if (ll_report_days_window(&cli->app.db, site->timezone, days, r.from, r.to,
					  err, sizeof err) < 0) {
			ll_error("%s", err);
			return LL_EXIT_RUNTIME;
		}
	} else {
		snprintf(r.from, sizeof r.from, "%s", from);
		snprintf(r.to, sizeof r.to, "%s", to);
	}
	if (unknown) {
		struct json_object *u = ll_report_unknown_json(&cli->app.db, &r, 25, err, sizeof err);

		rc = u ? 0 : -1;
		if (u)
			ll_report_unknown_print(u, fmt, stdout);
		json_object_put(u);
	} else {
		rc = ll_report_run(&cli->app.db, &r, err, sizeof err);
		if (rc == 0)
			ll_report_print(&r, fmt, stdout);
	}
	if (rc < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	return LL_EXIT_OK;
}
