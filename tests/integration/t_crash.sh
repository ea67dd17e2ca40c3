# kill -9 in the middle of a 240-page backfill at two fault points, with
# one request in flight and with four: the rerun resumes at the right page
# and ends with exactly the simulator's records, none twice.
. "$LL_ROOT/tests/integration/harness.sh"

PAGE_SIZE=10
for conc in 1 4; do
for point in page_after_upsert after_commit_before_fetch; do
	T_DB=ll_${T_NAME}_${point}_$conc
	setup_site --dataset small --seed 9
	sed -i "s/page_size = 10;/page_size = 10; concurrency = $conc;/" "$CONF"
	label="$point (concurrency $conc)"
	# employees: 2 pages; customers: 150 pages; then jobs page 37 (of 240).
	LEADLEDGER_FAULT=$point:189 "${LL[@]}" sync >>"$WORK/ll.log" 2>&1
	eq "$?" 137 "$label: killed by SIGKILL at jobs page 37"
	CURSOR=$(sql "SELECT cursor FROM sync_state WHERE stream = 'jobs'")
	if [ "$point" = page_after_upsert ]; then
		eq "$CURSOR" 37 "$label: the page in flight was rolled back (next page: 37)"
		eq "$(table_count jobs)" 360 "$label: 36 committed pages of jobs"
	else
		eq "$CURSOR" 38 "$label: page 37 committed (next page: 38)"
		eq "$(table_count jobs)" 370 "$label: 37 committed pages of jobs"
	fi
	sim_get "/_sim/log?clear=1" >/dev/null
	"${LL[@]}" sync >>"$WORK/ll.log" 2>&1
	ok $? "$label: the rerun succeeds"
	FIRST=$(sim_get /_sim/log | grep 'GET /jobs?' | head -1)
	check "$label: rerun resumes at page $CURSOR ($FIRST)" grep -q "page=$CURSOR&" <<<"$FIRST"
	eq "$(table_count jobs)" 2400 "$label: exactly the simulator's job count"
	eq "$(sql "SELECT count(*) FROM (SELECT external_id FROM jobs GROUP BY 1 HAVING count(*) > 1) d")" 0 \
		"$label: no duplicate external ids"
	eq "$(sql "SELECT count(*) FROM sync_runs WHERE status = 'interrupted' AND error LIKE 'interrupted%'")" 1 \
		"$label: the killed run is recorded as interrupted"
	report_matches 2019-01-01 2027-12-31 "$label: exact totals"
	sim_stop
done
done
