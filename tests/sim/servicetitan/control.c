/*
 * The ServiceTitan simulator's own controls:
 *   /_sim/expected?from=&to=&tz=  the oracle: report totals by the
 *                                 contract's ServiceTitan column
 *   /_sim/estimates?from=&to=&tz= estimates given and won per channel
 *                                 (their job's campaign)
 *   /_sim/campaign?id=N&name=TEXT | &category=NAME   a campaign renamed
 *                                 or moved to another category
 *   /_sim/mutate?jobs=N&seed=S    jobs change now (inside the export lag)
 *   /_sim/deactivate?jobs=N&seed=S  jobs set inactive (deleted)
 *   /_sim/vanish?jobs=N&seed=S    jobs hard-deleted: gone from every endpoint
 *   /_sim/expire                  every token issued so far expires now
 * and its switches (st_faults, st.h) through /_sim/config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "servicetitan/st.h"

struct st_faults st_faults = { .token_ttl = 900, .token_limit = 20, .export_size = 500 };

static enum MHD_Result expected(struct MHD_Connection *c)
{
	struct sim_tally t = { { 0 }, { 0 } };
	const char *tz;
	int lo, hi;

	if (sim_window(c, &lo, &hi, &tz) < 0)
		return sim_bad_window(c);
	sim_set_tz(tz ? tz : st_data.tz);
	for (size_t i = 0; i < st_data.n_jobs; i++) {
		const struct st_job *j = &st_data.jobs[i];
		enum sim_channel ch;
		int ymd;

		if (!st_job_counts(j, &ymd) || ymd < lo || ymd > hi)
			continue;
		ch = st_channel_of_campaign(&st_data, j->campaign);
		t.jobs[ch]++;
		t.cents[ch] += j->total_null ? 0 : j->total_cents;
	}
	return sim_send_json(c, 200, sim_tally_json(&t));
}

/* Estimates created in the window, given and won, in the channel of
 * their job's campaign (design.md: an estimate has no lead source of its
 * own in ServiceTitan), unknown when that job is deleted. */
static enum MHD_Result estimates(struct MHD_Connection *c)
{
	int64_t given[CH_COUNT] = { 0 }, won[CH_COUNT] = { 0 };
	struct json_object *o = json_object_new_object(), *cats = json_object_new_object();
	const char *tz;
	int lo, hi;

	if (sim_window(c, &lo, &hi, &tz) < 0) {
		json_object_put(o);
		json_object_put(cats);
		return sim_bad_window(c);
	}
	sim_set_tz(tz ? tz : st_data.tz);
	for (size_t i = 0; i < st_data.n_estimates; i++) {
		const struct st_estimate *e = &st_data.estimates[i];
		const struct st_job *j = &st_data.jobs[e->job];
		/* A deleted job leaves its estimates without a campaign. */
		enum sim_channel ch = j->active && !j->hidden
				      ? st_channel_of_campaign(&st_data, j->campaign) : CH_UNKNOWN;
		int ymd = sim_local_ymd(e->created.s);

		if (e->hidden || !e->active || ymd < lo || ymd > hi)
			continue;
		given[ch]++;
		won[ch] += strcmp(e->status, "Sold") == 0;
	}
	for (int ch = 0; ch < CH_COUNT; ch++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "estimates_given", json_object_new_int64(given[ch]));
		json_object_object_add(e, "estimates_won", json_object_new_int64(won[ch]));
		json_object_object_add(cats, sim_channel_names[ch], e);
	}
	json_object_object_add(o, "categories", cats);
	return sim_send_json(c, 200, o);
}

static enum MHD_Result campaign(struct MHD_Connection *c)
{
	long id = sim_arg_long(c, "id", -1);
	const char *name = sim_arg(c, "name"), *category = sim_arg(c, "category");

	for (size_t i = 0; i < st_data.n_campaigns; i++) {
		struct st_campaign *k = &st_data.campaigns[i];

		if (k->id != id)
			continue;
		if (name)
			snprintf(k->name, sizeof k->name, "%s", name);
		for (size_t n = 0; category && n < st_data.n_categories; n++)
			if (strcmp(st_data.categories[n].name, category) == 0)
				k->category = (int)n;
		k->modified = st_now();
		return sim_send_json(c, 200, st_campaign_json(k));
	}
	return sim_send_json_text(c, 404, "{\"message\":\"no such campaign\"}");
}

/* mutate, deactivate or vanish N jobs picked by seed. */
static enum MHD_Result change(struct MHD_Connection *c, const char *what)
{
	long n = sim_arg_long(c, "jobs", 1);
	uint64_t s = (uint64_t)sim_arg_long(c, "seed", 7);
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();

	for (long k = 0; k < n; k++) {
		struct st_job *j = &st_data.jobs[sim_rnd(&s, st_data.n_jobs)];

		if (strcmp(what, "mutate") == 0) {
			j->status = "Completed";
			j->completed = (struct st_time){ (int64_t)time(NULL) - 86400, 0 };
			j->total_cents += 10000;
			j->total_null = 0;
			j->active = 1;
		} else if (strcmp(what, "deactivate") == 0) {
			j->active = 0;
		} else {
			j->hidden = 1;
		}
		j->modified = st_now();
		json_object_array_add(ids, json_object_new_int64(j->id));
	}
	json_object_object_add(o, "changed", ids);
	return sim_send_json(c, 200, o);
}

int st_control(struct sim_request *rq, const char *name, enum MHD_Result *ret)
{
	if (strcmp(name, "expected") == 0)
		*ret = expected(rq->c);
	else if (strcmp(name, "estimates") == 0)
		*ret = estimates(rq->c);
	else if (strcmp(name, "campaign") == 0)
		*ret = campaign(rq->c);
	else if (!strcmp(name, "mutate") || !strcmp(name, "deactivate") || !strcmp(name, "vanish"))
		*ret = change(rq->c, name);
	else if (strcmp(name, "expire") == 0) {
		st_api_expire_tokens();
		*ret = sim_send_json_text(rq->c, 200, "{}");
	} else
		return 0;
	return 1;
}

int st_set_fault(const char *key, const char *value)
{
	struct st_faults *f = &st_faults;
	struct { const char *name; int *field; } table[] = {
		{ "token_ttl", &f->token_ttl }, { "token_limit", &f->token_limit },
		{ "token_status", &f->token_status }, { "export_size", &f->export_size },
		{ "deactivate_on_page", &f->deactivate_on_page },
		{ "deactivate_jobs", &f->deactivate_jobs },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(key, table[i].name) == 0) {
			*table[i].field = (int)strtol(value, NULL, 10);
			return 1;
		}
	return 0;
}
