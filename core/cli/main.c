/* leadledger: the operator's tool. */
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "provider/http.h"
#include "util/log.h"
#include "store/migrate.h"
#include "store/recategorize.h"
#include "store/registry.h"
#include "report/report.h"
#include "sync/engine.h"
#include "util/timeutil.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: leadledger [-c FILE] [-v] COMMAND [ARGS]\n"
		"commands:\n"
		"  check-config                      validate the configuration\n"
		"  providers                         list providers with ABI versions\n"
		"  migrate                           apply pending schema migrations\n"
		"  sync [--site ID] [--full]         one sync pass now\n"
		"  report --site ID (--days N | --from DATE --to DATE)\n"
		"         [--format table|json|csv] [--unknown]\n"
		"  status [--format table|json]      sync state per integration\n"
		"  recategorize [--site ID]          re-apply lead-source rules\n"
		"  vault keygen --keyring FILE [--key-id ID]\n"
		"  vault encrypt --site ID --provider NAME --field FIELD  (secret on stdin)\n"
		"  vault rewrap                      re-encrypt credentials under the active key\n"
		"exit status: 0 ok, 1 runtime failure, 2 usage, 78 configuration error\n");
}

static int need_config(struct ll_cli *cli)
{
	return ll_app_load_config(&cli->app, cli->config_path);
}

static int need_db(struct ll_cli *cli)
{
	int rc = need_config(cli);

	return rc ? rc : ll_app_connect(&cli->app);
}

/* Every problem in one run: the file, then the keyring and every
 * credential, even when the file already had errors. */
static int cmd_check_config(struct ll_cli *cli, int argc, char **argv)
{
	int rc, krc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	rc = need_config(cli);
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

static int cmd_providers(struct ll_cli *cli, int argc, char **argv)
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

static int cmd_migrate(struct ll_cli *cli, int argc, char **argv)
{
	char err[1024];
	int applied = 0, rc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	if ((rc = need_db(cli)))
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

/* Progress on a terminal: one line rewritten in place. */
struct progress {
	int tty;
	int64_t started_ms;
};

static void progress_page(void *ud, const char *prefix, const char *stream,
			  int64_t pages, int64_t records, int64_t total_pages,
			  int64_t total_records)
{
	struct progress *p = ud;
	double secs = (double)(ll_monotonic_ms() - p->started_ms) / 1000.0;
	double rate = secs > 0 ? (double)records / secs : 0;

	if (!p->tty)
		return;
	fprintf(stderr, "\r\033[K%s %s: page %" PRId64, prefix, stream, pages);
	if (total_pages > 0)
		fprintf(stderr, "/%" PRId64, total_pages);
	fprintf(stderr, ", %" PRId64, records);
	if (total_records >= 0)
		fprintf(stderr, "/%" PRId64, total_records);
	fprintf(stderr, " records, %.0f rec/s", rate);
	if (total_records > records && rate > 0) {
		int64_t eta = (int64_t)((double)(total_records - records) / rate);

		fprintf(stderr, ", ETA %" PRId64 ":%02" PRId64, eta / 60, eta % 60);
	}
}

/* One line per stream; a run with a flag is not called a success. */
static void progress_done(void *ud, const struct ll_stream_summary *s)
{
	struct progress *p = ud;
	char extra[96] = "";

	if (p->tty)
		fprintf(stderr, "\r\033[K");
	if (s->vanished || s->recovered)
		snprintf(extra, sizeof extra, ", %" PRId64 " deleted, %" PRId64 " recovered",
			 s->vanished, s->recovered);
	printf("%s %s: %s, %" PRId64 " pages, %" PRId64 " records (%" PRId64 " new, %" PRId64
	       " updated%s) in %.1f s%s%s\n", s->prefix, s->stream,
	       s->flag[0] ? "flagged" : ll_run_status_name(s->status), s->pages, s->records,
	       s->inserted, s->updated, extra, s->seconds, s->flag[0] || s->error[0] ? ": " : "",
	       s->flag[0] ? s->flag : s->error);
	fflush(stdout);
	p->started_ms = ll_monotonic_ms();
}

static int cmd_sync(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "full", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct progress prog = { isatty(STDERR_FILENO), ll_monotonic_ms() };
	struct ll_sync_progress cb = { progress_page, progress_done, &prog };
	struct ll_sync_options opt = { 0, NULL, &cb, NULL };
	struct ll_sync_context ctx;
	struct ll_lease lease;
	const char *site_id = NULL;
	int c, rc, synced = 0, worst = LL_RUN_SUCCESS;
	char err[1024];

	while ((c = getopt_long(argc, argv, "s:f", opts, NULL)) != -1) {
		if (c == 's')
			site_id = optarg;
		else if (c == 'f')
			opt.force_full = 1;
		else
			return LL_EXIT_USAGE;
	}
	if (optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = need_db(cli)) || (rc = ll_app_load_keyring(&cli->app)) ||
	    (rc = ll_check_schema(&cli->app.db)))
		return rc;
	if (site_id && !ll_config_site(&cli->app.cfg, site_id)) {
		ll_error("no site '%s' in %s", site_id, cli->config_path);
		return LL_EXIT_USAGE;
	}
	if (ll_registry_reconcile(&cli->app.db, &cli->app.cfg, err, sizeof err) < 0) {
		ll_error("registry: %s", err);
		return LL_EXIT_RUNTIME;
	}
	ctx = (struct ll_sync_context){ &cli->app.db, &cli->app.cfg, &cli->app.providers,
					cli->app.keyring, &cli->app.rules };
	/* Take the integration's lease like a daemon would, so a manual sync
	 * never runs beside leadledgerd's. */
	ll_lease_init(&lease, cli->app.cfg.lease_s);
	opt.lease = &lease;
	if (ll_schedule_reap_local(&cli->app.db, err, sizeof err) < 0)
		ll_warning("%s", err);
	for (size_t i = 0; i < cli->app.cfg.n_sites; i++) {
		const struct ll_site_conf *s = &cli->app.cfg.sites[i];

		if (site_id && strcmp(s->id, site_id) != 0)
			continue;
		if (!ll_site_featured(s)) {
			printf("%s: plan '%s' does not include lead-source reporting "
			       "(plan '%s' does); not synced\n", s->id, s->plan, LL_PLAN_FEATURED);
			continue;
		}
		for (size_t j = 0; j < s->n_integrations; j++) {
			const struct ll_integration_conf *ic = &s->integrations[j];
			struct ll_sync_result res;
			struct ll_claim claim;
			int64_t after, backoff;
			char busy[128];
			int got = ll_schedule_claim(&cli->app.db, &lease, s->id, ic->provider, &claim,
						    busy, sizeof busy, err, sizeof err);

			synced++;
			if (got <= 0) {
				if (got < 0)
					ll_error("%s", err);
				else
					printf("%s/%s: being synced by %s; skipped\n", s->id,
					       ic->provider, busy);
				worst = LL_RUN_FAILED;
				continue;
			}
			ll_sync_integration(&ctx, s, ic, &opt, &res);
			if (res.status != LL_RUN_SUCCESS)
				ll_error("%s", res.error);
			if ((int)res.status > worst)
				worst = res.status;
			if (res.flagged && worst == LL_RUN_SUCCESS)
				worst = LL_RUN_PARTIAL;
			ll_sync_next_run(&cli->app.cfg, ll_host_setting(&cli->app.cfg, ic,
						LL_HS_SYNC_INTERVAL), claim.backoff_s, &res, &after, &backoff);
			if (ll_schedule_finish(&cli->app.db, &lease, claim.integration_id,
					       ll_run_status_name(res.status), after, backoff, err,
					       sizeof err) < 0)
				ll_error("%s", err);
		}
	}
	if (site_id && synced == 0 && !ll_site_featured(ll_config_site(&cli->app.cfg, site_id)))
		return LL_EXIT_RUNTIME;
	return worst == LL_RUN_SUCCESS ? LL_EXIT_OK : LL_EXIT_RUNTIME;
}

static int cmd_report(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "days", required_argument, NULL, 'd' },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "format", required_argument, NULL, 'F' },
		{ "unknown", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	const char *site_id = NULL, *from = NULL, *to = NULL, *days_s = NULL;
	enum ll_report_format fmt = LL_FORMAT_TABLE;
	const struct ll_site_conf *site;
	struct ll_report r;
	int c, rc, unknown = 0;
	int64_t days = 0;
	char err[1024];

	while ((c = getopt_long(argc, argv, "s:d:f:t:F:u", opts, NULL)) != -1) {
		switch (c) {
		case 's': site_id = optarg; break;
		case 'd': days_s = optarg; break;
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 'u': unknown = 1; break;
		case 'F':
			if (ll_report_parse_format(optarg, &fmt) < 0) {
				ll_error("--format must be table, json or csv");
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
	if (days_s && ll_parse_int64(days_s, 1, 36600, &days) < 0) {
		ll_error("--days must be a whole number from 1 to 36600");
		return LL_EXIT_USAGE;
	}
	if (from && ll_report_check_dates(from, to, 36600) < 0) {
		ll_error("--from and --to must be dates YYYY-MM-DD with from <= to, at most 36600 days apart");
		return LL_EXIT_USAGE;
	}
	if ((rc = need_db(cli)))
		return rc;
	site = ll_config_site(&cli->app.cfg, site_id);
	if (!site) {
		ll_error("no site '%s' in %s", site_id, cli->config_path);
		return LL_EXIT_USAGE;
	}
	if (!ll_site_featured(site)) {
		ll_error("%s: plan '%s' does not include lead-source reporting (plan '%s' does)",
			 site->id, site->plan, LL_PLAN_FEATURED);
		return LL_EXIT_RUNTIME;
	}
	memset(&r, 0, sizeof r);
	r.site = site->id;
	r.site_name = site->name;
	r.timezone = site->timezone;
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

static int cmd_recategorize(struct ll_cli *cli, int argc, char **argv)
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
	if ((rc = need_db(cli)))
		return rc;
	if (site_id && !ll_config_site(&cli->app.cfg, site_id)) {
		ll_error("no site '%s' in %s", site_id, cli->config_path);
		return LL_EXIT_USAGE;
	}
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

static const struct command {
	const char *name;
	int (*run)(struct ll_cli *cli, int argc, char **argv);
} commands[] = {
	{ "check-config", cmd_check_config },
	{ "providers", cmd_providers },
	{ "migrate", cmd_migrate },
	{ "sync", cmd_sync },
	{ "report", cmd_report },
	{ "status", ll_cmd_status },
	{ "recategorize", cmd_recategorize },
	{ "vault", ll_cmd_vault },
	{ "token", ll_cmd_token },
	{ NULL, NULL },
};

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
			usage(stderr);
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
