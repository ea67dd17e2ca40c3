/* Spend as typed and imported: months, amounts, and CSV files that apply
 * whole or not at all. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/spend.h"
#include "testing.h"

static void months(void **state)
{
	char out[11];

	(void)state;
	assert_int_equal(ll_spend_parse_month("2026-10", out), 0);
	assert_string_equal(out, "2026-10-01");
	assert_int_equal(ll_spend_parse_month("2024-02", out), 0);
	assert_string_equal(out, "2024-02-01");
	for (const char *const *b = (const char *const[]){ "2026-13", "2026-00", "2026-1", "26-10",
							   "2026-10-01", "2026/10", "", " 2026-10",
							   "1899-12", NULL };
	     *b; b++)
		assert_int_equal(ll_spend_parse_month(*b, out), -1);
}

static void amounts(void **state)
{
	static const struct { const char *text; int64_t cents; } ok[] = {
		{ "1500.00", 150000 }, { "1500", 150000 }, { "45.5", 4550 }, { "0.01", 1 },
		{ "0", 0 }, { "9999999999999.99", INT64_C(999999999999999) },
	};
	static const char *const bad[] = {
		"", "-5", "+5", "1.005", "1.", ".5", "1e3", "1,000.00", "$5", " 5", "5 ",
		"10000000000000", "NaN", "1.2.3",
	};
	int64_t c;

	(void)state;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		assert_int_equal(ll_spend_parse_amount(ok[i].text, &c), 0);
		assert_int_equal(c, ok[i].cents);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(ll_spend_parse_amount(bad[i], &c), -1);
}

/* 0 or -1 from ll_spend_read_csv over text; err and the entries kept. */
static int read_text(const char *text, struct ll_spend_entry **v, size_t *n, char *err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(f);
	rc = ll_spend_read_csv(f, v, n, err, 256);
	fclose(f);
	return rc;
}

static void csv_files(void **state)
{
	struct ll_spend_entry *v;
	char err[256];
	size_t n;

	(void)state;
	assert_int_equal(read_text("month,channel,amount\r\n2026-10,google,1500.00\r\n\r\n"
				   "2026-11,ai_phone,20\n", &v, &n, err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(v[0].month, "2026-10-01");
	assert_int_equal(v[0].channel, LL_CH_GOOGLE);
	assert_int_equal(v[0].cents, 150000);
	assert_int_equal(v[1].line, 4);
	assert_int_equal(v[1].channel, LL_CH_AI_PHONE);
	free(v);
	assert_int_equal(read_text("\xEF\xBB\xBFmonth,channel,amount\r\n2026-10,social,1\r\n",
				   &v, &n, err), 0);
	assert_int_equal(n, 1);
	free(v);
	assert_int_equal(read_text("month,channel,amount\n", &v, &n, err), 0);
	assert_int_equal(n, 0);
	free(v);

	assert_int_equal(read_text("", &v, &n, err), -1);
	assert_non_null(strstr(err, "header"));
	assert_int_equal(read_text("month,channel,amount\n2026-10,google,1\n2026-10,nope,2\n",
				   &v, &n, err), -1);
	assert_non_null(strstr(err, "line 3:"));
	assert_null(v);
	assert_int_equal(read_text("month,channel,amount\n2026-10,google,1\n2026-10,google,2\n",
				   &v, &n, err), -1);
	assert_string_equal(err, "line 3: 2026-10 google was already given on line 2");
	assert_int_equal(read_text("month,channel,amount\n2026-10,google,1,extra\n", &v, &n, err),
			 -1);
	assert_non_null(strstr(err, "line 2: expected month,channel,amount"));
	assert_int_equal(read_text("channel,month,amount\n", &v, &n, err), -1);
	assert_non_null(strstr(err, "line 1: the header"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(months),
		cmocka_unit_test(amounts),
		cmocka_unit_test(csv_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
