/*
 * /_sim/attribution?from&to&tz&model=last|first: the report's attribution
 * figures computed from the simulator's own records, by the definitions
 * of design.md ("Attribution figures") and with none of leadledger's
 * code: dates through libc localtime_r, customers by index, the first job
 * of each customer found by a scan of every job.
 */
#include <stdlib.h>
#include <string.h>

#include "housecallpro/hcp.h"

struct figures {
	int64_t jobs, cents, new_jobs, new_cents, repeat_customers, canceled, given, won;
};

/* Local date of a job's report date: completed, else scheduled, else created. */
static int job_ymd(const struct hcp_job *j)
{
	return sim_local_ymd(j->completed_at ? j->completed_at
			     : j->scheduled_start ? j->scheduled_start : j->created);
}

static int live(const struct hcp_job *j)
{
	return !j->hidden && !j->deleted_at;
}

/* a before b: by key, then by id compared byte by byte. */
static int before(int64_t ka, const char *ida, int64_t kb, const char *idb)
{
	return ka != kb ? ka < kb : strcmp(ida, idb) < 0;
}

static void add_json(struct json_object *o, const struct figures *f)
{
	json_object_object_add(o, "jobs", json_object_new_int64(f->jobs));
	json_object_object_add(o, "revenue_cents", json_object_new_int64(f->cents));
	json_object_object_add(o, "new_customer_jobs", json_object_new_int64(f->new_jobs));
	json_object_object_add(o, "new_customer_revenue_cents", json_object_new_int64(f->new_cents));
	json_object_object_add(o, "repeat_customers", json_object_new_int64(f->repeat_customers));
	json_object_object_add(o, "canceled_jobs", json_object_new_int64(f->canceled));
	json_object_object_add(o, "estimates_given", json_object_new_int64(f->given));
	json_object_object_add(o, "estimates_won", json_object_new_int64(f->won));
}

enum MHD_Result hcp_attribution(struct MHD_Connection *c)
{
	const struct hcp_data *d = &hcp_data;
	const char *tz, *model = sim_arg(c, "model");
	int first = model && strcmp(model, "first") == 0, lo, hi;
	long *first_counted, *first_created;
	unsigned char *seen; /* customer x (channel + total): a repeat job seen */
	struct figures f[CH_COUNT + 1];
	struct json_object *o, *cats;

	if (sim_window(c, &lo, &hi, &tz) < 0)
		return sim_bad_window(c);
	sim_set_tz(tz ? tz : d->tz);
	first_counted = malloc((d->n_customers + 1) * sizeof *first_counted);
	first_created = malloc((d->n_customers + 1) * sizeof *first_created);
	seen = calloc((d->n_customers + 1) * (CH_COUNT + 1), 1);
	if (!first_counted || !first_created || !seen) {
		free(first_counted);
		free(first_created);
		free(seen);
		return sim_send_json_text(c, 500, "{\"message\":\"out of memory\"}");
	}
	for (size_t k = 0; k < d->n_customers; k++)
		first_counted[k] = first_created[k] = -1;
	for (size_t i = 0; i < d->n_jobs; i++) {
		const struct hcp_job *j = &d->jobs[i];
		long *fc = &first_counted[j->customer], *fr = &first_created[j->customer];
		enum sim_channel ch;
		int ymd;

		if (hcp_job_counts(d, j, &ymd, &ch) &&
		    (*fc < 0 || before(ymd, j->id, job_ymd(&d->jobs[*fc]), d->jobs[*fc].id)))
			*fc = (long)i;
		if (live(j) && (*fr < 0 || before(j->created, j->id, d->jobs[*fr].created,
						   d->jobs[*fr].id)))
			*fr = (long)i;
	}
	memset(f, 0, sizeof f);
	for (size_t i = 0; i < d->n_jobs; i++) {
		const struct hcp_job *j = &d->jobs[i], *owner;
		enum sim_channel ch;
		int ymd, counted = hcp_job_counts(d, j, &ymd, &ch);

		if (!live(j) || (ymd = job_ymd(j)) < lo || ymd > hi)
			continue;
		/* Live, so its customer has a first job: maybe this one. */
		owner = first ? &d->jobs[first_created[j->customer]] : j;
		ch = hcp_source_channel(d, owner->lead_source, &d->customers[owner->customer]);
		for (int t = 0; t < 2; t++) {
			struct figures *x = &f[t ? CH_COUNT : ch];
			unsigned char *s = &seen[(size_t)j->customer * (CH_COUNT + 1) +
						 (t ? CH_COUNT : ch)];

			if (counted) {
				x->jobs++;
				x->cents += j->total_amount;
				if (first_counted[j->customer] == (long)i) {
					x->new_jobs++;
					x->new_cents += j->total_amount;
				} else if (!*s) {
					*s = 1;
					x->repeat_customers++;
				}
			} else if (strstr(j->work_status, "cancel")) {
				x->canceled++;
			}
		}
	}
	for (size_t i = 0; i < d->n_estimates; i++) {
		const struct hcp_estimate *e = &d->estimates[i];
		enum sim_channel ch = hcp_source_channel(d, e->lead_source, &d->customers[e->customer]);
		int ymd = sim_local_ymd(e->created),
		    won = e->approval && (strcmp(e->approval, "approved") == 0 ||
					  strcmp(e->approval, "pro approved") == 0);

		if (e->hidden || ymd < lo || ymd > hi)
			continue;
		f[ch].given++;
		f[CH_COUNT].given++;
		f[ch].won += won;
		f[CH_COUNT].won += won;
	}
	free(first_counted);
	free(first_created);
	free(seen);
	o = json_object_new_object();
	cats = json_object_new_object();
	for (int ch = 0; ch < CH_COUNT; ch++) {
		struct json_object *e = json_object_new_object();

		add_json(e, &f[ch]);
		json_object_object_add(cats, sim_channel_names[ch], e);
	}
	json_object_object_add(o, "model", json_object_new_string(first ? "first" : "last"));
	json_object_object_add(o, "categories", cats);
	json_object_object_add(o, "total", json_object_new_object());
	add_json(json_object_object_get(o, "total"), &f[CH_COUNT]);
	return sim_send_json(c, 200, o);
}
