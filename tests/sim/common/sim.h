/*
 * What every CRM simulator shares (tests/sim/<crm>/ holds the rest): an
 * HTTP server on loopback, the request log and statistics, the fault
 * switches, /_sim control dispatch, deterministic randomness and the
 * oracle's tally of what a report must say.
 *
 * A simulator describes its CRM in a struct sim_crm and calls sim_main().
 * Every API request and control runs under sim_lock, so a CRM's data needs
 * no locking of its own.
 *
 * Faults (command line --fail-429-pct N ..., or GET
 * /_sim/config?name=value): fail_429_pct, retry_after (seconds, -1: no
 * header), retry_after_date (1: Retry-After as an HTTP-date), fail_5xx_pct,
 * burst_5xx (the next N API requests answer 503), slow_ms, truncate_pct,
 * oversize_mb, trickle, status (answer every API request with it), redirect
 * (answer 302 to this URL); a CRM adds its own (sim_crm.set_fault).
 *
 * Controls: /_sim/config, /_sim/log (?clear=1), /_sim/stats (?reset=1:
 * request counts and how hard the client pushed: peak_in_flight,
 * peak_per_second), and the CRM's own (sim_crm.control).
 */
#ifndef SIM_H
#define SIM_H

#include <json-c/json.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

enum sim_channel { CH_WEBSITE, CH_GOOGLE, CH_SOCIAL, CH_REPEAT, CH_AI, CH_REFERRAL,
		   CH_DIRECT, CH_UNKNOWN, CH_COUNT };

extern const char *const sim_channel_names[CH_COUNT];
extern pthread_mutex_t sim_lock;

struct sim_faults {
	int fail_429_pct, fail_5xx_pct, burst_5xx, slow_ms, truncate_pct, trickle;
	int retry_after, retry_after_date, oversize_mb, status;
	char redirect[256];
};
extern struct sim_faults sim_faults;

/* One request as a CRM sees it. */
struct sim_request {
	struct MHD_Connection *c;
	const char *method;
	const char *url;
	const char *body;    /* POST body, NUL-terminated ("" without one) */
	size_t body_len;
};

struct sim_crm {
	const char *name;     /* for messages: "hcpsim" */
	const char *usage;    /* its own options, for --help */
	/* A CRM option --name value: 1 taken, 0 not its own, -1 bad value. */
	int (*option)(const char *name, const char *value);
	int (*generate)(void); /* after the options; 0 or -1 */
	/* An API request, after the common faults: answer it. */
	enum MHD_Result (*api)(struct sim_request *rq);
	/* /_sim/<name>: answer it and return 1, or 0 when not its own. */
	int (*control)(struct sim_request *rq, const char *name, enum MHD_Result *ret);
	/* A fault switch of its own (/_sim/config): 1 taken, 0 not its own. */
	int (*set_fault)(const char *key, const char *value);
	/* Adds its own figures to /_sim/stats (may be NULL). */
	void (*stats)(struct json_object *o);
	void (*release)(void);
};

int sim_main(int argc, char **argv, const struct sim_crm *crm);

/* Answers.  sim_send_text's extras: retry_after (-1: no header), truncate
 * (cut the body in half and fail the transfer), trickle (one byte a
 * second), oversize (that many bytes of padding). */
enum MHD_Result sim_send_text(struct MHD_Connection *c, unsigned status, const char *text,
			      const char *ctype, int retry_after, int truncate, int trickle,
			      size_t oversize);
/* Sends and puts o. */
enum MHD_Result sim_send_json(struct MHD_Connection *c, unsigned status, struct json_object *o);
enum MHD_Result sim_send_json_text(struct MHD_Connection *c, unsigned status, const char *text);
/* A response with extra headers (NULL-terminated name, value pairs). */
enum MHD_Result sim_send_with_headers(struct MHD_Connection *c, unsigned status,
				      struct json_object *o, const char *const *headers);

const char *sim_arg(struct MHD_Connection *c, const char *key);
long sim_arg_long(struct MHD_Connection *c, const char *key, long def);
const char *sim_header(struct MHD_Connection *c, const char *name);
/* A fault roll: true with probability pct percent (deterministic). */
int sim_roll(int pct);

/* xorshift64*: deterministic data from a seed. */
uint64_t sim_rand(uint64_t *state);
uint64_t sim_rnd(uint64_t *state, uint64_t n); /* uniform in [0, n) */
/* prefix + 32 lowercase hex digits into out (40 bytes). */
void sim_make_id(uint64_t *state, const char *prefix, char *out);

/* Lower case, no leading, trailing or repeated spaces: names as an
 * oracle compares them. */
void sim_squeeze(const char *in, char *out, size_t len);

/* Time in the current TZ (sim_set_tz). */
void sim_set_tz(const char *tz);
int sim_local_ymd(int64_t t);         /* YYYYMMDD */
int64_t sim_local_time(int y, int mo, int d, int h, int mi, int s);
/* "2024-08-29T10:26:56Z", with an optional fraction (dropped) and Z or an
 * offset, to epoch seconds: 0, or -1. */
int sim_parse_iso(const char *text, int64_t *t);
/* "2024-08-29T10:26:56Z" or with fraction digits (0..7), into out. */
void sim_iso(int64_t t, int fraction_digits, char *out, size_t len);

/* The oracle: report totals computed independently of leadledger. */
struct sim_tally {
	int64_t jobs[CH_COUNT];
	int64_t cents[CH_COUNT];
};
/* from, to (YYYY-MM-DD, as YYYYMMDD) and tz (NULL: the CRM's own) from
 * the request: 0, or -1 when from or to is missing or malformed. */
int sim_window(struct MHD_Connection *c, int *lo, int *hi, const char **tz);
/* Answers 400 for a window sim_window refused. */
enum MHD_Result sim_bad_window(struct MHD_Connection *c);
/* {categories: {<channel>: {jobs, revenue_cents}}, total: {...}} */
struct json_object *sim_tally_json(const struct sim_tally *t);

#endif
