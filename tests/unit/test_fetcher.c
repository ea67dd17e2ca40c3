/* Fetching ahead: order, depth, wrong guesses, stop, nothing leaked. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sync/fetcher.h"
#include "testing.h"

#define PAGES 20

/* A fake CRM with numbered pages 1..PAGES; next_of[p] is the page that
 * page p names as its next (p + 1 unless a test moves pages). */
struct fake {
	pthread_mutex_t lock;
	int next_of[PAGES + 2];
	int fetched[PAGES + 2];
	int in_flight, max_in_flight, fetches, releases;
};

static int page_of(const char *cursor)
{
	return cursor[0] ? (int)strtol(cursor, NULL, 10) : 1;
}

static void fake_fetch(void *ud, struct ll_fetched *out)
{
	struct fake *fk = ud;
	struct timespec pause = { 0, 3 * 1000000L };
	int p = page_of(out->cursor);

	pthread_mutex_lock(&fk->lock);
	fk->fetches++;
	fk->fetched[p]++;
	if (++fk->in_flight > fk->max_in_flight)
		fk->max_in_flight = fk->in_flight;
	pthread_mutex_unlock(&fk->lock);
	nanosleep(&pause, NULL); /* a request's latency: lets fetches overlap */
	out->status = LL_OK;
	out->page.records = json_object_new_array();
	out->page.total_pages = PAGES;
	out->page.done = p >= PAGES;
	snprintf(out->page.next_cursor, sizeof out->page.next_cursor, "%d", fk->next_of[p]);
	out->prepared = malloc(32); /* stands for the mapped rows */
	pthread_mutex_lock(&fk->lock);
	fk->in_flight--;
	pthread_mutex_unlock(&fk->lock);
}

static void fake_release(void *ud, struct ll_fetched *f)
{
	struct fake *fk = ud;

	json_object_put(f->page.records);
	free(f->prepared);
	f->page.records = NULL;
	f->prepared = NULL;
	pthread_mutex_lock(&fk->lock);
	fk->releases++;
	pthread_mutex_unlock(&fk->lock);
}

static int fake_ahead(void *ud, const struct ll_fetched *after, int64_t ahead,
		      char out[LL_CURSOR_MAX])
{
	int p = page_of(after->cursor);

	(void)ud;
	if (p + ahead > after->page.total_pages)
		return -1;
	snprintf(out, LL_CURSOR_MAX, "%d", p + (int)ahead);
	return 0;
}

static void fake_init(struct fake *fk)
{
	memset(fk, 0, sizeof *fk);
	pthread_mutex_init(&fk->lock, NULL);
	for (int p = 1; p <= PAGES; p++)
		fk->next_of[p] = p + 1;
}

/* Start at first with depth 4, take up to max pages (following each, as
 * the sync does), stop; returns how many were taken, their page numbers in
 * order.  Every page fetched must have been released by then. */
static int run(struct fake *fk, const struct ll_fetcher_ops *ops, const char *first,
	       int *order, int max)
{
	struct ll_fetcher f;
	char err[256];
	int n = 0;

	assert_int_equal(ll_fetcher_start(&f, ops, fk, 4, first, err, sizeof err), 0);
	while (n < max) {
		struct ll_fetched *got = ll_fetcher_next(&f);

		assert_non_null(got);
		assert_int_equal(got->status, LL_OK);
		order[n++] = page_of(got->cursor);
		if (got->page.done)
			break;
		ll_fetcher_follow(&f, got, got->page.next_cursor);
	}
	ll_fetcher_stop(&f);
	ll_fetcher_stop(&f); /* idempotent */
	assert_int_equal(fk->releases, fk->fetches);
	return n;
}

static const struct ll_fetcher_ops sequential_ops = { fake_fetch, fake_release, NULL };
static const struct ll_fetcher_ops numbered_ops = { fake_fetch, fake_release, fake_ahead };

static void depth_one_is_sequential(void **state)
{
	struct fake fk;
	int order[PAGES + 1], n;

	(void)state;
	fake_init(&fk);
	/* Without cursor_ahead any depth is clamped to one fetch in flight. */
	n = run(&fk, &sequential_ops, "", order, PAGES + 1);
	assert_int_equal(n, PAGES);
	for (int i = 0; i < n; i++)
		assert_int_equal(order[i], i + 1);
	assert_int_equal(fk.max_in_flight, 1);
	assert_int_equal(fk.fetches, PAGES);
}

static void depth_four_in_order(void **state)
{
	struct fake fk;
	int order[PAGES + 1], n;

	(void)state;
	fake_init(&fk);
	n = run(&fk, &numbered_ops, "", order, PAGES + 1);
	assert_int_equal(n, PAGES);
	for (int i = 0; i < n; i++)
		assert_int_equal(order[i], i + 1);
	/* Pages overlapped, never more than four at once, none twice and
	 * none past the last page. */
	assert_true(fk.max_in_flight > 1);
	assert_true(fk.max_in_flight <= 4);
	assert_int_equal(fk.fetches, PAGES);
	for (int p = 1; p <= PAGES; p++)
		assert_int_equal(fk.fetched[p], 1);
}

static void wrong_guesses_are_dropped(void **state)
{
	struct fake fk;
	int order[PAGES + 1], n;

	(void)state;
	fake_init(&fk);
	fk.next_of[5] = 9; /* the CRM's pages moved: page 5 names page 9 next */
	n = run(&fk, &numbered_ops, "", order, PAGES + 1);
	assert_int_equal(n, PAGES - 3);
	for (int i = 0; i < n; i++)
		assert_int_equal(order[i], i < 5 ? i + 1 : i + 4);
}

static void stop_mid_run_releases_everything(void **state)
{
	struct fake fk;
	int order[4];

	(void)state;
	fake_init(&fk);
	assert_int_equal(run(&fk, &numbered_ops, "7", order, 3), 3);
	assert_int_equal(order[0], 7);
	assert_int_equal(order[2], 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(depth_one_is_sequential),
		cmocka_unit_test(depth_four_in_order),
		cmocka_unit_test(wrong_guesses_are_dropped),
		cmocka_unit_test(stop_mid_run_releases_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
