/*
 * The host side of the provider interface: the per-integration context
 * (struct ll_host), the canonical record (struct ll_record) and the
 * services table handed to providers (ll_host_api).
 */
#ifndef LL_HOST_H
#define LL_HOST_H

#include <json-c/json.h>
#include <pthread.h>
#include <stdint.h>

#include "config/config.h"
#include "leadledger/provider.h"
#include "provider/http.h"
#include "store/db.h"
#include "vault/vault.h"

#define LL_FIELD_COUNT (LL_FIELD_JOB_ID + 1)

struct ll_record {
	char *str[LL_FIELD_COUNT];
	int64_t num[LL_FIELD_COUNT];
	unsigned char set[LL_FIELD_COUNT];
};

void ll_record_init(struct ll_record *r);
void ll_record_release(struct ll_record *r);

struct ll_host {
	char prefix[160]; /* "site/provider", the log prefix */
	const char *site_id;
	const char *provider;
	int64_t integration_id;
	const struct ll_config *cfg;
	const struct ll_integration_conf *ic;
	const struct ll_provider *desc;
	const struct ll_keyring *keyring;
	/* Pages are fetched on worker threads while the sync stores others
	 * on db.  db_lock serializes use of db (the sync's commits, the
	 * services that write); lock guards credentials and attention and is
	 * never held while taking db_lock, so a fetch does not wait for a
	 * commit to read its API key. */
	pthread_mutex_t db_lock;
	pthread_mutex_t lock;
	struct ll_db *db;                 /* for credential_set */
	struct json_object *credentials;  /* owned: field -> ciphertext */
	struct ll_http_client http;
	char attention[400]; /* why the integration needs attention, or "" */
	/* OAuth (provider/oauth.h): one token request of this host at a
	 * time; the current access token under lock. */
	pthread_mutex_t oauth_lock;
	char oauth_access[4096];
	int64_t oauth_renew_at; /* epoch seconds: renew the token from then */
	int ready;           /* locks and http initialized */
};

extern const struct ll_host_api ll_host_api;

/* Takes ownership of credentials (even on failure). */
int ll_host_init(struct ll_host *h, const struct ll_config *cfg,
		 const struct ll_site_conf *site,
		 const struct ll_integration_conf *ic,
		 const struct ll_provider *desc, const struct ll_keyring *kr,
		 struct ll_db *db, int64_t integration_id,
		 struct json_object *credentials);
void ll_host_release(struct ll_host *h);

/* Record why the integration needs attention: in memory, in the log and
 * in the registry (so `leadledger status` shows it and no HTTP call is
 * made until the configuration is fixed). */
void ll_host_mark_attention(struct ll_host *h, const char *reason);

/* A credential's new ciphertext, already stored, for credential_get. */
void ll_host_cache_credential(struct ll_host *h, const char *field, const char *ciphertext);

#endif
