# The operator's tool and the daemon: configuration errors, providers and
# their exports, an out-of-tree provider against the installed files, plan
# gating, registry reconciliation, recategorize, daemon start checks.
. "$LL_ROOT/tests/integration/harness.sh"

setup_site --dataset small --seed 6 --jobs 600 --customers 300 --estimates 100
"${LL[@]}" check-config >"$WORK/cc.out" 2>&1
ok $? "check-config accepts a good file"

# Errors with file and line, exit 78.
BAD=$WORK/bad.conf
cat >"$BAD" <<CONF
database = "$CONN";
keyring = "$WORK/keyring";
provider_dir = "$PROVIDER_DIR";
lead_sources = "$LL_ROOT/etc/lead-sources.conf";
colour = "blue";
sites = (
  { id = "acme"; name = "A"; plan = "elite"; timezone = "America/Chicago";
    integrations = ( { provider = "nosuch"; credentials = { api_key = "$CT"; }; } ); },
  { id = "beta"; name = "B"; plan = "elite"; timezone = "America/Chicago";
    integrations = ( { provider = "housecallpro"; credentials = { api_key = "$CT"; };
      settings = { page_size = 500; color = 1; }; } ); }
);
CONF
"$LL_BIN" -c "$BAD" check-config >"$WORK/bad.out" 2>&1
eq "$?" 78 "a broken file exits 78"
check "unknown key with file and line" grep -q "bad.conf:5: unknown key 'colour'" "$WORK/bad.out"
check "unknown provider with line" grep -q "bad.conf:8: unknown provider 'nosuch'" "$WORK/bad.out"
check "setting out of range with line" grep -q "bad.conf:11: setting 'page_size' = 500 is out of range" "$WORK/bad.out"
check "unknown setting with line" grep -q "bad.conf:11: unknown setting 'color' for provider housecallpro" "$WORK/bad.out"
"$LL_BIN" -c "$WORK/missing.conf" check-config >/dev/null 2>&1
eq "$?" 78 "a missing file exits 78"

# check-config checks every URL setting and decrypts every credential.
CT_BETA=$(encrypt_key "$WORK/keyring" beta "$SIM_KEY")
PAYLOAD=${CT#v1:k1:}
FLIP=${PAYLOAD:0:20}$( [ "${PAYLOAD:20:1}" = A ] && echo B || echo A )${PAYLOAD:21}
bad_site() { # ID URL CIPHERTEXT [FIELD]
	printf '  { id = "%s"; name = "%s"; plan = "elite"; timezone = "UTC";\n    integrations = ( { provider = "housecallpro"; credentials = { %s = "%s"; };\n      settings = { base_url = "%s"; }; } ); },\n' \
		"$1" "$1" "${4:-api_key}" "$3" "$2"
}
{
	printf 'database = "%s";\nkeyring = "%s";\nprovider_dir = "%s";\nlead_sources = "%s";\nsites = (\n' \
		"$CONN" "$WORK/keyring" "$PROVIDER_DIR" "$LL_ROOT/etc/lead-sources.conf"
	bad_site acme "file:///etc/passwd" "$CT"                # lines 6-8
	bad_site acme2 "http://example.com" "$CT"               # 9-11
	bad_site acme3 "http://127.attacker.example:8080" "$CT" # 12-14
	bad_site acme4 "$SIM_URL" "v1:k1:$FLIP"                 # 15-17: one byte changed
	bad_site acme5 "$SIM_URL" "v1:kx:$PAYLOAD"              # 18-20: unknown key id
	bad_site acme6 "$SIM_URL" "$CT_BETA"                    # 21-23: another site's
	bad_site acme7 "$SIM_URL" "$CT" api_token               # 24-26: unknown field
	bad_site acme "$SIM_URL" "$CT" | sed 's/id = "acme"/id = "acme8"/; s/acme8\"; plan/acme8"; plan/' # 27-29: acme's ciphertext copied
	printf '  { id = "ok"; name = "OK"; plan = "elite"; timezone = "UTC";\n    integrations = ( { provider = "housecallpro"; credentials = { api_key = "%s"; }; settings = { base_url = "https://api.housecallpro.com"; }; } ); }\n);\n' \
		"$(encrypt_key "$WORK/keyring" ok "$SIM_KEY")"
} >"$WORK/creds.conf"
"$LL_BIN" -c "$WORK/creds.conf" check-config >"$WORK/creds.out" 2>&1
eq "$?" 78 "check-config refuses bad URLs and credentials that do not decrypt"
check "file:// base_url refused with file and line" grep -q "creds.conf:8: setting 'base_url': URL scheme file" "$WORK/creds.out"
check "plain http off loopback refused" grep -q "creds.conf:11: setting 'base_url': URL scheme http to example.com refused" "$WORK/creds.out"
check "a DNS name starting with 127. is not loopback" grep -q "creds.conf:14: setting 'base_url': URL scheme http to 127.attacker.example refused" "$WORK/creds.out"
check "a ciphertext with one byte changed does not decrypt" grep -q "creds.conf:16: credential 'api_key' (key id 'k1') does not decrypt for site acme4" "$WORK/creds.out"
check "an unknown key id is named" grep -q "creds.conf:19: credential 'api_key' (key id 'kx') does not decrypt.*not in the keyring" "$WORK/creds.out"
check "another site's ciphertext does not decrypt here" grep -q "creds.conf:22: credential 'api_key' (key id 'k1') does not decrypt for site acme6" "$WORK/creds.out"
check "an unknown credential field" grep -q "creds.conf:25: unknown credential 'api_token' for provider housecallpro" "$WORK/creds.out"
check "... and then the required field is missing" grep -q "creds.conf:25: provider housecallpro needs credential 'api_key'" "$WORK/creds.out"
check "a ciphertext copied from site acme to acme8 does not decrypt" grep -q "creds.conf:28: credential 'api_key' (key id 'k1') does not decrypt for site acme8" "$WORK/creds.out"
check "the good site is not reported" bash -c "! grep -q 'site ok' '$WORK/creds.out'"
check "no secret in the messages" bash -c "! grep -qF -e '$SIM_KEY' -e '$PAYLOAD' '$WORK/creds.out'"

# Usage errors exit 2.
"${LL[@]}" report --site acme >/dev/null 2>&1; eq "$?" 2 "report without a window: exit 2"
"${LL[@]}" report --site acme --from 2026-02-30 --to 2026-03-01 >/dev/null 2>&1; eq "$?" 2 "invalid date: exit 2"
"${LL[@]}" frobnicate >/dev/null 2>&1; eq "$?" 2 "unknown command: exit 2"
"${LL[@]}" --help >"$WORK/help.out" 2>&1
for cmd in check-config providers migrate sync report status recategorize "token create" \
	"token revoke" "token list" "vault keygen" "vault encrypt" "vault rewrap" "vault retire"; do
	check "--help lists $cmd" grep -q "^  $cmd " "$WORK/help.out"
	check "leadledger(1) documents $cmd" grep -q "^\.B $cmd\b" "$LL_ROOT/man/leadledger.1"
done
"${LL[@]}" status --format xml >/dev/null 2>"$WORK/fmt.err"; eq "$?" 2 "status --format xml: exit 2"
check "... naming the bad value" grep -q "format must be table or json, not 'xml'" "$WORK/fmt.err"
"${LL[@]}" migrate >/dev/null 2>&1
# One window rule for the command line and the API.
for d in " 30" "+30" "30 " "3661" "0" "1e2"; do
	"${LL[@]}" report --site acme --days "$d" >/dev/null 2>"$WORK/days.err"
	eq "$?" 2 "report --days '$d': exit 2"
done
check "... saying the rule" grep -q "days must be a whole number from 1 to 3660" "$WORK/days.err"
"${LL[@]}" report --site acme --days 3660 >/dev/null 2>&1; ok $? "report --days 3660 is the longest window"
"${LL[@]}" report --site acme --from 2015-01-01 --to 2026-01-01 >/dev/null 2>&1
eq "$?" 2 "a from..to window beyond 3660 days: exit 2"
# An unknown site is the same error everywhere.
for c in "report --site nosuch --days 30" "sync --site nosuch" "recategorize --site nosuch" \
	"token create --site nosuch" "token revoke --site nosuch --all" "token revoke --site nosuch --id 999" \
	"token list --site nosuch"; do
	# shellcheck disable=SC2086
	"${LL[@]}" $c >"$WORK/nosite.out" 2>&1
	eq "$?" 2 "$c: exit 2"
	check "$c: names the site and the file" grep -q "no site 'nosuch' in $CONF" "$WORK/nosite.out"
done
"${LL[@]}" token create --site acme --label "$(printf 'x%.0s' $(seq 1 101))" >/dev/null 2>&1
eq "$?" 2 "a token label longer than 100 bytes: exit 2"
"${LL[@]}" token create --site acme --label "$(printf 'a\tb')" >/dev/null 2>&1
eq "$?" 2 "a token label with a control character: exit 2"
"${LL[@]}" token revoke --site acme --id 999 >/dev/null 2>&1
eq "$?" 1 "revoking a token the site does not have: exit 1"

# Log lines: "<N>" priorities only when standard error is the journal.
"$LL_BIN" -c "$WORK/missing.conf" status 2>"$WORK/plain.err"
check "on a file or terminal: 'leadledger: error: ...'" grep -q "^leadledger: error: " "$WORK/plain.err"
check "... and no syslog prefix" bash -c "! grep -q '^<[0-9]>' '$WORK/plain.err'"
: >"$WORK/journal.err"
JOURNAL_STREAM=$(stat -c '%d:%i' "$WORK/journal.err") "$LL_BIN" -c "$WORK/missing.conf" status 2>>"$WORK/journal.err"
check "when standard error is the journal (JOURNAL_STREAM): '<3>...'" grep -q "^<3>" "$WORK/journal.err"
JOURNAL_STREAM=1:2 "$LL_BIN" -c "$WORK/missing.conf" status 2>"$WORK/other.err"
check "JOURNAL_STREAM naming another file is not the journal" grep -q "^leadledger: error: " "$WORK/other.err"

# Providers: listed with versions; only the descriptor is exported.
"${LL[@]}" providers >"$WORK/providers.out" 2>&1
ok $? "providers"
ABI=$(sed -n 's/^#define LL_ABI_MAJOR \([0-9]*\)$/\1/p' "$LL_ROOT/include/leadledger/provider.h").$(sed -n 's/^#define LL_ABI_MINOR \([0-9]*\)$/\1/p' "$LL_ROOT/include/leadledger/provider.h")
check "housecallpro listed with ABI $ABI (the header's)" grep -q "^housecallpro .* ABI $ABI\b" "$WORK/providers.out"
eq "$(nm -D --defined-only "$PROVIDER_DIR/housecallpro.so" | awk '{print $3}' | tr '\n' ' ')" "ll_provider " \
	"housecallpro.so exports only ll_provider"

# An out-of-tree provider, built against the installed header and .pc alone,
# dropped into an installed host that is not rebuilt.
DEST=$WORK/dest
make -C "$LL_BUILD" install DESTDIR="$DEST" >"$WORK/install.log" 2>&1
ok $? "make install"
PREFIX=$(sed -n 's/^prefix = //p' "$LL_BUILD/Makefile")
INST=$DEST$PREFIX
for f in bin/leadledger sbin/leadledgerd include/leadledger/provider.h lib/pkgconfig/leadledger-provider.pc \
	lib/leadledger/providers/housecallpro.so etc/leadledger/lead-sources.conf \
	share/man/man1/leadledger.1 share/man/man5/leadledger.conf.5 share/man/man8/leadledgerd.8 \
	lib/systemd/system/leadledgerd.service; do
	check "installed $f" test -e "$INST/$f"
done
eq "$(cd "$INST/lib/leadledger/providers" && ls | grep -vc '\.so$')" 0 "the provider directory holds modules only (no .la)"
make -C "$LL_BUILD" uninstall DESTDIR="$DEST" >>"$WORK/install.log" 2>&1
ok $? "make uninstall"
eq "$(find "$INST" -type f | wc -l)" 0 "uninstall leaves no file behind"
make -C "$LL_BUILD" install DESTDIR="$DEST" >>"$WORK/install.log" 2>&1
mkdir -p "$WORK/oot/providers"
cat >"$WORK/oot/hello.c" <<'C'
#include <leadledger/provider.h>
static const struct ll_setting_def settings[] = { { 0 } };
static const struct ll_stream_def streams[] = { { "jobs", LL_ENTITY_JOB, 0 }, { 0 } };
static enum ll_status init(const struct ll_host_api *a, struct ll_host *h, void **s, char *e)
{ (void)a; (void)h; (void)e; *s = 0; return LL_OK; }
static void fini(void *s) { (void)s; }
static enum ll_status fetch(void *s, const struct ll_fetch *r, struct ll_page *p, char *e)
{ (void)s; (void)r; (void)e; p->records = json_object_new_array(); p->done = 1; return LL_OK; }
static enum ll_status map(void *s, enum ll_entity n, struct json_object *j, struct ll_record *o, char *e)
{ (void)s; (void)n; (void)j; (void)o; (void)e; return LL_OK; }
static enum ll_status date(void *s, enum ll_entity n, struct json_object *j, int64_t *u, char *e)
{ (void)s; (void)n; (void)j; (void)e; *u = 0; return LL_OK; }
LL_PROVIDER_EXPORT const struct ll_provider ll_provider = {
	.abi_version = LL_ABI_VERSION, .struct_size = sizeof(struct ll_provider),
	.name = "hello", .version = "0.1", .settings = settings, .streams = streams,
	.init = init, .fini = fini, .fetch_page = fetch, .map_record = map, .resolve_date = date };
C
CFLAGS_PC=$(PKG_CONFIG_PATH=$INST/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=$DEST pkg-config --cflags leadledger-provider)
cc -std=c11 -Wall -Wextra -Werror -fPIC -shared -fvisibility=hidden $CFLAGS_PC \
	-o "$WORK/oot/providers/hello.so" "$WORK/oot/hello.c" -ljson-c >"$WORK/oot.log" 2>&1
ok $? "out-of-tree provider builds from the installed header via pkg-config"
cp "$INST/lib/leadledger/providers/housecallpro.so" "$WORK/oot/providers/"
sed "s|provider_dir = \"[^\"]*\"|provider_dir = \"$WORK/oot/providers\"|" "$CONF" >"$WORK/oot.conf"
"$INST/bin/leadledger" -c "$WORK/oot.conf" providers >"$WORK/oot-providers.out" 2>&1
ok $? "the installed host lists the dropped-in provider"
check "hello loaded with ABI $ABI" grep -q "^hello .* ABI $ABI\b" "$WORK/oot-providers.out"

# Plan gating: only elite sites are synced and reported.
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(site_block acme "$CT" "$SIM_URL" 100)
,
$(site_block basic-co "$(encrypt_key "$WORK/keyring" basic-co "$SIM_KEY")" "$SIM_URL" 100 basic)
);
CONF
"${LL[@]}" sync >"$WORK/sync.out" 2>&1
ok $? "sync"
check "the basic site gets a clear message" grep -q "basic-co: plan 'basic' does not include lead-source reporting" "$WORK/sync.out"
eq "$(sql "SELECT count(*) FROM jobs j JOIN site_integrations i ON i.id = j.integration_id WHERE i.site_id = 'basic-co'")" 0 \
	"the basic site is registered but not synced"
eq "$(sql "SELECT plan FROM sites WHERE id = 'basic-co'")" basic "the basic site is registered"
"${LL[@]}" report --site basic-co --days 30 >"$WORK/basic.out" 2>&1
eq "$?" 1 "report refuses the basic site"
"${LL[@]}" report --site nosuch --days 30 >/dev/null 2>&1
eq "$?" 2 "report on an unknown site: exit 2"

# Reconciliation: an integration removed from the file is disabled, its data kept.
JOBS=$(table_count jobs)
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = ( { id = "acme"; name = "Acme"; plan = "elite"; timezone = "America/Chicago"; } );
CONF
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
eq "$(sql "SELECT enabled FROM site_integrations WHERE site_id = 'acme'")" f "removed integration disabled"
eq "$(table_count jobs)" "$JOBS" "its data kept"
eq "$(sql "SELECT name FROM sites WHERE id = 'acme'")" Acme "site name updated from the file"

# Recategorize after a per-site rule changes.
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = ( { id = "acme"; name = "Acme"; plan = "elite"; timezone = "America/Chicago";
  lead_sources = ( { channel = "social"; exact = [ "Groupon" ]; } );
  integrations = ( { provider = "housecallpro"; credentials = { api_key = "$CT"; };
    settings = { base_url = "$SIM_URL"; page_size = 100; }; } ); } );
CONF
BEFORE=$(sql "SELECT count(*) FROM jobs WHERE lead_source_raw = 'Groupon' AND lead_source_category = 'unknown'")
ge "$BEFORE" 1 "Groupon jobs start as unknown"
"${LL[@]}" recategorize --site acme >"$WORK/recat.out" 2>&1
ok $? "recategorize"
eq "$(sql "SELECT count(*) FROM jobs WHERE lead_source_raw = 'Groupon' AND lead_source_category = 'social'")" "$BEFORE" \
	"they moved to social"
check "it says how many rows changed" grep -q "acme: [1-9][0-9]* rows changed channel" "$WORK/recat.out"

# status --format json (migrate reconciles the registry with the file again)
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
"${LL[@]}" status --format json >"$WORK/status.json" 2>/dev/null
ok $? "status --format json"
eq "$(jq -r '[.[] | select(.site == "acme" and .stream == "jobs")][0].state' "$WORK/status.json")" ok "status per stream"

# leadledgerd refuses to start on pending migrations (exit 78).
FRESH=$(db_create "${T_DB}_fresh")
sed "s|database = \"[^\"]*\"|database = \"$FRESH\"|" "$CONF" >"$WORK/fresh.conf"
timeout 60 "$LLD_BIN" -c "$WORK/fresh.conf" >"$WORK/fresh.out" 2>&1
eq "$?" 78 "leadledgerd exits 78 on pending migrations"
check "and says so" grep -q "pending" "$WORK/fresh.out"
sed "s|database = \"[^\"]*\"|database = \"host=/nonexistent dbname=x\"|" "$CONF" >"$WORK/nodb.conf"
timeout 60 "$LLD_BIN" -c "$WORK/nodb.conf" >"$WORK/nodb.out" 2>&1
eq "$?" 78 "leadledgerd exits 78 when the database is down"

# leadledgerd syncs, rejects a broken reload, stops on SIGTERM.
sql "UPDATE site_integrations SET next_run_at = now()" >/dev/null
"$LLD_BIN" -c "$CONF" >"$WORK/daemon.log" 2>&1 &
LLD_PID=$!
for _ in $(seq 1 100); do grep -q "stream estimates success" "$WORK/daemon.log" && break; sleep 0.2; done
check "the daemon syncs on start" grep -q "stream estimates success" "$WORK/daemon.log"
cp "$CONF" "$CONF.good"
echo "sites = ( oops" >>"$CONF"
kill -HUP "$LLD_PID"
for _ in $(seq 1 50); do grep -q "rejected" "$WORK/daemon.log" && break; sleep 0.2; done
check "a broken reload is rejected" grep -q "rejected, keeping the running configuration" "$WORK/daemon.log"
check "and the daemon keeps running" kill -0 "$LLD_PID"
cp "$CONF.good" "$CONF"
kill -TERM "$LLD_PID"
for _ in $(seq 1 100); do kill -0 "$LLD_PID" 2>/dev/null || break; sleep 0.1; done
wait "$LLD_PID"
eq "$?" 0 "SIGTERM stops it cleanly within 10 s"
LLD_PID=
