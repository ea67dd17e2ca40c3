#include "vault/vault.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AD_LABEL "leadledger-cred"

const char *ll_vault_strerror(enum ll_vault_error e)
{
	switch (e) {
	case LL_VAULT_OK: return "ok";
	case LL_VAULT_EFORMAT: return "not a vault ciphertext (expected v1:<keyid>:<payload>)";
	case LL_VAULT_EVERSION: return "unknown ciphertext version";
	case LL_VAULT_EKEYID: return "ciphertext names a key id that is not in the keyring";
	case LL_VAULT_ESHORT: return "ciphertext payload too short";
	case LL_VAULT_EBASE64: return "ciphertext payload is not canonical base64url";
	case LL_VAULT_EAUTH: return "ciphertext does not authenticate (tampered, or belongs to another site, provider or field)";
	case LL_VAULT_ESPACE: return "decrypted secret too long";
	case LL_VAULT_ENOMEM: return "out of memory";
	}
	return "unknown vault error";
}

void ll_vault_parsed_release(struct ll_vault_parsed *p)
{
	free(p->payload);
	p->payload = NULL;
	p->payload_len = 0;
}

/* The decoder ignores the unused low bits of the last character, so two
 * texts could carry one payload: accept only the canonical encoding. */
static int canonical_base64(const unsigned char *bin, size_t len, const char *text,
			    size_t text_len)
{
	size_t cap = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *again = malloc(cap);
	int same;

	if (!again)
		return 0;
	sodium_bin2base64(again, cap, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	same = strlen(again) == text_len && memcmp(again, text, text_len) == 0;
	free(again);
	return same;
}

enum ll_vault_error ll_vault_parse(const char *text, struct ll_vault_parsed *out)
{
	const char *p = text, *colon, *end = NULL;
	size_t idlen, b64len, cap;

	memset(out, 0, sizeof *out);
	if (p[0] != 'v' || p[1] < '0' || p[1] > '9')
		return LL_VAULT_EFORMAT;
	for (p++; *p >= '0' && *p <= '9'; p++)
		;
	if (*p != ':')
		return LL_VAULT_EFORMAT;
	if (p - text != 2 || text[1] != '1')
		return LL_VAULT_EVERSION;
	colon = strchr(p + 1, ':');
	if (!colon)
		return LL_VAULT_EFORMAT;
	idlen = (size_t)(colon - (p + 1));
	if (idlen == 0 || idlen > LL_VAULT_KEYID_MAX)
		return LL_VAULT_EFORMAT;
	memcpy(out->keyid, p + 1, idlen);
	out->keyid[idlen] = '\0';
	if (!ll_vault_valid_keyid(out->keyid))
		return LL_VAULT_EFORMAT;
	b64len = strlen(colon + 1);
	cap = b64len / 4 * 3 + 3;
	if (cap < LL_VAULT_NONCE_BYTES + LL_VAULT_TAG_BYTES)
		return LL_VAULT_ESHORT;
	out->payload = malloc(cap);
	if (!out->payload)
		return LL_VAULT_ENOMEM;
	if (sodium_base642bin(out->payload, cap, colon + 1, b64len, NULL,
			      &out->payload_len, &end,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    *end != '\0') {
		ll_vault_parsed_release(out);
		return LL_VAULT_EBASE64;
	}
	if (out->payload_len < LL_VAULT_NONCE_BYTES + LL_VAULT_TAG_BYTES) {
		ll_vault_parsed_release(out);
		return LL_VAULT_ESHORT;
	}
	if (!canonical_base64(out->payload, out->payload_len, colon + 1, b64len)) {
		ll_vault_parsed_release(out);
		return LL_VAULT_EBASE64;
	}
	return LL_VAULT_OK;
}

void ll_vault_keyid_of(const char *text, char *out, size_t len)
{
	struct ll_vault_parsed p;

	if (ll_vault_parse(text, &p) == LL_VAULT_OK)
		snprintf(out, len, "%s", p.keyid);
	else
		snprintf(out, len, "%s", "");
	ll_vault_parsed_release(&p);
}

/* label NUL "v1" NUL keyid NUL site NUL provider NUL field */
static unsigned char *build_ad(const char *keyid, const struct ll_vault_ad *ad,
			       size_t *len)
{
	const char *parts[] = { AD_LABEL, "v1", keyid, ad->site, ad->provider, ad->field };
	size_t total = 0, off = 0;
	unsigned char *buf;

	for (size_t i = 0; i < 6; i++)
		total += strlen(parts[i]) + 1;
	buf = malloc(total);
	if (!buf)
		return NULL;
	for (size_t i = 0; i < 6; i++) {
		size_t n = strlen(parts[i]) + 1;

		memcpy(buf + off, parts[i], n);
		off += n;
	}
	*len = total - 1;
	return buf;
}

enum ll_vault_error ll_vault_encrypt(const struct ll_keyring *kr,
				     const struct ll_vault_ad *ad,
				     const char *plain, size_t plain_len,
				     char **out)
{
	const char *keyid = ll_keyring_active(kr);
	const unsigned char *key = ll_keyring_key(kr, keyid);
	size_t ad_len, payload_len, text_len, prefix;
	unsigned char *adb, *payload;
	unsigned long long clen = 0;
	char *text;

	*out = NULL;
	if (!key)
		return LL_VAULT_EKEYID;
	adb = build_ad(keyid, ad, &ad_len);
	payload_len = LL_VAULT_NONCE_BYTES + plain_len + LL_VAULT_TAG_BYTES;
	payload = malloc(payload_len);
	if (!adb || !payload) {
		free(adb);
		free(payload);
		return LL_VAULT_ENOMEM;
	}
	randombytes_buf(payload, LL_VAULT_NONCE_BYTES);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		payload + LL_VAULT_NONCE_BYTES, &clen, (const unsigned char *)plain,
		plain_len, adb, ad_len, NULL, payload, key);
	free(adb);
	prefix = 3 + strlen(keyid) + 1;
	text_len = prefix + sodium_base64_ENCODED_LEN(
		payload_len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	text = malloc(text_len);
	if (!text) {
		free(payload);
		return LL_VAULT_ENOMEM;
	}
	snprintf(text, text_len, "v1:%s:", keyid);
	sodium_bin2base64(text + prefix, text_len - prefix, payload,
			  LL_VAULT_NONCE_BYTES + (size_t)clen,
			  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	free(payload);
	*out = text;
	return LL_VAULT_OK;
}

enum ll_vault_error ll_vault_decrypt(const struct ll_keyring *kr,
				     const struct ll_vault_ad *ad,
				     const char *text, char *buf, size_t buflen,
				     size_t *plain_len)
{
	struct ll_vault_parsed p;
	const unsigned char *key;
	enum ll_vault_error e = ll_vault_parse(text, &p);
	unsigned char *adb;
	unsigned long long mlen = 0;
	size_t ad_len, clen;
	int rc;

	if (buflen)
		buf[0] = '\0';
	if (e != LL_VAULT_OK)
		return e;
	key = ll_keyring_key(kr, p.keyid);
	if (!key) {
		ll_vault_parsed_release(&p);
		return LL_VAULT_EKEYID;
	}
	clen = p.payload_len - LL_VAULT_NONCE_BYTES;
	if (clen - LL_VAULT_TAG_BYTES + 1 > buflen) {
		ll_vault_parsed_release(&p);
		return LL_VAULT_ESPACE;
	}
	adb = build_ad(p.keyid, ad, &ad_len);
	if (!adb) {
		ll_vault_parsed_release(&p);
		return LL_VAULT_ENOMEM;
	}
	rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
		(unsigned char *)buf, &mlen, NULL, p.payload + LL_VAULT_NONCE_BYTES,
		clen, adb, ad_len, p.payload, key);
	free(adb);
	ll_vault_parsed_release(&p);
	if (rc != 0) {
		sodium_memzero(buf, buflen);
		return LL_VAULT_EAUTH;
	}
	buf[mlen] = '\0';
	*plain_len = (size_t)mlen;
	return LL_VAULT_OK;
}

