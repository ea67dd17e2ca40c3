#include "util/number.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ll_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	/* Digits with an optional minus: strtoll alone would take " 30" and "+30". */
	if (!text || !*text || strspn(text + (*text == '-'), "0123456789") != strlen(text + (*text == '-')) ||
	    !text[*text == '-'])
		return -1;
	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

#define DIGITS_MAX 40 /* significant digits kept; more cannot fit in cents */

/*
 * The number as digits d[0..n) and a power of ten: value = digits * 10^exp.
 * JSON grammar (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 */
static int decompose(const char *p, int *neg, char *d, int *n, long *exp)
{
	long e = 0;
	int esign = 1, any = 0;

	*neg = *p == '-';
	p += *neg;
	*n = 0;
	*exp = 0;
	if (*p == '0' && p[1] >= '0' && p[1] <= '9')
		return -1; /* leading zero */
	for (; *p >= '0' && *p <= '9'; p++, any = 1)
		if (*n < DIGITS_MAX && (*n > 0 || *p != '0'))
			d[(*n)++] = *p;
		else if (*n >= DIGITS_MAX)
			(*exp)++;
	if (!any)
		return -1;
	if (*p == '.') {
		any = 0;
		for (p++; *p >= '0' && *p <= '9'; p++, any = 1) {
			if (*n < DIGITS_MAX && (*n > 0 || *p != '0')) {
				d[(*n)++] = *p;
				(*exp)--;
			} else if (*n < DIGITS_MAX) {
				(*exp)--; /* a leading zero of the fraction */
			}
		}
		if (!any)
			return -1;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			esign = *p++ == '-' ? -1 : 1;
		if (!(*p >= '0' && *p <= '9'))
			return -1;
		for (; *p >= '0' && *p <= '9'; p++)
			if (e < 100000)
				e = e * 10 + (*p - '0');
		*exp += esign * e;
	}
	return *p ? -1 : 0;
}

int ll_parse_cents(const char *text, int64_t *cents)
{
	char d[DIGITS_MAX];
	int neg, n;
	long exp, shift;
	uint64_t v = 0;

	if (!text || decompose(text, &neg, d, &n, &exp) < 0)
		return -1;
	shift = exp + 2; /* cents = digits * 10^(exp + 2) */
	if (n == 0) {
		*cents = 0;
		return 0;
	}
	if (shift >= 0) {
		if (n + shift > 19)
			return -1;
		for (int i = 0; i < n; i++)
			v = v * 10 + (uint64_t)(d[i] - '0');
		for (long i = 0; i < shift; i++)
			v *= 10;
	} else {
		long keep = n + shift; /* digits left of the cent */

		if (keep > 19)
			return -1;
		for (long i = 0; i < keep; i++)
			v = v * 10 + (uint64_t)(d[i] - '0');
		/* Half away from zero: the first dropped digit decides. */
		if (keep >= 0 && keep < n && d[keep] >= '5')
			v++;
	}
	if (v > (uint64_t)INT64_MAX)
		return -1;
	*cents = neg ? -(int64_t)v : (int64_t)v;
	return 0;
}

void ll_format_cents(int64_t cents, char *out, size_t len)
{
	uint64_t mag = cents < 0 ? (uint64_t)0 - (uint64_t)cents : (uint64_t)cents;

	snprintf(out, len, "%s%" PRIu64 ".%02" PRIu64, cents < 0 ? "-" : "",
		 mag / 100, mag % 100);
}

int64_t ll_div_round(int64_t a, int64_t b)
{
	int neg = (a < 0) != (b < 0);
	uint64_t ua = a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a;
	uint64_t ub = b < 0 ? (uint64_t)0 - (uint64_t)b : (uint64_t)b;
	uint64_t q = (2 * ua + ub) / (2 * ub);

	return neg ? -(int64_t)q : (int64_t)q;
}

void ll_format_ratio(int64_t a, int64_t b, char *out, size_t len)
{
	/* In hundredths, so "0.40" is 40 and rounding happens once. */
	ll_format_cents(ll_div_round(a * 100, b), out, len);
}
