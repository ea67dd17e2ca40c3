/* The job runner's retry policy: when an integration runs again. */
#include <string.h>

#include "config/config.h"
#include "sync/job.h"
#include "testing.h"

static struct ll_config cfg;

static int64_t next(enum ll_run_status st, int64_t prev_backoff, int64_t retry_after,
		    int flag, int64_t *backoff)
{
	struct ll_sync_result res;
	int64_t after;

	memset(&res, 0, sizeof res);
	res.status = st;
	res.retry_after_s = retry_after;
	res.stopped = flag == 1;
	res.db_lost = flag == 2;
	ll_job_next_run(&cfg, 7200, prev_backoff, &res, &after, backoff);
	return after;
}

static void success_waits_the_interval(void **state)
{
	int64_t backoff;

	(void)state;
	assert_int_equal(next(LL_RUN_SUCCESS, 600, 0, 0, &backoff), 7200);
	assert_int_equal(backoff, 0);
	assert_int_equal(next(LL_RUN_SKIPPED, 600, 0, 0, &backoff), 7200);
	assert_int_equal(backoff, 0);
}

/* collectd's doubling: from min(interval, 300) to max_backoff. */
static void failures_double_up_to_the_cap(void **state)
{
	int64_t backoff = 0, after;

	(void)state;
	after = next(LL_RUN_FAILED, backoff, 0, 0, &backoff);
	assert_int_equal(after, 300);
	assert_int_equal(backoff, 300);
	for (int i = 0; i < 20; i++)
		after = next(LL_RUN_PARTIAL, backoff, 0, 0, &backoff);
	assert_int_equal(backoff, cfg.max_backoff_s);
	assert_int_equal(after, cfg.max_backoff_s);
	/* An interval shorter than 300 s starts the backoff there. */
	{
		struct ll_sync_result res;

		memset(&res, 0, sizeof res);
		res.status = LL_RUN_FAILED;
		ll_job_next_run(&cfg, 60, 0, &res, &after, &backoff);
		assert_int_equal(after, 60);
	}
}

/* Not the integration's fault: a stop or a lost database resumes at once,
 * keeping the backoff; a rate limit waits what the CRM asked. */
static void stops_and_rate_limits(void **state)
{
	int64_t backoff;

	(void)state;
	assert_int_equal(next(LL_RUN_PARTIAL, 1200, 0, 1, &backoff), 0);
	assert_int_equal(backoff, 1200);
	assert_int_equal(next(LL_RUN_FAILED, 1200, 0, 2, &backoff), 0);
	assert_int_equal(backoff, 1200);
	assert_int_equal(next(LL_RUN_PARTIAL, 0, 120, 0, &backoff), 120);
	assert_int_equal(backoff, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(success_waits_the_interval),
		cmocka_unit_test(failures_double_up_to_the_cap),
		cmocka_unit_test(stops_and_rate_limits),
	};

	ll_config_init(&cfg);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
