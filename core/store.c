#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeutil.h"

#define COLS_PER_ROW 16

static const char *const entity_tables[] = { "jobs", "customers", "estimates", "employees" };

const char *ll_entity_table(enum ll_entity e)
{
	return (unsigned)e < 4 ? entity_tables[e] : "jobs";
}

void ll_store_classify(struct ll_store_row *row, const struct ll_rules *rules)
{
	const char *own = row->rec.str[LL_FIELD_LEAD_SOURCE];
	const char *cust = row->rec.str[LL_FIELD_CUSTOMER_LEAD_SOURCE];

	if (!ll_text_blank(own)) {
		row->lead_source = own;
		row->origin = "own";
	} else if (!ll_text_blank(cust)) {
		row->lead_source = cust;
		row->origin = "customer";
	} else {
		row->lead_source = NULL;
		row->origin = NULL;
	}
	row->channel = ll_rules_classify(rules, row->lead_source);
}

static int cmp_rows(const void *a, const void *b)
{
	const struct ll_store_row *x = *(const struct ll_store_row *const *)a;
	const struct ll_store_row *y = *(const struct ll_store_row *const *)b;
	int c = strcmp(x->rec.str[LL_FIELD_EXTERNAL_ID], y->rec.str[LL_FIELD_EXTERNAL_ID]);

	if (c)
		return c;
	return x < y ? -1 : x > y; /* page order among equal ids */
}

size_t ll_store_dedupe(struct ll_store_row *rows, size_t n)
{
	struct ll_store_row **order;
	unsigned char *drop;
	size_t out = 0;

	if (n < 2)
		return n;
	order = malloc(n * sizeof *order);
	drop = calloc(n, 1);
	if (!order || !drop) {
		free(order);
		free(drop);
		return n; /* the upsert then fails loudly on the duplicate */
	}
	for (size_t i = 0; i < n; i++)
		order[i] = &rows[i];
	qsort(order, n, sizeof *order, cmp_rows);
	for (size_t i = 1; i < n; i++) {
		struct ll_store_row *a = order[i - 1], *b = order[i];

		if (strcmp(a->rec.str[LL_FIELD_EXTERNAL_ID], b->rec.str[LL_FIELD_EXTERNAL_ID]))
			continue;
		/* Keep the newer; on a tie the later in the page. */
		if (a->rec.num[LL_FIELD_UPDATED_AT] > b->rec.num[LL_FIELD_UPDATED_AT]) {
			drop[b - rows] = 1;
			order[i] = a;
		} else {
			drop[a - rows] = 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (drop[i]) {
			ll_record_release(&rows[i].rec);
			continue;
		}
		if (out != i) {
			rows[out] = rows[i];
			ll_record_init(&rows[i].rec);
		}
		out++;
	}
	free(order);
	free(drop);
	return out;
}

int ll_pg_array_literal(struct ll_buf *b, const char *const *items, size_t n)
{
	if (ll_buf_puts(b, "{") < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((i && ll_buf_puts(b, ",") < 0) || ll_buf_puts(b, "\"") < 0)
			return -1;
		for (const char *p = items[i]; *p; p++) {
			if ((*p == '"' || *p == '\\') && ll_buf_puts(b, "\\") < 0)
				return -1;
			if (ll_buf_append(b, p, 1) < 0)
				return -1;
		}
		if (ll_buf_puts(b, "\"") < 0)
			return -1;
	}
	return ll_buf_puts(b, "}");
}

/* Per-row parameter text lives in this scratch space. */
struct row_text {
	char status_class[8], amount[24], resolved[40], created[40], updated[40],
	     deleted[4], deleted_at[40];
};

static const char *time_or_null(const struct ll_record *r, enum ll_field f,
				char *buf, size_t len)
{
	if (!r->set[f])
		return NULL;
	ll_format_time(r->num[f], buf, len);
	return buf;
}

static int build_upsert_sql(struct ll_buf *sql, enum ll_entity e, size_t n)
{
	const char *t = ll_entity_table(e);

	if (ll_buf_printf(sql,
			  "INSERT INTO %s AS t (integration_id, last_seen_sweep, external_id, "
			  "status_raw, status_class, amount_cents, resolved_at, remote_created_at, "
			  "remote_updated_at, customer_external_id, lead_source_raw, "
			  "lead_source_origin, lead_source_category, first_name, last_name, "
			  "deleted, deleted_at, raw) VALUES ", t) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		size_t p = 3 + i * COLS_PER_ROW;

		if (ll_buf_printf(sql, "%s($1, $2::bigint", i ? ", " : "") < 0)
			return -1;
		for (size_t c = 0; c < COLS_PER_ROW; c++)
			if (ll_buf_printf(sql, ", $%zu", p + c) < 0)
				return -1;
		if (ll_buf_puts(sql, ")") < 0)
			return -1;
	}
	return ll_buf_printf(sql,
		" ON CONFLICT (integration_id, external_id) DO UPDATE SET "
		"status_raw = EXCLUDED.status_raw, status_class = EXCLUDED.status_class, "
		"amount_cents = EXCLUDED.amount_cents, resolved_at = EXCLUDED.resolved_at, "
		"remote_created_at = EXCLUDED.remote_created_at, "
		"remote_updated_at = EXCLUDED.remote_updated_at, "
		"customer_external_id = EXCLUDED.customer_external_id, "
		"lead_source_raw = EXCLUDED.lead_source_raw, "
		"lead_source_origin = EXCLUDED.lead_source_origin, "
		"lead_source_category = EXCLUDED.lead_source_category, "
		"first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, "
		"deleted = EXCLUDED.deleted, deleted_at = EXCLUDED.deleted_at, "
		"raw = EXCLUDED.raw, vanished_at = NULL, synced_at = now(), "
		"last_seen_sweep = COALESCE(EXCLUDED.last_seen_sweep, t.last_seen_sweep) "
		"WHERE t.remote_updated_at IS NULL OR EXCLUDED.remote_updated_at IS NULL "
		"OR t.remote_updated_at <= EXCLUDED.remote_updated_at "
		"RETURNING (xmax = 0)");
}

static int mark_seen(struct ll_db *db, enum ll_entity e, const char *iid,
		     const char *sweep, struct ll_store_row *rows, size_t n,
		     char *err, size_t errlen)
{
	const char **ids = malloc(n * sizeof *ids);
	struct ll_buf arr, sql;
	const char *params[3];
	int rc = -1;

	ll_buf_init(&arr, (size_t)1 << 30);
	ll_buf_init(&sql, 4096);
	if (!ids)
		goto out;
	for (size_t i = 0; i < n; i++)
		ids[i] = rows[i].rec.str[LL_FIELD_EXTERNAL_ID];
	if (ll_pg_array_literal(&arr, ids, n) < 0 ||
	    ll_buf_printf(&sql, "UPDATE %s SET last_seen_sweep = $2::bigint, vanished_at = NULL "
			  "WHERE integration_id = $1 AND external_id = ANY($3::text[]) "
			  "AND last_seen_sweep IS DISTINCT FROM $2::bigint",
			  ll_entity_table(e)) < 0)
		goto out;
	params[0] = iid;
	params[1] = sweep;
	params[2] = arr.data;
	rc = ll_db_exec(db, sql.data, 3, params, err, errlen);
out:
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "out of memory");
	free(ids);
	ll_buf_release(&arr);
	ll_buf_release(&sql);
	return rc;
}

int ll_store_upsert(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		    int64_t sweep_id, struct ll_store_row *rows, size_t n,
		    int64_t *inserted, int64_t *updated, char *err, size_t errlen)
{
	char iid[24], sweep[24];
	struct ll_buf sql;
	const char **params = NULL;
	struct row_text *text = NULL;
	PGresult *res = NULL;
	int rc = -1;

	err[0] = '\0';
	*inserted = *updated = 0;
	if (n == 0)
		return 0;
	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	ll_buf_init(&sql, (size_t)1 << 24);
	params = calloc(2 + n * COLS_PER_ROW, sizeof *params);
	text = calloc(n, sizeof *text);
	if (!params || !text || build_upsert_sql(&sql, e, n) < 0)
		goto out;
	params[0] = iid;
	params[1] = sweep_id > 0 ? sweep : NULL;
	for (size_t i = 0; i < n; i++) {
		const struct ll_record *r = &rows[i].rec;
		struct row_text *t = &text[i];
		const char **p = params + 2 + i * COLS_PER_ROW;

		snprintf(t->status_class, sizeof t->status_class, "%d",
			 (int)r->num[LL_FIELD_STATUS_CLASS]);
		snprintf(t->amount, sizeof t->amount, "%" PRId64, r->num[LL_FIELD_AMOUNT_CENTS]);
		snprintf(t->deleted, sizeof t->deleted, "%s",
			 r->set[LL_FIELD_DELETED_AT] ? "t" : "f");
		if (rows[i].has_resolved)
			ll_format_time(rows[i].resolved_us, t->resolved, sizeof t->resolved);
		p[0] = r->str[LL_FIELD_EXTERNAL_ID];
		p[1] = r->str[LL_FIELD_STATUS_RAW];
		p[2] = t->status_class;
		p[3] = t->amount;
		p[4] = rows[i].has_resolved ? t->resolved : NULL;
		p[5] = time_or_null(r, LL_FIELD_CREATED_AT, t->created, sizeof t->created);
		p[6] = time_or_null(r, LL_FIELD_UPDATED_AT, t->updated, sizeof t->updated);
		p[7] = r->str[LL_FIELD_CUSTOMER_ID];
		p[8] = rows[i].lead_source;
		p[9] = rows[i].origin;
		p[10] = ll_channel_name(rows[i].channel);
		p[11] = r->str[LL_FIELD_FIRST_NAME];
		p[12] = r->str[LL_FIELD_LAST_NAME];
		p[13] = t->deleted;
		p[14] = time_or_null(r, LL_FIELD_DELETED_AT, t->deleted_at, sizeof t->deleted_at);
		/* Borrowed from json-c: valid while the raw object lives. */
		p[15] = json_object_to_json_string_ext(rows[i].raw, JSON_C_TO_STRING_PLAIN);
	}
	res = ll_db_query(db, sql.data, (int)(2 + n * COLS_PER_ROW), params, err, errlen);
	if (!res)
		goto out;
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 0), "t") == 0)
			(*inserted)++;
		else
			(*updated)++;
	}
	rc = 0;
	if (sweep_id > 0 && (size_t)PQntuples(res) < n)
		rc = mark_seen(db, e, iid, sweep, rows, n, err, errlen);
out:
	if (rc < 0 && !err[0])
		snprintf(err, errlen, "out of memory");
	PQclear(res);
	free(params);
	free(text);
	ll_buf_release(&sql);
	return rc;
}

int ll_store_mark_vanished(struct ll_db *db, enum ll_entity e,
			   int64_t integration_id, int64_t sweep_id,
			   int64_t *count, char *err, size_t errlen)
{
	char iid[24], sweep[24], sql[512];
	const char *params[] = { iid, sweep };
	PGresult *res;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET vanished_at = now() WHERE integration_id = $1 "
		 "AND vanished_at IS NULL AND last_seen_sweep IS DISTINCT FROM $2::bigint",
		 ll_entity_table(e));
	res = ll_db_query(db, sql, 2, params, err, errlen);
	if (!res)
		return -1;
	*count = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return 0;
}
