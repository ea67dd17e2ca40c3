# Run history: every finished run is counted once in sync_run_totals (the
# totals /metrics reads), raw runs older than run_history_days are pruned
# when an integration's lease is released, the latest run of each stream
# is kept for `status`, and pruning never lowers a counter.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 5
for _ in 1 2 3; do
	"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
done
ok $? "three sync passes"
sim_get "/_sim/config?fail_5xx_pct=100" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
sim_get "/_sim/config?fail_5xx_pct=0" >/dev/null
ge "$(sql "SELECT count(*) FROM sync_runs WHERE status IN ('failed', 'partial')")" 1 "a failed pass too"

# The totals are the sums of the raw finished runs, status by status.
RAW="SELECT string_agg(row::text, ';' ORDER BY row::text) FROM (SELECT integration_id, stream,
       count(*) FILTER (WHERE status = 'success'), count(*) FILTER (WHERE status = 'partial'),
       count(*) FILTER (WHERE status = 'failed'), count(*) FILTER (WHERE status = 'interrupted'),
       sum(rows_inserted), sum(rows_updated), sum(api_calls), sum(http_429), sum(retries),
       sum(rows_vanished), count(flag), sum(rechanneled)
     FROM sync_runs WHERE status <> 'running' GROUP BY 1, 2) row"
TOTALS="SELECT string_agg(row::text, ';' ORDER BY row::text) FROM (SELECT integration_id, stream, success,
       partial, failed, interrupted, rows_inserted, rows_updated, api_calls, http_429, retries,
       rows_vanished, flagged, rechanneled FROM sync_run_totals) row"
eq "$(sql "$TOTALS")" "$(sql "$RAW")" "every finished run is counted once in the totals"

# A run killed mid-flight is counted when the next run marks it interrupted.
sql "INSERT INTO sync_runs (integration_id, stream, mode, api_calls)
     SELECT integration_id, 'jobs', 'incremental', 7 FROM sync_runs LIMIT 1" >/dev/null
BEFORE=$(sql "SELECT interrupted || '/' || api_calls FROM sync_run_totals WHERE stream = 'jobs'")
sql "UPDATE sync_runs SET status = 'interrupted', finished_at = now() WHERE status = 'running'" >/dev/null
eq "$(sql "SELECT interrupted || '/' || api_calls FROM sync_run_totals WHERE stream = 'jobs'")" \
	"$(( ${BEFORE%/*} + 1 ))/$(( ${BEFORE#*/} + 7 ))" "an interrupted run is counted once, with its requests"
eq "$(sql "$TOTALS")" "$(sql "$RAW")" "... and the totals still equal the raw runs"

# status reads each stream's latest run from sync_state (a trigger keeps
# it, migration 10); the raw runs say what it must be.
LATEST="SELECT string_agg(stream || '=' || last, ',' ORDER BY stream) FROM (
  SELECT DISTINCT ON (stream) stream, status || coalesce(': ' || flag, '') last
  FROM sync_runs ORDER BY stream, started_at DESC, id DESC) l"
status_latest() { "${LL[@]}" status --format json | jq -r '[.[] | "\(.stream)=\(.last_run)"] | sort | join(",")'; }
eq "$(status_latest)" "$(sql "$LATEST")" "status shows each stream's latest run, the interrupted one included"

# Age every run past the retention: the next release prunes all but the
# latest run of each stream; the totals only grow.
STATUS_BEFORE=$("${LL[@]}" status --format json | jq -c '[.[] | {stream, last_run}]')
sql "UPDATE sync_runs SET started_at = started_at - interval '400 days',
                          finished_at = finished_at - interval '400 days'" >/dev/null
OLD=$(sql "SELECT count(*) FROM sync_runs")
SUCCESS_BEFORE=$(sql "SELECT sum(success) FROM sync_run_totals")
eq "$("${LL[@]}" status --format json | jq -c '[.[] | {stream, last_run}]')" "$STATUS_BEFORE" \
	"status reads the same runs before the prune"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "a sync pass after a year"
eq "$(sql "SELECT count(*) FROM sync_runs WHERE finished_at < now() - interval '90 days'
       AND id NOT IN (SELECT max(id) FROM sync_runs GROUP BY integration_id, stream)")" 0 \
	"finished runs older than 90 days (the default) are pruned"
le "$(sql "SELECT count(*) FROM sync_runs")" 8 "what is left: the newest run of each stream, kept, and this pass's ($OLD before)"
eq "$(sql "SELECT sum(success) FROM sync_run_totals")" "$((SUCCESS_BEFORE + 4))" \
	"the totals kept every pruned run and added this pass's four"
eq "$(sql "SELECT count(*) FROM sync_runs r WHERE r.status = 'running'")" 0 "no run left running"
eq "$(status_latest)" "$(sql "$LATEST")" "after the prune, status shows this pass's runs"

# run_history_days is checked like every other setting.
sed -i '1i run_history_days = 0;' "$CONF"
"${LL[@]}" check-config >"$WORK/check.out" 2>&1
eq "$?" 78 "run_history_days = 0 is refused"
check "... naming the file and line" grep -q "leadledger.conf:1: 'run_history_days' = 0 is out of range" "$WORK/check.out"
sed -i '1s/.*/run_history_days = 1;/' "$CONF"
"${LL[@]}" check-config >/dev/null 2>&1
ok $? "run_history_days = 1 is accepted"
