# The HTTP API and dashboard server of leadledgerd: every route's numbers
# equal `leadledger report`, one 404 for every site the caller may not see,
# 400 with a message for malformed parameters, GET only, no-store, tokens
# stored only as digests, /metrics on its own listener without secrets, BI
# views; and under pressure: absolute header deadlines, per-address limits
# with a trusted proxy exempt, rate-limited refusal logs, JSON for 414, 431
# and 505, a database restart survived by the pooled connections.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 12
CT_OTHER=$(encrypt_key "$WORK/keyring" other "$SIM_KEY")
CT_BASIC=$(encrypt_key "$WORK/keyring" basic-co "$SIM_KEY")
api_config() { # api_config [with_other]
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
api = { listen = "127.0.0.1:${API_PORT:-0}"; metrics_listen = "127.0.0.1:${METRICS_PORT:-0}";
        dashboard = "$LL_ROOT/dashboard"; threads = 2; per_ip_connections = 6; timeout = 3;
        ${API_EXTRA:-} };
sites = (
$(site_block acme "$CT" "$SIM_URL" 200),
$(if [ "${1:-1}" = 1 ]; then site_block other "$CT_OTHER" "$SIM_URL" 200; echo ,; fi)
$(site_block basic-co "$CT_BASIC" "$SIM_URL" 200 basic)
);
CONF
}
api_config
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "both elite sites synced"

TOKEN=$("${LL[@]}" token create --site acme --label test 2>>"$WORK/ll.log")
ok $? "token create prints a token"
eq "${#TOKEN}" 47 "a token is 47 characters"
OTHER_TOKEN=$("${LL[@]}" token create --site other 2>>"$WORK/ll.log")
BASIC_TOKEN=$("${LL[@]}" token create --site basic-co 2>"$WORK/basic-token.err")
ok $? "a token can be made for a site without the plan"
check "... with a warning that it answers 404" grep -q "answers 404" "$WORK/basic-token.err"
eq "$(sql "SELECT count(*) FROM api_tokens WHERE length(digest) = 32")" 3 "tokens are stored as 32-byte digests"
pg_dump "$T_DB" >"$WORK/dump.sql"
check "no token appears in the database in plaintext" bash -c "! grep -qF -e '$TOKEN' -e '${TOKEN#llt_}' -e '$OTHER_TOKEN' '$WORK/dump.sql'"
check "token list shows ids, never tokens or digests" bash -c \
	"'${LL[*]}' token list --site acme | jq -e 'length == 1 and .[0].label == \"test\" and (.[0] | has(\"digest\") | not)' && ! '${LL[*]}' token list | grep -qF '${TOKEN#llt_}'"

LLD_LOG=$WORK/leadledgerd.log
start_daemon() {
	"$LLD_BIN" -c "$CONF" >>"$LLD_LOG" 2>&1 &
	LLD_PID=$!
	local i
	for i in $(seq 1 150); do
		grep -q 'api: listening on' "$LLD_LOG" && break
		kill -0 "$LLD_PID" 2>/dev/null || break
		sleep 0.2
	done
	API_PORT=$(sed -n 's/.*api: listening on .* (port \([0-9]*\)).*/\1/p' "$LLD_LOG" | tail -n 1)
	METRICS_PORT=$(sed -n 's/.*api: metrics on .* (port \([0-9]*\)).*/\1/p' "$LLD_LOG" | tail -n 1)
	API=http://127.0.0.1:$API_PORT
	METRICS=http://127.0.0.1:$METRICS_PORT
}
start_daemon
check "leadledgerd serves the API and the dashboard" grep -q 'api: listening on 127.0.0.1:0 (port [0-9]*) with the dashboard' "$LLD_LOG"

# get PATH [TOKEN]: the body; status in $WORK/status, headers in $WORK/headers.
get() {
	curl -sS --max-time 30 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' \
		${2:+-H "Authorization: Bearer $2"} "$API$1" >"$WORK/status"
	cat "$WORK/body"
}
status() { cat "$WORK/status"; }

# Every route's numbers equal the command line's.
for w in "days=30" "days=365" "days=3660" "from=2025-03-01&to=2025-03-31" "from=2025-11-02&to=2025-11-02" "from=2024-01-01&to=2024-12-31"; do
	case $w in
	days=*) args=(--days "${w#days=}") ;;
	*) f=${w#from=}; args=(--from "${f%%&*}" --to "${w##*to=}") ;;
	esac
	want=$("${LL[@]}" report --site acme "${args[@]}" --format json | jq -cS .)
	got=$(get "/api/v1/sites/acme/report?$w" "$TOKEN" | jq -cS .)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then ok 0 "report?$w equals leadledger report"; else ok 1 "report?$w: got $got want $want"; fi
done
for w in "days=365&model=first" "from=2024-01-01&to=2024-12-31&model=last"; do
	f=${w%&model=*}
	case $f in
	days=*) args=(--days "${f#days=}") ;;
	*) f=${f#from=}; args=(--from "${f%%&*}" --to "${f##*to=}") ;;
	esac
	want=$("${LL[@]}" report --site acme "${args[@]}" --model "${w##*model=}" --format json | jq -cS .)
	got=$(get "/api/v1/sites/acme/report?$w" "$TOKEN" | jq -cS .)
	if [ -n "$want" ] && [ "$got" = "$want" ]; then ok 0 "report?$w equals leadledger report --model"; else ok 1 "report?$w: got $got want $want"; fi
done
eq "$(get "/api/v1/sites/acme/report" "$TOKEN" | jq -c '[.from, .to]')" \
	"$("${LL[@]}" report --site acme --days 30 --format json | jq -c '[.from, .to]')" "the default window is 30 days"
eq "$(get "/api/v1/sites/acme/report?days=3660" "$TOKEN" | jq '.total.jobs > 100')" true "the data set has completed jobs in the window"

# The time series adds up to the report, per channel, for every bucket size.
for b in day week month; do
	for w in "days=365" "from=2025-03-05&to=2025-05-17"; do
		rep=$(get "/api/v1/sites/acme/report?$w" "$TOKEN" | jq -cS '[.categories[] | {(.category): [.jobs, .revenue_cents]}] | add')
		ser=$(get "/api/v1/sites/acme/timeseries?bucket=$b&$w" "$TOKEN" |
			jq -cS '[.buckets[].categories | to_entries[]] | group_by(.key) | map({(.[0].key): [(map(.value.jobs) | add), (map(.value.revenue_cents) | add)]}) | add')
		if [ -n "$rep" ] && [ "$rep" = "$ser" ]; then ok 0 "timeseries bucket=$b $w adds up to the report"; else ok 1 "timeseries bucket=$b $w: got $ser want $rep"; fi
	done
done
eq "$(get "/api/v1/sites/acme/timeseries?bucket=day&from=2025-03-01&to=2025-03-31" "$TOKEN" | jq '.buckets | length')" 31 "every day of the window is a bucket, empty ones included"
eq "$(get "/api/v1/sites/acme/timeseries?bucket=week&from=2025-03-05&to=2025-03-18" "$TOKEN" | jq -c '[.buckets[].start]')" \
	'["2025-03-03","2025-03-10","2025-03-17"]' "weeks start on Monday"
eq "$(get "/api/v1/sites/acme/timeseries?bucket=month&from=2025-01-15&to=2025-03-02" "$TOKEN" | jq -c '[.buckets[].start]')" \
	'["2025-01-01","2025-02-01","2025-03-01"]' "months start on the first"

# Lists: the job list filtered like the report holds the report's jobs.
W="from=2024-06-01&to=2025-05-31"
rep=$(get "/api/v1/sites/acme/report?$W" "$TOKEN")
for ch in google referral unknown; do
	want=$(jq -c --arg ch "$ch" '.categories[] | select(.category == $ch) | [.jobs, .revenue_cents]' <<<"$rep")
	total=$(get "/api/v1/sites/acme/jobs?channel=$ch&status=completed&$W&limit=1" "$TOKEN" | jq .total)
	sum=0 offset=0
	for _ in $(seq 1 40); do
		page=$(get "/api/v1/sites/acme/jobs?channel=$ch&status=completed&$W&limit=500&offset=$offset" "$TOKEN")
		n=$(jq '.jobs | length' <<<"$page")
		sum=$((sum + $(jq '[.jobs[].amount_cents] | add // 0' <<<"$page")))
		offset=$((offset + n))
		[ "$n" -lt 500 ] && break
	done
	eq "[$total,$sum]" "$want" "jobs?channel=$ch&status=completed: the report's jobs and revenue, paged"
done
page=$(get "/api/v1/sites/acme/jobs?limit=7&offset=3" "$TOKEN")
eq "$(jq -c '[.limit, .offset, (.jobs | length), (.total > 10)]' <<<"$page")" '[7,3,7,true]' "jobs pages with limit and offset"
eq "$(jq -c '.jobs[0] | keys' <<<"$page")" '["amount_cents","channel","crm_status","customer","customer_id","date","id","lead_source","status"]' "a job carries its date, status, amount, channel, source and customer"
first=$(get "/api/v1/sites/acme/jobs?limit=10" "$TOKEN" | jq -c '[.jobs[].id]')
second=$(get "/api/v1/sites/acme/jobs?limit=5&offset=5" "$TOKEN" | jq -c '[.jobs[].id]')
eq "$(jq -c '.[5:]' <<<"$first")" "$second" "pages are stable: offset 5 continues where the first five ended"
eq "$(get "/api/v1/sites/acme/jobs?offset=9999999" "$TOKEN" | jq -c '[(.jobs | length), (.total > 0)]')" '[0,true]' "a page past the end is empty, with the total"
eq "$(get "/api/v1/sites/acme/jobs?status=canceled&limit=500" "$TOKEN" | jq '[.jobs[].status] | unique | join(",")')" '"canceled"' "status filters jobs"
eq "$(get "/api/v1/sites/acme/customers?limit=1" "$TOKEN" | jq .total)" \
	"$(sql "SELECT count(*) FROM customers c JOIN site_integrations i ON i.id = c.integration_id WHERE i.site_id = 'acme' AND NOT c.deleted AND c.vanished_at IS NULL")" "customers total counts the site's customers"
cust=$(get "/api/v1/sites/acme/customers?channel=referral&limit=500" "$TOKEN")
eq "$(jq '[.customers[].channel] | unique | join(",")' <<<"$cust")" '"referral"' "channel filters customers"
cid=$(jq -r '[.customers[] | select(.jobs > 0)][0].id' <<<"$cust")
eq "$(jq -c --arg id "$cid" '.customers[] | select(.id == $id) | [.jobs, .revenue_cents]' <<<"$cust")" \
	"$(sql "SELECT '[' || count(*) || ',' || coalesce(sum(amount_cents), 0) || ']' FROM jobs j JOIN site_integrations i ON i.id = j.integration_id WHERE i.site_id = 'acme' AND customer_external_id = '$cid' AND status_class = 1 AND NOT deleted AND vanished_at IS NULL")" \
	"a customer's jobs and revenue are their completed jobs"
eq "$(get "/api/v1/sites/acme/integrations" "$TOKEN" | jq -c '[.integrations[] | .stream] | sort')" '["customers","employees","estimates","jobs"]' "integrations lists the streams"
eq "$(get "/api/v1/sites/acme/integrations" "$TOKEN" | jq -c '[.integrations[] | .state, .stale] | unique')" '[false,"ok"]' "... all fresh and ok"
want=$("${LL[@]}" report --site acme --days 3660 --unknown --format json | jq -cS .)
eq "$(get "/api/v1/sites/acme/unknown-sources?days=3660&limit=25" "$TOKEN" | jq -cS .)" "$want" "unknown-sources equals report --unknown"
eq "$(get "/api/v1/sites/acme" "$TOKEN" | jq -c .)" '{"id":"acme","name":"Site acme","timezone":"America/Chicago","currency":"USD"}' "the site route names the site"

# One 404 for everything the caller may not see.
get "/api/v1/sites/acme/report" "$TOKEN" >/dev/null
check "API responses are not cached" grep -qi '^Cache-Control: no-store' "$WORK/headers"
check "... and are JSON" grep -qi '^Content-Type: application/json' "$WORK/headers"
nf_body='{"error":"not found"}'
for case in "nosuch|$TOKEN|an unknown site" "acme|llt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA|a wrong token" \
	"acme||no token" "acme|garbage|a malformed token" "other|$TOKEN|another site's token" \
	"basic-co|$BASIC_TOKEN|a plan without the feature, with its own token" "acme|${TOKEN}x|a token with a byte added"; do
	IFS='|' read -r site tok desc <<<"$case"
	body=$(get "/api/v1/sites/$site/report?days=30" "$tok")
	eq "$(status) $body" "404 $nf_body" "404 for $desc"
done
eq "$(get "/api/v1/sites/acme/nosuchroute" "$TOKEN") $(status)" "$nf_body 404" "404 for an unknown route"
eq "$(get "/api/v1/sites/acme/report/x" "$TOKEN") $(status)" "$nf_body 404" "404 for a deeper path"
check "... and the 404 is not cached either" grep -qi '^Cache-Control: no-store' "$WORK/headers"
eq "$(get "/api/v1/sites/other/report?days=30" "$OTHER_TOKEN" >/dev/null; status)" 200 "the other site's own token opens it"

# 400 with a message for malformed parameters, checked only after the token.
for q in "days=abc" "days=0" "days=-1" "days=+5" "days=1e3" "days=%2030" "days=3661" "days=99999999999999999999" \
	"from=2025-02-30&to=2025-03-01" "from=2025-01-01" "to=2025-01-01" "from=2025-03-01&to=2025-01-01" \
	"days=30&from=2025-01-01&to=2025-01-02" "from=2025-1-1&to=2025-01-02" "from=2010-01-01&to=2025-01-01" "foo=1" \
	"days=3%00abc" "days" "days=30&days=abc" "days=30&days=30" "model=middle" "model=" "model=first&model=last"; do
	body=$(get "/api/v1/sites/acme/report?$q" "$TOKEN")
	if [ "$(status)" = 400 ] && jq -e '.error | length > 5' <<<"$body" >/dev/null; then ok 0 "report?$q: 400 with a message"; else ok 1 "report?$q: $(status) $body"; fi
done
for q in "timeseries?bucket=year" "timeseries?bucket=" "jobs?channel=bogus" "jobs?status=done" "jobs?limit=0" "jobs?limit=501" \
	"jobs?offset=-1" "customers?status=open" "unknown-sources?limit=x" "integrations?x=1"; do
	body=$(get "/api/v1/sites/acme/$q" "$TOKEN")
	if [ "$(status)" = 400 ] && jq -e '.error | length > 5' <<<"$body" >/dev/null; then ok 0 "$q: 400 with a message"; else ok 1 "$q: $(status) $body"; fi
done
eq "$(get "/api/v1/sites/acme/report?days=abc" "wrong")$(status)" "${nf_body}404" "a bad parameter with a wrong token is still 404"
eq "$(get "/api/v1/sites/acme/timeseries?bucket=" "$TOKEN" >/dev/null; status)" 400 "an empty bucket is not a bucket"

# GET (and HEAD) only.
for m in POST PUT DELETE PATCH OPTIONS; do
	code=$(curl -sS --max-time 10 -o /dev/null -D "$WORK/headers" -w '%{http_code}' -X "$m" -H "Authorization: Bearer $TOKEN" "$API/api/v1/sites/acme/report")
	eq "$code" 405 "$m is refused"
done
check "... with Allow: GET, HEAD" grep -qi '^Allow: GET, HEAD' "$WORK/headers"
eq "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' -I -H "Authorization: Bearer $TOKEN" "$API/api/v1/sites/acme/report")" 200 "HEAD is answered"

# The dashboard's files, and nothing else from the disk.
eq "$(get / >/dev/null; status)" 200 "the dashboard page is served"
check "... with a content security policy" grep -qi "^Content-Security-Policy: default-src 'self'" "$WORK/headers"
check "... and no-store" grep -qi '^Cache-Control: no-store' "$WORK/headers"
eq "$(get /app.js >/dev/null; status) $(get /style.css >/dev/null; status)" "200 200" "its script and style sheet are served"
for p in "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "/index.html/" "/dashboard/app.js" "/leadledger.conf" "/api/v1/sites/" "/api/v1/sites//report"; do
	code=$(curl -sS --max-time 10 --path-as-is -o /dev/null -w '%{http_code}' "$API$p")
	eq "$code" 404 "nothing else is served: $p"
done

# /metrics: operator figures, no secrets, no customer data, on its own
# listener: the API's port does not serve it (one 404 for what a caller
# may not see).
eq "$(get /metrics >/dev/null; status)" 404 "/metrics is not served on the API's port"
eq "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$METRICS/api/v1/sites/acme/report")" 404 \
	"the metrics listener serves nothing else"
metrics=$(curl -sS --max-time 10 "$METRICS/metrics" | tee "$WORK/metrics.txt")
check "metrics count successful runs per stream" grep -qE '^leadledger_sync_runs_total\{site="acme",provider="housecallpro",stream="jobs",status="success"\} [1-9]' <<<"$metrics"
check "metrics give staleness and last success" grep -qE '^leadledger_staleness_seconds\{site="acme",provider="housecallpro",stream="jobs"\} [0-9]+$' <<<"$metrics"
check "metrics count rows and API requests" bash -c "grep -qE '^leadledger_rows_inserted_total\{site=\"acme\".*\} [1-9]' && true" <<<"$metrics"
check "metrics count the CRM requests" grep -qE '^leadledger_api_requests_total\{site="acme",provider="housecallpro",stream="jobs"\} [1-9]' <<<"$metrics"
check "metrics count flagged runs and deletions" grep -qE '^leadledger_flagged_runs_total\{site="acme",provider="housecallpro",stream="jobs"\} 0$' <<<"$metrics"
check "metrics count interrupted runs apart from failures" grep -qE '^leadledger_sync_runs_total\{site="acme",provider="housecallpro",stream="jobs",status="interrupted"\} 0$' <<<"$metrics"
check "metrics count 429s" grep -qE '^leadledger_http_429_total\{site="acme",provider="housecallpro",stream="jobs"\} 0$' <<<"$metrics"
check "metrics count re-channeled rows" grep -qE '^leadledger_rows_rechanneled_total\{site="acme",provider="housecallpro",stream="customers"\} [0-9]+$' <<<"$metrics"
check "metrics flag integrations needing attention" grep -qE '^leadledger_needs_attention\{site="acme",provider="housecallpro"\} 0$' <<<"$metrics"
name=$(sql "SELECT first_name FROM customers WHERE first_name IS NOT NULL LIMIT 1")
check "metrics hold no secret, token or customer name" bash -c "! grep -qF -e '$SIM_KEY' -e '$TOKEN' -e '${CT:10:20}' -e '$name'" <<<"$metrics"
eq "$(grep -cvE '^(# (HELP|TYPE) [a-z_0-9]+ .+|[a-z_0-9]+(\{[a-z]+="[a-z0-9_-]+"(,[a-z]+="[a-z0-9_-]+")*\})? [0-9]+)$' "$WORK/metrics.txt")" 0 \
	"every metric line is in the exposition format"

# Hostile requests never take the server down.
for p in "/api/v1/sites/acme/report?days=%00" "/api/v1/sites/acme/report?from=%ff%fe&to=x" "/api/v1/sites/%00/report" \
	"/api/v1/sites/$(head -c 3000 /dev/zero | tr '\0' a)/report" "/api/v1/sites/acme/jobs?channel=%27%3B%20DROP%20TABLE%20jobs%3B--" \
	"/api/v1/sites/acme/report?days=30&days=31" "/?$(head -c 70000 /dev/zero | tr '\0' a)"; do
	curl -sS --max-time 10 -o /dev/null -H "Authorization: Bearer $TOKEN" "$API$p" 2>/dev/null
done
eq "$(get "/api/v1/sites/acme/report?days=30" "$TOKEN" >/dev/null; status)" 200 "still serving after hostile requests"
eq "$(table_count jobs | grep -c '^[0-9]')" 1 "... and the jobs table is still there"
eq "$(curl -sS --max-time 10 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H "X-Big: $(head -c 100000 /dev/zero | tr '\0' a)" "$API/api/v1/sites/acme/report" 2>/dev/null)" 431 \
	"oversized headers are refused"
eq "$(jq -r .error "$WORK/body")" "request head too large" "... with a JSON error"
check "... and the headers every response carries" grep -qi '^Cache-Control: no-store' "$WORK/headers"
eq "$(curl -sS --max-time 10 -D "$WORK/headers" -o "$WORK/body" -w '%{http_code}' "$API/api/v1/sites/acme/report?x=$(head -c 9000 /dev/zero | tr '\0' a)")" 414 \
	"a request target over 8 KiB: 414"
check "... as JSON with the usual headers" sh -c "jq -e '.error | length > 5' '$WORK/body' && grep -qi '^X-Content-Type-Options: nosniff' '$WORK/headers'"
python3 - "$API_PORT" >"$WORK/raw.out" 2>&1 <<'PY'
import socket, sys
port = int(sys.argv[1])
for name, req in (("v2", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"), ("garbage", b"GARBAGE\r\n\r\n"),
                  ("v09", b"GET /\r\n\r\n")):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(req)
    data = b""
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    print(name, lines[0].split(" ")[1], int(any(l.lower() == "cache-control: no-store" for l in lines)), body.decode())
PY
check "HTTP/2.0 on the HTTP/1 port: 505 as JSON with the usual headers" grep -q '^v2 505 1 {"error":"HTTP version not supported' "$WORK/raw.out"
check "a malformed request line: 400 as JSON" grep -q '^garbage 400 1 {"error":"malformed request line"}' "$WORK/raw.out"
check "a request line without a version: 400 as JSON" grep -q '^v09 400 1 {"error"' "$WORK/raw.out"

# Connection limits: per_ip_connections = 6, idle timeout 3 s.
python3 - "$API_PORT" >"$WORK/limits.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
port = int(sys.argv[1])
def curl():
    return subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
                           f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(5)]
time.sleep(0.3)
print("sixth", curl())
held.append(socket.create_connection(("127.0.0.1", port), timeout=5))
time.sleep(0.3)
print("seventh", curl())
for s in held:
    s.close()
time.sleep(0.3)
idle = socket.create_connection(("127.0.0.1", port), timeout=10)
start = time.monotonic()
closed = idle.recv(1) == b""
print("idle_closed", int(closed), "after", round(time.monotonic() - start))
PY
check "with five connections held, a sixth is served" grep -qx 'sixth 200' "$WORK/limits.out"
check "a seventh connection from one address is refused (per_ip_connections = 6)" grep -qx 'seventh 000' "$WORK/limits.out"
check "an idle connection is closed after the timeout (3 s)" grep -qE '^idle_closed 1 after [2-5]$' "$WORK/limits.out"
eq "$(get "/api/v1/sites/acme/report" "$TOKEN" >/dev/null; status)" 200 "connections are accepted again once the others closed"

# A head trickled one line a second is cut at the absolute deadline
# (timeout = 3 s), not kept alive by every line.
python3 - "$API_PORT" >"$WORK/trickle.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.create_connection(("127.0.0.1", port), timeout=20)
start = time.monotonic()
s.sendall(b"GET /api/v1/sites/acme/report HTTP/1.1\r\n")
s.settimeout(1)
answer = b""
for i in range(15):
    try:
        s.sendall(b"X-Trickle-%d: 1\r\n" % i)
    except OSError:
        break
    try:
        chunk = s.recv(4096)
        answer += chunk
        if not chunk or answer:
            break
    except socket.timeout:
        pass
print("status", answer.split(b" ")[1].decode() if answer else "none", "after", round(time.monotonic() - start))
PY
check "a trickled head gets 408 at the 3 s deadline" grep -qE '^status 408 after [2-5]$' "$WORK/trickle.out"

# An overload of refused connections logs a few lines, not one per refusal.
python3 - "$API_PORT" >"$WORK/flood.out" 2>&1 <<'PY'
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(6)]
time.sleep(0.2)
refused = 0
for _ in range(300):
    try:
        c = socket.create_connection(("127.0.0.1", port), timeout=5)
        c.settimeout(2)
        if c.recv(1) == b"":
            refused += 1
        c.close()
    except OSError:
        refused += 1
print("refused", refused)
PY
check "300 connections over the per-address limit are refused" grep -qx 'refused 300' "$WORK/flood.out"
le "$(grep -c 'connection refused: per_ip_connections' "$LLD_LOG")" 5 "... and logged at most 5 times in 10 s, not 300"

# Tokens can be revoked; the configuration decides which sites exist.
"${LL[@]}" token revoke --site other --all >>"$WORK/ll.log" 2>&1
eq "$(get "/api/v1/sites/other/report" "$OTHER_TOKEN" >/dev/null; status)" 404 "a revoked token answers 404"
api_config 0
kill -HUP "$LLD_PID"
for _ in $(seq 1 50); do grep -q 'reloaded' "$LLD_LOG" && break; sleep 0.2; done
OTHER_TOKEN2=$("${LL[@]}" token create --site acme 2>>"$WORK/ll.log")
eq "$(get "/api/v1/sites/acme/report" "$OTHER_TOKEN2" >/dev/null; status)" 200 "a second token works beside the first"
eq "$(get "/api/v1/sites/acme/report" "$TOKEN" >/dev/null; status)" 200 "... and the first still works"

# A new vault key takes effect in the running daemon without a SIGHUP.
"$LL_BIN" vault keygen --keyring "$WORK/keyring" --key-id k9 >>"$WORK/ll.log" 2>&1
K9_TOKEN=$("${LL[@]}" token create --site acme 2>>"$WORK/ll.log")
for _ in $(seq 1 50); do
	[ "$(get "/api/v1/sites/acme/report" "$K9_TOKEN" >/dev/null; status)" = 200 ] && break
	sleep 0.2
done
eq "$(get "/api/v1/sites/acme/report" "$K9_TOKEN" >/dev/null; status)" 200 \
	"a token issued under a new vault key works without a SIGHUP"
check "... the daemon saw the keyring change" grep -q "the keyring changed: reloading" "$LLD_LOG"
eq "$(get "/api/v1/sites/acme/report" "$TOKEN" >/dev/null; status)" 200 "... and the tokens under the old key still work"

# A second instance cannot take the same address: it exits 78 before READY.
"$LLD_BIN" -c "$CONF" >"$WORK/second.log" 2>&1 &
second=$!
for _ in $(seq 1 100); do kill -0 "$second" 2>/dev/null || break; sleep 0.2; done
wait "$second"
eq "$?" 78 "a taken address is a configuration error (exit 78)"
check "... named in the log" grep -q "cannot listen on 127.0.0.1:$API_PORT" "$WORK/second.log"

# The refusals suppressed above are counted in the next line let through.
sleep 10
curl -sS --max-time 5 -o /dev/null "$API/" &
CURL_PID=$!
python3 - "$API_PORT" <<'PY' 2>/dev/null
import socket, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(7)]
time.sleep(0.5)
PY
wait "$CURL_PID"
check "the next refusal let through says how many were suppressed" \
	grep -qE '\([0-9]{3} similar messages suppressed\)' "$LLD_LOG"

# After a PostgreSQL restart the pooled connections are broken: the next
# request notices, reconnects and is answered, not a 500.
PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); else AS_PG=(); fi
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$LL_STATE/pg/data" -m fast -w restart >>"$WORK/pg-restart.log" 2>&1
ok $? "PostgreSQL restarted under the running service"
eq "$(get "/api/v1/sites/acme/report" "$TOKEN" >/dev/null; status)" 200 "the next API request is answered on a fresh connection"
eq "$(get "/api/v1/sites/acme/report?days=90" "$TOKEN" >/dev/null; status)" 200 "... and the one after it"
eq "$(curl -sS --max-time 10 -o /dev/null -w '%{http_code}' "$METRICS/metrics")" 200 "... and /metrics too"

# BI views count what the report counts.
want=$("${LL[@]}" report --site acme --from 2024-06-01 --to 2025-05-31 --format json | jq -c '[.categories[] | select(.jobs > 0) | {(.category): [.jobs, .revenue_cents]}] | add')
got=$(sql "SELECT json_object_agg(channel, json_build_array(jobs, revenue_cents)) FROM (SELECT channel, sum(jobs) AS jobs, sum(revenue_cents) AS revenue_cents FROM daily_channel_revenue WHERE site_id = 'acme' AND day BETWEEN '2024-06-01' AND '2025-05-31' GROUP BY channel) t" | jq -cS .)
eq "$got" "$(jq -cS . <<<"$want")" "the daily_channel_revenue view equals the report"
got=$(sql "SELECT sum(revenue_cents) FROM monthly_channel_revenue WHERE site_id = 'acme' AND month BETWEEN '2024-06-01' AND '2025-05-01'")
eq "$got" "$(jq '[.[] | .[1]] | add' <<<"$want")" "the monthly view adds up the same months"
eq "$(sql "SELECT count(*) FROM report_jobs WHERE site_id = 'basic-co'")" 0 "the views leave out sites without the plan"

kill -TERM "$LLD_PID"
wait "$LLD_PID"
eq "$?" 0 "leadledgerd stops cleanly with the API running"
LLD_PID=

# Behind a TLS proxy on the same host every client is 127.0.0.1: a trusted
# proxy address is exempt from the per-address limit.
API_PORT=0 METRICS_PORT=0 API_EXTRA='trusted_proxies = [ "127.0.0.1", "::1" ];' api_config 0
: >"$LLD_LOG"
start_daemon
python3 - "$API_PORT" >"$WORK/proxy.out" 2>&1 <<'PY'
import socket, subprocess, sys, time
port = int(sys.argv[1])
held = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(12)]
time.sleep(0.3)
print("behind_proxy", subprocess.run(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "5",
      f"http://127.0.0.1:{port}/"], capture_output=True, text=True).stdout)
PY
check "a trusted proxy holding 12 connections is still served (per_ip_connections = 6)" \
	grep -qx 'behind_proxy 200' "$WORK/proxy.out"
kill -TERM "$LLD_PID"
wait "$LLD_PID"
LLD_PID=

# A listener off loopback must be meant: check-config refuses it without
# public = true, with file and line.
sed 's|listen = "127.0.0.1:0";|listen = "0.0.0.0:8470";|' "$CONF" >"$WORK/public.conf"
"$LL_BIN" -c "$WORK/public.conf" check-config >"$WORK/public.out" 2>&1
eq "$?" 78 "api listen on 0.0.0.0 without public = true: a configuration error"
check "... naming the file, line and address" grep -q "public.conf:[0-9]*: api listen \"0.0.0.0:8470\" is not a loopback address" "$WORK/public.out"
sed -i 's|listen = "0.0.0.0:8470";|listen = "0.0.0.0:8470"; public = true;|' "$WORK/public.conf"
"$LL_BIN" -c "$WORK/public.conf" check-config >"$WORK/public.out" 2>&1
ok $? "... accepted with public = true"
