# Full sweeps delete only what they prove gone.  Against the simulator: an
# empty page, a short page, a page of one job repeated, an empty last page,
# jobs hard-deleted in the CRM while the sweep pages through, look-ups that
# answer 404 for everything, more missing records than look-ups allowed,
# estimates (no look-up by id: two complete sweeps must miss them), and
# kill -9 between look-up batches.  After each: no live record deleted,
# and the report equals the simulator's own totals.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 31
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "backfill"

last_jobs_run() { # COLUMNS: of the latest jobs run
	sql "SELECT $1 FROM sync_runs WHERE stream = '${2:-jobs}' ORDER BY id DESC LIMIT 1"
}
# Rows marked vanished that the simulator still has: must always be 0.
live_vanished() {
	local hidden
	hidden=$(sim_get /_sim/hidden | jq -r '[.jobs[], .estimates[]] | map("'"'"'" + . + "'"'"'") | join(",")')
	sql "SELECT count(*) FROM (SELECT external_id FROM jobs WHERE vanished_at IS NOT NULL
	     UNION ALL SELECT external_id FROM estimates WHERE vanished_at IS NOT NULL
	     UNION ALL SELECT external_id FROM customers WHERE vanished_at IS NOT NULL) v
	     WHERE external_id NOT IN (${hidden:-''})"
}
hidden_jobs() { sim_get /_sim/hidden | jq '.jobs | length'; }
vanished_jobs() { sql "SELECT count(*) FROM jobs WHERE vanished_at IS NOT NULL"; }
hostile_sweep() { # KIND PAGE: a full sweep that meets a hostile page; exit status in RC
	sim_get "/_sim/config?hostile=$1&hostile_page=$2" >/dev/null
	"${LL[@]}" sync --full >"$WORK/$1-$2.out" 2>&1
	RC=$?
	sim_get "/_sim/config?hostile=&hostile_page=0" >/dev/null
}

# --- a listing that is not what its counts promise ---
hostile_sweep empty 5
eq "$RC" 1 "an empty page 5 of 24 fails the sweep instead of ending it"
check "... naming the page and the CRM's count" grep -q \
	"jobs page 5 of 24 holds 0 records, not 100, although the CRM counts 2400" "$WORK/empty-5.out"
eq "$(vanished_jobs)" 0 "... and deletes nothing"
eq "$(sql "SELECT cursor FROM sync_state WHERE stream = 'jobs'")" 5 "... its checkpoint stays at page 5"
report_matches 2019-01-01 2027-12-31 "after an empty page"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run resumes the sweep at page 5 and completes it"
eq "$(last_jobs_run "mode || ' ' || first_cursor || ' ' || rows_vanished")" "full 5 0" "... deleting nothing"

hostile_sweep short 7
eq "$RC" 1 "a short page 7 of 24 fails the sweep"
check "... saying so" grep -q "jobs page 7 of 24 holds 50 records, not 100" "$WORK/short-7.out"
eq "$(vanished_jobs)" 0 "... and deletes nothing"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run completes the sweep"

hostile_sweep duplicate_ids 3
eq "$RC" 0 "a page holding one job 100 times: the sweep completes"
eq "$(vanished_jobs)" 0 "... no job is deleted"
eq "$(last_jobs_run "sweep_unseen || ' ' || sweep_recovered || ' ' || rows_vanished")" "99 99 0" \
	"... the 99 jobs it did not list were looked up by id, found and kept"
eq "$(sql "SELECT sweep_again FROM sync_state WHERE stream = 'jobs'")" t "... and the next run sweeps again"
report_matches 2019-01-01 2027-12-31 "after a page of duplicates"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
eq "$(last_jobs_run "mode || ' ' || rows_vanished")" "full 0" "the next run is that sweep"
eq "$(sql "SELECT sweep_again FROM sync_state WHERE stream = 'jobs'")" f "... and a clean sweep clears the request"

hostile_sweep empty 24
eq "$RC" 0 "an empty last page: the sweep ends there"
eq "$(last_jobs_run "rows_vanished || ' ' || sweep_recovered")" "0 100" \
	"... and the 100 jobs it did not list are found by id, none deleted"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1

# --- the realistic one: hard deletes in the CRM while the sweep pages ---
sim_get "/_sim/config?vanish_on_page=12&vanish_jobs=30&vanish_seed=5" >/dev/null
"${LL[@]}" sync --full >"$WORK/realistic.out" 2>&1
ok $? "30 jobs hard-deleted in the CRM while the sweep is at page 12: the sweep completes"
HIDDEN=$(hidden_jobs)
eq "$(live_vanished)" 0 "... no live job is deleted"
REC=$(last_jobs_run sweep_recovered)
ge "$REC" 1 "... live jobs the shifted pages slipped past are found by id and kept"
eq "$(sql "SELECT sweep_again FROM sync_state WHERE stream = 'jobs'")" t \
	"... and since the CRM deleted jobs the sweep had listed, the next run sweeps again"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the next run sweeps again"
eq "$(vanished_jobs)" "$HIDDEN" "... and every hard-deleted job ($HIDDEN) is gone"
eq "$(live_vanished)" 0 "... still no live job deleted"
report_matches 2019-01-01 2027-12-31 "after deletions during a sweep"
read -r FROM TO < <("${LL[@]}" report --site acme --days 30 --format json | jq -r '"\(.from) \(.to)"')
report_matches "$FROM" "$TO" "the last 30 days after deletions during a sweep"
eq "$("${LL[@]}" status --format json | jq '[.[] | select(.stream == "jobs")][0].jobs')" $((2400 - HIDDEN)) \
	"status counts live jobs, not vanished ones"

# --- look-ups that prove nothing ---
sim_get "/_sim/vanish?jobs=5&seed=41" >/dev/null
sim_get "/_sim/config?lookup_status=404" >/dev/null
HIDDEN=$(hidden_jobs)
BEFORE=$(vanished_jobs)
"${LL[@]}" sync --full >"$WORK/lookup404.out" 2>&1
eq "$?" 1 "look-ups that answer 404 even for listed jobs: the run is flagged (exit 1)"
eq "$(last_jobs_run rows_vanished)" 0 "... and nothing is deleted on their word"
check "... the flag says why" sh -c "psql -XAtq -d '$T_DB' -c \"SELECT flag FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1\" | grep -q '^look-ups by id prove nothing'"
check "... the summary line says flagged" grep -q "acme/housecallpro jobs: flagged, 24 pages" "$WORK/lookup404.out"
check "... and status shows it" sh -c "'$LL_BIN' -c '$CONF' status | grep -q 'success: look-ups by id prove nothing'"
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(vanished_jobs)" "$HIDDEN" "a second complete sweep missing the same jobs deletes them (two-sweep rule)"
eq "$(live_vanished)" 0 "... and no live job"
sim_get "/_sim/config?lookup_status=0" >/dev/null

# --- more missing records than look-ups allowed ---
sed -i 's/page_size = 100;/page_size = 100; sweep_confirm_max = 10;/' "$CONF"
sim_get "/_sim/vanish?jobs=25&seed=42" >/dev/null
HIDDEN=$(hidden_jobs)
BEFORE=$(vanished_jobs)
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(( $(vanished_jobs) - BEFORE ))" 10 "25 jobs gone, 10 look-ups allowed: 10 proven gone and deleted"
check "... the flag says the rest are kept" sh -c "psql -XAtq -d '$T_DB' -c \"SELECT flag FROM sync_runs WHERE stream = 'jobs' ORDER BY id DESC LIMIT 1\" | grep -q 'more than the 10 it looks up by id'"
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(vanished_jobs)" "$HIDDEN" "the next sweep proves the rest gone"
eq "$(live_vanished)" 0 "... and no live job"
sed -i 's/ sweep_confirm_max = 10;//' "$CONF"
report_matches 2019-01-01 2027-12-31 "after bounded look-ups"

# --- estimates: no look-up by id, so two complete sweeps must miss them ---
sim_get "/_sim/vanish?estimates=3&seed=50" >/dev/null
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(last_jobs_run "sweep_unseen || ' ' || rows_vanished" estimates)" "3 0" \
	"3 estimates missing from one sweep: not deleted yet"
sim_get "/_sim/restore" >/dev/null
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(sql "SELECT count(*) FROM estimates WHERE vanished_at IS NOT NULL OR missed_sweeps > 0")" 0 \
	"... back in the next sweep: never deleted, and no longer counted as missed"
sim_get "/_sim/vanish?estimates=4&seed=51" >/dev/null
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
"${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$(sql "SELECT count(*) FROM estimates WHERE vanished_at IS NOT NULL")" \
	"$(sim_get /_sim/hidden | jq '.estimates | length')" "4 estimates missing from two complete sweeps: deleted"
eq "$(live_vanished)" 0 "no live record deleted along the way"

# --- kill -9 between look-up batches (fault points: the sanitizer build) ---
[ "${LL_VALGRIND:-0}" = 1 ] && exit 0
sim_get "/_sim/vanish?jobs=130&seed=60" >/dev/null
HIDDEN=$(hidden_jobs)
LEADLEDGER_FAULT=sweep_batch_committed:1 "${LL[@]}" sync --full >>"$WORK/ll.log" 2>&1
eq "$?" 137 "killed after the first batch of look-ups"
eq "$(live_vanished)" 0 "... no live job deleted"
"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
ok $? "the rerun resumes the sweep and finishes the look-ups"
eq "$(vanished_jobs)" "$HIDDEN" "... every vanished job is gone"
eq "$(sql "SELECT count(*) FROM sync_runs WHERE status = 'interrupted'")" 1 "... and the killed run is recorded as interrupted"
report_matches 2019-01-01 2027-12-31 "after kill -9 during look-ups"
eq "$(sql "SELECT count(*) FROM sync_state WHERE run_mode IS NOT NULL")" 0 "no run left in flight"
