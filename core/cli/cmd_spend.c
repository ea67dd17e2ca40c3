/*
 * leadledger spend set|import|list: marketing spend per site, channel and
 * month (report/spend.h), the divisor of cost per job and ROAS.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "report/spend.h"
#include "util/log.h"
#include "util/number.h"

static int store(struct ll_cli *cli, const char *site, const struct ll_spend_entry *e,
		 size_t n, const char *what)
{
	int64_t changed;
	char err[1024];

	if (ll_spend_store(&cli->app.db, site, e, n, &changed, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	printf("%s: %zu row%s, %" PRId64 " changed\n", what, n, n == 1 ? "" : "s", changed);
	return LL_EXIT_OK;
}

static int spend_set(struct ll_cli *cli, const char *site, const char *channel,
		     const char *month, const char *amount)
{
	struct ll_spend_entry e = { .line = 0 };

	if (ll_spend_parse_month(month, e.month) < 0) {
		ll_error("--month must be YYYY-MM, not '%s'", month);
		return LL_EXIT_USAGE;
	}
	if (ll_channel_parse(channel, &e.channel) < 0) {
		ll_error("--channel must be one of website, google, social, repeat_customer, "
			 "ai_phone, referral, direct, unknown");
		return LL_EXIT_USAGE;
	}
	if (ll_spend_parse_amount(amount, &e.cents) < 0) {
		ll_error("--amount must be a sum such as 1500.00 (not negative, at most two "
			 "decimals), not '%s'", amount);
		return LL_EXIT_USAGE;
	}
	return store(cli, site, &e, 1, site);
}

static int spend_import(struct ll_cli *cli, const char *site, const char *path)
{
	FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	const char *name = in == stdin ? "standard input" : path;
	struct ll_spend_entry *v;
	char err[1024];
	size_t n;
	int rc;

	if (!in) {
		ll_error("%s: %s", path, strerror(errno));
		return LL_EXIT_RUNTIME;
	}
	rc = ll_spend_read_csv(in, &v, &n, err, sizeof err);
	if (in != stdin)
		fclose(in);
	if (rc < 0) {
		ll_error("%s: %s; nothing was imported", name, err);
		return LL_EXIT_RUNTIME;
	}
	rc = store(cli, site, v, n, name);
	free(v);
	return rc;
}

/* A member of a spend row as text (borrowed from the row). */
static const char *text(struct json_object *row, const char *key)
{
	return json_object_get_string(json_object_object_get(row, key));
}

static int spend_list(struct ll_cli *cli, const char *site, enum ll_report_format fmt)
{
	struct json_object *arr;
	char err[1024];

	if (!(arr = ll_spend_list_json(&cli->app.db, site, err, sizeof err))) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (fmt == LL_FORMAT_JSON) {
		ll_json_print(arr, stdout);
	} else {
		if (fmt == LL_FORMAT_CSV)
			printf("site,month,channel,source,amount_cents\n");
		else
			printf("%-20s %-7s %-16s %-8s %14s\n", "site", "month", "channel", "source",
			       "amount");
		for (size_t i = 0; i < json_object_array_length(arr); i++) {
			struct json_object *o = json_object_array_get_idx(arr, i);

			if (fmt == LL_FORMAT_CSV)
				printf("%s,%s,%s,%s,%s\n", text(o, "site"), text(o, "month"),
				       text(o, "channel"), text(o, "source"), text(o, "amount_cents"));
			else
				printf("%-20s %-7s %-16s %-8s %14s\n", text(o, "site"), text(o, "month"),
				       text(o, "channel"), text(o, "source"), text(o, "amount"));
		}
	}
	json_object_put(arr);
	return LL_EXIT_OK;
}

int ll_cmd_spend(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "channel", required_argument, NULL, 'C' },
		{ "month", required_argument, NULL, 'm' },
		{ "amount", required_argument, NULL, 'a' },
		{ "format", required_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site = NULL, *channel = NULL, *month = NULL, *amount = NULL, *sub;
	enum ll_report_format fmt = LL_FORMAT_TABLE;
	int c, rc, is_set, is_import, is_list;

	if (argc < 2)
		return LL_EXIT_USAGE;
	sub = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "s:C:m:a:F:", opts, NULL)) != -1) {
		switch (c) {
		case 's': site = optarg; break;
		case 'C': channel = optarg; break;
		case 'm': month = optarg; break;
		case 'a': amount = optarg; break;
		case 'F':
			if (ll_report_parse_format(optarg, &fmt) < 0) {
				ll_error("--format must be table, json or csv, not '%s'", optarg);
				return LL_EXIT_USAGE;
			}
			break;
		default: return LL_EXIT_USAGE;
		}
	}
	is_set = strcmp(sub, "set") == 0;
	is_import = strcmp(sub, "import") == 0;
	is_list = strcmp(sub, "list") == 0;
	if ((!is_set && !is_import && !is_list) ||
	    (is_set && (!site || !channel || !month || !amount || optind != argc)) ||
	    (is_import && (!site || channel || month || amount || optind != argc - 1)) ||
	    (is_list && (channel || month || amount || optind != argc)) ||
	    (!is_list && fmt != LL_FORMAT_TABLE))
		return LL_EXIT_USAGE;
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (site && (rc = ll_cli_site(cli, site, NULL))) || (rc = ll_app_connect(&cli->app)) ||
	    (rc = ll_app_check_schema(&cli->app, NULL)))
		return rc;
	if (is_set)
		return spend_set(cli, site, channel, month, amount);
	if (is_import)
		return spend_import(cli, site, argv[optind]);
	return spend_list(cli, site, fmt);
}
