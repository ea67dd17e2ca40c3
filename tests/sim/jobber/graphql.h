/*
 * The part of GraphQL the Jobber simulator reads (the October 2021
 * specification, sections 2 and 5, as far as queries go): one operation
 * (`query` with a name and variable definitions, or an anonymous selection
 * set), fragment definitions, fields with aliases and arguments, fragment
 * spreads and inline fragments, and every input value (variables, ints,
 * floats, strings with escapes, booleans, null, enums, lists, objects).
 * Directives and subscriptions are refused; mutations parse, and the
 * executor refuses them.
 *
 * A document owns every node; gql_document_release frees them all.
 */
#ifndef GQL_H
#define GQL_H

#include <stddef.h>

enum gql_value_kind { GV_NULL, GV_INT, GV_FLOAT, GV_STRING, GV_BOOL, GV_ENUM, GV_LIST, GV_OBJECT,
		      GV_VARIABLE };

struct gql_value;

/* name: value, in argument lists and object values. */
struct gql_pair {
	const char *name;
	struct gql_value *value;
	struct gql_pair *next;
};

struct gql_value {
	enum gql_value_kind kind;
	const char *text;         /* INT, FLOAT (as written), STRING, ENUM, VARIABLE name */
	int boolean;
	struct gql_value *items;  /* LIST: first item */
	struct gql_value *next;   /* the next item of the list holding it */
	struct gql_pair *fields;  /* OBJECT */
};

enum gql_selection_kind { GQL_FIELD, GQL_SPREAD, GQL_INLINE };

struct gql_selection {
	enum gql_selection_kind kind;
	const char *alias;          /* FIELD, or NULL */
	const char *name;           /* FIELD name, SPREAD fragment name */
	const char *type_condition; /* INLINE: "on Type", or NULL */
	struct gql_pair *args;      /* FIELD */
	struct gql_selection *selections; /* the selection set, or NULL */
	int has_selection_set;
	int line, column;
	struct gql_selection *next;
};

struct gql_fragment {
	const char *name, *type_condition;
	struct gql_selection *selections;
	int line, column;
	struct gql_fragment *next;
};

struct gql_variable_def {
	const char *name;
	const char *type;          /* as written: "String", "[ID!]!" */
	struct gql_value *default_value;
	struct gql_variable_def *next;
};

struct gql_document {
	const char *operation;     /* "query" or "mutation" */
	const char *name;          /* NULL when anonymous */
	struct gql_variable_def *variables;
	struct gql_selection *selections;
	struct gql_fragment *fragments;
	struct gql_block *arena;   /* every node and string */
};

/* Parse text into doc.  0, or -1 with err ("line 3, column 7: expected
 * a name") and doc released. */
int gql_parse(const char *text, struct gql_document *doc, char *err, size_t errlen);
void gql_document_release(struct gql_document *doc);

const struct gql_fragment *gql_fragment(const struct gql_document *doc, const char *name);
/* The argument called name, or NULL. */
const struct gql_value *gql_arg(const struct gql_selection *field, const char *name);
const struct gql_value *gql_field(const struct gql_value *object, const char *name);

#endif
