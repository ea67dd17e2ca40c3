/* Deterministic randomness, ids and local time for the simulators (sim.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/sim.h"

const char *const sim_channel_names[CH_COUNT] = {
	"website", "google", "social", "repeat_customer", "ai_phone", "referral",
	"direct", "unknown",
};

uint64_t sim_rand(uint64_t *s)
{
	/* xorshift64*: deterministic, good enough for test data */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 2685821657736338717ULL;
}

uint64_t sim_rnd(uint64_t *s, uint64_t n)
{
	return n ? sim_rand(s) % n : 0;
}

void sim_make_id(uint64_t *s, const char *prefix, char *out)
{
	int n = snprintf(out, 40, "%s", prefix);

	for (int i = 0; i < 32; i++)
		out[n + i] = "0123456789abcdef"[sim_rnd(s, 16)];
	out[n + 32] = '\0';
}

void sim_squeeze(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++) {
		if (*in == ' ' && (o == 0 || out[o - 1] == ' '))
			continue;
		out[o++] = (char)tolower((unsigned char)*in);
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = '\0';
}

void sim_set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

int sim_local_ymd(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	localtime_r(&tt, &tm);
	return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

int64_t sim_local_time(int y, int mo, int d, int h, int mi, int sec)
{
	struct tm tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm);
}

int sim_parse_iso(const char *text, int64_t *t)
{
	struct tm tm = { 0 };
	int y, mo, d, h, mi, sec, off_h = 0, off_m = 0, n = 0;
	const char *p;

	if (!text || sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return -1;
	p = text + n;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d", &off_h, &off_m) == 2) {
		if (*p == '-') {
			off_h = -off_h;
			off_m = -off_m;
		}
		p += 6;
	} else if (*p == 'Z') {
		p++;
	} else {
		return -1;
	}
	if (*p)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*t = (int64_t)timegm(&tm) - off_h * 3600 - off_m * 60;
	return 0;
}

void sim_iso(int64_t t, int fraction_digits, char *out, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;
	size_t n;

	gmtime_r(&tt, &tm);
	n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
	if (fraction_digits > 0 && n + 1 < len)
		n += (size_t)snprintf(out + n, len - n, ".%.*s", fraction_digits, "0000000");
	snprintf(out + n, len - n, "Z");
}
