/*
 * The Jobber simulator's own controls:
 *   /_sim/expected?from=&to=&tz=   the oracle: report totals by Jobber's rules
 *   /_sim/relabel?clients=N&seed=S clients' lead sources change, jobs untouched
 *   /_sim/mutate?jobs=N&seed=S     jobs change (updatedAt moves)
 *   /_sim/vanish?jobs=N|clients=N|quotes=N   records disappear (hard delete)
 *   /_sim/restore                  every vanished record is back
 *   /_sim/hidden                   ids of vanished records
 *   /_sim/users?rename=FIRST&to=NEW | remove=FIRST | add=FIRST&last=LAST
 *   /_sim/oauth                    the live refresh token and token counts
 *   /_sim/expire                   every access token issued so far expires now
 *   /_sim/revoke                   the app is disconnected (Disconnect in Jobber)
 * and its switches (jb_faults) through /_sim/config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobber/jobber.h"

struct jb_faults jb_faults = {
	.bucket_max = 10000, .restore_rate = 500, .ddos_limit = 2500, .access_ttl = 3600,
	.require_version = 1, .rotation = 1,
};

static enum MHD_Result expected(struct MHD_Connection *c)
{
	struct sim_tally t = { { 0 }, { 0 } };
	const char *tz;
	int lo, hi;

	if (sim_window(c, &lo, &hi, &tz) < 0)
		return sim_bad_window(c);
	sim_set_tz(tz ? tz : jb_data.tz);
	for (size_t i = 0; i < jb_data.n_jobs; i++) {
		const struct jb_job *j = &jb_data.jobs[i];
		enum sim_channel ch;
		int ymd;

		if (!jb_job_counts(j, &ymd) || ymd < lo || ymd > hi)
			continue;
		ch = jb_channel_of(&jb_data, jb_client_lead_source(&jb_data.clients[j->client]));
		t.jobs[ch]++;
		t.cents[ch] += jb_cents(j->total_mills);
	}
	return sim_send_json(c, 200, sim_tally_json(&t));
}

/* Clients with a counted job: changing their lead source moves reports.
 * The first picked loses both labels, the second takes a user's name,
 * the rest another channel's label, as an office edit does. */
static enum MHD_Result relabel(struct MHD_Connection *c)
{
	long want = sim_arg_long(c, "clients", 12);
	uint64_t s = (uint64_t)sim_arg_long(c, "seed", 11);
	unsigned char *counted = calloc(jb_data.n_clients + 1, 1);
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();
	int64_t now = (int64_t)time(NULL);
	size_t n = 0;
	int ymd;

	if (!counted)
		return MHD_NO;
	for (size_t i = 0; i < jb_data.n_jobs; i++)
		if (jb_job_counts(&jb_data.jobs[i], &ymd) && !counted[jb_data.jobs[i].client]) {
			counted[jb_data.jobs[i].client] = 1;
			n++;
		}
	for (long k = 0; k < want && n > 0; k++, n--) {
		size_t pick = (size_t)sim_rnd(&s, n), i = 0;
		struct jb_client *cl;

		while (!(counted[i] == 1 && pick-- == 0))
			i++;
		counted[i] = 2;
		cl = &jb_data.clients[i];
		if (k == 0) {
			cl->lead_source = cl->display_lead_source = NULL;
		} else if (k == 1) {
			cl->lead_source = cl->display_lead_source = "Tyler";
		} else {
			enum sim_channel was = jb_channel_of(&jb_data, jb_client_lead_source(cl));

			cl->lead_source = k % 3 ? jb_pick_vocab(&s, (enum sim_channel)((was + 1 + k) % CH_COUNT))
				: NULL;
			cl->display_lead_source = jb_pick_vocab(&s, (enum sim_channel)((was + 2 + k) % CH_COUNT));
		}
		cl->updated = now;
		json_object_array_add(ids, json_object_new_string(cl->id));
	}
	free(counted);
	jb_data.version++;
	json_object_object_add(o, "changed", ids);
	return sim_send_json(c, 200, o);
}

static void mutate_job(struct jb_job *j, int64_t now)
{
	j->total_mills += 10000;
	j->status = "requires_invoicing";
	j->completed_at = now - 86400;
	j->updated = now;
	jb_data.version++;
}

/* /_sim/mutate?jobs=N and /_sim/vanish?jobs=N|clients=N|quotes=N. */
static enum MHD_Result change(struct MHD_Connection *c, const char *what)
{
	uint64_t s = (uint64_t)sim_arg_long(c, "seed", 7);
	long jobs = sim_arg_long(c, "jobs", 0), clients = sim_arg_long(c, "clients", 0);
	long quotes = sim_arg_long(c, "quotes", 0);
	int64_t now = (int64_t)time(NULL);
	struct json_object *ids = json_object_new_array(), *o = json_object_new_object();

	for (long k = 0; k < jobs; k++) {
		struct jb_job *j = &jb_data.jobs[sim_rnd(&s, jb_data.n_jobs)];

		if (strcmp(what, "mutate") == 0)
			mutate_job(j, now);
		else
			j->hidden = 1;
		json_object_array_add(ids, json_object_new_string(j->id));
	}
	for (long k = 0; k < clients && strcmp(what, "vanish") == 0; k++) {
		struct jb_client *cl = &jb_data.clients[sim_rnd(&s, jb_data.n_clients)];

		cl->hidden = 1;
		json_object_array_add(ids, json_object_new_string(cl->id));
	}
	for (long k = 0; k < quotes && strcmp(what, "vanish") == 0; k++) {
		struct jb_quote *q = &jb_data.quotes[sim_rnd(&s, jb_data.n_quotes)];

		q->hidden = 1;
		json_object_array_add(ids, json_object_new_string(q->id));
	}
	jb_data.version++;
	json_object_object_add(o, "changed", ids);
	return sim_send_json(c, 200, o);
}

static enum MHD_Result restore_or_hidden(struct MHD_Connection *c, int restore)
{
	struct json_object *o = json_object_new_object(), *jobs = json_object_new_array(),
			   *clients = json_object_new_array(), *quotes = json_object_new_array();

	for (size_t i = 0; i < jb_data.n_jobs; i++) {
		if (jb_data.jobs[i].hidden && !restore)
			json_object_array_add(jobs, json_object_new_string(jb_data.jobs[i].id));
		jb_data.jobs[i].hidden &= !restore;
	}
	for (size_t i = 0; i < jb_data.n_clients; i++) {
		if (jb_data.clients[i].hidden && !restore)
			json_object_array_add(clients, json_object_new_string(jb_data.clients[i].id));
		jb_data.clients[i].hidden &= !restore;
	}
	for (size_t i = 0; i < jb_data.n_quotes; i++) {
		if (jb_data.quotes[i].hidden && !restore)
			json_object_array_add(quotes, json_object_new_string(jb_data.quotes[i].id));
		jb_data.quotes[i].hidden &= !restore;
	}
	jb_data.version += restore;
	json_object_object_add(o, "jobs", jobs);
	json_object_object_add(o, "clients", clients);
	json_object_object_add(o, "quotes", quotes);
	return sim_send_json(c, 200, o);
}

static struct jb_user *user_by_first(const char *first)
{
	for (size_t i = 0; first && i < jb_data.n_users; i++)
		if (strcmp(jb_data.users[i].first, first) == 0)
			return &jb_data.users[i];
	return NULL;
}

static enum MHD_Result users(struct MHD_Connection *c)
{
	const char *rename = sim_arg(c, "rename"), *to = sim_arg(c, "to");
	const char *add = sim_arg(c, "add"), *last = sim_arg(c, "last");
	struct jb_user *u;

	if (rename && to && (u = user_by_first(rename))) {
		snprintf(u->first, sizeof u->first, "%s", to);
	} else if ((u = user_by_first(sim_arg(c, "remove")))) {
		u->hidden = 1;
	} else if (add) {
		struct jb_user *v = realloc(jb_data.users, (jb_data.n_users + 1) * sizeof *v);

		if (!v)
			return MHD_NO;
		jb_data.users = v;
		u = &v[jb_data.n_users];
		memset(u, 0, sizeof *u);
		jb_encode_id("User", 700000 + (long)jb_data.n_users++, u->id, sizeof u->id);
		snprintf(u->first, sizeof u->first, "%s", add);
		snprintf(u->last, sizeof u->last, "%s", last ? last : "");
		u->created = (int64_t)time(NULL);
	} else {
		return sim_send_json_text(c, 400, "{\"message\":\"rename&to, remove or add\"}");
	}
	jb_data.version++;
	return sim_send_json_text(c, 200, "{}");
}

static enum MHD_Result oauth_state(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "refresh_token", json_object_new_string(jb_oauth_refresh_token()));
	jb_oauth_stats(o);
	return sim_send_json(c, 200, o);
}

void jb_page_served(size_t start, size_t page_size)
{
	if (jb_faults.mutate_on_page <= 0 || page_size == 0 ||
	    start / page_size + 1 != (size_t)jb_faults.mutate_on_page)
		return;
	/* The oldest job moves to the front of an updatedAt-descending list. */
	{
		size_t oldest = 0;

		for (size_t i = 1; i < jb_data.n_jobs; i++)
			if (jb_data.jobs[i].updated < jb_data.jobs[oldest].updated)
				oldest = i;
		mutate_job(&jb_data.jobs[oldest], (int64_t)time(NULL));
	}
	jb_faults.mutate_on_page = 0;
}

int jb_control(struct sim_request *rq, const char *name, enum MHD_Result *ret)
{
	if (strcmp(name, "expected") == 0)
		*ret = expected(rq->c);
	else if (strcmp(name, "relabel") == 0)
		*ret = relabel(rq->c);
	else if (strcmp(name, "mutate") == 0 || strcmp(name, "vanish") == 0)
		*ret = change(rq->c, name);
	else if (strcmp(name, "restore") == 0 || strcmp(name, "hidden") == 0)
		*ret = restore_or_hidden(rq->c, strcmp(name, "restore") == 0);
	else if (strcmp(name, "users") == 0)
		*ret = users(rq->c);
	else if (strcmp(name, "oauth") == 0)
		*ret = oauth_state(rq->c);
	else if (strcmp(name, "expire") == 0 || strcmp(name, "revoke") == 0) {
		if (strcmp(name, "expire") == 0)
			jb_oauth_expire();
		else
			jb_oauth_revoke();
		*ret = sim_send_json_text(rq->c, 200, "{}");
	}
	else
		return 0;
	return 1;
}

int jb_set_fault(const char *key, const char *value)
{
	struct jb_faults *f = &jb_faults;
	struct { const char *name; int *field; } table[] = {
		{ "bucket_max", &f->bucket_max }, { "restore_rate", &f->restore_rate },
		{ "ddos_limit", &f->ddos_limit }, { "access_ttl", &f->access_ttl },
		{ "mutate_on_page", &f->mutate_on_page }, { "require_version", &f->require_version },
		{ "token_status", &f->token_status }, { "rotation", &f->rotation },
		{ "deny", &f->deny }, { "query_error", &f->query_error },
	};

	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
		if (strcmp(key, table[i].name) == 0) {
			*table[i].field = (int)strtol(value, NULL, 10);
			return 1;
		}
	return 0;
}
