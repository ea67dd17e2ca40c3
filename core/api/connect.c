#include "api/connect.h"

#include <stdio.h>
#include <string.h>

#include "provider/connect.h"
#include "util/log.h"

static struct ll_connect_env env_of(const struct ll_app *app, struct ll_db *db)
{
	return (struct ll_connect_env){ &app->cfg, &app->providers, app->keyring, db };
}

void ll_api_route_connect(struct ll_api_request *rq)
{
	const char *provider = rq->arg(rq->arg_ctx, "provider"), *redirect;
	struct ll_connect_env env = env_of(rq->app, rq->db);
	struct json_object *o;
	char url[4096], err[512];

	if (!provider || !ll_connect_possible(&env, rq->site, provider)) {
		rq->status = 400;
		snprintf(rq->error, sizeof rq->error, "provider must name one of this site's CRMs "
			 "that connect through OAuth");
		return;
	}
	if (ll_connect_begin(&env, rq->site, provider, url, sizeof url, &redirect, err,
			     sizeof err) < 0) {
		ll_error("api: connect %s/%s: %s", rq->site->id, provider, err);
		rq->status = 500;
		snprintf(rq->error, sizeof rq->error, "cannot start the connection: %.200s", err);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "provider", json_object_new_string(provider));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "redirect_uri", json_object_new_string(redirect ? redirect : ""));
	rq->body = o;
}

struct json_object *ll_api_connectable(const struct ll_api_request *rq)
{
	struct ll_connect_env env = env_of(rq->app, rq->db);
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < rq->site->n_integrations; i++)
		if (ll_connect_possible(&env, rq->site, rq->site->integrations[i].provider))
			json_object_array_add(arr, json_object_new_string(
						      rq->site->integrations[i].provider));
	return arr;
}

/* Text for an HTML page: the few characters that matter escaped. */
static void escape(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 7 < len; in++) {
		const char *e = *in == '<' ? "&lt;" : *in == '>' ? "&gt;" : *in == '&' ? "&amp;"
				: *in == '"' ? "&quot;" : NULL;

		if (e) {
			memcpy(out + o, e, strlen(e));
			o += strlen(e);
		} else {
			out[o++] = *in;
		}
	}
	out[o] = '\0';
}

unsigned ll_api_oauth_callback(const struct ll_app *app, struct ll_db *db, const char *state,
			       const char *code, char *html, size_t len)
{
	struct ll_connect_env env = env_of(app, db);
	char who[300], err[512], text[700];
	int rc = ll_connect_finish(&env, state, code, who, sizeof who, err, sizeof err);

	if (rc == 0)
		ll_log(LL_LOG_NOTICE, "api: %s connected through the dashboard", who);
	else
		ll_log(LL_LOG_WARNING, "api: connect %s: %s", who[0] ? who : "(unknown)", err);
	escape(rc == 0 ? who : err, text, sizeof text);
	snprintf(html, len, "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">"
		 "<title>leadledger</title><p>%s%s</p><p><a href=\"/\">Back to the dashboard</a></p>"
		 "</html>\n", rc == 0 ? "Connected: " : "Not connected: ", text);
	return rc == 0 ? 200 : 400;
}
