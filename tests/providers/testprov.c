/*
 * Test-only providers, built for `make check` only (Varnish's vmod_debug,
 * Redis's tests/modules).  One source, compiled once per defect:
 *   TP_NAME           descriptor name (the file stem unless testing that)
 *   TP_BAD_MAJOR      ABI major 2
 *   TP_NEWER_MINOR    ABI 1.<host minor + 1>
 *   TP_SHORT_SIZE     struct_size smaller than ABI 1.0
 *   TP_NULL_CALLBACK  map_record left NULL
 *   TP_NO_SYMBOL      exports its descriptor under another name
 */
#include <stdlib.h>

#include "leadledger/provider.h"

#ifndef TP_NAME
#error TP_NAME must be defined
#endif

static const struct ll_setting_def tp_settings[] = { { NULL, LL_SETTING_INT, NULL, 0, 0, NULL } };
static const struct ll_stream_def tp_streams[] = {
	{ "jobs", LL_ENTITY_JOB, 0 },
	{ NULL, LL_ENTITY_JOB, 0 },
};

static enum ll_status tp_init(const struct ll_host_api *api, struct ll_host *h, void **state,
			      char *err)
{
	(void)api;
	(void)h;
	(void)err;
	*state = NULL;
	return LL_OK;
}

static void tp_fini(void *state)
{
	(void)state;
}

static enum ll_status tp_fetch(void *state, const struct ll_fetch *rq, struct ll_page *page,
			       char *err)
{
	(void)state;
	(void)rq;
	(void)err;
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

#if defined(TP_BAD_MAJOR)
#define TP_VERSION LL_ABI_MKVERSION(2, 0)
#elif defined(TP_NEWER_MINOR)
#define TP_VERSION LL_ABI_MKVERSION(LL_ABI_MAJOR, LL_ABI_MINOR + 1)
#else
#define TP_VERSION LL_ABI_VERSION
#endif

#ifdef TP_SHORT_SIZE
#define TP_SIZE 16
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
};
