# Faults from the simulator: 429s and 5xx at 5%, bursts, truncated bodies,
# Retry-After honoured, a rate limit beyond the budget ends the run with its
# checkpoint, 401 is not retried and marks the integration.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 7 --fail-429-pct 5 --fail-5xx-pct 5
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "backfill with 5% 429s and 5% 503s succeeds"
STATS=$(sim_get /_sim/stats)
ge "$(echo "$STATS" | jq '.served_429 + .served_5xx')" 1 "the simulator did inject faults"
eq "$(sql "SELECT sum(http_429) FROM sync_runs")" "$(echo "$STATS" | jq .served_429)" "sync_runs counts every 429"
eq "$(table_count jobs)" 2400 "exact job count"
report_matches 2019-01-01 2027-12-31 "exact totals despite faults"

# Retry-After is a minimum: with 429s that ask for 2 s, retries wait >= 2 s.
sim_get "/_sim/config?fail_429_pct=0&fail_5xx_pct=0&burst_5xx=5&retry_after=2" >/dev/null
sim_get "/_sim/mutate?jobs=5&seed=21" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "five 503s in a row, then success"
ge "$(sql "SELECT sum(retries) FROM sync_runs WHERE id > 4")" 5 "each 503 was retried"
sim_get "/_sim/config?fail_429_pct=100&retry_after=2" >/dev/null
START=$(date +%s)
sed -i 's/retry_budget = 120;/retry_budget = 3;/' "$CONF"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
RC=$?
ELAPSED=$(( $(date +%s) - START ))
eq "$RC" 1 "a rate limit beyond the retry budget ends the run with exit 1"
ge "$ELAPSED" 2 "Retry-After: 2 was honoured before giving up"
eq "$(sql "SELECT status FROM sync_runs WHERE stream = 'employees' ORDER BY id DESC LIMIT 1")" partial "the run is recorded as partial"
check "the error says rate limited" sh -c "psql -XAtq -d '$T_DB' -c \"SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1\" | grep -q 'HTTP 429'"
sim_get "/_sim/config?fail_429_pct=0" >/dev/null
sed -i 's/retry_budget = 3;/retry_budget = 120;/' "$CONF"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run succeeds"
report_matches 2019-01-01 2027-12-31 "exact totals after the rate-limited run"

# Truncated bodies (connection dropped mid-body) are retried.
sim_get "/_sim/config?truncate_pct=30" >/dev/null
sim_get "/_sim/mutate?jobs=30&seed=22" >/dev/null
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
ok $? "full sweep with 30% truncated bodies succeeds"
sim_get "/_sim/config?truncate_pct=0" >/dev/null
report_matches 2019-01-01 2027-12-31 "exact totals after truncated bodies"
eq "$(sql "SELECT count(*) FROM (SELECT external_id FROM jobs GROUP BY 1 HAVING count(*) > 1) d")" 0 "no duplicate external ids"

# An oversized body is cut off at the cap and the checkpoint stays.
sed -i 's/retry_budget = 120;/retry_budget = 120; max_body_bytes = 1048576;/' "$CONF"
sim_get "/_sim/config?oversize_mb=200" >/dev/null
CURSOR_BEFORE=$(sql "SELECT cursor FROM sync_state WHERE stream = 'employees'")
/usr/bin/time -f '%M' -o "$WORK/oversize.rss" "${LL[@]}" sync >"$WORK/oversize.out" 2>&1
eq "$?" 1 "a 200 MiB body fails the run"
RSS_MB=$(( $(tail -1 "$WORK/oversize.rss") / 1024 ))
le "$RSS_MB" 150 "cut off without the memory growing (peak RSS ${RSS_MB} MiB for a 200 MiB body)"
check "the error names the cap" grep -q "larger than 1048576 bytes" "$WORK/oversize.out"
eq "$(sql "SELECT cursor FROM sync_state WHERE stream = 'employees'")" "$CURSOR_BEFORE" "checkpoint unchanged"
sim_get "/_sim/config?oversize_mb=0" >/dev/null
sed -i 's/ max_body_bytes = 1048576;//' "$CONF"

# A server that stalls is abandoned at the configured timeout and retried;
# past the retry budget the run ends with its checkpoint.
sed -i 's/timeout = 20;/timeout = 1;/; s/retry_budget = 120;/retry_budget = 4;/' "$CONF"
sim_get "/_sim/config?slow_ms=5000" >/dev/null
START=$(date +%s)
"${LL[@]}" sync >"$WORK/stall.out" 2>&1
eq "$?" 1 "a stalled server fails the run"
le "$(( $(date +%s) - START ))" 15 "abandoned within the timeout and budget"
check "the error says timeout" grep -q "Timeout was reached" "$WORK/stall.out"
sim_get "/_sim/config?slow_ms=0" >/dev/null
sed -i 's/timeout = 1;/timeout = 20;/; s/retry_budget = 4;/retry_budget = 120;/' "$CONF"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run succeeds"

# 401: one request, no retries, the integration needs attention, and the
# next run makes no request at all until the credentials change.
CT_BAD=$(encrypt_key "$WORK/keyring" acme "wrong-key")
sed -i "s|api_key = \"[^\"]*\"|api_key = \"$CT_BAD\"|" "$CONF"
sim_get "/_sim/log?clear=1" >/dev/null
"${LL[@]}" sync >"$WORK/401.out" 2>&1
eq "$?" 1 "a refused key fails the sync"
eq "$(sim_get /_sim/log | grep -c GET)" 1 "401 is not retried: exactly one request"
eq "$(sql "SELECT needs_attention FROM site_integrations")" t "the integration needs attention"
"${LL[@]}" sync >>"$WORK/401.out" 2>&1
eq "$(sim_get /_sim/log | grep -c GET)" 1 "no request while it needs attention"
check "status shows it" sh -c "'$LL_BIN' -c '$CONF' status | grep -q attention"
sed -i "s|api_key = \"[^\"]*\"|api_key = \"$CT\"|" "$CONF"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "fixed credentials clear the attention flag and sync again"
