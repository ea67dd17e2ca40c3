/*
 * The cost of derived channels (./dev bench, section 6): one page of 200
 * customers, every one with a new lead source, stored as the sync engine
 * stores a page (COPY, upsert, re-channel, in one transaction), for an
 * integration whose 20,000 jobs derive from those customers and for one
 * whose jobs derive from other customers (the baseline: the same page
 * with nothing to re-channel).  Prints "median_ms rechanneled_per_page".
 *
 * usage: bench_rechannel CONNINFO INTEGRATION_ID RULES_FILE ITERATIONS
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/rules.h"
#include "provider/host.h"
#include "store/derive.h"
#include "store/store.h"
#include "util/errors.h"
#include "util/number.h"

#define PAGE 200
#define ITERATIONS_MAX 1000

/* The page of iteration i: customers cus_1..cus_200, lead sources that
 * differ from the previous iteration's, updated_at moving forward. */
static int page_copy(int i, const struct ll_rules *rules, struct ll_buf *out)
{
	static const char *const sources[] = { "Google Ads", "Facebook" };
	struct ll_store_row rows[PAGE];
	char id[32], err[LL_ERR_MAX];
	int rc = 0;

	for (int k = 0; k < PAGE; k++) {
		struct ll_store_row *r = &rows[k];

		memset(r, 0, sizeof *r);
		ll_record_init(&r->rec);
		snprintf(id, sizeof id, "cus_%d", k + 1);
		r->raw = json_object_new_object();
		json_object_object_add(r->raw, "id", json_object_new_string(id));
		json_object_object_add(r->raw, "lead_source", json_object_new_string(sources[i % 2]));
		ll_host_api.record_set_string(&r->rec, LL_FIELD_EXTERNAL_ID, id);
		ll_host_api.record_set_string(&r->rec, LL_FIELD_LEAD_SOURCE, sources[i % 2]);
		ll_host_api.record_set_time(&r->rec, LL_FIELD_UPDATED_AT,
					   (1700000000LL + i) * 1000000LL);
		if (ll_derive_classify(r, LL_ENTITY_CUSTOMER, rules, err, sizeof err) < 0)
			rc = -1;
	}
	if (rc == 0)
		rc = ll_store_copy_data(rows, PAGE, out);
	for (int k = 0; k < PAGE; k++) {
		json_object_put(rows[k].raw);
		ll_record_release(&rows[k].rec);
	}
	return rc;
}

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_us(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int64_t iid, iterations, us[ITERATIONS_MAX], rechanneled = 0;
	struct ll_rules rules;
	struct ll_errors errs;
	struct ll_db db;
	char err[1024];
	int rc = 1;

	if (argc != 5 || ll_parse_int64(argv[2], 1, INT64_MAX, &iid) < 0 ||
	    ll_parse_int64(argv[4], 1, ITERATIONS_MAX, &iterations) < 0) {
		fprintf(stderr, "usage: bench_rechannel CONNINFO INTEGRATION_ID RULES_FILE "
			"ITERATIONS (1..%d)\n", ITERATIONS_MAX);
		return 2;
	}
	ll_rules_init(&rules);
	ll_errors_init(&errs);
	if (ll_rules_load_file(&rules, argv[3], &errs) < 0 ||
	    ll_db_connect(&db, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "bench_rechannel: cannot load the rules or connect: %s\n", err);
		ll_errors_release(&errs);
		ll_rules_release(&rules);
		return 1;
	}
	if (ll_store_stage(&db, err, sizeof err) < 0)
		goto out;
	for (int64_t i = 0; i < iterations; i++) {
		struct ll_buf copy;
		int64_t ins, upd, n, start;
		int failed;

		ll_buf_init(&copy, 1 << 24);
		if (page_copy((int)i, &rules, &copy) < 0) {
			ll_buf_release(&copy);
			snprintf(err, sizeof err, "cannot build the page");
			goto out;
		}
		start = now_us();
		failed = ll_db_begin(&db, err, sizeof err) < 0 ||
			 ll_store_upsert(&db, LL_ENTITY_CUSTOMER, iid, 0, &copy, PAGE, &ins, &upd, err,
					 sizeof err) < 0 ||
			 ll_derive_stored(&db, LL_ENTITY_CUSTOMER, iid, ins + upd, &n, err,
					  sizeof err) < 0 ||
			 ll_db_commit(&db, err, sizeof err) < 0;
		us[i] = now_us() - start;
		ll_buf_release(&copy);
		if (failed || ins + upd != PAGE) {
			ll_db_rollback(&db);
			if (!failed)
				snprintf(err, sizeof err, "the page changed %" PRId64 " customers, not %d",
					 ins + upd, PAGE);
			goto out;
		}
		rechanneled = n;
	}
	qsort(us, (size_t)iterations, sizeof us[0], cmp_us);
	printf("%.2f %" PRId64 "\n", (double)us[iterations / 2] / 1000.0, rechanneled);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_rechannel: %s\n", err);
	ll_db_release(&db);
	ll_errors_release(&errs);
	ll_rules_release(&rules);
	return rc;
}
