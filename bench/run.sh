#!/usr/bin/env bash
# leadledger benchmarks (./dev bench).  Every figure is printed next to a
# baseline measured in the same run, as a ratio, with its target; the table
# goes to standard output and bench/results.md.  Speed is never asserted by
# the tests; this is where it is measured.
set -uo pipefail
: "${LL_BUILD:?}" "${LL_ROOT:?}" "${PGHOST:?}"
. "$LL_ROOT/tests/lib.sh"
WORK=$LL_STATE/bench
rm -rf "$WORK"
mkdir -p "$WORK"
export BENCH_ROWS=$WORK/rows.md
: >"$BENCH_ROWS"
. "$LL_ROOT/bench/lib.sh"
SIM_KEY=bench-key
INGEST_RUNS=5
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

sql() { psql -XAtq -d "$DB" -c "$1"; }

setup() { # setup DBNAME [hcpsim args]: simulator, database, keyring, config
	DB=$1; shift
	sim_stop
	sim_start "$WORK" --api-key-file "$(sim_key_file "$WORK" "$SIM_KEY")" "$@" || exit 1
	CONN=$(db_create "$DB")
	[ -f "$WORK/keyring" ] || keyring_create "$WORK"
	[ -f "$WORK/ct" ] || encrypt_key "$WORK/keyring" bench "$SIM_KEY" >"$WORK/ct"
	CONF=$WORK/$DB.conf
	LL_LOG_LEVEL=warning write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = ( $(site_block bench "$(cat "$WORK/ct")" "$SIM_URL" 200) );
CONF
	"$LL_BIN" -c "$CONF" migrate >/dev/null
}

echo "== 1. ingest: backfill of the plumbing data set vs COPY of the same rows, median of $INGEST_RUNS" >&2
# Each round back-fills into an empty database, then \copy-s the rows the
# first round stored into another; the rounds alternate so that noise
# falls on both alike.  The figures are the medians; the spread is the
# lowest and highest round.
setup bench_ingest --dataset plumbing
DB_COPY=bench_copy
sed "s|dbname=bench_ingest|dbname=$DB_COPY|" "$CONF" >"$WORK/copy.conf"
: >"$WORK/ingest.ms"
: >"$WORK/copy.ms"
for round in $(seq 1 "$INGEST_RUNS"); do
	if [ "$round" -gt 1 ]; then
		db_create "$DB" >/dev/null
		"$LL_BIN" -c "$CONF" migrate >/dev/null
	fi
	START=$(now_ms)
	"$LL_BIN" -c "$CONF" sync >"$WORK/ingest.out" 2>&1 || { cat "$WORK/ingest.out"; exit 1; }
	echo $(( $(now_ms) - START )) >>"$WORK/ingest.ms"
	if [ "$round" -eq 1 ]; then
		RECORDS=$(sql "SELECT (SELECT count(*) FROM jobs) + (SELECT count(*) FROM customers) + (SELECT count(*) FROM estimates) + (SELECT count(*) FROM employees)")
		for t in employees customers jobs estimates; do
			psql -XAtq -d "$DB" -c "\\copy $t TO '$WORK/$t.csv' CSV"
		done
	fi
	db_create "$DB_COPY" >/dev/null
	"$LL_BIN" -c "$WORK/copy.conf" migrate >/dev/null
	START=$(now_ms)
	for t in employees customers jobs estimates; do
		psql -XAtq -d "$DB_COPY" -c "\\copy $t FROM '$WORK/$t.csv' CSV"
	done
	echo $(( $(now_ms) - START )) >>"$WORK/copy.ms"
done
spread() { sort -n "$1" | awk '{ v[NR] = $1 } END { printf "%d %d %d\n", v[int((NR + 1) / 2)], v[1], v[NR] }'; }
read -r SYNC_MS SYNC_LO SYNC_HI < <(spread "$WORK/ingest.ms")
read -r COPY_MS COPY_LO COPY_HI < <(spread "$WORK/copy.ms")
row "backfill wall time, $RECORDS records, median of $INGEST_RUNS (ms; range $SYNC_LO-$SYNC_HI vs $COPY_LO-$COPY_HI)" "$SYNC_MS" "$COPY_MS" "$(ratio "$SYNC_MS" "$COPY_MS")" "<= 1.30 (baseline: psql \\copy)"
row "backfill records per second" "$(( RECORDS * 1000 / (SYNC_MS > 0 ? SYNC_MS : 1) ))" "$(( RECORDS * 1000 / (COPY_MS > 0 ? COPY_MS : 1) ))" "$(ratio "$COPY_MS" "$SYNC_MS")" "(for information)"

echo "== 2. requests spent" >&2
for s in customers jobs estimates; do
	n=$(sql "SELECT records_fetched FROM sync_runs WHERE stream = '$s' AND mode = 'full' ORDER BY id LIMIT 1")
	calls=$(sql "SELECT api_calls FROM sync_runs WHERE stream = '$s' AND mode = 'full' ORDER BY id LIMIT 1")
	min=$(( (n + 199) / 200 ))
	row "backfill requests, $s ($n records)" "$calls" "$min" "$(ratio "$calls" "$min")" "1.00 (ceil(records/200))"
done
CHANGED=$(( 23676 / 100 ))
sim_get "/_sim/mutate?jobs=$CHANGED&seed=5" >/dev/null
"$LL_BIN" -c "$CONF" sync >/dev/null 2>&1
calls=$(sql "SELECT api_calls FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")
min=$(( (CHANGED + 199) / 200 + 1 ))
row "incremental requests, jobs, 1% ($CHANGED) changed" "$calls" "$min" "$(ratio "$calls" "$min")" "<= 1.00 (ceil(changed/200)+1)"

echo "== 3. latency-bound backfill (100 ms per page): 4 in flight vs 1" >&2
# The same plumbing-shaped backfill twice, each into an empty database: one
# request at a time, then concurrency = 4 under requests_per_minute = 3000
# (50 a second, above what 4 requests of 100 ms can reach).  The simulator
# reports the most requests it saw start within one second.
latency_run() { # latency_run DB CONCURRENCY: wall ms of the backfill in LAT_MS
	setup "$1" --dataset plumbing
	sed -i "s/page_size = 200;/page_size = 200; concurrency = $2; requests_per_minute = 3000;/" "$CONF"
	sim_get "/_sim/config?slow_ms=100" >/dev/null
	sim_get "/_sim/stats?reset=1" >/dev/null
	local start
	start=$(now_ms)
	"$LL_BIN" -c "$CONF" sync >"$WORK/$1.out" 2>&1 || { cat "$WORK/$1.out"; exit 1; }
	LAT_MS=$(( $(now_ms) - start ))
}
latency_run bench_latency_1 1
SEQ_MS=$LAT_MS
latency_run bench_latency_4 4
CONC_MS=$LAT_MS
PAGES=$(sql "SELECT sum(pages) FROM sync_runs")
PEAK=$(sim_get /_sim/stats | jq .peak_per_second)
row "latency-bound backfill, $PAGES pages at 100 ms (ms)" "$CONC_MS" "$SEQ_MS" "$(ratio "$SEQ_MS" "$CONC_MS")" ">= 3.5 faster at 4 in flight (baseline: 1 in flight)"
row "latency-bound backfill, most requests started in one second" "$PEAK" "50" "$(ratio "$PEAK" 50)" "<= 1.00 (requests_per_minute = 3000)"
sim_get "/_sim/config?slow_ms=0" >/dev/null

echo "== 4. report latency: 1,000,000 jobs over 100 sites" >&2
DB=bench_report
db_create "$DB" >/dev/null
sed "s|dbname=bench_latency_4|dbname=$DB|" "$CONF" >"$WORK/report.conf"
"$LL_BIN" -c "$WORK/report.conf" migrate >/dev/null
sql "INSERT INTO sites SELECT 'b-' || i, 'Site ' || i, 'elite', 'America/Chicago' FROM generate_series(1, 100) i;
     INSERT INTO site_integrations (site_id, provider) SELECT 'b-' || i, 'housecallpro' FROM generate_series(1, 100) i;
     INSERT INTO jobs (integration_id, external_id, status_class, amount_cents, resolved_at, remote_created_at,
                       remote_updated_at, customer_external_id, lead_source_raw, lead_source_category, raw)
     SELECT (SELECT min(id) FROM site_integrations WHERE site_id LIKE 'b-%') + (g % 100), 'job_' || g,
            CASE WHEN (g / 100) % 10 < 8 THEN 1 WHEN (g / 100) % 10 = 8 THEN 0 ELSE 2 END,
            5000 + (g * 7919) % 200000, t.at, t.at - interval '3 days', now(), 'c_' || ((g / 100) % 3000), 'src',
            (ARRAY['website','google','social','repeat_customer','ai_phone','referral','direct','unknown'])[1 + (g / 100) % 8],
            '{}'::jsonb
     FROM generate_series(1::bigint, 1000000::bigint) g,
          LATERAL (SELECT now() - ((g * 104729) % (3 * 365 * 86400)) * interval '1 second' AS at) t;
     -- Estimates and spend, for the full metric report (section 4c).
     INSERT INTO estimates (integration_id, external_id, status_class, remote_created_at, lead_source_category, raw)
     SELECT (SELECT min(id) FROM site_integrations WHERE site_id LIKE 'b-%') + (g % 100), 'est_' || g,
            ((g / 100) % 3 = 0)::int, now() - ((g * 7907) % (3 * 365 * 86400)) * interval '1 second',
            (ARRAY['website','google','social','repeat_customer','ai_phone','referral','direct','unknown'])[1 + (g / 100) % 8], '{}'
     FROM generate_series(1::bigint, 300000::bigint) g;
     INSERT INTO spend (site_id, channel, month, amount_cents)
     SELECT 'b-' || i, ch, date_trunc('month', now() - k * interval '1 month')::date, 150000
     FROM generate_series(1, 100) i, generate_series(0, 36) k, unnest(ARRAY['google','social','website','ai_phone']) ch;" >/dev/null
# As autovacuum leaves a table in service: visibility map set, so the
# report's index-only scans read no heap.
sql "VACUUM ANALYZE" >/dev/null
for variant in report report-noindex; do
	"$PGBIN/pgbench" -n -f "$LL_ROOT/bench/$variant.sql" -t 400 -c 1 -l --log-prefix="$WORK/$variant" "$DB" >"$WORK/$variant.pgbench" 2>&1
	sort -n -k3 "$WORK/$variant".* | awk '{ v[NR] = $3 / 1000 } END { printf "%.2f %.2f\n", v[int(NR * 0.5)], v[int(NR * 0.95)] }' >"$WORK/$variant.pct"
done
read -r P50 P95 <"$WORK/report.pct"
read -r B50 B95 <"$WORK/report-noindex.pct"
row "report --days 30, one site of 100, p50 (ms)" "$P50" "$B50" "$(ratio "$P50" "$B50")" "p50 <= 5 ms (baseline: same query, no index usable)"
row "report --days 30, one site of 100, p95 (ms)" "$P95" "$B95" "$(ratio "$P95" "$B95")" "p95 <= 10 ms"
psql -XAq -d "$DB" -c "EXPLAIN ANALYZE $(sed -n '/^SELECT/,$p' "$LL_ROOT/bench/report.sql" | sed "s/:site/7/")" >"$WORK/explain.txt"

echo "== 4c. the full metric report (attribution figures of both windows), same data" >&2
# bench_report runs ll_report_run as leadledger report and the API do:
# new and repeat customers, estimates, cancellations, spend and the
# previous window, for a random site of the 100 (10,000 jobs each).
for model in last first; do
	read -r F50 F95 < <("$LL_BUILD/bench/bench_report" "$(sed -n 's/^database = "\(.*\)";/\1/p' "$WORK/report.conf")" 100 400 "$model") || exit 1
	row "full metric report, $model touch, p50 (ms)" "$F50" "$P50" "$(ratio "$F50" "$P50")" "(baseline: revenue per channel alone, section 4)"
	row "full metric report, $model touch, p95 (ms)" "$F95" "$P95" "$(ratio "$F95" "$P95")" "p95 <= 10 ms"
done

echo "== 4b. the HTTP report route under load (wrk), against the same statements in pgbench" >&2
# One site of the 100 in the configuration; leadledgerd serves its report
# route to wrk with 4 connections.  The baseline is pgbench, 4 clients,
# running the very statements one request ran, with their values: the
# server logs them for one request (log2pgbench.py), less the token check
# (api_tokens), which the route does on every request and pgbench does not.
API_PORT=$(free_port)
sed -n '1,/^sites/p' "$WORK/report.conf" | sed '$d' >"$WORK/api.conf"
cat >>"$WORK/api.conf" <<CONF
api = { listen = "127.0.0.1:$API_PORT"; threads = 4; };
sites = ( { id = "b-7"; name = "Site 7"; plan = "elite"; timezone = "America/Chicago"; integrations = ( ); } );
CONF
TOKEN=$("$LL_BIN" -c "$WORK/api.conf" token create --site b-7 2>/dev/null)
ROUTE="http://127.0.0.1:$API_PORT/api/v1/sites/b-7/report?days=30"
up() { curl -sf --max-time 2 -o /dev/null -H "Authorization: Bearer $TOKEN" "$ROUTE"; }
log_statements() { # log_statements on|off: every statement of every session
	if [ "$1" = on ]; then sql "ALTER SYSTEM SET log_min_duration_statement = 0" >/dev/null
	else sql "ALTER SYSTEM RESET log_min_duration_statement" >/dev/null; fi
	sql "SELECT pg_reload_conf()" >/dev/null
	sleep 0.5
}
"$LLD_BIN" -c "$WORK/api.conf" >"$WORK/api-daemon.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 100); do up && break; sleep 0.1; done
if command -v wrk >/dev/null && up; then
	LOG_AT=$(stat -c %s "$LL_STATE/pg/server.log")
	log_statements on
	up
	log_statements off
	tail -c +$((LOG_AT + 1)) "$LL_STATE/pg/server.log" |
		"$LL_ROOT/bench/log2pgbench.py" --exclude 'api_tokens|lease_owner|pg_reload_conf|ALTER SYSTEM' >"$WORK/route.sql" ||
		{ echo "no statements logged for the report route" >&2; exit 1; }
	wrk -t 2 -c 4 -d 10s --latency -H "Authorization: Bearer $TOKEN" "$ROUTE" >"$WORK/wrk.out" 2>&1
	RPS=$(awk '/^Requests\/sec/ { printf "%.0f", $2 }' "$WORK/wrk.out")
	W50=$(awk '$1 == "50%" { print $2 }' "$WORK/wrk.out")
	W99=$(awk '$1 == "99%" { print $2 }' "$WORK/wrk.out")
	"$PGBIN/pgbench" -n -f "$WORK/route.sql" -T 10 -c 4 -j 2 "$DB" >"$WORK/route-c4.pgbench" 2>&1
	TPS=$(awk '/^tps/ { printf "%.0f", $3 }' "$WORK/route-c4.pgbench")
	row "HTTP report route, 4 connections (requests/s; latency p50 $W50, p99 $W99)" "$RPS" "$TPS" "$(ratio "$RPS" "$TPS")" ">= 0.80 (baseline: pgbench, 4 clients, the route's $(grep -c ';$' "$WORK/route.sql") statements)"
else
	row "HTTP report route (wrk)" "n/a" "n/a" "n/a" "wrk missing or leadledgerd did not start (see $WORK/api-daemon.log)"
fi
kill "$API_PID" 2>/dev/null
wait "$API_PID" 2>/dev/null

echo "== 5. memory: peak RSS of a backfill, 10,000 vs 1,000,000 jobs" >&2
for n in 10000 1000000; do
	setup "bench_mem_$n" --jobs "$n" --customers 1000 --estimates 10
	/usr/bin/time -f '%M' -o "$WORK/rss.$n" "$LL_BIN" -c "$CONF" sync >/dev/null 2>&1
done
R10=$(( $(tail -1 "$WORK/rss.10000") / 1024 ))
R1M=$(( $(tail -1 "$WORK/rss.1000000") / 1024 ))
row "peak RSS, backfill of 1,000,000 jobs (MiB)" "$R1M" "$R10" "$(ratio "$R1M" "$R10")" "<= 1.10 vs 10,000 jobs, and < 40 MiB"
echo "== 6. derived channels: a page of 200 changed customers, 20,000 dependent jobs" >&2
# Two integrations with the same 400 customers and 20,000 jobs each; one's
# jobs derive their lead source from the 200 customers on the page, the
# other's from the 200 that are not (the baseline: the same page, nothing
# to re-channel).  bench_rechannel stores the page as the sync engine does.
DB=bench_rechannel
CONN=$(db_create "$DB")
sed "s|dbname=bench_report|dbname=$DB|" "$WORK/report.conf" >"$WORK/rechannel.conf"
"$LL_BIN" -c "$WORK/rechannel.conf" migrate >/dev/null
sql "INSERT INTO sites VALUES ('r-dep', 'Dependents', 'elite', 'America/Chicago'),
                              ('r-none', 'No dependents', 'elite', 'America/Chicago');
     INSERT INTO site_integrations (site_id, provider) VALUES ('r-dep', 'housecallpro'), ('r-none', 'housecallpro');
     INSERT INTO customers (integration_id, external_id, remote_updated_at, lead_source_raw,
                            lead_source_origin, lead_source_category, raw)
     SELECT i.id, 'cus_' || g, '2023-01-01', 'Referral', 'own', 'referral', '{}'
     FROM site_integrations i, generate_series(1, 400) g WHERE i.site_id LIKE 'r-%';
     INSERT INTO jobs (integration_id, external_id, status_class, amount_cents, resolved_at,
                       remote_updated_at, customer_external_id, source_ref, source_ref_entity,
                       lead_source_raw, lead_source_origin, lead_source_category, raw)
     SELECT i.id, 'job_' || g, 1, 10000, now() - g * interval '1 hour', now(), c.id, c.id, 1,
            'Referral', 'customer', 'referral', '{}'
     FROM site_integrations i, generate_series(1, 20000) g,
          LATERAL (SELECT 'cus_' || (CASE WHEN i.site_id = 'r-dep' THEN 1 ELSE 201 END + g % 200) AS id) c
     WHERE i.site_id LIKE 'r-%';
     ANALYZE;" >/dev/null
rechannel_run() { # rechannel_run SITE: "median_ms rechanneled"
	"$LL_BUILD/bench/bench_rechannel" "$CONN" "$(sql "SELECT id FROM site_integrations WHERE site_id = '$1'")" \
		"$LL_ROOT/etc/lead-sources.conf" 21 || exit 1
}
read -r DEP_MS DEP_N < <(rechannel_run r-dep)
read -r NONE_MS NONE_N < <(rechannel_run r-none)
row "customers page, $DEP_N jobs re-channeled (ms, median of 21)" "$DEP_MS" "$NONE_MS" "$(ratio "$DEP_MS" "$NONE_MS")" "(baseline: the same page, $NONE_N dependents)"

echo "== 7. Jobber: 20,000 jobs under the documented cost bucket (10,000 points, 500 a second)" >&2
# The bucket, not the network, bounds a Jobber back-fill.  The baseline is
# the least the documented cost rule allows for the fields the mapping
# reads (a field 1 point, a connection first x its node; jobs 13 points a
# node, clients 9, quotes 12, users 4; 5 per query for the connection,
# pageInfo and totalCount), and the least time the bucket allows for it:
# what exceeds the first 10,000 points, at 500 a second.
jobber_start "$WORK" --jobs 20000 --clients 2000 --quotes 200 || exit 1
DB=bench_jobber
CONN=$(db_create "$DB")
LL_LOG_LEVEL=warning write_config "$WORK/jobber.conf" "$CONN" "$WORK/keyring" <<CONF
sites = ( $(jobber_block lawn "$WORK/keyring" "http://127.0.0.1:8471/oauth/callback" 100) );
CONF
"$LL_BIN" -c "$WORK/jobber.conf" migrate >/dev/null
START=$(now_ms)
"$LL_BIN" -c "$WORK/jobber.conf" sync >"$WORK/jobber.out" 2>&1 || { cat "$WORK/jobber.out"; exit 1; }
JB_MS=$(( $(now_ms) - START ))
POINTS=$(jobber_get /_sim/stats | jq .cost_points)
THROTTLED=$(jobber_get /_sim/stats | jq .throttled)
read -r JB_RECORDS MIN_POINTS < <(sql "SELECT sum(n), sum(n * per_node) + (SELECT sum(pages) * 5 FROM sync_runs)
	FROM (SELECT count(*) n, 13 per_node FROM jobs UNION ALL SELECT count(*), 9 FROM customers
	      UNION ALL SELECT count(*), 12 FROM estimates UNION ALL SELECT count(*), 4 FROM employees) t" | tr '|' ' ')
MIN_MS=$(( (MIN_POINTS > 10000 ? MIN_POINTS - 10000 : 0) * 1000 / 500 ))
row "Jobber cost points per record ($JB_RECORDS records)" "$(awk -v p="$POINTS" -v n="$JB_RECORDS" 'BEGIN { printf "%.2f", p / n }')" \
	"$(awk -v p="$MIN_POINTS" -v n="$JB_RECORDS" 'BEGIN { printf "%.2f", p / n }')" "$(ratio "$POINTS" "$MIN_POINTS")" "1.00 (the cost rule, for the fields read)"
row "Jobber back-fill, 20,000 jobs (ms; $THROTTLED queries throttled)" "$JB_MS" "$MIN_MS" "$(ratio "$JB_MS" "$MIN_MS")" "<= 1.10 (the bucket's limit for that cost)"
jobber_stop

echo "== 8. run history: status and /metrics, one run vs a year, 1,000 sites" >&2
# 1,000 sites with four streams each.  First one finished run per stream;
# then a year of runs every two hours, of which the last run_history_days
# (90) stay raw in sync_runs and the rest live only in sync_run_totals, as
# pruning leaves them.  The rows are written with the fold trigger off and
# the totals computed the way it would have.  Figures: the median of 15
# `leadledger status --format json` and 15 scrapes of /metrics.
DB=bench_history
CONN=$(db_create "$DB")
HIST_PORT=$(free_port)
LL_LOG_LEVEL=warning write_config "$WORK/history.conf" "$CONN" "$WORK/keyring" <<CONF
api = { listen = "127.0.0.1:0"; metrics_listen = "127.0.0.1:$HIST_PORT"; };
sites = ( );
CONF
"$LL_BIN" -c "$WORK/history.conf" migrate >/dev/null
sql "INSERT INTO sites SELECT 'h-' || i, 'Site ' || i, 'elite', 'America/Chicago' FROM generate_series(1, 1000) i;
     INSERT INTO site_integrations (site_id, provider) SELECT 'h-' || i, 'housecallpro' FROM generate_series(1, 1000) i;
     INSERT INTO sync_state (integration_id, stream, last_success_at)
     SELECT i.id, s, now() FROM site_integrations i, unnest(ARRAY['employees','customers','jobs','estimates']) s;
     INSERT INTO sync_runs (integration_id, stream, mode, status, started_at, finished_at, api_calls, rows_updated)
     SELECT integration_id, stream, 'incremental', 'success', now() - interval '1 minute', now(), 2, 3 FROM sync_state;
     ANALYZE;" >/dev/null
"$LLD_BIN" -c "$WORK/history.conf" >"$WORK/history-daemon.log" 2>&1 &
HIST_PID=$!
for _ in $(seq 1 100); do curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$HIST_PORT/metrics" && break; sleep 0.1; done
median_ms() { # median_ms COMMAND...: the median wall time of 15 runs
	local i t
	for i in $(seq 1 15); do
		t=$(now_ms); "$@" >/dev/null 2>&1; echo $(( $(now_ms) - t ))
	done | sort -n | sed -n 8p
}
scrape() { curl -sf --max-time 30 "http://127.0.0.1:$HIST_PORT/metrics"; }
S1=$(median_ms "$LL_BIN" -c "$WORK/history.conf" status --format json)
M1=$(median_ms scrape)
sql "ALTER TABLE sync_runs DISABLE TRIGGER USER;
     INSERT INTO sync_runs (integration_id, stream, mode, status, started_at, finished_at, api_calls, rows_updated)
     SELECT s.integration_id, s.stream, 'incremental', 'success', now() - k * interval '2 hours',
            now() - k * interval '2 hours' + interval '1 minute', 2, 3
     FROM sync_state s, generate_series(1, 90 * 12) k;
     ALTER TABLE sync_runs ENABLE TRIGGER USER;
     UPDATE sync_run_totals SET success = success + 365 * 12, api_calls = api_calls + 2 * 365 * 12,
            rows_updated = rows_updated + 3 * 365 * 12;
     ANALYZE;" >/dev/null
HIST_ROWS=$(sql "SELECT count(*) FROM sync_runs")
S2=$(median_ms "$LL_BIN" -c "$WORK/history.conf" status --format json)
M2=$(median_ms scrape)
row "leadledger status, 4,000 streams, a year of runs ($HIST_ROWS kept) (ms)" "$S2" "$S1" "$(ratio "$S2" "$S1")" "about 1.0 (baseline: one run per stream)"
row "/metrics scrape, 4,000 streams, a year of runs (ms)" "$M2" "$M1" "$(ratio "$M2" "$M1")" "about 1.0 (baseline: one run per stream)"
kill "$HIST_PID" 2>/dev/null
wait "$HIST_PID" 2>/dev/null
sim_stop

echo "== 9. many sites: one scheduled pass over 1,000 and 2,000 sites, one and two instances" >&2
"$LL_ROOT/bench/sites.sh" || exit 1

{
	echo "# leadledger benchmarks"
	echo
	echo "Run $(date -u +%Y-%m-%dT%H:%MZ) on $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo),"
	echo "$(psql -XAtc 'SELECT version()' postgres | cut -d, -f1), plain build (-O2, no sanitizers)."
	echo
	echo "| figure | leadledger | baseline | ratio | target |"
	echo "|---|---|---|---|---|"
	cat "$BENCH_ROWS"
	echo
	echo "Report query plan (one site, 1,000,000 jobs):"
	echo
	echo '```'
	cat "$WORK/explain.txt"
	echo '```'
	echo
	cat "$LL_ROOT/bench/results-before.md"
} | tee "$LL_ROOT/bench/results.md"
