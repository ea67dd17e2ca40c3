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
sim_start "$DEMO" --dataset plumbing --api-key-file "$(sim_key_file "$DEMO" "$SIM_KEY")"
echo "$SIM_PID" >"$DEMO/hcpsim.pid"
say "Jobber simulator: a lawn-care company (8,000 jobs, 3,000 clients, 1,500 quotes)"
jobber_start "$DEMO" --dataset lawn
echo "$JOBBER_PID" >"$DEMO/jobbersim.pid"
# Jobber's bucket restores 500 points a second; the simulator's restores
# ten times faster here so the demo's backfill takes seconds, not minutes
# (./dev bench measures the real rate).
jobber_get "/_sim/config?restore_rate=5000" >/dev/null
say "ServiceTitan simulator: an HVAC company (9,000 jobs, 3,000 customers, 2,500 estimates, 21 campaigns)"
st_start "$DEMO" --dataset hvac
echo "$ST_PID" >"$DEMO/stsim.pid"

CONN=$(db_create leadledger_demo)
keyring_create "$DEMO"
CT=$(encrypt_key "$DEMO/keyring" patton-plumbing "$SIM_KEY")
# The dashboard and the metrics on free loopback ports: the usual ones may
# be taken.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
DEMO_PORT=${LL_DEMO_PORT:-$(free_port)}
METRICS_PORT=$(free_port)
LL_BACKOFF_MS=1000 write_config "$DEMO/leadledger.conf" "$CONN" "$DEMO/keyring" <<CONF
api = { listen = "127.0.0.1:$DEMO_PORT"; metrics_listen = "127.0.0.1:$METRICS_PORT";
        dashboard = "$LL_ROOT/dashboard"; };
sites = (
$(site_block patton-plumbing "$CT" "$SIM_URL" 200 elite "Patton Plumbing"),
$(jobber_block greenway-lawn "$DEMO/keyring" "http://127.0.0.1:$DEMO_PORT/oauth/callback" 100 "Greenway Lawn Care"),
$(st_block summit-hvac "$DEMO/keyring" 1000 "Summit Heating & Air")
);
CONF
LL=("$LL_BIN" -c "$DEMO/leadledger.conf")

say "leadledger migrate"
"${LL[@]}" migrate
say "leadledger sync (first sync: full backfill)"
time "${LL[@]}" sync
say "leadledger spend import --site patton-plumbing (a year of marketing spend)"
demo_spend_csv >"$DEMO/spend.csv"
"${LL[@]}" spend import --site patton-plumbing "$DEMO/spend.csv"
say "leadledger report --site patton-plumbing --days 30"
"${LL[@]}" report --site patton-plumbing --days 30
say "leadledger report --site patton-plumbing --days 365 --unknown"
"${LL[@]}" report --site patton-plumbing --days 365 --unknown
say "leadledger report --site greenway-lawn --days 30 (the same report, from Jobber)"
"${LL[@]}" report --site greenway-lawn --days 30
say "leadledger report --site summit-hvac --days 90 --unknown (ServiceTitan: campaigns, their categories)"
"${LL[@]}" report --site summit-hvac --days 90 --unknown

say "leadledger token create --site patton-plumbing, greenway-lawn, summit-hvac"
TOKEN=$("${LL[@]}" token create --site patton-plumbing)
TOKEN2=$("${LL[@]}" token create --site greenway-lawn)
TOKEN3=$("${LL[@]}" token create --site summit-hvac)

say "starting leadledgerd (sync schedule, API and dashboard)"
"$LLD_BIN" -c "$DEMO/leadledger.conf" </dev/null >>"$DEMO/leadledgerd.log" 2>&1 &
echo $! >"$DEMO/leadledgerd.pid"
for _ in $(seq 1 100); do
	grep -q 'api: listening' "$DEMO/leadledgerd.log" && break
	sleep 0.1
done
grep -q 'api: listening' "$DEMO/leadledgerd.log" || { echo "leadledgerd did not start; see $DEMO/leadledgerd.log" >&2; exit 1; }
DASH=http://127.0.0.1:$DEMO_PORT
cat <<MSG

Running:
  simulators  Housecall Pro $SIM_URL (pid $(cat "$DEMO/hcpsim.pid")), Jobber $JOBBER_URL (pid $(cat "$DEMO/jobbersim.pid")),
              ServiceTitan $ST_URL (pid $(cat "$DEMO/stsim.pid"))
  leadledgerd pid $(cat "$DEMO/leadledgerd.pid"), log $DEMO/leadledgerd.log
  PostgreSQL  socket $PGHOST, database leadledger_demo
Try:
  ${LL[*]} status
  ${LL[*]} report --site patton-plumbing --days 90 --format json
  curl -H "Authorization: Bearer $TOKEN" "$DASH/api/v1/sites/patton-plumbing/report?days=30"
  curl http://127.0.0.1:$METRICS_PORT/metrics

Dashboards (the tokens are shown once; leadledger token revoke --site ID --all):
  Patton Plumbing (Housecall Pro)    $DASH/#site=patton-plumbing&token=$TOKEN
  Greenway Lawn Care (Jobber)        $DASH/#site=greenway-lawn&token=$TOKEN2
  Summit Heating & Air (ServiceTitan) $DASH/#site=summit-hvac&token=$TOKEN3
Jobber connects through OAuth: ${LL[*]} connect --site greenway-lawn --provider jobber
(or Connect again in Greenway's dashboard) runs the consent flow against the simulator.
Stop everything with: ./dev stop
MSG
