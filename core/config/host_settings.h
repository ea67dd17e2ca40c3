/*
 * Settings the host reads for every integration, whatever its provider.
 * Each may be set in an integration's `settings`; the first three are also
 * top-level keys, which change the default for every integration.  Their
 * keys, types, bounds and defaults are declared once, in ll_host_settings.
 */
#ifndef LL_HOST_SETTINGS_H
#define LL_HOST_SETTINGS_H

#include <stdint.h>

#include "leadledger/provider.h"

enum ll_host_setting {
	LL_HS_SYNC_INTERVAL = 0,
	LL_HS_FULL_SWEEP_INTERVAL,
	LL_HS_OVERLAP,
	LL_HS_CONCURRENCY,
	LL_HS_REQUESTS_PER_MINUTE,
	LL_HS_SWEEP_CONFIRM_MAX,
	LL_HS_COUNT
};

struct ll_config;
struct ll_integration_conf;

/* The table, indexed by enum ll_host_setting and NULL-terminated, searched
 * like a provider's schema (an unknown key there is an error). */
extern const struct ll_setting_def ll_host_settings[LL_HS_COUNT + 1];

/* Whether k is also a top-level key, the default for every integration. */
int ll_host_setting_top_level(enum ll_host_setting k);
/* Every setting's default from the table into out. */
void ll_host_defaults_init(int64_t out[LL_HS_COUNT]);
/* A host setting's value for an integration (ic may be NULL): its own,
 * else the top-level value, else the table's default. */
int64_t ll_host_setting(const struct ll_config *cfg, const struct ll_integration_conf *ic,
			enum ll_host_setting k);

#endif
