/* Provider loading: refusals, ABI versions, element sizes. */
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "provider/host.h"
#include "provider/loader.h"
#include "testing.h"
#include "util/timeutil.h"

static const char *env_dir(const char *name)
{
	const char *d = getenv(name);

	if (!d)
		fail_msg("%s is not set (run through make check)", name);
	return d;
}

static void refused(const char *name, const char *want)
{
	struct ll_providers ps;
	char err[1024], host[32];

	ll_providers_init(&ps);
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_TEST_PROVIDER_DIR"), name, err, sizeof err), -1);
	if (!strstr(err, want))
		fail_msg("%s: '%s' does not say '%s'", name, err, want);
	assert_non_null(strstr(err, env_dir("LL_TEST_PROVIDER_DIR")));
	snprintf(host, sizeof host, "host ABI %d.%d", LL_ABI_MAJOR, LL_ABI_MINOR);
	assert_non_null(strstr(err, host));
	assert_int_equal(ps.n, 0);
	ll_providers_release(&ps);
}

static void refusals_name_path_and_versions(void **state)
{
	(void)state;
	refused("tp_bad_major", "incompatible ABI major (provider ABI 2.0");
	{
		char want[64];

		snprintf(want, sizeof want, "built for a newer host (provider ABI %d.%d",
			 LL_ABI_MAJOR, LL_ABI_MINOR + 1);
		refused("tp_newer_minor", want);
	}
	refused("tp_short_size", "descriptor is 16 bytes");
	refused("tp_null_callback", "required field or callback is NULL");
	refused("tp_wrong_name", "differs from the file name");
	refused("tp_no_symbol", "no symbol 'll_provider'");
	refused("tp_missing", "No such file");
}

static void good_provider_loads_once(void **state)
{
	struct ll_providers ps;
	char err[1024];

	(void)state;
	ll_providers_init(&ps);
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_TEST_PROVIDER_DIR"), "tp_good", err, sizeof err), 0);
	assert_non_null(ll_providers_find(&ps, "tp_good"));
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_TEST_PROVIDER_DIR"), "tp_good", err, sizeof err), -1);
	assert_non_null(strstr(err, "already loaded"));
	assert_int_equal(ll_provider_load(&ps, "relative/dir", "tp_good", err, sizeof err), -1);
	assert_int_equal(ll_provider_load(&ps, "/tmp", "../etc/x", err, sizeof err), -1);
	ll_providers_release(&ps);
}

/* A provider built against an older minor loads, and the callbacks it
 * could not know read as NULL even if bytes follow its descriptor. */
static void older_minor_loads_without_newer_callbacks(void **state)
{
	const struct ll_loaded_provider *lp;
	struct ll_providers ps;
	char err[1024];

	(void)state;
	ll_providers_init(&ps);
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_TEST_PROVIDER_DIR"), "tp_v1_0", err, sizeof err), 0);
	lp = ll_providers_find(&ps, "tp_v1_0");
	assert_non_null(lp);
	assert_null(lp->desc.page_cursor);
	assert_non_null(lp->desc.fetch_page);
	/* Its arrays were read at the ABI 1.0 element sizes. */
	assert_string_equal(lp->desc.streams[0].name, "jobs");
	assert_null(lp->desc.streams[1].name);
	assert_null(lp->desc.credentials);
	/* A 1.1 provider: page_cursor may be there, 1.2's fields are not read. */
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_TEST_PROVIDER_DIR"), "tp_v1_1", err, sizeof err), 0);
	lp = ll_providers_find(&ps, "tp_v1_1");
	assert_non_null(lp);
	assert_null(lp->desc.fetch_record);
	assert_int_equal(lp->desc.setting_def_size, 0);
	assert_string_equal(lp->desc.streams[0].name, "jobs");
	ll_providers_release(&ps);
}

/* Provider arrays as the host reads them: element by element at the size
 * the provider declares, zero-extended to the host's. */
static void element_sizes(void **state)
{
	struct ll_providers ps, copy;
	const struct ll_loaded_provider *lp;
	char err[1024];

	(void)state;
	ll_providers_init(&ps);
	refused("tp_small_element", "array element size is smaller than ABI 1.0's");
	refused("tp_bad_oauth", "its OAuth definition names 'token_url', which it does not declare");
	assert_int_equal(ll_provider_load(&ps, env_dir("LL_PROVIDER_BUILD_DIR"), "housecallpro", err, sizeof err), 0);
	lp = ll_providers_find(&ps, "housecallpro");
	assert_non_null(lp);
	assert_string_equal(lp->desc.settings[0].key, "base_url");
	assert_int_equal(lp->desc.settings[0].type, LL_SETTING_URL);
	assert_string_equal(lp->desc.credentials[0].field, "api_key");
	assert_int_equal(lp->desc.credentials[0].required, 1);
	assert_null(lp->desc.credentials[1].field);
	/* A reload's copy holds its own arrays, equal to the first. */
	ll_providers_init(&copy);
	assert_int_equal(ll_providers_copy(&copy, &ps), 0);
	assert_ptr_not_equal(copy.v[0].desc.settings, lp->desc.settings);
	assert_string_equal(copy.v[0].desc.settings[1].key, lp->desc.settings[1].key);
	assert_int_equal(copy.v[0].desc.streams[2].flags, lp->desc.streams[2].flags);
	ll_providers_release(&copy);
	ll_providers_release(&ps);
}

static void symlinks_and_writable_files_refused(void **state)
{
	char src[PATH_MAX], link[PATH_MAX], copy[PATH_MAX], cmd[3 * PATH_MAX], err[1024];
	struct ll_providers ps;

	(void)state;
	ll_providers_init(&ps);
	snprintf(src, sizeof src, "%s/tp_good.so", env_dir("LL_TEST_PROVIDER_DIR"));
	snprintf(link, sizeof link, "%s/tp_good.so", tt_dir());
	unlink(link);
	assert_int_equal(symlink(src, link), 0);
	assert_int_equal(ll_provider_load(&ps, tt_dir(), "tp_good", err, sizeof err), -1);
	assert_non_null(strstr(err, "symbolic links are not followed"));
	unlink(link);
	snprintf(copy, sizeof copy, "%s/tp_good.so", tt_dir());
	snprintf(cmd, sizeof cmd, "cp '%s' '%s'", src, copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(copy, 0666), 0);
	assert_int_equal(ll_provider_load(&ps, tt_dir(), "tp_good", err, sizeof err), -1);
	assert_non_null(strstr(err, "writable by group or others"));
	unlink(copy);
	ll_providers_release(&ps);
}

/* The Housecall Pro provider through the real host services table. */
int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusals_name_path_and_versions),
		cmocka_unit_test(good_provider_loads_once),
		cmocka_unit_test(older_minor_loads_without_newer_callbacks),
		cmocka_unit_test(element_sizes),
		cmocka_unit_test(symlinks_and_writable_files_refused),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
