/*
 * The Housecall Pro simulator's data model, shared by its generator
 * (data.c), its JSON shapes (json.c), its API (api.c) and its controls
 * (control.c).  Everything here is touched under sim_lock only.
 *
 * The generator knows the channel it meant each lead source to land in,
 * so /_sim/expected computes report totals independently of leadledger:
 * its own time-zone cut (libc localtime_r), its own status and date rules.
 */
#ifndef HCP_H
#define HCP_H

#include "common/sim.h"

struct hcp_employee {
	char id[40];
	char first[24], last[24];
	int64_t created;
	int hidden; /* deactivated: gone from /employees */
};

struct hcp_customer {
	char id[40];
	char first[24], last[24];
	const char *lead_source; /* NULL means JSON null */
	int64_t created, updated;
};

struct hcp_job {
	char id[40];
	int customer;
	const char *work_status;
	const char *lead_source;
	int64_t created, updated;
	int64_t scheduled_start, completed_at, started_at, deleted_at; /* 0: null */
	int64_t total_amount;
	int invoice_number;
	int employee; /* -1: none */
	int hidden;   /* vanished from the API */
};

struct hcp_estimate {
	char id[40], option_id[40];
	int customer;
	const char *work_status;
	const char *lead_source;
	int64_t created, updated;
	int64_t amount;
	const char *approval;
	int hidden;   /* vanished from the API */
};

struct hcp_data {
	struct hcp_employee *employees;
	size_t n_employees;
	struct hcp_customer *customers;
	size_t n_customers;
	struct hcp_job *jobs;
	size_t n_jobs;
	struct hcp_estimate *estimates;
	size_t n_estimates;
	char company_id[40];
	const char *tz;
	int64_t now;
	uint64_t version; /* bumped by every change: invalidates sort caches */
};

struct hcp_gen_options {
	uint64_t seed;
	size_t jobs, customers, estimates;
	size_t ties;      /* this many jobs share one updated_at */
	int64_t now;      /* epoch seconds */
	const char *tz;
};

/* Housecall Pro's own fault switches (/_sim/config), beside sim_faults. */
struct hcp_faults {
	int mutate_on_page; /* bump a job's updated_at when that page of /jobs is served */
	int hostile_page;   /* serve that page of /jobs as `hostile` */
	int vanish_on_page, vanish_jobs, vanish_seed;
	int lookup_status;  /* answer GET /jobs/{id}, /customers/{id} with it */
	char hostile[32];
	char fail_list[16]; /* answer this listing ("customers") with fail_list_status */
	int fail_list_status;
};

extern struct hcp_data hcp_data;
extern const struct hcp_data *hcp_current;
extern struct hcp_faults hcp_faults;
extern const char *hcp_api_key; /* what Authorization must carry */

int hcp_generate(struct hcp_data *d, const struct hcp_gen_options *o);
void hcp_data_free(struct hcp_data *d);

/* Channel the generator intended for a raw lead source.  An employee's
 * name is a referral while that employee is on the list. */
enum sim_channel hcp_channel_of(const struct hcp_data *d, const char *raw);
/* A raw lead source of the generator's vocabulary in channel ch. */
const char *hcp_pick_vocab(uint64_t *s, enum sim_channel ch);
/* A job's local date (YYYYMMDD as an integer) in the current TZ, and
 * whether it counts. */
int hcp_job_counts(const struct hcp_data *d, const struct hcp_job *j, int *ymd,
		   enum sim_channel *ch);
/* The channel of a job or estimate: its own lead source, else its
 * customer's. */
enum sim_channel hcp_source_channel(const struct hcp_data *d, const char *own,
				    const struct hcp_customer *c);
/* /_sim/attribution (attribution.c): the report's attribution figures. */
enum MHD_Result hcp_attribution(struct MHD_Connection *c);

/* JSON in the API's shapes, rendered from hcp_current.  Each returns a new
 * object the caller puts. */
struct json_object *hcp_employee_json(const struct hcp_employee *e);
struct json_object *hcp_customer_json(const struct hcp_customer *c, int with_addresses);
struct json_object *hcp_job_json(const struct hcp_job *j);
struct json_object *hcp_estimate_json(const struct hcp_estimate *e);

/* api.c */
enum MHD_Result hcp_api(struct sim_request *rq);
/* Bump job i as a CRM edit would: new updated_at, completed in the window. */
void hcp_mutate_job(size_t i, int64_t now);
void hcp_api_release(void);

/* control.c */
int hcp_control(struct sim_request *rq, const char *name, enum MHD_Result *ret);
int hcp_set_fault(const char *key, const char *value);

#endif
