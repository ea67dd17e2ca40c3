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
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
api = { listen = "127.0.0.1:0"; dashboard = "$LL_ROOT/dashboard"; };
sites = (
$(site_block acme "$CT" "$SIM_URL" 200)
);
CONF
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the demo data set synced"
TOKEN=$("${LL[@]}" token create --site acme 2>>"$WORK/ll.log")
"$LLD_BIN" -c "$CONF" >>"$WORK/leadledgerd.log" 2>&1 &
LLD_PID=$!
for _ in $(seq 1 150); do
	grep -q 'api: listening on' "$WORK/leadledgerd.log" && break
	sleep 0.2
done
PORT=$(sed -n 's/.*api: listening on .* (port \([0-9]*\)).*/\1/p' "$WORK/leadledgerd.log")
ok $? "leadledgerd serves the dashboard on port $PORT"

DASH_URL=http://127.0.0.1:$PORT SITE=acme TOKEN=$TOKEN OUT=$WORK CHROMIUM=/usr/bin/chromium \
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
for shot in laptop phone print; do
	check "screenshot $shot saved" test -s "$WORK/dashboard-$shot.png"
done
kill -TERM "$LLD_PID"
wait "$LLD_PID"
ok $? "leadledgerd stops cleanly"
LLD_PID=
