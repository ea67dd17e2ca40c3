#include "vault/keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYRING_MAX_BYTES 65536
#define KEYRING_MAX_KEYS 64

struct vault_key {
	char id[LL_VAULT_KEYID_MAX + 1];
	unsigned char *key; /* sodium_malloc'd */
};

struct ll_keyring {
	struct vault_key keys[KEYRING_MAX_KEYS];
	size_t n_keys;
	char active[LL_VAULT_KEYID_MAX + 1];
};

int ll_vault_valid_keyid(const char *id)
{
	size_t n = 0;

	for (; id[n]; n++) {
		char c = id[n];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return n >= 1 && n <= LL_VAULT_KEYID_MAX;
}

void ll_keyring_free(struct ll_keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n_keys; i++)
		sodium_free(kr->keys[i].key);
	sodium_memzero(kr, sizeof *kr);
	free(kr);
}

const char *ll_keyring_active(const struct ll_keyring *kr)
{
	return kr->active;
}

static const struct vault_key *keyring_find(const struct ll_keyring *kr,
					    const char *id)
{
	for (size_t i = 0; i < kr->n_keys; i++)
		if (strcmp(kr->keys[i].id, id) == 0)
			return &kr->keys[i];
	return NULL;
}

void ll_keyring_resolve_path(const char *configured, char *out, size_t len)
{
	const char *dir = getenv("CREDENTIALS_DIRECTORY");

	if (dir && *dir) {
		struct stat st;

		snprintf(out, len, "%s/keyring", dir);
		if (lstat(out, &st) == 0)
			return;
	}
	snprintf(out, len, "%s", configured ? configured : "");
}

/* Read the whole file through a descriptor that was checked with fstat, so
 * the checked inode is the one read (no symlink, no race). */
static char *read_private_file(const char *path, int must_exist, char *err,
			       size_t errlen)
{
	struct stat st;
	char *data;
	ssize_t n;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0) {
		if (errno == ENOENT && !must_exist) {
			snprintf(err, errlen, "%s", "");
			return NULL;
		}
		snprintf(err, errlen, "keyring %s: %s%s", path, strerror(errno),
			 errno == ELOOP ? " (symbolic links are refused)" : "");
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "keyring %s: not a regular file", path);
		close(fd);
		return NULL;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen,
			 "keyring %s: mode %04o lets group or others access it; "
			 "run chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
		close(fd);
		return NULL;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errlen, "keyring %s: owned by uid %u, not by the "
			 "service user (uid %u)", path, (unsigned)st.st_uid,
			 (unsigned)geteuid());
		close(fd);
		return NULL;
	}
	if (st.st_size > KEYRING_MAX_BYTES) {
		snprintf(err, errlen, "keyring %s: larger than %d bytes", path,
			 KEYRING_MAX_BYTES);
		close(fd);
		return NULL;
	}
	data = sodium_malloc((size_t)st.st_size + 1);
	if (!data) {
		snprintf(err, errlen, "keyring %s: out of memory", path);
		close(fd);
		return NULL;
	}
	while (off < (size_t)st.st_size &&
	       (n = read(fd, data + off, (size_t)st.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	data[off] = '\0';
	return data;
}

static int keyring_parse(struct ll_keyring *kr, const char *path, char *text,
			 char *err, size_t errlen)
{
	char *save = NULL, *line;
	int lineno = 0;

	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp, *b64;
		struct vault_key *k;
		size_t keylen = 0;
		const char *end = NULL;

		lineno++;
		line[strcspn(line, "\r")] = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (*line == '\0' || *line == '#')
			continue;
		if (strncmp(line, "active=", 7) == 0) {
			if (!ll_vault_valid_keyid(line + 7)) {
				snprintf(err, errlen, "keyring %s:%d: bad active key id",
					 path, lineno);
				return -1;
			}
			snprintf(kr->active, sizeof kr->active, "%s", line + 7);
			continue;
		}
		sp = strchr(line, ' ');
		if (!sp) {
			snprintf(err, errlen, "keyring %s:%d: expected \"keyid base64key\"",
				 path, lineno);
			return -1;
		}
		*sp = '\0';
		b64 = sp + 1;
		while (*b64 == ' ')
			b64++;
		b64[strcspn(b64, " \t")] = '\0';
		if (!ll_vault_valid_keyid(line)) {
			snprintf(err, errlen, "keyring %s:%d: bad key id (want [a-z0-9-]{1,32})",
				 path, lineno);
			return -1;
		}
		if (keyring_find(kr, line)) {
			snprintf(err, errlen, "keyring %s:%d: duplicate key id %s",
				 path, lineno, line);
			return -1;
		}
		if (kr->n_keys == KEYRING_MAX_KEYS) {
			snprintf(err, errlen, "keyring %s:%d: more than %d keys",
				 path, lineno, KEYRING_MAX_KEYS);
			return -1;
		}
		k = &kr->keys[kr->n_keys];
		k->key = sodium_malloc(LL_VAULT_KEY_BYTES);
		if (!k->key) {
			snprintf(err, errlen, "keyring %s: out of memory", path);
			return -1;
		}
		if (sodium_base642bin(k->key, LL_VAULT_KEY_BYTES, b64, strlen(b64),
				      NULL, &keylen, &end,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    keylen != LL_VAULT_KEY_BYTES || *end != '\0') {
			sodium_free(k->key);
			k->key = NULL;
			snprintf(err, errlen, "keyring %s:%d: key %s is not 32 bytes of base64",
				 path, lineno, line);
			return -1;
		}
		snprintf(k->id, sizeof k->id, "%s", line);
		kr->n_keys++;
	}
	if (kr->n_keys == 0) {
		snprintf(err, errlen, "keyring %s: no keys", path);
		return -1;
	}
	if (!kr->active[0]) {
		snprintf(err, errlen, "keyring %s: no active=<keyid> line", path);
		return -1;
	}
	if (!keyring_find(kr, kr->active)) {
		snprintf(err, errlen, "keyring %s: active key %s is not in the file",
			 path, kr->active);
		return -1;
	}
	return 0;
}

struct ll_keyring *ll_keyring_load(const char *path, char *err, size_t errlen)
{
	struct ll_keyring *kr;
	char resolved[PATH_MAX];
	char *text;
	int rc;

	ll_keyring_resolve_path(path, resolved, sizeof resolved);
	if (!resolved[0]) {
		snprintf(err, errlen, "no keyring configured");
		return NULL;
	}
	text = read_private_file(resolved, 1, err, errlen);
	if (!text)
		return NULL;
	kr = calloc(1, sizeof *kr);
	if (!kr) {
		sodium_free(text);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rc = keyring_parse(kr, resolved, text, err, errlen);
	sodium_free(text);
	if (rc < 0) {
		ll_keyring_free(kr);
		return NULL;
	}
	return kr;
}

static int write_keyring(const char *path, const char *text, char *err,
			 size_t errlen)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text), off = 0;
	int fd;

	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >=
	    (int)sizeof tmp) {
		snprintf(err, errlen, "keyring path too long");
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errlen, "keyring %s: %s", tmp, strerror(errno));
		return -1;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n <= 0) {
			snprintf(err, errlen, "keyring %s: write failed", tmp);
			close(fd);
			unlink(tmp);
			return -1;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, errlen, "keyring %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

int ll_keyring_generate(const char *path, const char *keyid, char *out_id,
			size_t idlen, char *err, size_t errlen)
{
	unsigned char key[LL_VAULT_KEY_BYTES];
	char b64[sodium_base64_ENCODED_LEN(LL_VAULT_KEY_BYTES,
					   sodium_base64_VARIANT_ORIGINAL)];
	char id[LL_VAULT_KEYID_MAX + 1];
	char *old, *text, *save = NULL, *line;
	size_t cap;
	int rc, n = 0;
	struct ll_keyring *probe = NULL;

	old = read_private_file(path, 0, err, errlen);
	if (!old && err[0])
		return -1;
	if (old) {
		/* Validate what is there before touching it. */
		char *copy = strdup(old);

		probe = calloc(1, sizeof *probe);
		if (!copy || !probe || keyring_parse(probe, path, copy, err, errlen) < 0) {
			if (!copy || !probe)
				snprintf(err, errlen, "out of memory");
			free(copy);
			ll_keyring_free(probe);
			sodium_free(old);
			return -1;
		}
		free(copy);
		n = (int)probe->n_keys;
	}
	if (keyid) {
		snprintf(id, sizeof id, "%s", keyid);
	} else {
		do
			snprintf(id, sizeof id, "k%d", ++n);
		while (probe && keyring_find(probe, id));
	}
	if (!ll_vault_valid_keyid(id) || (probe && keyring_find(probe, id))) {
		snprintf(err, errlen, "key id %s is invalid or already in %s", id, path);
		ll_keyring_free(probe);
		if (old)
			sodium_free(old);
		return -1;
	}
	ll_keyring_free(probe);
	randombytes_buf(key, sizeof key);
	sodium_bin2base64(b64, sizeof b64, key, sizeof key,
			  sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof key);
	cap = (old ? strlen(old) : 0) + sizeof b64 + 2 * sizeof id + 128;
	text = sodium_malloc(cap);
	if (!text) {
		sodium_memzero(b64, sizeof b64);
		if (old)
			sodium_free(old);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	text[0] = '\0';
	if (!old)
		snprintf(text, cap, "# leadledger keyring: \"keyid base64key\" lines, "
			 "one active=<keyid>\n");
	for (line = old ? strtok_r(old, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "active=", 7) == 0)
			continue;
		strncat(text, line, cap - strlen(text) - 1);
		strncat(text, "\n", cap - strlen(text) - 1);
	}
	snprintf(text + strlen(text), cap - strlen(text), "%s %s\nactive=%s\n",
		 id, b64, id);
	sodium_memzero(b64, sizeof b64);
	rc = write_keyring(path, text, err, errlen);
	sodium_free(text);
	if (old)
		sodium_free(old);
	if (rc == 0)
		snprintf(out_id, idlen, "%s", id);
	return rc;
}

int ll_keyring_has(const struct ll_keyring *kr, const char *keyid)
{
	return keyring_find(kr, keyid) != NULL;
}

/* A copy of secret text in guarded memory (sodium_free it). */
static char *secret_dup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = sodium_malloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

int ll_keyring_remove(const char *path, const char *keyid, char *err, size_t errlen)
{
	struct ll_keyring *probe = calloc(1, sizeof *probe);
	char *old = read_private_file(path, 1, err, errlen), *copy = NULL, *text = NULL;
	char *save = NULL, *line;
	size_t off = 0;
	int rc = -1;

	/* The kept lines, each with its newline: at most one byte more. */
	if (!probe || !old || !(copy = secret_dup(old)) ||
	    !(text = sodium_malloc(strlen(old) + 2))) {
		if (old && (!probe || !copy || !text))
			snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (keyring_parse(probe, path, copy, err, errlen) < 0)
		goto out;
	if (!keyring_find(probe, keyid)) {
		snprintf(err, errlen, "keyring %s: no key %s", path, keyid);
		goto out;
	}
	if (strcmp(probe->active, keyid) == 0) {
		snprintf(err, errlen, "keyring %s: key %s is the active key: add and activate "
			 "another (vault keygen) before retiring it", path, keyid);
		goto out;
	}
	for (line = strtok_r(old, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *id = line + strspn(line, " \t");
		size_t len = strcspn(id, " \t"), n = strlen(line);

		if (len == strlen(keyid) && strncmp(id, keyid, len) == 0 && id[len])
			continue; /* the retired key's line */
		memcpy(text + off, line, n);
		text[off + n] = '\n';
		off += n + 1;
	}
	text[off] = '\0';
	rc = write_keyring(path, text, err, errlen);
out:
	ll_keyring_free(probe);
	if (old)
		sodium_free(old);
	if (copy)
		sodium_free(copy);
	if (text)
		sodium_free(text);
	return rc;
}

const unsigned char *ll_keyring_key(const struct ll_keyring *kr, const char *keyid)
{
	const struct vault_key *k = keyring_find(kr, keyid);

	return k ? k->key : NULL;
}

int ll_keyring_derive(const struct ll_keyring *kr, const char *keyid, const char *context,
		      unsigned char out[LL_VAULT_SUBKEY_BYTES])
{
	const struct vault_key *k = keyring_find(kr, keyid);

	if (!k || strlen(context) != crypto_kdf_CONTEXTBYTES)
		return -1;
	return crypto_kdf_derive_from_key(out, LL_VAULT_SUBKEY_BYTES, 1, context, k->key);
}
