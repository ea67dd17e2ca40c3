#!/usr/bin/env bash
# Build and run the libFuzzer targets with clang (ASan+UBSan).
# Usage: run.sh WORKDIR SECONDS.  Crashers are left in WORKDIR and fail the run;
# copy them under tests/fuzz/corpus/<target>/ as regression inputs.
set -euo pipefail
WORK=$1 SECONDS_EACH=$2
ROOT=${LL_ROOT:?}
mkdir -p "$WORK"
CFLAGS="-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all"
# shellcheck disable=SC2046
clang $CFLAGS -I"$ROOT/core" -I"$ROOT/include" $(pkg-config --cflags libsodium) \
	-o "$WORK/fuzz_vault_parse" "$ROOT/tests/fuzz/fuzz_vault_parse.c" "$ROOT/core/vault.c" \
	$(pkg-config --libs libsodium)
mkdir -p "$WORK/corpus-vault_parse"
cp "$ROOT"/tests/fuzz/corpus/vault_parse/* "$WORK/corpus-vault_parse/"
cd "$WORK"
./fuzz_vault_parse -max_total_time="$SECONDS_EACH" -max_len=4096 -print_final_stats=1 \
	"$WORK/corpus-vault_parse" 2>"$WORK/fuzz_vault_parse.log"
tail -3 "$WORK/fuzz_vault_parse.log"
