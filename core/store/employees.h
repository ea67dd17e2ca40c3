/*
 * Lead-source rules that depend on stored data: an integration's rules
 * are the site's overrides, then the defaults, then the first and full
 * names of the employees synced from its CRM (referral).
 */
#ifndef LL_EMPLOYEES_H
#define LL_EMPLOYEES_H

#include <stdint.h>

#include "config/config.h"
#include "config/rules.h"
#include "store/db.h"

/* Build them into out (initialized here).  0, or -1 with err filled and
 * out released. */
int ll_integration_rules(struct ll_db *db, const struct ll_site_conf *site,
			 const struct ll_rules *defaults, int64_t integration_id,
			 struct ll_rules *out, char *err, size_t errlen);

#endif
