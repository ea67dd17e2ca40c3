# Hostile input and refused connections.  Each hostile page is either stored
# correctly or rejected with its cursor unchanged and a clear error; the next
# run resumes and ends with exact totals.  Redirects, self-signed TLS, plain
# http off loopback, 404/400 and trickling servers are refused or abandoned.
. "$LL_ROOT/tests/integration/harness.sh"

fresh_db() { # NAME: a migrated database for the one site, configured in $CONF
	T_DB=${T_NAME}_$1
	CONN=$(db_create "$T_DB")
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = ( $(site_block acme "$CT" "$SIM_URL" 100) );
CONF
	"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
}

expect_rejected() { # KIND: the page is refused, checkpoint kept, then recovered
	local kind=$1 cursor_after rc err
	fresh_db "$kind"
	sim_get "/_sim/config?hostile=$kind&hostile_page=3" >/dev/null
	"${LL[@]}" sync >"$WORK/$kind.out" 2>&1
	rc=$?
	sim_get "/_sim/config?hostile=&hostile_page=0" >/dev/null
	cursor_after=$(sql "SELECT cursor FROM sync_state WHERE stream = 'jobs'")
	err=$(sql "SELECT error FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")
	eq "$rc" 1 "$kind: the run fails cleanly (no crash)"
	eq "$cursor_after" 3 "$kind: the checkpoint stays at page 3"
	eq "$(table_count jobs)" 200 "$kind: pages 1-2 kept, nothing from the bad page"
	echo "# $kind: $err"
	check "$kind: the error is recorded in sync_runs" test -n "$err"
	"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
	ok $? "$kind: the next run resumes"
	eq "$(table_count jobs)" 600 "$kind: exact total afterwards"
}

setup_site --jobs 600 --customers 300 --estimates 100 --seed 12
LL=("$LL_BIN" -c "$CONF")

expect_rejected truncated_json
expect_rejected deep
expect_rejected wrong_types
expect_rejected string_amount
expect_rejected missing_id
expect_rejected nul_bytes
expect_rejected invalid_utf8
check "deep nesting: refused by the parser's depth limit" grep -qi "nest\|depth" "$WORK/deep.out"
check "wrong types: the field is named" grep -q "'id'" "$WORK/wrong_types.out"
check "a string amount: the field is named" grep -q "not integer cents: 'total_amount'" "$WORK/string_amount.out"

# Duplicate ids in one page are stored once, the newest version.
fresh_db dup
sim_get "/_sim/config?hostile=duplicate_ids&hostile_page=2" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "duplicate ids in one page: stored"
sim_get "/_sim/config?hostile=&hostile_page=0" >/dev/null
eq "$(sql "SELECT count(*) FROM (SELECT external_id FROM jobs GROUP BY 1 HAVING count(*) > 1) d")" 0 "no duplicate rows"
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(table_count jobs)" 600 "exact total after a full sweep"

# A CRM that lists nothing while saying it holds records: the run is
# flagged, not called a plain success, and the full sweep deletes nothing.
sim_get "/_sim/config?hostile=nothing&hostile_page=1" >/dev/null
"${LL[@]}" sync --full >"$WORK/nothing.out" 2>&1
eq "$?" 1 "a flagged run is not a success: sync exits 1"
check "the summary line says flagged, not success" grep -q "acme/housecallpro jobs: flagged, 1 pages, 0 records .*: fetched nothing while the CRM reports records" "$WORK/nothing.out"
sim_get "/_sim/config?hostile=&hostile_page=0" >/dev/null
eq "$(sql "SELECT flag FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")" \
	"fetched nothing while the CRM reports records" "an empty listing is flagged"
eq "$(sql "SELECT count(*) FROM jobs WHERE vanished_at IS NOT NULL")" 0 "an empty sweep soft-deletes nothing"
check "status shows the flag" sh -c "'$LL_BIN' -c '$CONF' status | grep -q 'success: fetched nothing'"

# Data older than twice the interval is shown as stale.
sql "UPDATE sync_state SET last_success_at = now() - interval '5 hours'" >/dev/null
eq "$("${LL[@]}" status --format json | jq '[.[] | select(.stream == "jobs")][0].stale')" true \
	"status marks data older than twice the interval (2 x 7200 s) as stale"
sql "UPDATE sync_state SET last_success_at = now()" >/dev/null
eq "$("${LL[@]}" status --format json | jq '[.[] | select(.stream == "jobs")][0].stale')" false "fresh data is not"

# 404 and 400 are not retried.
for status in 404 400; do
	sim_get "/_sim/log?clear=1" >/dev/null
	sim_get "/_sim/config?status=$status" >/dev/null
	"${LL[@]}" sync >"$WORK/$status.out" 2>&1
	eq "$?" 1 "HTTP $status fails the run"
	eq "$(sim_get /_sim/log | grep -c 'GET /employees')" 1 "HTTP $status is not retried"
done
sim_get "/_sim/config?status=0" >/dev/null

# A redirect is refused, never followed.
sim_get "/_sim/log?clear=1" >/dev/null
sim_get "/_sim/config?redirect=http://127.0.0.2:9/elsewhere" >/dev/null
"${LL[@]}" sync >"$WORK/redirect.out" 2>&1
eq "$?" 1 "a redirect fails the run"
check "the error says redirects are refused" grep -q "redirects are refused" "$WORK/redirect.out"
eq "$(sim_get /_sim/log | grep -c 'GET /employees')" 1 "and nothing followed it"
eq "$(sim_get /_sim/log | grep -c elsewhere)" 0 "the redirect target was never asked"
sim_get "/_sim/config?redirect=" >/dev/null

# A trickle below the low-speed limit is abandoned.
sed -i 's/retry_budget = 120;/retry_budget = 3; low_speed_time = 2; low_speed_bytes = 100;/' "$CONF"
sim_get "/_sim/config?trickle=1" >/dev/null
START=$(date +%s)
"${LL[@]}" sync >"$WORK/trickle.out" 2>&1
eq "$?" 1 "a trickling server fails the run"
le "$(( $(date +%s) - START ))" 20 "abandoned at the low-speed limit, not hung"
sim_get "/_sim/config?trickle=0" >/dev/null
sed -i 's/retry_budget = 3; low_speed_time = 2; low_speed_bytes = 100;/retry_budget = 120;/' "$CONF"

# Plain http off loopback is refused before any connection.
sed "s|base_url = \"[^\"]*\"|base_url = \"http://198.51.100.7\"|" "$CONF" >"$WORK/offloop.conf"
"$LL_BIN" -c "$WORK/offloop.conf" sync >"$WORK/offloop.out" 2>&1
eq "$?" 78 "http to a non-loopback address is refused as a configuration error"
check "with a clear reason" grep -q "only https, or http to a loopback address" "$WORK/offloop.out"

# TLS verification cannot be turned off: a self-signed simulator is refused.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -days 1 \
	-keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1
ok $? "self-signed certificate made"
TLS_DIR=$WORK/tls
mkdir -p "$TLS_DIR"
"$SIM_BIN" --port 0 --port-file "$TLS_DIR/port" --api-key-file "$(sim_key_file "$WORK" "$SIM_KEY")" --jobs 200 --customers 50 \
	--estimates 10 --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" >"$TLS_DIR/log" 2>&1 &
TLS_PID=$!
for _ in $(seq 1 100); do [ -s "$TLS_DIR/port" ] && break; sleep 0.1; done
sed "s|base_url = \"[^\"]*\"|base_url = \"https://127.0.0.1:$(cat "$TLS_DIR/port")\"|" "$CONF" >"$WORK/tls.conf"
"$LL_BIN" -c "$WORK/tls.conf" sync >"$WORK/tls.out" 2>&1
eq "$?" 1 "a self-signed HTTPS server is refused"
check "because its certificate does not verify" grep -qi "certificate\|SSL" "$WORK/tls.out"
sed "s|page_size = 100;|page_size = 100; ssl_verify = false;|" "$WORK/tls.conf" >"$WORK/tls-off.conf"
"$LL_BIN" -c "$WORK/tls-off.conf" check-config >"$WORK/tls-off.out" 2>&1
eq "$?" 78 "there is no setting to turn verification off"
kill "$TLS_PID" 2>/dev/null
wait "$TLS_PID" 2>/dev/null
