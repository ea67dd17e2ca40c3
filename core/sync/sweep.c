#include "sync/sweep.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "store/derive.h"
#include "store/store.h"
#include "util/fault.h"
#include "util/log.h"

#define BATCH 50 /* look-ups per committed transaction */

void ll_sweep_outcome_init(struct ll_sweep_outcome *out)
{
	memset(out, 0, sizeof *out);
}

static enum ll_entity entity(const struct ll_sweep *sw)
{
	return sw->map->stream->entity;
}

static int can_look_up(const struct ll_sweep *sw)
{
	return (sw->map->stream->flags & LL_STREAM_FETCH_BY_ID) && sw->map->desc->fetch_record;
}

/* One look-up: 1 the CRM has it (*raw set), 0 it does not, -1 unknown. */
static int look_up(const struct ll_sweep *sw, const char *id, struct json_object **raw,
		   char *err, size_t errlen)
{
	char perr[LL_ERR_MAX] = "";
	enum ll_status st;

	*raw = NULL;
	st = sw->map->desc->fetch_record(sw->map->state, sw->map->stream, id, raw, perr);
	if (st == LL_OK && *raw)
		return 1;
	if (st == LL_ERR_NOT_FOUND)
		return 0;
	if (*raw)
		json_object_put(*raw);
	*raw = NULL;
	snprintf(err, errlen, "%s", perr[0] ? perr : "look-up failed");
	return -1;
}

/* The canary: a record the sweep listed must be found by id, with that id,
 * or a "not found" from the same look-up proves nothing. */
static int canary(const struct ll_sweep *sw, char *why, size_t len)
{
	struct ll_id_list ids;
	struct json_object *raw;
	struct ll_store_row *rows;
	struct json_object *arr;
	char err[LL_ERR_MAX + LL_CURSOR_MAX];
	int64_t newest;
	size_t n;
	int rc;

	if (ll_store_sweep_ids(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id, 1, 1,
			       &ids, why, len) < 0)
		return -1;
	if (ids.n == 0) {
		ll_id_list_release(&ids);
		snprintf(why, len, "the sweep listed no record to test look-ups with");
		return -1;
	}
	rc = look_up(sw, ids.v[0], &raw, err, sizeof err);
	if (rc <= 0) {
		snprintf(why, len, "looking up listed record %.64s gave %.128s", ids.v[0],
			 rc == 0 ? "\"not found\"" : err);
		ll_id_list_release(&ids);
		return -1;
	}
	arr = json_object_new_array();
	rc = arr && json_object_array_add(arr, raw) == 0 ? 0 : -1;
	if (rc < 0)
		json_object_put(raw);
	if (rc == 0 && ll_pagemap_rows(sw->map, "look-up", arr, &rows, &n, &newest, err,
				       sizeof err) == 0) {
		rc = n == 1 && strcmp(rows[0].rec.str[LL_FIELD_EXTERNAL_ID], ids.v[0]) == 0 ? 0 : -1;
		ll_pagemap_rows_free(rows, n);
		if (rc < 0)
			snprintf(why, len, "looking up %.64s returned another record", ids.v[0]);
	} else if (rc == 0) {
		snprintf(why, len, "%.200s", err);
		rc = -1;
	}
	json_object_put(arr);
	ll_id_list_release(&ids);
	return rc;
}

/* Store what one batch of look-ups found: records the CRM still has (as a
 * page of the sweep) and records it no longer has (soft-deleted). */
static int commit_batch(const struct ll_sweep *sw, struct json_object *found,
			const struct ll_id_list *gone, size_t n_gone,
			struct ll_sweep_outcome *out, char *err, size_t errlen)
{
	struct ll_mapped_page mp;
	int64_t ins = 0, upd = 0, vanished = 0, rech = 0;
	int rc = -1;

	ll_mapped_page_init(&mp);
	if (json_object_array_length(found) > 0 &&
	    ll_pagemap_prepare(sw->map, "look-up", found, &mp) < 0) {
		snprintf(err, errlen, "%s", mp.err);
		ll_mapped_page_release(&mp);
		return -1;
	}
	pthread_mutex_lock(sw->db_lock);
	if (ll_db_begin(sw->db, err, errlen) < 0 || ll_checkpoint_lock(sw->db, sw->cp, err, errlen) < 0 ||
	    ll_schedule_renew(sw->db, sw->lease, err, errlen) < 0 ||
	    ll_store_upsert(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id, &mp.copy,
			    mp.n_rows, &ins, &upd, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < n_gone; i++)
		if (ll_store_vanish(sw->db, entity(sw), sw->integration_id, gone->v[i], &vanished,
				    err, errlen) < 0)
			goto out;
	if (ll_derive_stored(sw->db, entity(sw), sw->integration_id, ins + upd + vanished, &rech,
			     err, errlen) < 0)
		goto out;
	rc = ll_db_commit(sw->db, err, errlen);
	LL_FAULT_POINT("sweep_batch_committed");
out:
	if (rc < 0)
		ll_db_rollback(sw->db);
	pthread_mutex_unlock(sw->db_lock);
	if (rc == 0) {
		out->recovered += (int64_t)mp.n_rows;
		out->vanished += vanished;
		out->rechanneled += rech;
	}
	ll_mapped_page_release(&mp);
	return rc;
}

int ll_sweep_confirm(const struct ll_sweep *sw, struct ll_sweep_outcome *out, char *err,
		     size_t errlen)
{
	struct ll_id_list cand;
	int64_t seen;
	char why[256];
	int rc = 0;

	if (ll_store_sweep_count(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id,
				 &seen, &out->unseen, err, errlen) < 0)
		return -1;
	if (out->unseen == 0 || !can_look_up(sw))
		return 0;
	if (canary(sw, why, sizeof why) < 0) {
		snprintf(out->flag, sizeof out->flag, "look-ups by id prove nothing (%s): "
			 "no record deleted by look-up", why);
		return 0;
	}
	if (ll_store_sweep_ids(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id, 0,
			       sw->confirm_max, &cand, err, errlen) < 0)
		return -1;
	for (size_t start = 0; start < cand.n && rc == 0; start += BATCH) {
		struct json_object *found = json_object_new_array();
		struct ll_id_list gone = { cand.v + start, 0 };
		char lerr[LL_ERR_MAX];

		if (!found) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		/* Gone ids are moved to the front of this batch's slice. */
		for (size_t i = start; i < cand.n && i < start + BATCH && rc == 0; i++) {
			struct json_object *raw;
			int r = look_up(sw, cand.v[i], &raw, lerr, sizeof lerr);

			if (r > 0 && json_object_array_add(found, raw) < 0) {
				json_object_put(raw);
				r = -1;
				snprintf(lerr, sizeof lerr, "out of memory");
			}
			if (r == 0) {
				char *tmp = cand.v[start + gone.n];

				cand.v[start + gone.n] = cand.v[i];
				cand.v[i] = tmp;
				gone.n++;
			}
			if (r < 0) {
				snprintf(out->flag, sizeof out->flag, "look-up of %.64s failed (%.160s): "
					 "the candidates after it are kept", cand.v[i], lerr);
				rc = 1;
			}
		}
		if (commit_batch(sw, found, &gone, gone.n, out, err, errlen) < 0)
			rc = -1;
		json_object_put(found);
	}
	ll_id_list_release(&cand);
	if (rc < 0)
		return -1;
	if (!out->flag[0] && out->unseen > sw->confirm_max)
		snprintf(out->flag, sizeof out->flag, "%" PRId64 " records missing from the sweep, "
			 "more than the %" PRId64 " it looks up by id: the rest are kept",
			 out->unseen, sw->confirm_max);
	ll_log(LL_LOG_INFO, "%s: %s: sweep missed %" PRId64 " records: %" PRId64 " gone, %" PRId64
	       " still in the CRM (recovered)", sw->log_prefix, sw->map->stream->name, out->unseen,
	       out->vanished, out->recovered);
	return 0;
}

int ll_sweep_settle(const struct ll_sweep *sw, struct ll_sweep_outcome *out, char *err,
		    size_t errlen)
{
	int64_t seen, unseen, settled = 0, rech = 0, first = sw->cp->total_first;
	int complete;

	if (ll_store_sweep_count(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id,
				 &seen, &unseen, err, errlen) < 0)
		return -1;
	complete = sw->total_last >= 0 && seen >= sw->total_last &&
		   (first < 0 || first <= sw->total_last);
	/* The CRM deleted records the sweep had listed: they are not
	 * candidates now, and the next sweep finds them. */
	out->again = out->recovered > 0 || (sw->total_last >= 0 && seen > sw->total_last) ||
		     (first >= 0 && sw->total_last >= 0 && first > sw->total_last);
	if (unseen == 0)
		return 0;
	if (!complete) {
		if (!out->flag[0])
			snprintf(out->flag, sizeof out->flag, "sweep not complete (listed %" PRId64
				 " of the %" PRId64 " records the CRM counts%s): %" PRId64
				 " unseen records kept", seen, sw->total_last,
				 first > sw->total_last ? ", and its count fell meanwhile" : "",
				 unseen);
		return 0;
	}
	if (ll_store_sweep_settle(sw->db, entity(sw), sw->integration_id, sw->cp->sweep_id,
				  &settled, err, errlen) < 0 ||
	    ll_derive_stored(sw->db, entity(sw), sw->integration_id, settled, &rech, err,
			     errlen) < 0)
		return -1;
	out->vanished += settled;
	return 0;
}
