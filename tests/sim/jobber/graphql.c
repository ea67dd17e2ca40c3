/* GraphQL documents for the Jobber simulator (graphql.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobber/graphql.h"

#define BLOCK 65536
#define DEPTH_MAX 64 /* nesting of selections and values */

/* ---- an arena: every node and string of a document ---- */

struct gql_block {
	struct gql_block *next;
	size_t used, size;
	max_align_t data[];
};

static void *arena_alloc(struct gql_block **arena, size_t n)
{
	struct gql_block *b = *arena;
	size_t want = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	void *p;

	if (!b || b->size - b->used < want) {
		size_t size = want > BLOCK ? want : BLOCK;

		b = malloc(sizeof *b + size);
		if (!b)
			return NULL;
		b->size = size;
		b->used = 0;
		b->next = *arena;
		*arena = b;
	}
	p = (char *)b->data + b->used;
	b->used += want;
	memset(p, 0, n);
	return p;
}

/* ---- the lexer ---- */

enum tok { T_EOF, T_PUNCT, T_NAME, T_INT, T_FLOAT, T_STRING };

struct parser {
	const char *p;
	int line;
	const char *line_start;
	enum tok tok;
	const char *text; /* the token's value (arena copy); a punctuator's spelling */
	int tok_line, tok_col;
	struct gql_document *doc;
	char *err;
	size_t errlen;
	int failed, depth;
};

static void fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->failed)
		return;
	ps->failed = 1;
	n = snprintf(ps->err, ps->errlen, "line %d, column %d: ", ps->tok_line, ps->tok_col);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < ps->errlen)
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

static char *copy(struct parser *ps, const char *s, size_t n)
{
	char *c = arena_alloc(&ps->doc->arena, n + 1);

	if (!c) {
		fail(ps, "out of memory");
		return NULL;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

static int name_start(char c)
{
	return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int name_char(char c)
{
	return name_start(c) || (c >= '0' && c <= '9');
}

static int digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Skip what the grammar ignores: white space, line ends, commas, comments. */
static void skip_ignored(struct parser *ps)
{
	for (;;) {
		char c = *ps->p;

		if (c == ' ' || c == '\t' || c == ',' || c == '\r') {
			ps->p++;
		} else if (c == '\n') {
			ps->p++;
			ps->line++;
			ps->line_start = ps->p;
		} else if (c == '#') {
			while (*ps->p && *ps->p != '\n')
				ps->p++;
		} else if ((unsigned char)c == 0xef && (unsigned char)ps->p[1] == 0xbb &&
			   (unsigned char)ps->p[2] == 0xbf) {
			ps->p += 3; /* byte order mark */
		} else {
			return;
		}
	}
}

static int hex(char c)
{
	return digit(c) ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* "..." with escapes, into UTF-8. */
static void lex_string(struct parser *ps)
{
	size_t cap = strlen(ps->p) + 1, n = 0;
	char *out = arena_alloc(&ps->doc->arena, cap);

	if (!out) {
		fail(ps, "out of memory");
		return;
	}
	ps->p++;
	while (*ps->p && *ps->p != '"' && *ps->p != '\n') {
		unsigned cp;

		if (*ps->p != '\\') {
			out[n++] = *ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p) {
		case '"': case '\\': case '/': out[n++] = *ps->p; break;
		case 'b': out[n++] = '\b'; break;
		case 'f': out[n++] = '\f'; break;
		case 'n': out[n++] = '\n'; break;
		case 'r': out[n++] = '\r'; break;
		case 't': out[n++] = '\t'; break;
		case 'u':
			cp = 0;
			for (int i = 1; i <= 4; i++) {
				if (hex(ps->p[i]) < 0) {
					fail(ps, "bad \\u escape in a string");
					return;
				}
				cp = cp * 16 + (unsigned)hex(ps->p[i]);
			}
			if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff)) {
				fail(ps, "a string may not hold U+%04X", cp);
				return;
			}
			if (cp < 0x80) {
				out[n++] = (char)cp;
			} else if (cp < 0x800) {
				out[n++] = (char)(0xc0 | cp >> 6);
				out[n++] = (char)(0x80 | (cp & 0x3f));
			} else {
				out[n++] = (char)(0xe0 | cp >> 12);
				out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
				out[n++] = (char)(0x80 | (cp & 0x3f));
			}
			ps->p += 4;
			break;
		default:
			fail(ps, "unknown escape \\%c in a string", *ps->p ? *ps->p : ' ');
			return;
		}
		ps->p++;
	}
	if (*ps->p != '"') {
		fail(ps, "unterminated string");
		return;
	}
	ps->p++;
	out[n] = '\0';
	ps->text = out;
	ps->tok = T_STRING;
}

/* """...""": the raw text (\""" an escaped quote); indentation kept. */
static void lex_block_string(struct parser *ps)
{
	const char *start = ps->p + 3, *q = start;
	char *out;
	size_t n = 0;

	while (*q && !(q[0] == '"' && q[1] == '"' && q[2] == '"'))
		q += q[0] == '\\' && q[1] == '"' && q[2] == '"' && q[3] == '"' ? 4 : 1;
	if (!*q) {
		fail(ps, "unterminated block string");
		return;
	}
	out = arena_alloc(&ps->doc->arena, (size_t)(q - start) + 1);
	if (!out) {
		fail(ps, "out of memory");
		return;
	}
	for (const char *s = start; s < q; s++) {
		if (s[0] == '\\' && s[1] == '"' && s[2] == '"' && s[3] == '"') {
			memcpy(out + n, "\"\"\"", 3);
			n += 3;
			s += 3;
			continue;
		}
		if (*s == '\n')
			ps->line++;
		out[n++] = *s;
	}
	out[n] = '\0';
	ps->p = q + 3;
	ps->text = out;
	ps->tok = T_STRING;
}

static void lex_number(struct parser *ps)
{
	const char *s = ps->p;
	int is_float = 0;

	if (*ps->p == '-')
		ps->p++;
	if (*ps->p == '0' && digit(ps->p[1])) {
		fail(ps, "a number may not start with 0");
		return;
	}
	if (!digit(*ps->p)) {
		fail(ps, "expected a digit");
		return;
	}
	while (digit(*ps->p))
		ps->p++;
	if (*ps->p == '.') {
		is_float = 1;
		ps->p++;
		if (!digit(*ps->p)) {
			fail(ps, "expected a digit after '.'");
			return;
		}
		while (digit(*ps->p))
			ps->p++;
	}
	if (*ps->p == 'e' || *ps->p == 'E') {
		is_float = 1;
		ps->p++;
		if (*ps->p == '+' || *ps->p == '-')
			ps->p++;
		if (!digit(*ps->p)) {
			fail(ps, "expected a digit in the exponent");
			return;
		}
		while (digit(*ps->p))
			ps->p++;
	}
	if (name_start(*ps->p) || *ps->p == '.') {
		fail(ps, "a number runs into '%c'", *ps->p);
		return;
	}
	ps->text = copy(ps, s, (size_t)(ps->p - s));
	ps->tok = is_float ? T_FLOAT : T_INT;
}

static void next(struct parser *ps)
{
	const char *s;

	if (ps->failed)
		return;
	skip_ignored(ps);
	ps->tok_line = ps->line;
	ps->tok_col = (int)(ps->p - ps->line_start) + 1;
	s = ps->p;
	if (!*s) {
		ps->tok = T_EOF;
		ps->text = "";
	} else if (strncmp(s, "...", 3) == 0) {
		ps->tok = T_PUNCT;
		ps->text = "...";
		ps->p += 3;
	} else if (strchr("!$&()=:@[]{}|", *s)) {
		ps->tok = T_PUNCT;
		ps->text = copy(ps, s, 1);
		ps->p++;
	} else if (name_start(*s)) {
		while (name_char(*ps->p))
			ps->p++;
		ps->tok = T_NAME;
		ps->text = copy(ps, s, (size_t)(ps->p - s));
	} else if (*s == '-' || digit(*s)) {
		lex_number(ps);
	} else if (strncmp(s, "\"\"\"", 3) == 0) {
		lex_block_string(ps);
	} else if (*s == '"') {
		lex_string(ps);
	} else {
		fail(ps, "unexpected character '%c'", *s);
	}
}

static int is_punct(struct parser *ps, const char *p)
{
	return !ps->failed && ps->tok == T_PUNCT && strcmp(ps->text, p) == 0;
}

static int is_name(struct parser *ps, const char *name)
{
	return !ps->failed && ps->tok == T_NAME && (!name || strcmp(ps->text, name) == 0);
}

static void expect_punct(struct parser *ps, const char *p)
{
	if (!is_punct(ps, p))
		fail(ps, "expected '%s'", p);
	next(ps);
}

static const char *expect_name(struct parser *ps)
{
	const char *name = ps->text;

	if (!is_name(ps, NULL)) {
		fail(ps, "expected a name");
		return NULL;
	}
	next(ps);
	return name;
}

static void *node(struct parser *ps, size_t n)
{
	void *p = arena_alloc(&ps->doc->arena, n);

	if (!p)
		fail(ps, "out of memory");
	return p;
}

static int enter(struct parser *ps)
{
	if (++ps->depth > DEPTH_MAX)
		fail(ps, "nested more than %d deep", DEPTH_MAX);
	return !ps->failed;
}

/* ---- the grammar ---- */

static struct gql_value *parse_value(struct parser *ps, int constant);

static struct gql_pair *parse_pairs(struct parser *ps, const char *close, int constant)
{
	struct gql_pair *first = NULL, **tail = &first;

	while (!ps->failed && !is_punct(ps, close)) {
		struct gql_pair *pair = node(ps, sizeof *pair);

		if (!pair)
			break;
		pair->name = expect_name(ps);
		expect_punct(ps, ":");
		pair->value = parse_value(ps, constant);
		for (struct gql_pair *q = first; q && !ps->failed; q = q->next)
			if (strcmp(q->name, pair->name) == 0)
				fail(ps, "'%s' given twice", pair->name);
		*tail = pair;
		tail = &pair->next;
	}
	return first;
}

static struct gql_value *parse_value(struct parser *ps, int constant)
{
	struct gql_value *v = node(ps, sizeof *v);

	if (!v || !enter(ps))
		return v;
	if (is_punct(ps, "$")) {
		if (constant)
			fail(ps, "a variable where a constant is needed");
		next(ps);
		v->kind = GV_VARIABLE;
		v->text = expect_name(ps);
	} else if (is_punct(ps, "[")) {
		struct gql_value **tail = &v->items;

		v->kind = GV_LIST;
		next(ps);
		while (!ps->failed && !is_punct(ps, "]")) {
			*tail = parse_value(ps, constant);
			if (*tail)
				tail = &(*tail)->next;
		}
		next(ps);
	} else if (is_punct(ps, "{")) {
		v->kind = GV_OBJECT;
		next(ps);
		v->fields = parse_pairs(ps, "}", constant);
		next(ps);
	} else if (ps->tok == T_INT || ps->tok == T_FLOAT || ps->tok == T_STRING) {
		v->kind = ps->tok == T_INT ? GV_INT : ps->tok == T_FLOAT ? GV_FLOAT : GV_STRING;
		v->text = ps->text;
		next(ps);
	} else if (is_name(ps, "true") || is_name(ps, "false")) {
		v->kind = GV_BOOL;
		v->boolean = strcmp(ps->text, "true") == 0;
		next(ps);
	} else if (is_name(ps, "null")) {
		v->kind = GV_NULL;
		next(ps);
	} else if (is_name(ps, NULL)) {
		v->kind = GV_ENUM;
		v->text = ps->text;
		next(ps);
	} else {
		fail(ps, "expected a value");
	}
	ps->depth--;
	return v;
}

static void refuse_directives(struct parser *ps)
{
	if (is_punct(ps, "@"))
		fail(ps, "directives are not supported");
}

static struct gql_selection *parse_selection_set(struct parser *ps);

static struct gql_selection *parse_selection(struct parser *ps)
{
	struct gql_selection *s = node(ps, sizeof *s);

	if (!s)
		return NULL;
	s->line = ps->tok_line;
	s->column = ps->tok_col;
	if (is_punct(ps, "...")) {
		next(ps);
		if (is_name(ps, NULL) && strcmp(ps->text, "on") != 0) {
			s->kind = GQL_SPREAD;
			s->name = expect_name(ps);
			refuse_directives(ps);
			return s;
		}
		s->kind = GQL_INLINE;
		if (is_name(ps, "on")) {
			next(ps);
			s->type_condition = expect_name(ps);
		}
		refuse_directives(ps);
		s->has_selection_set = 1;
		s->selections = parse_selection_set(ps);
		return s;
	}
	s->kind = GQL_FIELD;
	s->name = expect_name(ps);
	if (is_punct(ps, ":")) {
		next(ps);
		s->alias = s->name;
		s->name = expect_name(ps);
	}
	if (is_punct(ps, "(")) {
		next(ps);
		s->args = parse_pairs(ps, ")", 0);
		if (!s->args)
			fail(ps, "an argument list may not be empty");
		next(ps);
	}
	refuse_directives(ps);
	if (is_punct(ps, "{")) {
		s->has_selection_set = 1;
		s->selections = parse_selection_set(ps);
	}
	return s;
}

static struct gql_selection *parse_selection_set(struct parser *ps)
{
	struct gql_selection *first = NULL, **tail = &first;

	if (!enter(ps))
		return NULL;
	expect_punct(ps, "{");
	while (!ps->failed && !is_punct(ps, "}")) {
		if (ps->tok == T_EOF) {
			fail(ps, "unterminated selection set");
			break;
		}
		*tail = parse_selection(ps);
		if (*tail)
			tail = &(*tail)->next;
	}
	if (!first)
		fail(ps, "a selection set may not be empty");
	next(ps);
	ps->depth--;
	return first;
}

/* A type ("[ID!]!"), kept as text. */
static const char *parse_type(struct parser *ps)
{
	char buf[128];
	size_t n = 0;
	int open = 0;
	const char *name;

	while (is_punct(ps, "[") && n + 1 < sizeof buf) {
		buf[n++] = '[';
		open++;
		next(ps);
	}
	name = expect_name(ps);
	if (name && n + strlen(name) < sizeof buf) {
		memcpy(buf + n, name, strlen(name));
		n += strlen(name);
	}
	if (is_punct(ps, "!") && n + 1 < sizeof buf) {
		buf[n++] = '!';
		next(ps);
	}
	while (open-- > 0 && !ps->failed && n + 2 < sizeof buf) {
		expect_punct(ps, "]");
		buf[n++] = ']';
		if (is_punct(ps, "!")) {
			buf[n++] = '!';
			next(ps);
		}
	}
	return ps->failed ? NULL : copy(ps, buf, n);
}

static void parse_variables(struct parser *ps)
{
	struct gql_variable_def **tail = &ps->doc->variables;

	next(ps);
	while (!ps->failed && !is_punct(ps, ")")) {
		struct gql_variable_def *v = node(ps, sizeof *v);

		if (!v)
			return;
		expect_punct(ps, "$");
		v->name = expect_name(ps);
		expect_punct(ps, ":");
		v->type = parse_type(ps);
		if (is_punct(ps, "=")) {
			next(ps);
			v->default_value = parse_value(ps, 1);
		}
		for (struct gql_variable_def *q = ps->doc->variables; q && !ps->failed; q = q->next)
			if (strcmp(q->name, v->name) == 0)
				fail(ps, "variable $%s defined twice", v->name);
		*tail = v;
		tail = &v->next;
	}
	next(ps);
}

static void parse_operation(struct parser *ps)
{
	struct gql_document *d = ps->doc;

	if (d->selections) {
		fail(ps, "one operation per document");
		return;
	}
	d->operation = "query";
	if (is_name(ps, "query") || is_name(ps, "mutation")) {
		d->operation = ps->text;
		next(ps);
		if (is_name(ps, NULL))
			d->name = expect_name(ps);
		if (is_punct(ps, "("))
			parse_variables(ps);
		refuse_directives(ps);
	} else if (is_name(ps, "subscription")) {
		fail(ps, "subscriptions are not supported");
		return;
	}
	d->selections = parse_selection_set(ps);
}

static void parse_fragment(struct parser *ps)
{
	struct gql_fragment *f = node(ps, sizeof *f);

	if (!f)
		return;
	f->line = ps->tok_line;
	f->column = ps->tok_col;
	next(ps);
	if (is_name(ps, "on")) {
		fail(ps, "a fragment may not be called 'on'");
		return;
	}
	f->name = expect_name(ps);
	if (!is_name(ps, "on"))
		fail(ps, "expected 'on' and a type");
	next(ps);
	f->type_condition = expect_name(ps);
	refuse_directives(ps);
	f->selections = parse_selection_set(ps);
	if (!ps->failed && gql_fragment(ps->doc, f->name))
		fail(ps, "fragment %s defined twice", f->name);
	f->next = ps->doc->fragments;
	ps->doc->fragments = f;
}

int gql_parse(const char *text, struct gql_document *doc, char *err, size_t errlen)
{
	struct parser ps = { text, 1, text, T_EOF, "", 1, 1, doc, err, errlen, 0, 0 };

	memset(doc, 0, sizeof *doc);
	next(&ps);
	while (!ps.failed && ps.tok != T_EOF) {
		if (is_name(&ps, "fragment"))
			parse_fragment(&ps);
		else
			parse_operation(&ps);
	}
	if (!ps.failed && !doc->selections)
		fail(&ps, "the document has no operation");
	if (ps.failed) {
		gql_document_release(doc);
		return -1;
	}
	return 0;
}

void gql_document_release(struct gql_document *doc)
{
	while (doc->arena) {
		struct gql_block *b = doc->arena;

		doc->arena = b->next;
		free(b);
	}
	memset(doc, 0, sizeof *doc);
}

const struct gql_fragment *gql_fragment(const struct gql_document *doc, const char *name)
{
	for (const struct gql_fragment *f = doc->fragments; f; f = f->next)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}

const struct gql_value *gql_arg(const struct gql_selection *field, const char *name)
{
	for (const struct gql_pair *p = field->args; p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p->value;
	return NULL;
}

const struct gql_value *gql_field(const struct gql_value *object, const char *name)
{
	for (const struct gql_pair *p = object && object->kind == GV_OBJECT ? object->fields : NULL;
	     p; p = p->next)
		if (strcmp(p->name, name) == 0)
			return p->value;
	return NULL;
}
