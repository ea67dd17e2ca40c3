# Integration test harness: TAP-style checks, a work directory, a database,
# a keyring and the simulator, all cleaned up on exit.
# shellcheck source=tests/lib.sh
. "$LL_ROOT/tests/lib.sh"
set -u

T_NAME=$(basename "$0" .sh)
WORK=$LL_STATE/work/$T_NAME
rm -rf "$WORK"
mkdir -p "$WORK"
T_N=0
T_DB=ll_${T_NAME}
SIM_KEY=sim-key-$RANDOM$RANDOM

cleanup() {
	sim_stop
	jobber_stop
	st_stop
	[ -n "${LLD_PID:-}" ] && kill -9 "$LLD_PID" 2>/dev/null
	return 0
}
trap cleanup EXIT

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	T_N=$((T_N + 1))
	if [ "$1" -eq 0 ]; then echo "ok $T_N - $2"; else echo "not ok $T_N - $2"; fi
}
check() { # check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@" >>"$WORK/check.log" 2>&1; then ok 0 "$d"; else ok 1 "$d"; fi
}
eq() { # eq ACTUAL EXPECTED DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3 (got '$1', want '$2')"; fi
}
le() { # le ACTUAL LIMIT DESCRIPTION
	if [ "$1" -le "$2" ]; then ok 0 "$3 ($1 <= $2)"; else ok 1 "$3 (got $1, limit $2)"; fi
}
ge() {
	if [ "$1" -ge "$2" ]; then ok 0 "$3 ($1 >= $2)"; else ok 1 "$3 (got $1, want >= $2)"; fi
}

sql() { psql -XAtq -d "$T_DB" -c "$1"; }

# setup_site [hcpsim args...]: simulator, database, keyring, config for one
# elite site "acme" (page size $PAGE_SIZE, default 100); sets LL and CONF.
setup_site() {
	sim_start "$WORK" --api-key-file "$(sim_key_file "$WORK" "$SIM_KEY")" "$@"
	CONN=$(db_create "$T_DB")
	keyring_create "$WORK"
	CT=$(encrypt_key "$WORK/keyring" acme "$SIM_KEY")
	CONF=$WORK/leadledger.conf
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(site_block acme "$CT" "$SIM_URL" "${PAGE_SIZE:-100}")
);
CONF
	LL=("$LL_BIN" -c "$CONF")
	"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
}

# report_matches FROM TO DESCRIPTION [SITE TZ ORACLE]: leadledger's report
# equals the simulator's (by default acme, America/Chicago, hcpsim).
report_matches() {
	local got want site=${4:-acme} tz=${5:-America/Chicago} oracle=${6:-sim_get}
	got=$("${LL[@]}" report --site "$site" --from "$1" --to "$2" --format json 2>>"$WORK/ll.log" |
		jq -cS '{cats: ([.categories[] | {(.category): [.jobs, .revenue_cents]}] | add), total: [.total.jobs, .total.revenue_cents]}')
	want=$("$oracle" "/_sim/expected?from=$1&to=$2&tz=$tz" |
		jq -cS '{cats: ([.categories | to_entries[] | {(.key): [.value.jobs, .value.revenue_cents]}] | add), total: [.total.jobs, .total.revenue_cents]}')
	if [ -n "$got" ] && [ "$got" = "$want" ]; then
		ok 0 "$3: report $1..$2 equals the simulator's totals"
	else
		ok 1 "$3: report $1..$2 differs: got $got want $want"
	fi
}

# setup_jobber [jobbersim args...]: the Jobber simulator, a database, a
# keyring and a configuration for one elite site "green" on Jobber; sets
# LL and CONF.
setup_jobber() {
	jobber_start "$WORK" "$@" || return 1
	CONN=$(db_create "$T_DB")
	keyring_create "$WORK"
	CONF=$WORK/leadledger.conf
	REDIRECT_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(jobber_block green "$WORK/keyring" "http://127.0.0.1:$REDIRECT_PORT/oauth/callback" "${PAGE_SIZE:-100}")
);
CONF
	LL=("$LL_BIN" -c "$CONF")
	"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
}

# jobber_matches FROM TO DESCRIPTION: the report of "green" equals jobbersim's.
jobber_matches() { report_matches "$1" "$2" "$3" green America/New_York jobber_get; }

# setup_st [stsim args...]: the ServiceTitan simulator, a database, a
# keyring and a configuration for one elite site "summit" on ServiceTitan;
# sets LL and CONF.
setup_st() {
	st_start "$WORK" "$@" || return 1
	CONN=$(db_create "$T_DB")
	keyring_create "$WORK"
	CONF=$WORK/leadledger.conf
	write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(st_block summit "$WORK/keyring" "${PAGE_SIZE:-500}")
);
CONF
	LL=("$LL_BIN" -c "$CONF")
	"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
}

# st_matches FROM TO DESCRIPTION: the report of "summit" equals stsim's.
st_matches() { report_matches "$1" "$2" "$3" summit America/Chicago st_get; }

# sim_requests PATTERN: API requests in the simulator log matching PATTERN.
sim_requests() { sim_get "/_sim/log" | grep -c -- "$1" || true; }

table_count() { sql "SELECT count(*) FROM $1"; }
