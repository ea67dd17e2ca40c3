# The vault ciphertext parser under libFuzzer for a short, bounded time.
. "$LL_ROOT/tests/integration/harness.sh"

if ! command -v clang >/dev/null; then
	ok 1 "clang is needed for the fuzz target"
	exit 0
fi
timeout 120 "$LL_ROOT/tests/fuzz/run.sh" "$WORK" "${LL_FUZZ_SECONDS:-20}" >"$WORK/fuzz.out" 2>&1
ok $? "libFuzzer on the ciphertext parser: no crash, leak or UB in ${LL_FUZZ_SECONDS:-20} s"
sed 's/^/# /' "$WORK/fuzz.out"
