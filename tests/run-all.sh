#!/usr/bin/env bash
# Run every test: unit tests (make check) and integration tests against the
# private PostgreSQL and the simulator.  Called by ./dev test, which sets
# LL_BUILD, LL_ROOT and PGHOST.  Prints one line per test file and the
# closing "N passed, N failed".  With names (t_hostile ...), only those
# integration tests run.
set -u
: "${LL_BUILD:?}" "${LL_ROOT:?}" "${PGHOST:?}"
LOGS=$LL_STATE/test-logs
export LSAN_OPTIONS=suppressions=$LL_ROOT/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
rm -rf "$LOGS"
mkdir -p "$LOGS"
passed=0 failed=0

VG=(valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite
    --show-leak-kinds=definite --suppressions="$LL_ROOT/tests/valgrind.supp")
if [ "${LL_VALGRIND:-0}" = 1 ]; then
	# Integration tests run the programs through valgrind; exit 99 means an
	# error or a definite leak, and fails whichever check ran them.
	mkdir -p "$LOGS/vg-bin"
	for prog in leadledger leadledgerd; do
		printf '#!/bin/sh\nexec %s --log-file=%s/vg.%%p.log %s "$@"\n' "${VG[*]}" "$LOGS" \
			"$LL_BUILD/$prog" >"$LOGS/vg-bin/$prog"
		chmod +x "$LOGS/vg-bin/$prog"
	done
	export LL_BIN_WRAPPED=$LOGS/vg-bin/leadledger LLD_BIN_WRAPPED=$LOGS/vg-bin/leadledgerd
	UNIT_ARGS=(LOG_COMPILER=valgrind "AM_LOG_FLAGS=${VG[*]:1}")
	UNIT_LABEL="make check under valgrind"
	# Timing-bound tests (the daemon's schedules, crash points compiled only
	# into the sanitizer build, fuzzing) and the browser test (its subject is
	# the dashboard's JavaScript) run in the default suite only.
	SKIP="t_daemon t_crash t_fuzz t_browser"
else
	UNIT_ARGS=()
	UNIT_LABEL="make check, ASan+UBSan"
	SKIP=""
fi

ONLY=" $* "
[ $# -gt 0 ] && echo "== only: $*"
if [ $# -eq 0 ]; then
echo "== unit tests ($UNIT_LABEL)"
if make -C "$LL_BUILD" -j"$(nproc)" check "${UNIT_ARGS[@]}" >"$LOGS/unit.log" 2>&1; then
	echo "ok   unit tests"
else
	echo "FAIL unit tests (see $LOGS/unit.log)"
	grep -h -E "FAILED|ERROR|Assert|LINE" "$LL_BUILD"/tests/unit/*.log 2>/dev/null | head -20
fi
n=$(grep -c '^PASS:' "$LOGS/unit.log" || true)
f=$(grep -c -E '^(FAIL|ERROR):' "$LOGS/unit.log" || true)
grep -q 'Error [0-9]' "$LOGS/unit.log" && [ "$f" -eq 0 ] && f=1
passed=$((passed + n)) failed=$((failed + f))
fi

# The slowest file takes about two minutes (ten under valgrind).
TEST_TIMEOUT=${LL_TEST_TIMEOUT:-$([ "${LL_VALGRIND:-0}" = 1 ] && echo 2400 || echo 900)}
echo "== integration tests (PostgreSQL $(psql -XAtc 'show server_version' postgres 2>/dev/null), simulator)"
for t in "$LL_ROOT"/tests/integration/t_*.sh; do
	name=$(basename "$t" .sh)
	[ $# -gt 0 ] && case $ONLY in *" $name "*) ;; *) continue ;; esac
	case " $SKIP " in *" $name "*) echo "skip $name (not under valgrind)"; continue ;; esac
	start=$(date +%s)
	# A hung test fails by itself instead of holding up the run (and CI).
	timeout --kill-after=10 "$TEST_TIMEOUT" bash "$t" >"$LOGS/$name.log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "not ok - $name did not finish within $TEST_TIMEOUT s" >>"$LOGS/$name.log"
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
if [ "${LL_VALGRIND:-0}" = 1 ]; then
	errs=$(cat "$LOGS"/vg.*.log 2>/dev/null | grep -c 'ERROR SUMMARY: [1-9]\|definitely lost: [1-9]' || true)
	echo "== valgrind: $(ls "$LOGS"/vg.*.log 2>/dev/null | wc -l) program runs, $errs with errors or definite leaks"
	[ "$errs" -eq 0 ] || failed=$((failed + 1))
fi

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
