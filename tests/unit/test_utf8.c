/* UTF-8 validation of configuration text. */
#include "testing.h"
#include "util/utf8.h"

static void utf8(void **state)
{
	static const char *const good[] = { "", "Patton Plumbing", "Caf\xc3\xa9", "\xe2\x82\xac 5",
					    "\xf0\x9f\x94\xa7 wrench", "\xf4\x8f\xbf\xbf" };
	static const char *const bad[] = { "Caf\xe9", "\xc3", "\xc0\xaf", "\xe0\x80\xaf",
					   "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xff", "\x80",
					   "ok\xc3\x28" };

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (!ll_utf8_valid(good[i]))
			fail_msg("good text %zu refused", i);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (ll_utf8_valid(bad[i]))
			fail_msg("bad text %zu accepted", i);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(utf8) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
