#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

void ll_providers_init(struct ll_providers *ps)
{
	ps->v = NULL;
	ps->n = 0;
}

void ll_providers_release(struct ll_providers *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		free(ps->v[i].path);
	free(ps->v);
	ll_providers_init(ps);
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
		dst->v[i].desc = src->v[i].desc;
		dst->v[i].path = strdup(src->v[i].path);
		if (!dst->v[i].path)
			return -1;
		dst->n++;
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

#define REFUSE(...) do { snprintf(err, errlen, __VA_ARGS__); goto refused; } while (0)

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
	nv = realloc(ps->v, (ps->n + 1) * sizeof *nv);
	if (!nv)
		REFUSE("provider %s: out of memory", path);
	ps->v = nv;
	lp = &ps->v[ps->n];
	memset(&lp->desc, 0, sizeof lp->desc);
	memcpy(&lp->desc, d, d->struct_size < sizeof lp->desc ? d->struct_size
							       : sizeof lp->desc);
	lp->path = strdup(path);
	if (!lp->path)
		REFUSE("provider %s: out of memory", path);
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
	return t == LL_SETTING_STRING ? "a string"
	       : t == LL_SETTING_INT ? "an integer" : "a boolean";
}

int ll_config_check_providers(const struct ll_config *cfg,
			      const struct ll_providers *ps,
			      struct ll_errors *errs)
{
	size_t before = errs->n;

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
				} else if (d->type != s->type) {
					ll_errors_add(errs, "%s:%d: setting '%s' must be %s",
						      cfg->path, s->line, s->key,
						      type_name(d->type));
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
