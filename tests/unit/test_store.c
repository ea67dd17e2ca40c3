/* The store's pure parts: COPY text, page de-duplication, classification
 * and derived lead sources. */
#include <stdlib.h>
#include <string.h>

#include "config/rules.h"
#include "provider/host.h"
#include "store/derive.h"
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
	char f[256], err[256];

	(void)state;
	ll_rules_init(&rules);
	row(&r, "job_1", 1000000, "Google\tAds\nnew\\line\rx", NULL);
	r.raw = json_tokener_parse("{\"note\":\"tab\\there\"}");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_JOB, &rules, err, sizeof err), 0);
	ll_buf_init(&b, 1 << 20);
	assert_int_equal(ll_store_copy_data(&r, 1, &b), 0);
	assert_int_equal(b.data[b.len - 1], '\n');
	assert_null(memchr(b.data, '\n', b.len - 1)); /* one row, one line */
	field(b.data, 0, f, sizeof f);
	assert_string_equal(f, "job_1");
	field(b.data, 17, f, sizeof f);
	assert_string_equal(f, "Google\\tAds\\nnew\\\\line\\rx");
	field(b.data, 1, f, sizeof f);
	assert_string_equal(f, "\\N"); /* no status */
	field(b.data, 12, f, sizeof f);
	assert_string_equal(f, "{\"note\":\"tab\\\\there\"}"); /* JSON's own backslash, escaped */
	field(b.data, 13, f, sizeof f);
	assert_string_equal(f, "\\N"); /* no reference */
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

/* A record's own lead source first, the snapshot guess when its own is
 * blank; a dependent references its customer unless it names a record. */
static void classify(void **state)
{
	struct ll_store_row r;
	struct ll_rules rules;
	char err[256];

	(void)state;
	ll_rules_init(&rules);
	row(&r, "j", 1, "  ", "Referral");
	ll_host_api.record_set_string(&r.rec, LL_FIELD_CUSTOMER_ID, "cus_1");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_JOB, &rules, err, sizeof err), 0);
	assert_string_equal(r.lead_source, "Referral");
	assert_string_equal(r.origin, "customer");
	assert_string_equal(r.ref, "cus_1");
	assert_int_equal(r.ref_entity, LL_ENTITY_CUSTOMER);
	ll_record_release(&r.rec);
	row(&r, "j", 1, "Google", "Referral");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_JOB, &rules, err, sizeof err), 0);
	assert_string_equal(r.origin, "own");
	assert_null(r.ref);
	ll_record_release(&r.rec);
	row(&r, "j", 1, NULL, NULL);
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_JOB, &rules, err, sizeof err), 0);
	assert_null(r.lead_source);
	assert_int_equal(r.channel, LL_CH_UNKNOWN);
	ll_record_release(&r.rec);
	/* A customer's own customer id is no reference: customers lend. */
	row(&r, "c", 1, NULL, NULL);
	ll_host_api.record_set_string(&r.rec, LL_FIELD_CUSTOMER_ID, "cus_1");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_CUSTOMER, &rules, err, sizeof err), 0);
	assert_null(r.ref);
	ll_record_release(&r.rec);
	ll_rules_release(&rules);
}

/* A named reference wins over the customer; the host refuses what it
 * cannot follow, naming why. */
static void references(void **state)
{
	struct ll_store_row r;
	struct ll_rules rules;
	char err[256];

	(void)state;
	ll_rules_init(&rules);
	row(&r, "j", 1, NULL, NULL);
	ll_host_api.record_set_string(&r.rec, LL_FIELD_CUSTOMER_ID, "cus_1");
	ll_host_api.record_set_string(&r.rec, LL_FIELD_SOURCE_REF, "cus_2");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_ESTIMATE, &rules, err, sizeof err), 0);
	assert_string_equal(r.ref, "cus_2");
	ll_host_api.record_set_int(&r.rec, LL_FIELD_SOURCE_REF_ENTITY, LL_ENTITY_JOB);
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_ESTIMATE, &rules, err, sizeof err), -1);
	assert_non_null(strstr(err, "lends none"));
	ll_record_release(&r.rec);
	row(&r, "e", 1, NULL, NULL);
	ll_host_api.record_set_string(&r.rec, LL_FIELD_SOURCE_REF, "cus_2");
	assert_int_equal(ll_derive_classify(&r, LL_ENTITY_EMPLOYEE, &rules, err, sizeof err), -1);
	assert_non_null(strstr(err, "employees record cannot derive"));
	ll_record_release(&r.rec);
	ll_rules_release(&rules);
}

/* The entity table answers for every entity and refuses the unknown. */
static void entities(void **state)
{
	(void)state;
	assert_null(ll_entity_table((enum ll_entity)99));
	assert_null(ll_entity_lends((enum ll_entity)99));
	assert_false(ll_entity_depends((enum ll_entity)99));
	assert_string_equal(ll_entity_table(LL_ENTITY_ESTIMATE), "estimates");
	assert_string_equal(ll_entity_lends(LL_ENTITY_CUSTOMER), "customer");
	assert_null(ll_entity_lends(LL_ENTITY_JOB));
	assert_true(ll_entity_depends(LL_ENTITY_JOB));
	assert_false(ll_entity_depends(LL_ENTITY_CUSTOMER));
}

/* The derived SELECT names every staged column once, in order, and joins
 * each lender; a buffer too small is refused, not truncated. */
static void stage_select(void **state)
{
	char sql[2048], tiny[64];

	(void)state;
	assert_int_equal(ll_derive_stage_select(LL_ENTITY_JOB, sql, sizeof sql), 0);
	assert_non_null(strstr(sql, "FROM customers l WHERE ll_stage.source_ref_entity = 1"));
	assert_non_null(strstr(sql, "'customer'::text AS l_origin"));
	assert_non_null(strstr(sql, "FROM ll_stage LEFT JOIN LATERAL"));
	assert_int_equal(ll_derive_stage_select(LL_ENTITY_JOB, tiny, sizeof tiny), -1);
	/* A lender derives nothing: its rows go in as staged. */
	assert_int_equal(ll_derive_stage_select(LL_ENTITY_CUSTOMER, sql, sizeof sql), 0);
	assert_string_equal(sql, LL_STAGE_COLUMNS " FROM ll_stage");
}

/* Statement templates: every marker replaced, nothing else touched, a
 * buffer too small refused rather than cut. */
static void templates(void **state)
{
	const char *vars[2][2] = { { "{t}", "jobs" }, { "{l}", "customers" } };
	char out[128], err[64], tiny[16];

	(void)state;
	assert_int_equal(ll_db_template(out, sizeof out, "UPDATE {t} SET x = {l}.y FROM {l} {x}",
					vars, 2, err, sizeof err), 0);
	assert_string_equal(out, "UPDATE jobs SET x = customers.y FROM customers {x}");
	assert_int_equal(ll_db_template(tiny, sizeof tiny, "SELECT * FROM {l}", vars, 2, err,
					sizeof err), -1);
	assert_string_equal(err, "statement too long");
	assert_int_equal(ll_db_template(tiny, sizeof tiny, "0123456789abcdef", vars, 2, err,
					sizeof err), -1);
	assert_int_equal(ll_db_template(tiny, sizeof tiny, "0123456789abcde", vars, 2, err,
					sizeof err), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_text),
		cmocka_unit_test(dedupe),
		cmocka_unit_test(classify),
		cmocka_unit_test(references),
		cmocka_unit_test(entities),
		cmocka_unit_test(stage_select),
		cmocka_unit_test(templates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
