/*
 * Numbered, forward-only schema migrations compiled into the binary from
 * sql/NNNN_name.sql.  Each is applied in its own transaction under one
 * advisory lock, so concurrent `leadledger migrate` runs apply each once.
 */
#ifndef LL_MIGRATE_H
#define LL_MIGRATE_H

#include <stddef.h>

#include "store/db.h"

struct ll_migration {
	int version;
	const char *name;
	const char *sql;
};

extern const struct ll_migration ll_migrations[]; /* ends with version 0 */

struct ll_migrate_status {
	int applied;
	int pending;
	int unknown; /* versions in the database this binary does not know */
	int dirty;
};

int ll_migrate_status(struct ll_db *db, struct ll_migrate_status *st,
		      char *err, size_t errlen);
/* 1 when the schema is exactly what this binary expects; 0 when not (err
 * says how: pending, unknown or dirty migrations); -1 on a database error. */
int ll_migrate_current(struct ll_db *db, char *err, size_t errlen);

/* Apply pending migrations; *applied counts them.  0 or -1. */
int ll_migrate_apply(struct ll_db *db, int *applied, char *err, size_t errlen);

#endif
