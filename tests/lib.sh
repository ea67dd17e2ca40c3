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

# encrypt_key KEYRING SITE SECRET: the vault ciphertext for an api_key.
encrypt_key() {
	local cfg
	cfg=$(mktemp)
	printf 'database = "unused";\nkeyring = "%s";\nprovider_dir = "%s";\nlead_sources = "%s";\n' \
		"$1" "$PROVIDER_DIR" "$LL_ROOT/etc/lead-sources.conf" >"$cfg"
	printf '%s' "$3" | "$LL_BIN" -c "$cfg" vault encrypt --site "$2" --provider housecallpro --field api_key
	rm -f "$cfg"
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
