/* A deterministic Jobber lawn-care account (jobber.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "jobber/jobber.h"

#define DAY 86400

/* What lawn-care offices type as a lead source, with the channel meant
 * (leadledger's default rules must agree; the unknown ones must not
 * match any).  "Zapier": apps that create clients have their name
 * captured as the lead source. */
static const struct vocab {
	const char *raw;
	enum sim_channel ch;
} vocab[] = {
	{ "Google", CH_GOOGLE }, { "Google Business Profile", CH_GOOGLE },
	{ "Google Search", CH_GOOGLE }, { "google maps", CH_GOOGLE },
	{ "Website", CH_WEBSITE }, { "Online Booking", CH_WEBSITE }, { "Contact Form", CH_WEBSITE },
	{ "Facebook", CH_SOCIAL }, { "Nextdoor", CH_SOCIAL }, { "Facebook Group", CH_SOCIAL },
	{ "Existing", CH_REPEAT }, { "Returning Customer", CH_REPEAT },
	{ "Maintenance Plan", CH_REPEAT },
	{ "AI Receptionist", CH_AI }, { "AI Answering", CH_AI },
	{ "Referral", CH_REFERRAL }, { "Neighbor", CH_REFERRAL }, { "Word of Mouth", CH_REFERRAL },
	{ "Tyler", CH_REFERRAL }, { "maria santos", CH_REFERRAL }, { "Devon", CH_REFERRAL },
	{ "Door Hanger", CH_DIRECT }, { "Yard Sign", CH_DIRECT }, { "Truck", CH_DIRECT },
	{ "Mailer", CH_DIRECT },
	{ "Other", CH_UNKNOWN }, { "Thumbtack", CH_UNKNOWN }, { "Yelp", CH_UNKNOWN },
	{ "Zapier", CH_UNKNOWN },
};
#define N_VOCAB (sizeof vocab / sizeof vocab[0])

/* Those that are users' names: a referral while that user is active. */
static const char *const user_sources[] = { "Tyler", "maria santos", "Devon" };

static const char *const user_names[][2] = {
	{ "Tyler", "Brooks" }, { "Maria", "Santos" }, { "Devon", "Price" }, { "Kim", "Nguyen" },
	{ "Luke", "Ward" }, { "Sara", "Lin" }, { "Omar", "Haddad" }, { "Beth", "Cole" },
};
static const char *const first_names[] = {
	"Pat", "Jamie", "Chris", "Alex", "Morgan", "Taylor", "Jordan", "Casey", "Riley", "Drew",
	"Avery", "Quinn", "Robin", "Sam", "Terry", "Dana",
};
static const char *const last_names[] = {
	"Singh", "Walker", "Hughes", "Foster", "Reed", "Bailey", "Perry", "Long", "Howard", "Price",
	"Barnes", "Ross", "Wood", "Gray", "James", "Watson",
};
static const char *const companies[] = { "Oak Ridge HOA", "Maple Court Apartments",
					 "Riverside Church", "Cedar Office Park" };

const char *jb_pick_vocab(uint64_t *s, enum sim_channel ch)
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

/* Lawn care leans on referrals, yard signs and repeat work. */
static enum sim_channel pick_channel(uint64_t *s)
{
	static const int weights[CH_COUNT] = { 8, 12, 8, 25, 4, 24, 12, 7 };
	int r = (int)sim_rnd(s, 100);

	for (int c = 0; c < CH_COUNT; c++) {
		if (r < weights[c])
			return (enum sim_channel)c;
		r -= weights[c];
	}
	return CH_UNKNOWN;
}

static int user_named(const struct jb_data *d, const char *raw)
{
	char want[64], name[64], full[64];

	sim_squeeze(raw, want, sizeof want);
	for (size_t i = 0; i < d->n_users; i++) {
		const struct jb_user *u = &d->users[i];

		if (u->hidden)
			continue;
		snprintf(full, sizeof full, "%s %s", u->first, u->last);
		sim_squeeze(u->first, name, sizeof name);
		if (strcmp(want, name) == 0)
			return 1;
		sim_squeeze(full, name, sizeof name);
		if (strcmp(want, name) == 0)
			return 1;
	}
	return 0;
}

enum sim_channel jb_channel_of(const struct jb_data *d, const char *raw)
{
	if (!raw)
		return CH_UNKNOWN;
	for (size_t i = 0; i < sizeof user_sources / sizeof user_sources[0]; i++)
		if (strcmp(user_sources[i], raw) == 0)
			return user_named(d, raw) ? CH_REFERRAL : CH_UNKNOWN;
	for (size_t i = 0; i < N_VOCAB; i++)
		if (strcmp(vocab[i].raw, raw) == 0)
			return vocab[i].ch;
	return CH_UNKNOWN;
}

static int blank(const char *s)
{
	return !s || strspn(s, " ") == strlen(s);
}

const char *jb_client_lead_source(const struct jb_client *c)
{
	return !blank(c->lead_source) ? c->lead_source
	       : !blank(c->display_lead_source) ? c->display_lead_source : NULL;
}

int64_t jb_cents(int64_t mills)
{
	return mills >= 0 ? (mills + 5) / 10 : -((-mills + 5) / 10);
}

/* The contract's Jobber column: completed means completedAt set and the
 * job requires invoicing or is archived; it counts on
 * COALESCE(completedAt, startAt, createdAt). */
int jb_job_counts(const struct jb_job *j, int *ymd)
{
	if (j->hidden || !j->completed_at ||
	    (strcmp(j->status, "requires_invoicing") != 0 && strcmp(j->status, "archived") != 0))
		return 0;
	*ymd = sim_local_ymd(j->completed_at);
	return 1;
}

void jb_money_text(int64_t mills, char *out, size_t len)
{
	int64_t whole = (mills < 0 ? -mills : mills) / 1000, frac = (mills < 0 ? -mills : mills) % 1000;
	char digits[4];
	int n;

	snprintf(digits, sizeof digits, "%03d", (int)frac);
	n = 3;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	snprintf(out, len, "%s%lld.%.*s", mills < 0 ? "-" : "", (long long)whole, n, digits);
}

void jb_encode_id(const char *type, long n, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char gid[48];
	size_t in = (size_t)snprintf(gid, sizeof gid, "gid://Jobber/%s/%ld", type, n), o = 0;

	for (size_t i = 0; i < in && o + 5 < len; i += 3) {
		unsigned v = (unsigned char)gid[i] << 16;

		if (i + 1 < in)
			v |= (unsigned char)gid[i + 1] << 8;
		if (i + 2 < in)
			v |= (unsigned char)gid[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = i + 1 < in ? b64[v >> 6 & 63] : '=';
		out[o++] = i + 2 < in ? b64[v & 63] : '=';
	}
	out[o] = '\0';
}

/* A job's price: mostly whole cents, some whole dollars, and one in ten
 * with a third decimal (a percentage surcharge), which must round half
 * away from zero. */
static int64_t pick_total(uint64_t *s)
{
	int64_t cents = 4500 + (int64_t)sim_rnd(s, 60000);

	switch (sim_rnd(s, 10)) {
	case 0: return cents * 10 + 5;          /* x.xx5 */
	case 1: return (cents / 100) * 1000;    /* whole dollars */
	default: return cents * 10;
	}
}

static void fill_client(uint64_t *s, struct jb_data *d, size_t i)
{
	struct jb_client *c = &d->clients[i];
	uint64_t mode = sim_rnd(s, 100);
	const char *src = jb_pick_vocab(s, pick_channel(s));

	jb_encode_id("Client", 5500000 + (long)i, c->id, sizeof c->id);
	snprintf(c->first, sizeof c->first, "%s", first_names[sim_rnd(s, 16)]);
	snprintf(c->last, sizeof c->last, "%s", last_names[sim_rnd(s, 16)]);
	c->company = sim_rnd(s, 25) == 0 ? companies[sim_rnd(s, 4)] : NULL;
	c->created = d->now - 30 * DAY - (int64_t)sim_rnd(s, 4 * 365) * DAY;
	c->updated = c->created + (int64_t)sim_rnd(s, 60) * DAY;
	if (mode < 65) {        /* the office picked one */
		c->lead_source = src;
		c->display_lead_source = src;
	} else if (mode < 70) { /* an empty label: the attribution is the source */
		c->lead_source = "";
		c->display_lead_source = src;
	} else if (mode < 85) { /* only the attribution knows */
		c->display_lead_source = src;
	}
}

/* A job of client ci, created at t: finished (most of them), canceled or
 * still open, as Jobber's statuses have it. */
static void fill_job(uint64_t *s, struct jb_data *d, size_t i, int ci, int64_t t)
{
	static const char *const open[] = { "upcoming", "today", "late", "unscheduled",
					    "action_required", "on_hold", "active" };
	struct jb_job *j = &d->jobs[i];
	uint64_t r = sim_rnd(s, 100);

	jb_encode_id("Job", 81000000 + (long)i, j->id, sizeof j->id);
	j->number = 1000 + (int)i;
	j->client = ci;
	j->recurring = sim_rnd(s, 5) < 2;
	j->title = j->recurring ? "Weekly mowing" : sim_rnd(s, 2) ? "Spring aeration" : "Hedge trimming";
	j->created = t - (int64_t)(1 + sim_rnd(s, 14)) * DAY;
	j->start_at = sim_rnd(s, 20) ? t : 0;
	j->end_at = j->start_at ? t + 3600 : 0;
	j->total_mills = pick_total(s);
	if (r < 75 && t < d->now - 3600) {
		j->completed_at = t + 1800 + (int64_t)sim_rnd(s, 4 * 3600);
		if (j->completed_at > d->now - 600)
			j->completed_at = d->now - 600;
		j->status = t > d->now - 21 * DAY && sim_rnd(s, 2) ? "requires_invoicing" : "archived";
	} else if (r < 82) {
		j->status = "archived"; /* canceled: archived without completedAt */
	} else {
		j->status = open[sim_rnd(s, sizeof open / sizeof open[0])];
		if (strcmp(j->status, "unscheduled") == 0)
			j->start_at = j->end_at = 0;
	}
	j->updated = (j->completed_at ? j->completed_at : j->created) + (int64_t)sim_rnd(s, 2 * DAY);
	if (j->updated > d->now - 60)
		j->updated = d->now - 60 - (int64_t)sim_rnd(s, 3600);
}

/* Completions on DST days and at local midnights, long before the window. */
static void fill_edges(uint64_t *s, struct jb_data *d, size_t first)
{
	static const int edges[][6] = {
		{ 2025, 3, 8, 23, 59, 59 }, { 2025, 3, 9, 0, 0, 0 }, { 2025, 3, 9, 1, 59, 59 },
		{ 2025, 3, 9, 3, 0, 0 }, { 2025, 11, 2, 1, 30, 0 }, { 2025, 11, 1, 23, 59, 59 },
		{ 2025, 11, 2, 0, 0, 0 }, { 2025, 11, 2, 23, 59, 59 },
	};

	for (size_t k = 0; k < sizeof edges / sizeof edges[0] && first + k < d->n_jobs; k++) {
		struct jb_job *j = &d->jobs[first + k];
		int64_t when = sim_local_time(edges[k][0], edges[k][1], edges[k][2], edges[k][3],
					      edges[k][4], edges[k][5]);

		fill_job(s, d, first + k, (int)sim_rnd(s, d->n_clients), when - 3600);
		j->status = "archived";
		j->completed_at = when;
		j->updated = when + 600;
	}
}

static void fill_quote(uint64_t *s, struct jb_data *d, size_t i)
{
	static const char *const statuses[] = { "draft", "awaiting_response", "archived",
						"approved", "converted", "changes_requested" };
	struct jb_quote *q = &d->quotes[i];

	jb_encode_id("Quote", 3300000 + (long)i, q->id, sizeof q->id);
	q->number = 100 + (int)i;
	q->client = (int)sim_rnd(s, d->n_clients);
	q->status = statuses[sim_rnd(s, 6)];
	q->created = d->now - 10 * DAY - (int64_t)sim_rnd(s, 3 * 365) * DAY;
	q->sent_at = strcmp(q->status, "draft") ? q->created + 600 : 0;
	q->updated = q->created + (int64_t)sim_rnd(s, 20) * DAY;
	q->subtotal_mills = (20000 + (int64_t)sim_rnd(s, 400000)) * 10;
	q->tax_mills = q->subtotal_mills / 16 / 10 * 10;
}

int jb_generate(struct jb_data *d, const struct jb_gen_options *o)
{
	uint64_t s = o->seed ? o->seed : 1;
	size_t edges = 8, window = o->jobs / 20, k = 0;

	memset(d, 0, sizeof *d);
	d->tz = o->tz;
	d->now = o->now;
	sim_set_tz(o->tz);
	d->n_users = o->users < 8 ? o->users : 8;
	d->n_clients = o->clients;
	d->n_jobs = o->jobs;
	d->n_quotes = o->quotes;
	d->users = calloc(d->n_users + 1, sizeof *d->users);
	d->clients = calloc(d->n_clients + 1, sizeof *d->clients);
	d->jobs = calloc(d->n_jobs + 1, sizeof *d->jobs);
	d->quotes = calloc(d->n_quotes + 1, sizeof *d->quotes);
	if (!d->users || !d->clients || !d->jobs || !d->quotes || d->n_clients == 0 ||
	    d->n_jobs < edges + window)
		return -1;
	for (size_t i = 0; i < d->n_users; i++) {
		jb_encode_id("User", 700000 + (long)i, d->users[i].id, sizeof d->users[i].id);
		snprintf(d->users[i].first, sizeof d->users[i].first, "%s", user_names[i][0]);
		snprintf(d->users[i].last, sizeof d->users[i].last, "%s", user_names[i][1]);
		d->users[i].created = d->now - 1500 * DAY + (int64_t)i * DAY;
	}
	for (size_t i = 0; i < d->n_clients; i++)
		fill_client(&s, d, i);
	/* One job in twenty lands in the last 28 days, the rest over three
	 * years; recurring work comes back to the same clients. */
	for (; k < window; k++)
		fill_job(&s, d, k, (int)sim_rnd(&s, d->n_clients),
			 d->now - (int64_t)(1 + sim_rnd(&s, 28)) * DAY - (int64_t)sim_rnd(&s, DAY / 2));
	fill_edges(&s, d, k);
	for (k += edges; k < d->n_jobs; k++)
		fill_job(&s, d, k, (int)sim_rnd(&s, d->n_clients),
			 d->now - 30 * DAY - (int64_t)sim_rnd(&s, 3 * 365) * DAY - (int64_t)sim_rnd(&s, DAY));
	for (size_t i = 0; i < d->n_quotes; i++)
		fill_quote(&s, d, i);
	d->version = 1;
	return 0;
}

void jb_data_free(struct jb_data *d)
{
	free(d->users);
	free(d->clients);
	free(d->jobs);
	free(d->quotes);
	memset(d, 0, sizeof *d);
}
