/*
 * Re-apply lead-source rules to stored rows without refetching: the
 * distinct raw values of each integration are classified once and rows
 * whose channel changed are updated.  Rows that derive their lead source
 * from another record (store/derive.h) carry that record's raw value, so
 * both move together.
 *
 * Two callers: `leadledger recategorize` after the rules files changed,
 * and the sync engine after the employee list of an integration changed
 * (employee names are referral rules), through a mark set in the
 * transaction that stored the change, so a crash cannot lose it.
 */
#ifndef LL_RECATEGORIZE_H
#define LL_RECATEGORIZE_H

#include <stdint.h>

#include "config/config.h"
#include "config/rules.h"
#include "store/db.h"

/* Every integration of a site, each with its own rules, in one
 * transaction; clears their marks. */
int ll_recategorize_site(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t *changed,
			 char *err, size_t errlen);

/* Mark an integration whose rules changed with its stored data.  Inside
 * the caller's transaction. */
int ll_recategorize_mark(struct ll_db *db, int64_t integration_id, char *err, size_t errlen);

/* When the integration is marked: re-apply rules (built with the stored
 * data, ll_integration_rules) and clear the mark, in one transaction.
 * *changed: the rows whose channel moved (0 when not marked). */
int ll_recategorize_pending(struct ll_db *db, int64_t integration_id,
			    const struct ll_rules *rules, int64_t *changed, char *err,
			    size_t errlen);

#endif
