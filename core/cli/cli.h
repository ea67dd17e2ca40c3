/* Commands of the operator's tool, one function each. */
#ifndef LL_CLI_H
#define LL_CLI_H

#include "app.h"

struct ll_cli {
	const char *config_path;
	struct ll_app app;
};

int ll_cmd_vault(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_token(struct ll_cli *cli, int argc, char **argv);
int ll_cmd_status(struct ll_cli *cli, int argc, char **argv);

#endif
