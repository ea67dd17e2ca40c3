/*
 * Numbers as text, exactly: strict integers (no atoi), and money in
 * integer cents both ways.  A CRM's dollars arrive as the decimal text of
 * a JSON number ("1234.10"): going through a double would make 19.99 into
 * 1998 cents, so ll_parse_cents works on the digits.
 */
#ifndef LL_NUMBER_H
#define LL_NUMBER_H

#include <stddef.h>
#include <stdint.h>

/* The whole string a decimal integer in [min, max]: digits with an
 * optional leading minus, nothing else (no space, no plus).  0, or -1. */
int ll_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out);

/* Dollars as decimal text ("425.5", "-0.005", "1e2", "1.2345E+3") to
 * cents, rounded half away from zero on the third fractional digit and
 * beyond, never through a binary float.  0, or -1 for anything that is not
 * a JSON number or does not fit in int64 cents. */
int ll_parse_cents(const char *text, int64_t *cents);

/* "51905.00" from 5190500, "-0.05" from -5. */
void ll_format_cents(int64_t cents, char *out, size_t len);

/* a / b rounded half away from zero (b != 0); the caller keeps |a| and
 * |b| below 2^62 so nothing overflows. */
int64_t ll_div_round(int64_t a, int64_t b);

/* a / b as text with two decimals, rounded half away from zero ("0.40",
 * "-1.25"); b != 0, same bounds as ll_div_round. */
void ll_format_ratio(int64_t a, int64_t b, char *out, size_t len);

#endif
