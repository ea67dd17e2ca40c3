/*
 * The dashboard's Connect for OAuth CRMs (provider/connect.h): the
 * /api/v1/sites/<site>/connect?provider=NAME route, behind the site's
 * token like every route, answers the CRM's consent URL; the CRM then
 * sends the browser to /oauth/callback, which needs no token: its
 * single-use state, issued to a token holder for that integration and
 * valid ten minutes, is the proof (RFC 6749 section 10.12).
 */
#ifndef LL_API_CONNECT_H
#define LL_API_CONNECT_H

#include <json-c/json.h>
#include <stddef.h>

#include "api/routes.h"
#include "app.h"

#define LL_API_CALLBACK_PATH "/oauth/callback"

void ll_api_route_connect(struct ll_api_request *rq);
/* The site's providers that can be connected: a new array of names. */
struct json_object *ll_api_connectable(const struct ll_api_request *rq);
/* The end of a connect: an HTTP status and a short HTML page into html. */
unsigned ll_api_oauth_callback(const struct ll_app *app, struct ll_db *db, const char *state,
			       const char *code, char *html, size_t len);

#endif
