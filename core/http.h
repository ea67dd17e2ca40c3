/*
 * The host's HTTP client: the one place that talks to CRMs.
 *
 * Policy (libcurl-security(3), curl --retry): https only, or plain http to
 * a loopback address (the simulators); no redirects; TLS verification
 * always on; connect, total and low-speed timeouts; a hard cap on the body
 * counted in the write callback; retries of timeouts, dropped connections,
 * 408, 429 and 5xx with exponential backoff and full jitter, honouring
 * Retry-After as a minimum, within an attempt count and a time budget.
 * Header values are never logged.
 */
#ifndef LL_HTTP_H
#define LL_HTTP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "configfile.h"
#include "leadledger/provider.h"

struct ll_http_stats {
	int64_t api_calls;
	int64_t http_429;
	int64_t retries;
	int64_t bytes;
	int64_t last_retry_after_s; /* of the last rate limit that ended a request */
};

struct ll_http_client {
	void *curl; /* CURL *, one per client: never shared across threads */
	const struct ll_http_policy *policy;
	struct ll_http_stats stats;
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

/* The url policy check on its own: 0 when allowed. */
int ll_http_url_allowed(const char *url, int *plain_http, char *err,
			size_t errlen);

enum ll_status ll_http_perform(struct ll_http_client *c,
			       const struct ll_http_request *rq,
			       struct ll_http_response *rs, char *err,
			       size_t errlen);
void ll_http_response_release(struct ll_http_response *rs);

/* The delay before retry number `attempt` (0-based): uniform in
 * [0, min(cap, base * 2^attempt)], at least retry_after_s. */
int64_t ll_backoff_ms(const struct ll_http_policy *p, int attempt,
		      long retry_after_s);

#endif
