/* Configuration: validation, with every error named by file and line. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "testing.h"

#define CT "v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"

/* Load text as a configuration; return the joined error messages. */
static int load(const char *text, char *msgs, size_t len)
{
	struct ll_config cfg;
	struct ll_errors errs;
	const char *path = tt_write_file("t.conf", text);
	int rc;

	ll_config_init(&cfg);
	ll_errors_init(&errs);
	rc = ll_config_load(path, &cfg, &errs);
	msgs[0] = '\0';
	for (size_t i = 0; i < errs.n; i++) {
		strncat(msgs, errs.msgs[i], len - strlen(msgs) - 2);
		strncat(msgs, "\n", len - strlen(msgs) - 1);
	}
	ll_errors_release(&errs);
	ll_config_release(&cfg);
	return rc;
}

static void valid_configuration(void **state)
{
	char msgs[4096];

	(void)state;
	assert_int_equal(load("database = \"dbname=x\";\nkeyring = \"/k\";\n"
			      "sites = ( { id = \"a-1\"; name = \"A\"; plan = \"elite\";\n"
			      "  timezone = \"America/Chicago\";\n"
			      "  lead_sources = ( { channel = \"referral\"; exact = [\"Angi\"]; } );\n"
			      "  integrations = ( { provider = \"housecallpro\";\n"
			      "    credentials = { api_key = \"" CT "\"; };\n"
			      "    settings = { page_size = 100; }; } ); } );\n", msgs, sizeof msgs), 0);
}

static void errors_name_file_and_line(void **state)
{
	char msgs[8192];

	(void)state;
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\nbogus = 1;\n"
			      "sync_interval = \"often\";\n"
			      "sites = (\n"
			      " { id = \"a\"; name = \"A\"; plan = \"elite\"; timezone = \"Mars/Olympus\"; },\n"
			      " { id = \"a\"; name = \"B\"; plan = \"elite\"; timezone = \"UTC\"; },\n"
			      " { id = \"b\"; name = \"B\"; plan = \"elite\"; timezone = \"UTC\";\n"
			      "   integrations = ( { provider = \"housecallpro\";\n"
			      "     credentials = { api_key = \"hunter2-plaintext\"; }; } ); }\n"
			      ");\n", msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:3: unknown key 'bogus'"));
	assert_non_null(strstr(msgs, "t.conf:4: 'sync_interval' must be an integer"));
	assert_non_null(strstr(msgs, ":6: unknown time zone 'Mars/Olympus'"));
	assert_non_null(strstr(msgs, ":7: duplicate site id 'a'"));
	assert_non_null(strstr(msgs, ":10: credential 'api_key' is not a vault ciphertext"));
	/* The plaintext is never echoed. */
	assert_null(strstr(msgs, "hunter2"));
}

static void api_block(void **state)
{
	static const char *const good[] = { "127.0.0.1:8470", "0.0.0.0:0", "[::1]:8470", "[::]:65535" };
	static const char *const bad[] = { "localhost:8470", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536",
					   "127.0.0.1:-1", "::1:8470", "[::1]", "[]:1", ":80", "1.2.3:80",
					   "127.0.0.1:80x", "127.0.0.1: 80" };
	char text[512], msgs[2048];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(text, sizeof text, "database = \"x\";\nkeyring = \"/k\";\n"
			 "api = { listen = \"%s\"; threads = 2; public = true; };\n", good[i]);
		assert_int_equal(load(text, msgs, sizeof msgs), 0);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "database = \"x\";\nkeyring = \"/k\";\n"
			 "api = {\n  listen = \"%s\"; };\n", bad[i]);
		assert_int_equal(load(text, msgs, sizeof msgs), -1);
		assert_non_null(strstr(msgs, "t.conf:4: api listen must be"));
	}
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\n"
			      "api = { threads = 0; dashboard = \"rel/dir\"; port = 1; };\n",
			      msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:3: 'threads' = 0 is out of range"));
	assert_non_null(strstr(msgs, "t.conf:3: api dashboard must be an absolute path"));
	assert_non_null(strstr(msgs, "t.conf:3: unknown key 'port' in api"));
}

/* Serving other hosts must be meant; trusted proxies are addresses. */
static void api_exposure(void **state)
{
	char msgs[2048];

	(void)state;
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\n"
			      "api = { listen = \"0.0.0.0:8470\";\n"
			      "  metrics_listen = \"[::]:9470\"; };\n", msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:3: api listen \"0.0.0.0:8470\" is not a loopback "
			       "address: add public = true;"));
	assert_non_null(strstr(msgs, "t.conf:4: api metrics_listen \"[::]:9470\" is not a loopback"));
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\n"
			      "api = { listen = \"127.0.0.2:8470\"; metrics_listen = \"[::1]:0\";\n"
			      "  trusted_proxies = [ \"127.0.0.1\", \"::1\", \"[::1]\" ]; };\n",
			      msgs, sizeof msgs), 0);
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\n"
			      "api = { public = 1;\n  trusted_proxies = [ \"proxy.example\" ]; };\n",
			      msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:3: api public must be true or false"));
	assert_non_null(strstr(msgs, "t.conf:4: api trusted_proxies: \"proxy.example\" is not a numeric"));
}

/* Text the database or the report would choke on later is refused now. */
static void text_plan_and_zone(void **state)
{
	char msgs[4096];

	(void)state;
	assert_int_equal(load("database = \"x\";\nkeyring = \"/k\";\n"
			      "sites = (\n"
			      " { id = \"a\"; name = \"Caf\xe9 Plumbing\"; plan = \"elite\"; timezone = \"UTC\"; },\n"
			      " { id = \"b\"; name = \"B\"; plan = \"elite\";\n   timezone = \"leapseconds\"; },\n"
			      " { id = \"c\"; name = \"C\";\n   plan = \"Elite\"; timezone = \"UTC\"; },\n"
			      " { id = \"d\"; name = \"Caf\xc3\xa9\"; plan = \"basic\"; timezone = \"Europe/Berlin\";\n"
			      "   lead_sources = ( { channel = \"google\"; exact = [ \"G\xff\" ]; } ); }\n"
			      ");\n", msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:4: 'name' is not valid UTF-8"));
	assert_non_null(strstr(msgs, "t.conf:6: unknown time zone 'leapseconds'"));
	assert_non_null(strstr(msgs, "t.conf:8: unknown plan 'Elite' (plans: basic, pro, elite"));
	assert_non_null(strstr(msgs, "t.conf:10: rule patterns must be non-empty UTF-8 strings"));
	/* Well-formed UTF-8 and a real zone pass. */
	assert_null(strstr(msgs, "'d'"));
	assert_null(strstr(msgs, "Europe/Berlin"));
}

static void syntax_error_has_line(void **state)
{
	char msgs[2048];

	(void)state;
	assert_int_equal(load("database = \"x\";\nkeyring = \n", msgs, sizeof msgs), -1);
	assert_non_null(strstr(msgs, "t.conf:3:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_configuration),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(syntax_error_has_line),
		cmocka_unit_test(api_block),
		cmocka_unit_test(api_exposure),
		cmocka_unit_test(text_plan_and_zone),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
