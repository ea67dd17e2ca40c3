/* The oracle's common half: the window a request asks for and the JSON of
 * a tally (sim.h).  Each CRM computes its tally from its own records. */
#include <stdio.h>

#include "common/sim.h"

static int parse_ymd(const char *s, int *out)
{
	int y, m, d;
	char tail;

	if (!s || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return -1;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

int sim_window(struct MHD_Connection *c, int *lo, int *hi, const char **tz)
{
	if (parse_ymd(sim_arg(c, "from"), lo) < 0 || parse_ymd(sim_arg(c, "to"), hi) < 0)
		return -1;
	*tz = sim_arg(c, "tz");
	return 0;
}

enum MHD_Result sim_bad_window(struct MHD_Connection *c)
{
	return sim_send_json_text(c, 400, "{\"message\":\"from and to (YYYY-MM-DD), tz\"}");
}

struct json_object *sim_tally_json(const struct sim_tally *t)
{
	struct json_object *o = json_object_new_object(), *cats = json_object_new_object();
	struct json_object *total = json_object_new_object();
	int64_t jobs = 0, cents = 0;

	for (int i = 0; i < CH_COUNT; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "jobs", json_object_new_int64(t->jobs[i]));
		json_object_object_add(e, "revenue_cents", json_object_new_int64(t->cents[i]));
		json_object_object_add(cats, sim_channel_names[i], e);
		jobs += t->jobs[i];
		cents += t->cents[i];
	}
	json_object_object_add(o, "categories", cats);
	json_object_object_add(total, "jobs", json_object_new_int64(jobs));
	json_object_object_add(total, "revenue_cents", json_object_new_int64(cents));
	json_object_object_add(o, "total", total);
	return o;
}
