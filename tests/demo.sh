#!/usr/bin/env bash
# The demo: the plumbing company's data from the simulator to a report.
# Usage: demo.sh BUILD_DIR STATE_DIR (run by ./dev demo).
set -euo pipefail
export LL_BUILD=$1
DEMO=$2
mkdir -p "$DEMO"
# shellcheck source=tests/lib.sh
. "$LL_ROOT/tests/lib.sh"

say() { printf '\033[1m== %s\033[0m\n' "$*" >&2; }

say "Housecall Pro simulator: plumbing data set (23,676 jobs, 21,829 customers, 8,174 estimates)"
SIM_KEY=demo-key-$RANDOM$RANDOM
sim_start "$DEMO" --dataset plumbing --api-key "$SIM_KEY"
echo "$SIM_PID" >"$DEMO/hcpsim.pid"

CONN=$(db_create leadledger_demo)
keyring_create "$DEMO"
CT=$(encrypt_key "$DEMO/keyring" patton-plumbing "$SIM_KEY")
LL_BACKOFF_MS=1000 write_config "$DEMO/leadledger.conf" "$CONN" "$DEMO/keyring" <<CONF
sites = (
$(site_block patton-plumbing "$CT" "$SIM_URL")
);
CONF
LL=("$LL_BIN" -c "$DEMO/leadledger.conf")

say "leadledger migrate"
"${LL[@]}" migrate
say "leadledger sync (first sync: full backfill)"
time "${LL[@]}" sync
say "leadledger report --site patton-plumbing --days 30"
"${LL[@]}" report --site patton-plumbing --days 30
say "leadledger report --site patton-plumbing --days 365 --unknown"
"${LL[@]}" report --site patton-plumbing --days 365 --unknown

say "starting leadledgerd"
"$LLD_BIN" -c "$DEMO/leadledger.conf" </dev/null >>"$DEMO/leadledgerd.log" 2>&1 &
echo $! >"$DEMO/leadledgerd.pid"
cat <<MSG

Running:
  simulator   $SIM_URL  (pid $(cat "$DEMO/hcpsim.pid"))
  leadledgerd pid $(cat "$DEMO/leadledgerd.pid"), log $DEMO/leadledgerd.log
  PostgreSQL  socket $PGHOST, database leadledger_demo
Try:
  ${LL[*]} status
  ${LL[*]} report --site patton-plumbing --days 90 --format json
Dashboard: not built yet (issue "Dashboard and HTTP API").
Stop everything with: ./dev stop
MSG
