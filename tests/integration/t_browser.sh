# The dashboard in a real browser: headless Debian chromium driven by
# playwright-core (tests/browser/dashboard.test.mjs) against the demo data
# set, served by leadledgerd.  Screenshots land in the test's work
# directory (.dev/work/t_browser/*.png).
. "$LL_ROOT/tests/integration/harness.sh"

if [ -z "${LL_BROWSER_DIR:-}" ] || ! command -v node >/dev/null || [ ! -x /usr/bin/chromium ]; then
	ok 1 "the browser test needs node, /usr/bin/chromium and playwright-core (./dev test installs them)"
	exit 1
fi
PAGE_SIZE=200 setup_site # the plumbing data set, as in ./dev demo
jobber_start "$WORK" --dataset small
jobber_get "/_sim/config?restore_rate=100000" >/dev/null
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
api = { listen = "127.0.0.1:$PORT"; dashboard = "$LL_ROOT/dashboard"; };
sites = (
$(site_block acme "$CT" "$SIM_URL" 200),
$(jobber_block green "$WORK/keyring" "http://127.0.0.1:$PORT/oauth/callback")
);
CONF
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the demo data sets synced (Housecall Pro and Jobber)"
# Spend for the last thirteen months, so the "worth it" ranking has rows.
demo_spend_csv >"$WORK/spend.csv"
"${LL[@]}" spend import --site acme "$WORK/spend.csv" >>"$WORK/ll.log" 2>&1
ok $? "spend imported for the ranking"
TOKEN=$("${LL[@]}" token create --site acme 2>>"$WORK/ll.log")
TOKEN2=$("${LL[@]}" token create --site green 2>>"$WORK/ll.log")
# As if Jobber had refused the refresh token: the card must say reconnect.
sql "UPDATE site_integrations SET needs_attention = true, needs_reconnect = true,
     attention_reason = 'reconnect: the CRM refused the refresh token' WHERE site_id = 'green'" >/dev/null
"$LLD_BIN" -c "$CONF" >>"$WORK/leadledgerd.log" 2>&1 &
LLD_PID=$!
for _ in $(seq 1 150); do
	grep -q 'api: listening on' "$WORK/leadledgerd.log" && break
	sleep 0.2
done
check "leadledgerd serves the dashboard on port $PORT" grep -q "api: listening on .*$PORT" "$WORK/leadledgerd.log"

DASH_URL=http://127.0.0.1:$PORT SITE=acme TOKEN=$TOKEN JOBBER_SITE=green JOBBER_TOKEN=$TOKEN2 \
	OUT=$WORK CHROMIUM=/usr/bin/chromium \
	timeout 300 node "$LL_BROWSER_DIR/dashboard.test.mjs" >"$WORK/browser.tap" 2>"$WORK/browser.err"
rc=$?
# Renumber the browser's checks into this file's sequence.
while IFS= read -r line; do
	case $line in
	"ok "*) ok 0 "${line#ok * - }" ;;
	"not ok "*) rest=${line#not ok }; ok 1 "${rest#* - }" ;;
	"Bail out!"*) ok 1 "$line" ;;
	esac
done <"$WORK/browser.tap"
ok "$rc" "the browser test finished (see $WORK/browser.err)"
for shot in dashboard-laptop dashboard-phone dashboard-print trend-day trend-week trend-month jobber-reconnect \
	worth-laptop worth-phone funnel-phone; do
	check "screenshot $shot saved" test -s "$WORK/$shot.png"
done
eq "$(sql "SELECT needs_reconnect FROM site_integrations WHERE site_id = 'green'")" f "Reconnect in the browser reconnected green"
kill -TERM "$LLD_PID"
wait "$LLD_PID"
ok $? "leadledgerd stops cleanly"
LLD_PID=
