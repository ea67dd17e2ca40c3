/*
 * Operator metrics in the Prometheus text format (version 0.0.4), from the
 * database, so any instance reports the whole fleet: runs by outcome, rows,
 * API requests, 429s and errors per integration and stream, last success
 * and staleness, integrations needing attention.  Labels carry site ids,
 * provider and stream names only: no secrets, no customer data.
 */
#ifndef LL_METRICS_H
#define LL_METRICS_H

#include "store/db.h"
#include "util/buf.h"

/* Append the exposition to out.  0, or -1 with err filled. */
int ll_metrics_render(struct ll_db *db, struct ll_buf *out, char *err, size_t errlen);

#endif
