/* Commands of the operator's tool, one function each. */
#ifndef LL_CLI_H
#define LL_CLI_H

#include "app.h"

struct ll_cli {
	const char *config_path;
	struct ll_app app;
};

/* Load the configuration (and connect): an exit code, errors printed. */
int ll_cli_need_config(struct ll_cli *cli);
int ll_cli_need_db(struct ll_cli *cli);
/* The site id names in the loaded configuration into *site (may be NULL
 * when only the check is wanted): 0, or LL_EXIT_USAGE with the error
 * printed.  Every command refuses an unknown site the same way. */
int ll_cli_site(struct ll_cli *cli, const char *id, const struct ll_site_conf **site);

int ll_cmd_check_config(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_providers(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_migrate(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_recategorize(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_sync(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_report(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_vault(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_token(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_status(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_connect(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_spend(struct ll_cli *cli, int argc, char **argv);

#endif
