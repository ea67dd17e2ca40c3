/*
 * The Jobber simulator (../shared/reference/jobber-servicetitan-api.md,
 * sections 1 and 3): a lawn-care account behind Jobber's GraphQL endpoint
 * and OAuth token endpoint.  Everything here is touched under sim_lock.
 *
 *   data.c     the account: users, clients, jobs, quotes; the oracle's rules
 *   schema.c   the types and fields Jobber serves, validation, requested cost
 *   exec.c     execution: connections, records, actual cost
 *   api.c      POST /api/graphql: auth, version header, the leaky bucket
 *   oauth.c    /api/oauth/authorize and /api/oauth/token, with rotation
 *   control.c  /_sim controls and the fault switches of its own
 */
#ifndef JOBBER_H
#define JOBBER_H

#include "common/sim.h"
#include "jobber/graphql.h"

#define JB_ID_MAX 64

struct jb_user {
	char id[JB_ID_MAX];
	char first[24], last[24];
	int64_t created;
	int hidden; /* deactivated: gone from users */
};

struct jb_client {
	char id[JB_ID_MAX];
	char first[24], last[24];
	const char *company;            /* NULL: a person */
	const char *lead_source;        /* Client.leadSource; NULL: null */
	const char *display_lead_source; /* sourceAttribution.displayLeadSource */
	int64_t created, updated;
	int is_lead, hidden;
};

struct jb_job {
	char id[JB_ID_MAX];
	int number;
	int client;
	const char *status;  /* JobStatusTypeEnum, lower case on the wire */
	int recurring;
	const char *title;
	int64_t created, updated;
	int64_t start_at, end_at, completed_at; /* 0: null */
	int64_t total_mills; /* dollars x 1000: totals with a third decimal occur */
	int hidden;
};

struct jb_quote {
	char id[JB_ID_MAX];
	int number;
	int client;
	const char *status;  /* QuoteStatusTypeEnum */
	int64_t created, updated, sent_at;
	int64_t subtotal_mills, tax_mills;
	int hidden;
};

struct jb_data {
	struct jb_user *users;
	size_t n_users;
	struct jb_client *clients;
	size_t n_clients;
	struct jb_job *jobs;
	size_t n_jobs;
	struct jb_quote *quotes;
	size_t n_quotes;
	const char *tz;
	int64_t now;
	uint64_t version; /* bumped by every change */
};

struct jb_gen_options {
	uint64_t seed;
	size_t users, clients, jobs, quotes;
	int64_t now;
	const char *tz;
};

/* Jobber's own switches (/_sim/config), beside sim_faults. */
struct jb_faults {
	int bucket_max, restore_rate;   /* the leaky bucket: 10000 points, 500 a second */
	int ddos_limit;                 /* requests per 300 s before a 429 (2500) */
	int access_ttl;                 /* seconds an access token lives (3600) */
	int mutate_on_page;             /* a job changes when that page of jobs is served */
	int require_version;            /* 1: no X-JOBBER-GRAPHQL-VERSION, no answer */
	int token_status;               /* answer the token endpoint with it */
	int rotation;                   /* 1: each refresh returns a new refresh token */
	int deny;                       /* 1: the user refuses consent */
	int query_error;                /* the next N queries fail with a GraphQL error */
};

extern struct jb_data jb_data;
extern struct jb_faults jb_faults;

int jb_generate(struct jb_data *d, const struct jb_gen_options *o);
void jb_data_free(struct jb_data *d);
/* Money as Jobber writes a Float: "425.5", "19.99", "1200.0", "33.335". */
void jb_money_text(int64_t mills, char *out, size_t len);
/* An EncodedId: base64 of "gid://Jobber/<type>/<n>". */
void jb_encode_id(const char *type, long n, char *out, size_t len);

/* The oracle: a client's lead source as a report reads it (its
 * leadSource, else its displayLeadSource), the channel meant for it, and
 * whether and when a job counts. */
const char *jb_client_lead_source(const struct jb_client *c);
enum sim_channel jb_channel_of(const struct jb_data *d, const char *raw);
int jb_job_counts(const struct jb_job *j, int *ymd);
int64_t jb_cents(int64_t mills); /* rounded half away from zero */
const char *jb_pick_vocab(uint64_t *s, enum sim_channel ch);

/* schema.c: run a parsed document against the account.  On success the
 * result's "data" (a new object) and the query's cost: requested (from
 * first/last, 100 when neither) and actual (from what was returned).
 * On a query error, a new "errors" array and -1. */
struct jb_query {
	const struct gql_document *doc;
	struct json_object *variables; /* borrowed; may be NULL */
	int64_t requested_cost, actual_cost;
	struct json_object *data, *errors;
};
int jb_validate(struct jb_query *q);
int jb_execute(struct jb_query *q);

/* oauth.c */
int jb_oauth_route(struct sim_request *rq, enum MHD_Result *ret);
/* The access token of an Authorization header: 0 valid, -1 missing or
 * unknown, -2 expired. */
int jb_access_check(const char *authorization);
void jb_oauth_stats(struct json_object *o);
/* Every access token issued so far expires now (/_sim/expire). */
void jb_oauth_expire(void);
/* The app is disconnected: no refresh token is live (/_sim/revoke). */
void jb_oauth_revoke(void);
/* The one live refresh token ("" when none), for tests. */
const char *jb_oauth_refresh_token(void);
int jb_oauth_option(const char *name, const char *value);
void jb_oauth_release(void);

/* api.c */
enum MHD_Result jb_api(struct sim_request *rq);
void jb_api_stats(struct json_object *o);

/* control.c */
/* A page of jobs starting at start is being served: what the CRM does
 * meanwhile (mutate_on_page). */
void jb_page_served(size_t start, size_t page_size);
int jb_control(struct sim_request *rq, const char *name, enum MHD_Result *ret);
int jb_set_fault(const char *key, const char *value);

#endif
