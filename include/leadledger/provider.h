/*
 * leadledger provider interface, ABI 1.5.
 *
 * This is the only header a provider includes.  A provider is a shared
 * object named <name>.so in the provider directory that exports exactly one
 * symbol, LL_PROVIDER_SYMBOL, a const struct ll_provider.  It never links
 * against the host or libpq: everything it needs from the host comes through
 * the struct ll_host_api table handed to init().
 *
 * Versioning (sudo, Varnish):
 *   - abi_version = major << 16 | minor, and it comes first in every struct
 *     that crosses the boundary, followed by struct_size.
 *   - The host refuses a provider whose major differs from its own or whose
 *     minor is newer than its own, or whose struct_size is shorter than the
 *     1.0 descriptor.
 *   - Minor versions only append fields to the end of structs and values to
 *     the end of enums.  Nothing is renumbered or reordered without a major
 *     bump.  A provider reads api->struct_size before touching a service added
 *     after 1.0; the host reads desc->struct_size before touching a callback
 *     added after 1.0.
 *
 * History (append-only, as Varnish's vrt.h and sudo's plugin API keep one):
 *   1.0  the descriptor up to refresh_auth; the host services up to
 *        record_set_time.
 *   1.1  ll_provider.page_cursor: numbered pages fetched several at once.
 *   1.2  ll_provider.fetch_record, LL_STREAM_FETCH_BY_ID and
 *        LL_ERR_NOT_FOUND: a full sweep proves a record gone before it is
 *        deleted.  ll_provider.setting_def_size, stream_def_size: provider
 *        arrays can gain fields.  ll_provider.credentials (struct
 *        ll_credential_def, credential_def_size) and LL_SETTING_URL:
 *        check-config checks credential fields and URLs.
 *        ll_host_api.parse_cents: dollars from a JSON number's text.
 *        ll_host_api.http_ex and struct ll_http_hook: a rate limit inside
 *        a 200 retried under the host's policy; 4xx JSON bodies kept in
 *        rs->json.  LL_STREAM_NEWEST_FIRST: the host stops incremental
 *        runs at the watermark.  include/leadledger/provider_json.h:
 *        typed JSON getters.
 *   1.3  LL_FIELD_SOURCE_REF, LL_FIELD_SOURCE_REF_ENTITY: a record names
 *        the record its lead source derives from, and the host keeps the
 *        derived channel true when that record changes (below).
 *   1.4  ll_provider.oauth (struct ll_oauth_def) and
 *        ll_host_api.oauth_token: OAuth 2.0 token endpoints run by the
 *        host, one refresh at a time per integration across threads and
 *        instances, a rotated refresh token stored before the new access
 *        token is used; `leadledger connect` and the dashboard's Connect
 *        for the authorization-code grant.  ll_host_api.http_defer: a
 *        provider paces itself by the CRM's own budget.
 *   1.5  LL_ENTITY_CAMPAIGN: a look-up record that lends its name as the
 *        lead source (ServiceTitan).  LL_FIELD_LEAD_SOURCE_ALT: a second
 *        text the channel comes from when the lead source's is unknown
 *        (a campaign's category).  LL_FIELD_MERGED_INTO: the customer a
 *        merged customer now is.
 *   1.6  LL_FIELD_JOB_ID: the job an estimate belongs to.  An estimate
 *        with no lead source of its own or of its customer counts in its
 *        job's current channel in the attribution figures (ServiceTitan:
 *        the job's campaign).  An estimate's status class is its outcome:
 *        completed = won (enum ll_status_class).
 *
 * Ownership and threading:
 *   - The host never calls two functions on the same state concurrently,
 *     unless the provider sets page_cursor (ABI 1.1, below); the calls may
 *     come from different threads one after another (a page is fetched on
 *     a worker thread while the previous one is stored).  Different
 *     integrations run in parallel, so a provider keeps no mutable globals.
 *   - Host services may be called from any thread the host calls in on.
 *   - Strings passed in are borrowed for the duration of the call.
 *   - err is a host-owned buffer of LL_ERR_MAX bytes; a provider writes a
 *     human-readable reason there on failure and never a secret.
 *   - A provider is never unloaded once init() has been called on it.
 *
 * How the three CRMs fit ABI 1 without a major bump:
 *   - Housecall Pro: page numbers.  The cursor is the decimal page number;
 *     incremental runs sort by updated_at descending
 *     (LL_STREAM_NEWEST_FIRST: the host ends them at the watermark); full
 *     sweeps sort by created_at ascending so updates during the sweep do
 *     not shift pages.  API key through credential_get("api_key").  Full
 *     sweeps know total_pages from the first page, so page_cursor lets the
 *     host fetch several pages at once.
 *   - Jobber: GraphQL over POST (ll_http_request.method/body), the
 *     throttle inside a 200 reported through http_ex's hook and the bucket
 *     paced with http_defer.  The cursor is pageInfo.endCursor.  clients
 *     and quotes filter on updatedAt.after = the watermark; jobs sort by
 *     UPDATED_AT descending (LL_STREAM_NEWEST_FIRST).  Tokens through
 *     oauth_token (refresh-token grant with rotation; ABI 1.4); on a 401
 *     the host calls refresh_auth() once, which renews.  A job's lead
 *     source is its client's: it names the client (LL_FIELD_CUSTOMER_ID).
 *   - ServiceTitan: client-credential tokens through oauth_token (no
 *     refresh token).  Export endpoints return a continuation token: that
 *     is the cursor, and the provider returns it as next_cursor together
 *     with done = 1, which the host keeps as the starting cursor of the
 *     next incremental run.  A job's lead source is its campaign's name:
 *     it names the campaign (LL_FIELD_SOURCE_REF).
 */
#ifndef LEADLEDGER_PROVIDER_H
#define LEADLEDGER_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LL_ABI_MAJOR 1
#define LL_ABI_MINOR 6
#define LL_ABI_MKVERSION(major, minor) \
	(((uint32_t)(major) << 16) | (uint32_t)(minor))
#define LL_ABI_VERSION LL_ABI_MKVERSION(LL_ABI_MAJOR, LL_ABI_MINOR)
#define LL_ABI_GET_MAJOR(v) ((uint32_t)(v) >> 16)
#define LL_ABI_GET_MINOR(v) ((uint32_t)(v) & 0xffffU)

#define LL_PROVIDER_SYMBOL "ll_provider"
#define LL_PROVIDER_EXPORT __attribute__((visibility("default")))
#define LL_ERR_MAX 256
#define LL_CURSOR_MAX 512

/* Results.  The host maps them to retries, checkpoints and scheduling. */
enum ll_status {
	LL_OK = 0,
	LL_ERR_TRANSIENT,  /* network or 5xx after the host's retries */
	LL_ERR_RATE_LIMIT, /* 429 beyond the retry budget; retry_after_s set */
	LL_ERR_AUTH,       /* 401/403: credentials need attention */
	LL_ERR_DATA,       /* malformed response or record */
	LL_ERR_CONFIG,     /* settings invalid */
	LL_ERR_INTERNAL,   /* out of memory, bug */
	LL_ERR_NOT_FOUND   /* ABI 1.2, fetch_record: the CRM has no such record */
};

enum ll_log_level {
	LL_LOG_ERR = 3,
	LL_LOG_WARNING = 4,
	LL_LOG_NOTICE = 5,
	LL_LOG_INFO = 6,
	LL_LOG_DEBUG = 7
};

/* What a stream holds.  Each entity has its own table in the host. */
enum ll_entity {
	LL_ENTITY_JOB = 0,
	LL_ENTITY_CUSTOMER,
	LL_ENTITY_ESTIMATE,
	LL_ENTITY_EMPLOYEE,
	LL_ENTITY_CAMPAIGN   /* ABI 1.5: lends its name as a lead source */
};

/* Status classes a provider maps its own vocabulary onto.  For an
 * estimate they mean: open = given, not decided; completed = won (the
 * customer approved it: the report's close rate); canceled = declined or
 * dismissed. */
enum ll_status_class {
	LL_CLASS_OPEN = 0,  /* not finished: unscheduled, scheduled, running */
	LL_CLASS_COMPLETED, /* counts as revenue; an estimate: won */
	LL_CLASS_CANCELED
};

/* Canonical record fields.  Append-only. */
enum ll_field {
	LL_FIELD_EXTERNAL_ID = 0,    /* string, required */
	LL_FIELD_STATUS_RAW,         /* string */
	LL_FIELD_STATUS_CLASS,       /* int, enum ll_status_class */
	LL_FIELD_AMOUNT_CENTS,       /* int */
	LL_FIELD_CREATED_AT,         /* time */
	LL_FIELD_UPDATED_AT,         /* time, required for incremental streams */
	LL_FIELD_CUSTOMER_ID,        /* string */
	LL_FIELD_LEAD_SOURCE,        /* string: the record's own lead source */
	LL_FIELD_CUSTOMER_LEAD_SOURCE, /* string: a first guess at the fallback
				       * (a snapshot in the payload), used
				       * until the referenced record is stored */
	LL_FIELD_DELETED_AT,         /* time: set when the CRM deleted it */
	LL_FIELD_FIRST_NAME,         /* string (employees, customers) */
	LL_FIELD_LAST_NAME,          /* string */
	LL_FIELD_SOURCE_REF,         /* ABI 1.3, string: the record whose lead
				      * source this one falls back to */
	LL_FIELD_SOURCE_REF_ENTITY,  /* ABI 1.3, int: its enum ll_entity */
	LL_FIELD_LEAD_SOURCE_ALT,    /* ABI 1.5, string: classified when the lead
				      * source's channel is unknown */
	LL_FIELD_MERGED_INTO,        /* ABI 1.5, string: customers: the customer
				      * this one was merged into */
	LL_FIELD_JOB_ID              /* ABI 1.6, string: estimates: the job this
				      * one belongs to */
};

/*
 * Derived lead sources (ABI 1.3).  A job or an estimate whose own lead
 * source (LL_FIELD_LEAD_SOURCE) is blank takes the lead source of the
 * record it references: LL_FIELD_SOURCE_REF of entity
 * LL_FIELD_SOURCE_REF_ENTITY, or, when the provider sets no reference, its
 * customer (LL_FIELD_CUSTOMER_ID, LL_ENTITY_CUSTOMER).  The host reads the
 * referenced record's current lead source from its own table, so:
 *   - when a page of customers commits, every stored job and estimate
 *     that depends on one of them is re-channeled in the same transaction,
 *     with no refetch of the jobs and no full sweep;
 *   - a record stored before the record it references uses
 *     LL_FIELD_CUSTOMER_LEAD_SOURCE (a snapshot from its own payload) as a
 *     first guess until the referenced record arrives;
 *   - when the employee list changes, the stored channels are re-derived
 *     with the new names before the next stream runs.
 * Housecall Pro sets the customer id (its jobs embed a snapshot of the
 * customer); Jobber's jobs have no lead source of their own and reference
 * their client; ServiceTitan's reference their campaign
 * (LL_ENTITY_CAMPAIGN, ABI 1.5), and a dependent takes the campaign's
 * channel as the campaign's name and category decide it
 * (LL_FIELD_LEAD_SOURCE_ALT).  Customers and campaigns lend a lead source;
 * a reference to an entity that lends none rejects the page.
 */

struct ll_host;     /* opaque: one per integration, carries the log prefix */
struct ll_record;   /* opaque canonical record, owned by the host */

/* Settings schema a provider declares (fluent-bit config_map).  The host
 * validates the integration's `settings` group against it before init(). */
enum ll_setting_type {
	LL_SETTING_STRING,
	LL_SETTING_INT,
	LL_SETTING_BOOL,
	LL_SETTING_URL     /* ABI 1.2: a string the host checks is an https URL, or
			    * http to a loopback address; read with setting_string */
};

struct ll_setting_def {
	const char *key;           /* NULL terminates the array */
	enum ll_setting_type type;
	const char *default_value; /* NULL: required */
	int64_t min, max;          /* LL_SETTING_INT bounds, inclusive */
	const char *description;
};

/* Streams a provider syncs, in the order the host runs them. */
#define LL_STREAM_INCREMENTAL 0x1U /* supports watermark-based runs */
#define LL_STREAM_SWEEP_DELETES 0x2U /* a full sweep lists every live record:
				       * those it does not see are candidates
				       * for deletion, deleted once proven gone */
#define LL_STREAM_FETCH_BY_ID 0x4U /* ABI 1.2: fetch_record answers for this
				     * stream, so a sweep can prove a record
				     * gone by asking for it */
#define LL_STREAM_NEWEST_FIRST 0x8U /* ABI 1.2: incremental pages come sorted
				      * by updated_at, newest first, with no
				      * updated-since filter: the host ends
				      * the run at the first page reaching
				      * below the watermark */

struct ll_stream_def {
	const char *name; /* NULL terminates; [a-z_]+, stable */
	enum ll_entity entity;
	unsigned flags;
};

/* ABI 1.2: the credential fields a provider reads with credential_get, so
 * check-config can refuse an unknown field and decrypt every one. */
struct ll_credential_def {
	const char *field; /* NULL terminates; [a-z0-9_]+ */
	int required;      /* the integration needs it */
	const char *description;
};

struct ll_http_header {
	const char *name;
	const char *value; /* may hold a secret: the host never logs values
			    * of Authorization or of headers marked secret */
	int secret;
};

struct ll_http_request {
	const char *method; /* "GET" or "POST" */
	const char *url;    /* absolute; https, or http to loopback only */
	const char *body;   /* POST body or NULL */
	const struct ll_http_header *headers;
	size_t n_headers;
};

struct ll_http_response {
	long status;
	long retry_after_s;        /* from Retry-After, 0 when absent */
	struct json_object *json;  /* parsed body, owned by the response; since
				    * 1.2 also for a 4xx with a JSON body (the
				    * CRM's description of what was wrong) */
};

/* ABI 1.2: how a provider tells the host that a 2xx answer is really a
 * rate limit (GraphQL APIs answer "throttled" inside a 200), so the retry
 * stays the host's: its backoff, its budget, its counting. */
struct ll_http_hook {
	uint32_t struct_size; /* sizeof(struct ll_http_hook) as built */
	/* Called on the worker thread for each 2xx JSON body (borrowed).
	 * Return 1 when the CRM throttled the request, with the least wait
	 * before trying again in *retry_after_ms; 0 to accept the answer. */
	int (*throttled)(void *ud, struct json_object *body, int64_t *retry_after_ms);
	void *ud;
};

/*
 * ABI 1.4: OAuth 2.0, run by the host (RFC 6749).  A provider names where
 * its settings and credentials keep what the token endpoint needs; the
 * host does the rest for every provider alike:
 *   - oauth_token() returns a current access token, shared by every
 *     thread of the integration and every leadledgerd on the database
 *     (cached encrypted in the database until shortly before it expires);
 *   - at most one token request per integration is in flight anywhere (a
 *     PostgreSQL advisory lock): with rotating refresh tokens a second
 *     refresh with the same token would disconnect the account for good;
 *   - a rotated refresh token is stored, encrypted and committed, before
 *     the new access token is handed out; the file's ciphertext only
 *     seeds it, and a changed ciphertext in the file seeds it again;
 *   - a refresh token the CRM refuses marks the integration as needing
 *     reconnection (`leadledger connect`, or Connect in the dashboard),
 *     with the CRM's words; it is never retried in a loop.
 * refresh_token_field NULL means the client-credentials grant (nothing to
 * rotate, nothing to connect).  Every name refers to a setting or a
 * credential the provider declares.
 */
struct ll_oauth_def {
	uint32_t struct_size;              /* sizeof(struct ll_oauth_def) as built */
	const char *token_url_setting;     /* the token endpoint (an LL_SETTING_URL) */
	const char *authorize_url_setting; /* the consent page, or NULL */
	const char *redirect_uri_setting;  /* where the CRM sends the code, or NULL */
	const char *client_id_setting;
	const char *client_secret_field;   /* a credential */
	const char *refresh_token_field;   /* a credential, or NULL: client credentials */
	const char *scope;                 /* sent when not NULL */
};

/* What the host asks for in one fetch_page() call. */
enum ll_fetch_mode { LL_FETCH_FULL = 0, LL_FETCH_INCREMENTAL };

struct ll_fetch {
	const struct ll_stream_def *stream;
	enum ll_fetch_mode mode;
	const char *cursor;    /* "" on the first page of a run */
	int64_t watermark_us;  /* incremental: records updated before this
				* instant were already stored */
};

struct ll_page {
	struct json_object *records; /* array; the page owns one reference */
	char next_cursor[LL_CURSOR_MAX];
	int done;                   /* no further page in this run */
	int64_t total_records;      /* -1 when the CRM does not say */
	int64_t total_pages;        /* -1 when the CRM does not say */
};

/* Host services (Redis modules' API table).  Append-only. */
struct ll_host_api {
	uint32_t abi_version; /* the host's LL_ABI_VERSION */
	uint32_t struct_size; /* sizeof(struct ll_host_api) in the host */

	/* Log with the integration's prefix "site/provider". */
	void (*log)(struct ll_host *h, int level, const char *fmt, ...)
		__attribute__((format(printf, 3, 4)));

	/* Settings declared in the provider's schema, defaults applied.
	 * Returned strings are borrowed until fini().  Return 0, or -1 when
	 * the key is not in the schema or has another type. */
	int (*setting_string)(struct ll_host *h, const char *key,
			      const char **out);
	int (*setting_int)(struct ll_host *h, const char *key, int64_t *out);
	int (*setting_bool)(struct ll_host *h, const char *key, int *out);

	/* Decrypt a credential field into buf.  Returns its length, or -1
	 * (missing, undecryptable: the integration is then marked as needing
	 * attention).  The caller wipes buf with wipe() after use. */
	int (*credential_get)(struct ll_host *h, const char *field, char *buf,
			      size_t len);
	/* Encrypt and durably store a new value (rotated token) before
	 * returning 0; -1 when it could not be stored, and then the provider
	 * must not use the new token. */
	int (*credential_set)(struct ll_host *h, const char *field,
			      const char *value);
	void (*wipe)(void *buf, size_t len);

	/* One request under the host's policy: timeouts, size cap, retries
	 * with backoff and jitter on timeouts/408/429/5xx honouring
	 * Retry-After, redirect and TLS rules.  Returns LL_OK with a parsed
	 * JSON body for 2xx; LL_ERR_AUTH for 401/403; LL_ERR_RATE_LIMIT with
	 * rs->retry_after_s when the budget is spent; LL_ERR_TRANSIENT,
	 * LL_ERR_DATA (other 4xx, bad JSON) otherwise, with err filled; err
	 * quotes the error, error_description, message or title fields of a
	 * JSON error body (never a secret header's value).  On any result
	 * free rs with http_response_release(). */
	enum ll_status (*http)(struct ll_host *h,
			       const struct ll_http_request *rq,
			       struct ll_http_response *rs, char *err);
	void (*http_response_release)(struct ll_http_response *rs);

	/* RFC 3339 / ISO 8601 ("2024-08-29T10:26:56Z", offsets, fractions)
	 * to microseconds since the epoch.  0 on success, -1 otherwise. */
	int (*parse_time)(const char *text, int64_t *epoch_us);

	/* Fill the canonical record.  Strings are copied.  -1 when the field
	 * does not take that type or memory ran out. */
	int (*record_set_string)(struct ll_record *r, enum ll_field f,
				 const char *value);
	int (*record_set_int)(struct ll_record *r, enum ll_field f,
			      int64_t value);
	int (*record_set_time)(struct ll_record *r, enum ll_field f,
			       int64_t epoch_us);

	/* ABI 1.2.  Dollars as the decimal text of a JSON number to cents,
	 * rounded half away from zero, never through a double (json-c keeps
	 * the text of a parsed number: json_object_get_string gives "19.99",
	 * where the double is 19.989999...).  0, or -1 for anything else. */
	int (*parse_cents)(const char *text, int64_t *cents);

	/* ABI 1.2.  http() with a hook that may declare a 2xx answer a rate
	 * limit; the host then retries it like a 429 (Retry-After being the
	 * hook's wait) and, past its budget, returns LL_ERR_RATE_LIMIT with
	 * rs->retry_after_s, which reaches the scheduler.  hook may be NULL. */
	enum ll_status (*http_ex)(struct ll_host *h, const struct ll_http_request *rq,
				  const struct ll_http_hook *hook,
				  struct ll_http_response *rs, char *err);

	/* ABI 1.4.  A current access token for the provider's oauth
	 * definition into out (len bytes; wipe it after use).  renew: the CRM
	 * refused the last one (a 401), so a cached token is not reused
	 * unless another thread or instance renewed it meanwhile.  LL_OK;
	 * LL_ERR_AUTH when the integration must be reconnected (the CRM
	 * refused the refresh token, or there is none) with err saying so;
	 * LL_ERR_TRANSIENT when the token endpoint could not be reached. */
	enum ll_status (*oauth_token)(struct ll_host *h, int renew, char *out, size_t len,
				      char *err);
	/* ABI 1.4.  Start no request of this integration for the next ms
	 * milliseconds: a provider that reads its remaining budget from the
	 * CRM's answers (Jobber's throttleStatus) keeps from draining it. */
	void (*http_defer)(struct ll_host *h, int64_t ms);
};

/* The descriptor.  Version and size first: "they protect the rest". */
struct ll_provider {
	uint32_t abi_version; /* LL_ABI_VERSION the provider was built with */
	uint32_t struct_size; /* sizeof(struct ll_provider) when built */
	const char *name;     /* equals the file stem and the config name */
	const char *version;  /* provider release, for logs */
	const struct ll_setting_def *settings;
	const struct ll_stream_def *streams;

	/* Create per-integration state.  On failure return non-LL_OK, leave
	 * *state NULL and write err; fini() is not called. */
	enum ll_status (*init)(const struct ll_host_api *api, struct ll_host *h,
			       void **state, char *err);
	void (*fini)(void *state);

	/* Fetch one page.  On LL_OK page->records is set (possibly empty)
	 * and the host puts it.  On failure page->records is NULL. */
	enum ll_status (*fetch_page)(void *state, const struct ll_fetch *rq,
				     struct ll_page *page, char *err);

	/* Map one raw record (borrowed) of the stream's entity into out. */
	enum ll_status (*map_record)(void *state, enum ll_entity entity,
				     struct json_object *raw,
				     struct ll_record *out, char *err);

	/* The instant a record counts at in reports (Housecall Pro jobs:
	 * COALESCE(completed_at, scheduled_start, created_at)).  LL_ERR_DATA
	 * when none is present. */
	enum ll_status (*resolve_date)(void *state, enum ll_entity entity,
				       struct json_object *raw,
				       int64_t *epoch_us, char *err);

	/* Optional (may be NULL): renew credentials after a 401.  The host
	 * calls it at most once per failed request, then retries once. */
	enum ll_status (*refresh_auth)(void *state, char *err);

	/* ABI 1.1.  Optional (may be NULL): for CRMs whose pages are
	 * numbered, the cursor of the page `ahead` (>= 1) pages after
	 * `page`, which was fetched with rq.  Return 0 with out filled, or
	 * -1 when no such page is known (past page->total_pages, or a run
	 * that ends at the watermark rather than at the last page).
	 *
	 * Setting it declares that fetch_page, map_record, resolve_date and
	 * page_cursor may run concurrently on one state for different pages
	 * of a run: the host then keeps up to the integration's
	 * `concurrency` requests in flight, hands pages to storage in cursor
	 * order, and uses a guessed page only if the page before it names
	 * the same next_cursor.  refresh_auth still runs alone. */
	int (*page_cursor)(void *state, const struct ll_fetch *rq,
			   const struct ll_page *page, int64_t ahead,
			   char out[LL_CURSOR_MAX]);

	/* ABI 1.2.  Optional (may be NULL): fetch one record of a stream
	 * flagged LL_STREAM_FETCH_BY_ID by its external id.  LL_OK with
	 * *raw set (a new reference the host puts; a record the CRM marks
	 * deleted is returned too); LL_ERR_NOT_FOUND when the CRM answers
	 * that no such record exists; any other status when it cannot tell.
	 * The host calls it alone, after a full sweep's last page, for the
	 * records the sweep did not list: only a "not found" (or two
	 * consecutive complete sweeps missing a record) deletes anything. */
	enum ll_status (*fetch_record)(void *state, const struct ll_stream_def *stream,
				       const char *external_id, struct json_object **raw,
				       char *err);

	/* ABI 1.2.  The element sizes of the provider's arrays as it was
	 * built (sizeof of each struct), so a later minor can append fields
	 * to them: the host reads each element up to the size given and
	 * zero-fills the rest.  0 (a 1.0 or 1.1 provider): the 1.0 sizes. */
	uint32_t setting_def_size;
	uint32_t stream_def_size;
	/* ABI 1.2.  Optional (may be NULL): the credential fields, whose
	 * element size is credential_def_size. */
	const struct ll_credential_def *credentials;
	uint32_t credential_def_size;

	/* ABI 1.4.  Optional (may be NULL): the provider's OAuth 2.0 (above). */
	const struct ll_oauth_def *oauth;

	/* Later minor versions append fields here. */
};

#ifdef __cplusplus
}
#endif

#endif /* LEADLEDGER_PROVIDER_H */
