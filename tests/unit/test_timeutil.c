/* Time: parsing, formatting, the stop-aware sleep. */
#include <signal.h>
#include <stdint.h>

#include "testing.h"
#include "util/timeutil.h"

static void time_parsing(void **state)
{
	int64_t us;
	char out[40];

	(void)state;
	assert_int_equal(ll_parse_time("2024-08-29T10:26:56Z", &us), 0);
	assert_int_equal(us, 1724927216LL * 1000000);
	assert_int_equal(ll_parse_time("2024-08-29T05:26:56-05:00", &us), 0);
	assert_int_equal(us, 1724927216LL * 1000000);
	assert_int_equal(ll_parse_time("2024-08-29T10:26:56.5Z", &us), 0);
	assert_int_equal(us, 1724927216LL * 1000000 + 500000);
	/* No zone: UTC, Housecall Pro's documented form. */
	assert_int_equal(ll_parse_time("2024-08-29T10:26:56", &us), 0);
	assert_int_equal(us, 1724927216LL * 1000000);
	assert_int_equal(ll_parse_time("2024-02-30T00:00:00Z", &us), -1);
	assert_int_equal(ll_parse_time("2024-08-29", &us), -1);
	assert_int_equal(ll_parse_time("2024-08-29T10:26:56Zjunk", &us), -1);
	assert_int_equal(ll_parse_time("", &us), -1);
	ll_format_time(1724927216LL * 1000000 + 5, out, sizeof out);
	assert_string_equal(out, "2024-08-29T10:26:56.000005Z");
}

/* Seven fractional digits (ServiceTitan) are cut to microseconds, never
 * rounded: 23:59:59.9999999 stays on its own day. */
static void fractions_truncate(void **state)
{
	int64_t us, midnight;

	(void)state;
	assert_int_equal(ll_parse_time("2025-03-09T23:59:59.9999999Z", &us), 0);
	assert_int_equal(ll_parse_time("2025-03-10T00:00:00Z", &midnight), 0);
	assert_true(us < midnight);
	assert_int_equal(midnight - us, 1);
	assert_int_equal(ll_parse_time("2025-03-05T08:00:12.5Z", &us), 0);
	assert_int_equal(us % 1000000, 500000);
	assert_int_equal(ll_parse_time("2025-03-03T15:02:44.113Z", &us), 0);
	assert_int_equal(us % 1000000, 113000);
	assert_int_equal(ll_parse_time("2025-03-03T15:02:44.Z", &us), -1);
}

static void sleep_stops(void **state)
{
	volatile sig_atomic_t stop = 1;
	int64_t t0 = ll_monotonic_ms();

	(void)state;
	assert_int_equal(ll_sleep_ms(5000, &stop), -1);
	assert_true(ll_monotonic_ms() - t0 < 1000);
	stop = 0;
	assert_int_equal(ll_sleep_ms(20, &stop), 0);
	assert_int_equal(ll_sleep_ms(0, NULL), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_parsing),
		cmocka_unit_test(fractions_truncate),
		cmocka_unit_test(sleep_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
