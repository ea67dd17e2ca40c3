/* The HTTP client's policy on its own: which URLs, what backoff. */
#include <string.h>

#include "config/config.h"
#include "provider/http.h"
#include "testing.h"

static void url_policy(void **state)
{
	static const char *const allowed[] = {
		"https://api.housecallpro.com/jobs", "https://example.com:8443/x?y=1",
		"http://127.0.0.1:8080/", "http://127.1.2.3/", "http://localhost:9/",
		"http://LOCALHOST/", "http://[::1]:8080/",
	};
	static const char *const refused[] = {
		"http://example.com/", "http://127.attacker.example/", "http://127.0.0.1.nip.io/",
		"http://10.0.0.1/", "http://[::2]/", "file:///etc/passwd", "ftp://127.0.0.1/",
		"gopher://localhost/", "not a url", "", "https://", "http:///x",
	};
	char err[256];
	int plain;

	(void)state;
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
		if (ll_http_url_allowed(allowed[i], &plain, err, sizeof err) != 0)
			fail_msg("%s refused: %s", allowed[i], err);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
		if (ll_http_url_allowed(refused[i], &plain, err, sizeof err) == 0)
			fail_msg("%s allowed", refused[i]);
	assert_int_equal(ll_http_url_allowed("http://127.0.0.1/", &plain, err, sizeof err), 0);
	assert_int_equal(plain, 1);
	assert_int_equal(ll_http_url_allowed("https://x.example/", &plain, err, sizeof err), 0);
	assert_int_equal(plain, 0);
	assert_int_equal(ll_http_url_allowed("file:///etc/passwd", &plain, err, sizeof err), -1);
	assert_non_null(strstr(err, "URL scheme file refused"));
}

/* Full jitter within the doubling ceiling, never below what the CRM asked. */
static void backoff(void **state)
{
	struct ll_http_policy p = { .backoff_base_ms = 1000, .backoff_cap_ms = 8000 };

	(void)state;
	for (int i = 0; i < 200; i++) {
		int64_t d0 = ll_backoff_ms(&p, 0, 0), d3 = ll_backoff_ms(&p, 3, 0),
			d9 = ll_backoff_ms(&p, 9, 0), dra = ll_backoff_ms(&p, 0, 2500);

		assert_in_range(d0, 0, 1000);
		assert_in_range(d3, 0, 8000);
		assert_in_range(d9, 0, 8000);
		assert_in_range(dra, 2500, 2500);
	}
	assert_int_equal(ll_backoff_ms(&p, 40, 60000), 60000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(url_policy),
		cmocka_unit_test(backoff),
	};

	if (ll_http_global_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
