/*
 * Housecall Pro simulator: data model shared by the generator and the
 * HTTP server.  All access happens under sim_lock.
 *
 * The generator knows the channel it meant each lead source to land in,
 * so /_sim/expected computes report totals independently of leadledger:
 * its own time-zone cut (libc localtime_r), its own status and date rules.
 */
#ifndef SIM_H
#define SIM_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum sim_channel { CH_WEBSITE, CH_GOOGLE, CH_SOCIAL, CH_REPEAT, CH_AI, CH_REFERRAL,
		   CH_DIRECT, CH_UNKNOWN, CH_COUNT };

extern const char *const sim_channel_names[CH_COUNT];

struct sim_employee {
	char id[40];
	const char *first, *last;
	int64_t created;
};

struct sim_customer {
	char id[40];
	char first[24], last[24];
	const char *lead_source; /* NULL means JSON null */
	int64_t created, updated;
};

struct sim_job {
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

struct sim_estimate {
	char id[40], option_id[40];
	int customer;
	const char *work_status;
	const char *lead_source;
	int64_t created, updated;
	int64_t amount;
	const char *approval;
	int hidden;   /* vanished from the API */
};

struct sim_data {
	struct sim_employee *employees;
	size_t n_employees;
	struct sim_customer *customers;
	size_t n_customers;
	struct sim_job *jobs;
	size_t n_jobs;
	struct sim_estimate *estimates;
	size_t n_estimates;
	char company_id[40];
	const char *tz;
	int64_t now;
	uint64_t version; /* bumped by every change: invalidates sort caches */
};

struct sim_gen_options {
	uint64_t seed;
	size_t jobs, customers, estimates;
	size_t ties;      /* this many jobs share one updated_at */
	int64_t now;      /* epoch seconds */
	const char *tz;
};

extern pthread_mutex_t sim_lock;

uint64_t sim_rand(uint64_t *state);
int sim_generate(struct sim_data *d, const struct sim_gen_options *o);
void sim_data_free(struct sim_data *d);

/* Channel the generator intended for a raw lead source. */
enum sim_channel sim_channel_of(const struct sim_data *d, const char *raw);
/* A job's local date (YYYYMMDD as an integer) in tz, and whether it counts. */
int sim_job_counts(const struct sim_data *d, const struct sim_job *j, int *ymd,
		   enum sim_channel *ch);

/* JSON in the API's shapes, rendered from sim_current (under sim_lock).
 * Each returns a new object the caller puts. */
extern const struct sim_data *sim_current;
struct json_object;
struct json_object *sim_employee_json(const struct sim_employee *e);
struct json_object *sim_customer_json(const struct sim_customer *c, int with_addresses);
struct json_object *sim_job_json(const struct sim_job *j);
struct json_object *sim_estimate_json(const struct sim_estimate *e);

#endif
