#include "ac_config.h"
#include "provider/http.h"

#include <curl/curl.h>
#include <stddef.h>
#include <json-c/json.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/buf.h"
#include "util/log.h"
#include "util/netaddr.h"
#include "util/timeutil.h"

#define JSON_MAX_DEPTH 64

int ll_http_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void ll_http_global_cleanup(void)
{
	curl_global_cleanup();
}

int ll_http_client_init(struct ll_http_client *c,
			const struct ll_http_policy *policy,
			const char *log_prefix)
{
	memset(c, 0, sizeof *c);
	c->policy = policy;
	c->log_prefix = log_prefix;
	if (pthread_mutex_init(&c->lock, NULL) != 0)
		return -1;
	c->idle[0] = curl_easy_init();
	if (!c->idle[0]) {
		pthread_mutex_destroy(&c->lock);
		return -1;
	}
	c->n_idle = 1;
	return 0;
}

void ll_http_client_release(struct ll_http_client *c)
{
	while (c->n_idle > 0)
		curl_easy_cleanup(c->idle[--c->n_idle]);
	pthread_mutex_destroy(&c->lock);
}

void ll_http_client_set_rate(struct ll_http_client *c, int64_t per_minute)
{
	c->interval_us = per_minute > 0 ? 60000000 / per_minute : 0;
}

void ll_http_stats_get(struct ll_http_client *c, struct ll_http_stats *out)
{
	pthread_mutex_lock(&c->lock);
	*out = c->stats;
	pthread_mutex_unlock(&c->lock);
}

static CURL *handle_get(struct ll_http_client *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->lock);
	if (c->n_idle > 0)
		h = c->idle[--c->n_idle];
	pthread_mutex_unlock(&c->lock);
	return h ? h : curl_easy_init();
}

static void handle_put(struct ll_http_client *c, CURL *h)
{
	pthread_mutex_lock(&c->lock);
	if (c->n_idle < LL_HTTP_IDLE_HANDLES) {
		c->idle[c->n_idle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	if (h)
		curl_easy_cleanup(h);
}

void ll_http_response_release(struct ll_http_response *rs)
{
	if (rs->json)
		json_object_put(rs->json);
	rs->json = NULL;
}

/* Plain http only to a loopback IP literal or "localhost": a DNS name
 * that merely starts with "127." is not loopback. */
static int loopback_host(const char *host)
{
	struct sockaddr_storage a;

	return strcasecmp(host, "localhost") == 0 ||
	       (ll_parse_host(host, &a) == 0 && ll_addr_is_loopback(&a));
}

int ll_http_url_allowed(const char *url, int *plain_http, char *err,
			size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int rc = -1;

	*plain_http = 0;
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		snprintf(err, errlen, "malformed URL");
	} else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0) {
		snprintf(err, errlen, "URL scheme %s refused: only https, or http to a loopback "
			 "address", scheme);
	} else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		snprintf(err, errlen, "malformed URL: no host");
	} else if (strcmp(scheme, "https") == 0) {
		rc = 0;
	} else if (loopback_host(host)) {
		*plain_http = 1;
		rc = 0;
	} else {
		snprintf(err, errlen, "URL scheme %s to %s refused: only https, or "
			 "http to a loopback address", scheme, host);
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return rc;
}

int64_t ll_backoff_ms(const struct ll_http_policy *p, int attempt, int64_t min_ms)
{
	int64_t ceiling = p->backoff_base_ms, delay;

	for (int i = 0; i < attempt && ceiling < p->backoff_cap_ms; i++)
		ceiling *= 2;
	if (ceiling > p->backoff_cap_ms)
		ceiling = p->backoff_cap_ms;
	/* Full jitter (AWS architecture blog): uniform in [0, ceiling]. */
	delay = ceiling > 0 ? (int64_t)randombytes_uniform((uint32_t)ceiling + 1) : 0;
	if (delay < min_ms)
		delay = min_ms;
	return delay;
}

struct body {
	struct ll_buf buf;
	int overflow;
};

static size_t write_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;

	if (ll_buf_append(&b->buf, ptr, n) < 0) {
		b->overflow = 1;
		return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
	}
	return n;
}

static int transient_curl_error(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

static int transient_status(long status)
{
	return status == 408 || status == 429 || status == 500 ||
	       status == 502 || status == 503 || status == 504;
}

/* Wait for this request's start slot under the configured rate.  The slot
 * is reserved before sleeping, so threads queue up in order. */
/* Wait for this request's start: after the client's deferral, and spaced
 * by the request rate. */
static int wait_for_slot(struct ll_http_client *c)
{
	int64_t now = ll_monotonic_ms() * 1000, slot;

	pthread_mutex_lock(&c->lock);
	slot = c->not_before_us > now ? c->not_before_us : now;
	if (c->interval_us) {
		if (c->next_slot_us > slot)
			slot = c->next_slot_us;
		c->next_slot_us = slot + c->interval_us;
	}
	pthread_mutex_unlock(&c->lock);
	return slot > now ? ll_sleep_ms((slot - now + 999) / 1000, c->stop) : 0;
}

void ll_http_client_note_retry_after(struct ll_http_client *c, int64_t seconds)
{
	pthread_mutex_lock(&c->lock);
	c->stats.last_retry_after_s = seconds;
	pthread_mutex_unlock(&c->lock);
}

void ll_http_client_defer(struct ll_http_client *c, int64_t ms)
{
	int64_t until = (ll_monotonic_ms() + (ms > 0 ? ms : 0)) * 1000;

	pthread_mutex_lock(&c->lock);
	if (until > c->not_before_us)
		c->not_before_us = until;
	pthread_mutex_unlock(&c->lock);
}

static struct json_object *parse_json(const char *text, size_t len,
				      char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	struct json_object *obj;
	enum json_tokener_error je;

	if (!tok) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	je = json_tokener_get_error(tok);
	if (je == json_tokener_success && json_tokener_get_parse_end(tok) < len) {
		json_object_put(obj);
		obj = NULL;
		snprintf(err, errlen, "response has trailing data after JSON");
	} else if (je != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
		snprintf(err, errlen, "response is not valid JSON: %s%s",
			 je == json_tokener_continue ? "truncated" : json_tokener_error_desc(je),
			 memchr(text, '\0', len) ? " (contains NUL)" : "");
	}
	json_tokener_free(tok);
	return obj;
}

/* One attempt.  Returns the curl code; *status is the HTTP status. */
static CURLcode attempt(struct ll_http_client *c, CURL *h,
			const struct ll_http_request *rq, int plain_http,
			struct body *b, long *status, long *retry_after)
{
	const struct ll_http_policy *p = c->policy;
	struct curl_slist *hdrs = NULL, *tmp;
	CURLcode cc;
	curl_off_t ra = 0;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, plain_http ? "http" : "https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)p->connect_timeout_s);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)p->timeout_s);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, (long)p->low_speed_bytes);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, (long)p->low_speed_time_s);
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->max_body_bytes);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, write_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "leadledger/" PACKAGE_VERSION);
	if (rq->method && strcmp(rq->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POST, 1L);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
	}
	hdrs = curl_slist_append(NULL, "Accept: application/json");
	for (size_t i = 0; hdrs && i < rq->n_headers; i++) {
		char line[4096];
		int n = snprintf(line, sizeof line, "%s: %s", rq->headers[i].name,
				 rq->headers[i].value);

		tmp = n > 0 && (size_t)n < sizeof line ? curl_slist_append(hdrs, line) : NULL;
		sodium_memzero(line, sizeof line);
		if (!tmp) {
			curl_slist_free_all(hdrs);
			return CURLE_OUT_OF_MEMORY;
		}
		hdrs = tmp;
	}
	if (!hdrs)
		return CURLE_OUT_OF_MEMORY;
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
	cc = curl_easy_perform(h);
	*status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK &&
	    ra > 0 && ra < 7 * 86400)
		*retry_after = (long)ra;
	else
		*retry_after = 0;
	/* curl copies headers; wipe ours, which may hold the API key. */
	for (tmp = hdrs; tmp; tmp = tmp->next)
		sodium_memzero(tmp->data, strlen(tmp->data));
	curl_slist_free_all(hdrs);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	return cc;
}

static void url_for_log(const char *url, char *out, size_t len)
{
	/* Drop the query string: it could carry a token in other CRMs. */
	snprintf(out, len, "%.*s", (int)strcspn(url, "?"), url);
}

/* One attempt in the statistics; rate_limited: a 429 or a throttled body. */
static void count(struct ll_http_client *c, const struct body *b, int rate_limited)
{
	pthread_mutex_lock(&c->lock);
	c->stats.api_calls++;
	c->stats.bytes += (int64_t)b->buf.len;
	if (rate_limited)
		c->stats.http_429++;
	pthread_mutex_unlock(&c->lock);
}

/* Replace every occurrence of needle in s (a C string of capacity len). */
static void scrub(char *s, size_t len, const char *needle)
{
	static const char mask[] = "[redacted]";
	size_t n = strlen(needle);
	char *at;

	if (n < 6) /* too short to be a secret, and would mask words */
		return;
	while ((at = strstr(s, needle))) {
		size_t tail = strlen(at + n) + 1;

		if ((size_t)(at - s) + sizeof mask - 1 + tail > len)
			break;
		memmove(at + sizeof mask - 1, at + n, tail);
		memcpy(at, mask, sizeof mask - 1);
	}
}

/* The CRM's own words from a JSON error body: its error,
 * error_description, message or title (RFC 6749, Housecall Pro, RFC 7807)
 * and RFC 7807's per-field errors, with the value of every secret header
 * of the request scrubbed out. */
static void error_detail(struct json_object *body, const struct ll_http_request *rq,
			 char *out, size_t len)
{
	static const char *const keys[] = { "error", "error_description", "message", "title" };
	struct json_object *errors;
	size_t o = 0;

	out[0] = '\0';
	for (size_t k = 0; body && k < sizeof keys / sizeof keys[0] && o < len; k++) {
		struct json_object *v;

		if (json_object_object_get_ex(body, keys[k], &v) &&
		    json_object_is_type(v, json_type_string))
			o += (size_t)snprintf(out + o, len - o, "%s%.200s", o ? "; " : ": ",
					      json_object_get_string(v));
	}
	/* RFC 7807 validation details: {"errors": {"field": ["message"]}}. */
	if (body && json_object_object_get_ex(body, "errors", &errors) &&
	    json_object_is_type(errors, json_type_object)) {
		json_object_object_foreach(errors, field, msgs) {
			struct json_object *m = json_object_is_type(msgs, json_type_array)
						? json_object_array_get_idx(msgs, 0) : msgs;

			if (o < len && json_object_is_type(m, json_type_string))
				o += (size_t)snprintf(out + o, len - o, "%s%.64s: %.160s",
						      o ? "; " : ": ", field,
						      json_object_get_string(m));
		}
	}
	for (size_t i = 0; i < rq->n_headers; i++) {
		const char *v = rq->headers[i].value, *sp;

		if (!rq->headers[i].secret && strcasecmp(rq->headers[i].name, "Authorization") != 0)
			continue;
		scrub(out, len, v);
		if ((sp = strchr(v, ' ')))
			scrub(out, len, sp + 1); /* the token without its scheme */
	}
}

static enum ll_status perform(struct ll_http_client *c, CURL *h,
			      const struct ll_http_request *rq, const struct ll_http_hook *hook,
			      struct ll_http_response *rs, char *err, size_t errlen)
{
	const struct ll_http_policy *p = c->policy;
	int64_t started = ll_monotonic_ms();
	char logurl[512], detail[256];
	int plain_http;
	struct body b;

	memset(rs, 0, sizeof *rs);
	if (ll_http_url_allowed(rq->url, &plain_http, err, errlen) < 0)
		return LL_ERR_CONFIG;
	url_for_log(rq->url, logurl, sizeof logurl);
	ll_buf_init(&b.buf, (size_t)p->max_body_bytes);
	for (int i = 0;; i++) {
		long status = 0, retry_after = 0;
		int64_t delay, wait_ms = 0;
		int transient, rate_limited;
		CURLcode cc;

		ll_buf_reset(&b.buf);
		b.overflow = 0;
		if (wait_for_slot(c) < 0) {
			ll_buf_release(&b.buf);
			snprintf(err, errlen, "%s: stopped while waiting to send", logurl);
			return LL_ERR_TRANSIENT;
		}
		cc = attempt(c, h, rq, plain_http, &b, &status, &retry_after);
		rs->status = status;
		rs->retry_after_s = retry_after;
		ll_log(LL_LOG_DEBUG, "%s: %s %s -> %ld (%s) %zu bytes", c->log_prefix,
		       rq->method ? rq->method : "GET", logurl, status,
		       curl_easy_strerror(cc), b.buf.len);
		if (b.overflow || cc == CURLE_FILESIZE_EXCEEDED) {
			count(c, &b, 0);
			snprintf(err, errlen, "%s: response body larger than %lld bytes, "
				 "refused", logurl, (long long)p->max_body_bytes);
			ll_buf_release(&b.buf);
			return LL_ERR_DATA;
		}
		rate_limited = cc == CURLE_OK && status == 429;
		if (cc == CURLE_OK && status >= 200 && status < 300) {
			rs->json = parse_json(b.buf.data ? b.buf.data : "", b.buf.len,
					      err, errlen);
			if (!rs->json || !hook || !hook->throttled ||
			    hook->struct_size < offsetof(struct ll_http_hook, ud) + sizeof(void *) ||
			    hook->throttled(hook->ud, rs->json, &wait_ms) != 1) {
				count(c, &b, 0);
				ll_buf_release(&b.buf);
				return rs->json ? LL_OK : LL_ERR_DATA;
			}
			/* A 200 that says "throttled": a 429 in all but status. */
			ll_http_response_release(rs);
			rate_limited = 1;
		}
		count(c, &b, rate_limited);
		if (cc == CURLE_OK && status >= 300 && !rate_limited) {
			/* The CRM's description of the error, for the caller. */
			rs->json = parse_json(b.buf.data ? b.buf.data : "", b.buf.len, detail,
					      sizeof detail);
			error_detail(rs->json, rq, detail, sizeof detail);
		} else {
			detail[0] = '\0';
		}
		if (cc == CURLE_OK && (status == 401 || status == 403)) {
			snprintf(err, errlen, "%s: HTTP %ld: credentials refused%s", logurl, status,
				 detail);
			ll_buf_release(&b.buf);
			return LL_ERR_AUTH;
		}
		transient = rate_limited || (cc == CURLE_OK ? transient_status(status)
					     : transient_curl_error(cc));
		if (cc != CURLE_OK)
			snprintf(err, errlen, "%s: %s after %d attempts", logurl,
				 curl_easy_strerror(cc), i + 1);
		else if (!transient)
			snprintf(err, errlen, "%s: HTTP %ld%s%s", logurl, status,
				 status >= 300 && status < 400 ? " (redirects are refused)" : "",
				 detail);
		else if (status < 300)
			snprintf(err, errlen, "%s: throttled by the CRM after %d attempts", logurl,
				 i + 1);
		else
			snprintf(err, errlen, "%s: HTTP %ld after %d attempts", logurl, status, i + 1);
		if (!transient) {
			ll_buf_release(&b.buf);
			return cc == CURLE_OK ? LL_ERR_DATA : LL_ERR_TRANSIENT;
		}
		ll_http_response_release(rs);
		if (wait_ms < (int64_t)retry_after * 1000)
			wait_ms = (int64_t)retry_after * 1000;
		delay = ll_backoff_ms(p, i, wait_ms);
		if (i + 1 >= p->max_attempts ||
		    ll_monotonic_ms() - started + delay > p->retry_budget_s * 1000) {
			ll_buf_release(&b.buf);
			if (rate_limited) {
				/* The caller defers the job instead of sleeping. */
				rs->retry_after_s = (long)((delay + 999) / 1000);
				pthread_mutex_lock(&c->lock);
				c->stats.last_retry_after_s = rs->retry_after_s;
				pthread_mutex_unlock(&c->lock);
				return LL_ERR_RATE_LIMIT;
			}
			return LL_ERR_TRANSIENT;
		}
		pthread_mutex_lock(&c->lock);
		c->stats.retries++;
		pthread_mutex_unlock(&c->lock);
		ll_log(LL_LOG_INFO, "%s: %s: %s; retry %d in %lld ms", c->log_prefix, logurl,
		       rate_limited ? "rate limited" : cc == CURLE_OK ? "transient HTTP status"
		       : curl_easy_strerror(cc), i + 1, (long long)delay);
		if (ll_sleep_ms(delay, c->stop) < 0) {
			ll_buf_release(&b.buf);
			snprintf(err, errlen, "%s: stopped while waiting to retry", logurl);
			return LL_ERR_TRANSIENT;
		}
	}
}

enum ll_status ll_http_perform(struct ll_http_client *c,
			       const struct ll_http_request *rq,
			       const struct ll_http_hook *hook,
			       struct ll_http_response *rs, char *err,
			       size_t errlen)
{
	CURL *h = handle_get(c);
	enum ll_status st;

	if (!h) {
		memset(rs, 0, sizeof *rs);
		snprintf(err, errlen, "out of memory");
		return LL_ERR_INTERNAL;
	}
	st = perform(c, h, rq, hook, rs, err, errlen);
	handle_put(c, h);
	return st;
}
