/*
 * hcpsim: a Housecall Pro API simulator on loopback, for tests and the
 * demo.  The server, the common faults and controls are tests/sim/common;
 * this folder holds what is Housecall Pro's: its data (data.c), its JSON
 * shapes (json.c), its API (api.c) and its controls (control.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "housecallpro/hcp.h"

struct hcp_data hcp_data;
const struct hcp_data *hcp_current = &hcp_data;
const char *hcp_api_key = "sim-key";

static struct hcp_gen_options gen = { 1, 23676, 21829, 8174, 0, 0, "America/Chicago" };
static char *key_from_file;

static char *read_key(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return n ? strdup(buf) : NULL;
}

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);

	if (*end || v[0] == '-')
		return -1;
	*out = (size_t)n;
	return 1;
}

static int option(const char *name, const char *v)
{
	if (strcmp(name, "dataset") == 0) {
		if (strcmp(v, "small") == 0) {
			gen.jobs = 2400;
			gen.customers = 1500;
			gen.estimates = 500;
		} else if (strcmp(v, "plumbing") != 0) {
			return -1;
		}
		return 1;
	}
	if (strcmp(name, "jobs") == 0)
		return parse_size(v, &gen.jobs);
	if (strcmp(name, "customers") == 0)
		return parse_size(v, &gen.customers);
	if (strcmp(name, "estimates") == 0)
		return parse_size(v, &gen.estimates);
	if (strcmp(name, "ties") == 0)
		return parse_size(v, &gen.ties);
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
	if (strcmp(name, "api-key") == 0) {
		hcp_api_key = v;
		return 1;
	}
	if (strcmp(name, "api-key-file") == 0) {
		/* Keeps the key off the command line, where ps shows it. */
		free(key_from_file);
		key_from_file = read_key(v);
		if (!key_from_file)
			return -1;
		hcp_api_key = key_from_file;
		return 1;
	}
	return 0;
}

static int generate(void)
{
	if (hcp_generate(&hcp_data, &gen) < 0)
		return -1;
	fprintf(stderr, "hcpsim: %zu jobs, %zu customers, %zu estimates\n", hcp_data.n_jobs,
		hcp_data.n_customers, hcp_data.n_estimates);
	return 0;
}

static void stats(struct json_object *o)
{
	json_object_object_add(o, "jobs", json_object_new_int64((int64_t)hcp_data.n_jobs));
	json_object_object_add(o, "customers", json_object_new_int64((int64_t)hcp_data.n_customers));
	json_object_object_add(o, "estimates", json_object_new_int64((int64_t)hcp_data.n_estimates));
}

static void release(void)
{
	hcp_api_release();
	hcp_data_free(&hcp_data);
	free(key_from_file);
	key_from_file = NULL;
}

int main(int argc, char **argv)
{
	static const struct sim_crm crm = {
		.name = "hcpsim",
		.usage = "[--dataset plumbing|small]\n"
			 "       [--jobs N --customers N --estimates N] [--ties N] [--seed N]\n"
			 "       [--tz ZONE] [--api-key KEY | --api-key-file F] [--now EPOCH]",
		.option = option,
		.generate = generate,
		.api = hcp_api,
		.control = hcp_control,
		.set_fault = hcp_set_fault,
		.stats = stats,
		.release = release,
	};

	gen.now = (int64_t)time(NULL);
	return sim_main(argc, argv, &crm);
}
