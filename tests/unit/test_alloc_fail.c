/*
 * Allocation-failure injection (curl's "torture" idea): configuration load,
 * rules load, keyring load and page mapping are run again and again, the
 * Nth allocation failing on run N, until a run needs no more than N
 * allocations.  Every run must end in a clean error or success, never a
 * crash, and leak nothing (LeakSanitizer checks after every run).
 *
 * Our own calls to malloc, calloc, realloc and strdup are wrapped at link
 * time (-Wl,--wrap); allocations inside libconfig, json-c and libsodium are
 * not, as we cannot make those libraries handle them.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/housecallpro/housecallpro.c"
#include "config/config.h"
#include "provider/host.h"
#include "sync/pagemap.h"
#include "config/rules.h"
#include "testing.h"
#include "vault/vault.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#define LEAKED() __lsan_do_recoverable_leak_check()
#else
#define LEAKED() 0
#endif

static long alloc_count, fail_at = -1;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static int injected(void)
{
	return ++alloc_count == fail_at;
}

void *__wrap_malloc(size_t n)
{
	return injected() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
	return injected() ? NULL : __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
	return injected() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return injected() ? NULL : __real_strdup(s);
}

/* Run op with allocation N failing, N = 1, 2, ... until op no longer
 * reaches the failing allocation; it must then succeed. */
static void torture(const char *what, int (*op)(void))
{
	for (long n = 1; n < 1000000; n++) {
		int rc;

		alloc_count = 0;
		fail_at = n;
		rc = op();
		fail_at = -1;
		if (LEAKED())
			fail_msg("%s: leak when allocation %ld fails", what, n);
		if (alloc_count < n) {
			if (rc != 0)
				fail_msg("%s: fails with no allocation failing", what);
			printf("# %s: clean at each of %ld failing allocations\n", what, n - 1);
			return;
		}
	}
	fail_msg("%s: did not finish", what);
}

static const char *config_path;
static const char *rules_path;
static const char *keyring_path;

static int load_config(void)
{
	struct ll_config cfg;
	struct ll_errors errs;
	int rc;

	ll_config_init(&cfg);
	ll_errors_init(&errs);
	rc = ll_config_load(config_path, &cfg, &errs);
	ll_config_release(&cfg);
	ll_errors_release(&errs);
	return rc;
}

static int load_rules(void)
{
	struct ll_rules r;
	struct ll_errors errs;
	int rc;

	ll_rules_init(&r);
	ll_errors_init(&errs);
	rc = ll_rules_load_file(&r, rules_path, &errs);
	if (rc == 0 && ll_rules_add_employee(&r, "Mike", "Patton") < 0)
		rc = -1;
	ll_rules_release(&r);
	ll_errors_release(&errs);
	return rc;
}

static int load_keyring(void)
{
	char err[512];
	struct ll_keyring *kr = ll_keyring_load(keyring_path, err, sizeof err);

	ll_keyring_free(kr);
	return kr ? 0 : -1;
}

static struct json_object *page;

static const struct ll_stream_def *hcp_stream(const char *name)
{
	const struct ll_stream_def *s = hcp_streams;

	while (s->name && strcmp(s->name, name) != 0)
		s++;
	return s;
}

/* The sync engine's own page mapper: map, classify, de-duplicate, COPY. */
static int map_page(void)
{
	struct ll_integration_conf ic;
	struct ll_host host;
	struct ll_mapped_page mp;
	struct ll_pagemap pm;
	struct json_object *arr;
	struct ll_rules rules;
	char err[LL_ERR_MAX];
	void *state = NULL;
	int rc;

	memset(&ic, 0, sizeof ic);
	memset(&host, 0, sizeof host);
	host.desc = &ll_provider;
	host.ic = &ic;
	if (hcp_init(&ll_host_api, &host, &state, err) != LL_OK)
		return -1;
	ll_rules_init(&rules);
	json_object_object_get_ex(page, "jobs", &arr);
	pm = (struct ll_pagemap){ &ll_provider, state, hcp_stream("jobs"), &rules };
	ll_mapped_page_init(&mp);
	rc = ll_pagemap_prepare(&pm, "1", arr, &mp);
	if (rc == 0 && mp.n_rows == 0)
		rc = -1;
	ll_mapped_page_release(&mp);
	ll_rules_release(&rules);
	hcp_fini(state);
	return rc;
}

static void configuration(void **state)
{
	(void)state;
	torture("configuration load", load_config);
}

static void rules(void **state)
{
	(void)state;
	torture("rules load", load_rules);
}

static void keyring(void **state)
{
	(void)state;
	torture("keyring load", load_keyring);
}

static void page_mapping(void **state)
{
	(void)state;
	torture("page mapping", map_page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(configuration),
		cmocka_unit_test(rules),
		cmocka_unit_test(keyring),
		cmocka_unit_test(page_mapping),
	};
	static char rules_buf[1024], page_buf[1024], kr_buf[1024];
	const char *src = getenv("LL_SRCDIR");
	char id[40], err[512];
	int rc;

	if (sodium_init() < 0 || !src)
		return 1;
	snprintf(rules_buf, sizeof rules_buf, "%s/etc/lead-sources.conf", src);
	rules_path = rules_buf;
	config_path = tt_write_file("torture.conf",
		"database = \"dbname=x\";\nkeyring = \"/k\";\nhttp = { timeout = 30; };\n"
		"sites = ( { id = \"a\"; name = \"A\"; plan = \"elite\"; timezone = \"UTC\";\n"
		"  lead_sources = ( { channel = \"referral\"; exact = [\"Angi\", \"HomeAdvisor\"];\n"
		"                     keywords = [\"angi\"]; } );\n"
		"  integrations = ( { provider = \"housecallpro\";\n"
		"    credentials = { api_key = \"v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"; };\n"
		"    settings = { page_size = 100; base_url = \"http://127.0.0.1:1\"; }; } ); },\n"
		"  { id = \"b\"; name = \"B\"; plan = \"basic\"; timezone = \"UTC\"; } );\n");
	snprintf(kr_buf, sizeof kr_buf, "%s/keyring", tt_dir());
	keyring_path = kr_buf;
	if (ll_keyring_generate(keyring_path, "k1", id, sizeof id, err, sizeof err) < 0 ||
	    ll_keyring_generate(keyring_path, "k2", id, sizeof id, err, sizeof err) < 0)
		return 1;
	snprintf(page_buf, sizeof page_buf, "%s/tests/fuzz/corpus/hcp_page/jobs-page.json", src);
	page = json_object_from_file(page_buf);
	if (!page)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	json_object_put(page);
	return rc;
}
