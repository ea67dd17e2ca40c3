/*
 * Test-only providers, built for `make check` only (Varnish's vmod_debug,
 * Redis's tests/modules).  One source, compiled once per defect:
 *   TP_NAME           descriptor name (the file stem unless testing that)
 *   TP_BAD_MAJOR      ABI major 2
 *   TP_NEWER_MINOR    ABI 1.<host minor + 1>
 *   TP_SHORT_SIZE     struct_size smaller than ABI 1.0
 *   TP_V1_0           a good ABI 1.0 provider: its descriptor ends before
 *                     page_cursor (set in memory, beyond struct_size, so
 *                     a host that read past the declared size would see it)
 *   TP_V1_1           a good ABI 1.1 provider: its descriptor ends before
 *                     fetch_record (set beyond struct_size, likewise)
 *   TP_SMALL_ELEMENT  setting_def_size smaller than an ABI 1.0 setting
 *   TP_NULL_CALLBACK  map_record left NULL
 *   TP_NO_SYMBOL      exports its descriptor under another name
 *   TP_ROTATE         a good provider that rotates its refresh token as
 *                     Jobber does: it has no access token at first, so its
 *                     first fetch answers LL_ERR_AUTH; the host's
 *                     refresh_auth() call reads the refresh token, stores
 *                     a new one with credential_set() (durable before it
 *                     returns), fails unless it reads it back, and grants
 *                     access for the rest of the run
 *   TP_BAD_OAUTH      an ABI 1.4 OAuth definition naming a setting the
 *                     provider does not declare
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadledger/provider.h"

#ifndef TP_NAME
#error TP_NAME must be defined
#endif

static const struct ll_setting_def tp_settings[] = { { NULL, LL_SETTING_INT, NULL, 0, 0, NULL } };
static const struct ll_stream_def tp_streams[] = {
	{ "jobs", LL_ENTITY_JOB, 0 },
	{ NULL, LL_ENTITY_JOB, 0 },
};

struct tp_state {
	const struct ll_host_api *api;
	struct ll_host *h;
	int has_access; /* TP_ROTATE: an access token was minted */
};

static enum ll_status tp_init(const struct ll_host_api *api, struct ll_host *h, void **state,
			      char *err)
{
	struct tp_state *s = calloc(1, sizeof *s);

	if (!s) {
		snprintf(err, LL_ERR_MAX, "out of memory");
		return LL_ERR_INTERNAL;
	}
	s->api = api;
	s->h = h;
	*state = s;
	return LL_OK;
}

static void tp_fini(void *state)
{
	free(state);
}

#ifdef TP_ROTATE
static enum ll_status rotate_token(struct tp_state *s, char *err)
{
	char token[256], next[300], again[300];
	long n = 0;

	if (s->api->credential_get(s->h, "refresh_token", token, sizeof token) < 0) {
		snprintf(err, LL_ERR_MAX, "no refresh token");
		return LL_ERR_AUTH;
	}
	if (strncmp(token, "secret-rotated-", 15) == 0)
		n = strtol(token + 15, NULL, 10);
	snprintf(next, sizeof next, "secret-rotated-%ld", n + 1);
	s->api->wipe(token, sizeof token);
	if (s->api->credential_set(s->h, "refresh_token", next) < 0) {
		snprintf(err, LL_ERR_MAX, "could not store the rotated token");
		return LL_ERR_INTERNAL;
	}
	if (s->api->credential_get(s->h, "refresh_token", again, sizeof again) < 0 ||
	    strcmp(again, next) != 0) {
		snprintf(err, LL_ERR_MAX, "the vault did not return the rotated token");
		return LL_ERR_INTERNAL;
	}
	s->api->wipe(again, sizeof again);
	/* The generation number is not secret: tests read it from the log. */
	s->api->log(s->h, LL_LOG_NOTICE, "refresh token rotated to generation %ld", n + 1);
	return LL_OK;
}
#endif

#ifdef TP_ROTATE
static enum ll_status tp_refresh(void *state, char *err)
{
	struct tp_state *s = state;
	enum ll_status st = rotate_token(s, err);

	s->has_access = st == LL_OK;
	return st;
}
#endif

static enum ll_status tp_fetch(void *state, const struct ll_fetch *rq, struct ll_page *page,
			       char *err)
{
	(void)rq;
#ifdef TP_ROTATE
	if (!((struct tp_state *)state)->has_access) {
		snprintf(err, LL_ERR_MAX, "access token expired");
		return LL_ERR_AUTH;
	}
#else
	(void)state;
	(void)err;
#endif
	page->records = json_object_new_array();
	page->done = 1;
	return LL_OK;
}

#ifndef TP_NULL_CALLBACK
static enum ll_status tp_map(void *state, enum ll_entity e, struct json_object *raw,
			     struct ll_record *out, char *err)
{
	(void)state;
	(void)e;
	(void)raw;
	(void)out;
	(void)err;
	return LL_OK;
}
#define TP_MAP tp_map
#else
#define TP_MAP NULL
#endif

static enum ll_status tp_date(void *state, enum ll_entity e, struct json_object *raw,
			      int64_t *us, char *err)
{
	(void)state;
	(void)e;
	(void)raw;
	(void)err;
	*us = 0;
	return LL_OK;
}

#ifdef TP_V1_1
static enum ll_status tp_fetch_record(void *state, const struct ll_stream_def *stream,
				      const char *id, struct json_object **raw, char *err)
{
	(void)state;
	(void)stream;
	(void)id;
	(void)err;
	*raw = NULL;
	return LL_ERR_NOT_FOUND;
}
#endif

#ifdef TP_V1_0
static int tp_page_cursor(void *state, const struct ll_fetch *rq, const struct ll_page *page,
			  int64_t ahead, char out[LL_CURSOR_MAX])
{
	(void)state;
	(void)rq;
	(void)page;
	(void)ahead;
	out[0] = '\0';
	return 0;
}
#endif

#if defined(TP_BAD_MAJOR)
#define TP_VERSION LL_ABI_MKVERSION(2, 0)
#elif defined(TP_NEWER_MINOR)
#define TP_VERSION LL_ABI_MKVERSION(LL_ABI_MAJOR, LL_ABI_MINOR + 1)
#elif defined(TP_V1_0)
#define TP_VERSION LL_ABI_MKVERSION(1, 0)
#elif defined(TP_V1_1)
#define TP_VERSION LL_ABI_MKVERSION(1, 1)
#else
#define TP_VERSION LL_ABI_VERSION
#endif

#ifdef TP_SHORT_SIZE
#define TP_SIZE 16
#elif defined(TP_V1_0)
#define TP_SIZE offsetof(struct ll_provider, page_cursor)
#elif defined(TP_V1_1)
#define TP_SIZE offsetof(struct ll_provider, fetch_record)
#else
#define TP_SIZE sizeof(struct ll_provider)
#endif

/* Without the right symbol the descriptor is exported under another name. */
#ifdef TP_NO_SYMBOL
#define TP_SYMBOL misnamed_provider
#else
#define TP_SYMBOL ll_provider
#endif

LL_PROVIDER_EXPORT const struct ll_provider TP_SYMBOL = {
	.abi_version = TP_VERSION,
	.struct_size = TP_SIZE,
	.name = TP_NAME,
	.version = "0.0.1-test",
	.settings = tp_settings,
	.streams = tp_streams,
	.init = tp_init,
	.fini = tp_fini,
	.fetch_page = tp_fetch,
	.map_record = TP_MAP,
	.resolve_date = tp_date,
#ifdef TP_ROTATE
	.refresh_auth = tp_refresh,
#endif
#ifdef TP_V1_0
	.page_cursor = tp_page_cursor,
#endif
#ifdef TP_V1_1
	.fetch_record = tp_fetch_record,
	.setting_def_size = 1, /* beyond its struct_size: must not be read */
#endif
#ifdef TP_SMALL_ELEMENT
	.setting_def_size = 8,
#endif
#ifdef TP_BAD_OAUTH
	.oauth = &(const struct ll_oauth_def){ sizeof(struct ll_oauth_def), "token_url", NULL, NULL,
					       "client_id", "client_secret", NULL, NULL },
#endif
};
