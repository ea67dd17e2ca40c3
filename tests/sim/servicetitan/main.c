/*
 * stsim: a ServiceTitan API simulator on loopback, for tests, the demo
 * and the benchmarks (st.h).  The server, the common faults and controls
 * are tests/sim/common.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "servicetitan/st.h"

struct st_data st_data;

static struct st_gen_options gen = { 4, 3000, 9000, 2500, 0, "America/Chicago" };

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);

	if (*end || v[0] == '-' || !v[0])
		return -1;
	*out = (size_t)n;
	return 1;
}

static int option(const char *name, const char *v)
{
	int rc = st_api_option(name, v);

	if (rc)
		return rc;
	if (strcmp(name, "dataset") == 0) {
		if (strcmp(v, "small") == 0) {
			gen.customers = 800;
			gen.jobs = 2400;
			gen.estimates = 600;
		} else if (strcmp(v, "hvac") != 0) {
			return -1;
		}
		return 1;
	}
	if (strcmp(name, "customers") == 0)
		return parse_size(v, &gen.customers);
	if (strcmp(name, "jobs") == 0)
		return parse_size(v, &gen.jobs);
	if (strcmp(name, "estimates") == 0)
		return parse_size(v, &gen.estimates);
	if (strcmp(name, "seed") == 0) {
		gen.seed = strtoull(v, NULL, 10);
		return 1;
	}
	if (strcmp(name, "now") == 0) {
		gen.now = strtoll(v, NULL, 10);
		return 1;
	}
	if (strcmp(name, "tz") == 0) {
		gen.tz = v;
		return 1;
	}
	return 0;
}

static int generate(void)
{
	if (st_generate(&st_data, &gen) < 0)
		return -1;
	fprintf(stderr, "stsim: %zu campaigns, %zu customers, %zu jobs, %zu estimates\n",
		st_data.n_campaigns, st_data.n_customers, st_data.n_jobs, st_data.n_estimates);
	return 0;
}

static void stats(struct json_object *o)
{
	st_api_stats(o);
	json_object_object_add(o, "jobs", json_object_new_int64((int64_t)st_data.n_jobs));
}

static void release(void)
{
	st_data_free(&st_data);
}

int main(int argc, char **argv)
{
	static const struct sim_crm crm = {
		.name = "stsim",
		.usage = "[--dataset hvac|small] [--customers N --jobs N --estimates N]\n"
			 "       [--seed N] [--tz ZONE] [--now EPOCH] [--client-id ID]\n"
			 "       [--client-secret-file F] [--app-key-file F]",
		.option = option,
		.generate = generate,
		.api = st_api,
		.control = st_control,
		.set_fault = st_set_fault,
		.stats = stats,
		.release = release,
	};

	gen.now = (int64_t)time(NULL);
	return sim_main(argc, argv, &crm);
}
