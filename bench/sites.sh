#!/usr/bin/env bash
# Many sites (./dev bench section 9): what one scheduled pass of leadledgerd
# costs as the number of sites grows, and what a second instance buys.
#
# Every site is a small Housecall Pro account (150 customers, 200 jobs, 40
# estimates) served by one simulator that answers each API request after
# LAT_MS, a guess at a real API's latency over the internet (the reference
# documents none) that keeps the pass bound by latency rather than by the
# two cores the database, the simulator and the daemons share.  After the back-fill, 1% of the jobs change and every
# integration is made due at once; the pass ends when each has run and
# released its lease.  Per site: API requests, SQL statements (from
# pg_stat_statements, which ./dev preloads), new database connections
# (pg_stat_database.sessions) and the statements that take, renew or free
# leases.  The wall time's baseline is the least the latency allows: the
# pass's requests at LAT_MS each, WORKERS at a time.
set -uo pipefail
: "${LL_BUILD:?}" "${LL_ROOT:?}" "${PGHOST:?}" "${LL_STATE:?}"
. "$LL_ROOT/tests/lib.sh"
. "$LL_ROOT/bench/lib.sh"
WORK=$LL_STATE/bench/sites
rm -rf "$WORK"
mkdir -p "$WORK"
SMALL=${BENCH_SITES_SMALL:-1000}
WORKERS=8
LAT_MS=${BENCH_LAT_MS:-150}
DB=bench_sites
DAEMONS=()

# Each psql is a session of its own: counted, to tell the daemons' apart.
sql() { printf . >>"$WORK/sessions"; psql -XAtq -d "$DB" -c "$1"; }
polls() { stat -c %s "$WORK/sessions" 2>/dev/null || echo 0; }
fail() { echo "bench/sites.sh: $*" >&2; stop_daemons; sim_stop; exit 1; }

# setup N: a database with N sites, their credentials, a back-filled pass.
setup() {
	local n=$1 i
	CONN=$(db_create "$DB")
	[ -f "$WORK/keyring" ] || keyring_create "$WORK"
	for i in $(seq 1 "$n"); do
		[ -f "$WORK/ct.$i" ] || encrypt_key "$WORK/keyring" "s-$i" bench-key >"$WORK/ct.$i" || fail "encrypt"
	done
	LL_LOG_LEVEL=notice write_config "$WORK/sites.conf" "$CONN" "$WORK/keyring" <<CONF
workers = $WORKERS;
sites = (
$(for i in $(seq 1 "$n"); do
	[ "$i" -gt 1 ] && echo ","
	site_block "s-$i" "$(cat "$WORK/ct.$i")" "$SIM_URL" 100
done)
);
CONF
	"$LL_BIN" -c "$WORK/sites.conf" migrate >/dev/null || fail "migrate"
	psql -XAtq -d "$DB" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null ||
		fail "pg_stat_statements is not loaded (./dev starts PostgreSQL with it)"
	sim_get "/_sim/config?slow_ms=0" >/dev/null
	local t0
	t0=$(sql "SELECT now()")
	start_daemons 1
	wait_done "$n" "$t0" || fail "back-fill of $n sites: $DONE done"
	stop_daemons
}

wait_done() { # wait_done N T0: until N integrations ran since T0 and are free
	local i
	for i in $(seq 1 12000); do # at most 20 minutes
		DONE=$(sql "SELECT /* bench poll */ count(*) FROM site_integrations
			WHERE last_run_at >= '$2' AND lease_owner IS NULL")
		[ "$DONE" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

start_daemons() { # start_daemons K: K instances of leadledgerd, ready
	local k i
	for k in $(seq 1 "$1"); do
		"$LLD_BIN" -c "$WORK/sites.conf" >"$WORK/daemon.$k.log" 2>&1 &
		DAEMONS+=($!)
		for i in $(seq 1 300); do
			grep -q "started as" "$WORK/daemon.$k.log" && break
			kill -0 "${DAEMONS[-1]}" 2>/dev/null || fail "leadledgerd died (see $WORK/daemon.$k.log)"
			sleep 0.1
		done
		grep -q "started as" "$WORK/daemon.$k.log" || fail "leadledgerd did not start"
	done
}

stop_daemons() {
	local pid
	for pid in "${DAEMONS[@]}"; do kill "$pid" 2>/dev/null; done
	for pid in "${DAEMONS[@]}"; do wait "$pid" 2>/dev/null; done
	DAEMONS=()
}

peak_rss_kib() { # the largest VmHWM of the running daemons
	local pid m=0 v
	for pid in "${DAEMONS[@]}"; do
		v=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status")
		[ "${v:-0}" -gt "$m" ] && m=$v
	done
	echo "$m"
}

# pass N LABEL: make every integration due and wait until each has run.
# Sets PASS_MS, REQS, STMTS, LEASE_STMTS, SESSIONS, RSS_KIB.
pass() {
	local n=$1 t0 s0 polls0 r0
	sim_get "/_sim/stats?reset=1" >/dev/null
	r0=$(sim_get /_sim/stats | jq .api_requests)
	sql "SELECT pg_stat_statements_reset()" >/dev/null
	# Sessions are counted when a backend reports its statistics (at most
	# once a second): the daemons' own connections are older than this.
	sleep 1.5
	polls0=$(polls)
	s0=$(sql "SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
	t0=$(sql "UPDATE site_integrations SET next_run_at = now(); SELECT now()")
	local start
	start=$(now_ms)
	wait_done "$n" "$t0" || fail "$2 pass: $DONE of $n sites done"
	PASS_MS=$(( $(now_ms) - start ))
	RSS_KIB=$(peak_rss_kib)
	local bad
	bad=$(sql "SELECT count(*) FROM site_integrations WHERE last_run_status <> 'success'")
	[ "$bad" = 0 ] || fail "$2 pass: $bad integrations did not succeed"
	bad=$(sql "SELECT count(*) FROM (SELECT 1 FROM sync_runs WHERE started_at >= '$t0'
		GROUP BY integration_id, stream HAVING count(*) <> 1) d")
	[ "$bad" = 0 ] || fail "$2 pass: $bad streams ran more than once"
	ONCE=$(sql "SELECT count(DISTINCT integration_id) FROM sync_runs WHERE started_at >= '$t0'")
	REQS=$(( $(sim_get /_sim/stats | jq .api_requests) - r0 ))
	PEAK=$(sim_get /_sim/stats | jq .peak_in_flight)
	read -r STMTS LEASE_STMTS < <(sql "SELECT sum(calls), coalesce(sum(calls) FILTER (WHERE query LIKE '%lease_%'), 0)
		FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
		WHERE d.datname = current_database() AND query NOT LIKE '%bench poll%'
		  AND query NOT LIKE '%pg_stat%'" | tr '|' ' ')
	sleep 1.5
	SESSIONS=$(( $(sql "SELECT sessions FROM pg_stat_database WHERE datname = current_database()") - s0 - ($(polls) - polls0 - 1) ))
}

# measured N K LABEL: the latency-bound pass after 1% of the jobs changed.
measured() {
	sim_get "/_sim/mutate?jobs=2&seed=$RANDOM" >/dev/null
	start_daemons "$2"
	sim_get "/_sim/config?slow_ms=$LAT_MS" >/dev/null
	pass "$1" "$3"
	sim_get "/_sim/config?slow_ms=0" >/dev/null
	stop_daemons
	[ "$ONCE" = "$1" ] || fail "$3: $ONCE of $1 sites synced"
}

sim_start "$WORK" --api-key-file "$(sim_key_file "$WORK" bench-key)" --customers 150 --jobs 200 --estimates 40 || exit 1

LARGE=$(( SMALL * 2 ))
setup "$SMALL"
measured "$SMALL" 1 "$SMALL sites"
read -r MS1 REQ1 ST1 LS1 SE1 RSS1 PEAK1 <<<"$PASS_MS $REQS $STMTS $LEASE_STMTS $SESSIONS $RSS_KIB $PEAK"
measured "$SMALL" 2 "$SMALL sites, two instances"
MS_TWO=$PASS_MS
setup "$LARGE"
measured "$LARGE" 1 "$LARGE sites"
read -r MS2 REQ2 ST2 LS2 SE2 RSS2 <<<"$PASS_MS $REQS $STMTS $LEASE_STMTS $SESSIONS $RSS_KIB"
sim_stop

MIN1=$(( REQ1 * LAT_MS / WORKERS ))
row "pass over $SMALL sites, 1% changed, $LAT_MS ms a request (ms; at most $PEAK1 requests in flight)" "$MS1" "$MIN1" "$(ratio "$MS1" "$MIN1")" "(baseline: its $REQ1 requests at $LAT_MS ms, $WORKERS at a time)"
row "pass over $LARGE sites vs $SMALL (ms)" "$MS2" "$MS1" "$(ratio "$MS2" "$MS1")" "<= 2.10"
row "pass over $SMALL sites, two instances vs one (ms)" "$MS_TWO" "$MS1" "$(ratio "$MS1" "$MS_TWO")" ">= 1.80 faster, each site synced once"
row "API requests per site ($LARGE vs $SMALL sites)" "$(per "$REQ2" "$LARGE")" "$(per "$REQ1" "$SMALL")" "$(ratio "$(per "$REQ2" "$LARGE")" "$(per "$REQ1" "$SMALL")")" "1.00"
row "SQL statements per site ($LARGE vs $SMALL sites)" "$(per "$ST2" "$LARGE")" "$(per "$ST1" "$SMALL")" "$(ratio "$(per "$ST2" "$LARGE")" "$(per "$ST1" "$SMALL")")" "1.00"
row "lease statements per site ($LARGE vs $SMALL sites)" "$(per "$LS2" "$LARGE")" "$(per "$LS1" "$SMALL")" "$(ratio "$(per "$LS2" "$LARGE")" "$(per "$LS1" "$SMALL")")" "1.00"
row "new database connections per site ($LARGE vs $SMALL sites)" "$(per "$SE2" "$LARGE")" "$(per "$SE1" "$SMALL")" "n/a" "0 (workers keep theirs)"
row "leadledgerd peak RSS ($LARGE vs $SMALL sites, MiB)" "$(( RSS2 / 1024 ))" "$(( RSS1 / 1024 ))" "$(ratio "$RSS2" "$RSS1")" "(for information)"
