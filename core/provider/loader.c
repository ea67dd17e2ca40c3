#include "provider/loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/http.h"
#include "util/log.h"
#include "vault/vault.h"

void ll_providers_init(struct ll_providers *ps)
{
	ps->v = NULL;
	ps->n = 0;
}

static void loaded_release(struct ll_loaded_provider *lp)
{
	free(lp->path);
	free(lp->settings);
	free(lp->streams);
	free(lp->credentials);
	memset(lp, 0, sizeof *lp);
}

void ll_providers_release(struct ll_providers *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		loaded_release(&ps->v[i]);
	free(ps->v);
	ll_providers_init(ps);
}

#define ARRAY_MAX 1024 /* elements in a provider's array, at most */

/*
 * Copy a provider's array, whose elements are `size` bytes as it was
 * built and end with one whose first member (a const char *) is NULL,
 * into a host array of host_size elements, each zero-extended.  NULL when
 * out of memory or unterminated within ARRAY_MAX.
 */
static void *normalize(const void *arr, size_t size, size_t host_size)
{
	const unsigned char *p = arr;
	unsigned char *out;
	size_t n = 0;

	while (n < ARRAY_MAX && *(const char *const *)(const void *)(p + n * size))
		n++;
	if (n == ARRAY_MAX || !(out = calloc(n + 1, host_size)))
		return NULL;
	for (size_t i = 0; i < n; i++)
		memcpy(out + i * host_size, p + i * size, size < host_size ? size : host_size);
	return out;
}

/* The host's copies of lp->desc's arrays, pointed at from lp->desc. */
static int normalize_arrays(struct ll_loaded_provider *lp, const struct ll_provider *d)
{
	size_t set_size = d->setting_def_size ? d->setting_def_size : LL_SETTING_DEF_V1_0_SIZE;
	size_t str_size = d->stream_def_size ? d->stream_def_size : LL_STREAM_DEF_V1_0_SIZE;

	lp->settings = normalize(d->settings, set_size, sizeof *lp->settings);
	lp->streams = normalize(d->streams, str_size, sizeof *lp->streams);
	lp->credentials = d->credentials
		? normalize(d->credentials, d->credential_def_size, sizeof *lp->credentials) : NULL;
	if (!lp->settings || !lp->streams || (d->credentials && !lp->credentials))
		return -1;
	lp->desc.settings = lp->settings;
	lp->desc.streams = lp->streams;
	lp->desc.credentials = lp->credentials;
	return 0;
}

const struct ll_loaded_provider *ll_providers_find(const struct ll_providers *ps,
						   const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].desc.name, name) == 0)
			return &ps->v[i];
	return NULL;
}

int ll_providers_copy(struct ll_providers *dst, const struct ll_providers *src)
{
	dst->v = calloc(src->n + 1, sizeof *dst->v);
	if (!dst->v)
		return -1;
	for (size_t i = 0; i < src->n; i++) {
		struct ll_loaded_provider *lp = &dst->v[i];
		struct ll_provider d = src->v[i].desc; /* its arrays are host-sized */

		d.setting_def_size = sizeof(struct ll_setting_def);
		d.stream_def_size = sizeof(struct ll_stream_def);
		d.credential_def_size = sizeof(struct ll_credential_def);
		lp->desc = src->v[i].desc;
		dst->n++;
		lp->path = strdup(src->v[i].path);
		if (!lp->path || normalize_arrays(lp, &d) < 0)
			return -1;
	}
	return 0;
}

static int valid_provider_name(const char *name)
{
	size_t n = 0;

	for (; name[n]; n++)
		if (!((name[n] >= 'a' && name[n] <= 'z') ||
		      (name[n] >= '0' && name[n] <= '9') || name[n] == '_'))
			return 0;
	return n > 0 && n <= 64;
}

static const struct ll_credential_def *credential_def(const struct ll_provider *p,
						      const char *field)
{
	for (const struct ll_credential_def *c = p->credentials; c && c->field; c++)
		if (strcmp(c->field, field) == 0)
			return c;
	return NULL;
}

#define LL_OAUTH_DEF_V1_4_SIZE (offsetof(struct ll_oauth_def, scope) + sizeof(const char *))

/* An oauth definition (ABI 1.4) names settings and credentials the
 * provider declares: the name it does not, or NULL. */
static const char *oauth_undeclared(const struct ll_provider *d)
{
	const struct ll_oauth_def *o = d->oauth;
	const char *const settings[] = { o->token_url_setting, o->client_id_setting,
					 o->authorize_url_setting, o->redirect_uri_setting };

	if (!o->token_url_setting || !o->client_id_setting || !o->client_secret_field)
		return "(a required name is NULL)";
	for (size_t i = 0; i < sizeof settings / sizeof settings[0]; i++)
		if (settings[i] && !ll_setting_def_find(d, settings[i]))
			return settings[i];
	if (!credential_def(d, o->client_secret_field))
		return o->client_secret_field;
	if (o->refresh_token_field && !credential_def(d, o->refresh_token_field))
		return o->refresh_token_field;
	return NULL;
}

#define REFUSE(...) do { snprintf(err, errlen, __VA_ARGS__); goto refused; } while (0)

/* 1.2 element sizes, read from the zero-extended copy: 0 means 1.0's. */
static int array_sizes_bad(const struct ll_provider *d)
{
	struct ll_provider c;

	memset(&c, 0, sizeof c);
	memcpy(&c, d, d->struct_size < sizeof c ? d->struct_size : sizeof c);
	return (c.setting_def_size && c.setting_def_size < LL_SETTING_DEF_V1_0_SIZE) ||
	       (c.stream_def_size && c.stream_def_size < LL_STREAM_DEF_V1_0_SIZE) ||
	       (c.credentials && c.credential_def_size < sizeof(const char *));
}

int ll_provider_load(struct ll_providers *ps, const char *dir,
		     const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX], fdpath[64];
	const struct ll_provider *d;
	struct ll_loaded_provider *lp, *nv;
	struct stat st;
	void *handle = NULL;
	uint32_t pv = 0;
	int fd = -1;

	if (!valid_provider_name(name)) {
		snprintf(err, errlen, "provider name '%s' must match [a-z0-9_]+", name);
		return -1;
	}
	if (!dir || dir[0] != '/') {
		snprintf(err, errlen, "provider directory '%s' is not absolute",
			 dir ? dir : "");
		return -1;
	}
	if (snprintf(path, sizeof path, "%s/%s.so", dir, name) >= (int)sizeof path) {
		snprintf(err, errlen, "provider path too long");
		return -1;
	}
	if (ll_providers_find(ps, name)) {
		snprintf(err, errlen, "provider %s: refused: a provider named '%s' "
			 "is already loaded (host ABI %u.%u)", path, name,
			 LL_ABI_MAJOR, LL_ABI_MINOR);
		return -1;
	}
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		REFUSE("provider %s: refused: %s%s (host ABI %u.%u)", path,
		       strerror(errno), errno == ELOOP ? ", symbolic links are not followed" : "",
		       LL_ABI_MAJOR, LL_ABI_MINOR);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		REFUSE("provider %s: refused: not a regular file (host ABI %u.%u)",
		       path, LL_ABI_MAJOR, LL_ABI_MINOR);
	if (st.st_mode & (S_IWGRP | S_IWOTH))
		REFUSE("provider %s: refused: writable by group or others "
		       "(host ABI %u.%u)", path, LL_ABI_MAJOR, LL_ABI_MINOR);
	/* Load the inode we checked, not whatever the path names now. */
	snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
	handle = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
	if (!handle)
		REFUSE("provider %s: refused: dlopen: %s (missing dependencies? "
		       "try ldd) (host ABI %u.%u)", path, dlerror(),
		       LL_ABI_MAJOR, LL_ABI_MINOR);
	d = dlsym(handle, LL_PROVIDER_SYMBOL);
	if (!d)
		REFUSE("provider %s: refused: no symbol '%s' (host ABI %u.%u)",
		       path, LL_PROVIDER_SYMBOL, LL_ABI_MAJOR, LL_ABI_MINOR);
	pv = d->abi_version;
	if (LL_ABI_GET_MAJOR(pv) != LL_ABI_MAJOR)
		REFUSE("provider %s: refused: incompatible ABI major (provider ABI "
		       "%u.%u, host ABI %u.%u)", path, LL_ABI_GET_MAJOR(pv),
		       LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	if (LL_ABI_GET_MINOR(pv) > LL_ABI_MINOR)
		REFUSE("provider %s: refused: built for a newer host (provider ABI "
		       "%u.%u, host ABI %u.%u)", path, LL_ABI_GET_MAJOR(pv),
		       LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	if (d->struct_size < LL_PROVIDER_V1_0_SIZE)
		REFUSE("provider %s: refused: descriptor is %u bytes, ABI 1.0 needs "
		       "%zu (provider ABI %u.%u, host ABI %u.%u)", path,
		       d->struct_size, LL_PROVIDER_V1_0_SIZE, LL_ABI_GET_MAJOR(pv),
		       LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	if (!d->name || strcmp(d->name, name) != 0)
		REFUSE("provider %s: refused: descriptor name '%s' differs from the "
		       "file name (provider ABI %u.%u, host ABI %u.%u)", path,
		       d->name ? d->name : "(null)", LL_ABI_GET_MAJOR(pv),
		       LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	if (!d->version || !d->settings || !d->streams || !d->streams[0].name ||
	    !d->init || !d->fini || !d->fetch_page || !d->map_record ||
	    !d->resolve_date)
		REFUSE("provider %s: refused: a required field or callback is NULL "
		       "(provider ABI %u.%u, host ABI %u.%u)", path,
		       LL_ABI_GET_MAJOR(pv), LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR,
		       LL_ABI_MINOR);
	if (array_sizes_bad(d))
		REFUSE("provider %s: refused: an array element size is smaller than ABI 1.0's "
		       "(provider ABI %u.%u, host ABI %u.%u)", path, LL_ABI_GET_MAJOR(pv),
		       LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	nv = realloc(ps->v, (ps->n + 1) * sizeof *nv);
	if (!nv)
		REFUSE("provider %s: out of memory", path);
	ps->v = nv;
	lp = &ps->v[ps->n];
	memset(lp, 0, sizeof *lp);
	memcpy(&lp->desc, d, d->struct_size < sizeof lp->desc ? d->struct_size
							       : sizeof lp->desc);
	lp->path = strdup(path);
	if (!lp->path || normalize_arrays(lp, &lp->desc) < 0) {
		loaded_release(lp);
		REFUSE("provider %s: out of memory, or an array without its NULL end", path);
	}
	if (lp->desc.oauth && (lp->desc.oauth->struct_size < LL_OAUTH_DEF_V1_4_SIZE ||
			       oauth_undeclared(&lp->desc))) {
		const char *what = lp->desc.oauth->struct_size < LL_OAUTH_DEF_V1_4_SIZE
				   ? "(a short definition)" : oauth_undeclared(&lp->desc);

		loaded_release(lp);
		REFUSE("provider %s: refused: its OAuth definition names '%s', which it does not "
		       "declare (provider ABI %u.%u, host ABI %u.%u)", path, what,
		       LL_ABI_GET_MAJOR(pv), LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	}
	ps->n++;
	/* The descriptor stays open: glibc knows the object by its name
	 * "/proc/self/fd/N", so N must not be reused for another provider. */
	ll_debug("provider %s: loaded %s %s (provider ABI %u.%u, host ABI %u.%u)",
		path, d->name, d->version, LL_ABI_GET_MAJOR(pv),
		LL_ABI_GET_MINOR(pv), LL_ABI_MAJOR, LL_ABI_MINOR);
	return 0;
refused:
	if (handle)
		dlclose(handle);
	if (fd >= 0)
		close(fd);
	return -1;
}

int ll_providers_load_config(struct ll_providers *ps,
			     const struct ll_config *cfg,
			     struct ll_errors *errs)
{
	char err[512];
	int rc = 0;

	for (size_t i = 0; i < cfg->n_sites; i++)
		for (size_t j = 0; j < cfg->sites[i].n_integrations; j++) {
			const struct ll_integration_conf *ic = &cfg->sites[i].integrations[j];

			if (ll_providers_find(ps, ic->provider))
				continue;
			if (ll_provider_load(ps, cfg->provider_dir, ic->provider,
					     err, sizeof err) < 0) {
				ll_errors_add(errs, "%s:%d: unknown provider '%s': %s",
					      cfg->path, ic->line, ic->provider, err);
				rc = -1;
			}
		}
	return rc;
}

int ll_providers_scan(struct ll_providers *ps, const char *dir,
		      struct ll_errors *errs)
{
	struct dirent **names = NULL;
	char err[512];
	int n = scandir(dir, &names, NULL, alphasort), rc = 0;

	if (n < 0) {
		ll_errors_add(errs, "provider directory %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char *stem = names[i]->d_name;
		size_t len = strlen(stem);

		if (len > 3 && strcmp(stem + len - 3, ".so") == 0) {
			stem[len - 3] = '\0';
			if (ll_provider_load(ps, dir, stem, err, sizeof err) < 0) {
				ll_errors_add(errs, "%s", err);
				rc = -1;
			}
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

static const struct ll_setting_def *find_def(const struct ll_setting_def *defs,
					     const char *key)
{
	for (; defs && defs->key; defs++)
		if (strcmp(defs->key, key) == 0)
			return defs;
	return NULL;
}

const struct ll_setting_def *ll_setting_def_find(const struct ll_provider *p,
						 const char *key)
{
	const struct ll_setting_def *d = find_def(ll_host_settings, key);

	return d ? d : find_def(p->settings, key);
}

static const char *type_name(enum ll_setting_type t)
{
	return t == LL_SETTING_STRING ? "a string" : t == LL_SETTING_URL ? "a URL string"
	       : t == LL_SETTING_INT ? "an integer" : "a boolean";
}

/* The configuration file holds URLs as strings. */
static enum ll_setting_type file_type(enum ll_setting_type t)
{
	return t == LL_SETTING_URL ? LL_SETTING_STRING : t;
}

int ll_config_check_providers(const struct ll_config *cfg,
			      const struct ll_providers *ps,
			      struct ll_errors *errs)
{
	size_t before = errs->n;

	char why[256];
	int plain;

	for (size_t i = 0; i < cfg->n_sites; i++)
		for (size_t j = 0; j < cfg->sites[i].n_integrations; j++) {
			const struct ll_integration_conf *ic = &cfg->sites[i].integrations[j];
			const struct ll_loaded_provider *lp = ll_providers_find(ps, ic->provider);

			if (!lp)
				continue; /* already reported by the loader */
			for (size_t k = 0; k < ic->n_settings; k++) {
				const struct ll_setting *s = &ic->settings[k];
				const struct ll_setting_def *d = ll_setting_def_find(&lp->desc, s->key);

				if (!d) {
					ll_errors_add(errs, "%s:%d: unknown setting '%s' for "
						      "provider %s", cfg->path, s->line,
						      s->key, ic->provider);
				} else if (file_type(d->type) != s->type) {
					ll_errors_add(errs, "%s:%d: setting '%s' must be %s",
						      cfg->path, s->line, s->key,
						      type_name(d->type));
				} else if (d->type == LL_SETTING_URL &&
					   ll_http_url_allowed(s->str, &plain, why, sizeof why) < 0) {
					ll_errors_add(errs, "%s:%d: setting '%s': %s", cfg->path,
						      s->line, s->key, why);
				} else if (d->type == LL_SETTING_INT &&
					   (s->num < d->min || s->num > d->max)) {
					ll_errors_add(errs, "%s:%d: setting '%s' = %lld is out of "
						      "range [%lld, %lld]", cfg->path, s->line,
						      s->key, (long long)s->num,
						      (long long)d->min, (long long)d->max);
				}
			}
			for (const struct ll_setting_def *d = lp->desc.settings; d->key; d++)
				if (!d->default_value && !ll_integration_setting(ic, d->key))
					ll_errors_add(errs, "%s:%d: provider %s needs setting '%s'",
						      cfg->path, ic->line, ic->provider, d->key);
		}
	return errs->n == before ? 0 : -1;
}

/* One integration's credentials. */
static void check_integration_credentials(const struct ll_config *cfg,
					  const struct ll_site_conf *site,
					  const struct ll_integration_conf *ic,
					  const struct ll_provider *p, const struct ll_keyring *kr,
					  char *buf, struct ll_errors *errs)
{
	for (size_t k = 0; k < ic->n_credentials; k++) {
		const struct ll_credential *c = &ic->credentials[k];
		struct ll_vault_ad ad = { site->id, ic->provider, c->field };
		enum ll_vault_error e;
		char keyid[LL_VAULT_KEYID_MAX + 1];
		size_t len;

		if (p->credentials && !credential_def(p, c->field)) {
			ll_errors_add(errs, "%s:%d: unknown credential '%s' for provider %s",
				      cfg->path, c->line, c->field, ic->provider);
			continue;
		}
		e = ll_vault_decrypt(kr, &ad, c->ciphertext, buf, LL_VAULT_SECRET_MAX + 1, &len);
		sodium_memzero(buf, LL_VAULT_SECRET_MAX + 1);
		if (e != LL_VAULT_OK) {
			ll_vault_keyid_of(c->ciphertext, keyid, sizeof keyid);
			ll_errors_add(errs, "%s:%d: credential '%s' (key id '%s') does not decrypt "
				      "for site %s, provider %s: %s", cfg->path, c->line, c->field,
				      keyid, site->id, ic->provider, ll_vault_strerror(e));
		}
	}
	for (const struct ll_credential_def *d = p->credentials; d && d->field; d++) {
		int have = 0;

		for (size_t k = 0; k < ic->n_credentials; k++)
			have |= strcmp(ic->credentials[k].field, d->field) == 0;
		if (d->required && !have)
			ll_errors_add(errs, "%s:%d: provider %s needs credential '%s'", cfg->path,
				      ic->line, ic->provider, d->field);
	}
}

int ll_config_check_credentials(const struct ll_config *cfg, const struct ll_providers *ps,
				const struct ll_keyring *kr, struct ll_errors *errs)
{
	size_t before = errs->n;
	/* Guarded, locked memory: a decrypted secret never sits in the heap. */
	char *buf = sodium_malloc(LL_VAULT_SECRET_MAX + 1);

	if (!buf) {
		ll_errors_add(errs, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cfg->n_sites; i++)
		for (size_t j = 0; j < cfg->sites[i].n_integrations; j++) {
			const struct ll_integration_conf *ic = &cfg->sites[i].integrations[j];
			const struct ll_loaded_provider *lp = ll_providers_find(ps, ic->provider);

			if (lp)
				check_integration_credentials(cfg, &cfg->sites[i], ic, &lp->desc, kr,
							      buf, errs);
		}
	sodium_free(buf);
	return errs->n == before ? 0 : -1;
}
