/*
 * ServiceTitan provider (../shared/reference/jobber-servicetitan-api.md §2,
 * §3.5 to §3.9; ../shared/design.md, "Per CRM").
 *
 * - Every call: Authorization: Bearer (client-credential tokens minted
 *   and renewed by the host's oauth_token, never stored) and ST-App-Key;
 *   the tenant in every path.
 * - campaigns: the whole list every run (active=Any: jobs name inactive
 *   campaigns too).  A campaign lends its name as the lead source of the
 *   jobs that name it, and its category's name when the rules put the
 *   name in unknown (LL_ENTITY_CAMPAIGN, LL_FIELD_LEAD_SOURCE_ALT): a
 *   campaign renamed or re-categorized re-channels its jobs at the next
 *   sync, through the host.
 * - customers, jobs, estimates: full sweeps page the list endpoints
 *   (page numbers, pageSize, includeTotal, sorted by Id, so
 *   pages can be fetched several at once and the sweep knows the count);
 *   incremental runs read the export endpoints from the stored continueFrom
 *   token (or, after a sweep, from the watermark as a date) with
 *   includeRecentChanges=true: the last page's continueFrom is kept as the
 *   next run's start, and repeated rows are de-duplicated by the host.
 * - Inactive rows (active: false) and merged customers are deleted for
 *   reports; a merged customer names the customer it became
 *   (LL_FIELD_MERGED_INTO), so its jobs still resolve.
 * - Jobs: completed = jobStatus Completed, canceled = Canceled; the date
 *   COALESCE(completedOn, createdOn) (seven fractional digits truncated by
 *   the host); revenue `total` from its decimal text, null as 0.
 *   Estimates: won = status.name Sold; subtotal + tax; their jobId is
 *   LL_FIELD_JOB_ID, as they have no campaign of their own.
 */
#define _POSIX_C_SOURCE 200809L /* gmtime_r: built out of tree, without the host's flags */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leadledger/provider.h"
#include "leadledger/provider_json.h"

#define TOKEN_MAX 4096
#define SECRET_MAX 512
#define URL_MAX 1024

static const struct ll_setting_def st_settings[] = {
	{ "client_id", LL_SETTING_STRING, NULL, 0, 0, "the tenant's client id" },
	{ "tenant", LL_SETTING_INT, NULL, 1, INT64_MAX, "the tenant id in every path" },
	{ "base_url", LL_SETTING_URL, "https://api.servicetitan.io", 0, 0, "the API root" },
	{ "auth_url", LL_SETTING_URL, "https://auth.servicetitan.io/connect/token", 0, 0,
	  "the token endpoint" },
	{ "page_size", LL_SETTING_INT, "1000", 1, 5000, "records per list page in full sweeps" },
	{ NULL, LL_SETTING_INT, NULL, 0, 0, NULL },
};

static const struct ll_credential_def st_credentials[] = {
	{ "client_secret", 1, "the tenant's client secret" },
	{ "app_key", 1, "the application key, sent as ST-App-Key" },
	{ NULL, 0, NULL },
};

static const struct ll_oauth_def st_oauth = {
	.struct_size = sizeof(struct ll_oauth_def),
	.token_url_setting = "auth_url",
	.client_id_setting = "client_id",
	.client_secret_field = "client_secret",
};

/* Campaigns first: they are the lead sources jobs derive from. */
static const struct ll_stream_def st_streams[] = {
	{ "campaigns", LL_ENTITY_CAMPAIGN, 0 },
	{ "customers", LL_ENTITY_CUSTOMER, LL_STREAM_INCREMENTAL | LL_STREAM_SWEEP_DELETES |
	  LL_STREAM_FETCH_BY_ID },
	{ "jobs", LL_ENTITY_JOB, LL_STREAM_INCREMENTAL | LL_STREAM_SWEEP_DELETES |
	  LL_STREAM_FETCH_BY_ID },
	{ "estimates", LL_ENTITY_ESTIMATE, LL_STREAM_INCREMENTAL | LL_STREAM_SWEEP_DELETES |
	  LL_STREAM_FETCH_BY_ID },
	{ NULL, LL_ENTITY_JOB, 0 },
};

/* Where each stream lives: its list, its export, its records by id.
 * Job rows carry no `active` outside exports, so a sweep lists active jobs
 * only (an inactive one is then gone from it, as the contract says) and
 * looks a job up through the list's ids filter, which says whether it is
 * still active; the others carry `active` and list everything. */
static const struct endpoint {
	const char *stream;
	const char *module; /* {base}/{module}/v2/tenant/{tenant}/... */
	const char *list;
	const char *export; /* NULL: lists only */
	const char *active; /* the list's active filter */
	int lookup_in_list; /* look-ups: list?ids=, else list/{id} */
} endpoints[] = {
	{ "campaigns", "marketing", "campaigns", NULL, "Any", 0 },
	{ "customers", "crm", "customers", "export/customers", "Any", 0 },
	{ "jobs", "jpm", "jobs", "export/jobs", "True", 1 },
	{ "estimates", "sales", "estimates", "estimates/export", "Any", 0 },
};

struct st {
	const struct ll_host_api *api;
	struct ll_host *host;
	const char *base_url;
	int64_t tenant, page_size;
};

static const struct endpoint *endpoint_of(const char *stream)
{
	for (size_t i = 0; i < sizeof endpoints / sizeof endpoints[0]; i++)
		if (strcmp(endpoints[i].stream, stream) == 0)
			return &endpoints[i];
	return NULL;
}

static enum ll_status st_init(const struct ll_host_api *api, struct ll_host *h, void **state,
			      char *err)
{
	struct st *s;

	*state = NULL;
	if (ll_host_require(api, 6, "ServiceTitan", err) != LL_OK)
		return LL_ERR_CONFIG;
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, LL_ERR_MAX, "out of memory");
		return LL_ERR_INTERNAL;
	}
	s->api = api;
	s->host = h;
	if (api->setting_string(h, "base_url", &s->base_url) < 0 ||
	    api->setting_int(h, "tenant", &s->tenant) < 0 ||
	    api->setting_int(h, "page_size", &s->page_size) < 0) {
		snprintf(err, LL_ERR_MAX, "settings base_url, tenant and page_size are required");
		free(s);
		return LL_ERR_CONFIG;
	}
	*state = s;
	return LL_OK;
}

static void st_fini(void *state)
{
	free(state);
}

/* GET url with the token and the app key; on LL_OK the caller releases rs. */
static enum ll_status get(struct st *s, const char *url, struct ll_http_response *rs, char *err)
{
	const struct ll_host_api *api = s->api;
	char token[TOKEN_MAX], auth[TOKEN_MAX + 8], key[SECRET_MAX];
	struct ll_http_header headers[2];
	struct ll_http_request rq;
	enum ll_status st;

	memset(rs, 0, sizeof *rs);
	if ((st = api->oauth_token(s->host, 0, token, sizeof token, err)) != LL_OK)
		return st;
	if (api->credential_get(s->host, "app_key", key, sizeof key) < 0) {
		api->wipe(token, sizeof token);
		snprintf(err, LL_ERR_MAX, "credential app_key unavailable");
		return LL_ERR_AUTH;
	}
	snprintf(auth, sizeof auth, "Bearer %s", token);
	api->wipe(token, sizeof token);
	headers[0] = (struct ll_http_header){ "Authorization", auth, 1 };
	headers[1] = (struct ll_http_header){ "ST-App-Key", key, 1 };
	rq = (struct ll_http_request){ "GET", url, NULL, headers, 2 };
	st = api->http(s->host, &rq, rs, err);
	api->wipe(auth, sizeof auth);
	api->wipe(key, sizeof key);
	if (st != LL_OK)
		api->http_response_release(rs);
	return st;
}

/* {base_url}/{module}/v2/tenant/{tenant}/{resource}[?query] */
static int url_of(struct st *s, const char *module, const char *resource, const char *query,
		  char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s/v2/tenant/%" PRId64 "/%s%s%s", s->base_url, module,
			 s->tenant, resource, query[0] ? "?" : "", query);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A full sweep: the list endpoint, pages in Id order, the count given. */
static enum ll_status fetch_list(struct st *s, const struct ll_fetch *rq, const struct endpoint *e,
				 struct ll_page *page, char *err)
{
	struct ll_http_response rs;
	struct json_object *data;
	char url[URL_MAX], query[256], *end;
	int64_t pageno = rq->cursor[0] ? strtoll(rq->cursor, &end, 10) : 1, total = -1;
	int more = 0, present;
	enum ll_status st;

	if (rq->cursor[0] && (*end || pageno < 1)) {
		snprintf(err, LL_ERR_MAX, "bad page cursor '%s'", rq->cursor);
		return LL_ERR_INTERNAL;
	}
	snprintf(query, sizeof query, "page=%" PRId64 "&pageSize=%" PRId64
		 "&includeTotal=true&active=%s&sort=%%2BId", pageno, s->page_size, e->active);
	if (url_of(s, e->module, e->list, query, url, sizeof url) < 0) {
		snprintf(err, LL_ERR_MAX, "base_url too long");
		return LL_ERR_CONFIG;
	}
	if ((st = get(s, url, &rs, err)) != LL_OK)
		return st;
	data = ll_json_array(rs.json, "data");
	if (!data || ll_json_bool(rs.json, "hasMore", &more, &present) < 0 || !present ||
	    ll_json_int(rs.json, "totalCount", &total, &present) < 0 ||
	    (more && json_object_array_length(data) < (size_t)s->page_size)) {
		s->api->http_response_release(&rs);
		snprintf(err, LL_ERR_MAX, "%s page %" PRId64 ": not a full ServiceTitan list page "
			 "(data, hasMore)", rq->stream->name, pageno);
		return LL_ERR_DATA;
	}
	page->records = json_object_get(data);
	page->total_records = present ? total : -1;
	page->total_pages = present ? (total + s->page_size - 1) / s->page_size : -1;
	page->done = !more;
	snprintf(page->next_cursor, sizeof page->next_cursor, "%s", "");
	if (more)
		snprintf(page->next_cursor, sizeof page->next_cursor, "%" PRId64, pageno + 1);
	s->api->http_response_release(&rs);
	return LL_OK;
}

/* An incremental run: the export, from the stored token or the watermark. */
static enum ll_status fetch_export(struct st *s, const struct ll_fetch *rq,
				   const struct endpoint *e, struct ll_page *page, char *err)
{
	struct ll_http_response rs;
	struct json_object *data;
	const char *next = NULL;
	char url[URL_MAX], query[400], from[64];
	int more = 0, present;
	enum ll_status st;

	if (rq->cursor[0]) {
		snprintf(from, sizeof from, "%s", rq->cursor);
	} else {
		time_t t = (time_t)(rq->watermark_us / 1000000);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(from, sizeof from, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	/* A continuation token or a date: none, or [A-Za-z0-9-_.:=]. */
	if (from[0] && !ll_text_within(from, 256, "-_.:=")) {
		snprintf(err, LL_ERR_MAX, "%s: continuation token is not safe to send", rq->stream->name);
		return LL_ERR_DATA;
	}
	snprintf(query, sizeof query, "from=%s&includeRecentChanges=true", from);
	if (url_of(s, e->module, e->export, query, url, sizeof url) < 0) {
		snprintf(err, LL_ERR_MAX, "base_url too long");
		return LL_ERR_CONFIG;
	}
	if ((st = get(s, url, &rs, err)) != LL_OK)
		return st;
	data = ll_json_array(rs.json, "data");
	if (!data || ll_json_bool(rs.json, "hasMore", &more, &present) < 0 || !present ||
	    ll_json_string(rs.json, "continueFrom", &next) < 0 || !next || !next[0] ||
	    !ll_text_within(next, LL_CURSOR_MAX < 256 ? LL_CURSOR_MAX : 256, "-_.:=")) {
		s->api->http_response_release(&rs);
		snprintf(err, LL_ERR_MAX, "%s export from '%.64s': not a ServiceTitan export page "
			 "(data, hasMore, continueFrom)", rq->stream->name, from);
		return LL_ERR_DATA;
	}
	page->records = json_object_get(data);
	page->total_records = page->total_pages = -1;
	/* Caught up (hasMore false): the token is where the next run starts. */
	page->done = !more;
	snprintf(page->next_cursor, sizeof page->next_cursor, "%s", next);
	s->api->http_response_release(&rs);
	return LL_OK;
}

static enum ll_status st_fetch_page(void *state, const struct ll_fetch *rq, struct ll_page *page,
				    char *err)
{
	struct st *s = state;
	const struct endpoint *e = endpoint_of(rq->stream->name);

	page->records = NULL;
	if (!e) {
		snprintf(err, LL_ERR_MAX, "no endpoint for stream %s", rq->stream->name);
		return LL_ERR_INTERNAL;
	}
	if (rq->mode == LL_FETCH_INCREMENTAL && e->export)
		return fetch_export(s, rq, e, page, err);
	return fetch_list(s, rq, e, page, err);
}

/* Full sweeps number their pages: later ones can be fetched at once. */
static int st_page_cursor(void *state, const struct ll_fetch *rq, const struct ll_page *page,
			  int64_t ahead, char out[LL_CURSOR_MAX])
{
	int64_t pageno = 1;
	char *end = NULL;

	(void)state;
	if (rq->mode != LL_FETCH_FULL || ahead < 1 || page->total_pages < 1)
		return -1;
	if (rq->cursor[0]) {
		pageno = strtoll(rq->cursor, &end, 10);
		if (*end || pageno < 1)
			return -1;
	}
	if (pageno > page->total_pages - ahead)
		return -1;
	snprintf(out, LL_CURSOR_MAX, "%" PRId64, pageno + ahead);
	return 0;
}

static enum ll_status st_fetch_record(void *state, const struct ll_stream_def *stream,
				      const char *external_id, struct json_object **raw, char *err)
{
	struct st *s = state;
	const struct endpoint *e = endpoint_of(stream->name);
	struct ll_http_response rs;
	struct json_object *found;
	char url[URL_MAX], path[300], query[300];
	enum ll_status st;

	*raw = NULL;
	if (!e || !external_id[0] || strspn(external_id, "0123456789") != strlen(external_id) ||
	    strlen(external_id) > 20) {
		snprintf(err, LL_ERR_MAX, "%s: '%.32s' is not a ServiceTitan id", stream->name,
			 external_id);
		return LL_ERR_DATA;
	}
	snprintf(path, sizeof path, "%s/%s", e->list, external_id);
	snprintf(query, sizeof query, "ids=%s&active=%s&page=1&pageSize=1", external_id, e->active);
	if (url_of(s, e->module, e->lookup_in_list ? e->list : path,
		   e->lookup_in_list ? query : "", url, sizeof url) < 0) {
		snprintf(err, LL_ERR_MAX, "base_url too long");
		return LL_ERR_CONFIG;
	}
	st = get(s, url, &rs, err);
	if (st == LL_ERR_DATA && rs.status == 404)
		return LL_ERR_NOT_FOUND;
	if (st != LL_OK)
		return st;
	found = rs.json;
	if (e->lookup_in_list) {
		struct json_object *data = ll_json_array(rs.json, "data");

		if (!data) {
			s->api->http_response_release(&rs);
			snprintf(err, LL_ERR_MAX, "%s %s: not a ServiceTitan list page", stream->name,
				 external_id);
			return LL_ERR_DATA;
		}
		found = json_object_array_length(data) ? json_object_array_get_idx(data, 0) : NULL;
	}
	*raw = json_object_get(found);
	s->api->http_response_release(&rs);
	return *raw ? LL_OK : LL_ERR_NOT_FOUND;
}

static enum ll_status st_refresh_auth(void *state, char *err)
{
	struct st *s = state;
	char token[TOKEN_MAX];
	enum ll_status st = s->api->oauth_token(s->host, 1, token, sizeof token, err);

	s->api->wipe(token, sizeof token);
	return st;
}

/* ---- mapping ---- */

/* An id (a JSON integer) as the text the host keys records by. */
static int id_text(struct json_object *o, const char *key, char *out, size_t len, int *present)
{
	int64_t v = 0;

	out[0] = '\0';
	if (ll_json_int(o, key, &v, present) < 0)
		return -1;
	if (*present)
		snprintf(out, len, "%" PRId64, v);
	return 0;
}

/* Dollars that may be null (as 0). */
static int money(const struct ll_host_api *api, struct json_object *o, const char *key,
		 int64_t *cents)
{
	int present;

	*cents = 0;
	return ll_json_dollars(api, o, key, cents, &present);
}

static enum ll_status_class job_class(const char *status)
{
	if (status && strcmp(status, "Completed") == 0)
		return LL_CLASS_COMPLETED;
	if (status && strcmp(status, "Canceled") == 0)
		return LL_CLASS_CANCELED;
	return LL_CLASS_OPEN;
}

static enum ll_status map_common(struct st *s, enum ll_entity entity, struct json_object *raw,
				 struct ll_record *out, char *err)
{
	const struct ll_host_api *api = s->api;
	char id[24];
	int64_t us;
	int present, active = 1;

	if (id_text(raw, "id", id, sizeof id, &present) < 0 || !present)
		return ll_json_fail(err, "no integer id in", "record");
	if (api->record_set_string(out, LL_FIELD_EXTERNAL_ID, id) < 0)
		return LL_ERR_INTERNAL;
	if (ll_json_time(api, raw, "createdOn", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "createdOn");
	if (present)
		api->record_set_time(out, LL_FIELD_CREATED_AT, us);
	if (ll_json_time(api, raw, "modifiedOn", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "modifiedOn");
	if (present)
		api->record_set_time(out, LL_FIELD_UPDATED_AT, us);
	/* Inactive rows (exports carry deleted ones) are deleted for reports;
	 * an inactive campaign still names the jobs it brought. */
	if (entity == LL_ENTITY_CAMPAIGN)
		return LL_OK;
	if (ll_json_bool(raw, "active", &active, &present) < 0)
		return ll_json_fail(err, "bad boolean in", "active");
	if (present && !active && ll_json_time(api, raw, "modifiedOn", &us, &present) == 0 &&
	    present)
		api->record_set_time(out, LL_FIELD_DELETED_AT, us);
	return LL_OK;
}

static enum ll_status st_map_record(void *state, enum ll_entity entity, struct json_object *raw,
				    struct ll_record *out, char *err)
{
	struct st *s = state;
	const struct ll_host_api *api = s->api;
	const char *str = NULL, *status = NULL;
	char ref[24];
	int64_t cents = 0, tax = 0;
	enum ll_status st;
	int present;

	if ((st = map_common(s, entity, raw, out, err)) != LL_OK)
		return st;
	switch (entity) {
	case LL_ENTITY_CAMPAIGN:
		if (ll_json_string(raw, "name", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LEAD_SOURCE, str) < 0 ||
		    ll_json_string(ll_json_object(raw, "category"), "name", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LEAD_SOURCE_ALT, str) < 0)
			return ll_json_fail(err, "bad string in", "name or category.name");
		return LL_OK;
	case LL_ENTITY_CUSTOMER:
		if (ll_json_string(raw, "name", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_FIRST_NAME, str) < 0 ||
		    id_text(raw, "mergedToId", ref, sizeof ref, &present) < 0 ||
		    (present && api->record_set_string(out, LL_FIELD_MERGED_INTO, ref) < 0))
			return ll_json_fail(err, "bad value in", "name or mergedToId");
		return LL_OK;
	case LL_ENTITY_JOB:
		if (ll_json_string(raw, "jobStatus", &status) < 0)
			return ll_json_fail(err, "bad string in", "jobStatus");
		if (money(api, raw, "total", &cents) < 0)
			return ll_json_fail(err, "not a number of dollars:", "total");
		if (id_text(raw, "campaignId", ref, sizeof ref, &present) < 0)
			return ll_json_fail(err, "not an integer:", "campaignId");
		if (present && (api->record_set_string(out, LL_FIELD_SOURCE_REF, ref) < 0 ||
				api->record_set_int(out, LL_FIELD_SOURCE_REF_ENTITY,
						    LL_ENTITY_CAMPAIGN) < 0))
			return LL_ERR_INTERNAL;
		api->record_set_int(out, LL_FIELD_STATUS_CLASS, job_class(status));
		break;
	case LL_ENTITY_ESTIMATE:
		if (ll_json_string(ll_json_object(raw, "status"), "name", &status) < 0)
			return ll_json_fail(err, "bad string in", "status.name");
		if (money(api, raw, "subtotal", &cents) < 0 || money(api, raw, "tax", &tax) < 0)
			return ll_json_fail(err, "not a number of dollars:", "subtotal or tax");
		cents += tax;
		/* No campaign of its own: the host counts it in its job's. */
		if (id_text(raw, "jobId", ref, sizeof ref, &present) < 0)
			return ll_json_fail(err, "not an integer:", "jobId");
		if (present && api->record_set_string(out, LL_FIELD_JOB_ID, ref) < 0)
			return LL_ERR_INTERNAL;
		api->record_set_int(out, LL_FIELD_STATUS_CLASS,
				    status && strcmp(status, "Sold") == 0 ? LL_CLASS_COMPLETED
				    : status && strcmp(status, "Dismissed") == 0 ? LL_CLASS_CANCELED
				    : LL_CLASS_OPEN);
		break;
	default:
		snprintf(err, LL_ERR_MAX, "no mapping for entity %d", (int)entity);
		return LL_ERR_INTERNAL;
	}
	if (id_text(raw, "customerId", ref, sizeof ref, &present) < 0)
		return ll_json_fail(err, "not an integer:", "customerId");
	if ((present && api->record_set_string(out, LL_FIELD_CUSTOMER_ID, ref) < 0) ||
	    api->record_set_string(out, LL_FIELD_STATUS_RAW, status) < 0)
		return LL_ERR_INTERNAL;
	api->record_set_int(out, LL_FIELD_AMOUNT_CENTS, cents);
	return LL_OK;
}

/* Jobs: COALESCE(completedOn, createdOn); the rest: createdOn. */
static enum ll_status st_resolve_date(void *state, enum ll_entity entity, struct json_object *raw,
				      int64_t *us, char *err)
{
	struct st *s = state;
	int present;

	if (entity == LL_ENTITY_JOB && ll_json_time(s->api, raw, "completedOn", us, &present) == 0 &&
	    present)
		return LL_OK;
	if (ll_json_time(s->api, raw, "createdOn", us, &present) == 0 && present)
		return LL_OK;
	snprintf(err, LL_ERR_MAX, "no completedOn or createdOn");
	return LL_ERR_DATA;
}

LL_PROVIDER_EXPORT const struct ll_provider ll_provider = {
	.abi_version = LL_ABI_VERSION,
	.struct_size = sizeof(struct ll_provider),
	.name = "servicetitan",
	.version = "1.1.0",
	.settings = st_settings,
	.streams = st_streams,
	.init = st_init,
	.fini = st_fini,
	.fetch_page = st_fetch_page,
	.map_record = st_map_record,
	.resolve_date = st_resolve_date,
	.refresh_auth = st_refresh_auth,
	.page_cursor = st_page_cursor,
	.fetch_record = st_fetch_record,
	.setting_def_size = sizeof(struct ll_setting_def),
	.stream_def_size = sizeof(struct ll_stream_def),
	.credentials = st_credentials,
	.credential_def_size = sizeof(struct ll_credential_def),
	.oauth = &st_oauth,
};
