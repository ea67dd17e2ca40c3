# The vault end to end: no secret in logs, errors or the database; swapped
# ciphertexts refuse to decrypt and make no request; rotation k1 -> k2 over
# 10,000 stored credentials; keyring permissions.
. "$LL_ROOT/tests/integration/harness.sh"

SIM_KEY=SENTINEL-7f3a-$RANDOM$RANDOM
setup_site --dataset small --seed 4 --jobs 600 --customers 300 --estimates 100
"${LL[@]}" -v sync >"$WORK/debug.log" 2>&1
ok $? "sync with debug logging"
ge "$(grep -c 'GET' "$WORK/debug.log")" 10 "debug log shows the requests"
pg_dump -d "$T_DB" >"$WORK/dump.sql"
for f in "$WORK/debug.log" "$WORK/ll.log" "$WORK/dump.sql" "$CONF" "$WORK/keyring"; do
	eq "$(grep -c SENTINEL-7f3a "$f")" 0 "no plaintext secret in $(basename "$f")"
done
eq "$(grep -o 'v1:k1:' "$WORK/dump.sql" | wc -l)" 2 "the database holds only the ciphertext (current and as configured)"

# Two sites with their own keys; swap their ciphertexts in the file.
CT_B=$(encrypt_key "$WORK/keyring" bravo "$SIM_KEY")
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(site_block acme "$CT_B" "$SIM_URL" 100)
,
$(site_block bravo "$CT" "$SIM_URL" 100)
);
CONF
sim_get "/_sim/log?clear=1" >/dev/null
"${LL[@]}" sync >"$WORK/swap.out" 2>&1
eq "$?" 1 "swapped ciphertexts fail the sync"
eq "$(grep -c 'does not decrypt' "$WORK/swap.out")" 2 "both sites report a credential that does not decrypt"
eq "$(sim_get /_sim/log | grep -c GET)" 0 "no HTTP request is made for them"
eq "$(sql "SELECT count(*) FROM site_integrations WHERE needs_attention")" 2 "both need attention"
check "status shows the reason" sh -c "'$LL_BIN' -c '$CONF' status | grep -q 'does not decrypt'"
eq "$(grep -c SENTINEL-7f3a "$WORK/swap.out")" 0 "the error names no secret"

# Rotation over 10,000 stored credentials (plus the real one).
write_config "$CONF" "$CONN" "$WORK/keyring" <<CONF
sites = (
$(site_block acme "$CT" "$SIM_URL" 100)
);
CONF
"${LL[@]}" migrate >>"$WORK/ll.log" 2>&1
"$LL_BUILD/tests/tools/credgen" make "$WORK/keyring" 10000 >"$WORK/creds.tsv"
ok $? "10,000 credentials under k1"
cut -f1 "$WORK/creds.tsv" | awk '{print $1 "\tRot " $1 "\telite\tUTC"}' >"$WORK/sites.tsv"
psql -XAtq -d "$T_DB" -c "\\copy sites (id, name, plan, timezone) FROM '$WORK/sites.tsv'"
psql -XAtq -d "$T_DB" -c "\\copy site_integrations (site_id, provider, credentials) FROM '$WORK/creds.tsv'"
eq "$(sql "SELECT count(*) FROM site_integrations")" 10002 "stored (with acme and the disabled bravo)"
"$LL_BIN" vault keygen --keyring "$WORK/keyring" --key-id k2 >>"$WORK/ll.log"
ok $? "k2 added and made active"
"${LL[@]}" vault rewrap >"$WORK/rewrap.out" 2>&1
eq "$?" 1 "rewrap exits 1: bravo still holds acme's swapped ciphertext"
check "rewrap names the credential it could not rewrap" grep -q "bravo/housecallpro: credential 'api_key' (key id 'k1') cannot be rewrapped" "$WORK/rewrap.out"
check "rewrap reports what is left on old keys" grep -q "10001 integrations under key k2; 1 integration still hold" "$WORK/rewrap.out"
eq "$(sql "SELECT count(*) FROM site_integrations WHERE credentials::text LIKE '%v1:k1:%' AND site_id <> 'bravo'")" 0 "no other credential left on k1"
sed -i '/^k1 /d' "$WORK/keyring"
psql -XAtq -d "$T_DB" -c "SELECT site_id, provider, e.key, e.value FROM site_integrations, jsonb_each_text(credentials) e WHERE site_id LIKE 'rot-%'" -F $'\t' |
	"$LL_BUILD/tests/tools/credgen" verify "$WORK/keyring" >"$WORK/verify.out"
ok $? "all decrypt after k1 is removed"
check "10,000 verified" grep -q "^10000 decrypt, 0 fail" "$WORK/verify.out"
"${LL[@]}" sync --site acme >>"$WORK/ll.log" 2>&1
ok $? "the rewrapped real credential still syncs without k1"

# vault encrypt takes the secret on standard input only.
eq "$(printf '' | "${LL[@]}" vault encrypt --site acme --provider housecallpro --field api_key >/dev/null 2>&1; echo $?)" 2 \
	"an empty secret is refused"

# A provider that rotates its refresh token stores it through the vault
# before using it; the rotated token survives a reload of an unchanged file.
ROT_CT=$(printf 'secret-initial' | "${LL[@]}" vault encrypt --site rotor --provider tp_rotate --field refresh_token)
cat >"$WORK/rotate.conf" <<CONF
database = "$CONN";
keyring = "$WORK/keyring";
provider_dir = "$LL_BUILD/tests/providers/.libs";
lead_sources = "$LL_ROOT/etc/lead-sources.conf";
sites = ( { id = "rotor"; name = "R"; plan = "elite"; timezone = "UTC";
  integrations = ( { provider = "tp_rotate"; credentials = { refresh_token = "$ROT_CT"; }; } ); } );
CONF
"$LL_BIN" -c "$WORK/rotate.conf" sync >>"$WORK/ll.log" 2>&1
ok $? "a provider rotates its token through credential_set"
"$LL_BIN" -c "$WORK/rotate.conf" sync >>"$WORK/ll.log" 2>&1
ok $? "and again after a reload of the unchanged file"
check "the rotated token survived the reload (generation 2)" grep -q "rotor/tp_rotate: refresh token rotated to generation 2" "$WORK/ll.log"
# Each run's first fetch met a 401; refresh_auth() ran between the fetch
# threads (stopped, then restarted at the same cursor) and the page synced.
eq "$(sql "SELECT count(*) || ' ' || sum(pages) FROM sync_runs r JOIN site_integrations i ON i.id = r.integration_id WHERE i.site_id = 'rotor' AND r.status = 'success'")" \
	"2 2" "both runs refreshed their access and synced their page"
eq "$(sql "SELECT needs_attention FROM site_integrations WHERE site_id = 'rotor'")" f \
	"a 401 that refresh_auth() answers needs no attention"
psql -XAtq -d "$T_DB" -F $'\t' -c "SELECT site_id, provider, e.key, e.value FROM site_integrations, jsonb_each_text(credentials) e WHERE site_id = 'rotor'" >"$WORK/rot.tsv"
check "the stored token is encrypted under the active key" grep -q "v1:k2:" "$WORK/rot.tsv"
eq "$(grep -c 'secret-rotated' "$WORK/rot.tsv")" 0 "and never stored in plaintext"
"$LL_BUILD/tests/tools/credgen" verify "$WORK/keyring" <"$WORK/rot.tsv" >/dev/null
ok $? "the stored rotated token decrypts"

# Keyring permissions and symlinks: refused before anything starts.
chmod 0644 "$WORK/keyring"
"${LL[@]}" check-config >"$WORK/perm.out" 2>&1
eq "$?" 78 "keyring mode 0644: check-config exits 78"
check "the message names the path" grep -q "$WORK/keyring: mode 0644" "$WORK/perm.out"
"$LLD_BIN" -c "$CONF" >"$WORK/perm-daemon.out" 2>&1
eq "$?" 78 "keyring mode 0644: leadledgerd exits 78"
chmod 0600 "$WORK/keyring"
ln -sf "$WORK/keyring" "$WORK/keyring.link"
sed -i "s|keyring = \"$WORK/keyring\"|keyring = \"$WORK/keyring.link\"|" "$CONF"
"${LL[@]}" check-config >"$WORK/link.out" 2>&1
eq "$?" 78 "keyring behind a symlink: exit 78"
check "the message says why" grep -q "symbolic links are refused" "$WORK/link.out"

# Retiring a key: refused while anything still needs it, and while live API
# tokens were issued under it (unless --force, which says they stop working).
R=$WORK/retire
mkdir -p "$R"
"$LL_BIN" vault keygen --keyring "$R/keyring" --key-id k1 >/dev/null
RDB=$(db_create "${T_DB}_retire")
R_CT=$(encrypt_key "$R/keyring" acme "$SIM_KEY")
write_config "$R/conf" "$RDB" "$R/keyring" <<CONF
sites = ( $(site_block acme "$R_CT" "$SIM_URL" 100) );
CONF
RL=("$LL_BIN" -c "$R/conf")
"${RL[@]}" migrate >>"$WORK/ll.log" 2>&1
R_TOKEN=$("${RL[@]}" token create --site acme 2>>"$WORK/ll.log")
"$LL_BIN" vault keygen --keyring "$R/keyring" --key-id k2 >/dev/null
"${RL[@]}" vault retire --key-id k2 >"$R/active.out" 2>&1
eq "$?" 1 "the active key cannot be retired"
check "... saying so" grep -q "key k2 is the active key" "$R/active.out"
"${RL[@]}" vault retire --key-id k1 >"$R/file.out" 2>&1
eq "$?" 1 "k1 cannot be retired while the file holds a ciphertext under it"
check "... naming the file and line" grep -q "$R/conf:[0-9]*: credential 'api_key' is encrypted under key k1" "$R/file.out"
sed -i "s|$R_CT|$(encrypt_key "$R/keyring" acme "$SIM_KEY")|" "$R/conf"
"${RL[@]}" migrate >>"$WORK/ll.log" 2>&1
T_DB=${T_DB}_retire sql "UPDATE site_integrations SET credentials = '{\"api_key\": \"$R_CT\"}'" >/dev/null
"${RL[@]}" vault retire --key-id k1 >"$R/db.out" 2>&1
eq "$?" 1 "... nor while the database holds credentials under it"
check "... saying rewrap first" grep -q "still holds credentials under key k1: run leadledger vault rewrap first" "$R/db.out"
"${RL[@]}" vault rewrap >>"$WORK/ll.log" 2>&1
"${RL[@]}" vault retire --key-id k1 >"$R/token.out" 2>&1
eq "$?" 1 "... nor while a live API token was issued under it"
check "... naming the token and what to do" grep -q "1 live API token (id 1) was issued under key k1 and would stop working" "$R/token.out"
check "k1 is still in the keyring" grep -q "^k1 " "$R/keyring"
"${RL[@]}" vault retire --key-id k1 --force >"$R/force.out" 2>&1
ok $? "--force retires it"
check "... saying the token no longer works" grep -q "key k1 retired; the API tokens issued under it no longer work" "$R/force.out"
check "k1 is gone from the keyring" bash -c "! grep -q '^k1 ' '$R/keyring' && grep -q '^k2 ' '$R/keyring' && grep -q '^active=k2' '$R/keyring'"
eq "$(stat -c %a "$R/keyring")" 600 "the rewritten keyring is mode 0600"
"${RL[@]}" check-config >>"$WORK/ll.log" 2>&1
ok $? "the configuration still checks out without k1"
timeout 5 "$LLD_BIN" -c "$R/conf" >"$R/daemon.log" 2>&1
check "leadledgerd warns at start about tokens issued under a key no longer there" \
	grep -q "1 live API token was issued under vault key 'k1', which is not in the keyring" "$R/daemon.log"
check "... never printing the token" bash -c "! grep -qF '${R_TOKEN#llt_}' '$R/daemon.log'"
