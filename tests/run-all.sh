#!/usr/bin/env bash
# Run every test: unit tests (make check) and integration tests against the
# private PostgreSQL and the simulator.  Called by ./dev test, which sets
# LL_BUILD, LL_ROOT and PGHOST.  Prints one line per test file and the
# closing "N passed, N failed".
set -u
: "${LL_BUILD:?}" "${LL_ROOT:?}" "${PGHOST:?}"
LOGS=$LL_STATE/test-logs
export LSAN_OPTIONS=suppressions=$LL_ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0 failed=0

echo "== unit tests (make check, ASan+UBSan)"
if make -C "$LL_BUILD" -j"$(nproc)" check >"$LOGS/unit.log" 2>&1; then
	echo "ok   unit tests"
else
	echo "FAIL unit tests (see $LOGS/unit.log)"
	grep -h -E "FAILED|ERROR|Assert|LINE" "$LL_BUILD"/tests/unit/*.log 2>/dev/null | head -20
fi
n=$(grep -c '^PASS:' "$LOGS/unit.log" || true)
f=$(grep -c -E '^(FAIL|ERROR):' "$LOGS/unit.log" || true)
grep -q 'Error [0-9]' "$LOGS/unit.log" && [ "$f" -eq 0 ] && f=1
passed=$((passed + n)) failed=$((failed + f))

echo "== integration tests (PostgreSQL $(psql -XAtc 'show server_version' postgres 2>/dev/null), simulator)"
for t in "$LL_ROOT"/tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	start=$(date +%s)
	bash "$t" >"$LOGS/$name.log" 2>&1
	rc=$?
	n=$(grep -c '^ok ' "$LOGS/$name.log" || true)
	f=$(grep -c '^not ok ' "$LOGS/$name.log" || true)
	[ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1
	passed=$((passed + n)) failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		printf 'ok   %-22s %3d checks  %4ds\n' "$name" "$n" $(( $(date +%s) - start ))
	else
		printf 'FAIL %-22s %3d ok, %d failed (see %s)\n' "$name" "$n" "$f" "$LOGS/$name.log"
		grep -E '^not ok|^#' "$LOGS/$name.log" | head -15
	fi
done
# The reliability summary: each fault with what must happen and what did.
echo
echo "== reliability: fault, expected outcome, observed"
printf '%-8s %s\n' observed "fault: expected outcome"
for name in t_faults t_hostile t_crash t_daemon; do
	[ -f "$LOGS/$name.log" ] || continue
	sed -n -e 's/^ok [0-9]* - /ok       /p' -e 's/^not ok [0-9]* - /FAILED   /p' "$LOGS/$name.log"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
