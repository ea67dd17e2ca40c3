/*
 * Re-apply lead-source rules to stored rows without refetching: the
 * distinct raw values of each integration are classified once and rows
 * whose channel changed are updated.
 */
#ifndef LL_RECATEGORIZE_H
#define LL_RECATEGORIZE_H

#include <stdint.h>

#include "config/config.h"
#include "config/rules.h"
#include "store/db.h"

int ll_recategorize_site(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t *changed,
			 char *err, size_t errlen);

#endif
