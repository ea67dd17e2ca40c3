#include "util/errors.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/log.h"

void ll_errors_init(struct ll_errors *e)
{
	e->msgs = NULL;
	e->n = 0;
	e->cap = 0;
}

void ll_errors_release(struct ll_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	ll_errors_init(e);
}

void ll_errors_add(struct ll_errors *e, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 8;
		char **m = realloc(e->msgs, cap * sizeof *m);

		if (!m) {
			ll_error("%s", line);
			return;
		}
		e->msgs = m;
		e->cap = cap;
	}
	e->msgs[e->n] = malloc(sizeof line);
	if (!e->msgs[e->n]) {
		ll_error("%s", line);
		return;
	}
	snprintf(e->msgs[e->n], sizeof line, "%s", line);
	e->n++;
}

void ll_errors_print(const struct ll_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		ll_error("%s", e->msgs[i]);
}
