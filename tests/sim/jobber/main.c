/*
 * jobbersim: a Jobber API simulator on loopback, for tests, the demo and
 * the benchmarks (jobber.h).  The server, the common faults and controls
 * are tests/sim/common.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobber/jobber.h"

struct jb_data jb_data;

static struct jb_gen_options gen = { 3, 8, 3000, 8000, 1500, 0, "America/New_York" };

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
	int rc = jb_oauth_option(name, v);

	if (rc)
		return rc;
	if (strcmp(name, "dataset") == 0) {
		if (strcmp(v, "small") == 0) {
			gen.clients = 600;
			gen.jobs = 2000;
			gen.quotes = 300;
		} else if (strcmp(v, "lawn") != 0) {
			return -1;
		}
		return 1;
	}
	if (strcmp(name, "users") == 0)
		return parse_size(v, &gen.users);
	if (strcmp(name, "clients") == 0)
		return parse_size(v, &gen.clients);
	if (strcmp(name, "jobs") == 0)
		return parse_size(v, &gen.jobs);
	if (strcmp(name, "quotes") == 0)
		return parse_size(v, &gen.quotes);
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
	if (jb_generate(&jb_data, &gen) < 0)
		return -1;
	fprintf(stderr, "jobbersim: %zu users, %zu clients, %zu jobs, %zu quotes\n", jb_data.n_users,
		jb_data.n_clients, jb_data.n_jobs, jb_data.n_quotes);
	return 0;
}

static void stats(struct json_object *o)
{
	jb_api_stats(o);
	jb_oauth_stats(o);
	json_object_object_add(o, "jobs", json_object_new_int64((int64_t)jb_data.n_jobs));
	json_object_object_add(o, "clients", json_object_new_int64((int64_t)jb_data.n_clients));
	json_object_object_add(o, "quotes", json_object_new_int64((int64_t)jb_data.n_quotes));
}

static void release(void)
{
	jb_oauth_release();
	jb_data_free(&jb_data);
}

int main(int argc, char **argv)
{
	static const struct sim_crm crm = {
		.name = "jobbersim",
		.usage = "[--dataset lawn|small]\n"
			 "       [--users N --clients N --jobs N --quotes N] [--seed N] [--tz ZONE]\n"
			 "       [--now EPOCH] [--client-id ID] [--client-secret-file F]\n"
			 "       [--refresh-token-file F]",
		.option = option,
		.generate = generate,
		.api = jb_api,
		.control = jb_control,
		.set_fault = jb_set_fault,
		.stats = stats,
		.release = release,
	};

	gen.now = (int64_t)time(NULL);
	return sim_main(argc, argv, &crm);
}
