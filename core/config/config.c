#include "config/config.h"

#include <libconfig.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/number.h"
#include "util/timeutil.h"
#include "util/utf8.h"
#include "vault/vault.h"

#ifndef LL_PROVIDER_DIR
#define LL_PROVIDER_DIR "/usr/local/lib/leadledger/providers"
#endif
#ifndef LL_PKGDATADIR
#define LL_PKGDATADIR "/usr/local/share/leadledger"
#endif
#ifndef LL_SYSCONFDIR
#define LL_SYSCONFDIR "/usr/local/etc"
#endif

void ll_config_init(struct ll_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	ll_host_defaults_init(cfg->host_defaults);
	cfg->workers = 4;
	cfg->lease_s = 1200; /* longer than the retry budget: see schedule.h */
	cfg->max_backoff_s = 86400;
	cfg->shutdown_timeout_s = 30;
	cfg->run_history_days = 90;
	cfg->log_level = LL_LOG_INFO;
	cfg->http = (struct ll_http_policy){
		.timeout_s = 120,
		.connect_timeout_s = 10,
		.low_speed_bytes = 1024,
		.low_speed_time_s = 30,
		.max_body_bytes = 20 * 1024 * 1024,
		.max_attempts = 6,
		.backoff_base_ms = 1000,
		.backoff_cap_ms = 300000,
		.retry_budget_s = 900,
	};
	cfg->api = (struct ll_api_conf){
		.threads = 4,
		.max_connections = 64,
		.per_ip_connections = 16,
		.timeout_s = 15,
	};
}

static void integration_release(struct ll_integration_conf *ic)
{
	free(ic->provider);
	for (size_t i = 0; i < ic->n_credentials; i++) {
		free(ic->credentials[i].field);
		free(ic->credentials[i].ciphertext);
	}
	free(ic->credentials);
	for (size_t i = 0; i < ic->n_settings; i++) {
		free(ic->settings[i].key);
		free(ic->settings[i].str);
	}
	free(ic->settings);
}

void ll_config_release(struct ll_config *cfg)
{
	for (size_t i = 0; i < cfg->n_sites; i++) {
		struct ll_site_conf *s = &cfg->sites[i];

		free(s->id);
		free(s->name);
		free(s->plan);
		free(s->timezone);
		for (size_t j = 0; j < s->n_integrations; j++)
			integration_release(&s->integrations[j]);
		free(s->integrations);
		ll_rules_release(&s->overrides);
	}
	free(cfg->sites);
	free(cfg->path);
	free(cfg->database);
	free(cfg->keyring);
	free(cfg->provider_dir);
	free(cfg->lead_sources);
	free(cfg->api.listen);
	free(cfg->api.metrics_listen);
	free(cfg->api.trusted_proxies);
	free(cfg->api.dashboard_dir);
	ll_config_init(cfg);
}

int ll_valid_site_id(const char *id)
{
	size_t n = 0;

	for (; id[n]; n++)
		if (!((id[n] >= 'a' && id[n] <= 'z') ||
		      (id[n] >= '0' && id[n] <= '9') || id[n] == '-'))
			return 0;
	return n > 0 && n <= 64;
}

/* A compiled zone starts with "TZif"; the zoneinfo tree also holds text
 * files (leapseconds, zone.tab, tzdata.zi) that are no zone. */
static int is_tzif(const char *path)
{
	char magic[4];
	FILE *f = fopen(path, "rb");
	int ok = f && fread(magic, 1, sizeof magic, f) == sizeof magic &&
		 memcmp(magic, "TZif", 4) == 0;

	if (f)
		fclose(f);
	return ok;
}

int ll_valid_timezone(const char *tz)
{
	char path[512];
	struct stat st;

	if (!tz[0] || tz[0] == '/' || strstr(tz, "..") || strlen(tz) > 64)
		return 0;
	for (const char *p = tz; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || strchr("/_+-", *p)))
			return 0;
	if (strcmp(tz, "UTC") == 0)
		return 1;
	/* Without a zoneinfo tree we cannot tell; PostgreSQL will. */
	if (stat("/usr/share/zoneinfo", &st) != 0)
		return 1;
	snprintf(path, sizeof path, "/usr/share/zoneinfo/%s", tz);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && is_tzif(path);
}

/* The plans a site may be on; LL_PLAN_FEATURED unlocks syncing and
 * reporting, the others are registered only. */
static const char *const plans[] = { "basic", "pro", LL_PLAN_FEATURED, NULL };

static int known_plan(const char *plan)
{
	for (size_t i = 0; plans[i]; i++)
		if (strcmp(plans[i], plan) == 0)
			return 1;
	return 0;
}

int ll_site_featured(const struct ll_site_conf *s)
{
	return strcmp(s->plan, LL_PLAN_FEATURED) == 0;
}

int ll_config_integration_keys(const struct ll_config *cfg, struct ll_buf *out)
{
	const char *sep = "";

	if (ll_buf_puts(out, "{") < 0)
		return -1;
	for (size_t i = 0; i < cfg->n_sites; i++)
		for (size_t j = 0; j < cfg->sites[i].n_integrations; j++) {
			if (ll_buf_printf(out, "%s\"%s/%s\"", sep, cfg->sites[i].id,
					  cfg->sites[i].integrations[j].provider) < 0)
				return -1;
			sep = ",";
		}
	return ll_buf_puts(out, "}");
}

const struct ll_site_conf *ll_config_site(const struct ll_config *cfg,
					  const char *id)
{
	for (size_t i = 0; i < cfg->n_sites; i++)
		if (strcmp(cfg->sites[i].id, id) == 0)
			return &cfg->sites[i];
	return NULL;
}

const struct ll_setting *ll_integration_setting(
	const struct ll_integration_conf *ic, const char *key)
{
	for (size_t i = 0; i < ic->n_settings; i++)
		if (strcmp(ic->settings[i].key, key) == 0)
			return &ic->settings[i];
	return NULL;
}

/* Parsing context: the file name for messages and the error list. */
struct parse {
	const char *file;
	struct ll_errors *errs;
	int oom;
};

static char *dup_or_oom(struct parse *p, const char *s)
{
	char *d = strdup(s);

	if (!d)
		p->oom = 1;
	return d;
}

static int line_of(const config_setting_t *s)
{
	return config_setting_source_line(s);
}

static void check_keys(struct parse *p, const config_setting_t *group,
		       const char *const *allowed, const char *where)
{
	for (int i = 0; i < config_setting_length(group); i++) {
		const config_setting_t *m = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(m);
		int ok = 0;

		for (size_t k = 0; allowed[k]; k++)
			if (strcmp(allowed[k], name) == 0)
				ok = 1;
		if (!ok)
			ll_errors_add(p->errs, "%s:%d: unknown key '%s' in %s",
				      p->file, line_of(m), name, where);
	}
}

static const char *get_string(struct parse *p, const config_setting_t *group,
			      const char *key, int required)
{
	const config_setting_t *m = config_setting_get_member(group, key);

	if (!m) {
		if (required)
			ll_errors_add(p->errs, "%s:%d: missing required key '%s'",
				      p->file, line_of(group), key);
		return NULL;
	}
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		ll_errors_add(p->errs, "%s:%d: '%s' must be a string",
			      p->file, line_of(m), key);
		return NULL;
	}
	if (!ll_utf8_valid(config_setting_get_string(m))) {
		ll_errors_add(p->errs, "%s:%d: '%s' is not valid UTF-8", p->file, line_of(m), key);
		return NULL;
	}
	return config_setting_get_string(m);
}

static void get_int(struct parse *p, const config_setting_t *group,
		    const char *key, int64_t min, int64_t max, int64_t *out)
{
	const config_setting_t *m = config_setting_get_member(group, key);
	int64_t v;

	if (!m)
		return;
	if (config_setting_type(m) != CONFIG_TYPE_INT &&
	    config_setting_type(m) != CONFIG_TYPE_INT64) {
		ll_errors_add(p->errs, "%s:%d: '%s' must be an integer",
			      p->file, line_of(m), key);
		return;
	}
	v = config_setting_get_int64(m);
	if (v < min || v > max) {
		ll_errors_add(p->errs, "%s:%d: '%s' = %lld is out of range [%lld, %lld]",
			      p->file, line_of(m), key, (long long)v,
			      (long long)min, (long long)max);
		return;
	}
	*out = v;
}

static void parse_http(struct parse *p, const config_setting_t *g,
		       struct ll_http_policy *h)
{
	static const char *const keys[] = {
		"timeout", "connect_timeout", "low_speed_bytes", "low_speed_time",
		"max_body_bytes", "max_attempts", "backoff_base_ms",
		"backoff_cap_ms", "retry_budget", NULL,
	};

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: 'http' must be a group { ... }",
			      p->file, line_of(g));
		return;
	}
	check_keys(p, g, keys, "http");
	get_int(p, g, "timeout", 1, 3600, &h->timeout_s);
	get_int(p, g, "connect_timeout", 1, 600, &h->connect_timeout_s);
	get_int(p, g, "low_speed_bytes", 1, 1 << 30, &h->low_speed_bytes);
	get_int(p, g, "low_speed_time", 1, 3600, &h->low_speed_time_s);
	get_int(p, g, "max_body_bytes", 1024, (int64_t)1 << 32, &h->max_body_bytes);
	get_int(p, g, "max_attempts", 1, 100, &h->max_attempts);
	get_int(p, g, "backoff_base_ms", 1, 600000, &h->backoff_base_ms);
	get_int(p, g, "backoff_cap_ms", 1, 3600000, &h->backoff_cap_ms);
	get_int(p, g, "retry_budget", 1, 86400, &h->retry_budget_s);
}

/* A listening address of the api block: numeric, and on loopback unless
 * the block says `public = true`. */
static char *listen_address(struct parse *p, const config_setting_t *g, const char *key,
			    const char *def, int public_listen)
{
	const config_setting_t *m = config_setting_get_member(g, key);
	const char *s = get_string(p, g, key, 0);
	struct sockaddr_storage addr;
	int line = line_of(m ? m : g);

	if (!s && !def)
		return NULL;
	if (!s)
		s = def;
	if (ll_parse_listen(s, &addr) < 0) {
		ll_errors_add(p->errs, "%s:%d: api %s must be IPv4:port or [IPv6]:port with a "
			      "numeric address, e.g. \"127.0.0.1:8470\"", p->file, line, key);
		return dup_or_oom(p, s);
	}
	if (!ll_addr_is_loopback(&addr) && !public_listen)
		ll_errors_add(p->errs, "%s:%d: api %s \"%s\" is not a loopback address: add "
			      "public = true; to serve other hosts (behind a TLS proxy)",
			      p->file, line, key, s);
	return dup_or_oom(p, s);
}

static void parse_trusted(struct parse *p, const config_setting_t *m, struct ll_api_conf *a)
{
	int n = config_setting_length(m);

	if (!config_setting_is_array(m) && !config_setting_is_list(m)) {
		ll_errors_add(p->errs, "%s:%d: api trusted_proxies must be an array of addresses",
			      p->file, line_of(m));
		return;
	}
	a->trusted_proxies = calloc((size_t)n + 1, sizeof *a->trusted_proxies);
	if (!a->trusted_proxies) {
		p->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(m, (unsigned)i);
		const char *v = config_setting_get_string(el);

		if (!v || ll_parse_host(v, &a->trusted_proxies[a->n_trusted_proxies]) < 0)
			ll_errors_add(p->errs, "%s:%d: api trusted_proxies: \"%s\" is not a numeric "
				      "IPv4 or IPv6 address", p->file, line_of(el), v ? v : "");
		else
			a->n_trusted_proxies++;
	}
}

static void parse_api(struct parse *p, const config_setting_t *g, struct ll_api_conf *a)
{
	static const char *const keys[] = {
		"listen", "metrics_listen", "public", "trusted_proxies", "dashboard", "threads",
		"max_connections", "per_ip_connections", "timeout", NULL,
	};
	const config_setting_t *m;
	const char *s;

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: 'api' must be a group { ... }",
			      p->file, line_of(g));
		return;
	}
	check_keys(p, g, keys, "api");
	if ((m = config_setting_get_member(g, "public"))) {
		if (config_setting_type(m) != CONFIG_TYPE_BOOL)
			ll_errors_add(p->errs, "%s:%d: api public must be true or false", p->file,
				      line_of(m));
		else
			a->public_listen = config_setting_get_bool(m);
	}
	a->listen = listen_address(p, g, "listen", LL_API_DEFAULT_LISTEN, a->public_listen);
	a->listen_line = line_of(config_setting_get_member(g, "listen") ?
				 config_setting_get_member(g, "listen") : g);
	a->metrics_listen = listen_address(p, g, "metrics_listen", NULL, a->public_listen);
	if ((m = config_setting_get_member(g, "trusted_proxies")))
		parse_trusted(p, m, a);
	s = get_string(p, g, "dashboard", 0);
	a->dashboard_dir = dup_or_oom(p, s ? s : LL_PKGDATADIR "/dashboard");
	if (s && s[0] != '/')
		ll_errors_add(p->errs, "%s:%d: api dashboard must be an absolute path",
			      p->file, line_of(config_setting_get_member(g, "dashboard")));
	get_int(p, g, "threads", 1, 64, &a->threads);
	get_int(p, g, "max_connections", 1, 10000, &a->max_connections);
	get_int(p, g, "per_ip_connections", 1, 10000, &a->per_ip_connections);
	get_int(p, g, "timeout", 1, 3600, &a->timeout_s);
}

static void parse_credentials(struct parse *p, const config_setting_t *g,
			      struct ll_integration_conf *ic)
{
	int n = config_setting_length(g);

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: 'credentials' must be a group { field = \"v1:...\"; }",
			      p->file, line_of(g));
		return;
	}
	ic->credentials = calloc((size_t)n + 1, sizeof *ic->credentials);
	if (!ic->credentials) {
		p->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		const char *v = config_setting_get_string(m);
		struct ll_vault_parsed parsed;
		enum ll_vault_error e;
		struct ll_credential *c;

		if (!v) {
			ll_errors_add(p->errs, "%s:%d: credential '%s' must be a string",
				      p->file, line_of(m), config_setting_name(m));
			continue;
		}
		e = ll_vault_parse(v, &parsed);
		ll_vault_parsed_release(&parsed);
		if (e != LL_VAULT_OK) {
			/* Never echo the value: it may be a plaintext secret. */
			ll_errors_add(p->errs, "%s:%d: credential '%s' is not a vault "
				      "ciphertext (%s); plaintext is refused: encrypt it "
				      "with 'leadledger vault encrypt'",
				      p->file, line_of(m), config_setting_name(m),
				      ll_vault_strerror(e));
			continue;
		}
		c = &ic->credentials[ic->n_credentials];
		c->field = dup_or_oom(p, config_setting_name(m));
		c->ciphertext = dup_or_oom(p, v);
		c->line = line_of(m);
		if (!c->field || !c->ciphertext) {
			free(c->field);
			free(c->ciphertext);
			continue; /* p->oom is set: the load fails */
		}
		ic->n_credentials++;
	}
}

static void parse_settings(struct parse *p, const config_setting_t *g,
			   struct ll_integration_conf *ic)
{
	int n = config_setting_length(g);

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: 'settings' must be a group { ... }",
			      p->file, line_of(g));
		return;
	}
	ic->settings = calloc((size_t)n + 1, sizeof *ic->settings);
	if (!ic->settings) {
		p->oom = 1;
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		struct ll_setting *s = &ic->settings[ic->n_settings];

		switch (config_setting_type(m)) {
		case CONFIG_TYPE_STRING:
			if (!ll_utf8_valid(config_setting_get_string(m))) {
				ll_errors_add(p->errs, "%s:%d: setting '%s' is not valid UTF-8",
					      p->file, line_of(m), config_setting_name(m));
				continue;
			}
			s->type = LL_SETTING_STRING;
			s->str = dup_or_oom(p, config_setting_get_string(m));
			break;
		case CONFIG_TYPE_INT:
		case CONFIG_TYPE_INT64:
			s->type = LL_SETTING_INT;
			s->num = config_setting_get_int64(m);
			break;
		case CONFIG_TYPE_BOOL:
			s->type = LL_SETTING_BOOL;
			s->num = config_setting_get_bool(m);
			break;
		default:
			ll_errors_add(p->errs, "%s:%d: setting '%s' must be a string, "
				      "integer or boolean", p->file, line_of(m),
				      config_setting_name(m));
			continue;
		}
		s->key = dup_or_oom(p, config_setting_name(m));
		s->line = line_of(m);
		if (!s->key || (s->type == LL_SETTING_STRING && !s->str)) {
			free(s->key);
			free(s->str);
			s->key = s->str = NULL;
			continue; /* p->oom is set: the load fails */
		}
		ic->n_settings++;
	}
}

static void parse_integration(struct parse *p, const config_setting_t *g,
			      struct ll_site_conf *site)
{
	static const char *const keys[] = { "provider", "credentials", "settings", NULL };
	struct ll_integration_conf *ic = &site->integrations[site->n_integrations];
	const config_setting_t *m;
	const char *provider;

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: each integration is a group { provider = ...; }",
			      p->file, line_of(g));
		return;
	}
	check_keys(p, g, keys, "an integration");
	provider = get_string(p, g, "provider", 1);
	if (!provider)
		return;
	for (size_t i = 0; i < site->n_integrations; i++)
		if (strcmp(site->integrations[i].provider, provider) == 0) {
			ll_errors_add(p->errs, "%s:%d: site '%s' already has a '%s' "
				      "integration (line %d)", p->file, line_of(g),
				      site->id, provider, site->integrations[i].line);
			return;
		}
	ic->provider = dup_or_oom(p, provider);
	ic->line = line_of(g);
	if (!ic->provider)
		return;
	site->n_integrations++;
	m = config_setting_get_member(g, "credentials");
	if (m)
		parse_credentials(p, m, ic);
	else
		ll_errors_add(p->errs, "%s:%d: integration '%s' has no credentials",
			      p->file, line_of(g), provider);
	m = config_setting_get_member(g, "settings");
	if (m)
		parse_settings(p, m, ic);
}

static void parse_site(struct parse *p, const config_setting_t *g,
		       struct ll_config *cfg)
{
	static const char *const keys[] = {
		"id", "name", "plan", "timezone", "integrations", "lead_sources", NULL,
	};
	struct ll_site_conf *site = &cfg->sites[cfg->n_sites];
	const char *id, *name, *plan, *tz;
	const config_setting_t *list;

	if (!config_setting_is_group(g)) {
		ll_errors_add(p->errs, "%s:%d: each site is a group { id = ...; }",
			      p->file, line_of(g));
		return;
	}
	check_keys(p, g, keys, "a site");
	id = get_string(p, g, "id", 1);
	name = get_string(p, g, "name", 1);
	plan = get_string(p, g, "plan", 1);
	tz = get_string(p, g, "timezone", 1);
	if (!id || !name || !plan || !tz)
		return;
	if (!ll_valid_site_id(id)) {
		ll_errors_add(p->errs, "%s:%d: site id '%s' must match [a-z0-9-]+",
			      p->file, line_of(g), id);
		return;
	}
	if (ll_config_site(cfg, id)) {
		ll_errors_add(p->errs, "%s:%d: duplicate site id '%s' (first at line %d)",
			      p->file, line_of(g), id, ll_config_site(cfg, id)->line);
		return;
	}
	if (!known_plan(plan))
		ll_errors_add(p->errs, "%s:%d: unknown plan '%s' (plans: basic, pro, %s; names "
			      "are lower case)", p->file,
			      line_of(config_setting_get_member(g, "plan")), plan, LL_PLAN_FEATURED);
	if (!ll_valid_timezone(tz))
		ll_errors_add(p->errs, "%s:%d: unknown time zone '%s' (want an IANA "
			      "name such as America/Chicago)", p->file,
			      line_of(config_setting_get_member(g, "timezone")), tz);
	site->id = dup_or_oom(p, id);
	site->name = dup_or_oom(p, name);
	site->plan = dup_or_oom(p, plan);
	site->timezone = dup_or_oom(p, tz);
	site->line = line_of(g);
	ll_rules_init(&site->overrides);
	if (p->oom) {
		free(site->id);
		free(site->name);
		free(site->plan);
		free(site->timezone);
		memset(site, 0, sizeof *site);
		return;
	}
	cfg->n_sites++;
	list = config_setting_get_member(g, "lead_sources");
	if (list)
		ll_rules_add_list(&site->overrides, list, p->file, p->errs);
	list = config_setting_get_member(g, "integrations");
	if (!list)
		return;
	if (!config_setting_is_list(list)) {
		ll_errors_add(p->errs, "%s:%d: 'integrations' must be a list ( {...} )",
			      p->file, line_of(list));
		return;
	}
	site->integrations = calloc((size_t)config_setting_length(list) + 1,
				    sizeof *site->integrations);
	if (!site->integrations) {
		p->oom = 1;
		return;
	}
	for (int i = 0; i < config_setting_length(list); i++)
		parse_integration(p, config_setting_get_elem(list, (unsigned)i), site);
}

static char *default_path(struct parse *p, const char *dir, const char *file)
{
	size_t n = strlen(dir) + strlen(file) + 2;
	char *s = malloc(n);

	if (!s) {
		p->oom = 1;
		return NULL;
	}
	snprintf(s, n, "%s/%s", dir, file);
	return s;
}

int ll_config_load(const char *path, struct ll_config *cfg,
		   struct ll_errors *errs)
{
	static const char *const keys[] = {
		"database", "keyring", "provider_dir", "lead_sources",
		"sync_interval", "full_sweep_interval", "overlap", "log_level",
		"workers", "lease", "max_backoff", "shutdown_timeout", "run_history_days", "http",
		"api", "sites", NULL,
	};
	struct parse p = { path, errs, 0 };
	config_t lc;
	const config_setting_t *root, *m;
	const char *s;
	size_t before = errs->n;

	config_init(&lc);
	cfg->path = dup_or_oom(&p, path);
	if (!config_read_file(&lc, path)) {
		if (config_error_type(&lc) == CONFIG_ERR_FILE_IO)
			ll_errors_add(errs, "%s: cannot read the configuration file", path);
		else
			ll_errors_add(errs, "%s:%d: %s", config_error_file(&lc)
				      ? config_error_file(&lc) : path,
				      config_error_line(&lc), config_error_text(&lc));
		config_destroy(&lc);
		return -1;
	}
	root = config_root_setting(&lc);
	check_keys(&p, root, keys, "the top level");
	if ((s = get_string(&p, root, "database", 1)))
		cfg->database = dup_or_oom(&p, s);
	if ((s = get_string(&p, root, "keyring", 1)))
		cfg->keyring = dup_or_oom(&p, s);
	s = get_string(&p, root, "provider_dir", 0);
	cfg->provider_dir = dup_or_oom(&p, s ? s : LL_PROVIDER_DIR);
	s = get_string(&p, root, "lead_sources", 0);
	cfg->lead_sources = s ? dup_or_oom(&p, s)
			      : default_path(&p, LL_SYSCONFDIR "/leadledger",
					     "lead-sources.conf");
	if (cfg->provider_dir && cfg->provider_dir[0] != '/')
		ll_errors_add(errs, "%s:%d: provider_dir must be an absolute path",
			      path, line_of(config_setting_get_member(root, "provider_dir")));
	for (int k = 0; k < LL_HS_COUNT; k++) {
		const struct ll_setting_def *d = &ll_host_settings[k];

		if (ll_host_setting_top_level((enum ll_host_setting)k))
			get_int(&p, root, d->key, d->min, d->max, &cfg->host_defaults[k]);
	}
	get_int(&p, root, "workers", 1, 256, &cfg->workers);
	get_int(&p, root, "lease", 2, 86400, &cfg->lease_s);
	get_int(&p, root, "max_backoff", 1, 31 * 86400, &cfg->max_backoff_s);
	get_int(&p, root, "shutdown_timeout", 1, 3600, &cfg->shutdown_timeout_s);
	get_int(&p, root, "run_history_days", 1, 36600, &cfg->run_history_days);
	if ((s = get_string(&p, root, "log_level", 0))) {
		static const char *const names[] = { "error", "warning", "notice", "info", "debug" };
		int found = 0;

		for (int i = 0; i < 5; i++)
			if (strcmp(s, names[i]) == 0) {
				cfg->log_level = LL_LOG_ERR + i;
				found = 1;
			}
		if (!found)
			ll_errors_add(errs, "%s:%d: log_level must be error, warning, "
				      "notice, info or debug", path,
				      line_of(config_setting_get_member(root, "log_level")));
	}
	if ((m = config_setting_get_member(root, "http")))
		parse_http(&p, m, &cfg->http);
	if ((m = config_setting_get_member(root, "api")))
		parse_api(&p, m, &cfg->api);
	m = config_setting_get_member(root, "sites");
	if (m && !config_setting_is_list(m)) {
		ll_errors_add(errs, "%s:%d: 'sites' must be a list ( {...}, ... )",
			      path, line_of(m));
	} else if (m) {
		cfg->sites = calloc((size_t)config_setting_length(m) + 1, sizeof *cfg->sites);
		if (!cfg->sites)
			p.oom = 1;
		for (int i = 0; cfg->sites && !p.oom && i < config_setting_length(m); i++)
			parse_site(&p, config_setting_get_elem(m, (unsigned)i), cfg);
	}
	if (p.oom)
		ll_errors_add(errs, "%s: out of memory", path);
	config_destroy(&lc);
	return errs->n == before ? 0 : -1;
}
