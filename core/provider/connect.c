#include "provider/connect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/host.h"
#include "provider/oauth.h"
#include "store/registry.h"

static const struct ll_integration_conf *integration(const struct ll_site_conf *site,
						     const char *provider)
{
	for (size_t i = 0; site && i < site->n_integrations; i++)
		if (strcmp(site->integrations[i].provider, provider) == 0)
			return &site->integrations[i];
	return NULL;
}

static const struct ll_loaded_provider *oauth_provider(const struct ll_connect_env *env,
						       const char *provider)
{
	const struct ll_loaded_provider *lp = ll_providers_find(env->providers, provider);

	return lp && lp->desc.oauth && lp->desc.oauth->authorize_url_setting &&
	       lp->desc.oauth->refresh_token_field ? lp : NULL;
}

int ll_connect_possible(const struct ll_connect_env *env, const struct ll_site_conf *site,
			const char *provider)
{
	return integration(site, provider) && oauth_provider(env, provider);
}

/* The host of a site's integration, its credentials from the registry.
 * 0, or -1 with err (h released). */
static int open_host(const struct ll_connect_env *env, const struct ll_site_conf *site,
		     const char *provider, struct ll_host *h, char *err, size_t errlen)
{
	const struct ll_integration_conf *ic = integration(site, provider);
	const struct ll_loaded_provider *lp = oauth_provider(env, provider);
	struct ll_integration_row row;
	int rc;

	memset(h, 0, sizeof *h);
	if (!ic || !lp) {
		snprintf(err, errlen, "%s has no %s integration to connect", site->id, provider);
		return -1;
	}
	rc = ll_registry_lookup(env->db, site->id, provider, &row, err, errlen);
	if (rc != 0) {
		if (rc > 0)
			snprintf(err, errlen, "%s/%s is not registered yet: run leadledger migrate",
				 site->id, provider);
		return -1;
	}
	if (ll_host_init(h, env->cfg, site, ic, &lp->desc, env->keyring, env->db, row.id,
			 row.credentials) < 0) {
		ll_host_release(h);
		snprintf(err, errlen, "%s/%s: out of memory", site->id, provider);
		return -1;
	}
	return 0;
}

int ll_connect_begin(const struct ll_connect_env *env, const struct ll_site_conf *site,
		     const char *provider, char *url, size_t len, const char **redirect_uri,
		     char *err, size_t errlen)
{
	struct ll_host h;
	int rc;

	*redirect_uri = NULL;
	if (open_host(env, site, provider, &h, err, errlen) < 0)
		return -1;
	rc = ll_oauth_authorize_url(&h, env->db, url, len, err, errlen);
	if (rc == 0)
		ll_host_api.setting_string(&h, h.desc->oauth->redirect_uri_setting, redirect_uri);
	ll_host_release(&h);
	return rc;
}

/* The site and provider of a registered integration. */
static int integration_names(struct ll_db *db, int64_t id, char *site, size_t slen,
			     char *provider, size_t plen, char *err, size_t errlen)
{
	char iid[24];
	const char *params[] = { iid };
	PGresult *res;

	snprintf(iid, sizeof iid, "%" PRId64, id);
	res = ll_db_query(db, "SELECT site_id, provider FROM site_integrations WHERE id = $1",
			  1, params, err, errlen);
	if (!res)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "integration %s is gone", iid);
		return -1;
	}
	snprintf(site, slen, "%s", PQgetvalue(res, 0, 0));
	snprintf(provider, plen, "%s", PQgetvalue(res, 0, 1));
	PQclear(res);
	return 0;
}

int ll_connect_finish(const struct ll_connect_env *env, const char *state, const char *code,
		      char *who, size_t wholen, char *err, size_t errlen)
{
	const struct ll_site_conf *site;
	char site_id[128], provider[128];
	struct ll_host h;
	int64_t iid = 0;
	int got;

	who[0] = '\0';
	if ((!state || !state[0]) && (!code || !code[0])) {
		/* Jobber redirects with nothing at all when the user says no. */
		snprintf(err, errlen, "the CRM sent no authorization code: consent was refused");
		return -1;
	}
	got = ll_oauth_state_take(env->db, state, &iid, err, errlen);
	if (got <= 0) {
		if (got == 0)
			snprintf(err, errlen, "the authorization is unknown, expired or already used: "
				 "start again");
		return -1;
	}
	if (integration_names(env->db, iid, site_id, sizeof site_id, provider, sizeof provider,
			      err, errlen) < 0)
		return -1;
	snprintf(who, wholen, "%s/%s", site_id, provider);
	if (!code || !code[0]) {
		snprintf(err, errlen, "the CRM sent no authorization code: consent was refused");
		return -1;
	}
	site = ll_config_site(env->cfg, site_id);
	if (!site || open_host(env, site, provider, &h, err, errlen) < 0) {
		if (!site)
			snprintf(err, errlen, "site '%s' is no longer in the configuration", site_id);
		return -1;
	}
	got = ll_oauth_exchange_code(&h, code, err, errlen) == LL_OK ? 0 : -1;
	ll_host_release(&h);
	return got;
}
