/*
 * The vault: credentials encrypted with XChaCha20-Poly1305 (libsodium AEAD).
 *
 * Text form:  v1:<keyid>:<base64url-nopad(nonce[24] || ciphertext || tag[16])>
 * Additional data binds a ciphertext to where it lives:
 *   "leadledger-cred" NUL "v1" NUL keyid NUL site NUL provider NUL field
 * so a ciphertext copied to another site, provider or field, or relabelled
 * with another key id, does not decrypt.
 *
 * Keyring file: lines "keyid base64key" (32-byte keys, standard base64) and
 * one "active=keyid"; '#' starts a comment.  It is opened without following
 * symlinks and refused when it is not a regular file owned by the effective
 * user or when group or others have any access.  Keys live in sodium_malloc
 * memory (guard pages, mlock, wiped on free).
 *
 * Error messages name paths, key ids and line numbers, never key bytes or
 * plaintext.  sodium_init() must have succeeded before any call.
 */
#ifndef LL_VAULT_H
#define LL_VAULT_H

#include <stddef.h>

#define LL_VAULT_KEY_BYTES 32
#define LL_VAULT_KEYID_MAX 32
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

struct ll_keyring;

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

/* Load a keyring.  path NULL means $CREDENTIALS_DIRECTORY/keyring (systemd
 * LoadCredentialEncrypted=).  Returns NULL and fills err on failure. */
struct ll_keyring *ll_keyring_load(const char *path, char *err, size_t errlen);
void ll_keyring_free(struct ll_keyring *kr);
const char *ll_keyring_active(const struct ll_keyring *kr);

/* Resolve the keyring path: $CREDENTIALS_DIRECTORY/keyring when that file
 * exists (systemd credentials), else the configured path.  Writes into out. */
void ll_keyring_resolve_path(const char *configured, char *out, size_t len);

/* Create the keyring (mode 0600) or add a fresh key and make it active.
 * keyid NULL picks "k<N>".  Writes the chosen id into out_id. */
int ll_keyring_generate(const char *path, const char *keyid, char *out_id,
			size_t idlen, char *err, size_t errlen);

/* Remove key keyid from the keyring file at path (rewritten atomically,
 * mode 0600).  Refused when it is the active key or not there.  0, or -1
 * with err filled.  Callers check first that nothing still needs it. */
int ll_keyring_remove(const char *path, const char *keyid, char *err, size_t errlen);

int ll_keyring_has(const struct ll_keyring *kr, const char *keyid);

int ll_vault_valid_keyid(const char *keyid);

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

/* A 32-byte subkey of key `keyid` for another purpose, named by an
 * 8-character context (crypto_kdf), so no vault key is used twice.
 * Returns 0, or -1 when the key id is not in the keyring.  The caller
 * wipes out with sodium_memzero. */
#define LL_VAULT_SUBKEY_BYTES 32
int ll_keyring_derive(const struct ll_keyring *kr, const char *keyid, const char *context,
		      unsigned char out[LL_VAULT_SUBKEY_BYTES]);

/* The key id a ciphertext names, or "" when it does not parse. */
void ll_vault_keyid_of(const char *text, char *out, size_t len);

#endif
