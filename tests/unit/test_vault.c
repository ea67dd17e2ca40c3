/* Vault: round trips, binding, tampering, nonces, keyrings. */
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testing.h"
#include "vault/vault.h"

static const struct ll_vault_ad AD = { "patton-plumbing", "housecallpro", "api_key" };

static struct ll_keyring *fresh_keyring(const char *name)
{
	char path[512], id[40], err[512];
	struct ll_keyring *kr;

	snprintf(path, sizeof path, "%s/%s", tt_dir(), name);
	unlink(path);
	assert_int_equal(ll_keyring_generate(path, "k1", id, sizeof id, err, sizeof err), 0);
	kr = ll_keyring_load(path, err, sizeof err);
	assert_non_null(kr);
	return kr;
}

static void round_trip(void **state)
{
	struct ll_keyring *kr = fresh_keyring("kr-rt");
	char *ct = NULL, buf[256];
	size_t n = 0;

	(void)state;
	assert_int_equal(ll_vault_encrypt(kr, &AD, "secret-123", 10, &ct), LL_VAULT_OK);
	assert_true(strncmp(ct, "v1:k1:", 6) == 0);
	assert_null(strstr(ct, "secret"));
	assert_int_equal(ll_vault_decrypt(kr, &AD, ct, buf, sizeof buf, &n), LL_VAULT_OK);
	assert_int_equal(n, 10);
	assert_string_equal(buf, "secret-123");
	free(ct);
	ll_keyring_free(kr);
}

static void bound_to_site_provider_field(void **state)
{
	struct ll_keyring *kr = fresh_keyring("kr-bind");
	struct ll_vault_ad other_site = { "other-site", "housecallpro", "api_key" };
	struct ll_vault_ad other_field = { "patton-plumbing", "housecallpro", "refresh_token" };
	struct ll_vault_ad other_prov = { "patton-plumbing", "jobber", "api_key" };
	char *ct = NULL, buf[256];
	size_t n;

	(void)state;
	assert_int_equal(ll_vault_encrypt(kr, &AD, "s", 1, &ct), LL_VAULT_OK);
	assert_int_equal(ll_vault_decrypt(kr, &other_site, ct, buf, sizeof buf, &n), LL_VAULT_EAUTH);
	assert_int_equal(ll_vault_decrypt(kr, &other_field, ct, buf, sizeof buf, &n), LL_VAULT_EAUTH);
	assert_int_equal(ll_vault_decrypt(kr, &other_prov, ct, buf, sizeof buf, &n), LL_VAULT_EAUTH);
	free(ct);
	ll_keyring_free(kr);
}

static void every_bit_flip_and_truncation_fails(void **state)
{
	struct ll_keyring *kr = fresh_keyring("kr-flip");
	char *ct = NULL, buf[256];
	struct ll_vault_parsed p;
	size_t n, len;

	(void)state;
	assert_int_equal(ll_vault_encrypt(kr, &AD, "a secret value", 14, &ct), LL_VAULT_OK);
	len = strlen(ct);
	/* Flip each bit of the text form. */
	for (size_t i = 0; i < len; i++)
		for (int b = 0; b < 8; b++) {
			char *t = strdup(ct);

			assert_non_null(t);
			t[i] ^= (char)(1 << b);
			assert_int_not_equal(ll_vault_decrypt(kr, &AD, t, buf, sizeof buf, &n), LL_VAULT_OK);
			free(t);
		}
	/* Flip each bit of the decoded payload, re-encoded canonically. */
	assert_int_equal(ll_vault_parse(ct, &p), LL_VAULT_OK);
	for (size_t i = 0; i < p.payload_len * 8; i++) {
		char text[512];
		size_t off = (size_t)snprintf(text, sizeof text, "v1:k1:");

		p.payload[i / 8] ^= (unsigned char)(1 << (i % 8));
		sodium_bin2base64(text + off, sizeof text - off, p.payload, p.payload_len,
				  sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		assert_int_equal(ll_vault_decrypt(kr, &AD, text, buf, sizeof buf, &n), LL_VAULT_EAUTH);
		p.payload[i / 8] ^= (unsigned char)(1 << (i % 8));
	}
	ll_vault_parsed_release(&p);
	for (size_t cut = 0; cut < len; cut++) {
		char *t = strndup(ct, cut);

		assert_non_null(t);
		assert_int_not_equal(ll_vault_decrypt(kr, &AD, t, buf, sizeof buf, &n), LL_VAULT_OK);
		free(t);
	}
	free(ct);
	ll_keyring_free(kr);
}

static void parser_errors_are_distinct(void **state)
{
	struct ll_keyring *kr = fresh_keyring("kr-parse");
	char buf[64];
	size_t n;
	char *ct = NULL, *relabeled;

	(void)state;
	assert_int_equal(ll_vault_decrypt(kr, &AD, "plaintext-key", buf, sizeof buf, &n), LL_VAULT_EFORMAT);
	assert_int_equal(ll_vault_decrypt(kr, &AD, "v9:k1:AAAA", buf, sizeof buf, &n), LL_VAULT_EVERSION);
	assert_int_equal(ll_vault_decrypt(kr, &AD, "v1:k1:AAAA", buf, sizeof buf, &n), LL_VAULT_ESHORT);
	assert_int_equal(ll_vault_encrypt(kr, &AD, "x", 1, &ct), LL_VAULT_OK);
	relabeled = strdup(ct);
	assert_non_null(relabeled);
	relabeled[4] = 'x'; /* key id kx */
	assert_int_equal(ll_vault_decrypt(kr, &AD, relabeled, buf, sizeof buf, &n), LL_VAULT_EKEYID);
	/* Non-canonical base64: padding, or a character outside the alphabet. */
	free(relabeled);
	relabeled = malloc(strlen(ct) + 3);
	assert_non_null(relabeled);
	snprintf(relabeled, strlen(ct) + 3, "%s==", ct);
	assert_int_equal(ll_vault_decrypt(kr, &AD, relabeled, buf, sizeof buf, &n), LL_VAULT_EBASE64);
	free(relabeled);
	free(ct);
	ll_keyring_free(kr);
}

static int cmp_nonce(const void *a, const void *b)
{
	return memcmp(a, b, LL_VAULT_NONCE_BYTES);
}

static void nonces_are_distinct(void **state)
{
	enum { N = 100000 };
	struct ll_keyring *kr = fresh_keyring("kr-nonce");
	unsigned char *nonces = malloc((size_t)N * LL_VAULT_NONCE_BYTES);

	(void)state;
	assert_non_null(nonces);
	for (int i = 0; i < N; i++) {
		struct ll_vault_parsed p;
		char *ct = NULL;

		assert_int_equal(ll_vault_encrypt(kr, &AD, "same secret", 11, &ct), LL_VAULT_OK);
		assert_int_equal(ll_vault_parse(ct, &p), LL_VAULT_OK);
		memcpy(nonces + (size_t)i * LL_VAULT_NONCE_BYTES, p.payload, LL_VAULT_NONCE_BYTES);
		ll_vault_parsed_release(&p);
		free(ct);
	}
	qsort(nonces, N, LL_VAULT_NONCE_BYTES, cmp_nonce);
	for (int i = 1; i < N; i++)
		assert_int_not_equal(cmp_nonce(nonces + (size_t)(i - 1) * LL_VAULT_NONCE_BYTES,
					       nonces + (size_t)i * LL_VAULT_NONCE_BYTES), 0);
	free(nonces);
	ll_keyring_free(kr);
}

static void keyring_permissions_and_symlinks_refused(void **state)
{
	char path[512], link[512], id[40], err[512];
	struct ll_keyring *kr;

	(void)state;
	snprintf(path, sizeof path, "%s/kr-perm", tt_dir());
	unlink(path);
	assert_int_equal(ll_keyring_generate(path, NULL, id, sizeof id, err, sizeof err), 0);
	assert_string_equal(id, "k1");
	assert_int_equal(chmod(path, 0644), 0);
	kr = ll_keyring_load(path, err, sizeof err);
	assert_null(kr);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "0644"));
	assert_int_equal(chmod(path, 0600), 0);
	snprintf(link, sizeof link, "%s/kr-link", tt_dir());
	unlink(link);
	assert_int_equal(symlink(path, link), 0);
	kr = ll_keyring_load(link, err, sizeof err);
	assert_null(kr);
	assert_non_null(strstr(err, "symbolic"));
	kr = ll_keyring_load(path, err, sizeof err);
	assert_non_null(kr);
	ll_keyring_free(kr);
}

static void rotation_keeps_old_keys_decrypting(void **state)
{
	char path[512], id[40], err[512], buf[64];
	struct ll_keyring *kr;
	char *ct1 = NULL, *ct2 = NULL;
	size_t n;

	(void)state;
	snprintf(path, sizeof path, "%s/kr-rot", tt_dir());
	unlink(path);
	assert_int_equal(ll_keyring_generate(path, NULL, id, sizeof id, err, sizeof err), 0);
	kr = ll_keyring_load(path, err, sizeof err);
	assert_int_equal(ll_vault_encrypt(kr, &AD, "old", 3, &ct1), LL_VAULT_OK);
	ll_keyring_free(kr);
	assert_int_equal(ll_keyring_generate(path, NULL, id, sizeof id, err, sizeof err), 0);
	assert_string_equal(id, "k2");
	kr = ll_keyring_load(path, err, sizeof err);
	assert_non_null(kr);
	assert_string_equal(ll_keyring_active(kr), "k2");
	assert_int_equal(ll_vault_decrypt(kr, &AD, ct1, buf, sizeof buf, &n), LL_VAULT_OK);
	assert_int_equal(ll_vault_encrypt(kr, &AD, "new", 3, &ct2), LL_VAULT_OK);
	assert_true(strncmp(ct2, "v1:k2:", 6) == 0);
	assert_int_equal(ll_keyring_generate(path, "k2", id, sizeof id, err, sizeof err), -1);
	free(ct1);
	free(ct2);
	ll_keyring_free(kr);
}

static void credentials_directory_takes_precedence(void **state)
{
	char dir[512], out[600];

	(void)state;
	snprintf(dir, sizeof dir, "%s/creds", tt_dir());
	mkdir(dir, 0700);
	snprintf(out, sizeof out, "%s/keyring", dir);
	unlink(out);
	setenv("CREDENTIALS_DIRECTORY", dir, 1);
	ll_keyring_resolve_path("/etc/leadledger/keyring", out, sizeof out);
	assert_string_equal(out, "/etc/leadledger/keyring");
	tt_write_file("creds/keyring", "x");
	ll_keyring_resolve_path("/etc/leadledger/keyring", out, sizeof out);
	assert_non_null(strstr(out, "/creds/keyring"));
	unsetenv("CREDENTIALS_DIRECTORY");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bound_to_site_provider_field),
		cmocka_unit_test(every_bit_flip_and_truncation_fails),
		cmocka_unit_test(parser_errors_are_distinct),
		cmocka_unit_test(nonces_are_distinct),
		cmocka_unit_test(keyring_permissions_and_symlinks_refused),
		cmocka_unit_test(rotation_keeps_old_keys_decrypting),
		cmocka_unit_test(credentials_directory_takes_precedence),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
