#include "provider/oauth.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "provider/http.h"
#include "util/buf.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/timeutil.h"

#define RENEW_BEFORE_S 120   /* a token this close to expiry is renewed, */
#define DEFAULT_LIFETIME_S 300 /* when the CRM says nothing of expiry */
#define ACCESS_FIELD "oauth_access_token"
#define SECRET_MAX 2048

static const struct ll_oauth_def *oauth_def(const struct ll_host *h)
{
	const struct ll_provider *d = h->desc;

	if (d->struct_size < offsetof(struct ll_provider, oauth) + sizeof d->oauth || !d->oauth ||
	    d->oauth->struct_size < offsetof(struct ll_oauth_def, scope) + sizeof(const char *))
		return NULL;
	return d->oauth;
}

static const char *setting(struct ll_host *h, const char *key)
{
	const char *v = NULL;

	return key && ll_host_api.setting_string(h, key, &v) == 0 ? v : NULL;
}

/* key=value&, value percent-encoded (RFC 3986 unreserved kept). */
static int form_add(struct ll_buf *b, const char *key, const char *value)
{
	int rc = ll_buf_printf(b, "%s%s=", b->len ? "&" : "", key);

	for (const unsigned char *p = (const unsigned char *)value; rc == 0 && *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			rc = ll_buf_append(b, (const char *)p, 1);
		else
			rc = ll_buf_printf(b, "%%%02X", *p);
	}
	return rc;
}

/* A ciphertext of the stored credentials, decrypted into buf. */
static int decrypt_field(struct ll_host *h, struct json_object *creds, const char *field,
			 char *buf, size_t len)
{
	struct ll_vault_ad ad = { h->site_id, h->provider, field };
	struct json_object *v;
	size_t n;

	if (!field || !json_object_object_get_ex(creds, field, &v) ||
	    !json_object_is_type(v, json_type_string))
		return -1;
	return ll_vault_decrypt(h->keyring, &ad, json_object_get_string(v), buf, len, &n) ==
	       LL_VAULT_OK ? 0 : -1;
}

/* The JWT exp claim of an access token, or 0. */
static int64_t jwt_exp(const char *token)
{
	const char *p = strchr(token, '.'), *q = p ? strchr(p + 1, '.') : NULL;
	unsigned char json[1024];
	size_t n;
	struct json_object *claims, *exp;
	int64_t t = 0;

	if (!q || sodium_base642bin(json, sizeof json - 1, p + 1, (size_t)(q - p - 1), NULL, &n,
				     NULL, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return 0;
	json[n] = '\0';
	claims = json_tokener_parse((const char *)json);
	if (claims && json_object_object_get_ex(claims, "exp", &exp) &&
	    json_object_is_type(exp, json_type_int))
		t = json_object_get_int64(exp);
	json_object_put(claims);
	return t;
}

/* When a token issued at issued and expiring at expires is renewed: a
 * quarter of its life early, at most RENEW_BEFORE_S (a short-lived token
 * is not renewed at every call). */
static int64_t renew_at(int64_t issued, int64_t expires)
{
	int64_t early = (expires - issued) / 4;

	return expires - (early < 0 ? 0 : early > RENEW_BEFORE_S ? RENEW_BEFORE_S : early);
}

/* When an access token expires (epoch s): expires_in, else expires_at
 * ("2024-04-09 21:04:31 UTC", Jobber), else the JWT's exp, else soon. */
static int64_t expiry_of(struct json_object *resp, const char *access, int64_t now)
{
	struct json_object *v;
	struct tm tm = { 0 };
	int64_t t;

	if (json_object_object_get_ex(resp, "expires_in", &v) && json_object_is_type(v, json_type_int))
		return now + json_object_get_int64(v);
	if (json_object_object_get_ex(resp, "expires_at", &v) && json_object_is_type(v, json_type_string) &&
	    strptime(json_object_get_string(v), "%Y-%m-%d %H:%M:%S", &tm))
		return (int64_t)timegm(&tm);
	t = jwt_exp(access);
	return t > 0 ? t : now + DEFAULT_LIFETIME_S;
}

/* One request to the token endpoint, sent once: a retried refresh would
 * spend a rotated token.  LL_OK with *resp (a new reference); otherwise
 * *status says what the endpoint answered (0: nothing). */
static enum ll_status token_request(struct ll_host *h, const char *form, struct json_object **resp,
				    long *status, char *err, size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	const char *url = setting(h, o->token_url_setting);
	struct ll_http_header headers[] = {
		{ "Content-Type", "application/x-www-form-urlencoded", 0 },
		{ "Accept", "application/json", 0 },
	};
	struct ll_http_request rq = { "POST", url, form, headers, 2 };
	struct ll_http_policy once = h->cfg->http;  /* the attempts, below */
	struct ll_http_client client;
	struct ll_http_response rs;
	enum ll_status st;

	*resp = NULL;
	*status = 0;
	if (!url) {
		snprintf(err, errlen, "setting '%s' (the token endpoint) is not set",
			 o->token_url_setting);
		return LL_ERR_CONFIG;
	}
	/* A rotating refresh grant is sent once; client credentials are
	 * retried like any request (the endpoint's 429 honoured). */
	if (o->refresh_token_field)
		once.max_attempts = 1;
	if (ll_http_client_init(&client, &once, h->prefix) < 0) {
		snprintf(err, errlen, "out of memory");
		return LL_ERR_INTERNAL;
	}
	client.stop = h->http.stop;
	st = ll_http_perform(&client, &rq, NULL, &rs, err, errlen);
	*status = rs.status;
	if (st == LL_ERR_RATE_LIMIT) /* the scheduler defers the job by it */
		ll_http_client_note_retry_after(&h->http, rs.retry_after_s);
	if (st == LL_OK) {
		*resp = rs.json;
		rs.json = NULL;
	}
	ll_http_response_release(&rs);
	ll_http_client_release(&client);
	return st;
}

/* The integration needs reconnecting: said once, never retried. */
static void mark_reconnect(struct ll_host *h, struct ll_db *db, const char *why)
{
	char iid[24], reason[400], err[256];
	const char *params[] = { iid, reason };

	snprintf(iid, sizeof iid, "%" PRId64, h->integration_id);
	snprintf(reason, sizeof reason, "reconnect: %s (run leadledger connect --site %s "
		 "--provider %s, or Connect in the dashboard)", why, h->site_id, h->provider);
	if (ll_db_exec(db, "UPDATE site_integrations SET needs_attention = true, "
		       "needs_reconnect = true, attention_reason = $2, updated_at = now() "
		       "WHERE id = $1", 2, params, err, sizeof err) < 0)
		ll_log(LL_LOG_ERR, "%s: %s", h->prefix, err);
	pthread_mutex_lock(&h->lock);
	snprintf(h->attention, sizeof h->attention, "%s", reason);
	pthread_mutex_unlock(&h->lock);
	ll_log(LL_LOG_ERR, "%s: needs attention: %s", h->prefix, reason);
}

/* Store what the token endpoint granted, in one transaction: the rotated
 * refresh token (when it sent one) and the access token with its expiry.
 * The integration is connected again. */
static int store_grant(struct ll_host *h, struct ll_db *db, const char *refresh,
		       const char *access, int64_t expires, char *err, size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	struct ll_vault_ad rad = { h->site_id, h->provider, o->refresh_token_field };
	struct ll_vault_ad aad = { h->site_id, h->provider, ACCESS_FIELD };
	char *rct = NULL, *act = NULL, iid[24], exp[24];
	const char *params[3] = { iid };
	int rc = -1;

	snprintf(iid, sizeof iid, "%" PRId64, h->integration_id);
	snprintf(exp, sizeof exp, "%" PRId64, expires);
	if ((refresh && ll_vault_encrypt(h->keyring, &rad, refresh, strlen(refresh), &rct) !=
			LL_VAULT_OK) ||
	    ll_vault_encrypt(h->keyring, &aad, access, strlen(access), &act) != LL_VAULT_OK) {
		snprintf(err, errlen, "cannot encrypt the tokens under the active key");
		goto out;
	}
	if (ll_db_begin(db, err, errlen) < 0)
		goto out;
	params[1] = o->refresh_token_field;
	params[2] = rct;
	if (refresh && ll_db_exec(db, "UPDATE site_integrations SET credentials = "
				  "jsonb_set(credentials, ARRAY[$2::text], to_jsonb($3::text)) "
				  "WHERE id = $1", 3, params, err, errlen) < 0)
		goto rollback;
	params[1] = act;
	params[2] = exp;
	if (ll_db_exec(db, "INSERT INTO oauth_tokens (integration_id, access_token, expires_at, "
		       "refreshes) VALUES ($1, $2, to_timestamp($3::bigint), 1) "
		       "ON CONFLICT (integration_id) DO UPDATE SET access_token = EXCLUDED.access_token, "
		       "expires_at = EXCLUDED.expires_at, refreshed_at = now(), "
		       "refreshes = oauth_tokens.refreshes + 1", 3, params, err, errlen) < 0 ||
	    ll_db_exec(db, "UPDATE site_integrations SET needs_attention = false, "
		       "needs_reconnect = false, attention_reason = NULL WHERE id = $1 "
		       "AND needs_reconnect", 1, params, err, errlen) < 0 ||
	    ll_db_commit(db, err, errlen) < 0)
		goto rollback;
	if (rct)
		ll_host_cache_credential(h, o->refresh_token_field, rct);
	rc = 0;
	goto out;
rollback:
	ll_db_rollback(db);
out:
	free(rct);
	free(act);
	return rc;
}

/* Send a grant and store what it gives; the access token into h.  A
 * refused refresh grant marks the integration for reconnecting; a refused
 * authorization code is only reported (mark 0). */
static enum ll_status grant(struct ll_host *h, struct ll_db *db, const char *form, int mark,
			    char *err, size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	struct json_object *resp, *at, *rt = NULL;
	enum ll_status st;
	long status;
	int64_t now = (int64_t)time(NULL), expires;

	st = token_request(h, form, &resp, &status, err, errlen);
	if (st != LL_OK) {
		/* The endpoint refused the grant: only a person can mend that. */
		if (status >= 400 && status < 500 && status != 408 && status != 429) {
			if (mark && o->refresh_token_field)
				mark_reconnect(h, db, err);
			else if (mark)
				ll_host_mark_attention(h, "the CRM refused the client credentials; fix "
						       "the client id and secret in the configuration");
			return LL_ERR_AUTH;
		}
		return st == LL_ERR_AUTH ? LL_ERR_TRANSIENT : st;
	}
	if (!json_object_object_get_ex(resp, "access_token", &at) ||
	    !json_object_is_type(at, json_type_string) || !json_object_get_string_len(at) ||
	    json_object_get_string_len(at) >= LL_OAUTH_TOKEN_MAX ||
	    (json_object_object_get_ex(resp, "refresh_token", &rt) &&
	     !json_object_is_type(rt, json_type_string))) {
		json_object_put(resp);
		snprintf(err, errlen, "the token endpoint answered without a usable access_token");
		return LL_ERR_DATA;
	}
	expires = expiry_of(resp, json_object_get_string(at), now);
	/* Between the CRM rotating the refresh token and the commit below, a
	 * crash loses the new one: the next refresh is refused and the
	 * integration asks for a reconnect, explicitly.  Client-credential
	 * tokens are never stored: each instance mints its own. */
	LL_FAULT_POINT("oauth_before_store");
	if (o->refresh_token_field &&
	    store_grant(h, db, rt ? json_object_get_string(rt) : NULL, json_object_get_string(at),
			expires, err, errlen) < 0) {
		json_object_put(resp);
		return LL_ERR_TRANSIENT;
	}
	pthread_mutex_lock(&h->lock);
	snprintf(h->oauth_access, sizeof h->oauth_access, "%s", json_object_get_string(at));
	h->oauth_renew_at = renew_at(now, expires);
	h->attention[0] = '\0';
	pthread_mutex_unlock(&h->lock);
	json_object_put(resp);
	return LL_OK;
}

/* The refresh (or client-credentials) grant's form. */
static int refresh_form(struct ll_host *h, struct json_object *creds, struct ll_buf *form,
			char *err, size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	const char *client_id = setting(h, o->client_id_setting);
	char secret[SECRET_MAX], refresh[SECRET_MAX];
	int rc = 0;

	if (!client_id || decrypt_field(h, creds, o->client_secret_field, secret, sizeof secret) < 0) {
		snprintf(err, errlen, "setting '%s' or credential '%s' is missing or does not decrypt",
			 o->client_id_setting, o->client_secret_field);
		return -1;
	}
	if (o->refresh_token_field &&
	    decrypt_field(h, creds, o->refresh_token_field, refresh, sizeof refresh) < 0) {
		sodium_memzero(secret, sizeof secret);
		snprintf(err, errlen, "not connected: no refresh token");
		return -2;
	}
	rc |= form_add(form, "grant_type", o->refresh_token_field ? "refresh_token"
					   : "client_credentials");
	if (o->refresh_token_field)
		rc |= form_add(form, "refresh_token", refresh);
	rc |= form_add(form, "client_id", client_id);
	rc |= form_add(form, "client_secret", secret);
	if (o->scope)
		rc |= form_add(form, "scope", o->scope);
	sodium_memzero(secret, sizeof secret);
	sodium_memzero(refresh, sizeof refresh);
	if (rc)
		snprintf(err, errlen, "out of memory");
	return rc ? -1 : 0;
}

/* Under the advisory lock: the stored access token when it is good (and
 * not the one the CRM just refused), else a grant. */
static enum ll_status refresh_locked(struct ll_host *h, struct ll_db *db, int renew, char *err,
				     size_t errlen)
{
	char iid[24], access[LL_OAUTH_TOKEN_MAX];
	const char *params[] = { iid };
	struct json_object *creds = NULL;
	struct ll_buf form;
	PGresult *res;
	enum ll_status st = LL_OK;
	int64_t renew_time = 0, now = (int64_t)time(NULL);
	int reconnect, have_access = 0, rc;

	snprintf(iid, sizeof iid, "%" PRId64, h->integration_id);
	res = ll_db_query(db, "SELECT i.credentials::text, i.needs_reconnect, t.access_token, "
			  "coalesce(extract(epoch FROM t.expires_at)::bigint, 0), "
			  "coalesce(extract(epoch FROM t.refreshed_at)::bigint, 0) "
			  "FROM site_integrations i LEFT JOIN oauth_tokens t ON t.integration_id = i.id "
			  "WHERE i.id = $1", 1, params, err, errlen);
	if (!res)
		return LL_ERR_TRANSIENT;
	if (PQntuples(res) != 1) {
		PQclear(res);
		snprintf(err, errlen, "integration %s is not registered", iid);
		return LL_ERR_CONFIG;
	}
	creds = json_tokener_parse(PQgetvalue(res, 0, 0));
	reconnect = strcmp(PQgetvalue(res, 0, 1), "t") == 0;
	renew_time = renew_at(strtoll(PQgetvalue(res, 0, 4), NULL, 10),
			 strtoll(PQgetvalue(res, 0, 3), NULL, 10));
	if (!PQgetisnull(res, 0, 2)) {
		struct ll_vault_ad ad = { h->site_id, h->provider, ACCESS_FIELD };
		size_t n;

		have_access = ll_vault_decrypt(h->keyring, &ad, PQgetvalue(res, 0, 2), access,
					       sizeof access, &n) == LL_VAULT_OK;
	}
	PQclear(res);
	if (reconnect) {
		snprintf(err, errlen, "%s needs reconnecting: run leadledger connect --site %s "
			 "--provider %s", h->prefix, h->site_id, h->provider);
		st = LL_ERR_AUTH;
	} else if (have_access && oauth_def(h)->refresh_token_field &&
		   renew_time > now &&
		   !(renew && strcmp(access, h->oauth_access) == 0)) {
		/* Another thread or instance renewed it: use theirs. */
		pthread_mutex_lock(&h->lock);
		snprintf(h->oauth_access, sizeof h->oauth_access, "%s", access);
		h->oauth_renew_at = renew_time;
		pthread_mutex_unlock(&h->lock);
	} else {
		ll_buf_init(&form, 16384);
		rc = refresh_form(h, creds, &form, err, errlen);
		if (rc == -2)
			mark_reconnect(h, db, "no refresh token is stored");
		st = rc == 0 ? grant(h, db, form.data, 1, err, errlen) : rc == -2 ? LL_ERR_AUTH
									  : LL_ERR_CONFIG;
		if (form.data)
			sodium_memzero(form.data, form.len);
		ll_buf_release(&form);
	}
	sodium_memzero(access, sizeof access);
	json_object_put(creds);
	return st;
}

/* A connection of its own, holding the integration's token lock. */
static int lock_open(struct ll_host *h, struct ll_db *db, char *err, size_t errlen)
{
	char key[64];
	const char *params[] = { key };

	snprintf(key, sizeof key, "oauth/%" PRId64, h->integration_id);
	if (ll_db_connect(db, h->cfg->database, err, errlen) < 0)
		return -1;
	/* Waits for another instance's token request, within lock_timeout. */
	if (ll_db_exec(db, "SELECT pg_advisory_lock(hashtextextended($1, 0))", 1, params, err,
		       errlen) < 0) {
		ll_db_release(db);
		return -1;
	}
	return 0;
}

static void lock_close(struct ll_host *h, struct ll_db *db)
{
	char key[64], err[256];
	const char *params[] = { key };

	snprintf(key, sizeof key, "oauth/%" PRId64, h->integration_id);
	if (ll_db_exec(db, "SELECT pg_advisory_unlock(hashtextextended($1, 0))", 1, params, err,
		       sizeof err) < 0)
		ll_log(LL_LOG_WARNING, "%s: %s", h->prefix, err);
	ll_db_release(db); /* ends the session, and any lock with it */
}

enum ll_status ll_oauth_token(struct ll_host *h, int renew, char *out, size_t len, char *err,
			      size_t errlen)
{
	struct ll_db db;
	enum ll_status st = LL_OK;
	int64_t now = (int64_t)time(NULL);

	if (!oauth_def(h)) {
		snprintf(err, errlen, "provider %s declares no OAuth", h->provider);
		return LL_ERR_CONFIG;
	}
	pthread_mutex_lock(&h->oauth_lock);
	if (renew || !h->oauth_access[0] || h->oauth_renew_at <= now) {
		if (lock_open(h, &db, err, errlen) < 0) {
			st = LL_ERR_TRANSIENT;
		} else {
			st = refresh_locked(h, &db, renew, err, errlen);
			lock_close(h, &db);
		}
	}
	if (st == LL_OK) {
		pthread_mutex_lock(&h->lock);
		if (strlen(h->oauth_access) >= len) {
			snprintf(err, errlen, "access token longer than %zu bytes", len);
			st = LL_ERR_INTERNAL;
		} else {
			snprintf(out, len, "%s", h->oauth_access);
		}
		pthread_mutex_unlock(&h->lock);
	}
	pthread_mutex_unlock(&h->oauth_lock);
	return st;
}

/* ---- the authorization-code grant ---- */

static void state_digest(const char *state, char hex[65])
{
	unsigned char d[32];

	crypto_generichash(d, sizeof d, (const unsigned char *)state, strlen(state), NULL, 0);
	sodium_bin2hex(hex, 65, d, sizeof d);
}

int ll_oauth_authorize_url(struct ll_host *h, struct ll_db *db, char *url, size_t len,
			   char *err, size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	const char *authorize, *client_id, *redirect;
	unsigned char rnd[32];
	char state[64], hex[65], iid[24], ttl[16];
	const char *params[] = { hex, iid, ttl };
	struct ll_buf q;
	int rc;

	if (!o || !o->refresh_token_field || !o->authorize_url_setting) {
		snprintf(err, errlen, "provider %s has no authorization to connect with", h->provider);
		return -1;
	}
	authorize = setting(h, o->authorize_url_setting);
	client_id = setting(h, o->client_id_setting);
	redirect = setting(h, o->redirect_uri_setting);
	if (!authorize || !client_id || !redirect) {
		snprintf(err, errlen, "settings '%s', '%s' and '%s' are needed to connect",
			 o->authorize_url_setting, o->client_id_setting,
			 o->redirect_uri_setting ? o->redirect_uri_setting : "redirect_uri");
		return -1;
	}
	randombytes_buf(rnd, sizeof rnd);
	sodium_bin2base64(state, sizeof state, rnd, sizeof rnd,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	state_digest(state, hex);
	snprintf(iid, sizeof iid, "%" PRId64, h->integration_id);
	snprintf(ttl, sizeof ttl, "%d", LL_OAUTH_STATE_TTL_S);
	if (ll_db_exec(db, "INSERT INTO oauth_states (digest, integration_id, expires_at) VALUES "
		       "(decode($1, 'hex'), $2, now() + make_interval(secs => $3::int))",
		       3, params, err, errlen) < 0)
		return -1;
	ll_buf_init(&q, len);
	rc = form_add(&q, "response_type", "code") | form_add(&q, "client_id", client_id) |
	     form_add(&q, "redirect_uri", redirect) | form_add(&q, "state", state);
	if (o->scope)
		rc |= form_add(&q, "scope", o->scope);
	if (rc == 0 && snprintf(url, len, "%s%s%s", authorize, strchr(authorize, '?') ? "&" : "?",
				q.data) >= (int)len)
		rc = -1;
	ll_buf_release(&q);
	if (rc)
		snprintf(err, errlen, "the authorization URL is too long");
	return rc ? -1 : 0;
}

int ll_oauth_state_take(struct ll_db *db, const char *state, int64_t *integration_id,
			char *err, size_t errlen)
{
	char hex[65];
	const char *params[] = { hex };
	PGresult *res;
	int found;

	if (!state || !state[0] || strlen(state) > 128)
		return 0;
	state_digest(state, hex);
	res = ll_db_query(db, "UPDATE oauth_states SET used_at = now() WHERE digest = decode($1, 'hex') "
			  "AND used_at IS NULL AND expires_at > now() RETURNING integration_id",
			  1, params, err, errlen);
	if (!res)
		return -1;
	found = PQntuples(res) == 1;
	if (found)
		*integration_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return found;
}

enum ll_status ll_oauth_exchange_code(struct ll_host *h, const char *code, char *err,
				      size_t errlen)
{
	const struct ll_oauth_def *o = oauth_def(h);
	const char *client_id, *redirect;
	char secret[SECRET_MAX];
	struct ll_buf form;
	struct ll_db db;
	enum ll_status st;
	int rc;

	if (!o || !o->refresh_token_field) {
		snprintf(err, errlen, "provider %s has no authorization to connect with", h->provider);
		return LL_ERR_CONFIG;
	}
	client_id = setting(h, o->client_id_setting);
	redirect = setting(h, o->redirect_uri_setting);
	if (!client_id || !redirect ||
	    decrypt_field(h, h->credentials, o->client_secret_field, secret, sizeof secret) < 0) {
		snprintf(err, errlen, "setting '%s' or '%s', or credential '%s', is missing or does "
			 "not decrypt", o->client_id_setting, o->redirect_uri_setting,
			 o->client_secret_field);
		return LL_ERR_CONFIG;
	}
	ll_buf_init(&form, 16384);
	rc = form_add(&form, "grant_type", "authorization_code") | form_add(&form, "code", code) |
	     form_add(&form, "redirect_uri", redirect) | form_add(&form, "client_id", client_id) |
	     form_add(&form, "client_secret", secret);
	sodium_memzero(secret, sizeof secret);
	if (rc || lock_open(h, &db, err, errlen) < 0) {
		if (rc)
			snprintf(err, errlen, "out of memory");
		st = rc ? LL_ERR_INTERNAL : LL_ERR_TRANSIENT;
	} else {
		st = grant(h, &db, form.data, 0, err, errlen);
		lock_close(h, &db);
	}
	if (form.data)
		sodium_memzero(form.data, form.len);
	ll_buf_release(&form);
	return st;
}
