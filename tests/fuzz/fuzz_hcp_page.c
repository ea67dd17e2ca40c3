/*
 * libFuzzer target: the Housecall Pro page mapper through the real host
 * services.  Any page body must map or be rejected cleanly: no crash, no
 * leak, no undefined behaviour.  The provider is compiled in (collectd's
 * *_test.c practice) so its static functions run under the fuzzer.
 */
#include <stdlib.h>
#include <string.h>

#include "../../plugins/housecallpro/housecallpro.c"
#include "provider/host.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const enum ll_entity entities[] = {
	LL_ENTITY_JOB, LL_ENTITY_CUSTOMER, LL_ENTITY_ESTIMATE, LL_ENTITY_EMPLOYEE,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ll_integration_conf ic;
	struct ll_host host;
	struct json_tokener *tok;
	struct json_object *page, *arr;
	char err[LL_ERR_MAX];
	void *state = NULL;

	memset(&ic, 0, sizeof ic);
	memset(&host, 0, sizeof host);
	host.desc = &ll_provider;
	host.ic = &ic;
	if (hcp_init(&ll_host_api, &host, &state, err) != LL_OK)
		abort();
	/* The same parser settings as the host's HTTP client. */
	tok = json_tokener_new_ex(64);
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	page = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (page && json_object_is_type(page, json_type_object)) {
		for (size_t e = 0; e < 4; e++) {
			const char *key = hcp_streams[e].name;

			if (!json_object_object_get_ex(page, key, &arr) ||
			    !json_object_is_type(arr, json_type_array))
				continue;
			for (size_t i = 0; i < json_object_array_length(arr); i++) {
				struct json_object *raw = json_object_array_get_idx(arr, i);
				struct ll_record rec;
				int64_t us;

				ll_record_init(&rec);
				hcp_map_record(state, entities[e], raw, &rec, err);
				hcp_resolve_date(state, entities[e], raw, &us, err);
				ll_record_release(&rec);
			}
		}
	}
	json_object_put(page);
	hcp_fini(state);
	return 0;
}
