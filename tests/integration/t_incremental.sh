# Incremental syncs: only changed pages are fetched and the report follows;
# deletions, silent changes caught by a full sweep, records vanishing,
# ties on updated_at across page boundaries, a record changing mid-sync.
. "$LL_ROOT/tests/integration/harness.sh"

# The 250 most recent updates share one updated_at: they straddle pages.
setup_site --dataset small --seed 5 --ties 250
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "backfill"
read -r FROM TO < <("${LL[@]}" report --site acme --days 30 --format json | jq -r '"\(.from) \(.to)"')

# 1% of jobs change: at most ceil(changed/page_size) + 1 requests for jobs.
sim_get "/_sim/log?clear=1" >/dev/null
sim_get "/_sim/mutate?jobs=24&seed=11" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "incremental sync after 24 jobs changed"
JOB_REQS=$(sim_requests 'GET /jobs?')
le "$JOB_REQS" 4 "jobs requests: changed rows plus the 250 tied rows re-read within the overlap"
eq "$(sim_requests 'sort_by=updated_at&sort_direction=desc')" "$(sim_requests 'sort_by=')" "incremental pages sort by updated_at descending"
eq "$(table_count jobs)" 2400 "no job lost or duplicated"
ge "$(sql "SELECT records_fetched FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")" 274 \
	"the tied rows were all re-read across the page boundary"
eq "$(sql "SELECT rows_updated FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")" 24 \
	"only the changed rows count as updated: re-read rows that did not change are not rewritten"
eq "$(sql "SELECT rows_updated FROM sync_runs WHERE stream = 'customers' ORDER BY id DESC LIMIT 1")" 0 \
	"an incremental run over unchanged customers updates nothing"
report_matches "$FROM" "$TO" "after changes"
report_matches 2019-01-01 2027-12-31 "all time after changes"

# Deleted jobs (pro canceled + deleted_at) stop counting.
sim_get "/_sim/delete?jobs=30&seed=12" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "incremental sync after deletions"
report_matches 2019-01-01 2027-12-31 "deleted jobs no longer count"
eq "$(sql "SELECT count(*) FROM jobs WHERE deleted")" "$(sql "SELECT count(*) FROM jobs WHERE raw->>'deleted_at' IS NOT NULL")" "deleted flag follows deleted_at"

# A record changing while the client pages is not lost: the simulator moves
# the oldest job to the front when page 2 is served.
sim_get "/_sim/config?mutate_on_page=2" >/dev/null
PAGE_SIZE=10
sed -i 's/page_size = 100;/page_size = 10;/' "$CONF"
sim_get "/_sim/mutate?jobs=40&seed=13" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "incremental sync with a record changing mid-sync"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next incremental sync"
report_matches 2019-01-01 2027-12-31 "the record changed mid-sync is not lost"

# Silent changes (updated_at not bumped) and vanished records need a full sweep.
sim_get "/_sim/silent?jobs=20&seed=14" >/dev/null
sim_get "/_sim/vanish?jobs=7&seed=15" >/dev/null
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
ok $? "full sweep"
report_matches 2019-01-01 2027-12-31 "full sweep catches silent changes and vanished records"
eq "$(sql "SELECT count(*) FROM jobs WHERE vanished_at IS NOT NULL")" 7 "vanished jobs are soft-deleted, not removed"
eq "$(table_count jobs)" 2400 "their rows stay"
eq "$(sql "SELECT rows_vanished FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1")" 7 "sync_runs counts them"
eq "$(sql "SELECT count(*) FROM sync_state WHERE watermark IS NULL OR run_mode IS NOT NULL")" 0 \
	"every stream has a watermark and no run in flight"
