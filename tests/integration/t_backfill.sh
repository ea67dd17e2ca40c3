# Backfill of the small data set, then reports against the simulator's own
# totals: the last 30 days, DST days, local-midnight edges, all time.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 3
"${LL[@]}" sync >"$WORK/sync.out" 2>>"$WORK/ll.log"
ok $? "first sync (full backfill) succeeds"
eq "$(table_count jobs)" 2400 "all jobs stored"
eq "$(table_count customers)" 1500 "all customers stored"
eq "$(table_count estimates)" 500 "all estimates stored"
eq "$(table_count employees)" 12 "all employees stored"
eq "$(sql "SELECT count(*) FROM sync_runs WHERE status = 'success'")" 4 "one successful run per stream"
eq "$(sql "SELECT api_calls FROM sync_runs WHERE stream = 'jobs'")" 24 "jobs backfill used ceil(2400/100) requests"
eq "$(sim_requests 'page_size=100&sort_by=created_at&sort_direction=asc')" 44 "backfill pages sorted by created_at ascending at page size 100"
check "one-line summary per stream when not on a terminal" grep -q "acme/housecallpro jobs: success, 24 pages, 2400 records" "$WORK/sync.out"

read -r FROM TO < <("${LL[@]}" report --site acme --days 30 --format json | jq -r '"\(.from) \(.to)"')
report_matches "$FROM" "$TO" "last 30 days"
report_matches 2025-03-09 2025-03-09 "spring-forward DST day (23 hours)"
report_matches 2025-11-02 2025-11-02 "fall-back DST day (25 hours)"
report_matches 2025-03-08 2025-03-10 "days around spring-forward"
report_matches 2025-11-01 2025-11-01 "window ending at local midnight"
report_matches 2025-11-03 2025-11-03 "window starting at local midnight"
report_matches 2019-01-01 2027-12-31 "all time"
report_matches 2024-06-01 2024-06-30 "a past month"

JSON=$("${LL[@]}" report --site acme --days 30 --format json)
eq "$(echo "$JSON" | jq '.categories | length')" 8 "all eight categories appear"
eq "$(echo "$JSON" | jq -c '[.categories[].category] | sort')" \
	'["ai_phone","direct","google","referral","repeat_customer","social","unknown","website"]' "category names"
eq "$(echo "$JSON" | jq '[.categories[] | [-.revenue_cents, .category]] == ([.categories[] | [-.revenue_cents, .category]] | sort)')" \
	true "ordered by revenue descending, then name"
eq "$(echo "$JSON" | jq '([.categories[].revenue_cents] | add) == .total.revenue_cents')" true "total is the sum"
eq "$(echo "$JSON" | jq -r '.total.revenue')" "98883.00" "30-day revenue is the brief's \$98,883.00"
eq "$(echo "$JSON" | jq -r '.timezone + " " + .currency')" "America/Chicago USD" "time zone and currency"
eq "$("${LL[@]}" report --site acme --days 30 --format csv | head -1 | cut -d, -f1-4)" "category,jobs,revenue_cents,revenue" "csv header begins as it always did"
eq "$("${LL[@]}" report --site acme --days 30 --format csv | wc -l)" 10 "csv: header, 8 channels, total"
check "table shows shares" sh -c "'$LL_BIN' -c '$CONF' report --site acme --days 30 | grep -q 'repeat_customer .* 52.5%'"
check "--unknown lists the raw strings that fell into unknown" sh -c \
	"'$LL_BIN' -c '$CONF' report --site acme --from 2019-01-01 --to 2027-12-31 --unknown | grep -q Groupon"

# The injection-shaped lead source is stored verbatim and the table survives.
eq "$(sql "SELECT count(*) > 0 FROM jobs WHERE lead_source_raw = 'x''); DROP TABLE jobs; --'")" t \
	"hostile lead source stored verbatim"

# A second full sweep changes nothing.
# What a job row says, as one digest.
JOBS_DIGEST="SELECT md5(string_agg(external_id || status_class || amount_cents || coalesce(resolved_at::text,'') || lead_source_category || deleted || coalesce(vanished_at::text,''), ',' ORDER BY external_id)) FROM jobs"
SUM_BEFORE=$(sql "$JOBS_DIGEST")
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
ok $? "sync --full succeeds"
eq "$(sql "$JOBS_DIGEST")" \
	"$SUM_BEFORE" "--full changes nothing"
eq "$(sql "SELECT sum(rows_inserted) FROM sync_runs WHERE mode = 'full' AND id > 4")" 0 "--full inserts no rows"

# On a terminal, sync shows a progress line with pages, records, rate and ETA.
sim_get "/_sim/config?slow_ms=30" >/dev/null
script -qec "'$LL_BIN' -c '$CONF' sync --full" /dev/null >"$WORK/tty.out" 2>&1
ok $? "sync on a terminal"
sim_get "/_sim/config?slow_ms=0" >/dev/null
check "progress line: page N/M, records, rate" grep -q "acme/housecallpro jobs: page [0-9]*/24, [0-9]*/2400 records, [0-9]* rec/s" "$WORK/tty.out"
check "progress line: ETA" grep -q "ETA [0-9]*:[0-9][0-9]" "$WORK/tty.out"

# The report query is an index-only GROUP BY.
PLAN=$(psql -XAtq -d "$T_DB" -c "EXPLAIN SELECT j.lead_source_category, count(*), sum(j.amount_cents) FROM jobs j WHERE j.integration_id IN (SELECT id FROM site_integrations WHERE site_id = 'acme') AND j.status_class = 1 AND NOT j.deleted AND j.vanished_at IS NULL AND j.resolved_at >= '2026-01-01' AND j.resolved_at < '2026-02-01' GROUP BY 1")
echo "$PLAN" | sed 's/^/# /'
check "report query uses jobs_report_idx" grep -q jobs_report_idx <<<"$PLAN"

# Four requests in flight, at most 2,400 a minute: a full backfill into an
# empty database, with 100 ms per page at the simulator.  Pages are committed
# in order, none is fetched twice or past the last page, and the configured
# rate holds at the simulator.
CONN2=$(db_create "${T_DB}_ahead")
sed -e "s|dbname=$T_DB\"|dbname=${T_DB}_ahead\"|" \
    -e "s|page_size = 100;|page_size = 100; concurrency = 4; requests_per_minute = 2400;|" \
    "$CONF" >"$WORK/ahead.conf"
check "configuration with concurrency = 4" grep -q "concurrency = 4" "$WORK/ahead.conf"
"$LL_BIN" -c "$WORK/ahead.conf" migrate >>"$WORK/ll.log" 2>&1
sim_get "/_sim/config?slow_ms=100" >/dev/null
sim_get "/_sim/stats?reset=1" >/dev/null
sim_get "/_sim/log?clear=1" >/dev/null
"$LL_BIN" -c "$WORK/ahead.conf" sync >>"$WORK/ll.log" 2>&1
ok $? "backfill with four pages in flight succeeds"
sim_get "/_sim/config?slow_ms=0" >/dev/null
STATS=$(sim_get /_sim/stats)
ahead_sql() { psql -XAtq -d "${T_DB}_ahead" -c "$1"; }
eq "$(ahead_sql "SELECT (SELECT count(*) FROM jobs) || '/' || (SELECT count(DISTINCT external_id) FROM jobs) || ' ' || (SELECT count(*) FROM customers) || ' ' || (SELECT count(*) FROM estimates)")" \
	"2400/2400 1500 500" "every record stored once"
eq "$(ahead_sql "$JOBS_DIGEST")" "$(sql "$JOBS_DIGEST")" \
	"the same jobs as the one-at-a-time backfill"
eq "$(ahead_sql "SELECT api_calls || ' ' || pages FROM sync_runs WHERE stream = 'jobs'")" "24 24" \
	"jobs: 24 requests for 24 pages, none wasted"
eq "$(sim_requests 'GET /jobs?')" 24 "the simulator saw each jobs page once"
ge "$(echo "$STATS" | jq .peak_in_flight)" 2 "requests overlapped at the simulator"
le "$(echo "$STATS" | jq .peak_in_flight)" 4 "never more than four in flight"
le "$(echo "$STATS" | jq .peak_per_second)" 41 "at most 40 requests per second (2,400 a minute), one of slack for clock edges"

# The same sweep with no delay at the simulator, where four requests in
# flight would far outrun it, under 1,200 a minute: the spacing must hold.
sed -i "s|requests_per_minute = 2400;|requests_per_minute = 1200;|" "$WORK/ahead.conf"
sim_get "/_sim/stats?reset=1" >/dev/null
sim_get "/_sim/log?clear=1" >/dev/null
"$LL_BIN" -c "$WORK/ahead.conf" sync --full >>"$WORK/ll.log" 2>&1
ok $? "full sweep under 1,200 requests a minute succeeds"
STATS=$(sim_get /_sim/stats)
eq "$(sim_requests 'GET /jobs?')" 24 "the sweep fetched every jobs page once"
le "$(echo "$STATS" | jq .peak_per_second)" 22 "at most 20 requests started in any second (starts are spaced 50 ms apart; two of slack for scheduling jitter at the simulator)"
eq "$(ahead_sql "$JOBS_DIGEST")" "$(sql "$JOBS_DIGEST")" "the sweep changed nothing"
dropdb "${T_DB}_ahead"
