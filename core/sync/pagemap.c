#include "sync/pagemap.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/derive.h"

/* Large enough for any page; ll_buf refuses beyond it. */
#define COPY_MAX ((size_t)1 << 30)

void ll_mapped_page_init(struct ll_mapped_page *mp)
{
	memset(mp, 0, sizeof *mp);
	ll_buf_init(&mp->copy, COPY_MAX);
	mp->newest = INT64_MIN;
	mp->oldest = INT64_MAX;
}

void ll_mapped_page_release(struct ll_mapped_page *mp)
{
	ll_buf_release(&mp->copy);
	ll_mapped_page_init(mp);
}

void ll_pagemap_rows_free(struct ll_store_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ll_record_release(&rows[i].rec);
	free(rows);
}

/* Why a mapped record cannot be stored, or NULL. */
static const char *unusable(const struct ll_pagemap *pm, const struct ll_record *rec)
{
	if (!rec->str[LL_FIELD_EXTERNAL_ID] || !rec->str[LL_FIELD_EXTERNAL_ID][0])
		return "record has no id";
	if ((pm->stream->flags & LL_STREAM_INCREMENTAL) && !rec->set[LL_FIELD_UPDATED_AT])
		return "record has no updated_at";
	return NULL;
}

int ll_pagemap_rows(const struct ll_pagemap *pm, const char *cursor,
		    struct json_object *records, struct ll_store_row **out,
		    size_t *n_out, int64_t *newest, char *err, size_t errlen)
{
	size_t n = json_object_array_length(records);
	struct ll_store_row *rows = calloc(n ? n : 1, sizeof *rows);
	char perr[LL_ERR_MAX];

	*newest = INT64_MIN;
	if (!rows) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct ll_store_row *row = &rows[i];
		const char *why = NULL;
		enum ll_status st;

		ll_record_init(&row->rec);
		row->raw = json_object_array_get_idx(records, i);
		perr[0] = '\0';
		st = pm->desc->map_record(pm->state, pm->stream->entity, row->raw, &row->rec, perr);
		if (st == LL_OK && (why = unusable(pm, &row->rec))) {
			st = LL_ERR_DATA;
			snprintf(perr, sizeof perr, "%s", why);
		}
		if (st == LL_OK && ll_derive_classify(row, pm->stream->entity, pm->rules, perr,
						      sizeof perr) < 0)
			st = LL_ERR_DATA;
		if (st != LL_OK) {
			snprintf(err, errlen, "%s page at cursor '%s', record %zu rejected: %s",
				 pm->stream->name, cursor, i, perr[0] ? perr : "mapping failed");
			ll_pagemap_rows_free(rows, i + 1);
			return -1;
		}
		row->has_resolved = pm->desc->resolve_date(pm->state, pm->stream->entity, row->raw,
							   &row->resolved_us, perr) == LL_OK;
		if (row->rec.set[LL_FIELD_UPDATED_AT] && row->rec.num[LL_FIELD_UPDATED_AT] > *newest)
			*newest = row->rec.num[LL_FIELD_UPDATED_AT];
	}
	*out = rows;
	*n_out = n;
	return 0;
}

int ll_pagemap_prepare(const struct ll_pagemap *pm, const char *cursor,
		       struct json_object *records, struct ll_mapped_page *mp)
{
	struct ll_store_row *rows;
	size_t n;

	if (!records || !json_object_is_type(records, json_type_array)) {
		snprintf(mp->err, sizeof mp->err, "%s: provider returned no record array",
			 pm->stream->name);
		return -1;
	}
	if (ll_pagemap_rows(pm, cursor, records, &rows, &n, &mp->newest, mp->err,
			    sizeof mp->err) < 0)
		return -1;
	mp->n_records = (int64_t)n;
	for (size_t i = 0; i < n; i++)
		if (rows[i].rec.set[LL_FIELD_UPDATED_AT] && rows[i].rec.num[LL_FIELD_UPDATED_AT] < mp->oldest)
			mp->oldest = rows[i].rec.num[LL_FIELD_UPDATED_AT];
	mp->n_rows = ll_store_dedupe(rows, n);
	if (ll_store_copy_data(rows, mp->n_rows, &mp->copy) < 0)
		snprintf(mp->err, sizeof mp->err, "%s: out of memory", pm->stream->name);
	ll_pagemap_rows_free(rows, n);
	return mp->err[0] ? -1 : 0;
}
