/* JSON rendering of simulator records in Housecall Pro's real shapes
 * (../shared/reference/housecallpro-api.md, sections 3 to 5). */
#include <stdio.h>
#include <string.h>

#include "housecallpro/hcp.h"

static struct json_object *time_or_null(int64_t t)
{
	char buf[32];

	if (!t)
		return NULL;
	sim_iso(t, 0, buf, sizeof buf);
	return json_object_new_string(buf);
}

static struct json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

struct json_object *hcp_employee_json(const struct hcp_employee *e)
{
	struct json_object *o = json_object_new_object(), *perm = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "first_name", json_object_new_string(e->first));
	json_object_object_add(o, "last_name", json_object_new_string(e->last));
	json_object_object_add(o, "email", NULL);
	json_object_object_add(o, "mobile_number", NULL);
	json_object_object_add(o, "color_hex", json_object_new_string("EF9159"));
	json_object_object_add(o, "avatar_url", NULL);
	json_object_object_add(o, "role", json_object_new_string("field tech"));
	json_object_object_add(o, "tags", json_object_new_array());
	json_object_object_add(perm, "is_admin", json_object_new_boolean(0));
	json_object_object_add(perm, "can_see_marketing_campaigns", json_object_new_boolean(1));
	json_object_object_add(o, "permissions", perm);
	json_object_object_add(o, "created_at", time_or_null(e->created));
	json_object_object_add(o, "company_name", json_object_new_string("PATTON PLUMBING"));
	json_object_object_add(o, "company_id", json_object_new_string(hcp_current->company_id));
	return o;
}

struct json_object *hcp_customer_json(const struct hcp_customer *c, int with_addresses)
{
	struct json_object *o = json_object_new_object();
	char email[80];

	snprintf(email, sizeof email, "%s.%s@example.com", c->first, c->last);
	json_object_object_add(o, "id", json_object_new_string(c->id));
	json_object_object_add(o, "first_name", json_object_new_string(c->first));
	json_object_object_add(o, "last_name", json_object_new_string(c->last));
	json_object_object_add(o, "email", json_object_new_string(email));
	json_object_object_add(o, "mobile_number", json_object_new_string("3125550148"));
	json_object_object_add(o, "home_number", NULL);
	json_object_object_add(o, "work_number", NULL);
	json_object_object_add(o, "company", NULL);
	json_object_object_add(o, "notifications_enabled", json_object_new_boolean(1));
	json_object_object_add(o, "lead_source", str_or_null(c->lead_source));
	json_object_object_add(o, "notes", NULL);
	json_object_object_add(o, "created_at", time_or_null(c->created));
	json_object_object_add(o, "updated_at", time_or_null(c->updated));
	json_object_object_add(o, "company_name", json_object_new_string("PATTON PLUMBING"));
	json_object_object_add(o, "company_id", json_object_new_string(hcp_current->company_id));
	json_object_object_add(o, "tags", json_object_new_array());
	json_object_object_add(o, "kind", json_object_new_string("homeowner"));
	if (with_addresses) {
		struct json_object *a = json_object_new_object(), *arr = json_object_new_array();

		json_object_object_add(a, "id", json_object_new_string("adr_6f5e4d3c2b1a4f0e9d8c7b6a5f4e3d2c"));
		json_object_object_add(a, "type", json_object_new_string("service"));
		json_object_object_add(a, "street", json_object_new_string("200 Sample St"));
		json_object_object_add(a, "street_line_2", json_object_new_string(""));
		json_object_object_add(a, "city", json_object_new_string("Springfield"));
		json_object_object_add(a, "state", json_object_new_string("IL"));
		json_object_object_add(a, "zip", json_object_new_string("62701"));
		json_object_object_add(a, "country", json_object_new_string("US"));
		json_object_array_add(arr, a);
		json_object_object_add(o, "addresses", arr);
	}
	return o;
}

static struct json_object *null_address(void)
{
	static const char *const keys[] = { "id", "type", "street", "street_line_2", "city",
					    "state", "zip", "country" };
	struct json_object *a = json_object_new_object();

	for (size_t i = 0; i < 8; i++)
		json_object_object_add(a, keys[i], NULL);
	return a;
}

static struct json_object *schedule_json(int64_t start)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "scheduled_start", time_or_null(start));
	json_object_object_add(o, "scheduled_end", time_or_null(start ? start + 3600 : 0));
	json_object_object_add(o, "arrival_window", json_object_new_int(0));
	json_object_object_add(o, "appointments", json_object_new_array());
	return o;
}

struct json_object *hcp_job_json(const struct hcp_job *j)
{
	struct json_object *o = json_object_new_object(), *ts = json_object_new_object();
	struct json_object *emps = json_object_new_array(), *fields = json_object_new_object();
	char inv[16];

	snprintf(inv, sizeof inv, "%d", j->invoice_number);
	json_object_object_add(o, "id", json_object_new_string(j->id));
	json_object_object_add(o, "invoice_number", json_object_new_string(inv));
	json_object_object_add(o, "description", json_object_new_string("Service call"));
	json_object_object_add(o, "customer", hcp_customer_json(&hcp_current->customers[j->customer], 0));
	json_object_object_add(o, "address", null_address());
	json_object_object_add(o, "notes", json_object_new_array());
	json_object_object_add(o, "work_status", json_object_new_string(j->work_status));
	json_object_object_add(ts, "on_my_way_at", NULL);
	json_object_object_add(ts, "started_at", time_or_null(j->started_at));
	json_object_object_add(ts, "completed_at", time_or_null(j->completed_at));
	json_object_object_add(o, "work_timestamps", ts);
	json_object_object_add(o, "schedule", schedule_json(j->scheduled_start));
	json_object_object_add(o, "total_amount", json_object_new_int64(j->total_amount));
	json_object_object_add(o, "outstanding_balance", json_object_new_int64(0));
	json_object_object_add(o, "subtotal", json_object_new_int64(j->total_amount));
	if (j->employee >= 0)
		json_object_array_add(emps, hcp_employee_json(&hcp_current->employees[j->employee]));
	json_object_object_add(o, "assigned_employees", emps);
	json_object_object_add(o, "tags", json_object_new_array());
	json_object_object_add(o, "original_estimate_id", NULL);
	json_object_object_add(o, "original_estimate_uuids", json_object_new_array());
	json_object_object_add(o, "lead_source", str_or_null(j->lead_source));
	json_object_object_add(fields, "job_type", NULL);
	json_object_object_add(fields, "business_unit", NULL);
	json_object_object_add(o, "job_fields", fields);
	json_object_object_add(o, "locked_at", NULL);
	json_object_object_add(o, "created_at", time_or_null(j->created));
	json_object_object_add(o, "updated_at", time_or_null(j->updated));
	json_object_object_add(o, "canceled_at", strcmp(j->work_status, "user canceled") == 0
				? time_or_null(j->updated) : NULL);
	json_object_object_add(o, "deleted_at", time_or_null(j->deleted_at));
	json_object_object_add(o, "company_name", json_object_new_string("PATTON PLUMBING"));
	json_object_object_add(o, "company_id", json_object_new_string(hcp_current->company_id));
	json_object_object_add(o, "recurrence_number", NULL);
	json_object_object_add(o, "recurrence_rule", NULL);
	return o;
}

struct json_object *hcp_estimate_json(const struct hcp_estimate *e)
{
	struct json_object *o = json_object_new_object(), *opts = json_object_new_array();
	struct json_object *opt = json_object_new_object(), *fields = json_object_new_object();
	struct json_object *ts = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(e->id));
	json_object_object_add(o, "estimate_number", json_object_new_string("8"));
	json_object_object_add(o, "work_status", json_object_new_string(e->work_status));
	json_object_object_add(o, "lead_source", str_or_null(e->lead_source));
	json_object_object_add(o, "customer", hcp_customer_json(&hcp_current->customers[e->customer], 0));
	json_object_object_add(o, "address", null_address());
	json_object_object_add(o, "created_at", time_or_null(e->created));
	json_object_object_add(o, "updated_at", time_or_null(e->updated));
	json_object_object_add(o, "company_name", json_object_new_string("PATTON PLUMBING"));
	json_object_object_add(o, "company_id", json_object_new_string(hcp_current->company_id));
	json_object_object_add(ts, "on_my_way_at", NULL);
	json_object_object_add(ts, "started_at", NULL);
	json_object_object_add(ts, "completed_at", NULL);
	json_object_object_add(o, "work_timestamps", ts);
	json_object_object_add(o, "schedule", schedule_json(0));
	json_object_object_add(o, "assigned_employees", json_object_new_array());
	json_object_object_add(fields, "job_type", NULL);
	json_object_object_add(fields, "business_unit", NULL);
	json_object_object_add(o, "estimate_fields", fields);
	json_object_object_add(opt, "id", json_object_new_string(e->option_id));
	json_object_object_add(opt, "name", json_object_new_string("Option #1"));
	json_object_object_add(opt, "option_number", json_object_new_string("8"));
	json_object_object_add(opt, "total_amount", json_object_new_int64(e->amount));
	json_object_object_add(opt, "approval_status", str_or_null(e->approval));
	json_object_object_add(opt, "status", json_object_new_string(e->work_status));
	json_object_object_add(opt, "message_from_pro", NULL);
	json_object_object_add(opt, "tags", json_object_new_array());
	json_object_object_add(opt, "notes", json_object_new_array());
	json_object_object_add(opt, "created_at", time_or_null(e->created));
	json_object_object_add(opt, "updated_at", time_or_null(e->updated));
	json_object_array_add(opts, opt);
	json_object_object_add(o, "options", opts);
	return o;
}

