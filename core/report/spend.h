/*
 * Marketing spend: what a site paid per channel and calendar month, in
 * integer cents (design.md, "Attribution figures").  An operator enters
 * it (source 'manual'); a provider may one day feed what its CRM knows
 * (source 'provider') into the same table.  The report prorates it.
 */
#ifndef LL_SPEND_H
#define LL_SPEND_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/rules.h"
#include "store/db.h"

struct ll_spend_entry {
	char month[11]; /* the month's first day, YYYY-MM-01 */
	enum ll_channel channel;
	int64_t cents;
	size_t line; /* where it was read from (import), 0 otherwise */
};

/* "YYYY-MM" to the month's first day; 0, or -1 when text is not a month
 * of the years 1900 to 2999. */
int ll_spend_parse_month(const char *text, char out[11]);

/* An amount in currency units ("1500.00", "1500", at most two decimals,
 * not negative) to cents; 0 or -1. */
int ll_spend_parse_amount(const char *text, int64_t *cents);

/*
 * The rows of a CSV file with the header month,channel,amount (blank
 * lines skipped, CRLF and a UTF-8 byte order mark accepted, fields not
 * quoted).  On success *out is a
 * new array of *n entries for the caller to free().  On the first bad
 * row, or a month and channel given twice, -1 with err naming the line:
 * the caller applies nothing.
 */
int ll_spend_read_csv(FILE *in, struct ll_spend_entry **out, size_t *n, char *err, size_t errlen);

/* Replace the manual amounts of n entries for site, all in one
 * transaction; *changed counts the rows whose amount was new or
 * different (so re-importing a file changes nothing).  0, or -1 with err
 * filled and nothing applied. */
int ll_spend_store(struct ll_db *db, const char *site, const struct ll_spend_entry *e, size_t n,
		   int64_t *changed, char *err, size_t errlen);

/* Every spend row, of one site or of all (site NULL), by site, month and
 * channel: a new array of {site, month (YYYY-MM), channel, source,
 * amount_cents, amount}, or NULL with err filled. */
struct json_object *ll_spend_list_json(struct ll_db *db, const char *site, char *err, size_t errlen);

#endif
