/*
 * The routes of the HTTP API under /api/v1/sites/<site>/..., one function
 * each (api_routes.c).  api.c has already checked the method, the site's
 * plan and the token, and borrowed a database connection; a route reads
 * its query parameters, queries, and leaves either a JSON body (status
 * 200) or an error message with status 400 or 500.
 */
#ifndef LL_API_ROUTES_H
#define LL_API_ROUTES_H

#include <json-c/json.h>

#include "config/config.h"
#include "store/db.h"

struct ll_app;

struct ll_api_request {
	struct ll_db *db;
	const struct ll_app *app;      /* the configuration of this request */
	const struct ll_site_conf *site;
	/* The query parameter `key`, or NULL (borrowed from the server). */
	const char *(*arg)(void *ctx, const char *key);
	void *arg_ctx;
	/* Out: */
	unsigned status;
	struct json_object *body; /* owned by the request once set */
	char error[256];
};

struct ll_api_route {
	const char *name;             /* the path segment after the site */
	const char *const *params;    /* allowed query parameters, NULL-ended */
	void (*run)(struct ll_api_request *rq);
};

/* NULL when there is no such route. */
const struct ll_api_route *ll_api_route_find(const char *name);

#endif
