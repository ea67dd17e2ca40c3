/*
 * What Jobber's GraphQL schema holds of jobs, clients, quotes and users
 * (reference §1.2 to §1.6), and queries validated against it as
 * graphql-ruby does (executed in exec.c): a query asking for a field or
 * argument the schema lacks fails whole, with no data.
 *
 * Cost (reference §1.7): every field 1 point; nodes, edges, node and
 * __typename 0; a connection multiplies what one node costs by first (100
 * when not given).  Requested cost comes from the query; actual cost
 * counts the fields returned.  The reference's example (502 for 50 jobs)
 * counts only a node's direct fields; we count nested fields too [guess],
 * which costs a client more, never less.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobber/schema.h"

static const char *const connection_args[] = { "first", "last", "after", "before", "offset",
						"filter", "sort", "searchTerm", NULL };
static const char *const users_args[] = { "first", "last", "after", "before", "offset", NULL };
static const char *const id_args[] = { "id", NULL };

#define LEAF(n, t, l) { n, t, l, NULL, NULL, 0, 0 }
#define OBJ(n, t, ty) { n, t, L_NONE, &ty, NULL, 0, 0 }
#define END { NULL, NULL, L_NONE, NULL, NULL, 0, 0 }

const struct type t_source_attribution = { "SourceAttribution", (const struct field[]){
	LEAF("displayLeadSource", "String", L_STRING), LEAF("sourceText", "String!", L_STRING), END } };
const struct type t_client = { "Client", (const struct field[]){
	LEAF("id", "EncodedId!", L_ID), LEAF("name", "String!", L_STRING),
	LEAF("firstName", "String!", L_STRING), LEAF("lastName", "String!", L_STRING),
	LEAF("companyName", "String", L_STRING), LEAF("isCompany", "Boolean!", L_BOOL),
	LEAF("isLead", "Boolean!", L_BOOL), LEAF("isArchived", "Boolean!", L_BOOL),
	LEAF("createdAt", "ISO8601DateTime!", L_TIME), LEAF("updatedAt", "ISO8601DateTime!", L_TIME),
	LEAF("leadSource", "String", L_STRING),
	OBJ("sourceAttribution", "SourceAttribution", t_source_attribution), END } };
const struct type t_job = { "Job", (const struct field[]){
	LEAF("id", "EncodedId!", L_ID), LEAF("jobNumber", "Int!", L_INT),
	LEAF("title", "String", L_STRING), LEAF("instructions", "String", L_STRING),
	LEAF("jobStatus", "JobStatusTypeEnum!", L_ENUM), LEAF("jobType", "JobTypeTypeEnum!", L_ENUM),
	LEAF("createdAt", "ISO8601DateTime!", L_TIME), LEAF("updatedAt", "ISO8601DateTime!", L_TIME),
	LEAF("startAt", "ISO8601DateTime", L_TIME), LEAF("endAt", "ISO8601DateTime", L_TIME),
	LEAF("completedAt", "ISO8601DateTime", L_TIME), LEAF("total", "Float!", L_FLOAT),
	LEAF("invoicedTotal", "Float!", L_FLOAT), LEAF("uninvoicedTotal", "Float!", L_FLOAT),
	LEAF("source", "Source!", L_ENUM), OBJ("client", "Client!", t_client), END } };
const struct type t_amounts = { "QuoteAmounts", (const struct field[]){
	LEAF("subtotal", "Float!", L_FLOAT), LEAF("total", "Float!", L_FLOAT),
	LEAF("taxAmount", "Float!", L_FLOAT), LEAF("discountAmount", "Float!", L_FLOAT),
	LEAF("depositAmount", "Float!", L_FLOAT), END } };
const struct type t_quote = { "Quote", (const struct field[]){
	LEAF("id", "EncodedId!", L_ID), LEAF("quoteNumber", "String!", L_STRING),
	LEAF("quoteStatus", "QuoteStatusTypeEnum!", L_ENUM),
	LEAF("createdAt", "ISO8601DateTime!", L_TIME), LEAF("updatedAt", "ISO8601DateTime!", L_TIME),
	LEAF("sentAt", "ISO8601DateTime", L_TIME), OBJ("amounts", "QuoteAmounts!", t_amounts),
	OBJ("client", "Client!", t_client), END } };
const struct type t_name = { "Name", (const struct field[]){
	LEAF("first", "String!", L_STRING), LEAF("last", "String!", L_STRING),
	LEAF("full", "String!", L_STRING), END } };
const struct type t_email = { "Email", (const struct field[]){ LEAF("raw", "String!", L_STRING), END } };
const struct type t_user = { "User", (const struct field[]){
	LEAF("id", "EncodedId!", L_ID), OBJ("name", "Name!", t_name), OBJ("email", "Email!", t_email),
	END } };
const struct type t_page_info = { "PageInfo", (const struct field[]){
	LEAF("hasNextPage", "Boolean!", L_BOOL), LEAF("hasPreviousPage", "Boolean!", L_BOOL),
	LEAF("startCursor", "String", L_STRING), LEAF("endCursor", "String", L_STRING), END } };

#define EDGE(tn, node_type) { tn, (const struct field[]){ \
	LEAF("cursor", "String!", L_STRING), \
	{ "node", #node_type "!", L_NONE, &node_type, NULL, 1, 0 }, END } }
#define CONNECTION(tn, node_type, edge_type) { tn, (const struct field[]){ \
	{ "nodes", "[" #node_type "!]!", L_NONE, &node_type, NULL, 1, 0 }, \
	{ "edges", "[" #edge_type "!]!", L_NONE, &edge_type, NULL, 1, 0 }, \
	OBJ("pageInfo", "PageInfo!", t_page_info), LEAF("totalCount", "Int", L_INT), END } }

const struct type t_job_edge = EDGE("JobEdge", t_job);
const struct type t_client_edge = EDGE("ClientEdge", t_client);
const struct type t_quote_edge = EDGE("QuoteEdge", t_quote);
const struct type t_user_edge = EDGE("UserEdge", t_user);
const struct type t_job_conn = CONNECTION("JobConnection", t_job, t_job_edge);
const struct type t_client_conn = CONNECTION("ClientConnection", t_client, t_client_edge);
const struct type t_quote_conn = CONNECTION("QuoteConnection", t_quote, t_quote_edge);
const struct type t_user_conn = CONNECTION("UserConnection", t_user, t_user_edge);

const struct type t_query = { "Query", (const struct field[]){
	{ "jobs", "JobConnection!", L_NONE, &t_job_conn, connection_args, 0, 1 },
	{ "clients", "ClientConnection!", L_NONE, &t_client_conn, connection_args, 0, 1 },
	{ "quotes", "QuoteConnection!", L_NONE, &t_quote_conn, connection_args, 0, 1 },
	{ "users", "UserConnection!", L_NONE, &t_user_conn, users_args, 0, 1 },
	{ "job", "Job", L_NONE, &t_job, id_args, 0, 0 },
	{ "client", "Client", L_NONE, &t_client, id_args, 0, 0 },
	{ "quote", "Quote", L_NONE, &t_quote, id_args, 0, 0 },
	END } };

/* The filter attributes each root connection accepts (reference §1.3). */
static const char *const job_filter[] = { "jobType", "createdAt", "startAt", "endAt", "completedAt",
					  "visitsScheduledBetween", "status", "ids",
					  "includeUnscheduled", "onlyInvoiceable", NULL };
static const char *const client_filter[] = { "isCompany", "isLead", "isArchived", "updatedAt",
					     "createdAt", "tags", NULL };
static const char *const quote_filter[] = { "clientId", "quoteNumber", "status", "cost", "sentAt",
					    "updatedAt", "createdAt", NULL };

const struct field *jb_field_of(const struct type *t, const char *name)
{
	for (const struct field *f = t->fields; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

int jb_listed(const char *const *names, const char *name)
{
	for (; names && *names; names++)
		if (strcmp(*names, name) == 0)
			return 1;
	return 0;
}

/* ---- errors as graphql-ruby words them ---- */

void jb_add_error(struct jb_query *q, const struct gql_selection *at, const char *code,
		      const char *fmt, ...)
{
	struct json_object *e = json_object_new_object(), *ext = json_object_new_object();
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!q->errors)
		q->errors = json_object_new_array();
	json_object_object_add(e, "message", json_object_new_string(msg));
	if (at) {
		struct json_object *loc = json_object_new_object(), *locs = json_object_new_array();

		json_object_object_add(loc, "line", json_object_new_int(at->line));
		json_object_object_add(loc, "column", json_object_new_int(at->column));
		json_object_array_add(locs, loc);
		json_object_object_add(e, "locations", locs);
	}
	json_object_object_add(ext, "code", json_object_new_string(code));
	json_object_object_add(e, "extensions", ext);
	json_object_array_add(q->errors, e);
}

/* ---- argument values, variables resolved ---- */

static const struct gql_variable_def *variable_def(const struct jb_query *q, const char *name)
{
	for (const struct gql_variable_def *v = q->doc->variables; v; v = v->next)
		if (strcmp(v->name, name) == 0)
			return v;
	return NULL;
}

/* A value as JSON (a new reference, or NULL for null). */
struct json_object *jb_value_json(const struct jb_query *q, const struct gql_value *v)
{
	struct json_object *o, *given;
	const struct gql_variable_def *def;

	if (!v)
		return NULL;
	switch (v->kind) {
	case GV_VARIABLE:
		if (q->variables && json_object_object_get_ex(q->variables, v->text, &given))
			return json_object_get(given);
		def = variable_def(q, v->text);
		return def ? jb_value_json(q, def->default_value) : NULL;
	case GV_INT:
		return json_object_new_int64(strtoll(v->text, NULL, 10));
	case GV_FLOAT:
		return json_object_new_double_s(strtod(v->text, NULL), v->text);
	case GV_STRING:
	case GV_ENUM:
		return json_object_new_string(v->text);
	case GV_BOOL:
		return json_object_new_boolean(v->boolean);
	case GV_LIST:
		o = json_object_new_array();
		for (const struct gql_value *i = v->items; i; i = i->next)
			json_object_array_add(o, jb_value_json(q, i));
		return o;
	case GV_OBJECT:
		o = json_object_new_object();
		for (const struct gql_pair *p = v->fields; p; p = p->next)
			json_object_object_add(o, p->name, jb_value_json(q, p->value));
		return o;
	default:
		return NULL;
	}
}

/* ---- validation ---- */

static void validate_set(struct jb_query *q, const struct type *t,
			 const struct gql_selection *sels, int depth);

/* Variables an argument value uses must be declared. */
static void check_variables(struct jb_query *q, const struct gql_selection *at,
			    const struct gql_value *v)
{
	for (; v; v = v->next) {
		if (v->kind == GV_VARIABLE && !variable_def(q, v->text))
			jb_add_error(q, at, "variableNotDefined",
				  "Variable $%s is used by %s but not declared", v->text,
				  q->doc->name ? q->doc->name : "anonymous query");
		if (v->kind == GV_LIST)
			check_variables(q, at, v->items);
		for (const struct gql_pair *p = v->kind == GV_OBJECT ? v->fields : NULL; p; p = p->next)
			check_variables(q, at, p->value);
	}
}

static void check_filter(struct jb_query *q, const struct gql_selection *sel)
{
	const char *const *allowed = strcmp(sel->name, "jobs") == 0 ? job_filter
				     : strcmp(sel->name, "clients") == 0 ? client_filter
				     : quote_filter;
	const char *input = strcmp(sel->name, "jobs") == 0 ? "JobFilterAttributes"
			    : strcmp(sel->name, "clients") == 0 ? "ClientFilterAttributes"
			    : "QuoteFilterAttributes";
	struct json_object *filter = jb_value_json(q, gql_arg(sel, "filter"));

	if (filter && json_object_is_type(filter, json_type_object)) {
		json_object_object_foreach(filter, key, val) {
			(void)val;
			if (!jb_listed(allowed, key))
				jb_add_error(q, sel, "argumentNotAccepted",
					  "InputObject '%s' doesn't accept argument '%s'", input, key);
		}
	}
	json_object_put(filter);
}

static void validate_field(struct jb_query *q, const struct type *t,
			   const struct gql_selection *sel, int depth)
{
	const struct field *f;

	if (strcmp(sel->name, "__typename") == 0)
		return;
	f = jb_field_of(t, sel->name);
	if (!f) {
		jb_add_error(q, sel, "undefinedField", "Field '%s' doesn't exist on type '%s'", sel->name,
			  t->name);
		return;
	}
	for (const struct gql_pair *a = sel->args; a; a = a->next) {
		if (!jb_listed(f->args, a->name))
			jb_add_error(q, sel, "argumentNotAccepted",
				  "Field '%s' doesn't accept argument '%s'", f->name, a->name);
		check_variables(q, sel, a->value);
	}
	if (f->leaf != L_NONE) {
		if (sel->has_selection_set)
			jb_add_error(q, sel, "selectionMismatch",
				  "Selections can't be made on scalars (field '%s' returns %s but has "
				  "selections)", f->name, f->type_name);
		return;
	}
	if (!sel->has_selection_set) {
		jb_add_error(q, sel, "selectionMismatch",
			  "Field '%s' returns %s but has no selections. Did you mean '%s { ... }'?",
			  f->name, f->type_name, f->name);
		return;
	}
	if (f->args == connection_args && gql_arg(sel, "filter"))
		check_filter(q, sel);
	validate_set(q, f->type, sel->selections, depth + 1);
}

static void validate_set(struct jb_query *q, const struct type *t,
			 const struct gql_selection *sels, int depth)
{
	if (depth > FRAGMENT_DEPTH_MAX) {
		jb_add_error(q, sels, "tooDeep", "Query has depth %d, which exceeds max depth %d",
			  depth, FRAGMENT_DEPTH_MAX);
		return;
	}
	for (const struct gql_selection *s = sels; s; s = s->next) {
		const struct gql_fragment *frag;

		switch (s->kind) {
		case GQL_FIELD:
			validate_field(q, t, s, depth);
			break;
		case GQL_SPREAD:
			frag = gql_fragment(q->doc, s->name);
			if (!frag)
				jb_add_error(q, s, "useAndDefineFragment",
					  "Fragment %s was used, but not defined", s->name);
			else if (strcmp(frag->type_condition, t->name) != 0)
				jb_add_error(q, s, "fragmentSpreadOnWrongType",
					  "Fragment %s on %s can't be spread inside %s", s->name,
					  frag->type_condition, t->name);
			else
				validate_set(q, t, frag->selections, depth + 1);
			break;
		case GQL_INLINE:
			if (s->type_condition && strcmp(s->type_condition, t->name) != 0)
				jb_add_error(q, s, "fragmentSpreadOnWrongType",
					  "Fragment on %s can't be spread inside %s", s->type_condition,
					  t->name);
			else
				validate_set(q, t, s->selections, depth + 1);
			break;
		}
	}
}

/* ---- requested cost ---- */

/* first (or last), or 100 when neither is given. */
int64_t jb_page_size(const struct jb_query *q, const struct gql_selection *sel)
{
	struct json_object *v = jb_value_json(q, gql_arg(sel, "first"));
	int64_t n;

	if (!v)
		v = jb_value_json(q, gql_arg(sel, "last"));
	n = v ? json_object_get_int64(v) : DEFAULT_FIRST;
	json_object_put(v);
	return n > 0 ? n : 0;
}

static int64_t cost_set(const struct jb_query *q, const struct type *t,
			const struct gql_selection *sels);

static int64_t cost_field(const struct jb_query *q, const struct type *t,
			  const struct gql_selection *sel)
{
	const struct field *f = jb_field_of(t, sel->name);
	int64_t per_node = 0, outside = 0;

	if (!f)
		return 0; /* __typename */
	if (f->leaf != L_NONE)
		return 1;
	if (!f->connection)
		return (f->free ? 0 : 1) + cost_set(q, f->type, sel->selections);
	for (const struct gql_selection *s = sel->selections; s; s = s->next) {
		int64_t c = s->kind == GQL_FIELD ? cost_field(q, f->type, s)
			    : cost_set(q, f->type, s->kind == GQL_INLINE ? s->selections
						   : gql_fragment(q->doc, s->name)->selections);

		if (s->kind == GQL_FIELD && (strcmp(s->name, "nodes") == 0 ||
					     strcmp(s->name, "edges") == 0))
			per_node += c;
		else
			outside += c;
	}
	return 1 + jb_page_size(q, sel) * per_node + outside;
}

static int64_t cost_set(const struct jb_query *q, const struct type *t,
			const struct gql_selection *sels)
{
	int64_t cost = 0;

	for (const struct gql_selection *s = sels; s; s = s->next)
		cost += s->kind == GQL_FIELD ? cost_field(q, t, s)
			: cost_set(q, t, s->kind == GQL_INLINE ? s->selections
				   : gql_fragment(q->doc, s->name)->selections);
	return cost;
}

int jb_validate(struct jb_query *q)
{
	q->requested_cost = 0;
	if (strcmp(q->doc->operation, "query") != 0) {
		jb_add_error(q, NULL, "unsupportedOperation",
			  "This simulator serves queries, not a %s", q->doc->operation);
		return -1;
	}
	validate_set(q, &t_query, q->doc->selections, 0);
	if (q->errors)
		return -1;
	q->requested_cost = cost_set(q, &t_query, q->doc->selections);
	return 0;
}

