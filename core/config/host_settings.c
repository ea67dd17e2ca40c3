#include "config/host_settings.h"

#include "config/config.h"
#include "util/number.h"

const struct ll_setting_def ll_host_settings[LL_HS_COUNT + 1] = {
	[LL_HS_SYNC_INTERVAL] = { "sync_interval", LL_SETTING_INT, "7200", 1, 31 * 86400,
		"seconds between incremental syncs" },
	[LL_HS_FULL_SWEEP_INTERVAL] = { "full_sweep_interval", LL_SETTING_INT, "604800", 0,
		366 * 86400, "seconds between full sweeps that catch silent changes and "
		"deletions (0: none but the first)" },
	[LL_HS_OVERLAP] = { "overlap", LL_SETTING_INT, "600", 0, 86400,
		"seconds subtracted from the watermark so late writes are re-read" },
	[LL_HS_CONCURRENCY] = { "concurrency", LL_SETTING_INT, "1", 1, 8,
		"requests in flight at once during full sweeps of providers with "
		"numbered pages (1: the next page is fetched while one is stored)" },
	[LL_HS_REQUESTS_PER_MINUTE] = { "requests_per_minute", LL_SETTING_INT, "0", 0, 60000,
		"most requests this integration starts per minute, retries included "
		"(0: no limit beyond the CRM's 429s)" },
	[LL_HS_SWEEP_CONFIRM_MAX] = { "sweep_confirm_max", LL_SETTING_INT, "500", 0, 100000,
		"records a full sweep did not list that it asks the CRM for by id, at most, "
		"to prove them deleted" },
	[LL_HS_COUNT] = { NULL, LL_SETTING_INT, NULL, 0, 0, NULL },
};

int ll_host_setting_top_level(enum ll_host_setting k)
{
	return k == LL_HS_SYNC_INTERVAL || k == LL_HS_FULL_SWEEP_INTERVAL || k == LL_HS_OVERLAP;
}

void ll_host_defaults_init(int64_t out[LL_HS_COUNT])
{
	for (int k = 0; k < LL_HS_COUNT; k++)
		ll_parse_int64(ll_host_settings[k].default_value, INT64_MIN, INT64_MAX, &out[k]);
}

int64_t ll_host_setting(const struct ll_config *cfg, const struct ll_integration_conf *ic,
			enum ll_host_setting k)
{
	const struct ll_setting *s = ic ? ll_integration_setting(ic, ll_host_settings[k].key) : NULL;

	return s && s->type == LL_SETTING_INT ? s->num : cfg->host_defaults[k];
}
