#include "store/migrate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

/* pg_advisory_lock key: "leadledger migrations" */
#define MIGRATE_LOCK "7317720611"

static int ensure_table(struct ll_db *db, char *err, size_t errlen)
{
	return ll_db_exec(db,
			  "CREATE TABLE IF NOT EXISTS schema_migrations ("
			  " version integer PRIMARY KEY,"
			  " name text NOT NULL,"
			  " dirty boolean NOT NULL DEFAULT false,"
			  " applied_at timestamptz NOT NULL DEFAULT now())",
			  0, NULL, err, errlen);
}

static int known_version(int v)
{
	for (const struct ll_migration *m = ll_migrations; m->version; m++)
		if (m->version == v)
			return 1;
	return 0;
}

int ll_migrate_status(struct ll_db *db, struct ll_migrate_status *st,
		      char *err, size_t errlen)
{
	PGresult *res;
	int total = 0;

	memset(st, 0, sizeof *st);
	res = ll_db_query(db, "SELECT to_regclass('schema_migrations') IS NOT NULL",
			  0, NULL, err, errlen);
	if (!res)
		return -1;
	if (strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		PQclear(res);
		res = ll_db_query(db, "SELECT version, dirty FROM schema_migrations",
				  0, NULL, err, errlen);
		if (!res)
			return -1;
		for (int i = 0; i < PQntuples(res); i++) {
			int v = (int)strtol(PQgetvalue(res, i, 0), NULL, 10);

			if (known_version(v))
				st->applied++;
			else
				st->unknown++;
			if (strcmp(PQgetvalue(res, i, 1), "t") == 0)
				st->dirty++;
		}
	}
	PQclear(res);
	for (const struct ll_migration *m = ll_migrations; m->version; m++)
		total++;
	st->pending = total - st->applied;
	return 0;
}

static int is_applied(struct ll_db *db, int version, int *applied, char *err,
		      size_t errlen)
{
	char v[16];
	const char *params[] = { v };
	PGresult *res;

	snprintf(v, sizeof v, "%d", version);
	res = ll_db_query(db, "SELECT dirty FROM schema_migrations WHERE version = $1",
			  1, params, err, errlen);
	if (!res)
		return -1;
	*applied = PQntuples(res) > 0;
	if (*applied && strcmp(PQgetvalue(res, 0, 0), "t") == 0) {
		snprintf(err, errlen, "migration %d is marked dirty; repair by hand", version);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

static int apply_one(struct ll_db *db, const struct ll_migration *m, char *err,
		     size_t errlen)
{
	char v[16];
	const char *params[] = { v, m->name };
	PGresult *res;

	snprintf(v, sizeof v, "%d", m->version);
	if (ll_db_begin(db, err, errlen) < 0)
		return -1;
	/* Constant SQL compiled into the binary, several statements: the one
	 * place PQexec is used. */
	res = PQexec(db->conn, m->sql);
	if (!res || PQresultStatus(res) != PGRES_COMMAND_OK) {
		snprintf(err, errlen, "migration %s failed: %s", m->name,
			 PQerrorMessage(db->conn));
		PQclear(res);
		ll_db_rollback(db);
		return -1;
	}
	PQclear(res);
	if (ll_db_exec(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
		       2, params, err, errlen) < 0 ||
	    ll_db_commit(db, err, errlen) < 0) {
		ll_db_rollback(db);
		return -1;
	}
	return 0;
}

int ll_migrate_current(struct ll_db *db, char *err, size_t errlen)
{
	struct ll_migrate_status st;

	if (ll_migrate_status(db, &st, err, errlen) < 0)
		return -1;
	if (!st.dirty && !st.unknown && !st.pending)
		return 1;
	snprintf(err, errlen, "database schema: %d pending, %d unknown, %d dirty migration(s); "
		 "run 'leadledger migrate' with this version", st.pending, st.unknown, st.dirty);
	return 0;
}

int ll_migrate_apply(struct ll_db *db, int *applied, char *err, size_t errlen)
{
	int rc = 0;

	*applied = 0;
	if (ll_db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK ")", 0, NULL,
		       err, errlen) < 0)
		return -1;
	if (ensure_table(db, err, errlen) < 0)
		rc = -1;
	for (const struct ll_migration *m = ll_migrations; rc == 0 && m->version; m++) {
		int done = 0;

		if (is_applied(db, m->version, &done, err, errlen) < 0) {
			rc = -1;
			break;
		}
		if (done)
			continue;
		if (apply_one(db, m, err, errlen) < 0) {
			rc = -1;
			break;
		}
		ll_info("applied migration %s", m->name);
		(*applied)++;
	}
	{
		char e2[256];

		ll_db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK ")", 0, NULL,
			   e2, sizeof e2);
	}
	return rc;
}
