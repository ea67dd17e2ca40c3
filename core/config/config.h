/*
 * The configuration file (libconfig), parsed and validated up front.
 *
 * ll_config_load() reads the whole file and records every problem in errs
 * as "file:line: message"; it returns 0 only when there are none.  Whatever
 * it returns, cfg must be released with ll_config_release().  Provider
 * settings are checked later, against the schema each loaded provider
 * declares (ll_config_check_providers in loader.h).
 *
 * Credentials are kept as the vault ciphertexts found in the file; a value
 * that is not a vault ciphertext is an error (and is never echoed).
 */
#ifndef LL_CONFIG_H
#define LL_CONFIG_H

#include <stdint.h>
#include <sys/socket.h>

#include "config/host_settings.h"
#include "config/rules.h"
#include "leadledger/provider.h"
#include "util/errors.h"

struct ll_setting {
	char *key;
	enum ll_setting_type type;
	char *str;   /* LL_SETTING_STRING */
	int64_t num; /* LL_SETTING_INT, LL_SETTING_BOOL */
	int line;
};

struct ll_credential {
	char *field;
	char *ciphertext;
	int line;
};

struct ll_integration_conf {
	char *provider;
	int line;
	struct ll_credential *credentials;
	size_t n_credentials;
	struct ll_setting *settings;
	size_t n_settings;
};

struct ll_site_conf {
	char *id;
	char *name;
	char *plan;
	char *timezone;
	int line;
	struct ll_integration_conf *integrations;
	size_t n_integrations;
	struct ll_rules overrides; /* per-site lead-source rules */
};

/* The host's HTTP policy: timeouts, size cap, retries. */
struct ll_http_policy {
	int64_t timeout_s;
	int64_t connect_timeout_s;
	int64_t low_speed_bytes;
	int64_t low_speed_time_s;
	int64_t max_body_bytes;
	int64_t max_attempts;
	int64_t backoff_base_ms;
	int64_t backoff_cap_ms;
	int64_t retry_budget_s;
};

/* leadledgerd's HTTP API and dashboard; served only when listen is set. */
struct ll_api_conf {
	char *listen;             /* "127.0.0.1:8470", "[::1]:8470"; NULL: off */
	int listen_line;
	char *metrics_listen;     /* /metrics on its own listener; NULL: not served */
	int public_listen;        /* `public = true`: a non-loopback listen is meant */
	struct sockaddr_storage *trusted_proxies; /* exempt from per_ip_connections */
	size_t n_trusted_proxies;
	char *dashboard_dir;      /* index.html, app.js, style.css */
	int64_t threads;
	int64_t max_connections;
	int64_t per_ip_connections;
	int64_t timeout_s;        /* for a request's head (absolute) and idle */
};


struct ll_config {
	char *path;
	char *database;
	char *keyring;
	char *provider_dir;
	char *lead_sources;
	int64_t host_defaults[LL_HS_COUNT]; /* the table's, or the top-level key's */
	int64_t workers;          /* leadledgerd worker threads */
	int64_t lease_s;          /* lease length, renewed per committed page */
	int64_t max_backoff_s;    /* cap of the failure backoff */
	int64_t shutdown_timeout_s; /* how long SIGTERM waits for running pages */
	int64_t run_history_days; /* raw sync_runs kept; older ones only in totals */
	int log_level;
	struct ll_http_policy http;
	struct ll_api_conf api;
	struct ll_site_conf *sites;
	size_t n_sites;
};


#define LL_PLAN_FEATURED "elite"

void ll_config_init(struct ll_config *cfg);
void ll_config_release(struct ll_config *cfg);
int ll_config_load(const char *path, struct ll_config *cfg,
		   struct ll_errors *errs);

const struct ll_site_conf *ll_config_site(const struct ll_config *cfg,
					  const char *id);
const struct ll_setting *ll_integration_setting(
	const struct ll_integration_conf *ic, const char *key);
int ll_site_featured(const struct ll_site_conf *s);
/* Append a PostgreSQL array literal of every integration as
 * "site/provider" (ids and provider names need no quoting).  0 or -1. */
struct ll_buf;
int ll_config_integration_keys(const struct ll_config *cfg, struct ll_buf *out);
int ll_valid_site_id(const char *id);
int ll_valid_timezone(const char *tz);

#endif
