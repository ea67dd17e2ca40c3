/*
 * Connecting an OAuth integration (provider/oauth.h), the one flow behind
 * `leadledger connect` and the dashboard's Connect in leadledgerd: the
 * CRM's consent URL for a site's integration, with a single-use state
 * bound to it; then, from the CRM's redirect, the state taken and the
 * code exchanged for a refresh token, stored through the vault.
 */
#ifndef LL_CONNECT_H
#define LL_CONNECT_H

#include <stddef.h>

#include "config/config.h"
#include "provider/loader.h"
#include "store/db.h"
#include "vault/vault.h"

struct ll_connect_env {
	const struct ll_config *cfg;
	const struct ll_providers *providers;
	const struct ll_keyring *keyring;
	struct ll_db *db;
};

/* Whether the site's integration with provider can be connected (its
 * provider declares the authorization-code grant). */
int ll_connect_possible(const struct ll_connect_env *env, const struct ll_site_conf *site,
			const char *provider);

/* The consent URL into url, and in *redirect_uri (borrowed from the
 * configuration) where the CRM will send the code.  0, or -1 with err. */
int ll_connect_begin(const struct ll_connect_env *env, const struct ll_site_conf *site,
		     const char *provider, char *url, size_t len, const char **redirect_uri,
		     char *err, size_t errlen);

/* The redirect's state and code: the integration the state was issued
 * for ("site/provider" into who) is connected.  0, or -1 with err (an
 * unknown, expired or used state; a refused code; no code: consent was
 * refused).  Never a secret in err. */
int ll_connect_finish(const struct ll_connect_env *env, const char *state, const char *code,
		      char *who, size_t wholen, char *err, size_t errlen);

#endif
