/*
 * Fetching ahead: worker threads fetch (and prepare) the next pages of one
 * stream run while the caller commits the current one, and hand pages over
 * strictly in cursor order.
 *
 * depth 1 (every provider): one worker fetches page k+1 while page k
 * commits.  Only that worker calls the provider, one call at a time, so
 * ABI 1.0's "never two calls on one state at once" still holds.
 *
 * depth N > 1 (only when ops->cursor_ahead is set: providers with page_cursor,
 * ABI 1.1): N workers fetch the next N pages at once.  A page fetched at a
 * guessed cursor is used only if the page before it names that cursor as
 * its next one; otherwise it is dropped and the named cursor fetched.
 *
 * Ownership: ll_fetcher_next() hands the caller one slot, which stays the
 * caller's until the next call to ll_fetcher_next() or ll_fetcher_stop();
 * the fetcher releases what is in it through ops->release.
 */
#ifndef LL_FETCHER_H
#define LL_FETCHER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "leadledger/provider.h"

#define LL_FETCH_DEPTH_MAX 8

/* One fetched page.  Filled by ops->fetch on a worker thread. */
struct ll_fetched {
	char cursor[LL_CURSOR_MAX]; /* the cursor it was fetched with */
	enum ll_status status;      /* of the fetch; LL_OK even when the
				     * preparation failed (see prepared) */
	struct ll_page page;
	char err[LL_ERR_MAX];
	void *prepared;             /* ops->fetch's own result (mapped rows) */
};

struct ll_fetcher_ops {
	/* Worker thread: fetch the page at out->cursor into out. */
	void (*fetch)(void *ud, struct ll_fetched *out);
	/* Free what fetch put into a slot the caller did not take. */
	void (*release)(void *ud, struct ll_fetched *f);
	/* Optional: the cursor `ahead` (>= 1) pages after the page `after`;
	 * 0 when known, -1 when there is no such page or it cannot say. */
	int (*cursor_ahead)(void *ud, const struct ll_fetched *after,
			    int64_t ahead, char out[LL_CURSOR_MAX]);
};

enum ll_slot_state { LL_SLOT_FREE = 0, LL_SLOT_QUEUED, LL_SLOT_RUNNING, LL_SLOT_READY };

struct ll_fetch_slot {
	enum ll_slot_state state;
	int64_t seq;  /* position in the run: 0 is the first page */
	int dropped;  /* a guess that turned out wrong: release when ready */
	struct ll_fetched f;
};

struct ll_fetcher {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	const struct ll_fetcher_ops *ops;
	void *ud;
	int depth;
	int quit;
	int64_t want;      /* seq the caller takes next */
	int64_t scheduled; /* seqs below this have been queued */
	struct ll_fetch_slot *held; /* the slot the caller holds, or NULL */
	struct ll_fetch_slot slots[2 * LL_FETCH_DEPTH_MAX + 1];
	pthread_t threads[LL_FETCH_DEPTH_MAX];
	int n_threads;
	int stopped;
};

/* Start depth workers (clamped to 1..LL_FETCH_DEPTH_MAX, and to 1 without
 * cursor_ahead) and queue the page at first_cursor.  0, or -1 with err
 * filled and nothing to stop. */
int ll_fetcher_start(struct ll_fetcher *f, const struct ll_fetcher_ops *ops,
		     void *ud, int depth, const char *first_cursor, char *err,
		     size_t errlen);

/* The next page in order, waiting for it.  Hands back the previously held
 * slot first.  Never NULL while the fetcher runs. */
struct ll_fetched *ll_fetcher_next(struct ll_fetcher *f);

/* Having taken page `got`, which names next_cursor: queue the pages after
 * it (keeping guesses that match) before committing got, so the fetch
 * overlaps the commit. */
void ll_fetcher_follow(struct ll_fetcher *f, const struct ll_fetched *got,
		       const char *next_cursor);

/* Drop everything queued, wait for the workers (a request in flight runs
 * to its end or timeout), release every slot.  Safe after a failed start. */
void ll_fetcher_stop(struct ll_fetcher *f);

#endif
