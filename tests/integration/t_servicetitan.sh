# ServiceTitan end to end against stsim: a backfill exact to the cent in
# several windows (DST days, a local-midnight edge and 23:59:59.9999999,
# all history); incremental syncs through the export endpoints and their
# continuation tokens, inside the 15-minute lag; a campaign renamed and
# re-categorized re-channels its jobs with no refetch; deactivated and
# hard-deleted jobs; client-credential tokens renewed mid-sync while the
# token endpoint throttles; 429s with an HTTP-date Retry-After; a refused
# client id; kill -9 between export pages; no secret in logs or the database.
. "$LL_ROOT/tests/integration/harness.sh"

windows_match() { # windows_match DESCRIPTION
	local days from to
	for days in 30 90 365; do
		read -r from to < <("${LL[@]}" report --site summit --days "$days" --format json |
			jq -r '"\(.from) \(.to)"')
		st_matches "$from" "$to" "$1, $days days"
	done
	st_matches 2025-03-09 2025-03-09 "$1, the spring DST day"
	st_matches 2025-11-02 2025-11-02 "$1, the autumn DST day"
	st_matches 2025-06-30 2025-06-30 "$1, a day ending at 23:59:59.9999999"
	st_matches 2025-07-01 2025-07-01 "$1, the day after it"
	st_matches 2019-01-01 2027-12-31 "$1, all time"
	estimates_match 2019-01-01 2027-12-31 "$1, all time"
}
# Estimates given and won per channel, each in its job's campaign's channel.
estimates_match() { # estimates_match FROM TO DESCRIPTION
	local got want
	got=$("${LL[@]}" report --site summit --from "$1" --to "$2" --format json 2>>"$WORK/ll.log" |
		jq -cS '[.categories[] | {(.category): [.estimates_given, .estimates_won]}] | add')
	want=$(st_get "/_sim/estimates?from=$1&to=$2&tz=America/Chicago" |
		jq -cS '.categories | map_values([.estimates_given, .estimates_won])')
	if [ -n "$got" ] && [ "$got" = "$want" ] && [ "$got" != "$(echo "$got" | jq -cS 'map_values([0, 0])')" ]; then
		ok 0 "$3: estimates given and won per channel (their job's campaign) equal the simulator's"
	else
		ok 1 "$3: estimates differ: got $got want $want"
	fi
}
stat() { st_get /_sim/stats | jq -r ".$1"; }
last_run() { sql "SELECT $2 FROM sync_runs WHERE stream = '$1' ORDER BY id DESC LIMIT 1"; }
channel_of() { # channel_of CAMPAIGN_ID: the channel of that campaign's jobs
	sql "SELECT string_agg(DISTINCT lead_source_category, ',') FROM jobs WHERE source_ref = '$1'"
}
sync_until_ok() {
	local i
	for i in $(seq 1 12); do
		"${LL[@]}" sync >>"$WORK/ll.log" 2>&1 && return 0
	done
	return 1
}

# --- a backfill through the list endpoints ---
setup_st --dataset small --seed 5
"${LL[@]}" check-config >>"$WORK/ll.log" 2>&1
ok $? "check-config accepts the servicetitan integration"
"${LL[@]}" sync >"$WORK/sync.out" 2>>"$WORK/ll.log"
ok $? "backfill"
cat "$WORK/sync.out" >>"$WORK/ll.log"
# Job rows carry no `active` outside exports: the sweep lists active jobs
# (2,360 of the 2,400); every customer and estimate, active or not.
eq "$(table_count campaigns)/$(table_count customers)/$(table_count jobs)/$(table_count estimates)" \
	"21/800/2360/600" "every campaign, customer, active job and estimate"
eq "$(stat tokens)" 1 "one token for the whole backfill"
eq "$(stat exports)" 0 "a backfill reads the lists"
eq "$(sql "SELECT count(*) FROM jobs WHERE source_ref IS NULL OR source_ref_entity <> 4")" 0 \
	"every job names its campaign"
ge "$(sql "SELECT count(*) FROM jobs WHERE amount_cents % 100 <> 0")" 1 "cents survive"
eq "$(sql "SELECT count(*) FROM jobs WHERE raw->>'total' IS NULL AND amount_cents <> 0")" 0 "a null total is 0"
eq "$(sql "SELECT count(*) FROM customers WHERE merged_into IS NOT NULL")" 16 \
	"merged customers name the customer they became"
eq "$(sql "SELECT count(*) FROM customers WHERE merged_into IS NOT NULL AND NOT deleted")" 0 \
	"... and are deleted for reports"
eq "$(sql "SELECT count(*) FROM jobs WHERE raw->>'completedOn' LIKE '%.9999999Z'
	AND to_char(resolved_at AT TIME ZONE 'UTC', 'US') <> '999999'")" 0 \
	"seven fractional digits are truncated, never rounded"
windows_match "after the backfill"

# --- campaigns the rules do not know fall back to their category ---
"${LL[@]}" report --site summit --from 2019-01-01 --to 2027-12-31 --unknown --format json \
	>"$WORK/unknown.json" 2>>"$WORK/ll.log"
eq "$(jq -r '[.unknown_lead_sources[] | select(.lead_source == "Home Show 2025")][0].fallback' \
	"$WORK/unknown.json")" Events "--unknown names the campaign and the category that was tried"
eq "$(sql "SELECT DISTINCT j.lead_source_category FROM jobs j JOIN campaigns c ON c.external_id = j.source_ref
	AND c.integration_id = j.integration_id WHERE c.lead_source_raw = 'Summer Blitz'")" google \
	"a campaign named nothing the rules know takes its category's channel (Google)"
"${LL[@]}" report --site summit --from 2019-01-01 --to 2027-12-31 --unknown --format csv \
	>"$WORK/unknown.csv" 2>>"$WORK/ll.log"
check "--unknown as CSV carries the fallback column" grep -q '^"Home Show 2025",[0-9]*,[0-9]*,"Events"$' "$WORK/unknown.csv"

# --- incremental: the exports, from the stored continuation token ---
st_get "/_sim/log?clear=1" >/dev/null
st_get "/_sim/mutate?jobs=15&seed=2" | jq -r '.changed | unique[]' >"$WORK/changed.ids"
CHANGED=$(wc -l <"$WORK/changed.ids")
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "incremental sync after $CHANGED jobs changed (inside the export lag)"
eq "$(last_run jobs mode)/$(last_run customers mode)/$(last_run estimates mode)" \
	"incremental/incremental/incremental" "incremental runs"
eq "$(st_get /_sim/log | grep -c 'GET /jpm/v2/tenant/1234567/jobs?')" 0 "no job list was read"
eq "$(st_get /_sim/log | grep -c 'export/jobs?from=20[0-9-]*T')" 1 "the first export starts from the watermark"
# (Rows of the export's overlap read before from a list, which has no
# `active`, are rewritten once as well.)
ge "$(last_run jobs rows_updated)" "$CHANGED" "the changed jobs were rewritten"
eq "$(sql "SELECT count(*) FROM jobs WHERE external_id IN ($(paste -sd, "$WORK/changed.ids" | sed "s/[0-9]*/'&'/g"))
	AND status_class = 1 AND NOT deleted")" "$CHANGED" "... every one of them completed now"
check "the export's continuation token is stored for the next run" \
	test -n "$(sql "SELECT resume_cursor FROM sync_state WHERE stream = 'jobs'")"
windows_match "after jobs changed"
st_get "/_sim/log?clear=1" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "a sync with nothing changed"
eq "$(st_get /_sim/log | grep -c 'export/jobs?from=20[0-9-]*T')" 0 "... starts from the token, not a date"
eq "$(last_run jobs rows_updated)" 0 "... and the duplicates ServiceTitan repeats change nothing"

# --- a campaign renamed, then re-categorized: its jobs follow ---
sql "SELECT external_id FROM campaigns WHERE lead_source_raw = 'Google LSA'" >"$WORK/lsa.id"
LSA=$(cat "$WORK/lsa.id")
eq "$(channel_of "$LSA")" google "Google LSA's jobs are google"
st_get "/_sim/log?clear=1" >/dev/null
st_get "/_sim/campaign?id=$LSA&name=Spring%20Home%20Show" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "sync after the campaign was renamed to a name the rules do not know"
eq "$(channel_of "$LSA")" google "... its category (Google) keeps its jobs google"
st_get "/_sim/campaign?id=$LSA&category=Events" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "sync after it moved to the Events category"
eq "$(channel_of "$LSA")" unknown "... its jobs are now unknown"
eq "$(last_run jobs rows_updated)" 0 "no job was rewritten"
ge "$(last_run campaigns rechanneled)" 1 "the campaigns run re-channeled the jobs"
eq "$(st_get /_sim/log | grep -c 'GET /jpm/v2/tenant/1234567/jobs')" 0 "no job was fetched again"
windows_match "after a campaign moved"
st_get "/_sim/campaign?id=$LSA&name=Facebook%20Ads" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
eq "$(channel_of "$LSA")" social "renamed to a name the rules know: the name wins over the category"
windows_match "after a campaign was renamed"

# --- deactivated jobs stop counting; hard-deleted ones go at the sweep ---
st_get "/_sim/deactivate?jobs=20&seed=6" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "incremental sync after 20 jobs were deactivated"
ge "$(sql "SELECT count(*) FROM jobs WHERE deleted")" 20 "inactive export rows are deleted for reports"
windows_match "after deactivations"
st_get "/_sim/vanish?jobs=6&seed=4" >/dev/null
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
ok $? "full sweep"
eq "$(sql "SELECT count(*) FROM jobs WHERE vanished_at IS NOT NULL")" 26 \
	"the 6 hard-deleted and 20 inactive jobs, gone from the list of active jobs, are soft-deleted"
windows_match "after the sweep"

# --- tokens renewed mid-sync while the token endpoint throttles ---
TOKENS=$(stat tokens)
# Tokens that live 2 s, three a minute.  Under valgrind one page takes
# seconds and three 2-second tokens a minute cannot carry a run: tokens
# live 30 s there, and whether the endpoint throttles is left to chance.
TTL=2
[ "${LL_VALGRIND:-0}" = 1 ] && TTL=30
st_get "/_sim/config?token_ttl=$TTL&token_limit=3&export_size=40" >/dev/null
st_get /_sim/expire >/dev/null
st_get "/_sim/mutate?jobs=300&seed=8" >/dev/null
sync_until_ok
ok $? "incremental sync through expiring tokens and a throttled token endpoint"
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1 || sync_until_ok
ok $? "a full sweep through the same"
ge "$(stat tokens)" "$((TOKENS + 3))" "tokens were renewed mid-sync"
if [ "${LL_VALGRIND:-0}" != 1 ]; then
	ge "$(stat token_429)" 1 "the token endpoint throttled, and the host waited"
fi
windows_match "after renewals under pressure"

# --- 429s with an HTTP-date Retry-After, and 5xx ---
st_get "/_sim/config?token_ttl=900&token_limit=20&fail_429_pct=10&retry_after=1&retry_after_date=1&fail_5xx_pct=5&truncate_pct=10" >/dev/null
st_get "/_sim/mutate?jobs=100&seed=9" >/dev/null
sync_until_ok
ok $? "incremental sync through 429s (Retry-After as an HTTP date), 5xx and truncated bodies"
windows_match "after 429s and 5xx"
st_get "/_sim/config?fail_429_pct=0&retry_after_date=0&fail_5xx_pct=0&truncate_pct=0" >/dev/null

# --- kill -9 between export pages: the next run resumes at the token ---
if [ "${LL_VALGRIND:-0}" != 1 ]; then
	st_get "/_sim/mutate?jobs=200&seed=10" >/dev/null
	LEADLEDGER_FAULT=page_after_upsert:3 "${LL[@]}" sync >>"$WORK/ll.log" 2>&1
	eq "$?" 137 "killed after an export page was stored"
	"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
	ok $? "the next run"
	check "... resumed an interrupted run" grep -q "resuming incremental run at cursor" "$WORK/ll.log"
	windows_match "after kill -9 between export pages"
fi

# --- a client id the token endpoint refuses: attention, not a retry loop ---
st_get "/_sim/log?clear=1" >/dev/null
sed -i 's/client_id = "sim-client"/client_id = "wrong-client"/' "$CONF"
"${LL[@]}" sync >"$WORK/refused.out" 2>&1
eq "$?" 1 "a refused client id fails the run"
eq "$(st_get /_sim/log | grep -c 'POST /connect/token')" 1 "invalid_client is asked once, not retried"
eq "$("${LL[@]}" status --format json | jq -r '[.[] | select(.provider == "servicetitan")][0].state')" \
	attention "status says: attention"
check "... and what to fix" grep -q "client id and secret" "$WORK/refused.out"
sed -i 's/client_id = "wrong-client"/client_id = "sim-client"/' "$CONF"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "fixed in the file: syncs run again"
eq "$("${LL[@]}" status --format json | jq -r '[.[] | select(.provider == "servicetitan")][0].state')" ok \
	"... and the state is ok"

# --- the API follows merges: a merged customer's jobs are its survivor's ---
API_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed -e "1i api = { listen = \"127.0.0.1:$API_PORT\"; };" "$CONF" >"$WORK/api.conf"
TOKEN=$("$LL_BIN" -c "$WORK/api.conf" token create --site summit 2>/dev/null)
"$LLD_BIN" -c "$WORK/api.conf" >"$WORK/api-daemon.log" 2>&1 &
LLD_PID=$!
for _ in $(seq 1 100); do grep -q 'api: listening' "$WORK/api-daemon.log" && break; sleep 0.1; done
api() { curl -sS --max-time 20 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$API_PORT/api/v1/sites/summit$1"; }
read -r MERGED SURVIVOR < <(sql "SELECT m.external_id, m.merged_into FROM customers m
	WHERE m.merged_into IS NOT NULL AND EXISTS (SELECT 1 FROM jobs j WHERE j.customer_external_id = m.external_id
	AND j.status_class = 1 AND NOT j.deleted AND j.vanished_at IS NULL) ORDER BY 1 LIMIT 1" | tr '|' ' ')
WANT=$(sql "SELECT count(*) || '/' || sum(amount_cents) FROM jobs WHERE customer_external_id IN ('$MERGED', '$SURVIVOR')
	AND status_class = 1 AND NOT deleted AND vanished_at IS NULL")
{ api "/customers?limit=500"; api "/customers?limit=500&offset=500"; } | jq -c '.customers[]' >"$WORK/customers.json"
GOT=$(jq -r --arg id "$SURVIVOR" 'select(.id == $id) | "\(.jobs)/\(.revenue_cents)"' "$WORK/customers.json")
eq "$GOT" "$WANT" "a customer's totals include the jobs of the customer merged into it"
eq "$(jq --arg id "$MERGED" 'select(.id == $id)' "$WORK/customers.json" | wc -c)" 0 \
	"the merged customer is not listed"
read -r JOB DAY < <(sql "SELECT external_id, to_char(resolved_at AT TIME ZONE 'America/Chicago', 'YYYY-MM-DD')
	FROM jobs WHERE customer_external_id = '$MERGED' AND status_class = 1
	AND NOT deleted AND vanished_at IS NULL LIMIT 1" | tr '|' ' ')
eq "$(api "/jobs?limit=500&from=$DAY&to=$DAY" | jq -r --arg id "$JOB" '.jobs[] | select(.id == $id) | .customer_id')" \
	"$SURVIVOR" "a job of a merged customer names the customer it became"
kill "$LLD_PID"
wait "$LLD_PID"
LLD_PID=

# --- no secret anywhere ---
pg_dump -d "$T_DB" >"$WORK/dump.sql"
for f in "$WORK/ll.log" "$WORK/dump.sql" "$WORK/sync.out" "$WORK/refused.out"; do
	check "no client secret, app key or access token in $(basename "$f")" \
		bash -c "! grep -qE -e '$ST_SECRET' -e '$ST_APP_KEY' -e 'st\\.[0-9a-f]{32}' '$f'"
done
eq "$(sql "SELECT count(*) FROM oauth_tokens")" 0 "client-credential tokens are never stored"

# --- a first backfill while ServiceTitan deactivates jobs under it: the
# list of active jobs shifts, and a job slips past the sweep ---
T_DB=ll_t_servicetitan_shift
CONN2=$(db_create "$T_DB")
sed "s|^database = .*|database = \"$CONN2\";|" "$CONF" >"$WORK/shift.conf"
LL=("$LL_BIN" -c "$WORK/shift.conf")
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
st_get "/_sim/config?deactivate_on_page=2&deactivate_jobs=5" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "a backfill while 5 jobs already listed were deactivated"
eq "$(sql "SELECT sweep_again FROM sync_state WHERE stream = 'jobs'")" t \
	"the count fell while it paged: the next run sweeps again"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run"
eq "$(last_run jobs mode)" full "... is a full sweep"
eq "$(last_run jobs "rows_inserted || '/' || rows_vanished")" 5/5 \
	"... which stores the 5 jobs that slipped past and retires the 5 deactivated"
windows_match "after jobs were deactivated under a backfill"
