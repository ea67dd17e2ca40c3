#include "util/timeutil.h"

#include <stdio.h>
#include <time.h>

static int digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int days_in_month(int year, int month)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : mdays[month - 1];
}

int ll_parse_date(const char *t, int *year, int *month, int *day)
{
	if (!t || digits(t, 4, year) < 0 || t[4] != '-' ||
	    digits(t + 5, 2, month) < 0 || t[7] != '-' ||
	    digits(t + 8, 2, day) < 0)
		return -1;
	if (*month < 1 || *month > 12 || *day < 1 ||
	    *day > days_in_month(*year, *month) || *year < 1900)
		return -1;
	return t[10] == '\0' ? 0 : -1;
}

int ll_parse_time(const char *t, int64_t *epoch_us)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, s, frac_us = 0;
	int64_t offset_s = 0;
	const char *p;
	time_t secs;

	if (!t || digits(t, 4, &y) < 0 || t[4] != '-' ||
	    digits(t + 5, 2, &mo) < 0 || t[7] != '-' ||
	    digits(t + 8, 2, &d) < 0 || (t[10] != 'T' && t[10] != ' ') ||
	    digits(t + 11, 2, &h) < 0 || t[13] != ':' ||
	    digits(t + 14, 2, &mi) < 0 || t[16] != ':' ||
	    digits(t + 17, 2, &s) < 0)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || s > 60 || y < 1900)
		return -1;
	p = t + 19;
	if (*p == '.') {
		int scale = 100000, n = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, n++) {
			frac_us += (*p - '0') * scale;
			scale /= 10;
		}
		if (n == 0)
			return -1;
	}
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int oh, om, sign = *p == '-' ? -1 : 1;

		if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' ||
		    digits(p + 4, 2, &om) < 0 || oh > 23 || om > 59)
			return -1;
		offset_s = sign * (oh * 3600 + om * 60);
		p += 6;
	}
	if (*p != '\0')
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	secs = timegm(&tm);
	*epoch_us = ((int64_t)secs - offset_s) * 1000000 + frac_us;
	return 0;
}

void ll_format_time(int64_t epoch_us, char *out, size_t len)
{
	int64_t secs = epoch_us / 1000000, us = epoch_us % 1000000;
	time_t t;
	struct tm tm;

	if (us < 0) {
		us += 1000000;
		secs -= 1;
	}
	t = (time_t)secs;
	gmtime_r(&t, &tm);
	snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
		 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		 tm.tm_min, tm.tm_sec, (int)us);
}

int64_t ll_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t ll_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ll_sleep_ms(int64_t ms, const volatile sig_atomic_t *stop)
{
	while (ms > 0) {
		int64_t slice = ms > 100 ? 100 : ms;
		struct timespec ts = { (time_t)(slice / 1000), (long)(slice % 1000) * 1000000L };

		if (stop && *stop)
			return -1;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
	return stop && *stop ? -1 : 0;
}
