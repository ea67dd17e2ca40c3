/*
 * Mapping a fetched page into storable rows, on the worker thread that
 * fetched it: every raw record goes through the provider's map_record and
 * resolve_date, is checked (an id; an updated_at in incremental streams),
 * classified into a channel, then the page is de-duplicated by id and
 * turned into COPY text, so the thread that owns the database connection
 * only sends it.  Any bad record rejects the whole page.
 *
 * Touches no database connection.
 */
#ifndef LL_PAGEMAP_H
#define LL_PAGEMAP_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rules.h"
#include "leadledger/provider.h"
#include "store/store.h"
#include "util/buf.h"

struct ll_pagemap {
	const struct ll_provider *desc;
	void *state;                 /* the provider's */
	const struct ll_stream_def *stream;
	const struct ll_rules *rules;
};

/* A page ready for ll_store_upsert. */
struct ll_mapped_page {
	struct ll_buf copy;   /* COPY text of the de-duplicated rows */
	size_t n_rows;        /* rows in it */
	int64_t n_records;    /* records the CRM sent */
	int64_t newest;       /* newest updated_at, or INT64_MIN */
	int64_t oldest;       /* oldest updated_at, or INT64_MAX */
	char err[LL_ERR_MAX + LL_CURSOR_MAX]; /* why the page was rejected, or "" */
};

void ll_mapped_page_init(struct ll_mapped_page *mp);
void ll_mapped_page_release(struct ll_mapped_page *mp);

/* Map records (a JSON array, borrowed) fetched at cursor into *rows (n).
 * 0, or -1 with err naming the record and the reason; nothing to free then.
 * On success free the rows with ll_pagemap_rows_free. */
int ll_pagemap_rows(const struct ll_pagemap *pm, const char *cursor,
		    struct json_object *records, struct ll_store_row **rows,
		    size_t *n, int64_t *newest, char *err, size_t errlen);
void ll_pagemap_rows_free(struct ll_store_row *rows, size_t n);

/* Map, de-duplicate and build the COPY text of a page into mp (initialized
 * by the caller).  0, or -1 with mp->err filled. */
int ll_pagemap_prepare(const struct ll_pagemap *pm, const char *cursor,
		       struct json_object *records, struct ll_mapped_page *mp);

#endif
