/*
 * What both programs set up: configuration (validated in full, with
 * providers and lead-source rules), keyring and database connection.
 * Each step returns an exit code (0, 1 runtime, 78 configuration) after
 * printing its errors, so main() stays a list of steps.
 */
#ifndef LL_APP_H
#define LL_APP_H

#include "config/config.h"
#include "config/rules.h"
#include "provider/loader.h"
#include "store/db.h"
#include "vault/vault.h"

#define LL_EXIT_OK 0
#define LL_EXIT_RUNTIME 1
#define LL_EXIT_USAGE 2
#define LL_EXIT_CONFIG 78

#ifndef LL_DEFAULT_CONFIG
#define LL_DEFAULT_CONFIG "/usr/local/etc/leadledger/leadledger.conf"
#endif

struct ll_app {
	struct ll_config cfg;
	struct ll_providers providers;
	struct ll_rules rules;
	struct ll_keyring *keyring;
	struct ll_db db;
	int verbose; /* -v: debug logging whatever the file says */
};

void ll_app_init(struct ll_app *app);
void ll_app_release(struct ll_app *app);

/* Parse, load the rules file and the providers, check provider settings. */
int ll_app_load_config(struct ll_app *app, const char *path);
int ll_app_load_keyring(struct ll_app *app);
/* Every integration's credentials: declared fields, each decrypting
 * (ll_config_check_credentials).  Problems are printed; with strict they
 * are errors (exit 78), else warnings (a running service keeps serving
 * the other integrations) and 0 is returned. */
int ll_app_check_credentials(struct ll_app *app, int strict);
int ll_app_connect(struct ll_app *app);
/* Refuse a schema other than this binary's (pending, unknown or dirty
 * migrations), on db or, when NULL, the app's connection. */
int ll_app_check_schema(struct ll_app *app, struct ll_db *db);

#endif
