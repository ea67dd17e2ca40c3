/* Lead-source rules: the brief's examples, matching, override order. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/rules.h"
#include "testing.h"

static const char *rules_path(void)
{
	static char path[1024];
	const char *src = getenv("LL_SRCDIR");

	snprintf(path, sizeof path, "%s/etc/lead-sources.conf", src ? src : ".");
	return path;
}

static void classify_brief_examples(void **state)
{
	static const struct { const char *raw; const char *channel; } cases[] = {
		{ "Google", "google" }, { "Google Ads", "google" }, { "AdWords", "google" },
		{ "Google LSA", "google" }, { "Local Services", "google" }, { "GMB", "google" },
		{ "Google My Business", "google" }, { "Google Business Profile", "google" },
		{ "Online Booking", "website" }, { "Website", "website" }, { "Web Form", "website" },
		{ "Book Online", "website" },
		{ "Facebook", "social" }, { "Instagram", "social" }, { "Nextdoor", "social" },
		{ "TikTok", "social" }, { "YouTube", "social" },
		{ "existing customer", "repeat_customer" }, { "Repeat Customer", "repeat_customer" },
		{ "Returning Customer", "repeat_customer" }, { "Past Customer", "repeat_customer" },
		{ "CSR AI", "ai_phone" }, { "AI Phone", "ai_phone" }, { "AI Receptionist", "ai_phone" },
		{ "Voice AI", "ai_phone" },
		{ "Referral", "referral" }, { "Referred by a friend", "referral" },
		{ "Word of Mouth", "referral" },
		{ "Phone Call", "direct" }, { "Call-in", "direct" }, { "Walk-in", "direct" },
		{ "Truck Wrap", "direct" }, { "Yard Sign", "direct" }, { "Direct Mail", "direct" },
		{ NULL, "unknown" }, { "", "unknown" }, { "   ", "unknown" }, { "Other", "unknown" },
		{ "Unknown", "unknown" }, { "N/A", "unknown" }, { "Groupon", "unknown" },
		/* case and white space */
		{ "  GOOGLE   ads ", "google" }, { "csr  ai", "ai_phone" },
		/* keywords match whole words only */
		{ "Google search ad (spring)", "google" }, { "Repair", "unknown" },
		{ "Facebook Marketplace", "social" },
		/* employees: first and full names */
		{ "Mike", "referral" }, { "mike patton", "referral" }, { "Patton", "unknown" },
	};
	struct ll_rules r;
	struct ll_errors errs;

	(void)state;
	ll_rules_init(&r);
	ll_errors_init(&errs);
	assert_int_equal(ll_rules_load_file(&r, rules_path(), &errs), 0);
	assert_int_equal(ll_rules_add_employee(&r, "Mike", "Patton"), 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = ll_channel_name(ll_rules_classify(&r, cases[i].raw));

		if (strcmp(got, cases[i].channel) != 0)
			fail_msg("'%s' -> %s, want %s", cases[i].raw ? cases[i].raw : "(null)",
				 got, cases[i].channel);
	}
	ll_rules_release(&r);
	ll_errors_release(&errs);
}

static void site_overrides_come_first(void **state)
{
	struct ll_config cfg;
	struct ll_errors errs;
	struct ll_rules defaults, merged;
	const char *path = tt_write_file("o.conf",
		"database = \"x\";\nkeyring = \"/k\";\n"
		"sites = ( { id = \"a\"; name = \"A\"; plan = \"elite\"; timezone = \"UTC\";\n"
		"  lead_sources = ( { channel = \"referral\"; exact = [\"Google\"]; } ); } );\n");

	(void)state;
	ll_config_init(&cfg);
	ll_errors_init(&errs);
	ll_rules_init(&defaults);
	assert_int_equal(ll_config_load(path, &cfg, &errs), 0);
	assert_int_equal(ll_rules_load_file(&defaults, rules_path(), &errs), 0);
	ll_rules_init(&merged);
	assert_int_equal(ll_rules_append(&merged, &cfg.sites[0].overrides), 0);
	assert_int_equal(ll_rules_append(&merged, &defaults), 0);
	assert_string_equal(ll_channel_name(ll_rules_classify(&merged, "google")), "referral");
	assert_string_equal(ll_channel_name(ll_rules_classify(&merged, "GMB")), "google");
	ll_rules_release(&merged);
	ll_rules_release(&defaults);
	ll_errors_release(&errs);
	ll_config_release(&cfg);
}

/* The normalization rules rely on: case, surrounding and repeated space. */
static void normalization(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(ll_normalize_text("  Google\t  LSA  ", out, sizeof out), "google lsa");
	assert_string_equal(ll_normalize_text("", out, sizeof out), "");
	assert_string_equal(ll_normalize_text(NULL, out, sizeof out), "");
	assert_int_equal(ll_text_blank(" \t\n"), 1);
	assert_int_equal(ll_text_blank(NULL), 1);
	assert_int_equal(ll_text_blank(" x "), 0);
	/* Cut to the buffer, never past it. */
	assert_string_equal(ll_normalize_text("ABCDEFGHIJ", out, 5), "abcd");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify_brief_examples),
		cmocka_unit_test(site_overrides_come_first),
		cmocka_unit_test(normalization),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
