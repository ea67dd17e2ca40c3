/*
 * OAuth 2.0 for providers, run by the host (provider.h, ABI 1.4,
 * struct ll_oauth_def): access tokens, refresh-token rotation, and the
 * authorization-code grant behind `leadledger connect` and the
 * dashboard's Connect.
 *
 * Where things live:
 *   - the refresh token: site_integrations.credentials (vault ciphertext,
 *     field as the provider names it), seeded from the file;
 *   - the access token: oauth_tokens (vault ciphertext, field
 *     "oauth_access_token") with its expiry, shared by every thread and
 *     instance, and a copy in struct ll_host;
 *   - an authorization in progress: oauth_states, the BLAKE2b digest of
 *     its single-use state (never the state), bound to the integration,
 *     valid ten minutes.
 * Every token request runs on a connection of its own under a session
 * advisory lock per integration, so at most one is in flight anywhere;
 * it is sent once, never retried (a retried refresh would spend the
 * rotated token).  A refresh token the CRM refuses sets
 * needs_reconnect, with the CRM's words, and nothing retries it.
 */
#ifndef LL_OAUTH_H
#define LL_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "provider/host.h"
#include "store/db.h"

#define LL_OAUTH_TOKEN_MAX 4096
#define LL_OAUTH_STATE_TTL_S 600

/* The host service oauth_token (provider.h). */
enum ll_status ll_oauth_token(struct ll_host *h, int renew, char *out, size_t len, char *err,
			      size_t errlen);

/* The authorization URL for the integration of h, with a fresh state
 * stored on db (autocommit).  0, or -1 with err (the provider has no
 * authorization-code grant, a setting is missing). */
int ll_oauth_authorize_url(struct ll_host *h, struct ll_db *db, char *url, size_t len,
			   char *err, size_t errlen);

/* The integration a state was issued for: 1 with *integration_id when it
 * is known, unexpired and unused (it is marked used: single use), 0 when
 * not, -1 on a database error. */
int ll_oauth_state_take(struct ll_db *db, const char *state, int64_t *integration_id,
			char *err, size_t errlen);

/* Exchange an authorization code at the token endpoint and store what it
 * grants: the refresh token in the credentials, the access token in
 * oauth_tokens; the integration no longer needs attention.  LL_OK, or an
 * error with err (never a secret). */
enum ll_status ll_oauth_exchange_code(struct ll_host *h, const char *code, char *err,
				      size_t errlen);

#endif
