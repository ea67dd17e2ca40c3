/*
 * The ServiceTitan simulator (../shared/reference/jobber-servicetitan-api.md
 * §2, §3.5 to §3.9): an HVAC tenant behind ServiceTitan's REST API and its
 * client-credentials token endpoint.  Everything here is touched under
 * sim_lock.
 *
 *   data.c     the tenant: campaigns and their categories, customers (some
 *              merged), jobs, estimates; the oracle's rules
 *   json.c     the records in ServiceTitan's shapes (times with up to seven
 *              fractional digits, money as JSON numbers)
 *   api.c      the token endpoint, the app key, list, export and by-id
 *              endpoints, RFC 7807 errors
 *   control.c  /_sim controls and its own switches
 */
#ifndef ST_H
#define ST_H

#include "common/sim.h"

#define ST_TENANT 1234567
#define ST_LAG_S 900 /* exports hold back the last 15 minutes */

/* A ServiceTitan time: whole seconds and 100 ns ticks (.NET's 7 digits). */
struct st_time {
	int64_t s;
	int32_t ticks;
};

struct st_category {
	int64_t id;
	char name[40];
	int active;
};

struct st_campaign {
	int64_t id;
	char name[48];
	int category; /* index into categories */
	int active, is_default;
	struct st_time created, modified;
};

struct st_customer {
	int64_t id;
	char name[48];
	int active;
	int merged_to;      /* index of the customer it became, or -1 */
	struct st_time created, modified;
	int hidden;         /* hard-deleted: gone from every endpoint */
};

struct st_job {
	int64_t id;
	int customer, campaign;
	const char *status; /* Scheduled Dispatched InProgress Hold Completed Canceled */
	struct st_time created, modified, completed; /* completed.s 0: null */
	int64_t total_cents;
	int total_null;
	int active;
	int hidden;
};

struct st_estimate {
	int64_t id;
	int job, customer;
	const char *status; /* Open Sold Dismissed */
	struct st_time created, modified, sold; /* sold.s 0: null */
	int64_t subtotal_cents, tax_cents;
	int active;
	int hidden;
};

struct st_data {
	struct st_category *categories;
	size_t n_categories;
	struct st_campaign *campaigns;
	size_t n_campaigns;
	struct st_customer *customers;
	size_t n_customers;
	struct st_job *jobs;
	size_t n_jobs;
	struct st_estimate *estimates;
	size_t n_estimates;
	const char *tz;
	int64_t now;
};

struct st_gen_options {
	uint64_t seed;
	size_t customers, jobs, estimates;
	int64_t now;
	const char *tz;
};

/* Its own switches (/_sim/config). */
struct st_faults {
	int token_ttl;       /* expires_in of new tokens (900) */
	int token_limit;     /* token requests a minute before 429 (20) */
	int token_status;    /* answer the token endpoint with it */
	int export_size;     /* rows per export page (500) */
	/* When this page of the job list is served, the lowest-id active
	 * jobs are deactivated first: the list of active jobs shifts under a
	 * sweep (one-shot). */
	int deactivate_on_page, deactivate_jobs;
};

extern struct st_data st_data;
extern struct st_faults st_faults;

int st_generate(struct st_data *d, const struct st_gen_options *o);
void st_data_free(struct st_data *d);
/* Now, as ServiceTitan stamps a change. */
struct st_time st_now(void);
int st_time_cmp(struct st_time a, struct st_time b);

/* The oracle: the contract's ServiceTitan column. */
enum sim_channel st_channel_of_campaign(const struct st_data *d, int campaign);
int st_job_counts(const struct st_job *j, int *ymd);
const char *st_pick_campaign_name(uint64_t *s, enum sim_channel ch);

/* json.c: new objects in ServiceTitan's shapes. */
struct json_object *st_campaign_json(const struct st_campaign *c);
struct json_object *st_customer_json(const struct st_customer *c);
struct json_object *st_job_json(const struct st_job *j, int export_row);
struct json_object *st_estimate_json(const struct st_estimate *e);
void st_time_text(struct st_time t, char *out, size_t len);

/* api.c */
enum MHD_Result st_api(struct sim_request *rq);
void st_api_stats(struct json_object *o);
int st_api_option(const char *name, const char *value);
void st_api_expire_tokens(void);

/* control.c */
int st_control(struct sim_request *rq, const char *name, enum MHD_Result *ret);
int st_set_fault(const char *key, const char *value);

#endif
