#include "store/derive.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/recategorize.h"

/* A dependent row keeps its own lead source; otherwise it takes its
 * lender's when the lender is stored, else the guess it was staged with. */
#define TAKES_LENDER "(lead_source_origin IS DISTINCT FROM 'own' AND lender.l_origin IS NOT NULL)"

enum ll_channel ll_derive_channel(const struct ll_rules *rules, const char *lead_source,
				  const char *alt)
{
	enum ll_channel ch = ll_rules_classify(rules, lead_source);

	return ch == LL_CH_UNKNOWN && alt ? ll_rules_classify(rules, alt) : ch;
}

int ll_derive_classify(struct ll_store_row *row, enum ll_entity e, const struct ll_rules *rules,
		       char *err, size_t errlen)
{
	const struct ll_record *r = &row->rec;
	const char *own = r->str[LL_FIELD_LEAD_SOURCE];
	const char *guess = r->str[LL_FIELD_CUSTOMER_LEAD_SOURCE];
	const char *ref = r->str[LL_FIELD_SOURCE_REF], *alt = r->str[LL_FIELD_LEAD_SOURCE_ALT];

	row->alt = NULL;
	if (!ll_text_blank(own)) {
		row->lead_source = own;
		row->origin = "own";
		row->alt = alt;
	} else if (!ll_text_blank(guess)) {
		row->lead_source = guess;
		row->origin = "customer";
	} else {
		row->lead_source = NULL;
		row->origin = NULL;
		row->alt = alt;
	}
	if (ll_text_blank(row->alt))
		row->alt = NULL;
	row->channel = ll_derive_channel(rules, row->lead_source, row->alt);
	row->ref_entity = LL_ENTITY_CUSTOMER;
	if (ref && ref[0]) {
		if (r->set[LL_FIELD_SOURCE_REF_ENTITY])
			row->ref_entity = (enum ll_entity)r->num[LL_FIELD_SOURCE_REF_ENTITY];
	} else {
		/* No reference named: a dependent derives from its customer. */
		ref = ll_entity_depends(e) ? r->str[LL_FIELD_CUSTOMER_ID] : NULL;
	}
	row->ref = ref && ref[0] ? ref : NULL;
	if (row->ref && !ll_entity_depends(e)) {
		snprintf(err, errlen, "a %s record cannot derive its lead source from another",
			 ll_entity_table(e) ? ll_entity_table(e) : "record of an unknown entity");
		return -1;
	}
	if (row->ref && !ll_entity_lends(row->ref_entity)) {
		snprintf(err, errlen, "lead source derived from entity %d, which lends none",
			 (int)row->ref_entity);
		return -1;
	}
	return 0;
}

/*
 * One branch per lending entity finds the staged row's lender:
 *   SELECT l.lead_source_raw, l.lead_source_category, '<origin>'
 *   FROM <table> l WHERE ll_stage.source_ref_entity = <e> AND ...
 * Table names, origins and entity numbers come from the host's own table
 * of entities (store.c), never from data.
 */
static int lender_branches(char *out, size_t len)
{
	size_t o = 0;

	out[0] = '\0';
	for (int e = 0; ll_entity_table((enum ll_entity)e); e++) {
		const char *origin = ll_entity_lends((enum ll_entity)e);
		int n;

		if (!origin)
			continue;
		n = snprintf(out + o, len - o,
			     "%sSELECT l.lead_source_raw AS l_raw, l.lead_source_alt AS l_alt, "
			     "l.lead_source_category AS l_category, '%s'::text AS l_origin FROM %s l WHERE ll_stage.source_ref_entity = %d "
			     "AND l.integration_id = $1 AND l.external_id = ll_stage.source_ref",
			     o ? " UNION ALL " : "", origin, ll_entity_table((enum ll_entity)e), e);
		if (n < 0 || (size_t)n >= len - o)
			return -1;
		o += (size_t)n;
	}
	return o ? 0 : -1;
}

int ll_derive_stage_select(enum ll_entity e, char *out, size_t len)
{
	char branches[1024];
	int n;

	if (!ll_entity_depends(e)) {
		n = snprintf(out, len, "%s FROM ll_stage", LL_STAGE_COLUMNS);
		return n < 0 || (size_t)n >= len ? -1 : 0;
	}
	if (lender_branches(branches, sizeof branches) < 0)
		return -1;
	/* LIMIT 1: at most one lender, and a subquery PostgreSQL does not pull
	 * up into a join, so each staged row costs one index look-up rather
	 * than a scan of the lender's whole table per page. */
	n = snprintf(out, len,
		     LL_STAGE_RECORD_COLUMNS ", "
		     "CASE WHEN " TAKES_LENDER " THEN lender.l_raw ELSE lead_source_raw END, "
		     "CASE WHEN " TAKES_LENDER " THEN lender.l_alt ELSE lead_source_alt END, "
		     "CASE WHEN " TAKES_LENDER " THEN CASE WHEN lender.l_raw IS NULL THEN NULL "
		     "  ELSE lender.l_origin END ELSE lead_source_origin END, "
		     "CASE WHEN " TAKES_LENDER " THEN lender.l_category "
		     "  ELSE lead_source_category END "
		     "FROM ll_stage LEFT JOIN LATERAL (%s LIMIT 1) lender ON true",
		     branches);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* Dependents of the staged lenders whose derived values differ take the
 * lender's: {d} the dependents' table, {l} the lender's.  One of these
 * per dependent table, as data-modifying WITH queries of one statement. */
static const char rechannel_cte[] =
	"r_{d} AS (UPDATE {d} d SET lead_source_raw = l.lead_source_raw, "
	"lead_source_alt = l.lead_source_alt, "
	"lead_source_origin = CASE WHEN l.lead_source_raw IS NULL THEN NULL ELSE $3 END, "
	"lead_source_category = l.lead_source_category "
	"FROM ll_stage s JOIN {l} l ON l.integration_id = $1 AND l.external_id = s.external_id "
	"WHERE d.integration_id = $1 AND d.source_ref_entity = $2::smallint "
	"AND d.source_ref = s.external_id AND d.lead_source_origin IS DISTINCT FROM 'own' "
	"AND (d.lead_source_raw IS DISTINCT FROM l.lead_source_raw "
	"  OR d.lead_source_alt IS DISTINCT FROM l.lead_source_alt "
	"  OR d.lead_source_category IS DISTINCT FROM l.lead_source_category "
	"  OR d.lead_source_origin IS DISTINCT FROM "
	"     CASE WHEN l.lead_source_raw IS NULL THEN NULL ELSE $3 END) RETURNING 1)";

/* WITH r_jobs AS (...), r_estimates AS (...) SELECT (SELECT count(*) FROM
 * r_jobs) + (SELECT count(*) FROM r_estimates) + 0 */
static int rechannel_sql(enum ll_entity e, char *sql, size_t len, char *err, size_t errlen)
{
	const char *vars[2][2] = { { "{d}", NULL }, { "{l}", ll_entity_table(e) } };
	char cte[sizeof rechannel_cte + 64], sum[256] = "";
	size_t o = 0, so = 0;

	for (int d = 0; ll_entity_table((enum ll_entity)d); d++) {
		const char *table = ll_entity_table((enum ll_entity)d);

		if (!ll_entity_depends((enum ll_entity)d))
			continue;
		vars[0][1] = table;
		if (ll_db_template(cte, sizeof cte, rechannel_cte, vars, 2, err, errlen) < 0)
			return -1;
		o += (size_t)snprintf(sql + o, o < len ? len - o : 0, "%s%s", o ? ", " : "WITH ",
				      cte);
		so += (size_t)snprintf(sum + so, so < sizeof sum ? sizeof sum - so : 0,
				       "(SELECT count(*) FROM r_%s) + ", table);
	}
	o += (size_t)snprintf(sql + o, o < len ? len - o : 0, " SELECT %s0", sum);
	if (o >= len || so >= sizeof sum) {
		snprintf(err, errlen, "statement too long");
		return -1;
	}
	return 0;
}

static int rechannel(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		     int64_t *count, char *err, size_t errlen)
{
	char iid[24], entity[8], sql[4 * sizeof rechannel_cte];
	const char *params[] = { iid, entity, ll_entity_lends(e) };
	PGresult *res;

	snprintf(iid, sizeof iid, "%" PRId64, integration_id);
	snprintf(entity, sizeof entity, "%d", (int)e);
	if (rechannel_sql(e, sql, sizeof sql, err, errlen) < 0 ||
	    !(res = ll_db_query(db, sql, 3, params, err, errlen)))
		return -1;
	*count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int ll_derive_stored(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		     int64_t changed, int64_t *rechanneled, char *err, size_t errlen)
{
	*rechanneled = 0;
	/* Lenders that did not change leave their dependents as they were:
	 * a dependent stored since took the stored lender's values. */
	if (ll_entity_lends(e) && changed > 0)
		return rechannel(db, e, integration_id, rechanneled, err, errlen);
	if (e == LL_ENTITY_EMPLOYEE && changed > 0)
		return ll_recategorize_mark(db, integration_id, err, errlen);
	return 0;
}
