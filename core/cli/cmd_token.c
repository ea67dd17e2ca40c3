/*
 * leadledger token create|revoke|list: per-site access tokens for the
 * HTTP API and dashboard (token.h).  A new token is printed once.
 */
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "report/report.h"
#include "store/registry.h"
#include "util/log.h"
#include "util/number.h"
#include "util/timeutil.h"
#include "vault/token.h"

static int token_create(struct ll_cli *cli, const char *site_id, const char *label)
{
	const struct ll_site_conf *site;
	char token[LL_TOKEN_LEN + 1], err[1024];
	int64_t id;
	int rc;

	if ((rc = ll_cli_site(cli, site_id, &site)))
		return rc;
	if ((rc = ll_app_load_keyring(&cli->app)))
		return rc;
	if (ll_registry_reconcile(&cli->app.db, &cli->app.cfg, err, sizeof err) < 0 ||
	    ll_token_create(&cli->app.db, cli->app.keyring, site_id, label ? label : "", token,
			    &id, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (!ll_site_featured(site))
		ll_warning("%s: plan '%s' does not include the dashboard (plan '%s' does); "
			   "the token answers 404 until the plan changes",
			   site_id, site->plan, LL_PLAN_FEATURED);
	printf("%s\n", token);
	fprintf(stderr, "token %" PRId64 " for %s; it is shown only this once\n", id, site_id);
	sodium_memzero(token, sizeof token);
	return LL_EXIT_OK;
}

int ll_cmd_token(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "label", required_argument, NULL, 'l' },
		{ "id", required_argument, NULL, 'i' },
		{ "all", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site = NULL, *label = NULL, *id_s = NULL, *sub;
	struct json_object *list;
	int64_t id = 0, n;
	int c, rc, all = 0;
	char err[1024];

	if (argc < 2)
		return LL_EXIT_USAGE;
	sub = argv[1];
	argv++;
	argc--;
	while ((c = getopt_long(argc, argv, "s:l:i:a", opts, NULL)) != -1) {
		switch (c) {
		case 's': site = optarg; break;
		case 'l': label = optarg; break;
		case 'i': id_s = optarg; break;
		case 'a': all = 1; break;
		default: return LL_EXIT_USAGE;
		}
	}
	if (optind != argc || (id_s && ll_parse_int64(id_s, 1, INT64_MAX, &id) < 0) ||
	    (strcmp(sub, "create") == 0 && (!site || id_s || all)) ||
	    (strcmp(sub, "revoke") == 0 && (!site || label || !!id_s == all)) ||
	    (strcmp(sub, "list") == 0 && (label || id_s || all)) ||
	    (strcmp(sub, "create") && strcmp(sub, "revoke") && strcmp(sub, "list")))
		return LL_EXIT_USAGE;
	if (label && ll_token_label_check(label) < 0) {
		ll_error("--label must be text of at most %d bytes without control characters",
			 LL_TOKEN_LABEL_MAX);
		return LL_EXIT_USAGE;
	}
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_connect(&cli->app)) || (rc = ll_app_check_schema(&cli->app, NULL)) ||
	    (site && (rc = ll_cli_site(cli, site, NULL))))
		return rc;
	if (strcmp(sub, "create") == 0)
		return token_create(cli, site, label);
	if (strcmp(sub, "revoke") == 0) {
		n = ll_token_revoke(&cli->app.db, site, id, err, sizeof err);
		if (n < 0) {
			ll_error("%s", err);
			return LL_EXIT_RUNTIME;
		}
		if (n == 0 && !all) {
			ll_error("%s has no active token %" PRId64, site, id);
			return LL_EXIT_RUNTIME;
		}
		printf("revoked %" PRId64 " token%s of %s\n", n, n == 1 ? "" : "s", site);
		return LL_EXIT_OK;
	}
	list = ll_token_list(&cli->app.db, site, err, sizeof err);
	if (!list) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	ll_json_print(list, stdout);
	json_object_put(list);
	return LL_EXIT_OK;
}
