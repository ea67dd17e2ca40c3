#include "provider/host.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider/loader.h"
#include "provider/oauth.h"
#include "store/registry.h"
#include "util/log.h"
#include "util/number.h"
#include "util/timeutil.h"

enum field_type { FT_STRING, FT_INT, FT_TIME };

static const enum field_type field_types[LL_FIELD_COUNT] = {
	[LL_FIELD_EXTERNAL_ID] = FT_STRING,
	[LL_FIELD_STATUS_RAW] = FT_STRING,
	[LL_FIELD_STATUS_CLASS] = FT_INT,
	[LL_FIELD_AMOUNT_CENTS] = FT_INT,
	[LL_FIELD_CREATED_AT] = FT_TIME,
	[LL_FIELD_UPDATED_AT] = FT_TIME,
	[LL_FIELD_CUSTOMER_ID] = FT_STRING,
	[LL_FIELD_LEAD_SOURCE] = FT_STRING,
	[LL_FIELD_CUSTOMER_LEAD_SOURCE] = FT_STRING,
	[LL_FIELD_DELETED_AT] = FT_TIME,
	[LL_FIELD_FIRST_NAME] = FT_STRING,
	[LL_FIELD_LAST_NAME] = FT_STRING,
	[LL_FIELD_SOURCE_REF] = FT_STRING,
	[LL_FIELD_SOURCE_REF_ENTITY] = FT_INT,
	[LL_FIELD_LEAD_SOURCE_ALT] = FT_STRING,
	[LL_FIELD_MERGED_INTO] = FT_STRING,
	[LL_FIELD_JOB_ID] = FT_STRING,
};

void ll_record_init(struct ll_record *r)
{
	memset(r, 0, sizeof *r);
}

void ll_record_release(struct ll_record *r)
{
	for (int i = 0; i < LL_FIELD_COUNT; i++)
		free(r->str[i]);
	ll_record_init(r);
}

static int record_set_string(struct ll_record *r, enum ll_field f,
			     const char *value)
{
	char *copy;

	if ((unsigned)f >= LL_FIELD_COUNT || field_types[f] != FT_STRING)
		return -1;
	copy = value ? strdup(value) : NULL;
	if (value && !copy)
		return -1;
	free(r->str[f]);
	r->str[f] = copy;
	r->set[f] = 1;
	return 0;
}

static int record_set_int(struct ll_record *r, enum ll_field f, int64_t value)
{
	if ((unsigned)f >= LL_FIELD_COUNT || field_types[f] != FT_INT)
		return -1;
	r->num[f] = value;
	r->set[f] = 1;
	return 0;
}

static int record_set_time(struct ll_record *r, enum ll_field f, int64_t us)
{
	if ((unsigned)f >= LL_FIELD_COUNT || field_types[f] != FT_TIME)
		return -1;
	r->num[f] = us;
	r->set[f] = 1;
	return 0;
}

static void host_log(struct ll_host *h, int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ll_vlog(level, h->prefix, fmt, ap);
	va_end(ap);
}

static const struct ll_setting_def *typed_def(struct ll_host *h, const char *key,
					      enum ll_setting_type type)
{
	const struct ll_setting_def *d = ll_setting_def_find(h->desc, key);

	/* A URL is a string the host checked. */
	return d && (d->type == type || (type == LL_SETTING_STRING && d->type == LL_SETTING_URL))
		? d : NULL;
}

static int setting_string(struct ll_host *h, const char *key, const char **out)
{
	const struct ll_setting_def *d = typed_def(h, key, LL_SETTING_STRING);
	const struct ll_setting *s = ll_integration_setting(h->ic, key);

	if (!d)
		return -1;
	*out = s ? s->str : d->default_value;
	return *out ? 0 : -1;
}

static int setting_int(struct ll_host *h, const char *key, int64_t *out)
{
	const struct ll_setting_def *d = typed_def(h, key, LL_SETTING_INT);
	const struct ll_setting *s = ll_integration_setting(h->ic, key);

	if (!d)
		return -1;
	if (s)
		*out = s->num;
	else if (!d->default_value || ll_parse_int64(d->default_value, d->min, d->max, out) < 0)
		return -1;
	return 0;
}

static int setting_bool(struct ll_host *h, const char *key, int *out)
{
	const struct ll_setting_def *d = typed_def(h, key, LL_SETTING_BOOL);
	const struct ll_setting *s = ll_integration_setting(h->ic, key);

	if (!d)
		return -1;
	if (s)
		*out = (int)s->num;
	else if (d->default_value)
		*out = strcmp(d->default_value, "true") == 0;
	else
		return -1;
	return 0;
}

void ll_host_mark_attention(struct ll_host *h, const char *reason)
{
	char err[256];

	pthread_mutex_lock(&h->lock);
	snprintf(h->attention, sizeof h->attention, "%s", reason);
	pthread_mutex_unlock(&h->lock);
	ll_log(LL_LOG_ERR, "%s: needs attention: %s", h->prefix, reason);
	if (!h->db || !h->integration_id)
		return;
	pthread_mutex_lock(&h->db_lock);
	if (ll_registry_set_attention(h->db, h->integration_id, reason, err, sizeof err) < 0)
		ll_log(LL_LOG_ERR, "%s: %s", h->prefix, err);
	pthread_mutex_unlock(&h->db_lock);
}

static int credential_get(struct ll_host *h, const char *field, char *buf,
			  size_t len)
{
	struct ll_vault_ad ad = { h->site_id, h->provider, field };
	struct json_object *v = NULL;
	enum ll_vault_error e = LL_VAULT_OK;
	char keyid[LL_VAULT_KEYID_MAX + 1], reason[256];
	size_t n = 0;

	reason[0] = '\0';
	pthread_mutex_lock(&h->lock);
	if (!json_object_object_get_ex(h->credentials, field, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(reason, sizeof reason, "credential '%s' is not configured", field);
	} else {
		e = ll_vault_decrypt(h->keyring, &ad, json_object_get_string(v), buf, len, &n);
		if (e != LL_VAULT_OK) {
			ll_vault_keyid_of(json_object_get_string(v), keyid, sizeof keyid);
			snprintf(reason, sizeof reason, "credential '%s' (key id '%s') does "
				 "not decrypt: %s", field, keyid, ll_vault_strerror(e));
		}
	}
	pthread_mutex_unlock(&h->lock);
	if (reason[0])
		ll_host_mark_attention(h, reason);
	return reason[0] ? -1 : (int)n;
}

static int credential_set(struct ll_host *h, const char *field, const char *value)
{
	struct ll_vault_ad ad = { h->site_id, h->provider, field };
	char *ct = NULL, id[24], err[512];
	const char *params[3];
	enum ll_vault_error e;
	int rc;

	e = ll_vault_encrypt(h->keyring, &ad, value, strlen(value), &ct);
	if (e != LL_VAULT_OK) {
		ll_log(LL_LOG_ERR, "%s: cannot encrypt credential '%s': %s", h->prefix,
		       field, ll_vault_strerror(e));
		return -1;
	}
	snprintf(id, sizeof id, "%" PRId64, h->integration_id);
	params[0] = id;
	params[1] = field;
	params[2] = ct;
	/* Autocommit: durable before the provider uses the new token. */
	pthread_mutex_lock(&h->db_lock);
	rc = ll_db_exec(h->db,
			"UPDATE site_integrations SET credentials = "
			"jsonb_set(credentials, ARRAY[$2::text], to_jsonb($3::text)), "
			"updated_at = now() WHERE id = $1",
			3, params, err, sizeof err);
	pthread_mutex_unlock(&h->db_lock);
	if (rc < 0) {
		ll_log(LL_LOG_ERR, "%s: cannot store credential '%s': %s", h->prefix,
		       field, err);
	} else {
		ll_host_cache_credential(h, field, ct);
	}
	free(ct);
	return rc;
}

void ll_host_cache_credential(struct ll_host *h, const char *field, const char *ciphertext)
{
	pthread_mutex_lock(&h->lock);
	json_object_object_add(h->credentials, field, json_object_new_string(ciphertext));
	pthread_mutex_unlock(&h->lock);
}

static void wipe(void *buf, size_t len)
{
	sodium_memzero(buf, len);
}

static enum ll_status http(struct ll_host *h, const struct ll_http_request *rq,
			   struct ll_http_response *rs, char *err)
{
	return ll_http_perform(&h->http, rq, NULL, rs, err, LL_ERR_MAX);
}

static enum ll_status http_ex(struct ll_host *h, const struct ll_http_request *rq,
			      const struct ll_http_hook *hook, struct ll_http_response *rs,
			      char *err)
{
	return ll_http_perform(&h->http, rq, hook, rs, err, LL_ERR_MAX);
}

static enum ll_status oauth_token(struct ll_host *h, int renew, char *out, size_t len, char *err)
{
	return ll_oauth_token(h, renew, out, len, err, LL_ERR_MAX);
}

static void http_defer(struct ll_host *h, int64_t ms)
{
	ll_http_client_defer(&h->http, ms);
}

const struct ll_host_api ll_host_api = {
	.abi_version = LL_ABI_VERSION,
	.struct_size = sizeof(struct ll_host_api),
	.log = host_log,
	.setting_string = setting_string,
	.setting_int = setting_int,
	.setting_bool = setting_bool,
	.credential_get = credential_get,
	.credential_set = credential_set,
	.wipe = wipe,
	.http = http,
	.http_response_release = ll_http_response_release,
	.parse_time = ll_parse_time,
	.record_set_string = record_set_string,
	.record_set_int = record_set_int,
	.record_set_time = record_set_time,
	.parse_cents = ll_parse_cents,
	.http_ex = http_ex,
	.oauth_token = oauth_token,
	.http_defer = http_defer,
};

int ll_host_init(struct ll_host *h, const struct ll_config *cfg,
		 const struct ll_site_conf *site,
		 const struct ll_integration_conf *ic,
		 const struct ll_provider *desc, const struct ll_keyring *kr,
		 struct ll_db *db, int64_t integration_id,
		 struct json_object *credentials)
{
	memset(h, 0, sizeof *h);
	snprintf(h->prefix, sizeof h->prefix, "%s/%s", site->id, ic->provider);
	h->site_id = site->id;
	h->provider = ic->provider;
	h->integration_id = integration_id;
	h->cfg = cfg;
	h->ic = ic;
	h->desc = desc;
	h->keyring = kr;
	h->db = db;
	h->credentials = credentials;
	if (pthread_mutex_init(&h->lock, NULL) != 0)
		return -1;
	if (pthread_mutex_init(&h->db_lock, NULL) != 0) {
		pthread_mutex_destroy(&h->lock);
		return -1;
	}
	if (pthread_mutex_init(&h->oauth_lock, NULL) != 0) {
		pthread_mutex_destroy(&h->db_lock);
		pthread_mutex_destroy(&h->lock);
		return -1;
	}
	if (ll_http_client_init(&h->http, &cfg->http, h->prefix) < 0) {
		pthread_mutex_destroy(&h->oauth_lock);
		pthread_mutex_destroy(&h->db_lock);
		pthread_mutex_destroy(&h->lock);
		return -1;
	}
	ll_http_client_set_rate(&h->http, ll_host_setting(cfg, ic, LL_HS_REQUESTS_PER_MINUTE));
	h->ready = 1;
	return 0;
}

void ll_host_release(struct ll_host *h)
{
	if (h->ready) {
		ll_http_client_release(&h->http);
		sodium_memzero(h->oauth_access, sizeof h->oauth_access);
		pthread_mutex_destroy(&h->oauth_lock);
		pthread_mutex_destroy(&h->db_lock);
		pthread_mutex_destroy(&h->lock);
		h->ready = 0;
	}
	if (h->credentials)
		json_object_put(h->credentials);
	h->credentials = NULL;
}
