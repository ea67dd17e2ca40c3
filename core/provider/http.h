/*
 * The host's HTTP client: the one place that talks to CRMs.
 *
 * Policy (libcurl-security(3), curl --retry): https only, or plain http to
 * a loopback address (the simulators); no redirects; TLS verification
 * always on; connect, total and low-speed timeouts; a hard cap on the body
 * counted in the write callback; retries of timeouts, dropped connections,
 * 408, 429 and 5xx with exponential backoff and full jitter, honouring
 * Retry-After as a minimum, within an attempt count and a time budget; a
 * 2xx that the provider's hook calls throttled is retried like a 429.
 * Header values are never logged.
 *
 * One client serves one integration and may be used from several threads
 * at once (pages fetched ahead): each request takes its own curl handle
 * from a small idle pool, and the statistics and the request-rate spacing
 * are kept under the client's lock.
 */
#ifndef LL_HTTP_H
#define LL_HTTP_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "leadledger/provider.h"

struct ll_http_stats {
	int64_t api_calls;
	int64_t http_429;
	int64_t retries;
	int64_t bytes;
	int64_t last_retry_after_s; /* of the last rate limit that ended a request */
};

#define LL_HTTP_IDLE_HANDLES 8

struct ll_http_client {
	pthread_mutex_t lock;  /* guards idle, stats and next_slot_us */
	void *idle[LL_HTTP_IDLE_HANDLES]; /* CURL * not in use, for reuse */
	size_t n_idle;
	const struct ll_http_policy *policy;
	struct ll_http_stats stats; /* read with ll_http_stats_get() */
	int64_t interval_us;   /* least time between request starts, 0: none */
	int64_t next_slot_us;  /* monotonic time the next request may start */
	int64_t not_before_us; /* no request starts before (ll_http_client_defer) */
	const char *log_prefix;
	const volatile sig_atomic_t *stop; /* when set, stop waiting for retries */
};

/* curl_global_init: call once in main() before any thread starts. */
int ll_http_global_init(void);
void ll_http_global_cleanup(void);

int ll_http_client_init(struct ll_http_client *c,
			const struct ll_http_policy *policy,
			const char *log_prefix);
void ll_http_client_release(struct ll_http_client *c);

/* Space request starts (every attempt, retries included) to at most
 * per_minute per minute across all threads; 0 lifts the limit.  Call
 * before the client is shared. */
void ll_http_client_set_rate(struct ll_http_client *c, int64_t per_minute);

/* Start no request for the next ms milliseconds (a provider pacing itself
 * by the CRM's remaining budget); the later of two deferrals holds. */
void ll_http_client_defer(struct ll_http_client *c, int64_t ms);

/* A rate limit met outside this client (a token endpoint's), for the
 * scheduler: it defers the job by at least that many seconds. */
void ll_http_client_note_retry_after(struct ll_http_client *c, int64_t seconds);

/* A consistent copy of the counters. */
void ll_http_stats_get(struct ll_http_client *c, struct ll_http_stats *out);

/* The url policy check on its own: 0 when allowed. */
int ll_http_url_allowed(const char *url, int *plain_http, char *err,
			size_t errlen);

/* One request under the policy (provider.h, http and http_ex); hook may
 * be NULL. */
enum ll_status ll_http_perform(struct ll_http_client *c,
			       const struct ll_http_request *rq,
			       const struct ll_http_hook *hook,
			       struct ll_http_response *rs, char *err,
			       size_t errlen);
void ll_http_response_release(struct ll_http_response *rs);

/* The delay before retry number `attempt` (0-based): uniform in
 * [0, min(cap, base * 2^attempt)] (full jitter), at least min_ms (what the
 * CRM asked for: Retry-After, or a throttled body's wait). */
int64_t ll_backoff_ms(const struct ll_http_policy *p, int attempt, int64_t min_ms);

#endif
