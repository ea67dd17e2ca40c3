/*
 * The keyring: the vault's keys, in a file of lines "keyid base64key"
 * (32-byte keys, standard base64) and one "active=keyid"; '#' starts a
 * comment.  It is opened without following symlinks and refused when it is
 * not a regular file owned by the effective user or when group or others
 * have any access.  Under systemd, $CREDENTIALS_DIRECTORY/keyring
 * (LoadCredentialEncrypted=) takes precedence over the configured path.
 * Keys live in sodium_malloc memory (guard pages, mlock, wiped on free).
 *
 * Error messages name paths, key ids and line numbers, never key bytes.
 * sodium_init() must have succeeded before any call.
 */
#ifndef LL_KEYRING_H
#define LL_KEYRING_H

#include <stddef.h>

#define LL_VAULT_KEY_BYTES 32
#define LL_VAULT_KEYID_MAX 32
#define LL_VAULT_SUBKEY_BYTES 32

struct ll_keyring;

/* Load a keyring (path resolved as ll_keyring_resolve_path does).  NULL
 * with err filled on failure. */
struct ll_keyring *ll_keyring_load(const char *path, char *err, size_t errlen);
void ll_keyring_free(struct ll_keyring *kr);
const char *ll_keyring_active(const struct ll_keyring *kr);
int ll_keyring_has(const struct ll_keyring *kr, const char *keyid);
/* Key keyid's 32 bytes (borrowed until ll_keyring_free), or NULL. */
const unsigned char *ll_keyring_key(const struct ll_keyring *kr, const char *keyid);

/* $CREDENTIALS_DIRECTORY/keyring when that file exists (systemd
 * credentials), else the configured path, written into out. */
void ll_keyring_resolve_path(const char *configured, char *out, size_t len);

/* Create the keyring (mode 0600) or add a fresh key and make it active.
 * keyid NULL picks "k<N>".  Writes the chosen id into out_id. */
int ll_keyring_generate(const char *path, const char *keyid, char *out_id,
			size_t idlen, char *err, size_t errlen);

/* Remove key keyid from the keyring file at path (rewritten atomically,
 * mode 0600).  Refused when it is the active key or not there.  0, or -1
 * with err filled.  Callers check first that nothing still needs it. */
int ll_keyring_remove(const char *path, const char *keyid, char *err, size_t errlen);

/* Key ids are [a-z0-9-]{1,32}. */
int ll_vault_valid_keyid(const char *keyid);

/* A 32-byte subkey of key `keyid` for another purpose, named by an
 * 8-character context (crypto_kdf), so no vault key is used twice.
 * Returns 0, or -1 when the key id is not in the keyring.  The caller
 * wipes out with sodium_memzero. */
int ll_keyring_derive(const struct ll_keyring *kr, const char *keyid, const char *context,
		      unsigned char out[LL_VAULT_SUBKEY_BYTES]);

#endif
