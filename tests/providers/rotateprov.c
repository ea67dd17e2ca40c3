/*
 * Test-only provider that rotates its refresh token on every page, as
 * Jobber does: it reads the token, stores a new one through
 * credential_set() (which must be durable before it returns) and reads it
 * back, failing the page if the vault did not return the new value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadledger/provider.h"

struct rot {
	const struct ll_host_api *api;
	struct ll_host *h;
};

static const struct ll_setting_def rot_settings[] = { { NULL, LL_SETTING_INT, NULL, 0, 0, NULL } };
static const struct ll_stream_def rot_streams[] = {
	{ "jobs", LL_ENTITY_JOB, 0 },
	{ NULL, LL_ENTITY_JOB, 0 },
};

static enum ll_status rot_init(const struct ll_host_api *api, struct ll_host *h, void **state,
			       char *err)
{
	struct rot *r = calloc(1, sizeof *r);

	if (!r) {
		snprintf(err, LL_ERR_MAX, "out of memory");
		return LL_ERR_INTERNAL;
	}
	r->api = api;
	r->h = h;
	*state = r;
	return LL_OK;
}

static void rot_fini(void *state)
{
	free(state);
}

static enum ll_status rot_fetch(void *state, const struct ll_fetch *rq, struct ll_page *page,
				char *err)
{
	struct rot *r = state;
	char token[256], next[300], again[300];
	long n = 0;

	(void)rq;
	if (r->api->credential_get(r->h, "refresh_token", token, sizeof token) < 0) {
		snprintf(err, LL_ERR_MAX, "no refresh token");
		return LL_ERR_AUTH;
	}
	if (strncmp(token, "secret-rotated-", 15) == 0)
		n = strtol(token + 15, NULL, 10);
	snprintf(next, sizeof next, "secret-rotated-%ld", n + 1);
	r->api->wipe(token, sizeof token);
	if (r->api->credential_set(r->h, "refresh_token", next) < 0) {
		snprintf(err, LL_ERR_MAX, "could not store the rotated token");
		return LL_ERR_INTERNAL;
	}
	if (r->api->credential_get(r->h, "refresh_token", again, sizeof again) < 0 ||
	    strcmp(again, next) != 0) {
		snprintf(err, LL_ERR_MAX, "the vault did not return the rotated token");
		return LL_ERR_INTERNAL;
	}
	r->api->wipe(again, sizeof again);
	/* The generation number is not secret: tests read it from the log. */
	r->api->log(r->h, LL_LOG_NOTICE, "refresh token rotated to generation %ld", n + 1);
	page->records = json_object_new_array();
	page->done = 1;
	return LL_OK;
}

static enum ll_status rot_map(void *state, enum ll_entity e, struct json_object *raw,
			      struct ll_record *out, char *err)
{
	(void)state;
	(void)e;
	(void)raw;
	(void)out;
	(void)err;
	return LL_OK;
}

static enum ll_status rot_date(void *state, enum ll_entity e, struct json_object *raw,
			       int64_t *us, char *err)
{
	(void)state;
	(void)e;
	(void)raw;
	(void)err;
	*us = 0;
	return LL_OK;
}

LL_PROVIDER_EXPORT const struct ll_provider ll_provider = {
	.abi_version = LL_ABI_VERSION,
	.struct_size = sizeof(struct ll_provider),
	.name = "tp_rotate",
	.version = "0.0.1-test",
	.settings = rot_settings,
	.streams = rot_streams,
	.init = rot_init,
	.fini = rot_fini,
	.fetch_page = rot_fetch,
	.map_record = rot_map,
	.resolve_date = rot_date,
};
