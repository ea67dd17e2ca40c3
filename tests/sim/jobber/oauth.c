/*
 * Jobber's OAuth 2.0 (reference §1.1, §1.8, §3.1): the authorization-code
 * grant at /api/oauth/authorize, and /api/oauth/token for the code and
 * for refresh tokens, with rotation: each refresh returns a new refresh
 * token and the old one dies at once, so a client that refreshes twice
 * with one token, or loses the new one, is disconnected for good.
 *
 * Access tokens are JWTs whose exp is access_ttl seconds away (60 minutes
 * by default; /_sim/config?access_ttl=N makes a sync outlive one).  The
 * status of a refused refresh token is a guess: 400 invalid_grant, with
 * Jobber's sentence as the description.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobber/jobber.h"

#define ACCESS_MAX 256
#define CODE_TTL 600

static char client_id[128] = "sim-client";
static char client_secret[256] = "sim-secret";
static char refresh_token[80];   /* the one live refresh token; "" when none */
static char code[80], code_redirect[512];
static int64_t code_expires;
static uint64_t token_seq = 1;
static struct { char token[400]; int64_t exp; } issued[ACCESS_MAX];
static size_t n_access;
static struct { long refreshes, refused, codes, authorized; } stats;

static char *read_file_line(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[512];
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return n ? strdup(buf) : NULL;
}

int jb_oauth_option(const char *name, const char *value)
{
	char *v;

	if (strcmp(name, "client-id") == 0) {
		snprintf(client_id, sizeof client_id, "%s", value);
		return 1;
	}
	if (strcmp(name, "client-secret-file") != 0 && strcmp(name, "refresh-token-file") != 0)
		return 0;
	/* Secrets come from files: a command line is visible to every user. */
	v = read_file_line(value);
	if (!v)
		return -1;
	if (strcmp(name, "client-secret-file") == 0)
		snprintf(client_secret, sizeof client_secret, "%s", v);
	else
		snprintf(refresh_token, sizeof refresh_token, "%s", v);
	free(v);
	return 1;
}

void jb_oauth_release(void)
{
	memset(issued, 0, sizeof issued);
	memset(refresh_token, 0, sizeof refresh_token);
}

static void b64url(const char *in, char *out, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	size_t n = strlen(in), o = 0;

	for (size_t i = 0; i < n && o + 5 < len; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		if (i + 1 < n)
			out[o++] = b64[v >> 6 & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

/* A fresh opaque token: 32 hex digits. */
static void new_token(char *out, size_t len)
{
	uint64_t s = token_seq++ * 0x9e3779b97f4a7c15ULL ^ (uint64_t)time(NULL);

	snprintf(out, len, "%016llx%016llx", (unsigned long long)sim_rand(&s),
		 (unsigned long long)sim_rand(&s));
}

/* A JWT as Jobber issues them: exp in the payload; the signature is not
 * checked by anyone but us. */
static void new_access(char *out, size_t len, int64_t *exp)
{
	char header[64], payload[160], claims[128], nonce[40];

	*exp = (int64_t)time(NULL) + (jb_faults.access_ttl > 0 ? jb_faults.access_ttl : 3600);
	new_token(nonce, sizeof nonce);
	b64url("{\"typ\":\"JWT\",\"alg\":\"HS256\"}", header, sizeof header);
	snprintf(claims, sizeof claims, "{\"exp\":%lld,\"account_id\":998877,\"jti\":\"%.16s\"}",
		 (long long)*exp, nonce);
	b64url(claims, payload, sizeof payload);
	snprintf(out, len, "%s.%s.c2lt", header, payload);
	if (n_access == ACCESS_MAX) {
		memmove(issued, issued + 1, sizeof issued - sizeof issued[0]);
		n_access--;
	}
	snprintf(issued[n_access].token, sizeof issued[n_access].token, "%s", out);
	issued[n_access++].exp = *exp;
}

void jb_oauth_expire(void)
{
	for (size_t i = 0; i < n_access; i++)
		issued[i].exp = 0;
}

void jb_oauth_revoke(void)
{
	refresh_token[0] = '\0';
	jb_oauth_expire();
}

int jb_access_check(const char *authorization)
{
	if (!authorization || strncmp(authorization, "Bearer ", 7) != 0)
		return -1;
	for (size_t i = 0; i < n_access; i++)
		if (strcmp(issued[i].token, authorization + 7) == 0)
			return issued[i].exp > (int64_t)time(NULL) ? 0 : -2;
	return -1;
}

/* The value of key in an application/x-www-form-urlencoded body, decoded,
 * into out: 1 found, 0 not. */
static int form_value(const char *body, const char *key, char *out, size_t len)
{
	size_t klen = strlen(key);

	for (const char *p = body; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
		size_t o = 0;

		if (strncmp(p, key, klen) != 0 || p[klen] != '=')
			continue;
		for (p += klen + 1; *p && *p != '&' && o + 1 < len; p++) {
			if (*p == '+') {
				out[o++] = ' ';
			} else if (*p == '%' && p[1] && p[2]) {
				char hex[3] = { p[1], p[2], '\0' };

				out[o++] = (char)strtol(hex, NULL, 16);
				p += 2;
			} else {
				out[o++] = *p;
			}
		}
		out[o] = '\0';
		return 1;
	}
	return 0;
}

static enum MHD_Result refuse(struct MHD_Connection *c, unsigned status, const char *error,
			      const char *description)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "error", json_object_new_string(error));
	json_object_object_add(o, "error_description", json_object_new_string(description));
	return sim_send_json(c, status, o);
}

/* access_token, refresh_token and expires_at ("2024-04-09 21:04:31 UTC"). */
static enum MHD_Result issue(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object();
	char token[400], when[40];
	int64_t exp;
	time_t t;
	struct tm tm;

	new_access(token, sizeof token, &exp);
	t = (time_t)exp;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
	json_object_object_add(o, "access_token", json_object_new_string(token));
	json_object_object_add(o, "refresh_token", json_object_new_string(refresh_token));
	json_object_object_add(o, "expires_at", json_object_new_string(when));
	if (!jb_faults.rotation)
		json_object_object_add(o, "warning",
				       json_object_new_string("refresh token rotation is off"));
	return sim_send_json(c, 200, o);
}

static enum MHD_Result token_endpoint(struct sim_request *rq)
{
	char grant[40], id[128], secret[256], value[512], redirect[512];

	if (strcmp(rq->method, "POST") != 0)
		return sim_send_json_text(rq->c, 405, "{\"error\":\"invalid_request\"}");
	if (jb_faults.token_status > 0)
		return refuse(rq->c, (unsigned)jb_faults.token_status, "server_error", "injected");
	if (!form_value(rq->body, "grant_type", grant, sizeof grant) ||
	    !form_value(rq->body, "client_id", id, sizeof id) ||
	    !form_value(rq->body, "client_secret", secret, sizeof secret))
		return refuse(rq->c, 400, "invalid_request", "grant_type, client_id and client_secret");
	if (strcmp(id, client_id) != 0 || strcmp(secret, client_secret) != 0)
		return refuse(rq->c, 401, "invalid_client", "Client authentication failed.");
	if (strcmp(grant, "authorization_code") == 0) {
		if (!form_value(rq->body, "code", value, sizeof value) || !code[0] ||
		    strcmp(value, code) != 0 || code_expires < (int64_t)time(NULL) ||
		    !form_value(rq->body, "redirect_uri", redirect, sizeof redirect) ||
		    strcmp(redirect, code_redirect) != 0)
			return refuse(rq->c, 400, "invalid_grant",
				      "The provided authorization grant is invalid, expired or revoked.");
		code[0] = '\0'; /* single use */
		stats.codes++;
		new_token(refresh_token, sizeof refresh_token);
		return issue(rq->c);
	}
	if (strcmp(grant, "refresh_token") != 0)
		return refuse(rq->c, 400, "unsupported_grant_type", grant);
	if (!form_value(rq->body, "refresh_token", value, sizeof value) || !refresh_token[0] ||
	    strcmp(value, refresh_token) != 0) {
		stats.refused++;
		return refuse(rq->c, 400, "invalid_grant", "The provided refresh token is not valid.");
	}
	stats.refreshes++;
	if (jb_faults.rotation)
		new_token(refresh_token, sizeof refresh_token); /* the old one dies now */
	return issue(rq->c);
}

/* The user consents at once (the deny switch: refuses), and Jobber
 * redirects back. */
static enum MHD_Result authorize_endpoint(struct sim_request *rq)
{
	const char *id = sim_arg(rq->c, "client_id"), *redirect = sim_arg(rq->c, "redirect_uri");
	const char *state = sim_arg(rq->c, "state"), *type = sim_arg(rq->c, "response_type");
	const char *headers[3] = { "Location", NULL, NULL };
	char location[1200], escaped[300];
	size_t o = 0;

	if (!id || strcmp(id, client_id) != 0 || !redirect || !type || strcmp(type, "code") != 0)
		return sim_send_text(rq->c, 400, "<html><body>Invalid client or redirect</body></html>",
				     "text/html", -1, 0, 0, 0);
	for (const char *p = state ? state : ""; *p && o + 4 < sizeof escaped; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-_.~", *p))
			escaped[o++] = *p;
		else
			o += (size_t)snprintf(escaped + o, sizeof escaped - o, "%%%02X",
					      (unsigned char)*p);
	}
	escaped[o] = '\0';
	if (jb_faults.deny) {
		/* Jobber redirects with no parameters at all. */
		snprintf(location, sizeof location, "%s", redirect);
	} else {
		new_token(code, sizeof code);
		snprintf(code_redirect, sizeof code_redirect, "%s", redirect);
		code_expires = (int64_t)time(NULL) + CODE_TTL;
		stats.authorized++;
		snprintf(location, sizeof location, "%s%scode=%s%s%s", redirect,
			 strchr(redirect, '?') ? "&" : "?", code, state ? "&state=" : "",
			 state ? escaped : "");
	}
	headers[1] = location;
	return sim_send_with_headers(rq->c, 302, json_object_new_object(), headers);
}

int jb_oauth_route(struct sim_request *rq, enum MHD_Result *ret)
{
	if (strcmp(rq->url, "/api/oauth/token") == 0) {
		*ret = token_endpoint(rq);
		return 1;
	}
	if (strcmp(rq->url, "/api/oauth/authorize") == 0) {
		*ret = authorize_endpoint(rq);
		return 1;
	}
	return 0;
}

const char *jb_oauth_refresh_token(void)
{
	return refresh_token;
}

void jb_oauth_stats(struct json_object *o)
{
	json_object_object_add(o, "refreshes", json_object_new_int64(stats.refreshes));
	json_object_object_add(o, "refresh_refused", json_object_new_int64(stats.refused));
	json_object_object_add(o, "codes_exchanged", json_object_new_int64(stats.codes));
	json_object_object_add(o, "authorized", json_object_new_int64(stats.authorized));
}
