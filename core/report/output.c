/* The report as JSON, a table and CSV: one list of figures (figure_list)
 * feeds all three, so they cannot disagree. */
#include <inttypes.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "report/report.h"

enum figure_kind { FIG_INT, FIG_TEXT, FIG_BOOL };

struct figure {
	const char *key;
	enum figure_kind kind;
	int present; /* 0: the divisor was zero, the figure is null */
	int64_t value;
	char text[32];
};

#define FIGURES 20

static void put_int(struct figure *f, const char *key, int64_t v)
{
	*f = (struct figure){ .key = key, .kind = FIG_INT, .present = 1, .value = v };
}

/* a / b rounded, null when b is zero. */
static void put_quotient(struct figure *f, const char *key, int64_t a, int64_t b)
{
	*f = (struct figure){ .key = key, .kind = FIG_INT, .present = b != 0 };
	if (b != 0)
		f->value = ll_div_round(a, b);
}

/* a / b with two decimals as text, null when b is zero. */
static void put_ratio(struct figure *f, const char *key, int64_t a, int64_t b)
{
	*f = (struct figure){ .key = key, .kind = FIG_TEXT, .present = b != 0 };
	if (b != 0)
		ll_format_ratio(a, b, f->text, sizeof f->text);
}

/* design.md, "Attribution figures (contract)", in its order. */
static void figure_list(const struct ll_report_figures *x, struct figure out[FIGURES])
{
	struct figure *f = out;

	put_int(f++, "jobs", x->jobs);
	put_int(f++, "revenue_cents", x->cents);
	*f = (struct figure){ .key = "revenue", .kind = FIG_TEXT, .present = 1 };
	ll_format_cents(x->cents, f->text, sizeof f->text);
	f++;
	put_quotient(f++, "avg_ticket_cents", x->cents, x->jobs);
	put_int(f++, "new_customer_jobs", x->new_jobs);
	put_int(f++, "new_customer_revenue_cents", x->new_cents);
	put_int(f++, "repeat_jobs", x->jobs - x->new_jobs);
	put_int(f++, "repeat_revenue_cents", x->cents - x->new_cents);
	put_int(f++, "new_customers", x->new_jobs);
	put_int(f++, "repeat_customers", x->repeat_customers);
	put_int(f++, "estimates_given", x->estimates);
	put_int(f++, "estimates_won", x->won);
	put_ratio(f++, "close_rate", x->won, x->estimates);
	put_int(f++, "canceled_jobs", x->canceled);
	put_ratio(f++, "cancel_rate", x->canceled, x->jobs + x->canceled);
	put_int(f++, "spend_cents", x->spend);
	put_quotient(f++, "cost_per_job_cents", x->spend, x->jobs);
	put_quotient(f++, "cost_per_new_customer_cents", x->spend, x->new_jobs);
	put_ratio(f++, "roas", x->cents, x->spend);
	*f = (struct figure){ .key = "spend_without_jobs", .kind = FIG_BOOL, .present = 1,
			      .value = x->spend > 0 && x->jobs == 0 };
}

static struct json_object *figure_json(const struct figure *f)
{
	if (!f->present)
		return NULL;
	if (f->kind == FIG_TEXT)
		return json_object_new_string(f->text);
	if (f->kind == FIG_BOOL)
		return json_object_new_boolean((json_bool)f->value);
	return json_object_new_int64(f->value);
}

static struct json_object *figures_json(const struct ll_report *r,
					const struct ll_report_figures *x, const char *category)
{
	struct json_object *o = json_object_new_object(), *p = json_object_new_object();
	struct figure figs[FIGURES];

	if (category)
		json_object_object_add(o, "category", json_object_new_string(category));
	figure_list(x, figs);
	for (int i = 0; i < FIGURES; i++)
		json_object_object_add(o, figs[i].key, figure_json(&figs[i]));
	json_object_object_add(p, "from", json_object_new_string(r->prev_from));
	json_object_object_add(p, "to", json_object_new_string(r->prev_to));
	json_object_object_add(p, "jobs", json_object_new_int64(x->prev.jobs));
	json_object_object_add(p, "revenue_cents", json_object_new_int64(x->prev.cents));
	json_object_object_add(p, "new_customer_jobs", json_object_new_int64(x->prev.new_jobs));
	json_object_object_add(p, "spend_cents", json_object_new_int64(x->prev.spend));
	json_object_object_add(o, "previous", p);
	return o;
}

struct json_object *ll_report_json(const struct ll_report *r)
{
	struct json_object *o = json_object_new_object(), *cats = json_object_new_array();

	json_object_object_add(o, "site", json_object_new_string(r->site));
	json_object_object_add(o, "from", json_object_new_string(r->from));
	json_object_object_add(o, "to", json_object_new_string(r->to));
	json_object_object_add(o, "timezone", json_object_new_string(r->timezone));
	json_object_object_add(o, "currency", json_object_new_string("USD"));
	json_object_object_add(o, "model", json_object_new_string(
		r->model == LL_MODEL_FIRST ? "first" : "last"));
	for (int i = 0; i < LL_CH_COUNT; i++)
		json_object_array_add(cats, figures_json(r, &r->rows[i].f,
							 ll_channel_name(r->rows[i].channel)));
	json_object_object_add(o, "categories", cats);
	json_object_object_add(o, "total", figures_json(r, &r->total, NULL));
	return o;
}

/* Share of revenue in tenths of a percent, rounded. */
static int64_t share_permille(int64_t part, int64_t total)
{
	return total > 0 ? ll_div_round(part * 1000, total) : 0;
}

/* A figure for the table: money as dollars, null as "-". */
static void shown(const struct figure *f, char *out, size_t len)
{
	if (!f->present)
		snprintf(out, len, "-");
	else if (f->kind == FIG_TEXT)
		snprintf(out, len, "%s", f->text);
	else if (f->kind == FIG_BOOL)
		snprintf(out, len, "%s", f->value ? "yes" : "no");
	else if (strstr(f->key, "cents"))
		ll_format_cents(f->value, out, len);
	else
		snprintf(out, len, "%" PRId64, f->value);
}

/* Revenue against the previous window, in percent with one decimal. */
static void change(int64_t now, int64_t before, char *out, size_t len)
{
	int64_t permille, mag;

	if (before == 0) {
		snprintf(out, len, "-");
		return;
	}
	permille = ll_div_round((now - before) * 1000, before);
	mag = permille < 0 ? -permille : permille;
	snprintf(out, len, "%s%" PRId64 ".%" PRId64 "%%", permille < 0 ? "-" : "+", mag / 10,
		 mag % 10);
}

/* The table's columns: a title over the figure of that key. */
static const struct column {
	const char *title;
	const char *key;
	int width;
} attribution_columns[] = {
	{ "avg ticket", "avg_ticket_cents", 10 },
	{ "new", "new_customer_jobs", 5 },
	{ "repeat", "repeat_jobs", 6 },
	{ "repeat rev", "repeat_revenue_cents", 11 },
	{ "est", "estimates_given", 5 },
	{ "won", "estimates_won", 4 },
	{ "close", "close_rate", 5 },
	{ "canceled", "canceled_jobs", 8 },
	{ "cancel", "cancel_rate", 6 },
}, spend_columns[] = {
	{ "spend", "spend_cents", 11 },
	{ "cost/job", "cost_per_job_cents", 9 },
	{ "cost/new", "cost_per_new_customer_cents", 9 },
	{ "ROAS", "roas", 6 },
};

static void columns_header(FILE *out, const struct column *c, size_t n, const char *last)
{
	fprintf(out, "%-16s", "channel");
	for (size_t i = 0; i < n; i++)
		fprintf(out, " %*s", c[i].width, c[i].title);
	fprintf(out, "%s\n", last);
}

static void columns_row(FILE *out, const char *name, const struct ll_report_figures *x,
			const struct column *c, size_t n)
{
	struct figure figs[FIGURES];
	char text[40];

	figure_list(x, figs);
	fprintf(out, "%-16s", name);
	for (size_t i = 0; i < n; i++) {
		int k = 0;

		while (k + 1 < FIGURES && strcmp(figs[k].key, c[i].key) != 0)
			k++;
		shown(&figs[k], text, sizeof text);
		fprintf(out, " %*s", c[i].width, text);
	}
}

static void print_table(const struct ll_report *r, FILE *out)
{
	const size_t na = sizeof attribution_columns / sizeof attribution_columns[0];
	const size_t ns = sizeof spend_columns / sizeof spend_columns[0];
	char money[32], prev[32], chg[48];
	int64_t sh;

	fprintf(out, "%s (%s)  %s .. %s  %s  USD\n\n", r->site_name ? r->site_name : r->site,
		r->site, r->from, r->to, r->timezone);
	fprintf(out, "%-16s %8s %14s %7s\n", "channel", "jobs", "revenue", "share");
	for (int i = 0; i < LL_CH_COUNT; i++) {
		ll_format_cents(r->rows[i].f.cents, money, sizeof money);
		sh = share_permille(r->rows[i].f.cents, r->total.cents);
		fprintf(out, "%-16s %8" PRId64 " %14s %5" PRId64 ".%" PRId64 "%%\n",
			ll_channel_name(r->rows[i].channel), r->rows[i].f.jobs, money,
			sh / 10, sh % 10);
	}
	ll_format_cents(r->total.cents, money, sizeof money);
	fprintf(out, "%-16s %8" PRId64 " %14s %7s\n", "total", r->total.jobs, money,
		r->total.cents > 0 ? "100.0%" : "0.0%");

	fprintf(out, "\nnew and repeat customers, estimates, cancellations (%s touch)\n",
		r->model == LL_MODEL_FIRST ? "first" : "last");
	columns_header(out, attribution_columns, na, "");
	for (int i = 0; i < LL_CH_COUNT; i++) {
		columns_row(out, ll_channel_name(r->rows[i].channel), &r->rows[i].f,
			    attribution_columns, na);
		fputc('\n', out);
	}
	columns_row(out, "total", &r->total, attribution_columns, na);
	fputc('\n', out);

	fprintf(out, "\nspend and return; previous window %s .. %s\n", r->prev_from, r->prev_to);
	columns_header(out, spend_columns, ns, "   prev revenue   change");
	for (int i = 0; i <= LL_CH_COUNT; i++) {
		const struct ll_report_figures *x = i < LL_CH_COUNT ? &r->rows[i].f : &r->total;

		columns_row(out, i < LL_CH_COUNT ? ll_channel_name(r->rows[i].channel) : "total", x,
			    spend_columns, ns);
		ll_format_cents(x->prev.cents, prev, sizeof prev);
		change(x->cents, x->prev.cents, chg, sizeof chg);
		fprintf(out, " %14s %8s%s\n", prev, chg,
			x->spend > 0 && x->jobs == 0 ? "  spend without jobs" : "");
	}
}

static void csv_figures(FILE *out, const struct ll_report_figures *x)
{
	struct figure figs[FIGURES];

	figure_list(x, figs);
	for (int i = 0; i < FIGURES; i++) {
		if (!figs[i].present)
			fputc(',', out);
		else if (figs[i].kind == FIG_INT)
			fprintf(out, ",%" PRId64, figs[i].value);
		else if (figs[i].kind == FIG_BOOL)
			fprintf(out, ",%s", figs[i].value ? "true" : "false");
		else
			fprintf(out, ",%s", figs[i].text);
	}
	fprintf(out, ",%" PRId64 ",%" PRId64 ",%" PRId64 ",%" PRId64 "\n", x->prev.jobs,
		x->prev.cents, x->prev.new_jobs, x->prev.spend);
}

/* The first four columns are the report's original ones, in their order. */
static void print_csv(const struct ll_report *r, FILE *out)
{
	struct figure figs[FIGURES];

	figure_list(&r->total, figs);
	fprintf(out, "category");
	for (int i = 0; i < FIGURES; i++)
		fprintf(out, ",%s", figs[i].key);
	fprintf(out, ",previous_jobs,previous_revenue_cents,previous_new_customer_jobs,"
		"previous_spend_cents\n");
	for (int i = 0; i < LL_CH_COUNT; i++) {
		fprintf(out, "%s", ll_channel_name(r->rows[i].channel));
		csv_figures(out, &r->rows[i].f);
	}
	fprintf(out, "total");
	csv_figures(out, &r->total);
}

void ll_report_print(const struct ll_report *r, enum ll_report_format fmt, FILE *out)
{
	struct json_object *o;

	if (fmt == LL_FORMAT_JSON) {
		o = ll_report_json(r);
		ll_json_print(o, out);
		json_object_put(o);
	} else if (fmt == LL_FORMAT_CSV)
		print_csv(r, out);
	else
		print_table(r, out);
}

static void csv_field(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void ll_report_unknown_print(struct json_object *u, enum ll_report_format fmt, FILE *out)
{
	struct json_object *arr = json_object_object_get(u, "unknown_lead_sources");

	if (fmt == LL_FORMAT_JSON) {
		ll_json_print(u, out);
		return;
	}
	if (fmt == LL_FORMAT_CSV)
		fprintf(out, "lead_source,jobs,revenue_cents,fallback\n");
	else
		fprintf(out, "\nunknown lead sources, %s .. %s (add rules for these):\n"
			"%-40s %8s %14s\n",
			json_object_get_string(json_object_object_get(u, "from")),
			json_object_get_string(json_object_object_get(u, "to")),
			"lead source", "jobs", "revenue");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *raw = json_object_get_string(json_object_object_get(e, "lead_source"));
		const char *alt = json_object_get_string(json_object_object_get(e, "fallback"));
		int64_t jobs = json_object_get_int64(json_object_object_get(e, "jobs"));
		int64_t cents = json_object_get_int64(json_object_object_get(e, "revenue_cents"));
		char money[32], shown[128];

		if (fmt == LL_FORMAT_CSV) {
			csv_field(out, raw);
			fprintf(out, ",%" PRId64 ",%" PRId64 ",", jobs, cents);
			csv_field(out, alt ? alt : "");
			fputc('\n', out);
		} else {
			ll_format_cents(cents, money, sizeof money);
			snprintf(shown, sizeof shown, "%s%s%s%s", raw[0] ? raw : "(blank)",
				 alt ? " (" : "", alt ? alt : "", alt ? ")" : "");
			fprintf(out, "%-40.40s %8" PRId64 " %14s\n", shown, jobs, money);
		}
	}
}
