/*
 * Growable byte buffer with a hard size cap (after curl's dynbuf).
 *
 * The data is always NUL-terminated.  A failing append (cap exceeded or
 * out of memory) leaves the buffer unchanged and returns -1; the caller
 * still owns it and must call ll_buf_release().
 */
#ifndef LL_BUF_H
#define LL_BUF_H

#include <stddef.h>

struct ll_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void ll_buf_init(struct ll_buf *b, size_t max);
void ll_buf_release(struct ll_buf *b);
void ll_buf_reset(struct ll_buf *b);
int ll_buf_append(struct ll_buf *b, const void *data, size_t len);
int ll_buf_puts(struct ll_buf *b, const char *s);
int ll_buf_printf(struct ll_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
