/*
 * The Housecall Pro provider against a fake host: its mapping (status
 * classes, dates, money), its listing rules (the last page is the one the
 * envelope announces; an empty or short page before it is an error, not
 * the end), page guesses, and look-ups by id.  The provider's source is
 * compiled in (collectd's *_test.c practice) to reach its statics.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/housecallpro/housecallpro.c"
#include "config/config.h"
#include "provider/host.h"
#include "testing.h"
#include "util/timeutil.h"

/* A fake CRM: the next answers, and the URLs asked for. */
static struct {
	long status[8];
	const char *body[8];
	int n, next;
	char urls[8][512];
	int asked;
} crm;

static void answer(long status, const char *body)
{
	crm.status[crm.n] = status;
	crm.body[crm.n++] = body;
}

static enum ll_status fake_http_ex(struct ll_host *h, const struct ll_http_request *rq,
				   const struct ll_http_hook *hook, struct ll_http_response *rs,
				   char *err)
{
	(void)h;
	(void)hook;
	memset(rs, 0, sizeof *rs);
	snprintf(crm.urls[crm.asked++ % 8], sizeof crm.urls[0], "%s", rq->url);
	if (crm.next >= crm.n) {
		snprintf(err, LL_ERR_MAX, "no answer queued");
		return LL_ERR_TRANSIENT;
	}
	rs->status = crm.status[crm.next];
	rs->json = json_tokener_parse(crm.body[crm.next++]);
	if (rs->status >= 200 && rs->status < 300)
		return LL_OK;
	snprintf(err, LL_ERR_MAX, "HTTP %ld", rs->status);
	return rs->status == 401 ? LL_ERR_AUTH : LL_ERR_DATA;
}

static enum ll_status fake_http(struct ll_host *h, const struct ll_http_request *rq,
				struct ll_http_response *rs, char *err)
{
	return fake_http_ex(h, rq, NULL, rs, err);
}

static int fake_credential(struct ll_host *h, const char *field, char *buf, size_t len)
{
	(void)h;
	(void)field;
	return snprintf(buf, len, "test-key");
}

static struct {
	struct ll_host_api api;
	struct ll_integration_conf ic;
	struct ll_host host;
	void *state;
} f;

static int setup(void **state)
{
	char err[LL_ERR_MAX];

	(void)state;
	memset(&f, 0, sizeof f);
	memset(&crm, 0, sizeof crm);
	f.api = ll_host_api;
	f.api.http = fake_http;
	f.api.http_ex = fake_http_ex;
	f.api.credential_get = fake_credential;
	f.host.desc = &ll_provider;
	f.host.ic = &f.ic;
	return hcp_init(&f.api, &f.host, &f.state, err) == LL_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	hcp_fini(f.state);
	return 0;
}

static enum ll_status map_json(const char *text, struct ll_record *r, int64_t *date)
{
	struct json_object *o = json_tokener_parse(text);
	char err[LL_ERR_MAX] = "";
	enum ll_status st;

	assert_non_null(o);
	ll_record_init(r);
	st = hcp_map_record(f.state, LL_ENTITY_JOB, o, r, err);
	if (st == LL_OK && date)
		st = hcp_resolve_date(f.state, LL_ENTITY_JOB, o, date, err);
	json_object_put(o);
	return st;
}

static const struct ll_stream_def *stream(const char *name)
{
	const struct ll_stream_def *s = hcp_streams;

	while (s->name && strcmp(s->name, name) != 0)
		s++;
	return s;
}

#define JOB(status, completed, sched, extra) \
	"{\"id\":\"job_1\",\"work_status\":\"" status "\",\"total_amount\":14900," \
	"\"lead_source\":null,\"customer\":{\"id\":\"cus_1\",\"lead_source\":\"Google\"}," \
	"\"work_timestamps\":{\"completed_at\":" completed "}," \
	"\"schedule\":{\"scheduled_start\":" sched "}," \
	"\"created_at\":\"2024-01-01T00:00:00Z\",\"updated_at\":\"2024-01-02T00:00:00Z\"," \
	"\"deleted_at\":null" extra "}"

static void status_date_money(void **state)
{
		struct ll_record r;
	int64_t date, want;

	(void)state;
	assert_int_equal(map_json(JOB("complete unrated", "null", "\"2024-01-05T15:00:00Z\"", ""),
				  &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 14900);
	assert_string_equal(r.str[LL_FIELD_CUSTOMER_LEAD_SOURCE], "Google");
	assert_null(r.str[LL_FIELD_LEAD_SOURCE]);
	ll_parse_time("2024-01-05T15:00:00Z", &want);
	assert_int_equal(date, want); /* completed_at null: scheduled_start */
	ll_record_release(&r);

	assert_int_equal(map_json(JOB("complete rated", "\"2024-01-06T01:00:00Z\"",
					 "\"2024-01-05T15:00:00Z\"", ""), &r, &date), LL_OK);
	ll_parse_time("2024-01-06T01:00:00Z", &want);
	assert_int_equal(date, want);
	ll_record_release(&r);

	assert_int_equal(map_json(JOB("needs scheduling", "null", "null", ""), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_OPEN);
	ll_parse_time("2024-01-01T00:00:00Z", &want);
	assert_int_equal(date, want); /* neither: created_at */
	ll_record_release(&r);

	assert_int_equal(map_json(JOB("pro canceled", "null", "null", ""), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	ll_record_release(&r);
	assert_int_equal(map_json(JOB("user canceled", "null", "null", ""), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	ll_record_release(&r);
}

/* An estimate's class is its outcome: won when an option is approved
 * (design.md, "Attribution figures"), whatever its work status. */
static void estimate_won_or_not(void **state)
{
	static const struct { const char *options, *work; int64_t cls, cents; } cases[] = {
		{ "[{\"total_amount\":500,\"approval_status\":\"declined\"},"
		  "{\"total_amount\":900,\"approval_status\":\"approved\"}]",
		  "complete rated", LL_CLASS_COMPLETED, 900 },
		{ "[{\"total_amount\":500,\"approval_status\":\"pro approved\"}]",
		  "needs scheduling", LL_CLASS_COMPLETED, 500 },
		{ "[{\"total_amount\":500,\"approval_status\":\"declined\"},"
		  "{\"total_amount\":700,\"approval_status\":null}]",
		  "complete rated", LL_CLASS_OPEN, 700 },
		{ "[{\"total_amount\":500,\"approval_status\":\"awaiting response\"}]",
		  "pro canceled", LL_CLASS_CANCELED, 500 },
		{ "null", "complete unrated", LL_CLASS_OPEN, 0 },
	};
	char text[512], err[LL_ERR_MAX];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct json_object *o;
		struct ll_record r;

		snprintf(text, sizeof text,
			 "{\"id\":\"csr_1\",\"work_status\":\"%s\",\"options\":%s,"
			 "\"lead_source\":null,\"created_at\":\"2024-01-01T00:00:00Z\"}",
			 cases[i].work, cases[i].options);
		o = json_tokener_parse(text);
		assert_non_null(o);
		ll_record_init(&r);
		assert_int_equal(hcp_map_record(f.state, LL_ENTITY_ESTIMATE, o, &r, err), LL_OK);
		assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], cases[i].cls);
		assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], cases[i].cents);
		ll_record_release(&r);
		json_object_put(o);
	}
}

/* Numbered pages: guesses only within a full sweep's total_pages. */
static void page_cursor_within_the_sweep(void **state)
{
		struct ll_stream_def jobs = { "jobs", LL_ENTITY_JOB, 0 };
	struct ll_fetch rq = { &jobs, LL_FETCH_FULL, "", 0 };
	struct ll_page page = { NULL, "2", 0, 1000, 5 };
	char out[LL_CURSOR_MAX];

	(void)state;
		assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 1, out), 0);
	assert_string_equal(out, "2");
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 4, out), 0);
	assert_string_equal(out, "5");
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 5, out), -1);
	rq.cursor = "4";
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 1, out), 0);
	assert_string_equal(out, "5");
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 2, out), -1);
	rq.cursor = "x";
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 1, out), -1);
	rq.cursor = "1";
	rq.mode = LL_FETCH_INCREMENTAL;
	assert_int_equal(hcp_page_cursor(f.state, &rq, &page, 1, out), -1);
}

static void rejects_wrong_types(void **state)
{
	struct ll_record r;

	(void)state;
	assert_int_equal(map_json("{\"id\":{},\"updated_at\":\"2024-01-01T00:00:00Z\"}", &r, NULL),
			 LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json("{\"id\":\"job_1\",\"total_amount\":\"12\"}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json("{\"id\":\"job_1\",\"total_amount\":12.5}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json("{\"id\":\"job_1\",\"updated_at\":\"yesterday\"}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map_json("[1,2]", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
}

#define ENVELOPE(page, size, pages, items, records) \
	"{\"page\":" #page ",\"page_size\":" #size ",\"total_pages\":" #pages \
	",\"total_items\":" #items ",\"jobs\":[" records "]}"
#define REC "{\"id\":\"job_1\"}"

/* The listing ends at the last page the envelope announces; an empty or
 * short page before it is the CRM failing. */
static void listing_ends_where_announced(void **state)
{
	struct ll_fetch rq = { stream("jobs"), LL_FETCH_FULL, "", 0 };
	struct ll_page page;
	char err[LL_ERR_MAX] = "";

	(void)state;
	answer(200, ENVELOPE(1, 2, 3, 6, REC "," REC));
	answer(200, ENVELOPE(2, 2, 3, 6, ""));
	answer(200, ENVELOPE(3, 2, 3, 5, REC));
	answer(200, ENVELOPE(2, 2, 3, 5, REC));
	memset(&page, 0, sizeof page);
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_OK);
	assert_int_equal(page.done, 0);
	assert_string_equal(page.next_cursor, "2");
	assert_int_equal(page.total_records, 6);
	json_object_put(page.records);
	assert_non_null(strstr(crm.urls[0], "/jobs?page=1&page_size=200&sort_by=created_at&sort_direction=asc"));
	rq.cursor = "2";
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_ERR_DATA);
	assert_null(page.records);
	assert_non_null(strstr(err, "jobs page 2 of 3 holds 0 records, not 2, although the CRM counts 6"));
	rq.cursor = "3";
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_OK);
	assert_int_equal(page.done, 1); /* the last page may be short */
	assert_string_equal(page.next_cursor, "");
	json_object_put(page.records);
	rq.cursor = "2";
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_ERR_DATA);
	assert_non_null(strstr(err, "page 2 of 3 holds 1 records, not 2"));
}

/* Sorting: newest first for incremental runs (the host stops them at the
 * watermark), created_at ascending for sweeps, none for employees. */
static void sort_orders(void **state)
{
	struct ll_fetch rq = { stream("jobs"), LL_FETCH_INCREMENTAL, "", 0 };
	struct ll_page page;
	char err[LL_ERR_MAX];

	(void)state;
	answer(200, ENVELOPE(1, 200, 9, 1800, REC));
	answer(200, "{\"page\":1,\"page_size\":200,\"total_pages\":1,\"total_items\":1,\"employees\":[{}]}");
	memset(&page, 0, sizeof page);
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_ERR_DATA); /* short page 1 of 9 */
	assert_non_null(strstr(crm.urls[0], "sort_by=updated_at&sort_direction=desc"));
	rq.stream = stream("employees");
	rq.mode = LL_FETCH_FULL;
	assert_int_equal(hcp_fetch_page(f.state, &rq, &page, err), LL_OK);
	json_object_put(page.records);
	assert_null(strstr(crm.urls[1], "sort_by"));
	assert_true(stream("jobs")->flags & LL_STREAM_NEWEST_FIRST);
}

/* A look-up proves a record gone only by a 404. */
static void look_up_by_id(void **state)
{
	struct json_object *raw;
	char err[LL_ERR_MAX];

	(void)state;
	answer(200, "{\"id\":\"job_1\",\"work_status\":\"scheduled\"}");
	answer(404, "{}");
	answer(500, "{}");
	assert_int_equal(hcp_fetch_record(f.state, stream("jobs"), "job_1", &raw, err), LL_OK);
	assert_string_equal(json_object_get_string(json_object_object_get(raw, "id")), "job_1");
	json_object_put(raw);
	assert_non_null(strstr(crm.urls[0], "/jobs/job_1"));
	assert_int_equal(hcp_fetch_record(f.state, stream("customers"), "cus_2", &raw, err),
			 LL_ERR_NOT_FOUND);
	assert_non_null(strstr(crm.urls[1], "/customers/cus_2"));
	assert_int_equal(hcp_fetch_record(f.state, stream("jobs"), "job_3", &raw, err), LL_ERR_DATA);
	assert_null(raw);
	/* An id that is not Housecall Pro's shape never reaches a URL. */
	assert_int_equal(hcp_fetch_record(f.state, stream("jobs"), "../admin?x=1", &raw, err),
			 LL_ERR_DATA);
	assert_int_equal(crm.asked, 3);
	assert_false(stream("estimates")->flags & LL_STREAM_FETCH_BY_ID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(status_date_money, setup, teardown),
		cmocka_unit_test_setup_teardown(estimate_won_or_not, setup, teardown),
		cmocka_unit_test_setup_teardown(rejects_wrong_types, setup, teardown),
		cmocka_unit_test_setup_teardown(page_cursor_within_the_sweep, setup, teardown),
		cmocka_unit_test_setup_teardown(listing_ends_where_announced, setup, teardown),
		cmocka_unit_test_setup_teardown(sort_orders, setup, teardown),
		cmocka_unit_test_setup_teardown(look_up_by_id, setup, teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
