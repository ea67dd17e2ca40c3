/*
 * A PostgreSQL connection and parameterized queries.
 *
 * Every statement goes through PQexecParams (values travel apart from the
 * SQL text), except migrations, which are constant multi-statement SQL
 * compiled into the binary, and bulk rows, which travel as COPY data.  A connection belongs to one thread.
 *
 * Session limits are set on connect so a stuck process cannot hold locks
 * for ever: statement_timeout, lock_timeout and
 * idle_in_transaction_session_timeout.
 */
#ifndef LL_DB_H
#define LL_DB_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

struct ll_db {
	PGconn *conn;
	/* Session-local objects (temporary tables) this session holds, one
	 * bit each; a connect or reconnect clears them. */
	unsigned session_objects;
};

enum {
	LL_DB_SESSION_STAGE = 1u << 0, /* store.c: ll_stage */
	LL_DB_SESSION_KNOWN = 1u << 1, /* schedule.c: ll_known */
};

int ll_db_connect(struct ll_db *db, const char *conninfo, char *err,
		  size_t errlen);
void ll_db_release(struct ll_db *db);
/* True when the connection is up (a failed statement may have found it
 * broken). */
int ll_db_usable(const struct ll_db *db);
/* Reconnect a broken connection; 0 when the connection is usable. */
int ll_db_ensure(struct ll_db *db, char *err, size_t errlen);

/* Run one statement.  Returns the result (COMMAND_OK or TUPLES_OK) for the
 * caller to PQclear, or NULL with err filled. */
PGresult *ll_db_query(struct ll_db *db, const char *sql, int nparams,
		      const char *const *params, char *err, size_t errlen);
/* The same, discarding the result: 0 or -1. */
int ll_db_exec(struct ll_db *db, const char *sql, int nparams,
	       const char *const *params, char *err, size_t errlen);
/* Run one statement and return how many rows it affected, or -1. */
int64_t ll_db_exec_count(struct ll_db *db, const char *sql, int nparams,
			 const char *const *params, char *err, size_t errlen);

/* COPY ... FROM STDIN (sql: a constant COPY statement) with len bytes of
 * COPY text data.  0, or -1 with err filled; an error inside the data
 * fails the whole COPY and leaves the transaction aborted. */
int ll_db_copy_in(struct ll_db *db, const char *sql, const char *data,
		  size_t len, char *err, size_t errlen);

/* SQL text from a constant template: each "{x}" named in vars (n pairs
 * of "{x}", replacement) is replaced.  Replacements are identifiers and
 * fragments the host declares, never data: data travels as parameters.
 * 0, or -1 with err filled when out is too small. */
int ll_db_template(char *out, size_t len, const char *tmpl, const char *const (*vars)[2],
		   size_t n, char *err, size_t errlen);

int ll_db_begin(struct ll_db *db, char *err, size_t errlen);
int ll_db_commit(struct ll_db *db, char *err, size_t errlen);
/* Roll back if a transaction is open; never fails visibly. */
void ll_db_rollback(struct ll_db *db);

#endif
