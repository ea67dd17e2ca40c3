#include "sync/fetcher.h"

#include <stdio.h>
#include <string.h>

/* The live (not dropped, not free) slot for seq, or NULL. */
static struct ll_fetch_slot *slot_for(struct ll_fetcher *f, int64_t seq)
{
	for (size_t i = 0; i < sizeof f->slots / sizeof f->slots[0]; i++) {
		struct ll_fetch_slot *s = &f->slots[i];

		if (s->state != LL_SLOT_FREE && !s->dropped && s->seq == seq && s != f->held)
			return s;
	}
	return NULL;
}

static void slot_free(struct ll_fetcher *f, struct ll_fetch_slot *s)
{
	if (s->state == LL_SLOT_READY)
		f->ops->release(f->ud, &s->f);
	memset(s, 0, sizeof *s);
}

static int queue_page(struct ll_fetcher *f, int64_t seq, const char *cursor)
{
	for (size_t i = 0; i < sizeof f->slots / sizeof f->slots[0]; i++) {
		struct ll_fetch_slot *s = &f->slots[i];

		if (s->state != LL_SLOT_FREE)
			continue;
		memset(s, 0, sizeof *s);
		s->state = LL_SLOT_QUEUED;
		s->seq = seq;
		snprintf(s->f.cursor, sizeof s->f.cursor, "%s", cursor);
		pthread_cond_broadcast(&f->changed);
		return 0;
	}
	return -1; /* cannot happen: depth bounds the live slots */
}

static struct ll_fetch_slot *lowest_queued(struct ll_fetcher *f)
{
	struct ll_fetch_slot *best = NULL;

	for (size_t i = 0; i < sizeof f->slots / sizeof f->slots[0]; i++) {
		struct ll_fetch_slot *s = &f->slots[i];

		if (s->state == LL_SLOT_QUEUED && (!best || s->seq < best->seq))
			best = s;
	}
	return best;
}

static void *worker(void *arg)
{
	struct ll_fetcher *f = arg;

	pthread_mutex_lock(&f->lock);
	for (;;) {
		struct ll_fetch_slot *s;

		while (!f->quit && !(s = lowest_queued(f)))
			pthread_cond_wait(&f->changed, &f->lock);
		if (f->quit)
			break;
		s->state = LL_SLOT_RUNNING;
		pthread_mutex_unlock(&f->lock);
		f->ops->fetch(f->ud, &s->f);
		pthread_mutex_lock(&f->lock);
		s->state = LL_SLOT_READY;
		if (s->dropped)
			slot_free(f, s);
		pthread_cond_broadcast(&f->changed);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int ll_fetcher_start(struct ll_fetcher *f, const struct ll_fetcher_ops *ops,
		     void *ud, int depth, const char *first_cursor, char *err,
		     size_t errlen)
{
	memset(f, 0, sizeof *f);
	f->ops = ops;
	f->ud = ud;
	f->depth = depth < 1 || !ops->cursor_ahead ? 1
		   : depth > LL_FETCH_DEPTH_MAX ? LL_FETCH_DEPTH_MAX : depth;
	f->stopped = 1;
	if (pthread_mutex_init(&f->lock, NULL) != 0) {
		snprintf(err, errlen, "fetcher: cannot create a lock");
		return -1;
	}
	if (pthread_cond_init(&f->changed, NULL) != 0) {
		pthread_mutex_destroy(&f->lock);
		snprintf(err, errlen, "fetcher: cannot create a condition variable");
		return -1;
	}
	f->stopped = 0;
	queue_page(f, 0, first_cursor);
	f->scheduled = 1;
	for (int i = 0; i < f->depth; i++) {
		if (pthread_create(&f->threads[i], NULL, worker, f) != 0)
			break;
		f->n_threads++;
	}
	if (f->n_threads == 0) {
		ll_fetcher_stop(f);
		snprintf(err, errlen, "fetcher: cannot start a thread");
		return -1;
	}
	return 0;
}

struct ll_fetched *ll_fetcher_next(struct ll_fetcher *f)
{
	struct ll_fetch_slot *s;

	pthread_mutex_lock(&f->lock);
	if (f->held) {
		slot_free(f, f->held);
		f->held = NULL;
	}
	while ((s = slot_for(f, f->want)) && s->state != LL_SLOT_READY)
		pthread_cond_wait(&f->changed, &f->lock);
	if (s) {
		f->held = s;
		f->want++;
	}
	pthread_mutex_unlock(&f->lock);
	return s ? &s->f : NULL;
}

void ll_fetcher_follow(struct ll_fetcher *f, const struct ll_fetched *got,
		       const char *next_cursor)
{
	struct ll_fetch_slot *s;
	char guess[LL_CURSOR_MAX];

	pthread_mutex_lock(&f->lock);
	s = slot_for(f, f->want);
	if (s && strcmp(s->f.cursor, next_cursor) != 0) {
		/* The guesses went wrong (the CRM's pages moved): drop them. */
		for (size_t i = 0; i < sizeof f->slots / sizeof f->slots[0]; i++) {
			struct ll_fetch_slot *o = &f->slots[i];

			if (o == f->held || o->state == LL_SLOT_FREE || o->dropped)
				continue;
			if (o->state == LL_SLOT_RUNNING)
				o->dropped = 1;
			else
				slot_free(f, o);
		}
		s = NULL;
	}
	if (!s) {
		queue_page(f, f->want, next_cursor);
		f->scheduled = f->want + 1;
	}
	while (f->ops->cursor_ahead && f->scheduled < f->want + f->depth &&
	       f->ops->cursor_ahead(f->ud, got, f->scheduled - f->want + 1, guess) == 0) {
		queue_page(f, f->scheduled, guess);
		f->scheduled++;
	}
	pthread_mutex_unlock(&f->lock);
}

void ll_fetcher_stop(struct ll_fetcher *f)
{
	if (f->stopped)
		return;
	pthread_mutex_lock(&f->lock);
	f->quit = 1;
	pthread_cond_broadcast(&f->changed);
	pthread_mutex_unlock(&f->lock);
	for (int i = 0; i < f->n_threads; i++)
		pthread_join(f->threads[i], NULL);
	/* No worker is left: every slot can be released. */
	for (size_t i = 0; i < sizeof f->slots / sizeof f->slots[0]; i++)
		slot_free(f, &f->slots[i]);
	f->held = NULL;
	pthread_cond_destroy(&f->changed);
	pthread_mutex_destroy(&f->lock);
	f->stopped = 1;
}
