/* leadledger: the operator's tool.  Commands live in cmd_*.c, one family each. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "provider/http.h"
#include "util/log.h"

int ll_cli_need_config(struct ll_cli *cli)
{
	return ll_app_load_config(&cli->app, cli->config_path);
}

int ll_cli_need_db(struct ll_cli *cli)
{
	int rc = ll_cli_need_config(cli);

	return rc ? rc : ll_app_connect(&cli->app);
}

int ll_cli_site(struct ll_cli *cli, const char *id, const struct ll_site_conf **site)
{
	const struct ll_site_conf *s = ll_config_site(&cli->app.cfg, id);

	if (site)
		*site = s;
	if (s)
		return 0;
	ll_error("no site '%s' in %s", id, cli->config_path);
	return LL_EXIT_USAGE;
}

/* Every command, with its synopsis: the one place --help and usage errors
 * read from (leadledger(1) documents the same list). */
static const struct command {
	const char *name;
	const char *synopsis;
	int (*run)(struct ll_cli *cli, int argc, char **argv);
} commands[] = {
	{ "check-config", "check-config                      validate the configuration",
	  ll_cmd_check_config },
	{ "providers", "providers                         list providers with ABI versions",
	  ll_cmd_providers },
	{ "migrate", "migrate                           apply pending schema migrations",
	  ll_cmd_migrate },
	{ "sync", "sync [--site ID] [--full]         one sync pass now", ll_cmd_sync },
	{ "report", "report --site ID (--days N | --from DATE --to DATE)\n"
		    "         [--model last|first] [--format table|json|csv] [--unknown]",
	  ll_cmd_report },
	{ "spend", "spend set --site ID --channel CHANNEL --month YYYY-MM --amount 1500.00\n"
		   "  spend import --site ID FILE.csv   (header month,channel,amount; - for stdin)\n"
		   "  spend list [--site ID] [--format table|json|csv]", ll_cmd_spend },
	{ "status", "status [--format table|json]      sync state per integration",
	  ll_cmd_status },
	{ "recategorize", "recategorize [--site ID]          re-apply lead-source rules",
	  ll_cmd_recategorize },
	{ "connect", "connect --site ID --provider NAME [--paste]  connect an OAuth CRM (Jobber)",
	  ll_cmd_connect },
	{ "token", "token create --site ID [--label TEXT]   an API and dashboard token\n"
		   "  token revoke --site ID (--id N | --all)\n"
		   "  token list [--site ID]", ll_cmd_token },
	{ "vault", "vault keygen --keyring FILE [--key-id ID]\n"
		   "  vault encrypt --site ID --provider NAME --field FIELD  (secret on stdin)\n"
		   "  vault rewrap                      re-encrypt credentials under the active key\n"
		   "  vault retire --key-id ID [--force]", ll_cmd_vault },
	{ NULL, NULL, NULL },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: leadledger [-c FILE] [-v] COMMAND [ARGS]\ncommands:\n");
	for (const struct command *cmd = commands; cmd->name; cmd++)
		fprintf(out, "  %s\n", cmd->synopsis);
	fprintf(out, "exit status: 0 ok, 1 runtime failure, 2 usage, 78 configuration error\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ll_cli cli;
	int c, rc = LL_EXIT_USAGE, verbose = 0;

	memset(&cli, 0, sizeof cli);
	cli.config_path = LL_DEFAULT_CONFIG;
	ll_log_init("leadledger");
	while ((c = getopt_long(argc, argv, "+c:vh", opts, NULL)) != -1) {
		if (c == 'c') {
			cli.config_path = optarg;
		} else if (c == 'v') {
			verbose = 1;
		} else if (c == 'h') {
			usage(stdout);
			return LL_EXIT_OK;
		} else {
			usage(stderr);
			return LL_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return LL_EXIT_USAGE;
	}
	if (sodium_init() < 0 || ll_http_global_init() < 0) {
		ll_error("cannot initialise libsodium or libcurl");
		return LL_EXIT_RUNTIME;
	}
	ll_app_init(&cli.app);
	const char *name = argv[optind];
	int found = 0;

	for (const struct command *cmd = commands; cmd->name; cmd++) {
		if (strcmp(cmd->name, argv[optind]) != 0)
			continue;
		found = 1;
		argv += optind;
		argc -= optind;
		optind = 0; /* let the command parse its own options */
		cli.app.verbose = verbose;
		rc = cmd->run(&cli, argc, argv);
		if (rc == LL_EXIT_USAGE)
			fprintf(stderr, "usage: leadledger %s\n", cmd->synopsis);
		break;
	}
	if (!found) {
		ll_error("unknown command '%s'", name);
		usage(stderr);
	}
	ll_app_release(&cli.app);
	ll_http_global_cleanup();
	return rc;
}
