/* Provider loading refusals and the Housecall Pro mapping rules. */
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
struct hcp_fixture {
	struct ll_providers ps;
	struct ll_integration_conf ic;
	struct ll_host host;
	const struct ll_provider *d;
	void *state;
};

static int hcp_setup(void **state)
{
	struct hcp_fixture *f = calloc(1, sizeof *f);
	char err[1024];

	if (!f)
		return -1;
	ll_providers_init(&f->ps);
	if (ll_provider_load(&f->ps, env_dir("LL_PROVIDER_BUILD_DIR"), "housecallpro", err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	f->d = &f->ps.v[0].desc;
	f->host.desc = f->d;
	f->host.ic = &f->ic;
	snprintf(f->host.prefix, sizeof f->host.prefix, "test/housecallpro");
	if (f->d->init(&ll_host_api, &f->host, &f->state, err) != LL_OK)
		return -1;
	*state = f;
	return 0;
}

static int hcp_teardown(void **state)
{
	struct hcp_fixture *f = *state;

	f->d->fini(f->state);
	ll_providers_release(&f->ps);
	free(f);
	return 0;
}

static enum ll_status map_json(struct hcp_fixture *f, const char *text, struct ll_record *r,
			       int64_t *date)
{
	struct json_object *o = json_tokener_parse(text);
	char err[LL_ERR_MAX] = "";
	enum ll_status st;

	assert_non_null(o);
	ll_record_init(r);
	st = f->d->map_record(f->state, LL_ENTITY_JOB, o, r, err);
	if (st == LL_OK && date)
		st = f->d->resolve_date(f->state, LL_ENTITY_JOB, o, date, err);
	json_object_put(o);
	return st;
}

#define JOB(status, completed, sched, extra) \
	"{\"id\":\"job_1\",\"work_status\":\"" status "\",\"total_amount\":14900," \
	"\"lead_source\":null,\"customer\":{\"id\":\"cus_1\",\"lead_source\":\"Google\"}," \
	"\"work_timestamps\":{\"completed_at\":" completed "}," \
	"\"schedule\":{\"scheduled_start\":" sched "}," \
	"\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"," \
	"\"deleted_at\":null" extra "}"

static void hcp_status_date_money(void **state)
{
	struct hcp_fixture *f = *state;
	struct ll_record r;
	int64_t date, want;

	assert_int_equal(map_json(f, JOB("complete unrated", "null", "\"2024-01-05T15:00:00Z\"", ""),
				  &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 14900);
	assert_string_equal(r.str[LL_FIELD_CUSTOMER_LEAD_SOURCE], "Google");
	assert_null(r.str[LL_FIELD_LEAD_SOURCE]);
	ll_parse_time("2024-01-05T15:00:00Z", &want);
	assert_int_equal(date, want); /* completed_at null: scheduled_start */
	ll_record_release(&r);

	assert_int_equal(map_json(f, JOB("complete rated", "\"2024-01-06T01:00:00Z\"",
					 "\"2024-01-05T15:00:00Z\"", ""), &r, &date), LL_OK);
	ll_parse_time("2024-01-06T01:00:00Z", &want);
	assert_int_equal(date, want);
	ll_record_release(&r);

	assert_int_equal(map_json(f, JOB("needs scheduling", "null", "null", ""), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_OPEN);
	ll_parse_time("2024-01-01T00:00:00Z", &want);
	assert_int_equal(date, want); /* neither: created_at */
	ll_record_release(&r);

	assert_int_equal(map_json(f, JOB("pro canceled", "null", "null", ""), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	ll_record_release(&r);
	assert_int_equal(map_json(f, JOB("user canceled", "null", "null", ""), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	ll_record_release(&r);
}

/* Numbered pages: guesses only within a full sweep's total_pages. */
static void hcp_page_cursor_within_the_sweep(void **state)
{
	struct hcp_fixture *f = *state;
	struct ll_stream_def jobs = { "jobs", LL_ENTITY_JOB, 0 };
	struct ll_fetch rq = { &jobs, LL_FETCH_FULL, "", 0 };
	struct ll_page page = { NULL, "2", 0, 1000, 5 };
	char out[LL_CURSOR_MAX];

	assert_non_null(f->d->page_cursor);
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 1, out), 0);
	assert_string_equal(out, "2");
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 4, out), 0);
	assert_string_equal(out, "5");
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 5, out), -1);
	rq.cursor = "4";
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 1, out), 0);
	assert_string_equal(out, "5");
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 2, out), -1);
	rq.cursor = "x";
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 1, out), -1);
	rq.cursor = "1";
	rq.mode = LL_FETCH_INCREMENTAL;
	assert_int_equal(f->d->page_cursor(f->state, &rq, &page, 1, out), -1);
}

static void hcp_rejects_wrong_types(void **state)
{
	struct hcp_fixture *f = *state;
	struct ll_record r;

	assert_int_equal(map_json(f, "{\"id\":{},\"updated_at\":\"2024-01-01T00:00:00Z\"}", &r, NULL),
			 LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json(f, "{\"id\":\"job_1\",\"total_amount\":\"12\"}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json(f, "{\"id\":\"job_1\",\"total_amount\":12.5}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json(f, "{\"id\":\"job_1\",\"updated_at\":\"yesterday\"}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json(f, "[1,2]", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(refusals_name_path_and_versions),
		cmocka_unit_test(good_provider_loads_once),
		cmocka_unit_test(older_minor_loads_without_newer_callbacks),
		cmocka_unit_test(symlinks_and_writable_files_refused),
		cmocka_unit_test_setup_teardown(hcp_status_date_money, hcp_setup, hcp_teardown),
		cmocka_unit_test_setup_teardown(hcp_rejects_wrong_types, hcp_setup, hcp_teardown),
		cmocka_unit_test_setup_teardown(hcp_page_cursor_within_the_sweep, hcp_setup, hcp_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
