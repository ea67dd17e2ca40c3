/*
 * The Jobber simulator's schema, shared by validation (schema.c) and
 * execution (exec.c): the types and fields it serves, and the helpers
 * both read arguments and report errors with.
 */
#ifndef JB_SCHEMA_H
#define JB_SCHEMA_H

#include "jobber/jobber.h"

#define DEFAULT_FIRST 100
#define FRAGMENT_DEPTH_MAX 16

enum leaf { L_NONE, L_ID, L_STRING, L_INT, L_FLOAT, L_BOOL, L_TIME, L_ENUM };

struct type;

struct field {
	const char *name;
	const char *type_name;        /* for messages, as Jobber writes it */
	enum leaf leaf;               /* L_NONE: an object */
	const struct type *type;      /* the object's type */
	const char *const *args;      /* accepted arguments, NULL-terminated */
	int free;                     /* costs nothing: nodes, edges, node */
	int connection;               /* multiplies by first */
};

struct type {
	const char *name;
	const struct field *fields;
};

extern const struct type t_job, t_client, t_quote, t_user, t_source_attribution, t_amounts,
	t_name, t_email, t_page_info, t_job_conn, t_client_conn, t_quote_conn, t_user_conn,
	t_job_edge, t_client_edge, t_quote_edge, t_user_edge, t_query;

const struct field *jb_field_of(const struct type *t, const char *name);
int jb_listed(const char *const *names, const char *name);
/* An error as graphql-ruby words it, with the selection's location. */
void jb_add_error(struct jb_query *q, const struct gql_selection *at, const char *code,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* An argument value as JSON, variables resolved (a new reference, or
 * NULL for null). */
struct json_object *jb_value_json(const struct jb_query *q, const struct gql_value *v);
/* first (or last), or 100 when neither is given. */
int64_t jb_page_size(const struct jb_query *q, const struct gql_selection *sel);

#endif
