/* leadledger check-config | providers | migrate | recategorize */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "store/migrate.h"
#include "store/recategorize.h"
#include "store/registry.h"
#include "util/log.h"

/* Every problem in one run: the file, then the keyring and every
 * credential, even when the file already had errors. */
int ll_cmd_check_config(struct ll_cli *cli, int argc, char **argv)
{
	int rc, krc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	rc = ll_cli_need_config(cli);
	if (!cli->app.cfg.keyring)
		return rc;
	krc = ll_app_load_keyring(&cli->app);
	if (krc == 0)
		krc = ll_app_check_credentials(&cli->app, 1);
	if (rc == 0)
		rc = krc;
	if (rc == 0)
		printf("%s: ok (%zu site%s)\n", cli->config_path, cli->app.cfg.n_sites,
		       cli->app.cfg.n_sites == 1 ? "" : "s");
	return rc;
}

int ll_cmd_providers(struct ll_cli *cli, int argc, char **argv)
{
	struct ll_config cfg;
	struct ll_errors errs;
	struct ll_providers ps;
	int rc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	ll_config_init(&cfg);
	ll_errors_init(&errs);
	ll_providers_init(&ps);
	if (ll_config_load(cli->config_path, &cfg, &errs) < 0 && !cfg.provider_dir) {
		ll_errors_print(&errs);
		ll_errors_release(&errs);
		ll_config_release(&cfg);
		return LL_EXIT_CONFIG;
	}
	ll_errors_release(&errs);
	ll_errors_init(&errs);
	ll_providers_scan(&ps, cfg.provider_dir, &errs);
	printf("host ABI %u.%u, provider directory %s\n", LL_ABI_MAJOR, LL_ABI_MINOR,
	       cfg.provider_dir);
	for (size_t i = 0; i < ps.n; i++)
		printf("%-16s %-10s ABI %u.%u  %s\n", ps.v[i].desc.name, ps.v[i].desc.version,
		       LL_ABI_GET_MAJOR(ps.v[i].desc.abi_version),
		       LL_ABI_GET_MINOR(ps.v[i].desc.abi_version), ps.v[i].path);
	for (size_t i = 0; i < errs.n; i++)
		printf("refused: %s\n", errs.msgs[i]);
	rc = errs.n ? LL_EXIT_RUNTIME : LL_EXIT_OK;
	ll_errors_release(&errs);
	ll_providers_release(&ps);
	ll_config_release(&cfg);
	return rc;
}

int ll_cmd_migrate(struct ll_cli *cli, int argc, char **argv)
{
	char err[1024];
	int applied = 0, rc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	if ((rc = ll_cli_need_db(cli)))
		return rc;
	if (ll_migrate_apply(&cli->app.db, &applied, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (ll_registry_reconcile(&cli->app.db, &cli->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_RUNTIME;
	}
	printf("migrations: %d applied, schema up to date\n", applied);
	return LL_EXIT_OK;
}

int ll_cmd_recategorize(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site_id = NULL;
	char err[1024];
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:", opts, NULL)) != -1) {
		if (c != 's')
			return LL_EXIT_USAGE;
		site_id = optarg;
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = ll_cli_need_db(cli)))
		return rc;
	if (site_id && (rc = ll_cli_site(cli, site_id, NULL)))
		return rc;
	for (size_t i = 0; i < cli->app.cfg.n_sites; i++) {
		const struct ll_site_conf *s = &cli->app.cfg.sites[i];
		int64_t changed = 0;

		if (site_id && strcmp(site_id, s->id) != 0)
			continue;
		if (ll_recategorize_site(&cli->app.db, s, &cli->app.rules, &changed, err,
					 sizeof err) < 0) {
			ll_error("%s: %s", s->id, err);
			return LL_EXIT_RUNTIME;
		}
		printf("%s: %" PRId64 " rows changed channel\n", s->id, changed);
	}
	return LL_EXIT_OK;
}
