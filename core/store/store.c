#include "store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/derive.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define STAGE_FIELDS 21

/* The record tables, one per entity: the only place that names them, and
 * what each takes part in of derived lead sources (store/derive.h). */
static const struct entity_info {
	const char *table;
	const char *lends; /* origin recorded by the rows deriving from it */
	int depends;       /* its rows may derive their lead source */
} entities[] = {
	[LL_ENTITY_JOB] = { "jobs", NULL, 1 },
	[LL_ENTITY_CUSTOMER] = { "customers", "customer", 0 },
	[LL_ENTITY_ESTIMATE] = { "estimates", NULL, 1 },
	[LL_ENTITY_EMPLOYEE] = { "employees", NULL, 0 },
	[LL_ENTITY_CAMPAIGN] = { "campaigns", "campaign", 0 },
};

static const struct entity_info *entity_info(enum ll_entity e)
{
	return (unsigned)e < sizeof entities / sizeof entities[0] ? &entities[e] : NULL;
}

const char *ll_entity_table(enum ll_entity e)
{
	return entity_info(e) ? entity_info(e)->table : NULL;
}

const char *ll_entity_lends(enum ll_entity e)
{
	return entity_info(e) ? entity_info(e)->lends : NULL;
}

int ll_entity_depends(enum ll_entity e)
{
	return entity_info(e) ? entity_info(e)->depends : 0;
}

/* The table of e into *table, or -1 with err filled. */
static int table_of(enum ll_entity e, const char **table, char *err, size_t errlen)
{
	*table = ll_entity_table(e);
	if (!*table)
		snprintf(err, errlen, "store: unknown entity %d", (int)e);
	return *table ? 0 : -1;
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

static const char *time_or_null(const struct ll_record *r, enum ll_field f,
				char *buf, size_t len)
{
	if (!r->set[f])
		return NULL;
	ll_format_time(r->num[f], buf, len);
	return buf;
}

/*
 * A page travels to PostgreSQL by COPY into a session-local staging table,
 * then one INSERT ... SELECT ... ON CONFLICT moves it into place: COPY
 * costs the server a fraction of parsing and planning a VALUES list with
 * thousands of parameters.  COPY data is not SQL, so values stay apart
 * from statement text as with PQexecParams.  ON COMMIT DELETE ROWS empties
 * the table with the caller's transaction; it is created once per session
 * (ll_store_stage), not per page.
 */
static const char stage_ddl[] =
	"CREATE TEMP TABLE IF NOT EXISTS ll_stage (external_id text, "
	"status_raw text, status_class smallint, amount_cents bigint, "
	"resolved_at timestamptz, remote_created_at timestamptz, "
	"remote_updated_at timestamptz, customer_external_id text, "
	"first_name text, last_name text, deleted boolean, deleted_at timestamptz, "
	"raw jsonb, source_ref text, source_ref_entity smallint, merged_into text, "
	"job_external_id text, "
	"lead_source_raw text, lead_source_alt text, lead_source_origin text, "
	"lead_source_category text) ON COMMIT DELETE ROWS";

int ll_store_stage(struct ll_db *db, char *err, size_t errlen)
{
	if (db->session_objects & LL_DB_SESSION_STAGE)
		return 0;
	if (ll_db_exec(db, stage_ddl, 0, NULL, err, errlen) < 0)
		return -1;
	db->session_objects |= LL_DB_SESSION_STAGE;
	return 0;
}

/* One field in COPY's text format: \N for NULL, backslash escapes for the
 * bytes that delimit fields and rows. */
static int copy_field(struct ll_buf *b, const char *value, int last)
{
	const char *p = value;

	if (!value && ll_buf_puts(b, "\\N") < 0)
		return -1;
	while (p && *p) {
		const char *run = p, *esc = NULL;

		while (*p && *p != '\\' && *p != '\t' && *p != '\n' && *p != '\r')
			p++;
		if (p > run && ll_buf_append(b, run, (size_t)(p - run)) < 0)
			return -1;
		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: break;
		}
		if (!esc)
			break;
		if (ll_buf_puts(b, esc) < 0)
			return -1;
		p++;
	}
	return ll_buf_puts(b, last ? "\n" : "\t");
}

static int copy_row(struct ll_buf *b, const struct ll_store_row *row)
{
	const struct ll_record *r = &row->rec;
	char status_class[8], amount[24], resolved[40], created[40], updated[40],
	     deleted_at[40], ref_entity[8];
	const char *fields[STAGE_FIELDS];

	snprintf(status_class, sizeof status_class, "%d", (int)r->num[LL_FIELD_STATUS_CLASS]);
	snprintf(amount, sizeof amount, "%" PRId64, r->num[LL_FIELD_AMOUNT_CENTS]);
	if (row->has_resolved)
		ll_format_time(row->resolved_us, resolved, sizeof resolved);
	fields[0] = r->str[LL_FIELD_EXTERNAL_ID];
	fields[1] = r->str[LL_FIELD_STATUS_RAW];
	fields[2] = status_class;
	fields[3] = amount;
	fields[4] = row->has_resolved ? resolved : NULL;
	fields[5] = time_or_null(r, LL_FIELD_CREATED_AT, created, sizeof created);
	fields[6] = time_or_null(r, LL_FIELD_UPDATED_AT, updated, sizeof updated);
	fields[7] = r->str[LL_FIELD_CUSTOMER_ID];
	fields[8] = r->str[LL_FIELD_FIRST_NAME];
	fields[9] = r->str[LL_FIELD_LAST_NAME];
	fields[10] = r->set[LL_FIELD_DELETED_AT] ? "t" : "f";
	fields[11] = time_or_null(r, LL_FIELD_DELETED_AT, deleted_at, sizeof deleted_at);
	/* Borrowed from json-c: valid while the raw object lives. */
	fields[12] = json_object_to_json_string_ext(row->raw, JSON_C_TO_STRING_PLAIN);
	snprintf(ref_entity, sizeof ref_entity, "%d", (int)row->ref_entity);
	fields[13] = row->ref;
	fields[14] = row->ref ? ref_entity : NULL;
	fields[15] = r->str[LL_FIELD_MERGED_INTO];
	fields[16] = r->str[LL_FIELD_JOB_ID];
	fields[17] = row->lead_source;
	fields[18] = row->alt;
	fields[19] = row->origin;
	fields[20] = ll_channel_name(row->channel);
	for (size_t i = 0; i < STAGE_FIELDS; i++)
		if (copy_field(b, fields[i], i + 1 == STAGE_FIELDS) < 0)
			return -1;
	return 0;
}

/*
 * The staged page into one record table ({t}), lead sources derived from
 * stored lenders ({s}: ll_derive_stage_select), never over a newer
 * version, and only where something changed: a page read again with
 * nothing new rewrites and counts nothing.  A listed row is live again and
 * no longer missed by sweeps.
 */
static const char upsert_sql[] =
	"INSERT INTO {t} AS t (integration_id, last_seen_sweep, " LL_STAGE_COLUMNS ") "
	"SELECT $1::bigint, $2::bigint, {s} "
	"ON CONFLICT (integration_id, external_id) DO UPDATE SET "
	"status_raw = EXCLUDED.status_raw, status_class = EXCLUDED.status_class, "
	"amount_cents = EXCLUDED.amount_cents, resolved_at = EXCLUDED.resolved_at, "
	"remote_created_at = EXCLUDED.remote_created_at, "
	"remote_updated_at = EXCLUDED.remote_updated_at, "
	"customer_external_id = EXCLUDED.customer_external_id, "
	"lead_source_raw = EXCLUDED.lead_source_raw, "
	"lead_source_alt = EXCLUDED.lead_source_alt, merged_into = EXCLUDED.merged_into, "
	"job_external_id = EXCLUDED.job_external_id, "
	"lead_source_origin = EXCLUDED.lead_source_origin, "
	"lead_source_category = EXCLUDED.lead_source_category, "
	"first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, "
	"deleted = EXCLUDED.deleted, deleted_at = EXCLUDED.deleted_at, "
	"raw = EXCLUDED.raw, source_ref = EXCLUDED.source_ref, "
	"source_ref_entity = EXCLUDED.source_ref_entity, "
	"vanished_at = NULL, missed_sweeps = 0, synced_at = now(), "
	"last_seen_sweep = COALESCE(EXCLUDED.last_seen_sweep, t.last_seen_sweep) "
	"WHERE (t.remote_updated_at IS NULL OR EXCLUDED.remote_updated_at IS NULL "
	"  OR t.remote_updated_at <= EXCLUDED.remote_updated_at) "
	"AND (t.remote_updated_at IS DISTINCT FROM EXCLUDED.remote_updated_at "
	"  OR t.raw IS DISTINCT FROM EXCLUDED.raw OR t.vanished_at IS NOT NULL "
	"  OR t.missed_sweeps <> 0 "
	"  OR t.lead_source_raw IS DISTINCT FROM EXCLUDED.lead_source_raw "
	"  OR t.lead_source_alt IS DISTINCT FROM EXCLUDED.lead_source_alt "
	"  OR t.lead_source_origin IS DISTINCT FROM EXCLUDED.lead_source_origin "
	"  OR t.lead_source_category IS DISTINCT FROM EXCLUDED.lead_source_category) "
	"RETURNING (xmax = 0)";

/* Rows the upsert left alone (unchanged, or a newer version stored) were
 * still listed by the sweep. */
static const char mark_seen_sql[] =
	"UPDATE {t} t SET last_seen_sweep = $2::bigint, vanished_at = NULL, missed_sweeps = 0 "
	"FROM ll_stage s WHERE t.integration_id = $1::bigint "
	"AND t.external_id = s.external_id "
	"AND t.last_seen_sweep IS DISTINCT FROM $2::bigint";

/* One statement from a template whose "{t}" names the entity's table. */
static int table_sql(enum ll_entity e, const char *tmpl, char *sql, size_t len, char *err,
		     size_t errlen)
{
	const char *vars[1][2] = { { "{t}", NULL } };

	if (table_of(e, &vars[0][1], err, errlen) < 0)
		return -1;
	return ll_db_template(sql, len, tmpl, vars, 1, err, errlen);
}

int ll_store_copy_data(const struct ll_store_row *rows, size_t n, struct ll_buf *out)
{
	for (size_t i = 0; i < n; i++)
		if (copy_row(out, &rows[i]) < 0)
			return -1;
	return 0;
}

int ll_store_upsert(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		    int64_t sweep_id, const struct ll_buf *copy_data, size_t n,
		    int64_t *inserted, int64_t *updated, char *err, size_t errlen)
{
	char iid[24], sweep[24], select[2048], upsert[sizeof upsert_sql + sizeof select + 32],
	     mark[sizeof mark_seen_sql + 32];
	const char *vars[2][2] = { { "{t}", NULL }, { "{s}", select } };
	const char *params[2] = { iid, NULL };
	PGresult *res;

	err[0] = '\0';
	*inserted = *updated = 0;
	if (n == 0)
		return 0;
	if (table_of(e, &vars[0][1], err, errlen) < 0 ||
	    ll_derive_stage_select(e, select, sizeof select) < 0 ||
	    ll_db_template(upsert, sizeof upsert, upsert_sql, vars, 2, err, errlen) < 0 ||
	    table_sql(e, mark_seen_sql, mark, sizeof mark, err, errlen) < 0) {
		if (!err[0])
			snprintf(err, errlen, "store: statement too long");
		return -1;
	}
	if (!db->conn || PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
		snprintf(err, errlen, "store: upsert outside a transaction");
		return -1;
	}
	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	params[1] = sweep_id > 0 ? sweep : NULL;
	if (ll_db_copy_in(db, "COPY ll_stage (" LL_STAGE_COLUMNS ") FROM STDIN",
			  copy_data->data, copy_data->len, err, errlen) < 0)
		return -1;
	res = ll_db_query(db, upsert, 2, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 0), "t") == 0)
			(*inserted)++;
		else
			(*updated)++;
	}
	if (sweep_id > 0 && (size_t)PQntuples(res) < n &&
	    ll_db_exec(db, mark, 2, params, err, errlen) < 0) {
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int ll_store_sweep_count(struct ll_db *db, enum ll_entity e, int64_t integration_id,
			 int64_t sweep_id, int64_t *seen, int64_t *unseen, char *err,
			 size_t errlen)
{
	char iid[24], sweep[24], sql[512];
	const char *params[] = { iid, sweep };
	PGresult *res;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	if (table_sql(e, "SELECT count(*) FILTER (WHERE last_seen_sweep = $2::bigint), "
		      "count(*) FILTER (WHERE vanished_at IS NULL "
		      "  AND last_seen_sweep IS DISTINCT FROM $2::bigint) "
		      "FROM {t} WHERE integration_id = $1", sql, sizeof sql, err, errlen) < 0 ||
	    !(res = ll_db_query(db, sql, 2, params, err, errlen)))
		return -1;
	*seen = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	*unseen = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return 0;
}

void ll_id_list_release(struct ll_id_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The external ids of a query's first column into out. */
static int ids_of(PGresult *res, struct ll_id_list *out, char *err, size_t errlen)
{
	int n = PQntuples(res);

	out->v = calloc((size_t)n + 1, sizeof *out->v);
	out->n = 0;
	for (int i = 0; out->v && i < n; i++) {
		if (!(out->v[i] = strdup(PQgetvalue(res, i, 0)))) {
			ll_id_list_release(out);
			break;
		}
		out->n++;
	}
	if (!out->v) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int ll_store_sweep_ids(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		       int64_t sweep_id, int seen, int64_t limit, struct ll_id_list *out,
		       char *err, size_t errlen)
{
	char iid[24], sweep[24], lim[24], sql[512];
	const char *params[] = { iid, sweep, lim };
	PGresult *res;
	int rc;

	out->v = NULL;
	out->n = 0;
	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	snprintf(lim, sizeof lim, "%" PRId64, limit);
	if (table_sql(e, seen ? "SELECT external_id FROM {t} WHERE integration_id = $1 "
			      "AND last_seen_sweep = $2::bigint LIMIT $3::bigint"
			      : "SELECT external_id FROM {t} WHERE integration_id = $1 "
			      "AND vanished_at IS NULL AND last_seen_sweep IS DISTINCT FROM $2::bigint "
			      "ORDER BY missed_sweeps DESC, external_id LIMIT $3::bigint",
		      sql, sizeof sql, err, errlen) < 0 ||
	    !(res = ll_db_query(db, sql, 3, params, err, errlen)))
		return -1;
	rc = ids_of(res, out, err, errlen);
	PQclear(res);
	return rc;
}

int ll_store_vanish(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		    const char *external_id, int64_t *count, char *err, size_t errlen)
{
	char iid[24], sql[256];
	const char *params[] = { iid, external_id };
	int64_t n;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	if (table_sql(e, "UPDATE {t} SET vanished_at = now() WHERE integration_id = $1 "
		      "AND external_id = $2 AND vanished_at IS NULL", sql, sizeof sql,
		      err, errlen) < 0 ||
	    (n = ll_db_exec_count(db, sql, 2, params, err, errlen)) < 0)
		return -1;
	*count += n;
	return 0;
}

int ll_store_sweep_settle(struct ll_db *db, enum ll_entity e, int64_t integration_id,
			  int64_t sweep_id, int64_t *vanished, char *err, size_t errlen)
{
	char iid[24], sweep[24], sql[512];
	const char *params[] = { iid, sweep };
	PGresult *res;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	if (table_sql(e, "UPDATE {t} SET missed_sweeps = LEAST(missed_sweeps + 1, 1000), "
		      " vanished_at = CASE WHEN missed_sweeps + 1 >= 2 THEN now() END "
		      "WHERE integration_id = $1 AND vanished_at IS NULL "
		      "AND last_seen_sweep IS DISTINCT FROM $2::bigint "
		      "RETURNING vanished_at IS NOT NULL", sql, sizeof sql, err, errlen) < 0 ||
	    !(res = ll_db_query(db, sql, 2, params, err, errlen)))
		return -1;
	*vanished = 0;
	for (int i = 0; i < PQntuples(res); i++)
		*vanished += strcmp(PQgetvalue(res, i, 0), "t") == 0;
	PQclear(res);
	return 0;
}
