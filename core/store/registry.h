/*
 * The site registry in the database, brought into line with the
 * configuration file on start and on reload.
 *
 * Sites and integrations in the file are inserted or updated; an
 * integration no longer in the file is disabled, never deleted, so its data
 * stays.  Credentials from the file replace the stored ones only when the
 * file's ciphertexts changed: a token rotated by a provider (stored through
 * credential_set) survives reloads of an unchanged file.
 */
#ifndef LL_REGISTRY_H
#define LL_REGISTRY_H

#include <json-c/json.h>
#include <stdint.h>

#include "config/config.h"
#include "store/db.h"

int ll_registry_reconcile(struct ll_db *db, const struct ll_config *cfg,
			  char *err, size_t errlen);

struct ll_integration_row {
	int64_t id;
	int enabled;
	int needs_attention;
	int needs_reconnect;             /* the CRM refused its OAuth grant */
	struct json_object *credentials; /* owned: field -> ciphertext */
};

/* Look up one integration; 0 found, 1 not found, -1 error. */
int ll_registry_lookup(struct ll_db *db, const char *site, const char *provider,
		       struct ll_integration_row *row, char *err, size_t errlen);
void ll_integration_row_release(struct ll_integration_row *row);

/* Mark or clear "needs attention" with a reason (NULL clears). */
int ll_registry_set_attention(struct ll_db *db, int64_t integration_id,
			      const char *reason, char *err, size_t errlen);

#endif
