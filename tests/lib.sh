# Shell helpers shared by the demo and the integration tests.
# Expects: LL_BUILD (a build directory), PGHOST/PGUSER (from ./dev).

LL_BIN=${LL_BIN_WRAPPED:-${LL_BUILD:?}/leadledger}
LLD_BIN=${LLD_BIN_WRAPPED:-$LL_BUILD/leadledgerd}
SIM_BIN=$LL_BUILD/tests/sim/hcpsim
PROVIDER_DIR=$LL_BUILD/plugins/.libs

# sim_key_file DIR KEY: the simulator's API key in DIR/sim.key (mode 0600),
# for --api-key-file: a key on a command line is visible to every user (ps).
sim_key_file() {
	(umask 077 && printf '%s\n' "$2" >"$1/sim.key")
	echo "$1/sim.key"
}

# sim_start WORKDIR [hcpsim args...]: start the simulator, set SIM_URL and SIM_PID.
sim_start() {
	local dir=$1; shift
	rm -f "$dir/sim.port"
	"$SIM_BIN" --port 0 --port-file "$dir/sim.port" "$@" </dev/null >>"$dir/sim.log" 2>&1 &
	SIM_PID=$!
	local i
	for i in $(seq 1 600); do
		[ -s "$dir/sim.port" ] && break
		kill -0 "$SIM_PID" 2>/dev/null || { echo "simulator died; see $dir/sim.log" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$dir/sim.port" ] || { echo "simulator did not start" >&2; return 1; }
	SIM_URL=http://127.0.0.1:$(cat "$dir/sim.port")
}

sim_stop() {
	[ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null && wait "$SIM_PID" 2>/dev/null
	SIM_PID=
	return 0
}

# sim_get PATH: a control or API call with bounded time.
sim_get() {
	curl -sS --max-time 60 -H "Authorization: Token ${SIM_KEY:-sim-key}" "$SIM_URL$1"
}

# db_create NAME: a fresh database; prints its conninfo.
db_create() {
	dropdb --if-exists "$1" >/dev/null 2>&1 || true
	createdb "$1"
	echo "host=$PGHOST user=$PGUSER dbname=$1"
}

# keyring_create DIR: a fresh keyring at DIR/keyring.
keyring_create() {
	rm -f "$1/keyring"
	"$LL_BIN" vault keygen --keyring "$1/keyring" --key-id k1 >/dev/null
}

# encrypt_key KEYRING SITE SECRET [PROVIDER FIELD]: the vault ciphertext of
# a credential (by default a housecallpro api_key).
encrypt_key() {
	local cfg
	cfg=$(mktemp)
	printf 'database = "unused";\nkeyring = "%s";\nprovider_dir = "%s";\nlead_sources = "%s";\n' \
		"$1" "$PROVIDER_DIR" "$LL_ROOT/etc/lead-sources.conf" >"$cfg"
	printf '%s' "$3" | "$LL_BIN" -c "$cfg" vault encrypt --site "$2" \
		--provider "${4:-housecallpro}" --field "${5:-api_key}"
	rm -f "$cfg"
}

# The Jobber simulator: jobber_start WORKDIR [jobbersim args...] sets
# JOBBER_URL and JOBBER_PID; its client secret and first refresh token
# are JOBBER_SECRET and JOBBER_REFRESH (files in WORKDIR, mode 0600).
JOBBER_BIN=$LL_BUILD/tests/sim/jobbersim
jobber_start() {
	local dir=$1; shift
	JOBBER_SECRET=${JOBBER_SECRET:-jsecret-$RANDOM$RANDOM}
	JOBBER_REFRESH=${JOBBER_REFRESH:-jrefresh-$RANDOM$RANDOM}
	(umask 077 && printf '%s\n' "$JOBBER_SECRET" >"$dir/jobber.secret" &&
		printf '%s\n' "$JOBBER_REFRESH" >"$dir/jobber.refresh")
	rm -f "$dir/jobber.port"
	"$JOBBER_BIN" --port 0 --port-file "$dir/jobber.port" --client-secret-file "$dir/jobber.secret" \
		--refresh-token-file "$dir/jobber.refresh" "$@" </dev/null >>"$dir/jobber.log" 2>&1 &
	JOBBER_PID=$!
	local i
	for i in $(seq 1 600); do
		[ -s "$dir/jobber.port" ] && break
		kill -0 "$JOBBER_PID" 2>/dev/null || { echo "jobbersim died; see $dir/jobber.log" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$dir/jobber.port" ] || { echo "jobbersim did not start" >&2; return 1; }
	JOBBER_URL=http://127.0.0.1:$(cat "$dir/jobber.port")
}

jobber_stop() {
	[ -n "${JOBBER_PID:-}" ] && kill "$JOBBER_PID" 2>/dev/null && wait "$JOBBER_PID" 2>/dev/null
	JOBBER_PID=
	return 0
}

# jobber_get PATH: a control of the Jobber simulator, bounded in time.
jobber_get() { curl -sS --max-time 60 "$JOBBER_URL$1"; }

# jobber_block ID KEYRING REDIRECT_URI [PAGE_SIZE] [NAME]: one site with a
# jobber integration against the running simulator, its secrets encrypted.
jobber_block() {
	local secret refresh
	secret=$(encrypt_key "$2" "$1" "$JOBBER_SECRET" jobber client_secret)
	refresh=$(encrypt_key "$2" "$1" "$JOBBER_REFRESH" jobber refresh_token)
	cat <<CONF
  { id = "$1"; name = "${5:-Site $1}"; plan = "elite"; timezone = "America/New_York";
    integrations = ( { provider = "jobber";
      credentials = { client_secret = "$secret"; refresh_token = "$refresh"; };
      settings = { client_id = "sim-client"; base_url = "$JOBBER_URL/api/graphql";
                   token_url = "$JOBBER_URL/api/oauth/token";
                   authorize_url = "$JOBBER_URL/api/oauth/authorize";
                   redirect_uri = "$3"; page_size = ${4:-100}; }; } ); }
CONF
}

# The ServiceTitan simulator: st_start WORKDIR [stsim args...] sets ST_URL
# and ST_PID; its client secret and app key are ST_SECRET and ST_APP_KEY
# (files in WORKDIR, mode 0600).
ST_BIN=$LL_BUILD/tests/sim/stsim
st_start() {
	local dir=$1; shift
	ST_SECRET=${ST_SECRET:-stsecret-$RANDOM$RANDOM}
	ST_APP_KEY=${ST_APP_KEY:-stapp-$RANDOM$RANDOM}
	(umask 077 && printf '%s\n' "$ST_SECRET" >"$dir/st.secret" &&
		printf '%s\n' "$ST_APP_KEY" >"$dir/st.appkey")
	rm -f "$dir/st.port"
	"$ST_BIN" --port 0 --port-file "$dir/st.port" --client-secret-file "$dir/st.secret" \
		--app-key-file "$dir/st.appkey" "$@" </dev/null >>"$dir/st.log" 2>&1 &
	ST_PID=$!
	local i
	for i in $(seq 1 600); do
		[ -s "$dir/st.port" ] && break
		kill -0 "$ST_PID" 2>/dev/null || { echo "stsim died; see $dir/st.log" >&2; return 1; }
		sleep 0.1
	done
	[ -s "$dir/st.port" ] || { echo "stsim did not start" >&2; return 1; }
	ST_URL=http://127.0.0.1:$(cat "$dir/st.port")
}

st_stop() {
	[ -n "${ST_PID:-}" ] && kill "$ST_PID" 2>/dev/null && wait "$ST_PID" 2>/dev/null
	ST_PID=
	return 0
}

# st_get PATH: a control of the ServiceTitan simulator, bounded in time.
st_get() { curl -sS --max-time 60 "$ST_URL$1"; }

# st_block ID KEYRING [PAGE_SIZE] [NAME]: one site with a servicetitan
# integration against the running simulator, its secrets encrypted.
st_block() {
	local secret key
	secret=$(encrypt_key "$2" "$1" "$ST_SECRET" servicetitan client_secret)
	key=$(encrypt_key "$2" "$1" "$ST_APP_KEY" servicetitan app_key)
	cat <<CONF
  { id = "$1"; name = "${4:-Site $1}"; plan = "elite"; timezone = "America/Chicago";
    integrations = ( { provider = "servicetitan";
      credentials = { client_secret = "$secret"; app_key = "$key"; };
      settings = { client_id = "sim-client"; tenant = 1234567; base_url = "$ST_URL";
                   auth_url = "$ST_URL/connect/token"; page_size = ${3:-500}; }; } ); }
CONF
}

# write_config FILE CONNINFO KEYRING then site blocks on stdin (or none).
write_config() {
	{
		printf 'database = "%s";\nkeyring = "%s";\nprovider_dir = "%s";\nlead_sources = "%s";\n' \
			"$2" "$3" "$PROVIDER_DIR" "$LL_ROOT/etc/lead-sources.conf"
		printf 'log_level = "%s";\n' "${LL_LOG_LEVEL:-info}"
		printf 'http = { backoff_base_ms = %s; backoff_cap_ms = 2000; max_attempts = 8; timeout = 20; retry_budget = 120; };\n' \
			"${LL_BACKOFF_MS:-50}"
		cat
	} >"$1"
}

# site_block ID CIPHERTEXT URL [PAGE_SIZE] [PLAN] [NAME]: one site with a
# housecallpro integration.
site_block() {
	cat <<CONF
  { id = "$1"; name = "${6:-Site $1}"; plan = "${5:-elite}"; timezone = "America/Chicago";
    integrations = ( { provider = "housecallpro";
      credentials = { api_key = "$2"; };
      settings = { base_url = "$3"; page_size = ${4:-200}; }; } ); }
CONF
}

# demo_spend_csv: a spend file (leadledger spend import) for the thirteen
# months up to this one, as a plumbing company might spend: Google Ads,
# social ads, the AI phone system's subscription and website hosting.
demo_spend_csv() {
	local k m
	echo month,channel,amount
	for k in $(seq 0 12); do
		m=$(date -u -d "$(date -u +%Y-%m-15) -$k month" +%Y-%m)
		echo "$m,google,1500.00"
		echo "$m,social,400.00"
		echo "$m,ai_phone,350.00"
		echo "$m,website,90.00"
	done
}
