/*
 * Sync status per integration and stream, from the database alone, so
 * every instance, `leadledger status` and the HTTP API agree.
 *
 * Each element of the returned array is an object with: site, provider,
 * stream, state ("ok", "running", "resumable", "attention", "disabled"),
 * needs_attention (reason or ""), last_success (UTC, "" if never),
 * age_seconds (null if never), stale (older than twice the integration's
 * sync interval, or never synced), jobs, customers, estimates, employees
 * (rows the CRM still lists: not gone from a sweep),
 * last_run ("success", "partial: no_records", ...), last_error,
 * next_run_in_seconds, backoff_seconds, running_on (lease owner or "").
 */
#ifndef LL_STATUS_H
#define LL_STATUS_H

#include <json-c/json.h>

#include "store/db.h"

/* Staleness, the design brief's rule, as SQL over sync_state s and
 * site_integrations i: never synced, or older than twice the interval. */
#define LL_SQL_STALE \
	"(s.last_success_at IS NULL OR " \
	" s.last_success_at < now() - 2 * i.sync_interval_s * interval '1 second')"

/* The status of every integration, or of one site's (site non-NULL).
 * Returns a new array the caller puts, or NULL with err filled. */
struct json_object *ll_status_json(struct ll_db *db, const char *site, char *err,
				   size_t errlen);

#endif
