/*
 * libFuzzer target: the vault's ciphertext parser and decryption path.
 * Any input must be rejected or accepted cleanly, never crash or leak.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ll_vault_parsed p;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (ll_vault_parse(text, &p) == LL_VAULT_OK) {
		/* A parsed payload is at least nonce + tag long. */
		if (p.payload_len < LL_VAULT_NONCE_BYTES + LL_VAULT_TAG_BYTES)
			abort();
		ll_vault_parsed_release(&p);
	}
	free(text);
	return 0;
}
