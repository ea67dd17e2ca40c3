/*
 * Loading providers: one <name>.so per CRM from the provider directory.
 *
 * Checks, in order (sudo, Varnish, collectd): a valid name; an absolute
 * directory; the file opened with O_NOFOLLOW and fstat'ed (regular, not
 * writable by group or others); dlopen of that very descriptor through
 * /proc/self/fd with RTLD_NOW|RTLD_LOCAL; the LL_PROVIDER_SYMBOL present;
 * ABI major equal and minor not newer than the host's; struct_size at least
 * the 1.0 size; name equal to the file stem; required callbacks non-NULL;
 * no duplicate.  Every refusal names the path and both ABI versions.
 *
 * A refused provider is dlclose'd at once.  A loaded provider is never
 * unloaded: ll_providers_release() frees the bookkeeping only.
 */
#ifndef LL_LOADER_H
#define LL_LOADER_H

#include <stddef.h>

#include "config/config.h"
#include "leadledger/provider.h"
#include "util/errors.h"

/* The size of the ABI 1.0 descriptor: everything up to refresh_auth. */
#define LL_PROVIDER_V1_0_SIZE \
	(offsetof(struct ll_provider, refresh_auth) + sizeof(void (*)(void)))

/* The sizes of the ABI 1.0 array elements, for providers that predate
 * setting_def_size and stream_def_size. */
#define LL_SETTING_DEF_V1_0_SIZE \
	(offsetof(struct ll_setting_def, description) + sizeof(const char *))
#define LL_STREAM_DEF_V1_0_SIZE (offsetof(struct ll_stream_def, flags) + sizeof(unsigned))

/*
 * A loaded provider.  desc is a zero-extended copy of the provider's
 * descriptor whose settings, streams and credentials point at host-owned
 * copies of the provider's arrays, each element zero-extended to the
 * host's struct size: the rest of the host reads them as if the provider
 * had been built against this header.
 */
struct ll_loaded_provider {
	struct ll_provider desc;
	char *path;
	struct ll_setting_def *settings;       /* owned */
	struct ll_stream_def *streams;         /* owned */
	struct ll_credential_def *credentials; /* owned, or NULL */
};

struct ll_providers {
	struct ll_loaded_provider *v;
	size_t n;
};

void ll_providers_init(struct ll_providers *ps);
void ll_providers_release(struct ll_providers *ps);

/* Copy the bookkeeping of already loaded providers (a reload reuses
 * them: providers are never unloaded).  0 or -1 (out of memory). */
int ll_providers_copy(struct ll_providers *dst, const struct ll_providers *src);

/* Load dir/name.so.  0, or -1 with the reason in err. */
int ll_provider_load(struct ll_providers *ps, const char *dir,
		     const char *name, char *err, size_t errlen);
/* Load every provider the configuration names, once each. */
int ll_providers_load_config(struct ll_providers *ps,
			     const struct ll_config *cfg,
			     struct ll_errors *errs);
/* Load every *.so in dir (for `leadledger providers`); refusals go to errs. */
int ll_providers_scan(struct ll_providers *ps, const char *dir,
		      struct ll_errors *errs);
const struct ll_loaded_provider *ll_providers_find(const struct ll_providers *ps,
						   const char *name);

/* Check each integration's settings against the host's and its provider's
 * schema: unknown keys, types, bounds, required keys. */
int ll_config_check_providers(const struct ll_config *cfg,
			      const struct ll_providers *ps,
			      struct ll_errors *errs);
/* Check each integration's credentials: fields its provider declares
 * (ABI 1.2), required ones present, each decrypting with the keyring for
 * its site, provider and field.  Problems go to errs with file and line;
 * no secret is ever in them. */
struct ll_keyring;
int ll_config_check_credentials(const struct ll_config *cfg, const struct ll_providers *ps,
				const struct ll_keyring *kr, struct ll_errors *errs);

/* The schema entry for a key (host first), or NULL. */
const struct ll_setting_def *ll_setting_def_find(const struct ll_provider *p,
						 const char *key);

#endif
