# Each libFuzzer target (ciphertext parser, Housecall Pro page mapper,
# configuration parser) for a short, bounded time.
. "$LL_ROOT/tests/integration/harness.sh"

if ! command -v clang >/dev/null; then
	ok 1 "clang is needed for the fuzz target"
	exit 0
fi
timeout 600 "$LL_ROOT/tests/fuzz/run.sh" "$WORK" "${LL_FUZZ_SECONDS:-20}" "${LL_FUZZ_SEED:-1}" >"$WORK/fuzz.out" 2>&1
ok $? "libFuzzer targets build and run"
for target in vault_parse hcp_page config; do
	check "fuzz_$target: no crash, leak or UB in ${LL_FUZZ_SECONDS:-20} s" grep -q "^fuzz_$target: ok" "$WORK/fuzz.out"
done
sed 's/^/# /' "$WORK/fuzz.out"
