/* Deterministic randomness, ids and local time for the simulators (sim.h). */
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
