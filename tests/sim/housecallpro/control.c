/*
 * The Housecall Pro simulator's own controls: /_sim/expected (the
 * oracle; /_sim/attribution in attribution.c), /_sim/mutate, /_sim/delete, /_sim/vanish (?jobs=N or
 * ?estimates=N), /_sim/silent, /_sim/restore (every vanished record is
 * back), /_sim/hidden (ids of vanished records), /_sim/relabel (customers'
 * lead sources change, their jobs untouched), /_sim/employees (the
 * employee list changes), and its fault switches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "housecallpro/hcp.h"

struct hcp_faults hcp_faults = { .vanish_seed = 7, .fail_list_status = 400 };

static enum MHD_Result expected(struct MHD_Connection *c)
{
	struct sim_tally t = { { 0 }, { 0 } };
	const char *tz;
	int lo, hi;

	if (sim_window(c, &lo, &hi, &tz) < 0)
		return sim_bad_window(c);
	sim_set_tz(tz ? tz : hcp_data.tz);
	for (size_t i = 0; i < hcp_data.n_jobs; i++) {
		enum sim_channel ch;
		int ymd;

		if (hcp_job_counts(&hcp_data, &hcp_data.jobs[i], &ymd, &ch) && ymd >= lo &&
		    ymd <= hi) {
			t.jobs[ch]++;
			t.cents[ch] += hcp_data.jobs[i].total_amount;
		}
	}
	return sim_send_json(c, 200, sim_tally_json(&t));
}

static void restore(void)
{
	for (size_t i = 0; i < hcp_data.n_jobs; i++)
		hcp_data.jobs[i].hidden = 0;
	for (size_t i = 0; i < hcp_data.n_estimates; i++)
		hcp_data.estimates[i].hidden = 0;
}

/* /_sim/mutate|delete|vanish|silent?jobs=N&seed=S: change N jobs picked by
 * seed; /_sim/vanish?estimates=N: N estimates disappear instead. */
static enum MHD_Result change(struct MHD_Connection *c, const char *what)
{
	long n = sim_arg_long(c, "jobs", 1), n_est = sim_arg_long(c, "estimates", 0);
	uint64_t s = (uint64_t)sim_arg_long(c, "seed", 7);
	int64_t now = (int64_t)time(NULL);
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();

	if (strcmp(what, "restore") == 0) {
		restore();
		n = 0;
	}
	if (n_est > 0) {
		for (long k = 0; k < n_est && hcp_data.n_estimates > 0; k++) {
			struct hcp_estimate *e = &hcp_data.estimates[sim_rnd(&s, hcp_data.n_estimates)];

			e->hidden = 1;
			json_object_array_add(ids, json_object_new_string(e->id));
		}
		n = 0;
	}
	for (long k = 0; k < n && hcp_data.n_jobs > 0; k++) {
		size_t i = (size_t)sim_rnd(&s, hcp_data.n_jobs);
		struct hcp_job *j = &hcp_data.jobs[i];

		if (strcmp(what, "mutate") == 0) {
			hcp_mutate_job(i, now);
		} else if (strcmp(what, "delete") == 0) {
			j->work_status = "pro canceled";
			j->deleted_at = now;
			j->updated = now;
		} else if (strcmp(what, "vanish") == 0) {
			j->hidden = 1;
		} else {
			j->total_amount += 777; /* silent: updated_at not bumped */
		}
		json_object_array_add(ids, json_object_new_string(j->id));
	}
	hcp_data.version++;
	json_object_object_add(o, "changed", ids);
	return sim_send_json(c, 200, o);
}

/* The ids of jobs and estimates that vanished, for oracles. */
static enum MHD_Result hidden_ids(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object(), *j = json_object_new_array(),
			   *e = json_object_new_array();

	for (size_t i = 0; i < hcp_data.n_jobs; i++)
		if (hcp_data.jobs[i].hidden)
			json_object_array_add(j, json_object_new_string(hcp_data.jobs[i].id));
	for (size_t i = 0; i < hcp_data.n_estimates; i++)
		if (hcp_data.estimates[i].hidden)
			json_object_array_add(e, json_object_new_string(hcp_data.estimates[i].id));
	json_object_object_add(o, "jobs", j);
	json_object_object_add(o, "estimates", e);
	return sim_send_json(c, 200, o);
}

/* Customers with a job that takes their lead source (its own is blank),
 * in data order: changing theirs moves reports. */
static size_t lending_customers(size_t *out)
{
	size_t n = 0;

	for (size_t i = 0; i < hcp_data.n_customers; i++)
		out[i] = 0;
	for (size_t i = 0; i < hcp_data.n_jobs; i++) {
		const struct hcp_job *j = &hcp_data.jobs[i];
		const char *own = j->lead_source;

		if ((!own || strspn(own, " ") == strlen(own)) && !out[j->customer]) {
			out[j->customer] = 1;
			n++;
		}
	}
	return n;
}

/* /_sim/relabel?customers=N&seed=S: N customers whose jobs fall back on
 * them get a new lead source, as an office edit in the CRM does: their
 * updated_at moves, their jobs' does not.  The first goes blank, the
 * second becomes an employee's first name, the rest another channel's. */
static enum MHD_Result relabel(struct MHD_Connection *c)
{
	long want = sim_arg_long(c, "customers", 12);
	uint64_t s = (uint64_t)sim_arg_long(c, "seed", 11);
	size_t *lends = calloc(hcp_data.n_customers + 1, sizeof *lends), n;
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();
	int64_t now = (int64_t)time(NULL);

	if (!lends) {
		json_object_put(ids);
		json_object_put(o);
		return MHD_NO;
	}
	n = lending_customers(lends);
	for (long k = 0; k < want && n > 0; k++) {
		size_t pick = (size_t)sim_rnd(&s, n), i = 0;
		struct hcp_customer *cu;

		for (; i < hcp_data.n_customers; i++)
			if (lends[i] == 1 && pick-- == 0)
				break;
		cu = &hcp_data.customers[i];
		lends[i] = 2; /* changed once */
		n--;
		if (k == 0) {
			cu->lead_source = NULL;
		} else if (k == 1) {
			cu->lead_source = "Jenny";
		} else {
			enum sim_channel was = hcp_channel_of(&hcp_data, cu->lead_source);

			cu->lead_source = hcp_pick_vocab(&s, (enum sim_channel)((was + 1 + k) % CH_COUNT));
		}
		cu->updated = now;
		json_object_array_add(ids, json_object_new_string(cu->id));
	}
	free(lends);
	hcp_data.version++;
	json_object_object_add(o, "changed", ids);
	return sim_send_json(c, 200, o);
}

static struct hcp_employee *employee_by_first(const char *first)
{
	for (size_t i = 0; first && i < hcp_data.n_employees; i++)
		if (strcmp(hcp_data.employees[i].first, first) == 0)
			return &hcp_data.employees[i];
	return NULL;
}

/* /_sim/employees?rename=FIRST&to=NEW, ?remove=FIRST (deactivated: gone
 * from the list), ?add=FIRST&last=LAST, ?restore=FIRST. */
static enum MHD_Result employees(struct MHD_Connection *c)
{
	const char *rename = sim_arg(c, "rename"), *to = sim_arg(c, "to");
	const char *add = sim_arg(c, "add"), *last = sim_arg(c, "last");
	struct hcp_employee *e;

	if (rename && to && (e = employee_by_first(rename))) {
		snprintf(e->first, sizeof e->first, "%s", to);
	} else if ((e = employee_by_first(sim_arg(c, "remove")))) {
		e->hidden = 1;
	} else if ((e = employee_by_first(sim_arg(c, "restore")))) {
		e->hidden = 0;
	} else if (add) {
		struct hcp_employee *v = realloc(hcp_data.employees,
						 (hcp_data.n_employees + 1) * sizeof *v);
		uint64_t s = hcp_data.n_employees + 1000;

		if (!v)
			return MHD_NO;
		hcp_data.employees = v;
		e = &v[hcp_data.n_employees++];
		memset(e, 0, sizeof *e);
		sim_make_id(&s, "pro_", e->id);
		snprintf(e->first, sizeof e->first, "%s", add);
		snprintf(e->last, sizeof e->last, "%s", last ? last : "");
		e->created = (int64_t)time(NULL);
	} else {
		return sim_send_json_text(c, 400, "{\"message\":\"rename&to, remove, restore or add\"}");
	}
	hcp_data.version++;
	return sim_send_json(c, 200, hcp_employee_json(e));
}

int hcp_control(struct sim_request *rq, const char *name, enum MHD_Result *ret)
{
	static const char *const changes[] = { "mutate", "delete", "vanish", "silent", "restore" };

	if (strcmp(name, "expected") == 0) {
		*ret = expected(rq->c);
		return 1;
	}
	if (strcmp(name, "attribution") == 0) {
		*ret = hcp_attribution(rq->c);
		return 1;
	}
	if (strcmp(name, "hidden") == 0) {
		*ret = hidden_ids(rq->c);
		return 1;
	}
	if (strcmp(name, "relabel") == 0) {
		*ret = relabel(rq->c);
		return 1;
	}
	if (strcmp(name, "employees") == 0) {
		*ret = employees(rq->c);
		return 1;
	}
	for (size_t i = 0; i < sizeof changes / sizeof changes[0]; i++)
		if (strcmp(name, changes[i]) == 0) {
			*ret = change(rq->c, name);
			return 1;
		}
	return 0;
}

int hcp_set_fault(const char *key, const char *value)
{
	struct hcp_faults *f = &hcp_faults;
	struct { const char *name; int *field; } table[] = {
		{ "mutate_on_page", &f->mutate_on_page }, { "hostile_page", &f->hostile_page },
		{ "vanish_on_page", &f->vanish_on_page }, { "vanish_jobs", &f->vanish_jobs },
		{ "vanish_seed", &f->vanish_seed }, { "lookup_status", &f->lookup_status },
		{ "fail_list_status", &f->fail_list_status },
	};

	if (strcmp(key, "hostile") == 0) {
		snprintf(f->hostile, sizeof f->hostile, "%s", value);
		return 1;
	}
	if (strcmp(key, "fail_list") == 0) {
		snprintf(f->fail_list, sizeof f->fail_list, "%s", value);
		return 1;
	}
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(key, table[i].name) == 0) {
			*table[i].field = (int)strtol(value, NULL, 10);
			return 1;
		}
	return 0;
}
