/* leadledger vault keygen | encrypt | rewrap | retire */
#include <getopt.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/log.h"
#include "vault/token.h"

#define REWRAP_BATCH "500"

static int valid_field(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '_'))
			return 0;
	return n > 0 && n <= 64;
}

static int vault_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "keyring", required_argument, NULL, 'k' },
		{ "key-id", required_argument, NULL, 'i' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = NULL, *keyid = NULL;
	char id[LL_VAULT_KEYID_MAX + 1], err[512];
	int c;

	while ((c = getopt_long(argc, argv, "k:i:", opts, NULL)) != -1) {
		if (c == 'k')
			path = optarg;
		else if (c == 'i')
			keyid = optarg;
		else
			return LL_EXIT_USAGE;
	}
	if (!path || optind != argc)
		return LL_EXIT_USAGE;
	if (keyid && !ll_vault_valid_keyid(keyid)) {
		ll_error("--key-id must match [a-z0-9-]{1,32}");
		return LL_EXIT_USAGE;
	}
	if (ll_keyring_generate(path, keyid, id, sizeof id, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	printf("%s: key %s added and active\n", path, id);
	return LL_EXIT_OK;
}

static int vault_encrypt(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site", required_argument, NULL, 's' },
		{ "provider", required_argument, NULL, 'p' },
		{ "field", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	struct ll_vault_ad ad = { NULL, NULL, NULL };
	char *secret, *ct = NULL;
	size_t len = 0;
	ssize_t n;
	enum ll_vault_error e;
	int c, rc;

	while ((c = getopt_long(argc, argv, "s:p:f:", opts, NULL)) != -1) {
		if (c == 's')
			ad.site = optarg;
		else if (c == 'p')
			ad.provider = optarg;
		else if (c == 'f')
			ad.field = optarg;
		else
			return LL_EXIT_USAGE;
	}
	if (!ad.site || !ad.provider || !ad.field || optind != argc)
		return LL_EXIT_USAGE;
	if (!ll_valid_site_id(ad.site) || !valid_field(ad.provider) || !valid_field(ad.field)) {
		ll_error("--site must match [a-z0-9-]+, --provider and --field [a-z0-9_]+");
		return LL_EXIT_USAGE;
	}
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_load_keyring(&cli->app)))
		return rc;
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "secret (end with Ctrl-D): ");
	/* Guarded, locked memory: the secret never touches a normal heap page. */
	secret = sodium_malloc(LL_VAULT_SECRET_MAX + 1);
	if (!secret) {
		ll_error("out of memory");
		return LL_EXIT_RUNTIME;
	}
	while (len < LL_VAULT_SECRET_MAX &&
	       (n = read(STDIN_FILENO, secret + len, LL_VAULT_SECRET_MAX - len)) > 0)
		len += (size_t)n;
	while (len > 0 && (secret[len - 1] == '\n' || secret[len - 1] == '\r'))
		len--;
	if (len == 0 || len >= LL_VAULT_SECRET_MAX) {
		sodium_free(secret);
		ll_error("the secret on standard input is empty or longer than %d bytes",
			 LL_VAULT_SECRET_MAX - 1);
		return LL_EXIT_USAGE;
	}
	e = ll_vault_encrypt(cli->app.keyring, &ad, secret, len, &ct);
	sodium_free(secret);
	if (e != LL_VAULT_OK) {
		ll_error("encrypt: %s", ll_vault_strerror(e));
		return LL_EXIT_RUNTIME;
	}
	printf("%s\n", ct);
	free(ct);
	return LL_EXIT_OK;
}

/* Re-encrypt one row's credentials; NULL when nothing changed.  Counts
 * fields rewrapped and fields that would not decrypt. */
static struct json_object *rewrap_row(const struct ll_keyring *kr, const char *site,
				      const char *provider, struct json_object *creds,
				      int64_t *fields, int64_t *failed)
{
	struct json_object *out = json_object_new_object();
	char *buf = sodium_malloc(LL_VAULT_SECRET_MAX + 1);
	int changed = 0;

	if (!out || !buf) {
		json_object_put(out);
		if (buf)
			sodium_free(buf);
		return NULL;
	}
	json_object_object_foreach(creds, field, val) {
		const char *text = json_object_get_string(val);
		struct ll_vault_ad ad = { site, provider, field };
		char keyid[LL_VAULT_KEYID_MAX + 1], *ct = NULL;
		size_t len = 0;

		ll_vault_keyid_of(text, keyid, sizeof keyid);
		if (strcmp(keyid, ll_keyring_active(kr)) == 0 ||
		    ll_vault_decrypt(kr, &ad, text, buf, LL_VAULT_SECRET_MAX + 1, &len) != LL_VAULT_OK ||
		    ll_vault_encrypt(kr, &ad, buf, len, &ct) != LL_VAULT_OK) {
			if (strcmp(keyid, ll_keyring_active(kr)) != 0) {
				(*failed)++;
				ll_warning("%s/%s: credential '%s' (key id '%s') cannot be rewrapped",
					   site, provider, field, keyid);
			}
			json_object_object_add(out, field, json_object_get(val));
			continue;
		}
		sodium_memzero(buf, LL_VAULT_SECRET_MAX + 1);
		json_object_object_add(out, field, json_object_new_string(ct));
		free(ct);
		(*fields)++;
		changed = 1;
	}
	sodium_free(buf);
	if (!changed) {
		json_object_put(out);
		return NULL;
	}
	return out;
}

static int vault_rewrap(struct ll_cli *cli, int argc, char **argv)
{
	const char *active;
	char last_id[24] = "0", err[1024];
	int64_t fields = 0, failed = 0, rows = 0;
	PGresult *res;
	int rc;

	(void)argv;
	if (argc > 1)
		return LL_EXIT_USAGE;
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_load_keyring(&cli->app)) || (rc = ll_app_connect(&cli->app)))
		return rc;
	active = ll_keyring_active(cli->app.keyring);
	for (;;) {
		const char *params[] = { active, last_id, REWRAP_BATCH };
		int n;

		/* One transaction per batch; rows a live sync holds are skipped
		 * and picked up by the next run of rewrap. */
		if (ll_db_begin(&cli->app.db, err, sizeof err) < 0)
			goto fail;
		res = ll_db_query(&cli->app.db,
				  "SELECT id, site_id, provider, credentials::text FROM site_integrations "
				  "WHERE id > $2::bigint AND EXISTS (SELECT 1 FROM jsonb_each_text(credentials) e "
				  " WHERE split_part(e.value, ':', 2) <> $1) "
				  "ORDER BY id LIMIT $3::int FOR UPDATE SKIP LOCKED",
				  3, params, err, sizeof err);
		if (!res)
			goto fail;
		n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			struct json_object *old = json_tokener_parse(PQgetvalue(res, i, 3)), *neu;
			const char *up[3];

			snprintf(last_id, sizeof last_id, "%s", PQgetvalue(res, i, 0));
			if (!old)
				continue;
			neu = rewrap_row(cli->app.keyring, PQgetvalue(res, i, 1),
					 PQgetvalue(res, i, 2), old, &fields, &failed);
			json_object_put(old);
			if (!neu)
				continue;
			up[0] = last_id;
			up[1] = PQgetvalue(res, i, 3);
			up[2] = json_object_to_json_string_ext(neu, JSON_C_TO_STRING_PLAIN);
			/* Compare-and-swap: a token rotated meanwhile wins. */
			rc = ll_db_exec(&cli->app.db,
					"UPDATE site_integrations SET credentials = $3::jsonb, updated_at = now() "
					"WHERE id = $1 AND credentials = $2::jsonb", 3, up, err, sizeof err);
			json_object_put(neu);
			if (rc < 0) {
				PQclear(res);
				goto fail;
			}
			rows++;
		}
		PQclear(res);
		if (ll_db_commit(&cli->app.db, err, sizeof err) < 0)
			goto fail;
		if (n == 0)
			break;
	}
	{
		const char *params[] = { active };

		res = ll_db_query(&cli->app.db,
				  "SELECT count(*) FROM site_integrations WHERE EXISTS (SELECT 1 FROM "
				  "jsonb_each_text(credentials) e WHERE split_part(e.value, ':', 2) <> $1)",
				  1, params, err, sizeof err);
		if (!res)
			goto fail;
		printf("rewrapped %" PRId64 " credential%s in %" PRId64 " integration%s under key %s; "
		       "%s integration%s still hold credentials under other keys\n",
		       fields, fields == 1 ? "" : "s", rows, rows == 1 ? "" : "s", active,
		       PQgetvalue(res, 0, 0), strcmp(PQgetvalue(res, 0, 0), "1") ? "s" : "");
		PQclear(res);
	}
	return failed ? LL_EXIT_RUNTIME : LL_EXIT_OK;
fail:
	ll_db_rollback(&cli->app.db);
	ll_error("rewrap: %s", err);
	return LL_EXIT_RUNTIME;
}

/* Ciphertexts in the configuration file under keyid: reported with their
 * lines; returns how many. */
static int file_ciphertexts_under(const struct ll_config *cfg, const char *keyid)
{
	char id[LL_VAULT_KEYID_MAX + 1];
	int n = 0;

	for (size_t i = 0; i < cfg->n_sites; i++)
		for (size_t j = 0; j < cfg->sites[i].n_integrations; j++) {
			const struct ll_integration_conf *ic = &cfg->sites[i].integrations[j];

			for (size_t k = 0; k < ic->n_credentials; k++) {
				ll_vault_keyid_of(ic->credentials[k].ciphertext, id, sizeof id);
				if (strcmp(id, keyid) != 0)
					continue;
				ll_error("%s:%d: credential '%s' is encrypted under key %s: re-encrypt "
					 "it (vault encrypt) first", cfg->path, ic->credentials[k].line,
					 ic->credentials[k].field, keyid);
				n++;
			}
		}
	return n;
}

/* Remove a key from the keyring once nothing needs it: no credential in
 * the file or the database under it, and no live API token (unless
 * --force: those tokens then stop working). */
static int vault_retire(struct ll_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-id", required_argument, NULL, 'i' },
		{ "force", no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keyid = NULL;
	char path[4096], ids[256], err[1024];
	const char *params[1];
	int64_t tokens;
	PGresult *res;
	int c, rc, force = 0, stored;

	while ((c = getopt_long(argc, argv, "i:f", opts, NULL)) != -1) {
		if (c == 'i')
			keyid = optarg;
		else if (c == 'f')
			force = 1;
		else
			return LL_EXIT_USAGE;
	}
	if (!keyid || optind != argc)
		return LL_EXIT_USAGE;
	if ((rc = ll_app_load_config(&cli->app, cli->config_path)) ||
	    (rc = ll_app_load_keyring(&cli->app)) || (rc = ll_app_connect(&cli->app)))
		return rc;
	if (!ll_keyring_has(cli->app.keyring, keyid)) {
		ll_error("key %s is not in the keyring", keyid);
		return LL_EXIT_USAGE;
	}
	if (file_ciphertexts_under(&cli->app.cfg, keyid) > 0)
		return LL_EXIT_RUNTIME;
	params[0] = keyid;
	res = ll_db_query(&cli->app.db,
			  "SELECT count(*) FROM site_integrations WHERE EXISTS (SELECT 1 FROM "
			  "jsonb_each_text(credentials) e WHERE split_part(e.value, ':', 2) = $1)",
			  1, params, err, sizeof err);
	if (!res) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	stored = (int)strtol(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	if (stored > 0) {
		ll_error("%d integration%s still hold%s credentials under key %s: run "
			 "leadledger vault rewrap first", stored, stored == 1 ? "" : "s",
			 stored == 1 ? "s" : "", keyid);
		return LL_EXIT_RUNTIME;
	}
	tokens = ll_token_live_under(&cli->app.db, keyid, ids, sizeof ids, err, sizeof err);
	if (tokens < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	if (tokens > 0 && !force) {
		ll_error("%lld live API token%s (id %s) %s issued under key %s and would stop "
			 "working: issue new ones (token create), revoke these, then retire the "
			 "key; or retire it anyway with --force", (long long)tokens,
			 tokens == 1 ? "" : "s", ids, tokens == 1 ? "was" : "were", keyid);
		return LL_EXIT_RUNTIME;
	}
	ll_keyring_resolve_path(cli->app.cfg.keyring, path, sizeof path);
	if (ll_keyring_remove(path, keyid, err, sizeof err) < 0) {
		ll_error("%s", err);
		return LL_EXIT_RUNTIME;
	}
	printf("%s: key %s retired%s\n", path, keyid,
	       tokens > 0 ? "; the API tokens issued under it no longer work" : "");
	return LL_EXIT_OK;
}

int ll_cmd_vault(struct ll_cli *cli, int argc, char **argv)
{
	if (argc < 2)
		return LL_EXIT_USAGE;
	if (strcmp(argv[1], "keygen") == 0)
		return vault_keygen(argc - 1, argv + 1);
	if (strcmp(argv[1], "encrypt") == 0)
		return vault_encrypt(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "rewrap") == 0)
		return vault_rewrap(cli, argc - 1, argv + 1);
	if (strcmp(argv[1], "retire") == 0)
		return vault_retire(cli, argc - 1, argv + 1);
	return LL_EXIT_USAGE;
}
