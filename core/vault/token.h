/*
 * Per-site API access tokens.
 *
 * A token is "llt_" followed by 32 random bytes in base64url (47
 * characters).  It is shown once, at creation; the database keeps only a
 * BLAKE2b digest keyed with a subkey of the active vault key (the key id is
 * stored beside it), so a stolen table cannot be turned back into tokens.
 * Verification recomputes the digest under each live token's key and
 * compares in constant time (sodium_memcmp).  A token stops working when
 * it is revoked or when its vault key leaves the keyring.
 */
#ifndef LL_TOKEN_H
#define LL_TOKEN_H

#include <json-c/json.h>
#include <stdint.h>

#include "store/db.h"
#include "vault/vault.h"

#define LL_TOKEN_LEN 47

/* A label is at most LL_TOKEN_LABEL_MAX bytes of UTF-8 text without
 * control characters: 0, or -1. */
#define LL_TOKEN_LABEL_MAX 100
int ll_token_label_check(const char *label);

/* Create a token for a registered site (a label that fails
 * ll_token_label_check is refused).  Writes the token (NUL-terminated,
 * LL_TOKEN_LEN + 1 bytes) to out and its id to *id.  0 or -1 with err. */
int ll_token_create(struct ll_db *db, const struct ll_keyring *kr, const char *site,
		    const char *label, char out[LL_TOKEN_LEN + 1], int64_t *id,
		    char *err, size_t errlen);
/* Revoke token `id` of the site, or all of its tokens when id is 0.
 * Returns how many were revoked, or -1 with err. */
int64_t ll_token_revoke(struct ll_db *db, const char *site, int64_t id, char *err,
			size_t errlen);
/* 1 when token is a live token of site, 0 when not, -1 on a database
 * error (err filled).  Malformed tokens are simply not valid. */
int ll_token_verify(struct ll_db *db, const struct ll_keyring *kr, const char *site,
		    const char *token, char *err, size_t errlen);
/* Live tokens issued under vault key keyid: their count, and their ids
 * ("1, 4, 7", cut to idslen).  -1 with err filled on a database error. */
int64_t ll_token_live_under(struct ll_db *db, const char *keyid, char *ids, size_t idslen,
			    char *err, size_t errlen);
/* Warn about every key that live tokens were issued under and that is not
 * in the keyring: those tokens no longer work. */
void ll_token_warn_missing_keys(struct ll_db *db, const struct ll_keyring *kr);

/* Tokens (never their digests) of one site or all: a new array of
 * {id, site, label, key_id, created_at, revoked_at}, or NULL with err. */
struct json_object *ll_token_list(struct ll_db *db, const char *site, char *err,
				  size_t errlen);

#endif
