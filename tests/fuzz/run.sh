#!/usr/bin/env bash
# Build and run the libFuzzer targets with clang (ASan+UBSan), each for
# SECONDS from its seed corpus.  Usage: run.sh WORKDIR SECONDS [SEED].
# ./dev test passes a fixed SEED so that a CI run is repeatable; ./dev fuzz
# leaves it out and explores from a fresh random seed each time.
# A crash fails the run and leaves crash-* in WORKDIR: add it under
# tests/fuzz/corpus/<target>/ as a regression input once fixed.
set -euo pipefail
WORK=$1 SECONDS_EACH=$2 SEED=${3:-0}
ROOT=${LL_ROOT:?}
BUILD=${LL_BUILD:-$LL_STATE/build-test}
mkdir -p "$WORK"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
PKGS="json-c libcurl libpq libconfig libsodium"
# The host library's sources, read from the one list in Makefile.am (not
# the programs' own files), and the generated migrations.
CORE=$(sed -n '/^core_libllcore_la_SOURCES =/,/[^\\]$/p' "$ROOT/Makefile.am" |
	grep -o 'core/[a-z0-9_/]*\.c' | sed "s|^|$ROOT/|")
build() { # build TARGET SOURCES...
	local target=$1; shift
	# shellcheck disable=SC2046,SC2086
	clang $CFLAGS -I"$ROOT/core" -I"$ROOT/include" -I"$BUILD" $(pkg-config --cflags $PKGS) \
		-o "$WORK/$target" "$@" $(pkg-config --libs $PKGS) -ldl
}
build fuzz_vault_parse "$ROOT/tests/fuzz/fuzz_vault_parse.c" "$ROOT/core/vault/vault.c" "$ROOT/core/vault/keyring.c"
# shellcheck disable=SC2086
build fuzz_hcp_page "$ROOT/tests/fuzz/fuzz_hcp_page.c" $CORE "$BUILD/core/store/migrations_sql.c"
# shellcheck disable=SC2086
build fuzz_config "$ROOT/tests/fuzz/fuzz_config.c" $CORE "$BUILD/core/store/migrations_sql.c"
export LSAN_OPTIONS=suppressions=$ROOT/tests/lsan.supp
status=0
for target in vault_parse hcp_page config; do
	rm -rf "$WORK/corpus-$target"
	mkdir -p "$WORK/corpus-$target"
	cp "$ROOT"/tests/fuzz/corpus/$target/* "$WORK/corpus-$target/"
	if (cd "$WORK" && "./fuzz_$target" -max_total_time="$SECONDS_EACH" -max_len=65536 \
		-print_final_stats=1 -seed="$SEED" "$WORK/corpus-$target" 2>"$WORK/fuzz_$target.log"); then
		echo "fuzz_$target: ok, $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/fuzz_$target.log" | grep -o '[0-9]*$') runs"
	else
		echo "fuzz_$target: FAILED (see $WORK/fuzz_$target.log)"
		# The finding itself, so that a CI log shows what broke.
		grep -m1 -A12 -E '^==[0-9]+==ERROR|runtime error|^SUMMARY' "$WORK/fuzz_$target.log" || true
		grep -m1 -E '^Base64: ' "$WORK/fuzz_$target.log" || true
		status=1
	fi
done
exit $status
