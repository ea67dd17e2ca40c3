/*
 * Writing synced records: idempotent, de-duplicated upserts into the four
 * record tables (jobs, customers, estimates, employees).
 *
 * An upsert never overwrites a stored row with an older version
 * (remote_updated_at guard), so replaying a page is harmless.  The caller
 * owns the transaction.
 */
#ifndef LL_STORE_H
#define LL_STORE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "config/rules.h"
#include "provider/host.h"
#include "store/db.h"
#include "util/buf.h"

struct ll_store_row {
	struct ll_record rec;
	struct json_object *raw; /* borrowed from the page */
	int64_t resolved_us;
	int has_resolved;
	const char *lead_source; /* effective raw lead source, borrowed from rec */
	const char *origin;      /* "own", "customer" or NULL */
	enum ll_channel channel;
	const char *ref;         /* the record it derives from, borrowed, or NULL */
	enum ll_entity ref_entity;
	const char *alt;         /* classified when lead_source says unknown, or NULL */
};

/* The record table of an entity, or NULL for an entity the host does not
 * know (callers then fail with an error, never guess a table). */
const char *ll_entity_table(enum ll_entity e);
/* The origin a dependent row records when it takes e's lead source
 * ("customer"), or NULL when e lends none (store/derive.h). */
const char *ll_entity_lends(enum ll_entity e);
/* Whether rows of e may take their lead source from another record. */
int ll_entity_depends(enum ll_entity e);

/* The staging table's columns, in COPY order: the lead-source columns
 * last, as ll_derive_stage_select derives them. */
#define LL_STAGE_RECORD_COLUMNS                                                 \
	"external_id, status_raw, status_class, amount_cents, resolved_at, "   \
	"remote_created_at, remote_updated_at, customer_external_id, "         \
	"first_name, last_name, deleted, deleted_at, raw, source_ref, "        \
	"source_ref_entity, merged_into, job_external_id"
#define LL_STAGE_COLUMNS                                                        \
	LL_STAGE_RECORD_COLUMNS ", lead_source_raw, lead_source_alt, "        \
	"lead_source_origin, lead_source_category"

/* Drop duplicate external ids, keeping the newest updated_at (the later
 * one on a tie).  Returns the new count; dropped rows are released. */
size_t ll_store_dedupe(struct ll_store_row *rows, size_t n);

/* Create the session's staging table if this session lacks it (after a
 * connect or reconnect): call it before upserts, outside a transaction,
 * as often as convenient; it costs a statement once per session.  0, or
 * -1 with err filled. */
int ll_store_stage(struct ll_db *db, char *err, size_t errlen);

/* Append the COPY text of rows (de-duplicated) to out.  Touches no
 * connection, so a worker thread can build it.  0, or -1 out of memory. */
int ll_store_copy_data(const struct ll_store_row *rows, size_t n, struct ll_buf *out);

/* Upsert the n rows of copy_data (from ll_store_copy_data) inside the
 * caller's open transaction (-1 otherwise).  sweep_id > 0 marks them seen
 * by that full sweep (also rows whose stored version is newer).  Counts
 * inserted and updated rows. */
int ll_store_upsert(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		    int64_t sweep_id, const struct ll_buf *copy_data, size_t n,
		    int64_t *inserted, int64_t *updated, char *err, size_t errlen);

/*
 * Full sweeps.  Rows the sweep listed carry its id (last_seen_sweep); the
 * others are "unseen": candidates for deletion, deleted only once proven
 * gone (sync/sweep.c).
 */
struct ll_id_list {
	char **v;
	size_t n;
};

void ll_id_list_release(struct ll_id_list *l);

/* Rows the sweep listed, and live rows it did not. */
int ll_store_sweep_count(struct ll_db *db, enum ll_entity e, int64_t integration_id,
			 int64_t sweep_id, int64_t *seen, int64_t *unseen, char *err,
			 size_t errlen);
/* Up to limit external ids of rows the sweep listed (seen) or of live rows
 * it did not (longest missed first).  On success release out. */
int ll_store_sweep_ids(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		       int64_t sweep_id, int seen, int64_t limit, struct ll_id_list *out,
		       char *err, size_t errlen);
/* Soft-delete one record the CRM says it no longer has; adds to *count. */
int ll_store_vanish(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		    const char *external_id, int64_t *count, char *err, size_t errlen);
/* After a complete sweep: every live row it did not list has been missed
 * once more, and those missed by two consecutive complete sweeps are
 * soft-deleted (*vanished counts them). */
int ll_store_sweep_settle(struct ll_db *db, enum ll_entity e, int64_t integration_id,
			  int64_t sweep_id, int64_t *vanished, char *err, size_t errlen);

#endif
