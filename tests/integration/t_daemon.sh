# leadledgerd as a service: syncs on schedule, three instances share 50
# sites with each run exactly once per interval, kill -9 of an instance
# mid-page loses nothing, SIGHUP adds and removes sites, SIGTERM during a
# backfill and a PostgreSQL restart mid-sync, readiness and the unit's
# systemd-analyze security score.
. "$LL_ROOT/tests/integration/harness.sh"

PIDS=()
daemon_start() { # daemon_start NAME [env...]: start leadledgerd on $CONF
	local name=$1; shift
	env "$@" "$LLD_BIN" -c "$CONF" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	LAST_PID=$!
}
daemons_stop() {
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	PIDS=()
}
trap 'daemons_stop; cleanup' EXIT

# wait_exit PID SECONDS: PID's exit status once it exits; if it is still
# running after SECONDS, it is killed and the status is 124.  (A child
# that exited stays a zombie until waited for, hence /proc.)
wait_exit() {
	local i
	for i in $(seq 1 $(( $2 * 5 ))); do
		case "$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null)" in
		Z | X | "") wait "$1" 2>/dev/null; return ;;
		esac
		sleep 0.2
	done
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 124
}

# multi_config N INTERVAL PAGE_SIZE [top-level settings]: N elite sites s-01..
multi_config() {
	local n=$1 interval=$2 page=$3 extra=${4:-} i id blocks=""
	for i in $(seq -w 1 "$n"); do
		id=s-$i
		[ -f "$WORK/ct-$id" ] || encrypt_key "$WORK/keyring" "$id" "$SIM_KEY" >"$WORK/ct-$id"
		blocks+="${blocks:+,}
  { id = \"$id\"; name = \"Site $id\"; plan = \"elite\"; timezone = \"America/Chicago\";
    integrations = ( { provider = \"housecallpro\"; credentials = { api_key = \"$(cat "$WORK/ct-$id")\"; };
      settings = { base_url = \"$SIM_URL\"; page_size = $page; sync_interval = $interval; }; } ); }"
	done
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
$extra
sites = ($blocks
);
CONF
}

# fresh_db NAME N INTERVAL PAGE_SIZE [top-level settings]: a migrated
# database with N sites, configured in $CONF.
fresh_db() {
	T_DB=${T_NAME}_$1; shift
	CONN=$(db_create "$T_DB")
	multi_config "$@"
	"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
}

# wait_for SECONDS SQL: poll until the query prints t.
wait_for() {
	local i
	for i in $(seq 1 $(( $1 * 5 ))); do
		[ "$(sql "$2")" = t ] && return 0
		sleep 0.2
	done
	return 1
}

NO_OVERLAP="SELECT count(*) FROM sync_runs a JOIN sync_runs b ON a.integration_id = b.integration_id
  AND a.stream = b.stream AND a.id < b.id AND b.started_at < coalesce(a.finished_at, now())"
MIN_GAP="SELECT coalesce(min(gap), 99) FROM (SELECT extract(epoch FROM started_at - lag(started_at)
  OVER (PARTITION BY integration_id ORDER BY started_at)) AS gap FROM sync_runs WHERE stream = 'jobs') g"

sim_start "$WORK" --api-key-file "$(sim_key_file "$WORK" "$SIM_KEY")" --jobs 150 --customers 100 --estimates 30 --seed 8
CONN=$(db_create "$T_DB")
keyring_create "$WORK"
CONF=$WORK/leadledger.conf
LL=("$LL_BIN" -c "$CONF")

# --- 20 sites on a 4 s interval, one instance ---
multi_config 20 4 100 "workers = 4;"
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
daemon_start one
sleep 14
daemons_stop
eq "$(sql "SELECT count(*) FROM (SELECT integration_id FROM sync_runs WHERE stream = 'jobs' AND status = 'success' GROUP BY 1 HAVING count(*) >= 2) x")" 20 \
	"each of 20 sites synced on schedule, at least twice in 14 s"
eq "$(sql "$NO_OVERLAP")" 0 "no overlapping runs for one integration"
GAP=$(sql "$MIN_GAP")
check "runs of one integration are at least one interval apart (min gap ${GAP}s)" \
	awk -v g="$GAP" 'BEGIN { exit !(g >= 3.9) }'

# --- three instances, 50 sites: each runs exactly once per interval ---
multi_config 50 5 100 "workers = 2;"
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
sql "TRUNCATE sync_runs; UPDATE site_integrations SET next_run_at = now()" >/dev/null
daemon_start a
daemon_start b
daemon_start c
sleep 16
daemons_stop
eq "$(sql "$NO_OVERLAP")" 0 "three instances: no overlapping runs for one integration"
GAP=$(sql "$MIN_GAP")
check "three instances: each integration at most once per 5 s interval (min gap ${GAP}s)" \
	awk -v g="$GAP" 'BEGIN { exit !(g >= 4.9) }'
eq "$(sql "SELECT count(DISTINCT integration_id) FROM sync_runs WHERE stream = 'jobs' AND status = 'success'")" 50 \
	"all 50 sites synced"
eq "$(sql "SELECT count(DISTINCT runner) FROM sync_runs")" 3 "the work was shared by three instances"
# A run still going at SIGTERM ends as 'partial' at its last committed page
# ("stopped; resumes at cursor ..."): that is the graceful stop, not a fault.
eq "$(sql "SELECT coalesce(string_agg(status || ': ' || coalesce(error, ''), '; '), 'none')
  FROM sync_runs WHERE status <> 'success' AND NOT (status = 'partial'
  AND (error LIKE 'stopped; %' OR error LIKE '%: stopped while waiting %'))")" none \
	"every run succeeded, apart from those cut short by the stop"
sim_stop

# --- kill -9 of one instance mid-page: the others finish its work ---
sim_start "$WORK" --api-key-file "$(sim_key_file "$WORK" "$SIM_KEY")" --dataset small --seed 9
fresh_db kill 6 3600 50 "workers = 2; lease = 4;"
daemon_start victim LEADLEDGER_FAULT=page_after_upsert:40
VICTIM=$LAST_PID
# The victim holds work before the others start: else they may take every
# site, it never reaches its fault point, and nothing is tested.
wait_for 60 "SELECT count(*) > 0 FROM site_integrations WHERE lease_owner LIKE '%:$VICTIM:%'"
ok $? "the instance to be killed claimed work first"
daemon_start b
daemon_start c
wait_exit "$VICTIM" 120
eq "$?" 137 "one instance killed by SIGKILL mid-page"
wait_for 120 "SELECT count(*) = 24 FROM sync_state WHERE last_success_at IS NOT NULL AND run_mode IS NULL"
ok $? "the other instances finish every stream of every site"
daemons_stop
eq "$(sql "SELECT count(*) FROM (SELECT integration_id, count(*) c FROM jobs GROUP BY 1) x WHERE c = 2400")" 6 \
	"exact job totals for all six sites"
eq "$(sql "SELECT count(*) FROM (SELECT integration_id, count(*) c FROM customers GROUP BY 1) x WHERE c = 1500")" 6 \
	"exact customer totals for all six sites"
eq "$(sql "$NO_OVERLAP AND a.runner <> b.runner AND a.status <> 'failed'")" 0 "no two live instances overlapped"
eq "$(sql "SELECT count(DISTINCT runner) = 1 AND count(*) BETWEEN 1 AND 2 FROM sync_runs WHERE error LIKE 'interrupted%'")" t \
	"the killed instance's runs in flight (one per busy worker) are recorded as interrupted"
eq "$(sql "SELECT count(*) FROM sync_runs WHERE status <> 'success' AND coalesce(error, '') NOT LIKE 'interrupted%'")" 0 \
	"no other run failed"

# --- SIGHUP: add a site, remove one, reject a broken file ---
fresh_db hup 2 2 100 "workers = 2;"
daemon_start hup
HUP=$LAST_PID
wait_for 30 "SELECT count(DISTINCT integration_id) = 2 FROM sync_runs WHERE status = 'success'"
ok $? "two sites syncing"
multi_config 3 2 100 "workers = 2;"
kill -HUP "$HUP"
wait_for 30 "SELECT count(*) > 0 FROM sync_runs r JOIN site_integrations i ON i.id = r.integration_id WHERE i.site_id = 's-3' AND r.status = 'success'"
ok $? "SIGHUP adding a site starts syncing it"
sed -i '/s-2/,+2d' "$CONF"
sed -i 's/^,$//' "$CONF"
"${LL[@]}" check-config >>"$WORK/ll.log" 2>&1 || cp "$CONF" "$WORK/removal-broken.conf"
kill -HUP "$HUP"
wait_for 20 "SELECT NOT enabled FROM site_integrations WHERE site_id = 's-2'"
ok $? "SIGHUP removing a site disables its integration"
sleep 1
RUNS_S2=$(sql "SELECT count(*) FROM sync_runs r JOIN site_integrations i ON i.id = r.integration_id WHERE i.site_id = 's-2'")
sleep 5
eq "$(sql "SELECT count(*) FROM sync_runs r JOIN site_integrations i ON i.id = r.integration_id WHERE i.site_id = 's-2'")" "$RUNS_S2" \
	"no new runs for the removed site"
ge "$(sql "SELECT count(*) FROM jobs j JOIN site_integrations i ON i.id = j.integration_id WHERE i.site_id = 's-2'")" 150 \
	"its data is kept"
echo "sites = ( broken" >>"$CONF"
RUNS=$(sql "SELECT count(*) FROM sync_runs")
kill -HUP "$HUP"
sleep 5
check "a broken file is rejected" grep -q "rejected, keeping the running configuration" "$WORK/hup.log"
check "the daemon keeps running" kill -0 "$HUP"
ge "$(sql "SELECT count(*) FROM sync_runs")" $((RUNS + 1)) "and keeps syncing"
daemons_stop

# --- SIGTERM during a backfill exits in time; a restart resumes ---
fresh_db term 1 3600 10 "workers = 1; shutdown_timeout = 10;"
sim_get "/_sim/config?slow_ms=30" >/dev/null
daemon_start term
TERM_PID=$LAST_PID
wait_for 60 "SELECT coalesce(cursor, '') ~ '^[0-9]+$' AND cursor::int > 5 FROM sync_state WHERE stream = 'jobs'"
ok $? "backfill under way"
START=$(date +%s)
kill -TERM "$TERM_PID"
wait_exit "$TERM_PID" 60
eq "$?" 0 "SIGTERM: clean exit"
le "$(( $(date +%s) - START ))" 10 "within the shutdown bound"
PIDS=()
CURSOR=$(sql "SELECT cursor FROM sync_state WHERE stream = 'jobs'")
check "the run is resumable at page $CURSOR" test -n "$CURSOR"
sim_get "/_sim/config?slow_ms=0" >/dev/null
sim_get "/_sim/log?clear=1" >/dev/null
daemon_start term2
wait_for 60 "SELECT count(*) = 4 FROM sync_state WHERE run_mode IS NULL AND last_success_at IS NOT NULL"
ok $? "the restarted daemon finishes the backfill"
check "it resumed at page $CURSOR" sh -c "curl -s '$SIM_URL/_sim/log' | grep 'GET /jobs?' | head -1 | grep -q 'page=$CURSOR&'"
eq "$(table_count jobs)" 2400 "exact total after the restart"
daemons_stop

# --- PostgreSQL restarted mid-sync: reconnect, exact totals ---
fresh_db pgrestart 1 3600 10 "workers = 1;"
sim_get "/_sim/config?slow_ms=20" >/dev/null
daemon_start pg
wait_for 60 "SELECT coalesce(cursor, '') ~ '^[0-9]+$' AND cursor::int > 5 FROM sync_state WHERE stream = 'customers'"
ok $? "sync under way"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); else AS_PG=(); fi
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$LL_STATE/pg/data" -m immediate -w restart >>"$WORK/pg-restart.log" 2>&1
ok $? "pg_ctl restart -m immediate"
sim_get "/_sim/config?slow_ms=0" >/dev/null
wait_for 120 "SELECT count(*) = 4 FROM sync_state WHERE run_mode IS NULL AND last_success_at IS NOT NULL"
ok $? "the daemon reconnects and finishes"
eq "$(table_count jobs)" 2400 "exact job total"
eq "$(table_count customers)" 1500 "exact customer total"
daemons_stop

# --- failures back off by doubling and reset on success; a 429 whose
# Retry-After exceeds the retry budget defers the job instead of sleeping ---
fresh_db backoff 1 2 100 "workers = 1; max_backoff = 8;"
sed -i "s|base_url = \"$SIM_URL\"|base_url = \"http://127.0.0.1:9\"|" "$CONF"
daemon_start backoff
wait_for 30 "SELECT backoff_s = 8 FROM site_integrations"
ok $? "connection failures back off 2, 4, 8 s, capped at max_backoff"
multi_config 1 2 100 "workers = 1; max_backoff = 8;"
kill -HUP "$LAST_PID"
wait_for 30 "SELECT backoff_s = 0 AND last_run_status = 'success' FROM site_integrations"
ok $? "a success resets the backoff"
daemons_stop
sim_get "/_sim/config?fail_429_pct=100&retry_after=120" >/dev/null
sed -i 's/retry_budget = 120;/retry_budget = 2;/' "$CONF"
sql "UPDATE site_integrations SET next_run_at = now()" >/dev/null
daemon_start deferral
wait_for 30 "SELECT last_run_status = 'partial' FROM site_integrations"
ok $? "a rate-limited run ends early"
daemons_stop
sim_get "/_sim/config?fail_429_pct=0" >/dev/null
ge "$(sql "SELECT extract(epoch FROM next_run_at - now())::int FROM site_integrations")" 100 \
	"the job is deferred to Retry-After (120 s), not retried sooner"
eq "$(sql "SELECT backoff_s FROM site_integrations")" 0 "a deferral is not a failure: no backoff"
sed -i 's/retry_budget = 2;/retry_budget = 120;/' "$CONF"

# --- a second SIGTERM exits at once; nothing is lost but the page in flight ---
fresh_db term2 1 3600 10 "workers = 1; shutdown_timeout = 60;"
sim_get "/_sim/config?slow_ms=2000" >/dev/null
daemon_start term2x
T2=$LAST_PID
wait_for 60 "SELECT coalesce(cursor, '') ~ '^[0-9]+$' AND cursor::int > 1 FROM sync_state WHERE stream = 'employees' OR stream = 'customers' ORDER BY stream LIMIT 1"
START=$(date +%s)
kill -TERM "$T2"; sleep 0.3; kill -TERM "$T2"
wait_exit "$T2" 60
eq "$?" 1 "a second SIGTERM exits at once (status 1)"
le "$(( $(date +%s) - START ))" 2 "without waiting for the slow page"
PIDS=()
sim_get "/_sim/config?slow_ms=0" >/dev/null
daemon_start term2y
wait_for 60 "SELECT count(*) = 4 FROM sync_state WHERE run_mode IS NULL AND last_success_at IS NOT NULL"
ok $? "a restart finishes the work"
eq "$(table_count customers)" 1500 "exact total"
daemons_stop

# --- readiness: READY=1 only after every check, else exit 78 ---
if command -v python3 >/dev/null; then
	NS=$WORK/notify.sock
	python3 "$LL_ROOT/tests/tools/notify-listen.py" "$NS" 8 >"$WORK/notify.out" &
	NL=$!
	sleep 0.5
	NOTIFY_SOCKET=$NS "$LLD_BIN" -c "$WORK/missing.conf" >/dev/null 2>&1
	eq "$?" 78 "a missing configuration: exit 78"
	daemon_start ready NOTIFY_SOCKET="$NS"
	sleep 3
	daemons_stop
	wait "$NL"
	check "READY=1 after the checks, then STOPPING=1" sh -c "grep -n 'READY=1' '$WORK/notify.out' && grep -q 'STOPPING=1' '$WORK/notify.out'"
	eq "$(grep -c 'READY=1' "$WORK/notify.out")" 1 "exactly one READY=1 (none from the failed start)"
	check "WATCHDOG=1 is sent" grep -q 'WATCHDOG=1' "$WORK/notify.out"
fi

# --- the unit's systemd-analyze security score ---
if command -v systemd-analyze >/dev/null; then
	UNIT=$LL_BUILD/etc/leadledgerd.service
	systemd-analyze security --offline=true "$UNIT" >"$WORK/security.out" 2>&1
	SCORE=$(sed -n 's/.*Overall exposure level for leadledgerd.service: \([0-9.]*\).*/\1/p' "$WORK/security.out")
	echo "# systemd-analyze security: exposure $SCORE"
	check "systemd-analyze security rates the unit 2.0 or lower ($SCORE)" awk -v s="$SCORE" 'BEGIN { exit !(s != "" && s <= 2.0) }'
fi
