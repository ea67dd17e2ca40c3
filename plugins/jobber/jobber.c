/*
 * Jobber provider (../shared/reference/jobber-servicetitan-api.md §1, §3;
 * ../shared/design.md, "Per CRM").
 *
 * - GraphQL over POST to base_url with Content-Type: application/json and
 *   X-JOBBER-GRAPHQL-VERSION: api_version on every request; the query
 *   selects only what the mapping reads: cost is the speed limit.
 * - OAuth with refresh-token rotation, run by the host (oauth_token, ABI
 *   1.4): this file never sees a refresh token.  A 401 makes the host call
 *   jobber_refresh_auth, which renews the access token.
 * - Relay pagination: the cursor is pageInfo.endCursor, "" the start.
 *   users: every run.  clients, quotes: incremental runs filter
 *   updatedAt.after the watermark.  jobs have no updatedAt filter:
 *   incremental runs sort UPDATED_AT descending and the host stops at the
 *   watermark (LL_STREAM_NEWEST_FIRST); full sweeps sort JOB_NUMBER
 *   ascending, which updates do not reorder.  totalCount only in full
 *   sweeps ("raises the likelihood you will be throttled").
 * - Throttling: a THROTTLED error inside a 200 is reported to the host's
 *   retry through the http_ex hook, with the wait the bucket needs,
 *   (requested - available) / restoreRate; every answer's throttleStatus
 *   paces the next request (http_defer) so the bucket is not drained.
 *   Any other GraphQL error is a data error with Jobber's message.
 * - Mapping: completed = completedAt set and jobStatus requires_invoicing
 *   or archived; canceled = archived without completedAt; the report date
 *   COALESCE(completedAt, startAt, createdAt); revenue `total`, dollars as
 *   a JSON number, to cents from its decimal text (parse_cents); a job's
 *   lead source is its client's (leadSource, else
 *   sourceAttribution.displayLeadSource): the job names its client and the
 *   host derives the channel from the stored client (ABI 1.3), the
 *   client embedded in the job being the first guess.  Quotes count as
 *   won when approved or converted.
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
#define QUERY_MAX 2048

static const struct ll_setting_def jobber_settings[] = {
	{ "base_url", LL_SETTING_URL, "https://api.getjobber.com/api/graphql", 0, 0,
	  "the GraphQL endpoint" },
	{ "token_url", LL_SETTING_URL, "https://api.getjobber.com/api/oauth/token", 0, 0,
	  "the OAuth token endpoint" },
	{ "authorize_url", LL_SETTING_URL, "https://api.getjobber.com/api/oauth/authorize", 0, 0,
	  "the OAuth consent page (leadledger connect)" },
	{ "redirect_uri", LL_SETTING_URL, "http://127.0.0.1:8471/oauth/callback", 0, 0,
	  "where Jobber sends the authorization code; as registered with the app" },
	{ "client_id", LL_SETTING_STRING, NULL, 0, 0, "the app's client id" },
	{ "api_version", LL_SETTING_STRING, "2025-04-16", 0, 0,
	  "X-JOBBER-GRAPHQL-VERSION, the pinned schema version" },
	{ "page_size", LL_SETTING_INT, "100", 1, 100,
	  "records per query (first); Jobber documents no maximum, 100 is its default" },
	{ NULL, LL_SETTING_INT, NULL, 0, 0, NULL },
};

static const struct ll_credential_def jobber_credentials[] = {
	{ "client_secret", 1, "the app's client secret" },
	{ "refresh_token", 0, "seeds the connection; rotates, the newest lives in the database "
			      "(leadledger connect sets it)" },
	{ NULL, 0, NULL },
};

static const struct ll_oauth_def jobber_oauth = {
	.struct_size = sizeof(struct ll_oauth_def),
	.token_url_setting = "token_url",
	.authorize_url_setting = "authorize_url",
	.redirect_uri_setting = "redirect_uri",
	.client_id_setting = "client_id",
	.client_secret_field = "client_secret",
	.refresh_token_field = "refresh_token",
};

/* Users first: their names are referral rules for the others. */
static const struct ll_stream_def jobber_streams[] = {
	{ "users", LL_ENTITY_EMPLOYEE, LL_STREAM_SWEEP_DELETES },
	{ "clients", LL_ENTITY_CUSTOMER, LL_STREAM_INCREMENTAL | LL_STREAM_SWEEP_DELETES |
	  LL_STREAM_FETCH_BY_ID },
	{ "jobs", LL_ENTITY_JOB, LL_STREAM_INCREMENTAL | LL_STREAM_NEWEST_FIRST |
	  LL_STREAM_SWEEP_DELETES | LL_STREAM_FETCH_BY_ID },
	{ "quotes", LL_ENTITY_ESTIMATE, LL_STREAM_INCREMENTAL | LL_STREAM_SWEEP_DELETES |
	  LL_STREAM_FETCH_BY_ID },
	{ NULL, LL_ENTITY_JOB, 0 },
};

/* What the mapping reads of each record, and nothing more. */
#define CLIENT_REF "client { id leadSource sourceAttribution { displayLeadSource } }"
static const struct selection {
	const char *stream;
	const char *record;       /* the single-record query field: job(id:) */
	const char *filter_type;  /* its updatedAt filter, or NULL */
	const char *fields;
} selections[] = {
	{ "users", NULL, NULL, "id name { first last }" },
	{ "clients", "client", "ClientFilterAttributes",
	  "id firstName lastName companyName createdAt updatedAt leadSource "
	  "sourceAttribution { displayLeadSource }" },
	{ "jobs", "job", NULL,
	  "id jobNumber jobStatus createdAt updatedAt startAt completedAt total " CLIENT_REF },
	{ "quotes", "quote", "QuoteFilterAttributes",
	  "id quoteNumber quoteStatus createdAt updatedAt amounts { total } " CLIENT_REF },
};

struct jobber {
	const struct ll_host_api *api;
	struct ll_host *host;
	const char *base_url, *api_version;
	int64_t page_size;
};

static const struct selection *selection_of(const char *stream)
{
	for (size_t i = 0; i < sizeof selections / sizeof selections[0]; i++)
		if (strcmp(selections[i].stream, stream) == 0)
			return &selections[i];
	return NULL;
}

static enum ll_status jobber_init(const struct ll_host_api *api, struct ll_host *h, void **state,
				  char *err)
{
	struct jobber *s;

	*state = NULL;
	if (ll_host_require(api, 4, "Jobber", err) != LL_OK)
		return LL_ERR_CONFIG;
	s = calloc(1, sizeof *s);
	if (!s) {
		snprintf(err, LL_ERR_MAX, "out of memory");
		return LL_ERR_INTERNAL;
	}
	s->api = api;
	s->host = h;
	if (api->setting_string(h, "base_url", &s->base_url) < 0 ||
	    api->setting_string(h, "api_version", &s->api_version) < 0 ||
	    api->setting_int(h, "page_size", &s->page_size) < 0) {
		snprintf(err, LL_ERR_MAX, "settings base_url, api_version and page_size are required");
		free(s);
		return LL_ERR_CONFIG;
	}
	*state = s;
	return LL_OK;
}

static void jobber_fini(void *state)
{
	free(state);
}

/* ---- the bucket ---- */

/* extensions.cost: what the query cost and what is left. */
static int cost_of(struct json_object *body, int64_t *requested, int64_t *available,
		   int64_t *rate)
{
	struct json_object *cost = ll_json_path(body, "extensions.cost");
	struct json_object *ts = ll_json_object(cost, "throttleStatus");
	int present;

	*requested = *available = *rate = 0;
	return cost && ts && ll_json_int(cost, "requestedQueryCost", requested, &present) == 0 &&
	       ll_json_int(ts, "currentlyAvailable", available, &present) == 0 &&
	       ll_json_int(ts, "restoreRate", rate, &present) == 0 && *rate > 0 ? 0 : -1;
}

/* The wait before the bucket holds what a query of this cost needs. */
static int64_t refill_ms(int64_t requested, int64_t available, int64_t rate)
{
	return requested > available ? ((requested - available) * 1000 + rate - 1) / rate : 0;
}

/* The http_ex hook: a THROTTLED error inside a 200. */
static int throttled(void *ud, struct json_object *body, int64_t *retry_after_ms)
{
	struct json_object *errors = ll_json_array(body, "errors");
	int64_t requested, available, rate;

	(void)ud;
	for (size_t i = 0; errors && i < json_object_array_length(errors); i++) {
		struct json_object *ext = ll_json_object(json_object_array_get_idx(errors, i),
							 "extensions");
		const char *code = NULL;

		if (ll_json_string(ext, "code", &code) == 0 && code && strcmp(code, "THROTTLED") == 0) {
			*retry_after_ms = cost_of(body, &requested, &available, &rate) == 0
					  ? refill_ms(requested, available, rate) : 1000;
			return 1;
		}
	}
	return 0;
}

/* ---- one query ---- */

/* POST {query, variables} (variables: a new reference, consumed).  On
 * LL_OK *data is data's new reference; GraphQL errors are data errors
 * with Jobber's message.  The bucket's state paces the next request. */
static enum ll_status query(struct jobber *s, const char *text, struct json_object *variables,
			    struct json_object **data, char *err)
{
	const struct ll_host_api *api = s->api;
	struct json_object *body = json_object_new_object(), *errors, *d;
	struct ll_http_hook hook = { sizeof hook, throttled, s };
	char token[TOKEN_MAX], auth[TOKEN_MAX + 8];
	struct ll_http_header headers[3];
	struct ll_http_request rq;
	struct ll_http_response rs;
	int64_t requested, available, rate;
	enum ll_status st;

	*data = NULL;
	json_object_object_add(body, "query", json_object_new_string(text));
	json_object_object_add(body, "variables", variables);
	st = api->oauth_token(s->host, 0, token, sizeof token, err);
	if (st != LL_OK) {
		json_object_put(body);
		return st;
	}
	snprintf(auth, sizeof auth, "Bearer %s", token);
	api->wipe(token, sizeof token);
	headers[0] = (struct ll_http_header){ "Authorization", auth, 1 };
	headers[1] = (struct ll_http_header){ "Content-Type", "application/json", 0 };
	headers[2] = (struct ll_http_header){ "X-JOBBER-GRAPHQL-VERSION", s->api_version, 0 };
	rq = (struct ll_http_request){ "POST", s->base_url,
				       json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
				       headers, 3 };
	st = api->http_ex(s->host, &rq, &hook, &rs, err);
	api->wipe(auth, sizeof auth);
	json_object_put(body);
	if (st != LL_OK) {
		api->http_response_release(&rs);
		return st;
	}
	if (cost_of(rs.json, &requested, &available, &rate) == 0 && available < requested)
		api->http_defer(s->host, refill_ms(requested, available, rate));
	errors = ll_json_array(rs.json, "errors");
	if (errors && json_object_array_length(errors) > 0) {
		const char *msg = NULL;

		ll_json_string(json_object_array_get_idx(errors, 0), "message", &msg);
		snprintf(err, LL_ERR_MAX, "Jobber refused the query: %.200s", msg ? msg : "(no message)");
		api->http_response_release(&rs);
		return LL_ERR_DATA;
	}
	d = ll_json_object(rs.json, "data");
	if (!d) {
		snprintf(err, LL_ERR_MAX, "Jobber answered without data");
		api->http_response_release(&rs);
		return LL_ERR_DATA;
	}
	*data = json_object_get(d);
	api->http_response_release(&rs);
	return LL_OK;
}

static void iso_time(int64_t us, char *out, size_t len)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The list query of a stream for this fetch, and its variables. */
static int list_query(struct jobber *s, const struct ll_fetch *rq, const struct selection *sel,
		      char *text, size_t len, struct json_object *vars)
{
	int full = rq->mode == LL_FETCH_FULL, n;
	int jobs = strcmp(sel->stream, "jobs") == 0;
	int filtered = !full && sel->filter_type && rq->watermark_us > 0;
	char after[40];

	json_object_object_add(vars, "first", json_object_new_int64(s->page_size));
	json_object_object_add(vars, "after", rq->cursor[0] ? json_object_new_string(rq->cursor)
							    : NULL);
	if (filtered) {
		struct json_object *f = json_object_new_object(), *r = json_object_new_object();

		iso_time(rq->watermark_us, after, sizeof after);
		json_object_object_add(r, "after", json_object_new_string(after));
		json_object_object_add(f, "updatedAt", r);
		json_object_object_add(vars, "filter", f);
	}
	if (jobs) {
		struct json_object *arr = json_object_new_array(), *o = json_object_new_object();

		json_object_object_add(o, "key", json_object_new_string(full ? "JOB_NUMBER"
									     : "UPDATED_AT"));
		json_object_object_add(o, "direction", json_object_new_string(full ? "ASCENDING"
										   : "DESCENDING"));
		json_object_array_add(arr, o);
		json_object_object_add(vars, "sort", arr);
	}
	n = snprintf(text, len,
		     "query leadledger_%s($first: Int!, $after: String%s%s%s) { %s(first: $first, "
		     "after: $after%s%s) { nodes { %s } pageInfo { hasNextPage endCursor }%s } }",
		     sel->stream, filtered ? ", $filter: " : "", filtered ? sel->filter_type : "",
		     jobs ? ", $sort: [JobsSortInput!]" : "", sel->stream,
		     filtered ? ", filter: $filter" : "", jobs ? ", sort: $sort" : "", sel->fields,
		     full ? " totalCount" : "");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static enum ll_status jobber_fetch_page(void *state, const struct ll_fetch *rq,
					struct ll_page *page, char *err)
{
	struct jobber *s = state;
	const struct selection *sel = selection_of(rq->stream->name);
	struct json_object *vars = json_object_new_object(), *data, *conn, *nodes, *info;
	const char *cursor = NULL;
	char text[QUERY_MAX];
	enum ll_status st;
	int64_t total = -1;
	int more = 0, present;

	page->records = NULL;
	if (!sel || list_query(s, rq, sel, text, sizeof text, vars) < 0) {
		json_object_put(vars);
		snprintf(err, LL_ERR_MAX, "no query for stream %s", rq->stream->name);
		return LL_ERR_INTERNAL;
	}
	if ((st = query(s, text, vars, &data, err)) != LL_OK)
		return st;
	conn = ll_json_object(data, sel->stream);
	nodes = ll_json_array(conn, "nodes");
	info = ll_json_object(conn, "pageInfo");
	if (!nodes || !info || ll_json_bool(info, "hasNextPage", &more, &present) < 0 || !present ||
	    ll_json_string(info, "endCursor", &cursor) < 0 ||
	    ll_json_int(conn, "totalCount", &total, &present) < 0 ||
	    (more && (!cursor || !cursor[0] || strlen(cursor) >= LL_CURSOR_MAX)) ||
	    (more && json_object_array_length(nodes) == 0)) {
		json_object_put(data);
		snprintf(err, LL_ERR_MAX, "%s after cursor '%s': not a Jobber connection page "
			 "(nodes, pageInfo)", rq->stream->name, rq->cursor);
		return LL_ERR_DATA;
	}
	page->records = json_object_get(nodes);
	page->total_records = present ? total : -1;
	page->total_pages = -1;
	page->done = !more;
	snprintf(page->next_cursor, sizeof page->next_cursor, "%s", more ? cursor : "");
	json_object_put(data);
	return LL_OK;
}

static enum ll_status jobber_fetch_record(void *state, const struct ll_stream_def *stream,
					  const char *external_id, struct json_object **raw,
					  char *err)
{
	struct jobber *s = state;
	const struct selection *sel = selection_of(stream->name);
	struct json_object *vars, *data, *rec;
	char text[QUERY_MAX];
	enum ll_status st;

	*raw = NULL;
	if (!sel || !sel->record || /* base64 ids */ !ll_text_within(external_id, 128, "+/=_-")) {
		snprintf(err, LL_ERR_MAX, "%s: no look-up by id '%.64s'", stream->name, external_id);
		return LL_ERR_DATA;
	}
	snprintf(text, sizeof text, "query leadledger_%s($id: EncodedId!) { %s(id: $id) { %s } }",
		 sel->record, sel->record, sel->fields);
	vars = json_object_new_object();
	json_object_object_add(vars, "id", json_object_new_string(external_id));
	if ((st = query(s, text, vars, &data, err)) != LL_OK)
		return st;
	rec = ll_json_object(data, sel->record);
	if (!rec) {
		json_object_put(data);
		return LL_ERR_NOT_FOUND;
	}
	*raw = json_object_get(rec);
	json_object_put(data);
	return LL_OK;
}

static enum ll_status jobber_refresh_auth(void *state, char *err)
{
	struct jobber *s = state;
	char token[TOKEN_MAX];
	enum ll_status st = s->api->oauth_token(s->host, 1, token, sizeof token, err);

	s->api->wipe(token, sizeof token);
	return st;
}

/* ---- mapping ---- */

static enum ll_status_class job_class(const char *status, int completed)
{
	if (completed && status && (strcmp(status, "requires_invoicing") == 0 ||
				    strcmp(status, "archived") == 0))
		return LL_CLASS_COMPLETED;
	if (status && strcmp(status, "archived") == 0)
		return LL_CLASS_CANCELED;
	return LL_CLASS_OPEN;
}

static enum ll_status_class quote_class(const char *status)
{
	if (status && (strcmp(status, "approved") == 0 || strcmp(status, "converted") == 0))
		return LL_CLASS_COMPLETED;
	return LL_CLASS_OPEN;
}

/* A client's lead source: its leadSource, else its attribution's. */
static int client_lead_source(struct json_object *client, const char **out)
{
	const char *ls = NULL;

	*out = NULL;
	if (ll_json_string(client, "leadSource", &ls) < 0 ||
	    ll_json_string(ll_json_object(client, "sourceAttribution"), "displayLeadSource",
			   out) < 0)
		return -1;
	if (ls && ls[strspn(ls, " \t")])
		*out = ls;
	return 0;
}

static enum ll_status map_times(struct jobber *s, struct json_object *raw, struct ll_record *out,
				char *err)
{
	int64_t us;
	int present;

	if (ll_json_time(s->api, raw, "createdAt", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "createdAt");
	if (present)
		s->api->record_set_time(out, LL_FIELD_CREATED_AT, us);
	if (ll_json_time(s->api, raw, "updatedAt", &us, &present) < 0)
		return ll_json_fail(err, "bad time in", "updatedAt");
	if (present)
		s->api->record_set_time(out, LL_FIELD_UPDATED_AT, us);
	return LL_OK;
}

/* The client a job or quote belongs to: the reference the host derives
 * the lead source from, and the embedded copy as a first guess. */
static enum ll_status map_client_ref(struct jobber *s, struct json_object *raw,
				     struct ll_record *out, char *err)
{
	struct json_object *client = ll_json_object(raw, "client");
	const char *id = NULL, *ls;

	if (ll_json_string(client, "id", &id) < 0 || client_lead_source(client, &ls) < 0)
		return ll_json_fail(err, "bad value in", "client");
	if (s->api->record_set_string(out, LL_FIELD_CUSTOMER_ID, id) < 0 ||
	    s->api->record_set_string(out, LL_FIELD_CUSTOMER_LEAD_SOURCE, ls) < 0)
		return LL_ERR_INTERNAL;
	return LL_OK;
}

static enum ll_status jobber_map_record(void *state, enum ll_entity entity,
					struct json_object *raw, struct ll_record *out, char *err)
{
	struct jobber *s = state;
	const struct ll_host_api *api = s->api;
	const char *id = NULL, *str = NULL, *status = NULL;
	struct json_object *name;
	int64_t cents = 0, us;
	enum ll_status st;
	int present;

	if (ll_json_string(raw, "id", &id) < 0 || !id || !id[0])
		return ll_json_fail(err, "no id in", "record");
	if (api->record_set_string(out, LL_FIELD_EXTERNAL_ID, id) < 0)
		return LL_ERR_INTERNAL;
	if (entity == LL_ENTITY_EMPLOYEE) {
		name = ll_json_object(raw, "name");
		if (ll_json_string(name, "first", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_FIRST_NAME, str) < 0 ||
		    ll_json_string(name, "last", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LAST_NAME, str) < 0)
			return ll_json_fail(err, "bad string in", "name");
		return LL_OK;
	}
	if ((st = map_times(s, raw, out, err)) != LL_OK)
		return st;
	if (entity == LL_ENTITY_CUSTOMER) {
		if (ll_json_string(raw, "firstName", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_FIRST_NAME, str) < 0 ||
		    ll_json_string(raw, "lastName", &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LAST_NAME, str) < 0 ||
		    client_lead_source(raw, &str) < 0 ||
		    api->record_set_string(out, LL_FIELD_LEAD_SOURCE, str) < 0)
			return ll_json_fail(err, "bad string in", "client");
		return LL_OK;
	}
	if ((st = map_client_ref(s, raw, out, err)) != LL_OK)
		return st;
	if (entity == LL_ENTITY_JOB) {
		if (ll_json_string(raw, "jobStatus", &status) < 0 ||
		    ll_json_time(api, raw, "completedAt", &us, &present) < 0)
			return ll_json_fail(err, "bad value in", "jobStatus or completedAt");
		api->record_set_int(out, LL_FIELD_STATUS_CLASS, job_class(status, present));
		if (ll_json_dollars(api, raw, "total", &cents, &present) < 0)
			return ll_json_fail(err, "not a number of dollars:", "total");
	} else {
		if (ll_json_string(raw, "quoteStatus", &status) < 0)
			return ll_json_fail(err, "bad string in", "quoteStatus");
		api->record_set_int(out, LL_FIELD_STATUS_CLASS, quote_class(status));
		if (ll_json_dollars(api, ll_json_object(raw, "amounts"), "total", &cents, &present) < 0)
			return ll_json_fail(err, "not a number of dollars:", "amounts.total");
	}
	if (api->record_set_string(out, LL_FIELD_STATUS_RAW, status) < 0)
		return LL_ERR_INTERNAL;
	api->record_set_int(out, LL_FIELD_AMOUNT_CENTS, cents);
	return LL_OK;
}

/* Jobs: COALESCE(completedAt, startAt, createdAt); the rest: createdAt. */
static enum ll_status jobber_resolve_date(void *state, enum ll_entity entity,
					  struct json_object *raw, int64_t *us, char *err)
{
	struct jobber *s = state;
	static const char *const job_keys[] = { "completedAt", "startAt", "createdAt" };
	int present;

	for (size_t i = entity == LL_ENTITY_JOB ? 0 : 2; i < 3; i++)
		if (ll_json_time(s->api, raw, job_keys[i], us, &present) == 0 && present)
			return LL_OK;
	snprintf(err, LL_ERR_MAX, "no completedAt, startAt or createdAt");
	return LL_ERR_DATA;
}

LL_PROVIDER_EXPORT const struct ll_provider ll_provider = {
	.abi_version = LL_ABI_VERSION,
	.struct_size = sizeof(struct ll_provider),
	.name = "jobber",
	.version = "1.0.0",
	.settings = jobber_settings,
	.streams = jobber_streams,
	.init = jobber_init,
	.fini = jobber_fini,
	.fetch_page = jobber_fetch_page,
	.map_record = jobber_map_record,
	.resolve_date = jobber_resolve_date,
	.refresh_auth = jobber_refresh_auth,
	.page_cursor = NULL, /* cursors are opaque: one page at a time */
	.fetch_record = jobber_fetch_record,
	.setting_def_size = sizeof(struct ll_setting_def),
	.stream_def_size = sizeof(struct ll_stream_def),
	.credentials = jobber_credentials,
	.credential_def_size = sizeof(struct ll_credential_def),
	.oauth = &jobber_oauth,
};
