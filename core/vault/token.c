#include "vault/token.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/utf8.h"

#define TOKEN_PREFIX "llt_"
#define TOKEN_RANDOM_BYTES 32
#define TOKEN_CONTEXT "lltoken1" /* crypto_kdf context of the digest key */
#define DIGEST_BYTES crypto_generichash_BYTES

_Static_assert(sizeof TOKEN_PREFIX - 1 + 43 == LL_TOKEN_LEN, "token length");

static int digest_of(const struct ll_keyring *kr, const char *keyid, const char *token,
		     unsigned char out[DIGEST_BYTES])
{
	unsigned char key[LL_VAULT_SUBKEY_BYTES];
	int rc = -1;

	if (ll_keyring_derive(kr, keyid, TOKEN_CONTEXT, key) == 0)
		rc = crypto_generichash(out, DIGEST_BYTES, (const unsigned char *)token,
					strlen(token), key, sizeof key);
	sodium_memzero(key, sizeof key);
	return rc;
}

static int well_formed(const char *token)
{
	if (strlen(token) != LL_TOKEN_LEN || strncmp(token, TOKEN_PREFIX, 4) != 0)
		return 0;
	for (const char *p = token + 4; *p; p++)
		if (!(*p >= 'A' && *p <= 'Z') && !(*p >= 'a' && *p <= 'z') &&
		    !(*p >= '0' && *p <= '9') && *p != '-' && *p != '_')
			return 0;
	return 1;
}

int ll_token_label_check(const char *label)
{
	if (strlen(label) > LL_TOKEN_LABEL_MAX || !ll_utf8_valid(label))
		return -1;
	for (const unsigned char *p = (const unsigned char *)label; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return -1;
	return 0;
}

int ll_token_create(struct ll_db *db, const struct ll_keyring *kr, const char *site,
		    const char *label, char out[LL_TOKEN_LEN + 1], int64_t *id,
		    char *err, size_t errlen)
{
	unsigned char rnd[TOKEN_RANDOM_BYTES], digest[DIGEST_BYTES];
	char hex[DIGEST_BYTES * 2 + 1];
	const char *keyid = ll_keyring_active(kr);
	const char *params[] = { site, keyid, hex, label };
	PGresult *res;

	if (ll_token_label_check(label) < 0) {
		snprintf(err, errlen, "a token label is at most %d bytes of text", LL_TOKEN_LABEL_MAX);
		return -1;
	}
	randombytes_buf(rnd, sizeof rnd);
	memcpy(out, TOKEN_PREFIX, 4);
	sodium_bin2base64(out + 4, LL_TOKEN_LEN + 1 - 4, rnd, sizeof rnd,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(rnd, sizeof rnd);
	if (digest_of(kr, keyid, out, digest) < 0) {
		snprintf(err, errlen, "cannot derive the token key from vault key '%s'", keyid);
		sodium_memzero(out, LL_TOKEN_LEN + 1);
		return -1;
	}
	sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
	res = ll_db_query(db,
			  "INSERT INTO api_tokens (site_id, key_id, digest, label) "
			  "SELECT id, $2, decode($3, 'hex'), $4 FROM sites WHERE id = $1 RETURNING id",
			  4, params, err, errlen);
	if (res && PQntuples(res) != 1)
		snprintf(err, errlen, "site '%s' is not registered", site);
	if (!res || PQntuples(res) != 1) {
		if (res)
			PQclear(res);
		sodium_memzero(out, LL_TOKEN_LEN + 1);
		return -1;
	}
	*id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return 0;
}

int64_t ll_token_revoke(struct ll_db *db, const char *site, int64_t id, char *err,
			size_t errlen)
{
	char ids[24];
	const char *params[] = { site, ids };

	snprintf(ids, sizeof ids, "%" PRId64, id);
	return ll_db_exec_count(db,
				"UPDATE api_tokens SET revoked_at = now() WHERE site_id = $1 "
				"AND revoked_at IS NULL AND ($2::bigint = 0 OR id = $2::bigint)",
				2, params, err, errlen);
}

int ll_token_verify(struct ll_db *db, const struct ll_keyring *kr, const char *site,
		    const char *token, char *err, size_t errlen)
{
	const char *params[] = { site };
	unsigned char want[DIGEST_BYTES], have[DIGEST_BYTES];
	PGresult *res;
	int valid = 0;

	if (!token || !well_formed(token))
		return 0;
	res = ll_db_query(db,
			  "SELECT key_id, encode(digest, 'hex') FROM api_tokens "
			  "WHERE site_id = $1 AND revoked_at IS NULL",
			  1, params, err, errlen);
	if (!res)
		return -1;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *hex = PQgetvalue(res, i, 1);
		size_t len = 0;

		if (sodium_hex2bin(want, sizeof want, hex, strlen(hex), NULL, &len, NULL) != 0 ||
		    len != sizeof want || digest_of(kr, PQgetvalue(res, i, 0), token, have) < 0)
			continue; /* its key left the keyring */
		if (sodium_memcmp(want, have, sizeof want) == 0)
			valid = 1;
	}
	PQclear(res);
	return valid;
}

struct json_object *ll_token_list(struct ll_db *db, const char *site, char *err,
				  size_t errlen)
{
	const char *params[] = { site };
	struct json_object *arr;
	PGresult *res = ll_db_query(
		db,
		"SELECT id, site_id, label, key_id, "
		" to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
		" coalesce(to_char(revoked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '') "
		"FROM api_tokens WHERE $1::text IS NULL OR site_id = $1 ORDER BY site_id, id",
		1, params, err, errlen);

	if (!res)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; arr && i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "id", json_object_new_int64(strtoll(PQgetvalue(res, i, 0), NULL, 10)));
		json_object_object_add(o, "site", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(o, "label", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_object_add(o, "key_id", json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_object_add(o, "created_at", json_object_new_string(PQgetvalue(res, i, 4)));
		json_object_object_add(o, "revoked_at", json_object_new_string(PQgetvalue(res, i, 5)));
		json_object_array_add(arr, o);
	}
	PQclear(res);
	if (!arr)
		snprintf(err, errlen, "out of memory");
	return arr;
}

int64_t ll_token_live_under(struct ll_db *db, const char *keyid, char *ids, size_t idslen,
			    char *err, size_t errlen)
{
	const char *params[] = { keyid };
	PGresult *res = ll_db_query(db, "SELECT id FROM api_tokens WHERE key_id = $1 "
				    "AND revoked_at IS NULL ORDER BY id", 1, params, err, errlen);
	size_t off = 0;
	int n;

	if (!res)
		return -1;
	n = PQntuples(res);
	ids[0] = '\0';
	for (int i = 0; i < n && off < idslen; i++)
		off += (size_t)snprintf(ids + off, idslen - off, "%s%s", i ? ", " : "",
					PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

void ll_token_warn_missing_keys(struct ll_db *db, const struct ll_keyring *kr)
{
	char err[512];
	PGresult *res = ll_db_query(db, "SELECT key_id, count(*) FROM api_tokens "
				    "WHERE revoked_at IS NULL GROUP BY key_id ORDER BY key_id",
				    0, NULL, err, sizeof err);

	if (!res) {
		ll_warning("api tokens: %s", err);
		return;
	}
	for (int i = 0; i < PQntuples(res); i++)
		if (!ll_keyring_has(kr, PQgetvalue(res, i, 0)))
			ll_warning("%s live API token%s issued under vault key '%s', which is not "
				   "in the keyring: %s answer 404 until re-issued (token create)",
				   PQgetvalue(res, i, 1), strcmp(PQgetvalue(res, i, 1), "1") ? "s were"
				   : " was", PQgetvalue(res, i, 0),
				   strcmp(PQgetvalue(res, i, 1), "1") ? "they" : "it");
	PQclear(res);
}
