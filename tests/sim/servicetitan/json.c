/* ServiceTitan's record shapes (reference §2.4, §2.5, §2.6, §3.6 to §3.8). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "servicetitan/st.h"

/* .NET's round-trip form, trailing zeros of the fraction dropped:
 * "2025-03-05T08:00:12.5Z", "2025-03-03T15:02:44.113Z", or 7 digits. */
void st_time_text(struct st_time t, char *out, size_t len)
{
	time_t tt = (time_t)t.s;
	struct tm tm;
	char frac[9];
	size_t n;
	int d = 7;

	gmtime_r(&tt, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(frac, sizeof frac, "%07d", (int)t.ticks);
	while (d > 0 && frac[d - 1] == '0')
		d--;
	snprintf(out + n, len - n, "%s%.*sZ", d ? "." : "", d, frac);
}

static struct json_object *time_json(struct st_time t)
{
	char buf[48];

	if (!t.s)
		return NULL;
	st_time_text(t, buf, sizeof buf);
	return json_object_new_string(buf);
}

/* Dollars as a JSON number, its text exact: 1285.4, 82.0, 19.99. */
static struct json_object *money_json(int64_t cents)
{
	char text[40];

	if (cents % 100 == 0)
		snprintf(text, sizeof text, "%lld.0", (long long)(cents / 100));
	else if (cents % 10 == 0)
		snprintf(text, sizeof text, "%lld.%lld", (long long)(cents / 100),
			 (long long)(cents % 100 / 10));
	else
		snprintf(text, sizeof text, "%lld.%02lld", (long long)(cents / 100),
			 (long long)(cents % 100));
	return json_object_new_double_s((double)cents / 100.0, text);
}

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

struct json_object *st_campaign_json(const struct st_campaign *c)
{
	const struct st_category *cat = &st_data.categories[c->category];
	struct json_object *o = json_object_new_object(), *k = json_object_new_object();
	struct json_object *phones = json_object_new_array();

	add(o, "id", json_object_new_int64(c->id));
	add(o, "name", json_object_new_string(c->name));
	add(o, "modifiedOn", time_json(c->modified));
	add(o, "createdOn", time_json(c->created));
	add(o, "active", json_object_new_boolean(c->active));
	add(o, "isDefaultCampaign", json_object_new_boolean(c->is_default));
	add(k, "id", json_object_new_int64(cat->id));
	add(k, "name", json_object_new_string(cat->name));
	add(k, "active", json_object_new_boolean(cat->active));
	add(o, "category", k);
	add(o, "source", json_object_new_string(cat->name));
	add(o, "otherSource", NULL);
	add(o, "businessUnit", json_object_new_string("HVAC - Service"));
	add(o, "medium", json_object_new_string("Paid Search"));
	add(o, "otherMedium", NULL);
	json_object_array_add(phones, json_object_new_string("5555550100"));
	add(o, "campaignPhoneNumbers", phones);
	return o;
}

struct json_object *st_customer_json(const struct st_customer *c)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_object();

	add(o, "id", json_object_new_int64(c->id));
	add(o, "active", json_object_new_boolean(c->active));
	add(o, "name", json_object_new_string(c->name));
	add(o, "type", json_object_new_string("Residential"));
	add(a, "street", json_object_new_string("12 Furnace Way"));
	add(a, "unit", NULL);
	add(a, "city", json_object_new_string("Springfield"));
	add(a, "state", json_object_new_string("IL"));
	add(a, "zip", json_object_new_string("62701"));
	add(a, "country", json_object_new_string("USA"));
	add(o, "address", a);
	add(o, "balance", money_json(0));
	add(o, "doNotMail", json_object_new_boolean(0));
	add(o, "doNotService", json_object_new_boolean(0));
	add(o, "createdOn", time_json(c->created));
	add(o, "createdById", json_object_new_int64(31));
	add(o, "modifiedOn", time_json(c->modified));
	add(o, "mergedToId", c->merged_to >= 0
		? json_object_new_int64(st_data.customers[c->merged_to].id) : NULL);
	add(o, "customFields", json_object_new_array());
	add(o, "tagTypeIds", json_object_new_array());
	add(o, "externalData", json_object_new_array());
	return o;
}

struct json_object *st_job_json(const struct st_job *j, int export_row)
{
	struct json_object *o = json_object_new_object();
	char number[24];

	snprintf(number, sizeof number, "%lld", (long long)j->id);
	add(o, "id", json_object_new_int64(j->id));
	add(o, "jobNumber", json_object_new_string(number));
	add(o, "projectId", NULL);
	add(o, "customerId", json_object_new_int64(st_data.customers[j->customer].id));
	add(o, "locationId", json_object_new_int64(st_data.customers[j->customer].id + 1));
	add(o, "jobStatus", json_object_new_string(j->status));
	add(o, "completedOn", time_json(j->completed));
	add(o, "businessUnitId", json_object_new_int64(12));
	add(o, "jobTypeId", json_object_new_int64(40));
	add(o, "priority", json_object_new_string("Normal"));
	add(o, "campaignId", json_object_new_int64(st_data.campaigns[j->campaign].id));
	add(o, "summary", json_object_new_string("<p>No cooling</p>"));
	add(o, "customFields", json_object_new_array());
	add(o, "appointmentCount", json_object_new_int(1));
	add(o, "firstAppointmentId", json_object_new_int64(j->id * 10));
	add(o, "lastAppointmentId", json_object_new_int64(j->id * 10));
	add(o, "recallForId", NULL);
	add(o, "warrantyId", NULL);
	add(o, "jobGeneratedLeadSource", NULL);
	add(o, "noCharge", json_object_new_boolean(0));
	add(o, "notificationsEnabled", json_object_new_boolean(1));
	add(o, "createdOn", time_json(j->created));
	add(o, "createdById", json_object_new_int64(31));
	add(o, "modifiedOn", time_json(j->modified));
	add(o, "tagTypeIds", json_object_new_array());
	add(o, "leadCallId", NULL);
	add(o, "bookingId", NULL);
	add(o, "soldById", NULL);
	add(o, "externalData", json_object_new_array());
	add(o, "customerPo", NULL);
	add(o, "invoiceId", json_object_new_int64(j->id + 1000));
	add(o, "membershipId", NULL);
	add(o, "total", j->total_null ? NULL : money_json(j->total_cents));
	if (export_row)
		add(o, "active", json_object_new_boolean(j->active));
	return o;
}

struct json_object *st_estimate_json(const struct st_estimate *e)
{
	static const struct { const char *name; int value; } codes[] = {
		{ "Open", 0 }, { "Sold", 1 }, { "Dismissed", 2 }, /* values: a guess */
	};
	struct json_object *o = json_object_new_object(), *st = json_object_new_object();
	char number[24];
	int value = 0;

	for (size_t i = 0; i < 3; i++)
		if (strcmp(codes[i].name, e->status) == 0)
			value = codes[i].value;
	snprintf(number, sizeof number, "%lld", (long long)st_data.jobs[e->job].id);
	add(o, "id", json_object_new_int64(e->id));
	add(o, "jobId", json_object_new_int64(st_data.jobs[e->job].id));
	add(o, "projectId", NULL);
	add(o, "locationId", json_object_new_int64(st_data.customers[e->customer].id + 1));
	add(o, "customerId", json_object_new_int64(st_data.customers[e->customer].id));
	add(o, "name", json_object_new_string("Option A - 3 ton"));
	add(o, "jobNumber", json_object_new_string(number));
	add(st, "value", json_object_new_int(value));
	add(st, "name", json_object_new_string(e->status));
	add(o, "status", st);
	add(o, "reviewStatus", json_object_new_string("None"));
	add(o, "summary", NULL);
	add(o, "createdOn", time_json(e->created));
	add(o, "modifiedOn", time_json(e->modified));
	add(o, "soldOn", time_json(e->sold));
	add(o, "soldBy", e->sold.s ? json_object_new_int64(31) : NULL);
	add(o, "active", json_object_new_boolean(e->active));
	add(o, "items", json_object_new_array());
	add(o, "externalLinks", json_object_new_array());
	add(o, "subtotal", money_json(e->subtotal_cents));
	add(o, "tax", money_json(e->tax_cents));
	add(o, "businessUnitId", json_object_new_int64(12));
	add(o, "businessUnitName", json_object_new_string("HVAC - Replacement"));
	return o;
}
