#include "store/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

static void db_error(struct ll_db *db, const char *what, char *err, size_t errlen)
{
	const char *msg = db->conn ? PQerrorMessage(db->conn) : "no connection";
	const char *context = strstr(msg, "\nCONTEXT:");
	/* CONTEXT quotes statement parameters, that is record data: drop it. */
	size_t n = context ? (size_t)(context - msg) : strlen(msg);

	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
		n--;
	snprintf(err, errlen, "%s: %.*s", what, (int)n, msg);
}

/* Server warnings go to our log, with its level prefix, not raw stderr. */
static void log_notice(void *arg, const char *message)
{
	size_t n = strlen(message);

	(void)arg;
	while (n > 0 && message[n - 1] == '\n')
		n--;
	ll_log(LL_LOG_WARNING, "database: %.*s", (int)n, message);
}

/* Every statement serves one site: parallel workers cost more to start
 * (several milliseconds) than the few hundred rows a report reads. */
static int session_setup(struct ll_db *db, char *err, size_t errlen)
{
	db->session_objects = 0;
	return ll_db_exec(db,
			  "SELECT set_config('statement_timeout', '300s', false), "
			  "set_config('max_parallel_workers_per_gather', '0', false), "
			  "set_config('lock_timeout', '30s', false), "
			  "set_config('idle_in_transaction_session_timeout', '300s', false), "
			  "set_config('application_name', 'leadledger', false), "
			  "set_config('client_min_messages', 'warning', false)",
			  0, NULL, err, errlen);
}

int ll_db_connect(struct ll_db *db, const char *conninfo, char *err,
		  size_t errlen)
{
	const char *keys[] = { "dbname", "connect_timeout", NULL };
	const char *vals[] = { conninfo, "10", NULL };

	/* expand_dbname lets conninfo be a keyword string or a URI. */
	db->conn = PQconnectdbParams(keys, vals, 1);
	if (!db->conn || PQstatus(db->conn) != CONNECTION_OK) {
		db_error(db, "database connection failed", err, errlen);
		ll_db_release(db);
		return -1;
	}
	PQsetNoticeProcessor(db->conn, log_notice, NULL);
	if (session_setup(db, err, errlen) < 0) {
		ll_db_release(db);
		return -1;
	}
	return 0;
}

void ll_db_release(struct ll_db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	db->conn = NULL;
}

int ll_db_usable(const struct ll_db *db)
{
	return db->conn && PQstatus(db->conn) == CONNECTION_OK;
}

int ll_db_ensure(struct ll_db *db, char *err, size_t errlen)
{
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK)
		return 0;
	if (!db->conn) {
		snprintf(err, errlen, "no database connection");
		return -1;
	}
	PQreset(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		db_error(db, "database reconnect failed", err, errlen);
		return -1;
	}
	return session_setup(db, err, errlen);
}

PGresult *ll_db_query(struct ll_db *db, const char *sql, int nparams,
		      const char *const *params, char *err, size_t errlen)
{
	PGresult *res;
	ExecStatusType st;

	if (!db->conn) {
		snprintf(err, errlen, "no database connection");
		return NULL;
	}
	res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	db_error(db, "database", err, errlen);
	PQclear(res);
	return NULL;
}

int ll_db_exec(struct ll_db *db, const char *sql, int nparams,
	       const char *const *params, char *err, size_t errlen)
{
	PGresult *res = ll_db_query(db, sql, nparams, params, err, errlen);

	PQclear(res);
	return res ? 0 : -1;
}

int64_t ll_db_exec_count(struct ll_db *db, const char *sql, int nparams,
			 const char *const *params, char *err, size_t errlen)
{
	PGresult *res = ll_db_query(db, sql, nparams, params, err, errlen);
	int64_t n;

	if (!res)
		return -1;
	n = strtoll(PQcmdTuples(res), NULL, 10);
	PQclear(res);
	return n;
}

int ll_db_copy_in(struct ll_db *db, const char *sql, const char *data,
		  size_t len, char *err, size_t errlen)
{
	const size_t chunk = (size_t)1 << 20;
	PGresult *res;
	int rc = 0;

	if (!db->conn) {
		snprintf(err, errlen, "no database connection");
		return -1;
	}
	res = PQexecParams(db->conn, sql, 0, NULL, NULL, NULL, NULL, 0);
	if (!res || PQresultStatus(res) != PGRES_COPY_IN) {
		db_error(db, "database", err, errlen);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	for (size_t off = 0; off < len && rc == 0; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		if (PQputCopyData(db->conn, data + off, (int)n) != 1)
			rc = -1;
	}
	if (PQputCopyEnd(db->conn, rc == 0 ? NULL : "client failed to send the data") != 1)
		rc = -1;
	if (rc < 0)
		db_error(db, "database", err, errlen);
	/* Drain every result so the connection is ready for the next query. */
	while ((res = PQgetResult(db->conn))) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0) {
			db_error(db, "database", err, errlen);
			rc = -1;
		}
		PQclear(res);
	}
	return rc;
}

int ll_db_template(char *out, size_t len, const char *tmpl, const char *const (*vars)[2],
		   size_t n, char *err, size_t errlen)
{
	size_t o = 0;

	while (*tmpl && o + 1 < len) {
		size_t k = 0;

		while (k < n && strncmp(tmpl, vars[k][0], strlen(vars[k][0])) != 0)
			k++;
		if (k < n) {
			o += (size_t)snprintf(out + o, len - o, "%s", vars[k][1]);
			tmpl += strlen(vars[k][0]);
		} else {
			out[o++] = *tmpl++;
		}
	}
	if (*tmpl || o >= len) {
		snprintf(err, errlen, "statement too long");
		return -1;
	}
	out[o] = '\0';
	return 0;
}

int ll_db_begin(struct ll_db *db, char *err, size_t errlen)
{
	return ll_db_exec(db, "BEGIN", 0, NULL, err, errlen);
}

int ll_db_commit(struct ll_db *db, char *err, size_t errlen)
{
	return ll_db_exec(db, "COMMIT", 0, NULL, err, errlen);
}

void ll_db_rollback(struct ll_db *db)
{
	PGresult *res;

	if (!db->conn || PQtransactionStatus(db->conn) == PQTRANS_IDLE)
		return;
	res = PQexecParams(db->conn, "ROLLBACK", 0, NULL, NULL, NULL, NULL, 0);
	PQclear(res);
}
