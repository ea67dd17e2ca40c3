#include "app.h"

#include <string.h>

#include "store/migrate.h"
#include "util/log.h"

void ll_app_init(struct ll_app *app)
{
	memset(app, 0, sizeof *app);
	ll_config_init(&app->cfg);
	ll_providers_init(&app->providers);
	ll_rules_init(&app->rules);
}

void ll_app_release(struct ll_app *app)
{
	ll_db_release(&app->db);
	ll_keyring_free(app->keyring);
	app->keyring = NULL;
	ll_rules_release(&app->rules);
	ll_providers_release(&app->providers);
	ll_config_release(&app->cfg);
}

int ll_app_load_config(struct ll_app *app, const char *path)
{
	struct ll_errors errs;
	int rc;

	ll_errors_init(&errs);
	if (ll_config_load(path, &app->cfg, &errs) == 0 || app->cfg.database) {
		ll_log_set_level(app->verbose ? LL_LOG_DEBUG : app->cfg.log_level);
		ll_rules_load_file(&app->rules, app->cfg.lead_sources, &errs);
		ll_providers_load_config(&app->providers, &app->cfg, &errs);
		ll_config_check_providers(&app->cfg, &app->providers, &errs);
	}
	ll_errors_print(&errs);
	rc = errs.n ? LL_EXIT_CONFIG : LL_EXIT_OK;
	if (errs.n)
		ll_error("%s: %zu error%s", path, errs.n, errs.n == 1 ? "" : "s");
	ll_errors_release(&errs);
	return rc;
}

int ll_app_load_keyring(struct ll_app *app)
{
	char err[512];

	app->keyring = ll_keyring_load(app->cfg.keyring, err, sizeof err);
	if (!app->keyring) {
		ll_error("%s", err);
		return LL_EXIT_CONFIG;
	}
	return LL_EXIT_OK;
}

int ll_app_check_credentials(struct ll_app *app, int strict)
{
	struct ll_errors errs;
	int rc = LL_EXIT_OK;

	ll_errors_init(&errs);
	if (ll_config_check_credentials(&app->cfg, &app->providers, app->keyring, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			ll_log(strict ? LL_LOG_ERR : LL_LOG_WARNING, "%s", errs.msgs[i]);
		if (strict) {
			ll_error("%s: %zu error%s", app->cfg.path, errs.n, errs.n == 1 ? "" : "s");
			rc = LL_EXIT_CONFIG;
		}
	}
	ll_errors_release(&errs);
	return rc;
}

int ll_app_connect(struct ll_app *app)
{
	char err[512];

	if (ll_db_connect(&app->db, app->cfg.database, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	return LL_EXIT_OK;
}

int ll_app_check_schema(struct ll_app *app, struct ll_db *db)
{
	char err[512];
	int rc = ll_migrate_current(db ? db : &app->db, err, sizeof err);

	if (rc <= 0)
		ll_error("%s", err);
	return rc < 0 ? LL_EXIT_RUNTIME : rc == 0 ? LL_EXIT_CONFIG : LL_EXIT_OK;
}
