/* A deterministic ServiceTitan HVAC tenant (st.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "servicetitan/st.h"

#define DAY 86400
#define BY_CATEGORY CH_COUNT /* the name says nothing: its category decides */

/* Campaign categories, with the channel leadledger's default rules give
 * their names. */
static const struct { const char *name; enum sim_channel ch; } categories[] = {
	{ "Google", CH_GOOGLE }, { "Direct Mail", CH_DIRECT }, { "Facebook", CH_SOCIAL },
	{ "Maintenance Plan", CH_REPEAT }, { "Misc", CH_UNKNOWN }, { "Events", CH_UNKNOWN },
	{ "Referral", CH_REFERRAL }, { "Website", CH_WEBSITE }, { "AI Phone", CH_AI },
	{ "Other", CH_UNKNOWN },
};
#define N_CATEGORIES (sizeof categories / sizeof categories[0])

/* Campaign names: those the rules know, those only their category
 * resolves, those nothing resolves, and inactive ones jobs still name. */
static const struct {
	const char *name;
	int category;
	enum sim_channel ch; /* by name, or BY_CATEGORY */
	int active, is_default;
} catalog[] = {
	{ "Google LSA", 0, CH_GOOGLE, 1, 0 }, { "Google Ads - Brand", 0, CH_GOOGLE, 1, 0 },
	{ "Facebook Ads", 2, CH_SOCIAL, 1, 0 }, { "Website", 7, CH_WEBSITE, 1, 0 },
	{ "Book Online", 7, CH_WEBSITE, 1, 0 }, { "Yard Sign", 1, CH_DIRECT, 1, 0 },
	{ "Truck Wrap", 1, CH_DIRECT, 1, 0 }, { "Referral Program", 6, CH_REFERRAL, 1, 0 },
	{ "Maintenance Plan", 3, CH_REPEAT, 1, 0 }, { "Repeat Customer", 3, CH_REPEAT, 1, 0 },
	{ "AI Receptionist", 8, CH_AI, 1, 0 },
	{ "Spring Tune-Up 2025", 1, BY_CATEGORY, 1, 0 }, { "Summer Blitz", 0, BY_CATEGORY, 1, 0 },
	{ "Fall Promo", 2, BY_CATEGORY, 1, 0 }, { "Member Renewal", 3, BY_CATEGORY, 1, 0 },
	{ "Neighbor Notes", 6, BY_CATEGORY, 1, 0 },
	{ "Home Show 2025", 5, BY_CATEGORY, 1, 0 }, { "Campaign 17", 4, BY_CATEGORY, 1, 0 },
	{ "Default Campaign", 9, BY_CATEGORY, 1, 1 },
	{ "Google LSA 2023", 0, CH_GOOGLE, 0, 0 }, { "Winter Special 2023", 1, BY_CATEGORY, 0, 0 },
};
#define N_CATALOG (sizeof catalog / sizeof catalog[0])

static const char *const first_names[] = { "Dana", "Lee", "Morgan", "Casey", "Jamie", "Robin",
					   "Avery", "Reese", "Quinn", "Shawn" };
static const char *const last_names[] = { "Holt", "Baker", "Cruz", "Patel", "Young", "Diaz",
					  "Kim", "Ward", "Stone", "Fox" };

int st_time_cmp(struct st_time a, struct st_time b)
{
	return a.s != b.s ? (a.s < b.s ? -1 : 1) : (a.ticks > b.ticks) - (a.ticks < b.ticks);
}

struct st_time st_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (struct st_time){ ts.tv_sec, (int32_t)(ts.tv_nsec / 100) };
}

static struct st_time at(uint64_t *s, int64_t t)
{
	/* .NET writes whatever fraction it has: none, ".5", ".113" or all 7. */
	static const int32_t fractions[] = { 0, 5000000, 1130000, 9999999, 1234567 };

	return (struct st_time){ t, fractions[sim_rnd(s, 5)] };
}

/* The channel a campaign name means, or BY_CATEGORY. */
static enum sim_channel name_channel(const char *name)
{
	for (size_t i = 0; i < N_CATALOG; i++)
		if (strcmp(catalog[i].name, name) == 0)
			return catalog[i].ch;
	return BY_CATEGORY;
}

enum sim_channel st_channel_of_campaign(const struct st_data *d, int campaign)
{
	const struct st_campaign *c = &d->campaigns[campaign];
	enum sim_channel ch = name_channel(c->name);

	if (ch != BY_CATEGORY)
		return ch;
	for (size_t i = 0; i < N_CATEGORIES; i++)
		if (strcmp(categories[i].name, d->categories[c->category].name) == 0)
			return categories[i].ch;
	return CH_UNKNOWN;
}

const char *st_pick_campaign_name(uint64_t *s, enum sim_channel ch)
{
	size_t n = 0, k;

	for (size_t i = 0; i < N_CATALOG; i++)
		n += catalog[i].ch == ch;
	if (n == 0)
		return NULL;
	k = sim_rnd(s, n);
	for (size_t i = 0; i < N_CATALOG; i++)
		if (catalog[i].ch == ch && k-- == 0)
			return catalog[i].name;
	return NULL;
}

/* The contract's ServiceTitan column: jobStatus Completed and active; the
 * date COALESCE(completedOn, createdOn), its fraction truncated. */
int st_job_counts(const struct st_job *j, int *ymd)
{
	if (j->hidden || !j->active || strcmp(j->status, "Completed") != 0)
		return 0;
	*ymd = sim_local_ymd(j->completed.s ? j->completed.s : j->created.s);
	return 1;
}

/* A campaign for a new job: the tenant's mix, weighted to what HVAC
 * companies run (service agreements, Google, referrals). */
static int pick_campaign(uint64_t *s, const struct st_data *d)
{
	static const int weights[] = { 14, 6, 5, 4, 3, 4, 2, 8, 12, 8, 4, 4, 3, 3, 4, 2, 3, 2, 5, 2, 2 };
	int r = (int)sim_rnd(s, 100);

	for (size_t i = 0; i < d->n_campaigns; i++) {
		if (r < weights[i])
			return (int)i;
		r -= weights[i];
	}
	return (int)sim_rnd(s, d->n_campaigns);
}

static void fill_job(uint64_t *s, struct st_data *d, size_t i, int64_t when)
{
	static const char *const open[] = { "Scheduled", "Dispatched", "InProgress", "Hold" };
	struct st_job *j = &d->jobs[i];
	uint64_t r = sim_rnd(s, 100);

	j->id = 90000 + (int64_t)i;
	j->customer = (int)sim_rnd(s, d->n_customers);
	j->campaign = pick_campaign(s, d);
	j->active = sim_rnd(s, 50) != 0;
	j->created = at(s, when - (int64_t)(1 + sim_rnd(s, 10)) * DAY);
	j->total_cents = 8900 + (int64_t)sim_rnd(s, 900000);
	j->total_null = sim_rnd(s, 33) == 0;
	if (r < 72 && when < d->now - 3600) {
		j->status = "Completed";
		/* A few completed jobs carry no completedOn: createdOn dates them. */
		if (sim_rnd(s, 50))
			j->completed = at(s, when);
	} else if (r < 80) {
		j->status = "Canceled";
	} else {
		j->status = open[sim_rnd(s, 4)];
	}
	j->modified = at(s, (j->completed.s ? j->completed.s : j->created.s) +
			    (int64_t)sim_rnd(s, 2 * DAY));
	if (j->modified.s > d->now - ST_LAG_S - 60)
		j->modified.s = d->now - ST_LAG_S - 60 - (int64_t)sim_rnd(s, 3600);
}

/* Completions on DST days and at local midnights, one at 23:59:59.9999999
 * (truncated, it stays on its day), long before the window. */
static void fill_edges(uint64_t *s, struct st_data *d, size_t first, size_t n)
{
	static const int edges[][6] = {
		{ 2025, 3, 8, 23, 59, 59 }, { 2025, 3, 9, 0, 0, 0 }, { 2025, 3, 9, 1, 59, 59 },
		{ 2025, 3, 9, 3, 0, 0 }, { 2025, 11, 2, 1, 30, 0 }, { 2025, 11, 1, 23, 59, 59 },
		{ 2025, 11, 2, 0, 0, 0 }, { 2025, 11, 2, 23, 59, 59 },
	};

	for (size_t k = 0; k < n && k < sizeof edges / sizeof edges[0]; k++) {
		struct st_job *j = &d->jobs[first + k];

		fill_job(s, d, first + k, d->now - 400 * DAY);
		j->status = "Completed";
		j->active = 1;
		j->completed.s = sim_local_time(edges[k][0], edges[k][1], edges[k][2], edges[k][3],
						edges[k][4], edges[k][5]);
		j->completed.ticks = edges[k][5] == 59 ? 9999999 : 0;
		j->created = (struct st_time){ j->completed.s - DAY, 0 };
		j->modified = (struct st_time){ j->completed.s + 600, 0 };
	}
}

static void fill_estimate(uint64_t *s, struct st_data *d, size_t i)
{
	static const char *const statuses[] = { "Open", "Sold", "Dismissed" };
	struct st_estimate *e = &d->estimates[i];

	e->id = 33000 + (int64_t)i;
	e->job = (int)sim_rnd(s, d->n_jobs);
	e->customer = d->jobs[e->job].customer;
	e->status = statuses[sim_rnd(s, 3)];
	e->active = sim_rnd(s, 40) != 0;
	e->created = at(s, d->jobs[e->job].created.s + (int64_t)sim_rnd(s, DAY));
	e->modified = at(s, e->created.s + (int64_t)sim_rnd(s, 5 * DAY));
	if (e->modified.s > d->now - ST_LAG_S - 60)
		e->modified.s = d->now - ST_LAG_S - 60;
	if (strcmp(e->status, "Sold") == 0)
		e->sold = e->modified;
	e->subtotal_cents = 150000 + (int64_t)sim_rnd(s, 1500000);
	e->tax_cents = e->subtotal_cents / 16;
}

int st_generate(struct st_data *d, const struct st_gen_options *o)
{
	uint64_t s = o->seed ? o->seed : 1;
	size_t edges = 8, window = o->jobs / 20, k;

	memset(d, 0, sizeof *d);
	d->tz = o->tz;
	d->now = o->now;
	sim_set_tz(o->tz);
	d->n_categories = N_CATEGORIES;
	d->n_campaigns = N_CATALOG;
	d->n_customers = o->customers;
	d->n_jobs = o->jobs;
	d->n_estimates = o->estimates;
	d->categories = calloc(d->n_categories, sizeof *d->categories);
	d->campaigns = calloc(d->n_campaigns, sizeof *d->campaigns);
	d->customers = calloc(d->n_customers + 1, sizeof *d->customers);
	d->jobs = calloc(d->n_jobs + 1, sizeof *d->jobs);
	d->estimates = calloc(d->n_estimates + 1, sizeof *d->estimates);
	if (!d->categories || !d->campaigns || !d->customers || !d->jobs || !d->estimates ||
	    d->n_customers < 2 || d->n_jobs < edges + window + 1)
		return -1;
	for (size_t i = 0; i < d->n_categories; i++) {
		d->categories[i].id = 5 + (int64_t)i;
		snprintf(d->categories[i].name, sizeof d->categories[i].name, "%s", categories[i].name);
		d->categories[i].active = 1;
	}
	for (size_t i = 0; i < d->n_campaigns; i++) {
		struct st_campaign *c = &d->campaigns[i];

		c->id = 770 + (int64_t)i;
		snprintf(c->name, sizeof c->name, "%s", catalog[i].name);
		c->category = catalog[i].category;
		c->active = catalog[i].active;
		c->is_default = catalog[i].is_default;
		c->created = at(&s, d->now - 1200 * DAY + (int64_t)i * DAY);
		c->modified = at(&s, c->created.s + 30 * DAY);
	}
	for (size_t i = 0; i < d->n_customers; i++) {
		struct st_customer *c = &d->customers[i];

		c->id = 5000 + (int64_t)i;
		snprintf(c->name, sizeof c->name, "%s %s", first_names[sim_rnd(&s, 10)],
			 last_names[sim_rnd(&s, 10)]);
		c->active = 1;
		c->merged_to = -1;
		c->created = at(&s, d->now - 40 * DAY - (int64_t)sim_rnd(&s, 4 * 365) * DAY);
		c->modified = at(&s, c->created.s + (int64_t)sim_rnd(&s, 20) * DAY);
	}
	/* One customer in fifty was merged into another: inactive, pointing
	 * at the one it became; its jobs still name it. */
	for (size_t i = 1; i < d->n_customers; i += 50) {
		d->customers[i].active = 0;
		d->customers[i].merged_to = (int)(i - 1);
	}
	for (k = 0; k < window; k++)
		fill_job(&s, d, k, d->now - (int64_t)(1 + sim_rnd(&s, 28)) * DAY -
				      (int64_t)sim_rnd(&s, DAY / 2));
	fill_edges(&s, d, k, edges);
	for (k += edges; k < d->n_jobs; k++)
		fill_job(&s, d, k, d->now - 30 * DAY - (int64_t)sim_rnd(&s, 3 * 365) * DAY);
	for (size_t i = 0; i < d->n_estimates; i++)
		fill_estimate(&s, d, i);
	return 0;
}

void st_data_free(struct st_data *d)
{
	free(d->categories);
	free(d->campaigns);
	free(d->customers);
	free(d->jobs);
	free(d->estimates);
	memset(d, 0, sizeof *d);
}
