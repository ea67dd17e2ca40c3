/*
 * The vault: credentials encrypted with XChaCha20-Poly1305 (libsodium AEAD).
 *
 * Text form:  v1:<keyid>:<base64url-nopad(nonce[24] || ciphertext || tag[16])>
 * Additional data binds a ciphertext to where it lives:
 *   "leadledger-cred" NUL "v1" NUL keyid NUL site NUL provider NUL field
 * so a ciphertext copied to another site, provider or field, or relabelled
 * with another key id, does not decrypt.  The keys come from the keyring
 * (keyring.h).
 *
 * Error messages name key ids, never key bytes or plaintext.
 * sodium_init() must have succeeded before any call.
 */
#ifndef LL_VAULT_H
#define LL_VAULT_H

#include <stddef.h>

#include "vault/keyring.h"

#define LL_VAULT_NONCE_BYTES 24
#define LL_VAULT_TAG_BYTES 16
#define LL_VAULT_SECRET_MAX 8192

enum ll_vault_error {
	LL_VAULT_OK = 0,
	LL_VAULT_EFORMAT,  /* not "v<N>:<keyid>:<payload>" */
	LL_VAULT_EVERSION, /* a version other than v1 */
	LL_VAULT_EKEYID,   /* key id not in the keyring */
	LL_VAULT_ESHORT,   /* payload shorter than nonce + tag */
	LL_VAULT_EBASE64,  /* payload not canonical base64url without padding */
	LL_VAULT_EAUTH,    /* authentication failed: tampered or misplaced */
	LL_VAULT_ESPACE,   /* output buffer too small */
	LL_VAULT_ENOMEM
};

/* Where a credential lives: the additional data. */
struct ll_vault_ad {
	const char *site;
	const char *provider;
	const char *field;
};

/* A parsed ciphertext; pointers borrow from the text except payload. */
struct ll_vault_parsed {
	char keyid[LL_VAULT_KEYID_MAX + 1];
	unsigned char *payload; /* malloc'd; release with ll_vault_parsed_release */
	size_t payload_len;
};

const char *ll_vault_strerror(enum ll_vault_error e);

/* Strict parser (a fuzz target): no key material needed. */
enum ll_vault_error ll_vault_parse(const char *text, struct ll_vault_parsed *out);
void ll_vault_parsed_release(struct ll_vault_parsed *p);

/* Encrypt under the active key.  *out is malloc'd text the caller frees. */
enum ll_vault_error ll_vault_encrypt(const struct ll_keyring *kr,
				     const struct ll_vault_ad *ad,
				     const char *plain, size_t plain_len,
				     char **out);

/* Decrypt into buf (NUL-terminated); *plain_len excludes the NUL.  buf is
 * wiped on failure; on success the caller wipes it with sodium_memzero. */
enum ll_vault_error ll_vault_decrypt(const struct ll_keyring *kr,
				     const struct ll_vault_ad *ad,
				     const char *text, char *buf, size_t buflen,
				     size_t *plain_len);

/* The key id a ciphertext names, or "" when it does not parse. */
void ll_vault_keyid_of(const char *text, char *out, size_t len);

#endif
