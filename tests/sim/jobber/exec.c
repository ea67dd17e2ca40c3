/*
 * Running a validated query against the account (schema.h): the root
 * connections filtered, sorted and paged by offset cursors, each record's
 * selected fields, and the actual cost (the fields returned).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobber/schema.h"

/* ---- execution ---- */

enum list_kind { LIST_JOBS, LIST_CLIENTS, LIST_QUOTES, LIST_USERS };

/* One page of a root connection. */
struct conn {
	enum list_kind kind;
	size_t *idx;       /* records in order, filtered */
	size_t n;          /* how many match */
	size_t start, count; /* this page */
};

/* What a selection set runs on. */
struct rec {
	const struct type *type;
	size_t i;                /* record index, or position in the page */
	const struct conn *conn; /* connections, edges, pageInfo */
};

static struct json_object *exec_object(struct jb_query *q, const struct rec *r,
				       const struct gql_selection *sels);

static struct json_object *time_json(int64_t t)
{
	char buf[40];

	if (!t)
		return NULL;
	sim_iso(t, 0, buf, sizeof buf);
	return json_object_new_string(buf);
}

static struct json_object *money_json(int64_t mills)
{
	char text[40];

	jb_money_text(mills, text, sizeof text);
	return json_object_new_double_s((double)mills / 1000.0, text);
}

static struct json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void cursor_of(size_t position, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char dec[24];
	size_t in = (size_t)snprintf(dec, sizeof dec, "%zu", position), o = 0;

	/* Unpadded base64 of the decimal position: "50" is "NTA". */
	for (size_t i = 0; i < in && o + 5 < len; i += 3) {
		unsigned v = (unsigned char)dec[i] << 16;

		if (i + 1 < in)
			v |= (unsigned char)dec[i + 1] << 8;
		if (i + 2 < in)
			v |= (unsigned char)dec[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < in)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < in)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

/* The position a cursor stands for, or -1. */
static long cursor_position(const char *cursor)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char dec[24];
	size_t n = 0, len = strlen(cursor);
	unsigned acc = 0;
	int bits = 0;
	char *end;
	long pos;

	for (size_t i = 0; i < len && cursor[i] != '='; i++) {
		const char *p = strchr(b64, cursor[i]);

		if (!p || !cursor[i])
			return -1;
		acc = acc << 6 | (unsigned)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n + 1 >= sizeof dec)
				return -1;
			dec[n++] = (char)(acc >> bits & 0xff);
		}
	}
	dec[n] = '\0';
	pos = strtol(dec, &end, 10);
	return n && !*end && pos >= 0 ? pos : -1;
}

static struct json_object *leaf_job(const struct jb_job *j, const char *name)
{
	if (!strcmp(name, "id")) return json_object_new_string(j->id);
	if (!strcmp(name, "jobNumber")) return json_object_new_int(j->number);
	if (!strcmp(name, "title")) return json_object_new_string(j->title);
	if (!strcmp(name, "instructions")) return NULL;
	if (!strcmp(name, "jobStatus")) return json_object_new_string(j->status);
	if (!strcmp(name, "jobType")) return json_object_new_string(j->recurring ? "RECURRING" : "ONE_OFF");
	if (!strcmp(name, "createdAt")) return time_json(j->created);
	if (!strcmp(name, "updatedAt")) return time_json(j->updated);
	if (!strcmp(name, "startAt")) return time_json(j->start_at);
	if (!strcmp(name, "endAt")) return time_json(j->end_at);
	if (!strcmp(name, "completedAt")) return time_json(j->completed_at);
	if (!strcmp(name, "total")) return money_json(j->total_mills);
	if (!strcmp(name, "invoicedTotal"))
		return money_json(strcmp(j->status, "archived") == 0 && j->completed_at ? j->total_mills : 0);
	if (!strcmp(name, "uninvoicedTotal"))
		return money_json(strcmp(j->status, "requires_invoicing") == 0 ? j->total_mills : 0);
	return json_object_new_string(j->recurring ? "SCHEDULE_RECURRING" : "GQL_API"); /* source */
}

static struct json_object *leaf_client(const struct jb_client *c, const char *name)
{
	char full[64];

	if (!strcmp(name, "id")) return json_object_new_string(c->id);
	if (!strcmp(name, "name")) {
		snprintf(full, sizeof full, "%s %s", c->first, c->last);
		return json_object_new_string(c->company ? c->company : full);
	}
	if (!strcmp(name, "firstName")) return json_object_new_string(c->first);
	if (!strcmp(name, "lastName")) return json_object_new_string(c->last);
	if (!strcmp(name, "companyName")) return string_or_null(c->company);
	if (!strcmp(name, "isCompany")) return json_object_new_boolean(c->company != NULL);
	if (!strcmp(name, "isLead")) return json_object_new_boolean(c->is_lead);
	if (!strcmp(name, "isArchived")) return json_object_new_boolean(0);
	if (!strcmp(name, "createdAt")) return time_json(c->created);
	if (!strcmp(name, "updatedAt")) return time_json(c->updated);
	if (!strcmp(name, "leadSource")) return string_or_null(c->lead_source);
	if (!strcmp(name, "displayLeadSource")) return string_or_null(c->display_lead_source);
	return json_object_new_string(c->display_lead_source ? c->display_lead_source : ""); /* sourceText */
}

static struct json_object *leaf_quote(const struct jb_quote *qu, const char *type, const char *name)
{
	char num[16];

	if (strcmp(type, "QuoteAmounts") == 0) {
		if (!strcmp(name, "subtotal")) return money_json(qu->subtotal_mills);
		if (!strcmp(name, "total")) return money_json(qu->subtotal_mills + qu->tax_mills);
		if (!strcmp(name, "taxAmount")) return money_json(qu->tax_mills);
		return money_json(0); /* discountAmount, depositAmount */
	}
	if (!strcmp(name, "id")) return json_object_new_string(qu->id);
	if (!strcmp(name, "quoteNumber")) {
		snprintf(num, sizeof num, "%d", qu->number);
		return json_object_new_string(num);
	}
	if (!strcmp(name, "quoteStatus")) return json_object_new_string(qu->status);
	if (!strcmp(name, "createdAt")) return time_json(qu->created);
	if (!strcmp(name, "updatedAt")) return time_json(qu->updated);
	return time_json(qu->sent_at); /* sentAt */
}

static struct json_object *leaf_user(const struct jb_user *u, const char *type, const char *name)
{
	char buf[80];

	if (!strcmp(name, "id")) return json_object_new_string(u->id);
	if (!strcmp(type, "Email")) {
		snprintf(buf, sizeof buf, "%s@greenway.example", u->first);
		for (char *p = buf; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		return json_object_new_string(buf);
	}
	if (!strcmp(name, "first")) return json_object_new_string(u->first);
	if (!strcmp(name, "last")) return json_object_new_string(u->last);
	snprintf(buf, sizeof buf, "%s %s", u->first, u->last);
	return json_object_new_string(buf); /* full */
}

static struct json_object *leaf_page(const struct conn *c, const char *type, const char *name,
				     size_t pos)
{
	char cur[40];

	if (strcmp(type, "PageInfo") != 0) { /* an edge's cursor, or totalCount */
		if (!strcmp(name, "totalCount"))
			return json_object_new_int64((int64_t)c->n);
		cursor_of(c->start + pos + 1, cur, sizeof cur);
		return json_object_new_string(cur);
	}
	if (!strcmp(name, "hasNextPage")) return json_object_new_boolean(c->start + c->count < c->n);
	if (!strcmp(name, "hasPreviousPage")) return json_object_new_boolean(c->start > 0);
	if (c->count == 0)
		return NULL;
	cursor_of(!strcmp(name, "startCursor") ? c->start + 1 : c->start + c->count, cur, sizeof cur);
	return json_object_new_string(cur);
}

static const struct type *node_type(enum list_kind k)
{
	return k == LIST_JOBS ? &t_job : k == LIST_CLIENTS ? &t_client : k == LIST_QUOTES ? &t_quote
	       : &t_user;
}

static struct json_object *leaf(const struct rec *r, const char *name)
{
	const char *t = r->type->name;

	if (!strcmp(t, "Job")) return leaf_job(&jb_data.jobs[r->i], name);
	if (!strcmp(t, "Client") || !strcmp(t, "SourceAttribution"))
		return leaf_client(&jb_data.clients[r->i], name);
	if (!strcmp(t, "Quote") || !strcmp(t, "QuoteAmounts"))
		return leaf_quote(&jb_data.quotes[r->i], t, name);
	if (!strcmp(t, "User") || !strcmp(t, "Name") || !strcmp(t, "Email"))
		return leaf_user(&jb_data.users[r->i], t, name);
	return leaf_page(r->conn, t, name, r->i);
}

/* ---- root connections: filter, sort, page ---- */

static const struct conn *sort_conn; /* qsort has no context; under sim_lock */
static const char *sort_key;
static int sort_desc;

static int64_t key_of(enum list_kind k, size_t i, int *number)
{
	int created = strcmp(sort_key, "CREATED_AT") == 0;

	switch (k) {
	case LIST_JOBS:
		*number = jb_data.jobs[i].number;
		if (!strcmp(sort_key, "JOB_NUMBER")) return jb_data.jobs[i].number;
		if (!strcmp(sort_key, "TOTAL_COST")) return jb_data.jobs[i].total_mills;
		if (!strcmp(sort_key, "JOB_STATUS")) return (int64_t)(unsigned char)jb_data.jobs[i].status[0];
		return created ? jb_data.jobs[i].created : jb_data.jobs[i].updated;
	case LIST_CLIENTS:
		*number = (int)i;
		return created ? jb_data.clients[i].created : jb_data.clients[i].updated;
	case LIST_QUOTES:
		*number = jb_data.quotes[i].number;
		return created ? jb_data.quotes[i].created : jb_data.quotes[i].updated;
	default:
		*number = (int)i;
		return jb_data.users[i].created;
	}
}

static int cmp_records(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int nx, ny;
	int64_t kx = key_of(sort_conn->kind, x, &nx), ky = key_of(sort_conn->kind, y, &ny);
	int c = kx < ky ? -1 : kx > ky ? 1 : 0;

	if (c == 0) /* ties by number, ascending, whatever the direction */
		return nx < ny ? -1 : nx > ny;
	return sort_desc ? -c : c;
}

static size_t list_size(enum list_kind k)
{
	return k == LIST_JOBS ? jb_data.n_jobs : k == LIST_CLIENTS ? jb_data.n_clients
	       : k == LIST_QUOTES ? jb_data.n_quotes : jb_data.n_users;
}

static int hidden(enum list_kind k, size_t i)
{
	return k == LIST_JOBS ? jb_data.jobs[i].hidden : k == LIST_CLIENTS ? jb_data.clients[i].hidden
	       : k == LIST_QUOTES ? jb_data.quotes[i].hidden : jb_data.users[i].hidden;
}

/* A date range {after, before, eq} against t: 1 when t is in it. */
static int in_range(struct json_object *range, int64_t t)
{
	struct json_object *v;
	int64_t bound;

	if (!range)
		return 1;
	if (json_object_object_get_ex(range, "after", &v) && v &&
	    sim_parse_iso(json_object_get_string(v), &bound) == 0 && !(t > bound))
		return 0;
	if (json_object_object_get_ex(range, "before", &v) && v &&
	    sim_parse_iso(json_object_get_string(v), &bound) == 0 && !(t < bound))
		return 0;
	if (json_object_object_get_ex(range, "eq", &v) && v &&
	    sim_parse_iso(json_object_get_string(v), &bound) == 0 && t != bound)
		return 0;
	return 1;
}

static int matches(enum list_kind k, size_t i, struct json_object *filter)
{
	struct json_object *updated = NULL, *created = NULL, *completed = NULL;

	if (!filter)
		return 1;
	json_object_object_get_ex(filter, "updatedAt", &updated);
	json_object_object_get_ex(filter, "createdAt", &created);
	json_object_object_get_ex(filter, "completedAt", &completed);
	switch (k) {
	case LIST_JOBS:
		return in_range(created, jb_data.jobs[i].created) &&
		       (!completed || (jb_data.jobs[i].completed_at &&
				       in_range(completed, jb_data.jobs[i].completed_at)));
	case LIST_CLIENTS:
		return in_range(updated, jb_data.clients[i].updated) &&
		       in_range(created, jb_data.clients[i].created);
	case LIST_QUOTES:
		return in_range(updated, jb_data.quotes[i].updated) &&
		       in_range(created, jb_data.quotes[i].created);
	default:
		return 1;
	}
}

/* The sort a connection asks for, or -1 with the error added. */
static int parse_sort(struct jb_query *q, const struct gql_selection *sel, enum list_kind k)
{
	static const char *const job_keys[] = { "UPDATED_AT", "CREATED_AT", "JOB_NUMBER",
						"JOB_STATUS", "TOTAL_COST", NULL };
	static const char *const other_keys[] = { "UPDATED_AT", "CREATED_AT", NULL };
	struct json_object *sort = jb_value_json(q, gql_arg(sel, "sort")), *first, *v;
	int rc = 0;

	sort_key = k == LIST_USERS ? "CREATED_AT" : "UPDATED_AT";
	sort_desc = k != LIST_USERS;
	first = sort && json_object_is_type(sort, json_type_array) && json_object_array_length(sort)
		? json_object_array_get_idx(sort, 0) : NULL;
	if (first && json_object_object_get_ex(first, "key", &v) && v) {
		const char *key = json_object_get_string(v);

		if (!jb_listed(k == LIST_JOBS ? job_keys : other_keys, key)) {
			jb_add_error(q, sel, "argumentLiteralsIncompatible",
				  "Argument 'key' on InputObject '%s' has an invalid value (%s)",
				  k == LIST_JOBS ? "JobsSortInput" : "SortInput", key);
			rc = -1;
		} else {
			sort_key = key;
		}
	}
	if (rc == 0 && first && json_object_object_get_ex(first, "direction", &v) && v)
		sort_desc = strcmp(json_object_get_string(v), "DESCENDING") == 0;
	json_object_put(sort);
	return rc;
}

static int build_conn(struct jb_query *q, const struct gql_selection *sel, enum list_kind k,
		      struct conn *c)
{
	struct json_object *filter = jb_value_json(q, gql_arg(sel, "filter"));
	struct json_object *after = jb_value_json(q, gql_arg(sel, "after"));
	struct json_object *offset = jb_value_json(q, gql_arg(sel, "offset"));
	size_t total = list_size(k);
	long start = 0;
	int64_t first = jb_page_size(q, sel);

	memset(c, 0, sizeof *c);
	c->kind = k;
	c->idx = malloc((total + 1) * sizeof *c->idx);
	if (!c->idx || parse_sort(q, sel, k) < 0) {
		json_object_put(filter);
		json_object_put(after);
		json_object_put(offset);
		return -1;
	}
	for (size_t i = 0; i < total; i++)
		if (!hidden(k, i) && matches(k, i, filter))
			c->idx[c->n++] = i;
	sort_conn = c;
	qsort(c->idx, c->n, sizeof *c->idx, cmp_records);
	/* "When both after and offset are provided, after will be ignored." */
	if (offset)
		start = (long)json_object_get_int64(offset);
	else if (after && (start = cursor_position(json_object_get_string(after))) < 0)
		jb_add_error(q, sel, "invalidCursor", "Invalid cursor: %s", json_object_get_string(after));
	json_object_put(filter);
	json_object_put(after);
	json_object_put(offset);
	if (start < 0 || q->errors)
		return -1;
	c->start = (size_t)start < c->n ? (size_t)start : c->n;
	c->count = c->n - c->start < (size_t)first ? c->n - c->start : (size_t)first;
	return 0;
}

static struct json_object *exec_list(struct jb_query *q, const struct rec *r,
				     const struct gql_selection *sel, int edges)
{
	struct json_object *arr = json_object_new_array();
	const struct type *nt = node_type(r->conn->kind);

	for (size_t k = 0; k < r->conn->count; k++) {
		struct rec node = { nt, r->conn->idx[r->conn->start + k], NULL };
		struct rec edge = { edges ? jb_field_of(r->type, "edges")->type : NULL, k, r->conn };

		json_object_array_add(arr, exec_object(q, edges ? &edge : &node, sel->selections));
	}
	return arr;
}

/* A record looked up by id (job(id:), client(id:), quote(id:)). */
static long find_by_id(enum list_kind k, const char *id)
{
	for (size_t i = 0; id && i < list_size(k); i++) {
		const char *rid = k == LIST_JOBS ? jb_data.jobs[i].id : k == LIST_CLIENTS
				  ? jb_data.clients[i].id : jb_data.quotes[i].id;

		if (!hidden(k, i) && strcmp(rid, id) == 0)
			return (long)i;
	}
	return -1;
}

static enum list_kind kind_named(const char *name)
{
	return !strncmp(name, "job", 3) ? LIST_JOBS : !strncmp(name, "client", 6) ? LIST_CLIENTS
	       : !strncmp(name, "quote", 5) ? LIST_QUOTES : LIST_USERS;
}

static struct json_object *exec_root(struct jb_query *q, const struct field *f,
				     const struct gql_selection *sel)
{
	enum list_kind k = kind_named(f->name);
	struct json_object *out, *id;
	struct conn c;
	long i;

	if (!f->connection) {
		id = jb_value_json(q, gql_arg(sel, "id"));
		i = find_by_id(k, id ? json_object_get_string(id) : NULL);
		json_object_put(id);
		if (i < 0)
			return NULL;
		return exec_object(q, &(struct rec){ f->type, (size_t)i, NULL }, sel->selections);
	}
	if (build_conn(q, sel, k, &c) < 0) {
		free(c.idx);
		return NULL;
	}
	if (k == LIST_JOBS)
		jb_page_served(c.start, (size_t)jb_page_size(q, sel));
	out = exec_object(q, &(struct rec){ f->type, 0, &c }, sel->selections);
	free(c.idx);
	return out;
}

static struct json_object *exec_field(struct jb_query *q, const struct rec *r,
				      const struct gql_selection *sel)
{
	const struct field *f;
	struct rec child;

	if (strcmp(sel->name, "__typename") == 0)
		return json_object_new_string(r->type->name);
	f = jb_field_of(r->type, sel->name);
	q->actual_cost += f->free ? 0 : 1;
	if (f->leaf != L_NONE)
		return leaf(r, f->name);
	if (r->type == &t_query)
		return exec_root(q, f, sel);
	if (!strcmp(f->name, "nodes") || !strcmp(f->name, "edges"))
		return exec_list(q, r, sel, !strcmp(f->name, "edges"));
	child = (struct rec){ f->type, r->i, r->conn };
	if (!strcmp(f->name, "node"))
		child = (struct rec){ node_type(r->conn->kind), r->conn->idx[r->conn->start + r->i], NULL };
	else if (!strcmp(f->name, "client") && !strcmp(r->type->name, "Job"))
		child.i = (size_t)jb_data.jobs[r->i].client;
	else if (!strcmp(f->name, "client"))
		child.i = (size_t)jb_data.quotes[r->i].client;
	else if (!strcmp(f->name, "sourceAttribution") && !jb_data.clients[r->i].display_lead_source)
		return NULL;
	return exec_object(q, &child, sel->selections);
}

static void exec_into(struct jb_query *q, const struct rec *r, const struct gql_selection *sels,
		      struct json_object *out)
{
	for (const struct gql_selection *s = sels; s; s = s->next) {
		const char *key = s->alias ? s->alias : s->name;

		if (s->kind == GQL_SPREAD)
			exec_into(q, r, gql_fragment(q->doc, s->name)->selections, out);
		else if (s->kind == GQL_INLINE)
			exec_into(q, r, s->selections, out);
		else if (!json_object_object_get_ex(out, key, NULL))
			json_object_object_add(out, key, exec_field(q, r, s));
	}
}

static struct json_object *exec_object(struct jb_query *q, const struct rec *r,
				       const struct gql_selection *sels)
{
	struct json_object *out = json_object_new_object();

	exec_into(q, r, sels, out);
	return out;
}

int jb_execute(struct jb_query *q)
{
	q->actual_cost = 0;
	q->data = exec_object(q, &(struct rec){ &t_query, 0, NULL }, q->doc->selections);
	if (q->errors) {
		json_object_put(q->data);
		q->data = NULL;
		return -1;
	}
	return 0;
}
