/* The API's front door: what it makes of a request head. */
#include <string.h>

#include "api/gate.h"
#include "testing.h"

static unsigned verdict(const char *head, int full)
{
	const char *why;

	return ll_gate_check_head(head, strlen(head), full, &why);
}

static void heads(void **state)
{
	static char big[LL_GATE_HEAD_MAX + 64], long_target[LL_GATE_TARGET_MAX + 64];

	(void)state;
	assert_int_equal(verdict("GET /api/v1/sites/a/report HTTP/1.1\r\nHost: x\r\n\r\n", 0), 0);
	assert_int_equal(verdict("HEAD / HTTP/1.0\r\n\r\n", 0), 0);
	assert_int_equal(verdict("GET / HTTP/1.1\n\n", 0), 0);
	/* Not there yet: read more. */
	assert_int_equal(verdict("GET / HTTP/1.1\r\nHost: x\r\n", 0), 1);
	assert_int_equal(verdict("GET /api", 0), 1);
	/* Refused, with the status to answer. */
	assert_int_equal(verdict("GET / HTTP/2.0\r\n\r\n", 0), 505);
	assert_int_equal(verdict("GET / HTTP/0.9\r\n\r\n", 0), 505);
	assert_int_equal(verdict("GET /\r\n\r\n", 0), 400);
	assert_int_equal(verdict("GARBAGE\r\n\r\n", 0), 400);
	assert_int_equal(verdict("get / HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(verdict("GET  HTTP/1.1\r\n\r\n", 0), 400);
	assert_int_equal(verdict("GET / HTTP/1.1x\r\n\r\n", 0), 400);
	assert_int_equal(verdict("GET / HTTP/1.1\r\nHost: x\r\n", 1), 431);
	memset(long_target, 'a', sizeof long_target - 1);
	memcpy(long_target, "GET /", 5);
	assert_int_equal(verdict(long_target, 0), 414);
	memcpy(long_target + LL_GATE_TARGET_MAX + 10, " HTTP/1.1\r\n\r\n", 14);
	assert_int_equal(verdict(long_target, 0), 414);
	memset(big, 'a', sizeof big - 1);
	memcpy(big, "GET / HTTP/1.1\r\nX-Big: ", 23);
	assert_int_equal(verdict(big, 0), 431);
	{
		const char head[] = "GET /\0x HTTP/1.1\r\n\r\n";
		const char *why;

		assert_int_equal(ll_gate_check_head(head, sizeof head - 1, 0, &why), 400);
		assert_non_null(strstr(why, "NUL"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(heads) };

	return cmocka_run_group_tests(tests, NULL, NULL);
}
