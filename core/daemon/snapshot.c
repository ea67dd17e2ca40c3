#include "daemon/daemon.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "api/server.h"
#include "vault/keyring.h"

static void file_id_of(const char *path, struct ll_file_id *out)
{
	struct stat st;

	memset(out, 0, sizeof *out);
	if (lstat(path, &st) == 0)
		*out = (struct ll_file_id){ st.st_dev, st.st_ino, st.st_size, st.st_mtim, st.st_ctim };
}

static int file_id_same(const struct ll_file_id *a, const struct ll_file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec && a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void snapshot_free(struct ll_snapshot *s)
{
	ll_buf_release(&s->known);
	ll_app_release(&s->app);
	free(s);
}

struct ll_snapshot *ll_snapshot_acquire(void)
{
	struct ll_snapshot *s;

	pthread_mutex_lock(&ll_daemon.lock);
	s = ll_daemon.current;
	s->refs++;
	pthread_mutex_unlock(&ll_daemon.lock);
	return s;
}

void ll_snapshot_release(struct ll_snapshot *s)
{
	int last;

	pthread_mutex_lock(&ll_daemon.lock);
	last = --s->refs == 0;
	pthread_mutex_unlock(&ll_daemon.lock);
	if (last)
		snapshot_free(s);
}

static const struct ll_app *api_acquire(void **handle)
{
	struct ll_snapshot *s = ll_snapshot_acquire();

	*handle = s;
	return &s->app;
}

static void api_release(void *handle)
{
	ll_snapshot_release(handle);
}

const struct ll_api_hooks ll_snapshot_api_hooks = { api_acquire, api_release };

/* Providers already loaded by prev are reused: they are never unloaded, so
 * loading them again would only hold another descriptor. */
int ll_snapshot_load(const struct ll_snapshot *prev, struct ll_snapshot **out)
{
	struct ll_snapshot *s = calloc(1, sizeof *s);
	int rc;

	*out = NULL;
	if (!s)
		return LL_EXIT_RUNTIME;
	ll_app_init(&s->app);
	s->app.verbose = ll_daemon.verbose;
	ll_buf_init(&s->known, (size_t)1 << 24);
	s->refs = 1;
	if (prev && ll_providers_copy(&s->app.providers, &prev->app.providers) < 0) {
		snapshot_free(s);
		return LL_EXIT_RUNTIME;
	}
	rc = ll_app_load_config(&s->app, ll_daemon.config_path);
	if (rc == 0) {
		/* Taken before reading: a change while reading shows later. */
		ll_keyring_resolve_path(s->app.cfg.keyring, s->keyring_path, sizeof s->keyring_path);
		file_id_of(s->keyring_path, &s->keyring_id);
		rc = ll_app_load_keyring(&s->app);
	}
	if (rc == 0)
		rc = ll_app_check_credentials(&s->app, 0);
	if (rc == 0 && ll_config_integration_keys(&s->app.cfg, &s->known) < 0)
		rc = LL_EXIT_RUNTIME;
	if (rc != 0) {
		snapshot_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

/* A new key (vault keygen) or a retired one takes effect without a
 * SIGHUP: tokens created under a new key work at once. */
int ll_snapshot_keyring_changed(void)
{
	struct ll_file_id now;
	int changed;

	pthread_mutex_lock(&ll_daemon.lock);
	file_id_of(ll_daemon.current->keyring_path, &now);
	/* Once per version: a reload the file rejects is not retried in a loop. */
	changed = !file_id_same(&now, &ll_daemon.current->keyring_id) &&
		  !file_id_same(&now, &ll_daemon.keyring_tried);
	if (changed)
		ll_daemon.keyring_tried = now;
	pthread_mutex_unlock(&ll_daemon.lock);
	return changed;
}
