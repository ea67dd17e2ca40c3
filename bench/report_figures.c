/*
 * The full metric report (./dev bench, section 4c): ll_report_run, every
 * attribution figure of both windows, for a random site of those named
 * b-1 .. b-SITES over the last 30 days, as `leadledger report` and the
 * API run it.  Prints "p50_ms p95_ms".
 *
 * usage: bench_report CONNINFO SITES ITERATIONS last|first
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/report.h"
#include "util/number.h"

#define ITERATIONS_MAX 2000

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int cmp_us(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static int64_t us[ITERATIONS_MAX];
	int64_t sites, iterations;
	enum ll_report_model model;
	struct ll_db db;
	char err[1024], site[32];
	int rc = 1;

	if (argc != 5 || ll_parse_int64(argv[2], 1, 100000, &sites) < 0 ||
	    ll_parse_int64(argv[3], 1, ITERATIONS_MAX, &iterations) < 0 ||
	    ll_report_parse_model(argv[4], &model) < 0) {
		fprintf(stderr, "usage: bench_report CONNINFO SITES ITERATIONS (1..%d) last|first\n",
			ITERATIONS_MAX);
		return 2;
	}
	if (ll_db_connect(&db, argv[1], err, sizeof err) < 0) {
		fprintf(stderr, "bench_report: %s\n", err);
		return 1;
	}
	srand(7);
	for (int64_t i = 0; i < iterations; i++) {
		struct ll_report r;
		int64_t start = now_us();

		memset(&r, 0, sizeof r);
		snprintf(site, sizeof site, "b-%d", 1 + rand() % (int)sites);
		r.site = site;
		r.timezone = "America/Chicago";
		r.model = model;
		if (ll_report_days_window(&db, r.timezone, 30, r.from, r.to, err, sizeof err) < 0 ||
		    ll_report_run(&db, &r, err, sizeof err) < 0)
			goto out;
		us[i] = now_us() - start;
	}
	qsort(us, (size_t)iterations, sizeof us[0], cmp_us);
	printf("%.2f %.2f\n", (double)us[iterations / 2] / 1000.0,
	       (double)us[iterations * 95 / 100] / 1000.0);
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_report: %s\n", err);
	ll_db_release(&db);
	return rc;
}
