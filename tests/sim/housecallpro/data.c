/* Deterministic Housecall Pro data sets (hcp.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "housecallpro/hcp.h"

#define DAY 86400

/* Every raw lead source the generator emits, with the channel meant. */
static const struct vocab {
	const char *raw;
	enum sim_channel ch;
} vocab[] = {
	{ "Google", CH_GOOGLE }, { "Google Ads", CH_GOOGLE }, { "GMB", CH_GOOGLE },
	{ "Google LSA", CH_GOOGLE }, { "google ads", CH_GOOGLE }, { "Local Services", CH_GOOGLE },
	{ "Online Booking", CH_WEBSITE }, { "Website", CH_WEBSITE }, { "Book Online", CH_WEBSITE },
	{ "Web Form", CH_WEBSITE },
	{ "Facebook", CH_SOCIAL }, { "Nextdoor", CH_SOCIAL }, { "Instagram", CH_SOCIAL },
	{ "existing customer", CH_REPEAT }, { "Repeat Customer", CH_REPEAT },
	{ "Returning Customer", CH_REPEAT }, { "  Past   Customer ", CH_REPEAT },
	{ "CSR AI", CH_AI }, { "AI Receptionist", CH_AI }, { "Voice AI", CH_AI },
	{ "Referral", CH_REFERRAL }, { "Referred by a friend", CH_REFERRAL },
	{ "Word of Mouth", CH_REFERRAL }, { "Mike", CH_REFERRAL },
	{ "carlos reyes", CH_REFERRAL }, { "Jenny", CH_REFERRAL },
	{ "Phone Call", CH_DIRECT }, { "Truck Wrap", CH_DIRECT }, { "Yard Sign", CH_DIRECT },
	{ "Direct Mail", CH_DIRECT },
	{ "Other", CH_UNKNOWN }, { "N/A", CH_UNKNOWN }, { "Groupon", CH_UNKNOWN },
	{ "", CH_UNKNOWN }, { "x'); DROP TABLE jobs; --", CH_UNKNOWN },
};
#define N_VOCAB (sizeof vocab / sizeof vocab[0])

/* Those of them that are employees' names: a referral only while that
 * employee is on the list. */
static const char *const employee_sources[] = { "Mike", "carlos reyes", "Jenny" };

static const char *const employee_names[][2] = {
	{ "Mike", "Patton" }, { "Carlos", "Reyes" }, { "Jenny", "Olsen" }, { "Dwayne", "Harris" },
	{ "Priya", "Natarajan" }, { "Tom", "Becker" }, { "Luis", "Ortega" }, { "Ashley", "King" },
	{ "Bobby", "Nguyen" }, { "Sam", "Whitaker" }, { "Rosa", "Delgado" }, { "Kevin", "Doyle" },
};
static const char *const first_names[] = {
	"Alex", "Kathy", "Pat", "Jordan", "Maria", "James", "Linda", "Robert", "Susan", "David",
	"Karen", "Chris", "Nancy", "Daniel", "Lisa", "Mark", "Betty", "Paul", "Helen", "Steven",
};
static const char *const last_names[] = {
	"Garcia", "Ellis", "Smith", "Johnson", "Brown", "Miller", "Davis", "Wilson", "Moore",
	"Taylor", "Anderson", "Thomas", "Jackson", "White", "Martin", "Thompson", "Lopez", "Lee",
};

const char *hcp_pick_vocab(uint64_t *s, enum sim_channel ch)
{
	size_t matches = 0, k;

	for (size_t i = 0; i < N_VOCAB; i++)
		matches += vocab[i].ch == ch;
	k = sim_rnd(s, matches);
	for (size_t i = 0; i < N_VOCAB; i++)
		if (vocab[i].ch == ch && k-- == 0)
			return vocab[i].raw;
	return NULL;
}

/* Historic channel mix, roughly the original company's. */
static enum sim_channel pick_channel(uint64_t *s)
{
	static const int weights[CH_COUNT] = { 6, 6, 4, 40, 8, 28, 5, 3 };
	int r = (int)sim_rnd(s, 100);

	for (int c = 0; c < CH_COUNT; c++) {
		if (r < weights[c])
			return (enum sim_channel)c;
		r -= weights[c];
	}
	return CH_UNKNOWN;
}

static int employee_named(const struct hcp_data *d, const char *raw)
{
	char want[64], name[64], full[64];

	sim_squeeze(raw, want, sizeof want);
	for (size_t i = 0; i < d->n_employees; i++) {
		const struct hcp_employee *e = &d->employees[i];

		if (e->hidden)
			continue;
		snprintf(full, sizeof full, "%s %s", e->first, e->last);
		sim_squeeze(e->first, name, sizeof name);
		if (strcmp(want, name) == 0)
			return 1;
		sim_squeeze(full, name, sizeof name);
		if (strcmp(want, name) == 0)
			return 1;
	}
	return 0;
}

enum sim_channel hcp_channel_of(const struct hcp_data *d, const char *raw)
{
	if (!raw)
		return CH_UNKNOWN;
	for (size_t i = 0; i < sizeof employee_sources / sizeof employee_sources[0]; i++)
		if (strcmp(employee_sources[i], raw) == 0)
			return employee_named(d, raw) ? CH_REFERRAL : CH_UNKNOWN;
	for (size_t i = 0; i < N_VOCAB; i++)
		if (strcmp(vocab[i].raw, raw) == 0)
			return vocab[i].ch;
	return CH_UNKNOWN;
}

static int blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (*s != ' ')
			return 0;
	return 1;
}

int hcp_job_counts(const struct hcp_data *d, const struct hcp_job *j, int *ymd,
		   enum sim_channel *ch)
{
	const struct hcp_customer *c = &d->customers[j->customer];
	int64_t when;

	if (j->hidden || j->deleted_at || strncmp(j->work_status, "complete", 8) != 0)
		return 0;
	when = j->completed_at ? j->completed_at : j->scheduled_start ? j->scheduled_start
								      : j->created;
	*ymd = sim_local_ymd(when);
	*ch = hcp_source_channel(d, j->lead_source, c);
	return 1;
}

enum sim_channel hcp_source_channel(const struct hcp_data *d, const char *own,
				    const struct hcp_customer *c)
{
	return !blank(own) ? hcp_channel_of(d, own)
	       : !blank(c->lead_source) ? hcp_channel_of(d, c->lead_source) : CH_UNKNOWN;
}

/* Customers grouped by the channel of their lead source, for job fallbacks. */
struct pools {
	size_t *idx[CH_COUNT];
	size_t n[CH_COUNT];
};

static int pick_customer(uint64_t *s, const struct pools *p, const struct hcp_data *d,
			 enum sim_channel ch)
{
	if (p->n[ch] == 0)
		return (int)sim_rnd(s, d->n_customers);
	return (int)p->idx[ch][sim_rnd(s, p->n[ch])];
}

/* A job whose channel comes from its own lead source, or (one in four)
 * from its customer's when its own is blank. */
static void assign_source(uint64_t *s, struct hcp_data *d, const struct pools *p,
			  struct hcp_job *j, enum sim_channel ch)
{
	if (sim_rnd(s, 4) == 0 && p->n[ch] > 0 && ch != CH_UNKNOWN) {
		j->customer = pick_customer(s, p, d, ch);
		j->lead_source = sim_rnd(s, 2) ? NULL : "  ";
	} else {
		j->customer = (int)sim_rnd(s, d->n_customers);
		j->lead_source = hcp_pick_vocab(s, ch);
	}
}

static void fill_job(uint64_t *s, struct hcp_data *d, struct hcp_job *j, int number)
{
	sim_make_id(s, "job_", j->id);
	j->invoice_number = number;
	j->employee = sim_rnd(s, 5) ? (int)sim_rnd(s, d->n_employees) : -1;
}

/* A completed job resolved at `when`, date from completed_at (a quarter of
 * them) or from scheduled_start, as real data has it. */
static void complete_at(uint64_t *s, struct hcp_job *j, int64_t when, int64_t now)
{
	j->work_status = sim_rnd(s, 2) ? "complete rated" : "complete unrated";
	j->scheduled_start = when - (int64_t)sim_rnd(s, 3 * 3600);
	if (sim_rnd(s, 4) == 0) {
		j->completed_at = when;
	} else {
		j->scheduled_start = when;
		j->completed_at = 0;
	}
	j->started_at = j->scheduled_start;
	j->created = j->scheduled_start - (int64_t)(1 + sim_rnd(s, 20)) * DAY;
	j->updated = when + (int64_t)sim_rnd(s, 2 * DAY);
	if (j->updated > now - 60)
		j->updated = now - 60 - (int64_t)sim_rnd(s, 3600);
	if (j->updated < j->created)
		j->updated = j->created;
}

/* The brief's 30-day snapshot: jobs and revenue per channel. */
static const struct { enum sim_channel ch; int jobs; int64_t cents; } snapshot[] = {
	{ CH_REPEAT, 57, 5190500 }, { CH_REFERRAL, 44, 3718700 },
	{ CH_AI, 18, 841600 }, { CH_GOOGLE, 4, 137500 },
};

static size_t gen_window(uint64_t *s, struct hcp_data *d, const struct pools *p,
			 size_t next, int number)
{
	time_t tt = (time_t)d->now;
	struct tm today;

	localtime_r(&tt, &today);
	for (size_t k = 0; k < sizeof snapshot / sizeof snapshot[0]; k++) {
		int n = snapshot[k].jobs;
		int64_t avg = snapshot[k].cents / n, sum = 0, delta = 0;

		for (int i = 0; i < n && next < d->n_jobs; i++) {
			struct hcp_job *j = &d->jobs[next++];
			int back = 1 + (int)sim_rnd(s, 28);

			if (i % 2 == 0)
				delta = (int64_t)sim_rnd(s, (uint64_t)(avg / 3 + 1));

			fill_job(s, d, j, number++);
			assign_source(s, d, p, j, snapshot[k].ch);
			/* Pairs move opposite ways; the last takes the remainder. */
			j->total_amount = i == n - 1 ? snapshot[k].cents - sum
				: avg + (i % 2 ? -delta : delta);
			if (i % 2 == 0 && i == n - 2)
				j->total_amount = avg;
			sum += j->total_amount;
			complete_at(s, j, sim_local_time(today.tm_year + 1900, today.tm_mon + 1,
						     today.tm_mday - back, 9 + (int)sim_rnd(s, 8),
						     (int)sim_rnd(s, 60), (int)sim_rnd(s, 60)), d->now);
		}
	}
	return next;
}

/* Jobs in the window that must not count: canceled, deleted, unfinished. */
static size_t gen_window_noise(uint64_t *s, struct hcp_data *d, const struct pools *p,
			       size_t next, int number, size_t count)
{
	static const char *const statuses[] = {
		"pro canceled", "user canceled", "scheduled", "needs scheduling", "in progress",
		"complete rated",
	};

	for (size_t i = 0; i < count && next < d->n_jobs; i++) {
		struct hcp_job *j = &d->jobs[next++];
		int64_t when = d->now - (int64_t)(1 + sim_rnd(s, 27)) * DAY;

		fill_job(s, d, j, number++);
		assign_source(s, d, p, j, (enum sim_channel)sim_rnd(s, CH_COUNT));
		j->total_amount = 5000 + (int64_t)sim_rnd(s, 100000);
		j->work_status = statuses[i % 6];
		j->created = when - 5 * DAY;
		j->scheduled_start = strcmp(j->work_status, "needs scheduling") ? when : 0;
		if (strcmp(j->work_status, "scheduled") == 0)
			j->scheduled_start = d->now + (int64_t)(1 + sim_rnd(s, 20)) * DAY;
		if (strcmp(j->work_status, "pro canceled") == 0 && sim_rnd(s, 2))
			j->started_at = when; /* canceled mid-work: completed_at stays null */
		if (strcmp(j->work_status, "complete rated") == 0 || i % 12 == 0)
			j->deleted_at = when + 3600; /* deleted: never counts */
		j->updated = when + 7200 < d->now ? when + 7200 : d->now - 30;
	}
	return next;
}

/* Completions on DST days and at local midnights, long before the window. */
static size_t gen_edges(uint64_t *s, struct hcp_data *d, size_t next, int number)
{
	static const int edges[][6] = {
		{ 2025, 3, 8, 23, 59, 59 }, { 2025, 3, 9, 0, 0, 0 }, { 2025, 3, 9, 1, 59, 59 },
		{ 2025, 3, 9, 3, 0, 0 }, { 2025, 3, 9, 23, 59, 59 }, { 2025, 3, 10, 0, 0, 0 },
		{ 2025, 11, 1, 23, 59, 59 }, { 2025, 11, 2, 0, 0, 0 }, { 2025, 11, 2, 1, 30, 0 },
		{ 2025, 11, 2, 23, 59, 59 }, { 2025, 11, 3, 0, 0, 0 },
	};

	for (size_t i = 0; i < sizeof edges / sizeof edges[0] && next < d->n_jobs; i++) {
		struct hcp_job *j = &d->jobs[next++];
		int64_t when = sim_local_time(edges[i][0], edges[i][1], edges[i][2], edges[i][3],
					  edges[i][4], edges[i][5]);

		fill_job(s, d, j, number++);
		j->customer = (int)sim_rnd(s, d->n_customers);
		j->lead_source = hcp_pick_vocab(s, (enum sim_channel)(i % CH_COUNT));
		j->total_amount = 10000 + (int64_t)i * 1111;
		complete_at(s, j, when, d->now);
		j->completed_at = when; /* exact instant */
	}
	return next;
}

static void gen_history(uint64_t *s, struct hcp_data *d, const struct pools *p,
			struct hcp_job *j, int number)
{
	static const char *const statuses[] = {
		"complete rated", "complete unrated", "pro canceled", "user canceled",
		"needs scheduling", "in progress",
	};
	static const int weights[] = { 45, 37, 9, 6, 2, 1 };
	int r = (int)sim_rnd(s, 100), k = 0;
	int64_t when = d->now - 32 * DAY - (int64_t)sim_rnd(s, 6 * 365) * DAY - (int64_t)sim_rnd(s, DAY);

	while (r >= weights[k]) {
		r -= weights[k];
		k++;
	}
	fill_job(s, d, j, number);
	assign_source(s, d, p, j, pick_channel(s));
	j->total_amount = 8900 + (int64_t)sim_rnd(s, 180000);
	if (k < 2) {
		complete_at(s, j, when, d->now);
		j->work_status = statuses[k];
	} else {
		j->work_status = statuses[k];
		j->created = when - 3 * DAY;
		j->scheduled_start = k == 4 ? 0 : when;
		j->updated = when + DAY;
		if (k == 2 && sim_rnd(s, 2))
			j->deleted_at = when + 3600;
		if (k >= 2 && k <= 4)
			j->total_amount = k == 4 ? 0 : j->total_amount;
	}
}

int hcp_generate(struct hcp_data *d, const struct hcp_gen_options *o)
{
	uint64_t s = o->seed ? o->seed : 1;
	struct pools p;
	size_t next = 0;
	int number = 1000;

	memset(d, 0, sizeof *d);
	memset(&p, 0, sizeof p);
	d->tz = o->tz;
	d->now = o->now;
	sim_set_tz(o->tz);
	d->n_employees = sizeof employee_names / sizeof employee_names[0];
	d->n_customers = o->customers;
	d->n_jobs = o->jobs;
	d->n_estimates = o->estimates;
	d->employees = calloc(d->n_employees, sizeof *d->employees);
	d->customers = calloc(d->n_customers + 1, sizeof *d->customers);
	d->jobs = calloc(d->n_jobs + 1, sizeof *d->jobs);
	d->estimates = calloc(d->n_estimates + 1, sizeof *d->estimates);
	for (int c = 0; c < CH_COUNT; c++)
		p.idx[c] = calloc(d->n_customers + 1, sizeof *p.idx[c]);
	if (!d->employees || !d->customers || !d->jobs || !d->estimates || !p.idx[CH_COUNT - 1] ||
	    d->n_customers == 0)
		return -1;
	snprintf(d->company_id, sizeof d->company_id, "0f4c2d1e-7a8b-4c9d-8e0f-1a2b3c4d5e6f");
	for (size_t i = 0; i < d->n_employees; i++) {
		sim_make_id(&s, "pro_", d->employees[i].id);
		snprintf(d->employees[i].first, sizeof d->employees[i].first, "%s",
			 employee_names[i][0]);
		snprintf(d->employees[i].last, sizeof d->employees[i].last, "%s",
			 employee_names[i][1]);
		d->employees[i].created = d->now - 2000 * DAY + (int64_t)i * DAY;
	}
	for (size_t i = 0; i < d->n_customers; i++) {
		struct hcp_customer *c = &d->customers[i];
		enum sim_channel ch = pick_channel(&s);

		sim_make_id(&s, "cus_", c->id);
		snprintf(c->first, sizeof c->first, "%s", first_names[sim_rnd(&s, 20)]);
		snprintf(c->last, sizeof c->last, "%s", last_names[sim_rnd(&s, 18)]);
		c->lead_source = sim_rnd(&s, 10) < 3 ? NULL : hcp_pick_vocab(&s, ch);
		c->created = d->now - 40 * DAY - (int64_t)sim_rnd(&s, 6 * 365) * DAY;
		c->updated = c->created + (int64_t)sim_rnd(&s, 30) * DAY;
		if (!blank(c->lead_source))
			p.idx[ch][p.n[ch]++] = i;
	}
	next = gen_window(&s, d, &p, next, number);
	next = gen_window_noise(&s, d, &p, next, number + (int)next, 60);
	next = gen_edges(&s, d, next, number + (int)next);
	for (; next < d->n_jobs; next++)
		gen_history(&s, d, &p, &d->jobs[next], 1000 + (int)next);
	/* Ties: a block of recent jobs sharing one updated_at, inside the
	 * overlap window, so every incremental run pages across them. */
	for (size_t i = 0; i < o->ties && i < d->n_jobs; i++)
		d->jobs[d->n_jobs - 1 - i].updated = d->now - 120;
	for (size_t i = 0; i < d->n_estimates; i++) {
		struct hcp_estimate *e = &d->estimates[i];
		static const char *const approvals[] = { NULL, "approved", "declined", "awaiting response" };

		sim_make_id(&s, "csr_", e->id);
		sim_make_id(&s, "est_", e->option_id);
		e->customer = (int)sim_rnd(&s, d->n_customers);
		e->work_status = sim_rnd(&s, 3) ? "complete rated" : "needs scheduling";
		e->lead_source = hcp_pick_vocab(&s, pick_channel(&s));
		e->created = d->now - 35 * DAY - (int64_t)sim_rnd(&s, 5 * 365) * DAY;
		e->updated = e->created + (int64_t)sim_rnd(&s, 10) * DAY;
		e->amount = 20000 + (int64_t)sim_rnd(&s, 900000);
		e->approval = approvals[sim_rnd(&s, 4)];
	}
	for (int c = 0; c < CH_COUNT; c++)
		free(p.idx[c]);
	d->version = 1;
	return 0;
}

void hcp_data_free(struct hcp_data *d)
{
	free(d->employees);
	free(d->customers);
	free(d->jobs);
	free(d->estimates);
	memset(d, 0, sizeof *d);
}
