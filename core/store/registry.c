#include "store/registry.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/log.h"

static struct json_object *credentials_json(const struct ll_integration_conf *ic)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < ic->n_credentials; i++)
		json_object_object_add(o, ic->credentials[i].field,
				       json_object_new_string(ic->credentials[i].ciphertext));
	return o;
}

static struct json_object *settings_json(const struct ll_integration_conf *ic)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; o && i < ic->n_settings; i++) {
		const struct ll_setting *s = &ic->settings[i];
		struct json_object *v =
			s->type == LL_SETTING_STRING ? json_object_new_string(s->str)
			: s->type == LL_SETTING_INT ? json_object_new_int64(s->num)
						    : json_object_new_boolean((int)s->num);

		json_object_object_add(o, s->key, v);
	}
	return o;
}

static int upsert_site(struct ll_db *db, const struct ll_site_conf *s, char *err,
		       size_t errlen)
{
	const char *params[] = { s->id, s->name, s->plan, s->timezone };

	return ll_db_exec(db,
			  "INSERT INTO sites (id, name, plan, timezone) VALUES ($1, $2, $3, $4) "
			  "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, "
			  "plan = EXCLUDED.plan, timezone = EXCLUDED.timezone, updated_at = now() "
			  "WHERE (sites.name, sites.plan, sites.timezone) IS DISTINCT FROM "
			  "(EXCLUDED.name, EXCLUDED.plan, EXCLUDED.timezone)",
			  4, params, err, errlen);
}

static int upsert_integration(struct ll_db *db, const struct ll_config *cfg,
			      const struct ll_site_conf *s,
			      const struct ll_integration_conf *ic, char *err,
			      size_t errlen)
{
	struct json_object *creds = credentials_json(ic), *sets = settings_json(ic);
	const char *params[5];
	char interval[24];
	int rc = -1;

	snprintf(interval, sizeof interval, "%" PRId64,
		 ll_host_setting(cfg, ic, LL_HS_SYNC_INTERVAL));
	if (creds && sets) {
		params[0] = s->id;
		params[1] = ic->provider;
		params[2] = json_object_to_json_string_ext(creds, JSON_C_TO_STRING_PLAIN);
		params[3] = json_object_to_json_string_ext(sets, JSON_C_TO_STRING_PLAIN);
		params[4] = interval;
		/* Replace stored credentials only when the file changed them; a
		 * changed credential drops the access token minted with the old
		 * ones, and a changed credential or setting (a client id)
		 * clears "needs attention".  A new
		 * integration is due within a few seconds, spread so that many
		 * added at once do not start in lockstep. */
		rc = ll_db_exec(db,
				"DELETE FROM oauth_tokens t USING site_integrations i "
				"WHERE t.integration_id = i.id AND i.site_id = $1 AND i.provider = $2 "
				"AND i.config_credentials IS DISTINCT FROM $3::jsonb",
				3, params, err, errlen);
		if (rc == 0)
			rc = ll_db_exec(db,
				"INSERT INTO site_integrations (site_id, provider, credentials, "
				"config_credentials, settings, sync_interval_s, next_run_at) VALUES ($1, $2, "
				"$3::jsonb, $3::jsonb, $4::jsonb, $5::int, now() + random() * interval '5 seconds') "
				"ON CONFLICT (site_id, provider) DO UPDATE SET "
				" credentials = CASE WHEN site_integrations.config_credentials = EXCLUDED.config_credentials "
				"   THEN site_integrations.credentials ELSE EXCLUDED.credentials END, "
				" needs_attention = CASE WHEN site_integrations.config_credentials = EXCLUDED.config_credentials "
				"   AND site_integrations.settings = EXCLUDED.settings "
				"   THEN site_integrations.needs_attention ELSE false END, "
				" attention_reason = CASE WHEN site_integrations.config_credentials = EXCLUDED.config_credentials "
				"   AND site_integrations.settings = EXCLUDED.settings "
				"   THEN site_integrations.attention_reason ELSE NULL END, "
				" needs_reconnect = site_integrations.needs_reconnect AND "
				"   site_integrations.config_credentials = EXCLUDED.config_credentials, "
				" config_credentials = EXCLUDED.config_credentials, "
				" settings = EXCLUDED.settings, sync_interval_s = EXCLUDED.sync_interval_s, "
				" enabled = true, updated_at = now()",
				5, params, err, errlen);
	} else {
		snprintf(err, errlen, "out of memory");
	}
	json_object_put(creds);
	json_object_put(sets);
	return rc;
}

int ll_registry_reconcile(struct ll_db *db, const struct ll_config *cfg,
			  char *err, size_t errlen)
{
	struct ll_buf keep;
	const char *params[1];
	int rc = -1;

	ll_buf_init(&keep, 1 << 24);
	if (ll_config_integration_keys(cfg, &keep) < 0)
		goto out;
	if (ll_db_begin(db, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < cfg->n_sites; i++) {
		const struct ll_site_conf *s = &cfg->sites[i];

		if (upsert_site(db, s, err, errlen) < 0)
			goto out;
		for (size_t j = 0; j < s->n_integrations; j++)
			if (upsert_integration(db, cfg, s, &s->integrations[j], err, errlen) < 0)
				goto out;
	}
	params[0] = keep.data;
	if (ll_db_exec(db,
		       "UPDATE site_integrations SET enabled = false, updated_at = now() "
		       "WHERE enabled AND NOT (site_id || '/' || provider = ANY($1::text[]))",
		       1, params, err, errlen) < 0)
		goto out;
	rc = ll_db_commit(db, err, errlen);
out:
	if (rc < 0) {
		if (!err[0])
			snprintf(err, errlen, "out of memory");
		ll_db_rollback(db);
	}
	ll_buf_release(&keep);
	return rc;
}

int ll_registry_lookup(struct ll_db *db, const char *site, const char *provider,
		       struct ll_integration_row *row, char *err, size_t errlen)
{
	const char *params[] = { site, provider };
	PGresult *res;

	memset(row, 0, sizeof *row);
	res = ll_db_query(db,
			  "SELECT id, enabled, needs_attention, credentials::text, needs_reconnect "
			  "FROM site_integrations WHERE site_id = $1 AND provider = $2",
			  2, params, err, errlen);
	if (!res)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 1;
	}
	row->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	row->enabled = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	row->needs_attention = strcmp(PQgetvalue(res, 0, 2), "t") == 0;
	row->credentials = json_tokener_parse(PQgetvalue(res, 0, 3));
	row->needs_reconnect = strcmp(PQgetvalue(res, 0, 4), "t") == 0;
	PQclear(res);
	if (!row->credentials) {
		snprintf(err, errlen, "stored credentials of %s/%s are not JSON", site, provider);
		return -1;
	}
	return 0;
}

void ll_integration_row_release(struct ll_integration_row *row)
{
	if (row->credentials)
		json_object_put(row->credentials);
	row->credentials = NULL;
}

int ll_registry_set_attention(struct ll_db *db, int64_t integration_id,
			      const char *reason, char *err, size_t errlen)
{
	char id[24];
	const char *params[] = { id, reason };

	snprintf(id, sizeof id, "%" PRId64, integration_id);
	return ll_db_exec(db,
			  "UPDATE site_integrations SET needs_attention = ($2::text IS NOT NULL), "
			  "attention_reason = $2, updated_at = now() WHERE id = $1",
			  2, params, err, errlen);
}
