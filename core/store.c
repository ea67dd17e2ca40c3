#include "store.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "timeutil.h"

#define STAGE_FIELDS 16

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
#define STAGE_COLUMNS                                                          \
	"external_id, status_raw, status_class, amount_cents, resolved_at, "  \
	"remote_created_at, remote_updated_at, customer_external_id, "        \
	"lead_source_raw, lead_source_origin, lead_source_category, "         \
	"first_name, last_name, deleted, deleted_at, raw"

static const char stage_ddl[] =
	"CREATE TEMP TABLE IF NOT EXISTS ll_stage (external_id text, "
	"status_raw text, status_class smallint, amount_cents bigint, "
	"resolved_at timestamptz, remote_created_at timestamptz, "
	"remote_updated_at timestamptz, customer_external_id text, "
	"lead_source_raw text, lead_source_origin text, lead_source_category text, "
	"first_name text, last_name text, deleted boolean, deleted_at timestamptz, "
	"raw jsonb) ON COMMIT DELETE ROWS";

int ll_store_stage(struct ll_db *db, char *err, size_t errlen)
{
	return ll_db_exec(db, stage_ddl, 0, NULL, err, errlen);
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
	     deleted_at[40];
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
	fields[8] = row->lead_source;
	fields[9] = row->origin;
	fields[10] = ll_channel_name(row->channel);
	fields[11] = r->str[LL_FIELD_FIRST_NAME];
	fields[12] = r->str[LL_FIELD_LAST_NAME];
	fields[13] = r->set[LL_FIELD_DELETED_AT] ? "t" : "f";
	fields[14] = time_or_null(r, LL_FIELD_DELETED_AT, deleted_at, sizeof deleted_at);
	/* Borrowed from json-c: valid while the raw object lives. */
	fields[15] = json_object_to_json_string_ext(row->raw, JSON_C_TO_STRING_PLAIN);
	for (size_t i = 0; i < STAGE_FIELDS; i++)
		if (copy_field(b, fields[i], i + 1 == STAGE_FIELDS) < 0)
			return -1;
	return 0;
}

/* The staged page into one record table, never over a newer version. */
#define UPSERT_SQL(table)                                                       \
	"INSERT INTO " table " AS t (integration_id, last_seen_sweep, " STAGE_COLUMNS ") " \
	"SELECT $1::bigint, $2::bigint, " STAGE_COLUMNS " FROM ll_stage "       \
	"ON CONFLICT (integration_id, external_id) DO UPDATE SET "              \
	"status_raw = EXCLUDED.status_raw, status_class = EXCLUDED.status_class, " \
	"amount_cents = EXCLUDED.amount_cents, resolved_at = EXCLUDED.resolved_at, " \
	"remote_created_at = EXCLUDED.remote_created_at, "                      \
	"remote_updated_at = EXCLUDED.remote_updated_at, "                      \
	"customer_external_id = EXCLUDED.customer_external_id, "                \
	"lead_source_raw = EXCLUDED.lead_source_raw, "                          \
	"lead_source_origin = EXCLUDED.lead_source_origin, "                    \
	"lead_source_category = EXCLUDED.lead_source_category, "                \
	"first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name, "    \
	"deleted = EXCLUDED.deleted, deleted_at = EXCLUDED.deleted_at, "        \
	"raw = EXCLUDED.raw, vanished_at = NULL, synced_at = now(), "           \
	"last_seen_sweep = COALESCE(EXCLUDED.last_seen_sweep, t.last_seen_sweep) " \
	"WHERE t.remote_updated_at IS NULL OR EXCLUDED.remote_updated_at IS NULL " \
	"OR t.remote_updated_at <= EXCLUDED.remote_updated_at "                 \
	"RETURNING (xmax = 0)"

/* Rows the upsert skipped (a newer version is stored) were still seen by
 * the sweep. */
#define MARK_SEEN_SQL(table)                                                    \
	"UPDATE " table " t SET last_seen_sweep = $2::bigint, vanished_at = NULL " \
	"FROM ll_stage s WHERE t.integration_id = $1::bigint "                  \
	"AND t.external_id = s.external_id "                                    \
	"AND t.last_seen_sweep IS DISTINCT FROM $2::bigint"

/* Indexed by enum ll_entity, in the order of entity_tables. */
static const char *const upsert_sql[] = {
	UPSERT_SQL("jobs"), UPSERT_SQL("customers"), UPSERT_SQL("estimates"),
	UPSERT_SQL("employees"),
};
static const char *const mark_seen_sql[] = {
	MARK_SEEN_SQL("jobs"), MARK_SEEN_SQL("customers"), MARK_SEEN_SQL("estimates"),
	MARK_SEEN_SQL("employees"),
};

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
	char iid[24], sweep[24];
	const char *params[2] = { iid, NULL };
	PGresult *res;

	err[0] = '\0';
	*inserted = *updated = 0;
	if (n == 0)
		return 0;
	if ((unsigned)e >= sizeof upsert_sql / sizeof upsert_sql[0]) {
		snprintf(err, errlen, "store: unknown entity %d", (int)e);
		return -1;
	}
	if (!db->conn || PQtransactionStatus(db->conn) != PQTRANS_INTRANS) {
		snprintf(err, errlen, "store: upsert outside a transaction");
		return -1;
	}
	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	params[1] = sweep_id > 0 ? sweep : NULL;
	if (ll_db_copy_in(db, "COPY ll_stage (" STAGE_COLUMNS ") FROM STDIN",
			  copy_data->data, copy_data->len, err, errlen) < 0)
		return -1;
	res = ll_db_query(db, upsert_sql[e], 2, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		if (strcmp(PQgetvalue(res, i, 0), "t") == 0)
			(*inserted)++;
		else
			(*updated)++;
	}
	if (sweep_id > 0 && (size_t)PQntuples(res) < n &&
	    ll_db_exec(db, mark_seen_sql[e], 2, params, err, errlen) < 0) {
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

int ll_store_mark_vanished(struct ll_db *db, enum ll_entity e,
			   int64_t integration_id, int64_t sweep_id,
			   int64_t *count, char *err, size_t errlen)
{
	char iid[24], sweep[24], sql[512];
	const char *params[] = { iid, sweep };

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(sweep, sizeof sweep, "%" PRId64, sweep_id);
	snprintf(sql, sizeof sql,
		 "UPDATE %s SET vanished_at = now() WHERE integration_id = $1 "
		 "AND vanished_at IS NULL AND last_seen_sweep IS DISTINCT FROM $2::bigint",
		 ll_entity_table(e));
	*count = ll_db_exec_count(db, sql, 2, params, err, errlen);
	return *count < 0 ? -1 : 0;
}
