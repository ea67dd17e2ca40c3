/*
 * credgen: bulk vault ciphertexts for the rotation test.
 *   credgen make KEYRING N      print N "site<TAB>provider<TAB>credentials-json" rows
 *   credgen verify KEYRING      read "site<TAB>provider<TAB>field<TAB>ciphertext"
 *                               rows on stdin; print how many decrypt; exit 1 if any fail
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/vault.h"

int main(int argc, char **argv)
{
	struct ll_keyring *kr;
	char err[512];
	long ok = 0, bad = 0;

	if (argc < 3 || sodium_init() < 0)
		return 2;
	kr = ll_keyring_load(argv[2], err, sizeof err);
	if (!kr) {
		fprintf(stderr, "credgen: %s\n", err);
		return 1;
	}
	if (strcmp(argv[1], "make") == 0 && argc == 4) {
		long n = strtol(argv[3], NULL, 10);

		for (long i = 0; i < n; i++) {
			char site[32], secret[64], *ct = NULL;
			struct ll_vault_ad ad = { site, "housecallpro", "api_key" };

			snprintf(site, sizeof site, "rot-%ld", i);
			snprintf(secret, sizeof secret, "secret-%ld", i);
			if (ll_vault_encrypt(kr, &ad, secret, strlen(secret), &ct) != LL_VAULT_OK)
				return 1;
			printf("%s\thousecallpro\t{\"api_key\": \"%s\"}\n", site, ct);
			free(ct);
		}
	} else if (strcmp(argv[1], "verify") == 0) {
		char line[4096], buf[256];

		while (fgets(line, sizeof line, stdin)) {
			char *site = strtok(line, "\t\n"), *prov = strtok(NULL, "\t\n");
			char *field = strtok(NULL, "\t\n"), *ct = strtok(NULL, "\t\n");
			struct ll_vault_ad ad = { site, prov, field };
			size_t n;

			if (!ct)
				continue;
			if (ll_vault_decrypt(kr, &ad, ct, buf, sizeof buf, &n) == LL_VAULT_OK &&
			    strncmp(buf, "secret-", 7) == 0)
				ok++;
			else
				bad++;
			sodium_memzero(buf, sizeof buf);
		}
		printf("%ld decrypt, %ld fail\n", ok, bad);
	} else {
		ll_keyring_free(kr);
		return 2;
	}
	ll_keyring_free(kr);
	return bad ? 1 : 0;
}
