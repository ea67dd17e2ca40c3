/*
 * A list of error messages collected while validating, so an operator sees
 * every problem in one run ("file:line: message").
 */
#ifndef LL_ERRORS_H
#define LL_ERRORS_H

#include <stddef.h>

struct ll_errors {
	char **msgs;
	size_t n;
	size_t cap;
};

void ll_errors_init(struct ll_errors *e);
void ll_errors_release(struct ll_errors *e);
/* Never fails visibly: out of memory drops the message but counts it. */
void ll_errors_add(struct ll_errors *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ll_errors_print(const struct ll_errors *e);

#endif
