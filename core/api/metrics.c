#include "api/metrics.h"

#include <string.h>

#include "report/status.h"

/* Per integration and stream: counters of every finished run (folded into
 * sync_run_totals as each run finishes, so a scrape costs the same with a
 * year of history as with one run), then the gauges of the stream's state. */
#define METRICS_SQL \
	"SELECT i.site_id, i.provider, s.stream, " \
	" coalesce(t.success, 0), coalesce(t.partial, 0), coalesce(t.failed, 0), " \
	" coalesce(t.interrupted, 0), coalesce(t.rows_inserted, 0), " \
	" coalesce(t.rows_updated, 0), coalesce(t.api_calls, 0), coalesce(t.http_429, 0), " \
	" coalesce(t.retries, 0), coalesce(t.rows_vanished, 0), coalesce(t.flagged, 0), " \
	" coalesce(t.rechanneled, 0), " \
	" coalesce(extract(epoch FROM s.last_success_at)::bigint::text, ''), " \
	" coalesce(extract(epoch FROM now() - s.last_success_at)::bigint::text, ''), " \
	" " LL_SQL_STALE "::int, " \
	" i.needs_attention::int, i.enabled::int, i.needs_reconnect::int " \
	"FROM site_integrations i JOIN sync_state s ON s.integration_id = i.id " \
	"LEFT JOIN sync_run_totals t ON t.integration_id = i.id AND t.stream = s.stream " \
	"ORDER BY i.site_id, i.provider, s.stream"

enum { M_SITE, M_PROV, M_STREAM, M_SUCCESS, M_PARTIAL, M_FAILED, M_INTERRUPTED, M_INS, M_UPD,
       M_CALLS, M_429, M_RETRIES, M_VANISHED, M_FLAGGED, M_RECHANNELED, M_LAST, M_AGE, M_STALE,
       M_ATTN, M_ENABLED, M_RECONNECT };

struct metric {
	const char *name;
	const char *type;
	const char *help;
	int column;        /* -1: one series per run status */
	int per_integration; /* no stream label (one value per integration) */
};

static const struct metric metrics[] = {
	{ "leadledger_sync_runs_total", "counter", "Finished sync runs by outcome.", -1, 0 },
	{ "leadledger_rows_inserted_total", "counter", "Rows inserted by sync runs.", M_INS, 0 },
	{ "leadledger_rows_updated_total", "counter", "Rows updated by sync runs.", M_UPD, 0 },
	{ "leadledger_api_requests_total", "counter", "Requests made to the CRM.", M_CALLS, 0 },
	{ "leadledger_http_429_total", "counter", "Rate-limited (429) CRM responses.", M_429, 0 },
	{ "leadledger_retries_total", "counter", "Retried CRM requests.", M_RETRIES, 0 },
	{ "leadledger_rows_vanished_total", "counter",
	  "Rows full sweeps proved gone from the CRM and soft-deleted.", M_VANISHED, 0 },
	{ "leadledger_rows_rechanneled_total", "counter",
	  "Stored rows re-channeled because the record they take their lead source from "
	  "changed (counted on that record's stream).", M_RECHANNELED, 0 },
	{ "leadledger_flagged_runs_total", "counter",
	  "Successful runs with a flag: something they could not prove (see sync_runs.flag).",
	  M_FLAGGED, 0 },
	{ "leadledger_last_success_timestamp_seconds", "gauge",
	  "When the stream last synced successfully (Unix time).", M_LAST, 0 },
	{ "leadledger_staleness_seconds", "gauge", "Seconds since the last successful sync.",
	  M_AGE, 0 },
	{ "leadledger_stale", "gauge",
	  "1 when the data is older than twice the sync interval or never synced.", M_STALE, 0 },
	{ "leadledger_needs_attention", "gauge",
	  "1 when the integration needs an operator (for example a rejected credential).",
	  M_ATTN, 1 },
	{ "leadledger_needs_reconnect", "gauge",
	  "1 when the CRM refused the integration's OAuth grant: reconnect it (leadledger "
	  "connect, or Connect in the dashboard).", M_RECONNECT, 1 },
	{ "leadledger_integration_enabled", "gauge",
	  "1 when the integration is in the configuration file.", M_ENABLED, 1 },
};

static int series(struct ll_buf *out, const char *name, PGresult *res, int row, int stream,
		  const char *status, const char *value)
{
	/* Site ids are [a-z0-9-]; provider and stream names are identifiers:
	 * nothing to escape in the label values. */
	int rc = ll_buf_printf(out, "%s{site=\"%s\",provider=\"%s\"", name,
			       PQgetvalue(res, row, M_SITE), PQgetvalue(res, row, M_PROV));

	if (stream)
		rc |= ll_buf_printf(out, ",stream=\"%s\"", PQgetvalue(res, row, M_STREAM));
	if (status)
		rc |= ll_buf_printf(out, ",status=\"%s\"", status);
	rc |= ll_buf_printf(out, "} %s\n", value);
	return rc;
}

int ll_metrics_render(struct ll_db *db, struct ll_buf *out, char *err, size_t errlen)
{
	static const char *const statuses[] = { "success", "partial", "failed", "interrupted" };
	PGresult *res = ll_db_query(db, METRICS_SQL, 0, NULL, err, errlen);
	int rc = 0;

	if (!res)
		return -1;
	rc |= ll_buf_puts(out, "# HELP leadledger_up 1 when the service can read its database.\n"
			  "# TYPE leadledger_up gauge\nleadledger_up 1\n");
	for (size_t m = 0; m < sizeof metrics / sizeof metrics[0]; m++) {
		const struct metric *mt = &metrics[m];

		rc |= ll_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", mt->name, mt->help,
				    mt->name, mt->type);
		for (int i = 0; i < PQntuples(res); i++) {
			if (mt->per_integration && i > 0 &&
			    strcmp(PQgetvalue(res, i, M_SITE), PQgetvalue(res, i - 1, M_SITE)) == 0 &&
			    strcmp(PQgetvalue(res, i, M_PROV), PQgetvalue(res, i - 1, M_PROV)) == 0)
				continue;
			if (mt->column < 0) {
				for (int k = 0; k < (int)(sizeof statuses / sizeof statuses[0]); k++)
					rc |= series(out, mt->name, res, i, 1, statuses[k],
						     PQgetvalue(res, i, M_SUCCESS + k));
			} else if (PQgetvalue(res, i, mt->column)[0]) {
				rc |= series(out, mt->name, res, i, !mt->per_integration, NULL,
					     PQgetvalue(res, i, mt->column));
			}
		}
	}
	PQclear(res);
	if (rc)
		snprintf(err, errlen, "metrics exceed the buffer");
	return rc ? -1 : 0;
}
