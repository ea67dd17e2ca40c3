/* Numbers as text: strict integers, money in cents both ways. */
#include <stdint.h>

#include "testing.h"
#include "util/number.h"

static void money_formatting(void **state)
{
	char out[32];

	(void)state;
	ll_format_cents(5190500, out, sizeof out);
	assert_string_equal(out, "51905.00");
	ll_format_cents(7, out, sizeof out);
	assert_string_equal(out, "0.07");
	ll_format_cents(-1250, out, sizeof out);
	assert_string_equal(out, "-12.50");
	ll_format_cents(INT64_MIN, out, sizeof out);
	assert_string_equal(out, "-92233720368547758.08");
}

/* Dollars from a JSON number's text, to the cent, never through a double:
 * 19.99 as a double is 19.98999..., which would truncate to 1998. */
static void dollars_to_cents(void **state)
{
	static const struct { const char *text; int64_t cents; } ok[] = {
		{ "19.99", 1999 }, { "1234.10", 123410 }, { "425.5", 42550 }, { "0", 0 },
		{ "-0", 0 }, { "100", 10000 }, { "0.005", 1 }, { "0.0049999", 0 }, { "-0.005", -1 },
		{ "-19.994", -1999 }, { "1e2", 10000 }, { "1.2345E+3", 123450 }, { "12E-2", 12 },
		{ "0.125", 13 }, { "2.675", 268 }, { "1.015", 102 }, { "0.0005", 0 },
		{ "92233720368547758.07", INT64_MAX }, { "1285.40", 128540 }, { "8200.00", 820000 },
	};
	static const char *const bad[] = {
		"", "-", "01", "1.", ".5", "1e", "+1", "1,5", "NaN", "Infinity", "0x10", " 1",
		"1 ", "92233720368547758.08", "1e400", "--1", "1.2.3",
	};
	int64_t c;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		if (ll_parse_cents(ok[i].text, &c) != 0)
			fail_msg("'%s' refused", ok[i].text);
		if (c != ok[i].cents)
			fail_msg("'%s' -> %lld cents, want %lld", ok[i].text, (long long)c,
				 (long long)ok[i].cents);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ll_parse_cents(bad[i], &c) == 0)
			fail_msg("'%s' accepted as %lld cents", bad[i], (long long)c);
	assert_int_equal(ll_parse_cents(NULL, &c), -1);
}

static void strict_integers(void **state)
{
	int64_t v;

	(void)state;
	assert_int_equal(ll_parse_int64("30", 1, 3660, &v), 0);
	assert_int_equal(v, 30);
	assert_int_equal(ll_parse_int64("3661", 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64("3x", 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64("", 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64(NULL, 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64("99999999999999999999", 0, INT64_MAX, &v), -1);
	assert_int_equal(ll_parse_int64(" 30", 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64("+30", 1, 3660, &v), -1);
	assert_int_equal(ll_parse_int64("-", -10, 10, &v), -1);
	assert_int_equal(ll_parse_int64("-5", -10, 10, &v), 0);
	assert_int_equal(v, -5);
}

/* The report's divisions: half away from zero, in both signs. */
static void rounded_division(void **state)
{
	static const struct { int64_t a, b, q; } cases[] = {
		{ 137500, 4, 34375 }, { 5, 2, 3 }, { -5, 2, -3 }, { 5, -2, -3 }, { 7, 3, 2 },
		{ 8, 3, 3 }, { 1, 3, 0 }, { 0, 9, 0 }, { 150000, 3, 50000 }, { 2, 4, 1 },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_int_equal(ll_div_round(cases[i].a, cases[i].b), cases[i].q);
	ll_format_ratio(4, 10, out, sizeof out);
	assert_string_equal(out, "0.40");
	ll_format_ratio(137500, 150000, out, sizeof out);
	assert_string_equal(out, "0.92");
	ll_format_ratio(1, 8, out, sizeof out); /* 0.125 */
	assert_string_equal(out, "0.13");
	ll_format_ratio(2, 3, out, sizeof out);
	assert_string_equal(out, "0.67");
	ll_format_ratio(7, 2, out, sizeof out);
	assert_string_equal(out, "3.50");
	ll_format_ratio(-1, 8, out, sizeof out);
	assert_string_equal(out, "-0.13");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(money_formatting),
		cmocka_unit_test(dollars_to_cents),
		cmocka_unit_test(strict_integers),
		cmocka_unit_test(rounded_division),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
