/* The store's pure parts: COPY text, page de-duplication, classification. */
#include <stdlib.h>
#include <string.h>

#include "config/rules.h"
#include "provider/host.h"
#include "store/store.h"
#include "testing.h"
#include "util/buf.h"

static void row(struct ll_store_row *r, const char *id, int64_t updated, const char *own,
		const char *cust)
{
	memset(r, 0, sizeof *r);
	ll_record_init(&r->rec);
	ll_host_api.record_set_string(&r->rec, LL_FIELD_EXTERNAL_ID, id);
	ll_host_api.record_set_time(&r->rec, LL_FIELD_UPDATED_AT, updated);
	ll_host_api.record_set_string(&r->rec, LL_FIELD_LEAD_SOURCE, own);
	ll_host_api.record_set_string(&r->rec, LL_FIELD_CUSTOMER_LEAD_SOURCE, cust);
}

/* Field n (0-based) of COPY text line, into out. */
static void field(const char *line, int n, char *out, size_t len)
{
	for (int i = 0; i < n; i++)
		line = strchr(line, '\t') + 1;
	snprintf(out, len, "%.*s", (int)strcspn(line, "\t\n"), line);
}

/* COPY's text format: \N for NULL, backslash escapes for the bytes that
 * delimit fields and rows, nothing else touched. */
static void copy_text(void **state)
{
	struct ll_store_row r;
	struct ll_rules rules;
	struct ll_buf b;
	char f[256];

	(void)state;
	ll_rules_init(&rules);
	row(&r, "job_1", 1000000, "Google\tAds\nnew\\line\rx", NULL);
	r.raw = json_tokener_parse("{\"note\":\"tab\\there\"}");
	ll_store_classify(&r, &rules);
	ll_buf_init(&b, 1 << 20);
	assert_int_equal(ll_store_copy_data(&r, 1, &b), 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	assert_null(memchr(b.data, '\n', b.len - 1)); /* one row, one line */
	field(b.data, 0, f, sizeof f);
	assert_string_equal(f, "job_1");
	field(b.data, 8, f, sizeof f);
	assert_string_equal(f, "Google\\tAds\\nnew\\\\line\\rx");
	field(b.data, 1, f, sizeof f);
	assert_string_equal(f, "\\N"); /* no status */
	field(b.data, 15, f, sizeof f);
	assert_string_equal(f, "{\"note\":\"tab\\\\there\"}"); /* JSON's own backslash, escaped */
	ll_buf_release(&b);
	json_object_put(r.raw);
	ll_record_release(&r.rec);
	ll_rules_release(&rules);
}

/* One row per id: the newest updated_at, the later one on a tie. */
static void dedupe(void **state)
{
	struct ll_store_row rows[5];
	size_t n;

	(void)state;
	row(&rows[0], "a", 10, "first", NULL);
	row(&rows[1], "b", 10, "only", NULL);
	row(&rows[2], "a", 30, "newest", NULL);
	row(&rows[3], "a", 20, "older", NULL);
	row(&rows[4], "c", 5, "tie-1", NULL);
	n = ll_store_dedupe(rows, 5);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++)
		if (strcmp(rows[i].rec.str[LL_FIELD_EXTERNAL_ID], "a") == 0)
			assert_string_equal(rows[i].rec.str[LL_FIELD_LEAD_SOURCE], "newest");
	for (size_t i = 0; i < 5; i++)
		ll_record_release(&rows[i].rec);
	row(&rows[0], "t", 7, "earlier in the page", NULL);
	row(&rows[1], "t", 7, "later in the page", NULL);
	assert_int_equal(ll_store_dedupe(rows, 2), 1);
	assert_string_equal(rows[0].rec.str[LL_FIELD_LEAD_SOURCE], "later in the page");
	for (size_t i = 0; i < 2; i++)
		ll_record_release(&rows[i].rec);
}

/* A record's own lead source first, its customer's when its own is blank. */
static void classify(void **state)
{
	struct ll_store_row r;
	struct ll_rules rules;

	(void)state;
	ll_rules_init(&rules);
	row(&r, "j", 1, "  ", "Referral");
	ll_store_classify(&r, &rules);
	assert_string_equal(r.lead_source, "Referral");
	assert_string_equal(r.origin, "customer");
	ll_record_release(&r.rec);
	row(&r, "j", 1, "Google", "Referral");
	ll_store_classify(&r, &rules);
	assert_string_equal(r.origin, "own");
	ll_record_release(&r.rec);
	row(&r, "j", 1, NULL, NULL);
	ll_store_classify(&r, &rules);
	assert_null(r.lead_source);
	assert_int_equal(r.channel, LL_CH_UNKNOWN);
	ll_record_release(&r.rec);
	assert_null(ll_entity_table((enum ll_entity)99));
	assert_string_equal(ll_entity_table(LL_ENTITY_ESTIMATE), "estimates");
	ll_rules_release(&rules);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_text),
		cmocka_unit_test(dedupe),
		cmocka_unit_test(classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
