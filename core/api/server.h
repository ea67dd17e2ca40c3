/*
 * leadledgerd's read-only HTTP server (libmicrohttpd): the JSON API under
 * /api/v1/sites/<site>/..., the dashboard's static files and /metrics.
 *
 * Access: a site's routes answer only for a site that is in the current
 * configuration with the featured plan *and* a live token of that site in
 * "Authorization: Bearer <token>".  The plan is checked first, before any
 * database work, and an unknown site, a wrong token, a plan without the
 * feature and an unknown route all get the same 404.  Only GET and HEAD;
 * every response has Cache-Control: no-store.
 *
 * The server has its own threads (api.threads) and one database
 * connection per thread.  The configuration and keyring are borrowed per
 * request through hooks, so a reload takes effect at the next request.
 * The listening address and thread count are fixed at start.
 */
#ifndef LL_API_SERVER_H
#define LL_API_SERVER_H

#include <stddef.h>

#include "app.h"

struct ll_api_hooks {
	/* The current configuration; *handle is passed back to release. */
	const struct ll_app *(*acquire)(void **handle);
	void (*release)(void *handle);
};

struct ll_api;

/* Bind and start serving.  NULL with err filled when the address cannot
 * be bound or the server not started.  conf and database are copied. */
struct ll_api *ll_api_start(const struct ll_api_conf *conf, const char *database,
			    const struct ll_api_hooks *hooks, char *err, size_t errlen);
/* Stop serving (waits for requests in flight) and free everything. */
void ll_api_stop(struct ll_api *api);

#endif
