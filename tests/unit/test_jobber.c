/*
 * The Jobber provider against a fake host: the contract's Jobber column
 * (status classes, the report date, money from decimal text, the lead
 * source through the client), the queries it writes for each mode, the
 * throttle hook's wait, pacing by throttleStatus, and GraphQL errors.
 * The provider's source is compiled in to reach its statics.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../plugins/jobber/jobber.c"
#include "config/config.h"
#include "provider/host.h"
#include "testing.h"
#include "util/timeutil.h"

static struct {
	const char *body;      /* the next answer */
	char sent[4096];       /* the last request body */
	char version[64];      /* its version header */
	int64_t deferred_ms;   /* what the provider asked the host to wait */
	int renewed;
} crm;

static enum ll_status fake_http_ex(struct ll_host *h, const struct ll_http_request *rq,
				   const struct ll_http_hook *hook, struct ll_http_response *rs,
				   char *err)
{
	(void)h;
	(void)hook;
	memset(rs, 0, sizeof *rs);
	snprintf(crm.sent, sizeof crm.sent, "%s", rq->body ? rq->body : "");
	for (size_t i = 0; i < rq->n_headers; i++)
		if (strcmp(rq->headers[i].name, "X-JOBBER-GRAPHQL-VERSION") == 0)
			snprintf(crm.version, sizeof crm.version, "%s", rq->headers[i].value);
	rs->status = 200;
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

static void fake_defer(struct ll_host *h, int64_t ms)
{
	(void)h;
	crm.deferred_ms = ms;
}

static int fake_setting_string(struct ll_host *h, const char *key, const char **out)
{
	(void)h;
	*out = strcmp(key, "base_url") == 0 ? "https://api.getjobber.com/api/graphql"
	       : strcmp(key, "api_version") == 0 ? "2025-04-16" : NULL;
	return *out ? 0 : -1;
}

static int fake_setting_int(struct ll_host *h, const char *key, int64_t *out)
{
	(void)h;
	*out = 50;
	return strcmp(key, "page_size") == 0 ? 0 : -1;
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
	f.api.http_ex = fake_http_ex;
	f.api.oauth_token = fake_oauth;
	f.api.http_defer = fake_defer;
	f.api.setting_string = fake_setting_string;
	f.api.setting_int = fake_setting_int;
	return jobber_init(&f.api, &f.host, &f.state, err) == LL_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	jobber_fini(f.state);
	return 0;
}

#define CLIENT "\"client\":{\"id\":\"Q2xpZW50LzE=\",\"leadSource\":null," \
	       "\"sourceAttribution\":{\"displayLeadSource\":\"Nextdoor\"}}"
#define JOB(status, completed, start, total) \
	"{\"id\":\"Sm9iLzE=\",\"jobNumber\":7,\"jobStatus\":\"" status "\"," \
	"\"createdAt\":\"2025-03-01T15:00:00Z\",\"updatedAt\":\"2025-03-20T18:22:40Z\"," \
	"\"startAt\":" start ",\"completedAt\":" completed ",\"total\":" total "," CLIENT "}"

static enum ll_status map(enum ll_entity e, const char *text, struct ll_record *r, int64_t *date)
{
	struct json_object *o = json_tokener_parse(text);
	char err[LL_ERR_MAX] = "";
	enum ll_status st;

	assert_non_null(o);
	ll_record_init(r);
	st = jobber_map_record(f.state, e, o, r, err);
	if (st == LL_OK && date)
		st = jobber_resolve_date(f.state, e, o, date, err);
	json_object_put(o);
	return st;
}

/* The contract's Jobber column, row by row. */
static void job_mapping(void **state)
{
	struct ll_record r;
	int64_t date, want;

	(void)state;
	assert_int_equal(map(LL_ENTITY_JOB, JOB("requires_invoicing", "\"2025-03-18T16:12:09Z\"",
						"\"2025-03-18T13:00:00Z\"", "425.5"), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 42550);
	ll_parse_time("2025-03-18T16:12:09Z", &want);
	assert_int_equal(date, want); /* completedAt first */
	assert_string_equal(r.str[LL_FIELD_CUSTOMER_ID], "Q2xpZW50LzE=");
	/* No lead source of its own: the client's, as a first guess. */
	assert_null(r.str[LL_FIELD_LEAD_SOURCE]);
	assert_string_equal(r.str[LL_FIELD_CUSTOMER_LEAD_SOURCE], "Nextdoor");
	ll_record_release(&r);

	/* Archived with completedAt: completed.  Without: canceled. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("archived", "\"2025-03-18T16:12:09Z\"", "null",
						"19.99"), &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 1999); /* not 1998 */
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_JOB, JOB("archived", "null", "\"2025-03-18T13:00:00Z\"",
						"100.0"), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_CANCELED);
	ll_parse_time("2025-03-18T13:00:00Z", &want);
	assert_int_equal(date, want); /* then startAt */
	ll_record_release(&r);

	/* Other statuses are open, whatever completedAt says; a third
	 * decimal rounds half away from zero. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("late", "\"2025-03-18T16:12:09Z\"", "null",
						"33.335"), &r, &date), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_OPEN);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 3334);
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_JOB, JOB("unscheduled", "null", "null", "0.0"), &r, &date),
			 LL_OK);
	ll_parse_time("2025-03-01T15:00:00Z", &want);
	assert_int_equal(date, want); /* then createdAt */
	ll_record_release(&r);

	/* Money that is not a number is refused, never read as zero. */
	assert_int_equal(map(LL_ENTITY_JOB, JOB("archived", "null", "null", "\"12\""), &r, NULL),
			 LL_ERR_DATA);
	ll_record_release(&r);
}

static void clients_quotes_users(void **state)
{
	struct ll_record r;

	(void)state;
	/* leadSource first; blank falls back to the attribution. */
	assert_int_equal(map(LL_ENTITY_CUSTOMER, "{\"id\":\"c1\",\"firstName\":\"Pat\","
			     "\"lastName\":\"Singh\",\"leadSource\":\"Google\",\"sourceAttribution\":"
			     "{\"displayLeadSource\":\"Yelp\"},\"createdAt\":\"2025-01-01T00:00:00Z\","
			     "\"updatedAt\":\"2025-01-02T00:00:00Z\"}", &r, NULL), LL_OK);
	assert_string_equal(r.str[LL_FIELD_LEAD_SOURCE], "Google");
	assert_string_equal(r.str[LL_FIELD_FIRST_NAME], "Pat");
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_CUSTOMER, "{\"id\":\"c1\",\"leadSource\":\"  \","
			     "\"sourceAttribution\":{\"displayLeadSource\":\"Yelp\"},"
			     "\"updatedAt\":\"2025-01-02T00:00:00Z\"}", &r, NULL), LL_OK);
	assert_string_equal(r.str[LL_FIELD_LEAD_SOURCE], "Yelp");
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_CUSTOMER, "{\"id\":\"c1\",\"leadSource\":null,"
			     "\"sourceAttribution\":null,\"updatedAt\":\"2025-01-02T00:00:00Z\"}",
			     &r, NULL), LL_OK);
	assert_null(r.str[LL_FIELD_LEAD_SOURCE]);
	ll_record_release(&r);
	/* Quotes: approved or converted are won; amounts.total in cents. */
	assert_int_equal(map(LL_ENTITY_ESTIMATE, "{\"id\":\"q1\",\"quoteStatus\":\"converted\","
			     "\"amounts\":{\"total\":425.5},\"updatedAt\":\"2025-01-02T00:00:00Z\","
			     CLIENT "}", &r, NULL), LL_OK);
	assert_int_equal(r.num[LL_FIELD_STATUS_CLASS], LL_CLASS_COMPLETED);
	assert_int_equal(r.num[LL_FIELD_AMOUNT_CENTS], 42550);
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_EMPLOYEE, "{\"id\":\"u1\",\"name\":{\"first\":\"Tyler\","
			     "\"last\":\"Brooks\"}}", &r, NULL), LL_OK);
	assert_string_equal(r.str[LL_FIELD_LAST_NAME], "Brooks");
	ll_record_release(&r);
	assert_int_equal(map(LL_ENTITY_JOB, "{\"jobStatus\":\"late\"}", &r, NULL), LL_ERR_DATA);
	ll_record_release(&r);
}

static const struct ll_stream_def *stream(const char *name)
{
	const struct ll_stream_def *s = jobber_streams;

	while (s->name && strcmp(s->name, name) != 0)
		s++;
	return s;
}

#define PAGE "{\"data\":{\"%s\":{\"nodes\":[{\"id\":\"x\"}],\"pageInfo\":{\"hasNextPage\":%s," \
	     "\"endCursor\":\"NTA\"}%s}},\"extensions\":{\"cost\":{\"requestedQueryCost\":702," \
	     "\"actualQueryCost\":702,\"throttleStatus\":{\"maximumAvailable\":10000," \
	     "\"currentlyAvailable\":%d,\"restoreRate\":500}}}}"

static enum ll_status fetch(const char *name, enum ll_fetch_mode mode, const char *cursor,
			    int64_t watermark, struct ll_page *page)
{
	struct ll_fetch rq = { stream(name), mode, cursor, watermark };
	char err[LL_ERR_MAX];

	memset(page, 0, sizeof *page);
	return jobber_fetch_page(f.state, &rq, page, err);
}

/* Each mode asks for what it needs, and only that. */
static void queries(void **state)
{
	static char body[2048];
	struct ll_page page;

	(void)state;
	snprintf(body, sizeof body, PAGE, "jobs", "true", "", 9298);
	crm.body = body;
	assert_int_equal(fetch("jobs", LL_FETCH_INCREMENTAL, "", 1700000000000000, &page), LL_OK);
	assert_non_null(strstr(crm.sent, "\"key\":\"UPDATED_AT\",\"direction\":\"DESCENDING\""));
	assert_null(strstr(crm.sent, "updatedAt: {")); /* jobs have no updatedAt filter */
	assert_null(strstr(crm.sent, "totalCount"));
	assert_string_equal(crm.version, "2025-04-16");
	assert_false(page.done);
	assert_string_equal(page.next_cursor, "NTA");
	assert_int_equal(crm.deferred_ms, 0); /* 9298 left: no wait */
	json_object_put(page.records);

	snprintf(body, sizeof body, PAGE, "jobs", "false", ",\"totalCount\":51", 300);
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "NTA", 0, &page), LL_OK);
	assert_non_null(strstr(crm.sent, "\"key\":\"JOB_NUMBER\",\"direction\":\"ASCENDING\""));
	assert_non_null(strstr(crm.sent, "\"after\":\"NTA\""));
	assert_non_null(strstr(crm.sent, "totalCount"));
	assert_true(page.done);
	assert_int_equal(page.total_records, 51);
	/* 300 points left for a 702-point query: wait (702 - 300) / 500 s. */
	assert_int_equal(crm.deferred_ms, 804);
	json_object_put(page.records);

	snprintf(body, sizeof body, PAGE, "clients", "false", "", 9000);
	crm.body = body;
	assert_int_equal(fetch("clients", LL_FETCH_INCREMENTAL, "", 1700000000000000, &page), LL_OK);
	assert_non_null(strstr(crm.sent, "\"filter\":{\"updatedAt\":{\"after\":\"2023-11-14T22:13:20Z\"}}"));
	assert_non_null(strstr(crm.sent, "$filter: ClientFilterAttributes"));
	json_object_put(page.records);
}

static void throttle_and_errors(void **state)
{
	struct json_object *t = json_tokener_parse(
		"{\"errors\":[{\"message\":\"Throttled\",\"extensions\":{\"code\":\"THROTTLED\"}}],"
		"\"extensions\":{\"cost\":{\"requestedQueryCost\":1500,\"actualQueryCost\":0,"
		"\"throttleStatus\":{\"maximumAvailable\":10000,\"currentlyAvailable\":250,"
		"\"restoreRate\":500}}}}");
	struct json_object *other = json_tokener_parse("{\"errors\":[{\"message\":\"Field 'x' "
						       "doesn't exist on type 'Job'\"}]}");
	struct ll_page page;
	int64_t wait = 0;

	(void)state;
	assert_int_equal(throttled(NULL, t, &wait), 1);
	assert_int_equal(wait, 2500); /* (1500 - 250) / 500 s */
	assert_int_equal(throttled(NULL, other, &wait), 0);
	json_object_put(t);
	json_object_put(other);
	crm.body = "{\"errors\":[{\"message\":\"Field 'x' doesn't exist on type 'Job'\"}],"
		   "\"data\":null}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "", 0, &page), LL_ERR_DATA);
	assert_null(page.records);
	/* A connection page without pageInfo is no page. */
	crm.body = "{\"data\":{\"jobs\":{\"nodes\":[]}}}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "", 0, &page), LL_ERR_DATA);
	/* A page that says "more" but holds nothing would loop: refused. */
	crm.body = "{\"data\":{\"jobs\":{\"nodes\":[],\"pageInfo\":{\"hasNextPage\":true,"
		   "\"endCursor\":\"MQ\"}}}}";
	assert_int_equal(fetch("jobs", LL_FETCH_FULL, "", 0, &page), LL_ERR_DATA);
}

static void look_up_and_renew(void **state)
{
	struct json_object *raw = NULL;
	char err[LL_ERR_MAX];

	(void)state;
	crm.body = "{\"data\":{\"job\":null}}";
	assert_int_equal(jobber_fetch_record(f.state, stream("jobs"), "Sm9iLzE=", &raw, err),
			 LL_ERR_NOT_FOUND);
	crm.body = "{\"data\":{\"client\":{\"id\":\"c1\"}}}";
	assert_int_equal(jobber_fetch_record(f.state, stream("clients"), "c1", &raw, err), LL_OK);
	assert_non_null(strstr(crm.sent, "client(id: $id)"));
	json_object_put(raw);
	assert_int_equal(jobber_fetch_record(f.state, stream("jobs"), "a\"b", &raw, err), LL_ERR_DATA);
	assert_int_equal(jobber_refresh_auth(f.state, err), LL_OK);
	assert_int_equal(crm.renewed, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(job_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(clients_quotes_users, setup, teardown),
		cmocka_unit_test_setup_teardown(queries, setup, teardown),
		cmocka_unit_test_setup_teardown(throttle_and_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(look_up_and_renew, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
