/*
 * Housecall Pro provider (../shared/reference/housecallpro-api.md).
 *
 * - Auth: "Authorization: Token <api key>" (the vendor's documented form).
 * - Lists: GET /<resource>?page=N&page_size=S, 1-based pages, envelope
 *   {page, page_size, total_pages, total_items, <resource>: [...]}; the
 *   cursor is the next page number.  No page-size maximum is documented;
 *   200 is what connectors use, so it is our cap.
 * - No updated-since filter exists: incremental runs sort by updated_at
 *   descending (LL_STREAM_NEWEST_FIRST), and the host ends them once a
 *   page reaches below the watermark.
 * - A listing ends at the last page the envelope announces (total_pages);
 *   a page before it that is empty or short is the CRM failing, not the
 *   end, and fails the run (its checkpoint kept).
 * - GET /jobs/{id} and /customers/{id} answer 404 for records that no
 *   longer exist, so a sweep can prove those gone; /estimates/{id} is for
 *   partner keys only, so estimates rely on the host's two-sweep rule.
 *   Full sweeps sort by created_at ascending, which updates do not
 *   reorder, so a sweep neither skips nor misses records that change while
 *   it pages (the tie order within one created_at is a guess: we assume the
 *   API breaks ties stably, as the simulator does by id).
 * - work_status is a sentence: classes are decided by prefix
 *   ("complete rated" and "complete unrated" are completed).
 * - A job's date: COALESCE(work_timestamps.completed_at,
 *   schedule.scheduled_start, created_at).  Money is integer cents.
 * - A job or estimate with a blank lead_source takes its customer's: the
 *   host reads the customer's current row (provider.h, "Derived lead
 *   sources").  The customer embedded in the payload is only a first
 *   guess (LL_FIELD_CUSTOMER_LEAD_SOURCE) until that row is stored: its
 *   edits do not move the job's updated_at.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "leadledger/provider.h"
#include "leadledger/provider_json.h"

#define API_KEY_MAX 1024

static const struct ll_setting_def hcp_settings[] = {
	{ "base_url", LL_SETTING_URL, "https://api.housecallpro.com", 0, 0,
	  "API root; https, or http to a loopback simulator" },
	{ "page_size", LL_SETTING_INT, "200", 1, 200,
	  "records per page (Housecall Pro documents no maximum; 200 is used widely)" },
	{ NULL, LL_SETTING_INT, NULL, 0, 0, NULL },
};

static const struct ll_credential_def hcp_credentials[] = {
	{ "api_key", 1, "a company API key (MAX plan), sent as \"Authorization: Token\"" },
	{ NULL, 0, NULL },
};

/* Employees first: their names are referral rules for the others.  The
 * list holds active employees only, so one deactivated leaves it and the
 * host's two-sweep rule retires the name. */
static const struct ll_stream_def hcp_streams[] = {
	{ "employees", LL_ENTITY_EMPLOYEE, LL_STREAM_SWEEP_DELETES },
	{ "customers", LL_ENTITY_CUSTOMER, LL_STREAM_INCREMENTAL | LL_STREAM_NEWEST_FIRST |
	  LL_STREAM_SWEEP_DELETES | LL_STREAM_FETCH_BY_ID },
	{ "jobs", LL_ENTITY_JOB, LL_STREAM_INCREMENTAL | LL_STREAM_NEWEST_FIRST |
	  LL_STREAM_SWEEP_DELETES | LL_STREAM_FETCH_BY_ID },
	{ "estimates", LL_ENTITY_ESTIMATE, LL_STREAM_INCREMENTAL | LL_STREAM_NEWEST_FIRST |
	  LL_STREAM_SWEEP_DELETES },
	{ NULL, LL_ENTITY_JOB, 0 },
};

struct hcp {
	const struct ll_host_api *api;
	struct ll_host *host;
	const char *base_url;
	int64_t page_size;
};

static enum ll_status hcp_init(const struct ll_host_api *api, struct ll_host *h,
			       void **state, char *err)
{
	struct hcp *s;

	*state = NULL;
	if (ll_host_require(api, 2, "Housecall Pro", err) != LL_OK)
		return LL_ERR_CONFIG;
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, LL_ERR_MAX, "out of memory");
		return LL_ERR_INTERNAL;
	}
	s->api = api;
	s->host = h;
	if (api->setting_string(h, "base_url", &s->base_url) < 0 ||
	    api->setting_int(h, "page_size", &s->page_size) < 0) {
		snprintf(err, LL_ERR_MAX, "settings base_url and page_size are required");
		free(s);
		return LL_ERR_CONFIG;
	}
	*state = s;
	return LL_OK;
}

static void hcp_fini(void *state)
{
	free(state);
}

/* The cursor is the page number; "" is page 1. */
static int page_number(const char *cursor, int64_t *pageno)
{
	char *end;

	*pageno = 1;
	if (!cursor[0])
		return 0;
	*pageno = strtoll(cursor, &end, 10);
	return *end || *pageno < 1 ? -1 : 0;
}

/* GET url with the API key; on LL_OK the caller releases rs. */
static enum ll_status get(struct hcp *s, const char *url, struct ll_http_response *rs, char *err)
{
	const struct ll_host_api *api = s->api;
	char key[API_KEY_MAX], auth[API_KEY_MAX + 8];
	struct ll_http_header hdr;
	struct ll_http_request req;
	enum ll_status st;

	memset(rs, 0, sizeof *rs);
	if (api->credential_get(s->host, "api_key", key, sizeof key) < 0) {
		snprintf(err, LL_ERR_MAX, "api_key unavailable");
		return LL_ERR_AUTH;
	}
	snprintf(auth, sizeof auth, "Token %s", key);
	api->wipe(key, sizeof key);
	hdr = (struct ll_http_header){ .name = "Authorization", .value = auth, .secret = 1 };
	req = (struct ll_http_request){ .method = "GET", .url = url, .headers = &hdr, .n_headers = 1 };
	st = api->http(s->host, &req, rs, err);
	api->wipe(auth, sizeof auth);
	if (st != LL_OK)
		api->http_response_release(rs);
	return st;
}

static enum ll_status hcp_fetch_page(void *state, const struct ll_fetch *rq,
				     struct ll_page *page, char *err)
{
	struct hcp *s = state;
	const struct ll_host_api *api = s->api;
	struct ll_http_response rs;
	struct json_object *arr, *records;
	char url[1024];
	int64_t pageno = 1, total_pages = 0, total_items = 0, v, served_size;
	const char *sort;
	enum ll_status st;
	size_t count;
	int present, n;

	page->records = NULL;
	if (page_number(rq->cursor, &pageno) < 0) {
		snprintf(err, LL_ERR_MAX, "bad cursor '%s'", rq->cursor);
		return LL_ERR_INTERNAL;
	}
	sort = rq->stream->entity == LL_ENTITY_EMPLOYEE ? ""
	       : rq->mode == LL_FETCH_INCREMENTAL ? "&sort_by=updated_at&sort_direction=desc"
						  : "&sort_by=created_at&sort_direction=asc";
	n = snprintf(url, sizeof url, "%s/%s?page=%" PRId64 "&page_size=%" PRId64 "%s",
		     s->base_url, rq->stream->name, pageno, s->page_size, sort);
	if (n < 0 || (size_t)n >= sizeof url) {
		snprintf(err, LL_ERR_MAX, "base_url too long");
		return LL_ERR_CONFIG;
	}
	if ((st = get(s, url, &rs, err)) != LL_OK)
		return st;
	if (!json_object_is_type(rs.json, json_type_object) ||
	    !json_object_object_get_ex(rs.json, rq->stream->name, &arr) ||
	    !json_object_is_type(arr, json_type_array) ||
	    ll_json_int(rs.json, "total_pages", &total_pages, &present) < 0 || !present ||
	    ll_json_int(rs.json, "total_items", &total_items, &present) < 0 || !present ||
	    ll_json_int(rs.json, "page", &v, &present) < 0) {
		api->http_response_release(&rs);
		snprintf(err, LL_ERR_MAX, "%s page %" PRId64 ": not a Housecall Pro list envelope",
			 rq->stream->name, pageno);
		return LL_ERR_DATA;
	}
	/* The page size the server applied, which may be below the asked. */
	if (ll_json_int(rs.json, "page_size", &served_size, &present) < 0 || !present ||
	    served_size < 1 || served_size > s->page_size)
		served_size = s->page_size;
	count = json_object_array_length(arr);
	if (pageno < total_pages && count < (size_t)served_size) {
		api->http_response_release(&rs);
		snprintf(err, LL_ERR_MAX, "%s page %" PRId64 " of %" PRId64 " holds %zu records, "
			 "not %" PRId64 ", although the CRM counts %" PRId64 ": refused, not taken "
			 "for the end", rq->stream->name, pageno, total_pages, count, served_size,
			 total_items);
		return LL_ERR_DATA;
	}
	records = json_object_get(arr); /* keep it past the response */
	api->http_response_release(&rs);
	page->records = records;
	page->total_pages = total_pages;
	page->total_records = total_items;
	page->done = pageno >= total_pages;
	snprintf(page->next_cursor, sizeof page->next_cursor, "%s", "");
	if (!page->done)
		snprintf(page->next_cursor, sizeof page->next_cursor, "%" PRId64, pageno + 1);
	return LL_OK;
}

static enum ll_status hcp_fetch_record(void *state, const struct ll_stream_def *stream,
				       const char *external_id, struct json_object **raw,
				       char *err)
{
	struct hcp *s = state;
	struct ll_http_response rs;
	enum ll_status st;
	char url[1024];
	int n;

	*raw = NULL;
	/* Record ids are a prefix and hex. */
	if (!ll_text_within(external_id, 128, "_-")) {
		snprintf(err, LL_ERR_MAX, "id '%.64s' is not a Housecall Pro id", external_id);
		return LL_ERR_DATA;
	}
	n = snprintf(url, sizeof url, "%s/%s/%s", s->base_url, stream->name, external_id);
	if (n < 0 || (size_t)n >= sizeof url) {
		snprintf(err, LL_ERR_MAX, "base_url too long");
		return LL_ERR_CONFIG;
	}
	st = get(s, url, &rs, err);
	if (st == LL_ERR_DATA && rs.status == 404)
		return LL_ERR_NOT_FOUND;
	if (st != LL_OK)
		return st;
	if (!json_object_is_type(rs.json, json_type_object)) {
		s->api->http_response_release(&rs);
		snprintf(err, LL_ERR_MAX, "%s/%s: not a record", stream->name, external_id);
		return LL_ERR_DATA;
	}
	*raw = json_object_get(rs.json);
	s->api->http_response_release(&rs);
	return LL_OK;
}

/* Full sweeps walk pages 1..total_pages in created_at order, so later
 * pages can be fetched at once.  Incremental runs stop at the watermark,
 * which no page number predicts: no guesses there. */
static int hcp_page_cursor(void *state, const struct ll_fetch *rq,
			   const struct ll_page *page, int64_t ahead,
			   char out[LL_CURSOR_MAX])
{
	int64_t pageno;

	(void)state;
	if (rq->mode != LL_FETCH_FULL || ahead < 1 || page->total_pages < 1 ||
	    page_number(rq->cursor, &pageno) < 0 || pageno > page->total_pages - ahead)
		return -1;
	snprintf(out, LL_CURSOR_MAX, "%" PRId64, pageno + ahead);
	return 0;
}

static enum ll_status_class status_class(const char *work_status)
{
	if (!work_status)
		return LL_CLASS_OPEN;
	if (strncmp(work_status, "complete", 8) == 0)
		return LL_CLASS_COMPLETED;
	if (strstr(work_status, "cancel"))
		return LL_CLASS_CANCELED;
	return LL_CLASS_OPEN;
}

/* An estimate's value: its approved option, else its largest option (a
 * guess; Housecall Pro has no top-level estimate amount).  *won: an
 * option's approval_status is approved or pro approved. */
static int estimate_amount(struct json_object *raw, int64_t *cents, int *won)
{
	struct json_object *opts;
	int64_t best = 0, approved = -1;

	*cents = 0;
	*won = 0;
	if (!json_object_object_get_ex(raw, "options", &opts) ||
	    json_object_is_type(opts, json_type_null))
		return 0;
	if (!json_object_is_type(opts, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(opts); i++) {
		struct json_object *o = json_object_array_get_idx(opts, i);
		const char *approval;
		int64_t amt = 0;
		int present;

		if (!json_object_is_type(o, json_type_object) ||
		    ll_json_int(o, "total_amount", &amt, &present) < 0 ||
		    ll_json_string(o, "approval_status", &approval) < 0)
			return -1;
		if (amt > best)
			best = amt;
		if (approval && (strcmp(approval, "approved") == 0 ||
				 strcmp(approval, "pro approved") == 0))
			approved = amt;
	}
	*cents = approved >= 0 ? approved : best;
	*won = approved >= 0;
	return 0;
}

static enum ll_status hcp_map_record(void *state, enum ll_entity entity,
				     struct json_object *raw, struct ll_record *out,
				     char *err)
{
	struct hcp *s = state;
	const struct ll_host_api *api = s->api;
	const char *id, *str, *work;
	struct json_object *cust;
	enum ll_status_class cls;
	int64_t us, cents = 0;
	int present, won;

	if (!json_object_is_type(raw, json_type_object))
		return ll_json_fail(err, "record is not an object", "");
	if (ll_json_string(raw, "id", &id) < 0 || !id || !id[0])
		return ll_json_fail(err, "missing or non-string", "id");
	if (api->record_set_string(out, LL_FIELD_EXTERNAL_ID, id) < 0)
		return LL_ERR_INTERNAL;
	if (ll_json_time(s->api, raw, "created_at", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "created_at");
	if (present)
		api->record_set_time(out, LL_FIELD_CREATED_AT, us);
	if (ll_json_time(s->api, raw, "updated_at", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "updated_at");
	if (present)
		api->record_set_time(out, LL_FIELD_UPDATED_AT, us);
	if (entity == LL_ENTITY_EMPLOYEE || entity == LL_ENTITY_CUSTOMER) {
		if (ll_json_string(raw, "first_name", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_FIRST_NAME, str) < 0)
			return ll_json_fail(err, "bad string in", "first_name");
		if (ll_json_string(raw, "last_name", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LAST_NAME, str) < 0)
			return ll_json_fail(err, "bad string in", "last_name");
	}
	if (entity == LL_ENTITY_EMPLOYEE)
		return LL_OK;
	if (ll_json_string(raw, "lead_source", &str) < 0 ||
	    api->record_set_string(out, LL_FIELD_LEAD_SOURCE, str) < 0)
		return ll_json_fail(err, "bad string in", "lead_source");
	if (entity == LL_ENTITY_CUSTOMER)
		return LL_OK;
	/* Jobs and estimates. */
	if (ll_json_string(raw, "work_status", &work) < 0)
		return ll_json_fail(err, "bad string in", "work_status");
	api->record_set_string(out, LL_FIELD_STATUS_RAW, work);
	cls = status_class(work);
	cust = ll_json_object(raw, "customer");
	if (cust) {
		if (ll_json_string(cust, "id", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_CUSTOMER_ID, str) < 0)
			return ll_json_fail(err, "bad string in", "customer.id");
		if (ll_json_string(cust, "lead_source", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_CUSTOMER_LEAD_SOURCE, str) < 0)
			return ll_json_fail(err, "bad string in", "customer.lead_source");
	}
	if (ll_json_time(s->api, raw, "deleted_at", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "deleted_at");
	if (present)
		api->record_set_time(out, LL_FIELD_DELETED_AT, us);
	if (entity == LL_ENTITY_JOB) {
		if (ll_json_int(raw, "total_amount", &cents, &present) < 0)
			return ll_json_fail(err, "not integer cents:", "total_amount");
	} else if (estimate_amount(raw, &cents, &won) < 0) {
		return ll_json_fail(err, "bad estimate", "options");
	} else {
		/* An estimate's class says won (completed), not its work. */
		cls = won ? LL_CLASS_COMPLETED : cls == LL_CLASS_CANCELED ? cls : LL_CLASS_OPEN;
	}
	api->record_set_int(out, LL_FIELD_STATUS_CLASS, cls);
	api->record_set_int(out, LL_FIELD_AMOUNT_CENTS, cents);
	return LL_OK;
}

static enum ll_status hcp_resolve_date(void *state, enum ll_entity entity,
				       struct json_object *raw, int64_t *us, char *err)
{
	struct hcp *s = state;
	struct json_object *o;
	int present;

	if (entity == LL_ENTITY_JOB || entity == LL_ENTITY_ESTIMATE) {
		o = ll_json_object(raw, "work_timestamps");
		if (o && ll_json_time(s->api, o, "completed_at", us, &present) == 0 && present)
			return LL_OK;
		o = ll_json_object(raw, "schedule");
		if (o && ll_json_time(s->api, o, "scheduled_start", us, &present) == 0 && present)
			return LL_OK;
	}
	if (ll_json_time(s->api, raw, "created_at", us, &present) == 0 && present)
		return LL_OK;
	snprintf(err, LL_ERR_MAX, "no completed_at, scheduled_start or created_at");
	return LL_ERR_DATA;
}

LL_PROVIDER_EXPORT const struct ll_provider ll_provider = {
	.abi_version = LL_ABI_VERSION,
	.struct_size = sizeof(struct ll_provider),
	.name = "housecallpro",
	.version = "1.4.0",
	.settings = hcp_settings,
	.streams = hcp_streams,
	.init = hcp_init,
	.fini = hcp_fini,
	.fetch_page = hcp_fetch_page,
	.map_record = hcp_map_record,
	.resolve_date = hcp_resolve_date,
	.refresh_auth = NULL, /* API keys do not refresh */
	.page_cursor = hcp_page_cursor,
	.fetch_record = hcp_fetch_record,
	.setting_def_size = sizeof(struct ll_setting_def),
	.stream_def_size = sizeof(struct ll_stream_def),
	.credentials = hcp_credentials,
	.credential_def_size = sizeof(struct ll_credential_def),
};
