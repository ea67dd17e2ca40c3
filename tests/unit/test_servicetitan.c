/*
 * The ServiceTitan provider against a fake host: the contract's
 * ServiceTitan column (status classes, the report date with seven
 * fractional digits, money from decimal text, null totals, the campaign a
 * job derives its lead source from, inactive and merged rows), the URLs it
 * asks for in each mode with the app key beside the token, and the pages
 * it refuses.  The provider's source is compiled in to reach its statics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/servicetitan/servicetitan.c"
#include "config/config.h"
#include "provider/host.h"
#include "testing.h"
#include "util/timeutil.h"

static struct {
	const char *body;  /* the next answer */
	long status;       /* its status (200 when 0) */
	char url[URL_MAX]; /* the last URL asked for */
	char auth[128], app_key[128];
	int renewed;
} crm;

static enum ll_status fake_http(struct ll_host *h, const struct ll_http_request *rq,
				struct ll_http_response *rs, char *err)
{
	(void)h;
	memset(rs, 0, sizeof *rs);
	snprintf(crm.url, sizeof crm.url, "%s", rq->url);
	for (size_t i = 0; i < rq->n_headers; i++) {
		if (strcmp(rq->headers[i].name, "Authorization") == 0)
			snprintf(crm.auth, sizeof crm.auth, "%s", rq->headers[i].value);
		if (strcmp(rq->headers[i].name, "ST-App-Key") == 0)
			snprintf(crm.app_key, sizeof crm.app_key, "%s", rq->headers[i].value);
	}
	rs->status = crm.status ? crm.status : 200;
	if (rs->status != 200) {
		snprintf(err, LL_ERR_MAX, "HTTP %ld", rs->status);
		return LL_ERR_DATA;
	}
	rs->json = json_tokener_parse(crm.body);
	if (!rs->json) {
		snprintf(err, LL_ERR_MAX, "bad JSON");
		return LL_ERR_DATA;
	}
	return LL_OK;
}

static enum ll_status fake_oauth(struct ll_host *h, int renew, char *out, size_t len, char *err)
{
	(void)h;
	(void)err;
	crm.renewed += renew;
	snprintf(out, len, "access-token");
	return LL_OK;
}

static int fake_credential(struct ll_host *h, const char *field, char *buf, size_t len)
{
	(void)h;
	return strcmp(field, "app_key") == 0 ? snprintf(buf, len, "the-app-key") : -1;
}

static int fake_setting_string(struct ll_host *h, const char *key, const char **out)
{
	(void)h;
	*out = strcmp(key, "base_url") == 0 ? "https://api.servicetitan.io" : NULL;
	return *out ? 0 : -1;
}

static int fake_setting_int(struct ll_host *h, const char *key, int64_t *out)
{
	(void)h;
	*out = strcmp(key, "tenant") == 0 ? 1234567 : 50;
	return strcmp(key, "tenant") == 0 || strcmp(key, "page_size") == 0 ? 0 : -1;
}

static struct {
	struct ll_host_api api;
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
	f.api.oauth_token = fake_oauth;
	f.api.credential_get = fake_credential;
	f.api.setting_string = fake_setting_string;
	f.api.setting_int = fake_setting_int;
	return st_init(&f.api, &f.host, &f.state, err) == LL_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	st_fini(f.state);
	return 0;
}

#define JOB(status, completed, total, extra) \
	"{\"id\":61000012,\"jobNumber\":\"61000012\",\"customerId\":40000003," \
	"\"jobStatus\":\"" status "\",\"completedOn\":" completed ",\"total\":" total "," \
	"\"campaignId\":200009,\"createdOn\":\"2025-03-01T15:00:00.1234567Z\"," \
	"\"modifiedOn\":\"2025-03-20T18:22:40.5Z\"" extra "}"

static enum ll_status map(enum ll_entity e, const char *text, struct ll_record *r, int64_t *date)
{
	struct json_object *o = json_tokener_parse(text);
	char err[LL_ERR_MAX] = "";
	enum ll_status st;

	assert_non_null(o);
	ll_record_init(r);
	st = st_map_record(f.state, e, o, r, err);
	if (st == LL_OK && date)
		st = st_resolve_date(f.state, e, o, date, err);
	json_object_put(o);
	return st;
}

/* The contract's ServiceTitan column, row by row. */
static void job_mapping(void **state)
{
	struct ll_record r;
	int64_t date, want;

	(void)state;
	assert_int_equal(map(LL_ENTITY_JOB, JOB("Completed", "\"2025-03-18T23:59:59.9999999Z\"",
						"425.5", ",\"active\":true"), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 42550);
	/* Seven digits truncated, never rounded into the next day. */
	ll_parse_time("2025-03-18T23:59:59.999999Z", &want);
	assert_int_equal(date, want);
	assert_string_equal(r.str[LL_FIELD_EXTERNAL_ID], "61000012");
	assert_string_equal(r.str[LL_FIELD_CUSTOMER_ID], "40000003");
	/* The lead source is the campaign's, looked up by the host. */
	assert_null(r.str[LL_FIELD_LEAD_SOURCE]);
	assert_string_equal(r.str[LL_FIELD_SOURCE_REF], "200009");
	assert_int_equal(r.num[LL_FIELD_SOURCE_REF_ENTITY], LL_ENTITY_CAMPAIGN);
	assert_false(r.set[LL_FIELD_DELETED_AT]);
	ll_record_release(&r);

	/* Canceled; no completedOn: createdOn; a null total is 0. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("Canceled", "null", "null", ""), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 0);
	ll_parse_time("2025-03-01T15:00:00.123456Z", &want);
	assert_int_equal(date, want);
	ll_record_release(&r);

	/* Anything else is open; a third decimal rounds half away from 0. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("InProgress", "null", "33.335", ""), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_OPEN);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 3334);
	ll_record_release(&r);

	/* An inactive export row is deleted for reports, as of modifiedOn. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("Completed", "null", "10", ",\"active\":false"), &r,
			     NULL), LL_OK);
	ll_parse_time("2025-03-20T18:22:40.5Z", &want);
	assert_int_equal(r.num[LL_FIELD_DELETED_AT], want);
	ll_record_release(&r);

	/* Money that is not a number and ids that are not integers are refused. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("Completed", "null", "\"12\"", ""), &r, NULL),
			 LL_ERR_DATA);
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_JOB, "{\"id\":\"61000012\",\"jobStatus\":\"Completed\"}", &r,
			     NULL), LL_ERR_DATA);
	ll_record_release(&r);
}

static void campaigns_customers_estimates(void **state)
{
	struct ll_record r;

	(void)state;
	/* A campaign lends its name, and its category's for the fallback. */
	assert_int_equal(map(LL_ENTITY_CAMPAIGN, "{\"id\":200009,\"name\":\"Summer Tune-Up 2025\","
			     "\"category\":{\"id\":3,\"name\":\"Google Ads\",\"active\":true},"
			     "\"active\":false,\"modifiedOn\":\"2025-01-02T00:00:00Z\"}", &r, NULL),
			 LL_OK);
	assert_string_equal(r.str[LL_FIELD_LEAD_SOURCE], "Summer Tune-Up 2025");
	assert_string_equal(r.str[LL_FIELD_LEAD_SOURCE_ALT], "Google Ads");
	/* Inactive campaigns still name jobs: never deleted. */
	assert_false(r.set[LL_FIELD_DELETED_AT]);
	ll_record_release(&r);

	/* A merged customer names the one it became. */
	assert_int_equal(map(LL_ENTITY_CUSTOMER, "{\"id\":40000050,\"name\":\"Pat Singh\","
			     "\"active\":false,\"mergedToId\":40000003,"
			     "\"modifiedOn\":\"2025-01-02T00:00:00Z\"}", &r, NULL), LL_OK);
	assert_string_equal(r.str[LL_FIELD_MERGED_INTO], "40000003");
	assert_true(r.set[LL_FIELD_DELETED_AT]);
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_CUSTOMER, "{\"id\":40000051,\"name\":\"Lee Park\","
			     "\"active\":true,\"mergedToId\":null}", &r, NULL), LL_OK);
	assert_null(r.str[LL_FIELD_MERGED_INTO]);
	ll_record_release(&r);

	/* Estimates: Sold is won, Dismissed lost; subtotal plus tax. */
	assert_int_equal(map(LL_ENTITY_ESTIMATE, "{\"id\":7,\"jobId\":61000012,\"customerId\":40000003,"
			     "\"status\":{\"value\":1,\"name\":\"Sold\"},\"subtotal\":1000.10,"
			     "\"tax\":82.51,\"createdOn\":\"2025-01-02T00:00:00Z\"}", &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 108261);
	assert_string_equal(r.str[LL_FIELD_JOB_ID], "61000012"); /* its channel's job */
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_ESTIMATE, "{\"id\":8,\"status\":{\"name\":\"Dismissed\"},"
			     "\"subtotal\":5,\"tax\":null}", &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 500);
	assert_null(r.str[LL_FIELD_JOB_ID]);
	ll_record_release(&r);
}

static const struct ll_stream_def *stream(const char *name)
{
	const struct ll_stream_def *s = st_streams;

	while (s->name && strcmp(s->name, name) != 0)
		s++;
	return s;
}

static enum ll_status fetch(const char *name, enum ll_fetch_mode mode, const char *cursor,
			    int64_t watermark, struct ll_page *page)
{
	struct ll_fetch rq = { stream(name), mode, cursor, watermark };
	char err[LL_ERR_MAX];

	memset(page, 0, sizeof *page);
	return st_fetch_page(f.state, &rq, page, err);
}

/* Each mode asks for what it needs, with the app key beside the token. */
static void urls(void **state)
{
	struct ll_fetch rq = { stream("jobs"), LL_FETCH_FULL, "3", 0 };
	char next[LL_CURSOR_MAX];
	struct ll_page page;

	(void)state;
	crm.body = "{\"page\":3,\"pageSize\":50,\"hasMore\":true,\"totalCount\":160,"
		   "\"data\":[" "{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}"
		   ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}"
		   ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}"
		   ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}" ",{}"
		   ",{}" ",{}" ",{}" ",{}" "]}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "3", 0, &page), LL_OK);
	assert_string_equal(crm.url, "https://api.servicetitan.io/jpm/v2/tenant/1234567/jobs?"
			    "page=3&pageSize=50&includeTotal=true&active=True&sort=%2BId");
	assert_string_equal(crm.auth, "Bearer access-token");
	assert_string_equal(crm.app_key, "the-app-key");
	assert_int_equal(page.total_records, 160);
	assert_int_equal(page.total_pages, 4);
	assert_string_equal(page.next_cursor, "4");
	assert_false(page.done);
	/* Pages ahead are numbered; past the last there are none. */
	assert_int_equal(st_page_cursor(f.state, &rq, &page, 1, next), 0);
	assert_string_equal(next, "4");
	assert_int_equal(st_page_cursor(f.state, &rq, &page, 2, next), -1);
	json_object_put(page.records);

	/* Incremental: the export from the stored token, recent rows included. */
	crm.body = "{\"data\":[],\"hasMore\":false,\"continueFrom\":\"c3QxOjEyMw==\"}";
	assert_int_equal(fetch("customers", LL_FETCH_INCREMENTAL, "c3QxOjEy", 0, &page), LL_OK);
	assert_string_equal(crm.url, "https://api.servicetitan.io/crm/v2/tenant/1234567/export/"
			    "customers?from=c3QxOjEy&includeRecentChanges=true");
	assert_true(page.done);
	assert_string_equal(page.next_cursor, "c3QxOjEyMw==");
	json_object_put(page.records);
	/* After a sweep, without a token: from the watermark as a date. */
	assert_int_equal(fetch("estimates", LL_FETCH_INCREMENTAL, "", 1700000000000000, &page), LL_OK);
	assert_string_equal(crm.url, "https://api.servicetitan.io/sales/v2/tenant/1234567/estimates/"
			    "export?from=2023-11-14T22:13:20Z&includeRecentChanges=true");
	json_object_put(page.records);
	/* Campaigns have no export: always the whole list. */
	crm.body = "{\"page\":1,\"hasMore\":false,\"totalCount\":0,\"data\":[]}";
	assert_int_equal(fetch("campaigns", LL_FETCH_INCREMENTAL, "", 1700000000000000, &page), LL_OK);
	assert_non_null(strstr(crm.url, "/marketing/v2/tenant/1234567/campaigns?page=1&"));
	assert_true(page.done);
	json_object_put(page.records);
}

static void refused_pages(void **state)
{
	struct ll_page page;

	(void)state;
	/* hasMore is what ends a sweep: a page without it is no page. */
	crm.body = "{\"data\":[]}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "", 0, &page), LL_ERR_DATA);
	assert_null(page.records);
	/* "More" with a short page would skip rows: refused. */
	crm.body = "{\"hasMore\":true,\"totalCount\":900,\"data\":[{}]}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "", 0, &page), LL_ERR_DATA);
	/* An export without a token to go on from. */
	crm.body = "{\"data\":[],\"hasMore\":true}";
	assert_int_equal(fetch("jobs", LL_FETCH_INCREMENTAL, "abc", 0, &page), LL_ERR_DATA);
	/* A token that would change the query it is put in. */
	crm.body = "{\"data\":[],\"hasMore\":true,\"continueFrom\":\"a&from=b\"}";
	assert_int_equal(fetch("jobs", LL_FETCH_INCREMENTAL, "abc", 0, &page), LL_ERR_DATA);
	assert_int_equal(fetch("jobs", LL_FETCH_INCREMENTAL, "a b", 0, &page), LL_ERR_DATA);
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "x1", 0, &page), LL_ERR_INTERNAL);
}

static void look_up_and_renew(void **state)
{
	struct json_object *raw = NULL;
	char err[LL_ERR_MAX];

	(void)state;
	/* A job is looked up in the list of active jobs: an inactive one is
	 * as gone as a deleted one. */
	crm.body = "{\"page\":1,\"hasMore\":false,\"data\":[]}";
	assert_int_equal(st_fetch_record(f.state, stream("jobs"), "61000012", &raw, err),
			 LL_ERR_NOT_FOUND);
	assert_string_equal(crm.url, "https://api.servicetitan.io/jpm/v2/tenant/1234567/jobs?"
			    "ids=61000012&active=True&page=1&pageSize=1");
	crm.body = "{\"page\":1,\"hasMore\":false,\"data\":[{\"id\":61000012}]}";
	assert_int_equal(st_fetch_record(f.state, stream("jobs"), "61000012", &raw, err), LL_OK);
	assert_non_null(json_object_object_get(raw, "id"));
	json_object_put(raw);
	crm.status = 404;
	assert_int_equal(st_fetch_record(f.state, stream("customers"), "40000003", &raw, err),
			 LL_ERR_NOT_FOUND);
	assert_string_equal(crm.url, "https://api.servicetitan.io/crm/v2/tenant/1234567/customers/40000003");
	crm.status = 0;
	crm.body = "{\"id\":40000003}";
	assert_int_equal(st_fetch_record(f.state, stream("customers"), "40000003", &raw, err), LL_OK);
	assert_non_null(raw);
	json_object_put(raw);
	assert_int_equal(st_fetch_record(f.state, stream("jobs"), "1/../2", &raw, err), LL_ERR_DATA);
	assert_int_equal(st_refresh_auth(f.state, err), LL_OK);
	assert_int_equal(crm.renewed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(job_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(campaigns_customers_estimates, setup, teardown),
		cmocka_unit_test_setup_teardown(urls, setup, teardown),
		cmocka_unit_test_setup_teardown(refused_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(look_up_and_renew, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
