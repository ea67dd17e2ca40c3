/*
 * Derived lead sources: a job or an estimate with no lead source of its
 * own takes the one of the record it references (its customer today; a
 * ServiceTitan campaign later), read from that record's current row, and
 * stays true when that record changes (provider.h, "Derived lead
 * sources"; design.md, "Derived channels stay true").
 *
 * Three places keep it true, each inside the transaction that stores the
 * change, so a crash leaves both or neither:
 *   - a page of dependents is upserted through ll_derive_stage_select:
 *     a row takes its lender's stored lead source and channel, or the
 *     snapshot guess from its own payload while the lender is not stored;
 *   - a page of lenders is followed by ll_derive_stored: dependents of
 *     the staged lenders whose derived values differ are updated;
 *   - a change to the employee list marks the integration (also
 *     ll_derive_stored; recategorize.h) and the channels are re-derived
 *     before the next stream.
 * Reports stay a GROUP BY over stored columns.
 */
#ifndef LL_DERIVE_H
#define LL_DERIVE_H

#include <stddef.h>
#include <stdint.h>

#include "config/rules.h"
#include "leadledger/provider.h"
#include "store/db.h"
#include "store/store.h"

/* The channel of a lead source, or of alt when the rules put the lead
 * source in unknown (a ServiceTitan campaign's name, then its category). */
enum ll_channel ll_derive_channel(const struct ll_rules *rules, const char *lead_source,
				  const char *alt);

/* Choose a mapped row's lead source (its own, else the snapshot guess),
 * its channel and the record it references.  0, or -1 with err naming a
 * reference the host cannot follow. */
int ll_derive_classify(struct ll_store_row *row, enum ll_entity e, const struct ll_rules *rules,
		       char *err, size_t errlen);

/* The SELECT list and FROM clause that move ll_stage into e's table (the
 * columns of LL_STAGE_COLUMNS, in order); for a dependent entity the
 * lead-source columns come from the lender where one is stored.  $1 is
 * the integration id.  0, or -1 when out does not hold it. */
int ll_derive_stage_select(enum ll_entity e, char *out, size_t len);

/* After rows of e were upserted from ll_stage or soft-deleted (changed:
 * how many), inside the same transaction: when e lends, the stored
 * dependents of the staged records whose derived lead source differs are
 * re-channeled (*rechanneled: how many); when e is the employee list and
 * changed, the integration is marked for re-deriving (recategorize.h). */
int ll_derive_stored(struct ll_db *db, enum ll_entity e, int64_t integration_id,
		     int64_t changed, int64_t *rechanneled, char *err, size_t errlen);

#endif
