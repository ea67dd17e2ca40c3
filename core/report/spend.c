#include "report/spend.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/number.h"
#include "util/timeutil.h"

int ll_spend_parse_month(const char *text, char out[11])
{
	char day[16];
	int y, m, d;

	if (strlen(text) != 7 || text[4] != '-')
		return -1;
	snprintf(day, sizeof day, "%s-01", text);
	if (ll_parse_date(day, &y, &m, &d) < 0 || y < 1900 || y > 2999)
		return -1;
	memcpy(out, day, 11);
	return 0;
}

int ll_spend_parse_amount(const char *text, int64_t *cents)
{
	const char *dot = strchr(text, '.');
	size_t n = strspn(text, "0123456789");

	/* Digits, then at most two decimals: no sign, exponent or space. */
	if (n == 0 || n > 13 || (text[n] && (text[n] != '.' || strlen(dot + 1) < 1 ||
					     strlen(dot + 1) > 2 ||
					     strspn(dot + 1, "0123456789") != strlen(dot + 1))))
		return -1;
	return ll_parse_cents(text, cents);
}

/* Split line (modified) at commas into at most max fields. */
static size_t split(char *line, char **fields, size_t max)
{
	size_t n = 0;

	for (char *p = line;; p++) {
		if (n < max)
			fields[n] = p;
		n++;
		p = strchr(p, ',');
		if (!p)
			return n;
		*p = '\0';
	}
}

static int read_row(char *line, size_t lineno, struct ll_spend_entry *e, char *err,
		    size_t errlen)
{
	char *f[3];

	if (split(line, f, 3) != 3) {
		snprintf(err, errlen, "line %zu: expected month,channel,amount", lineno);
		return -1;
	}
	if (ll_spend_parse_month(f[0], e->month) < 0) {
		snprintf(err, errlen, "line %zu: month must be YYYY-MM, not '%.20s'", lineno, f[0]);
		return -1;
	}
	if (ll_channel_parse(f[1], &e->channel) < 0) {
		snprintf(err, errlen, "line %zu: '%.32s' is not a channel (website, google, social, "
			 "repeat_customer, ai_phone, referral, direct, unknown)", lineno, f[1]);
		return -1;
	}
	if (ll_spend_parse_amount(f[2], &e->cents) < 0) {
		snprintf(err, errlen, "line %zu: amount must be a sum such as 1500.00, not '%.20s'",
			 lineno, f[2]);
		return -1;
	}
	e->line = lineno;
	return 0;
}

int ll_spend_read_csv(FILE *in, struct ll_spend_entry **out, size_t *n, char *err, size_t errlen)
{
	struct ll_spend_entry *v = NULL, *grown;
	size_t len = 0, cap = 0, lineno = 0;
	char line[512];
	int header = 0;

	*out = NULL;
	*n = 0;
	while (fgets(line, sizeof line, in)) {
		size_t l = strlen(line);

		lineno++;
		if (l == sizeof line - 1 && line[l - 1] != '\n') {
			snprintf(err, errlen, "line %zu: too long", lineno);
			goto fail;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '\0')
			continue;
		if (!header) {
			/* Spreadsheets save CSV with a UTF-8 byte order mark. */
			const char *h = strncmp(line, "\xEF\xBB\xBF", 3) == 0 ? line + 3 : line;

			if (strcmp(h, "month,channel,amount") != 0) {
				snprintf(err, errlen, "line %zu: the header must be month,channel,amount",
					 lineno);
				goto fail;
			}
			header = 1;
			continue;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : 32;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				snprintf(err, errlen, "out of memory");
				goto fail;
			}
			v = grown;
		}
		if (read_row(line, lineno, &v[len], err, errlen) < 0)
			goto fail;
		for (size_t i = 0; i < len; i++) {
			if (strcmp(v[i].month, v[len].month) == 0 && v[i].channel == v[len].channel) {
				snprintf(err, errlen, "line %zu: %.7s %s was already given on line %zu",
					 lineno, v[len].month, ll_channel_name(v[len].channel), v[i].line);
				goto fail;
			}
		}
		len++;
	}
	if (ferror(in)) {
		snprintf(err, errlen, "read error");
		goto fail;
	}
	if (!header) {
		snprintf(err, errlen, "empty file: the header month,channel,amount is missing");
		goto fail;
	}
	*out = v;
	*n = len;
	return 0;
fail:
	free(v);
	return -1;
}

int ll_spend_store(struct ll_db *db, const char *site, const struct ll_spend_entry *e, size_t n,
		   int64_t *changed, char *err, size_t errlen)
{
	*changed = 0;
	if (ll_db_begin(db, err, errlen) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char cents[24];
		const char *params[] = { site, ll_channel_name(e[i].channel), e[i].month, cents };
		int64_t k;

		snprintf(cents, sizeof cents, "%" PRId64, e[i].cents);
		k = ll_db_exec_count(db,
				     "INSERT INTO spend (site_id, channel, month, source, amount_cents) "
				     "VALUES ($1, $2, $3::date, 'manual', $4::bigint) "
				     "ON CONFLICT (site_id, month, channel, source) DO UPDATE "
				     "SET amount_cents = EXCLUDED.amount_cents, updated_at = now() "
				     "WHERE spend.amount_cents <> EXCLUDED.amount_cents",
				     4, params, err, errlen);
		if (k < 0) {
			ll_db_rollback(db);
			return -1;
		}
		*changed += k;
	}
	return ll_db_commit(db, err, errlen);
}

struct json_object *ll_spend_list_json(struct ll_db *db, const char *site, char *err, size_t errlen)
{
	const char *params[] = { site };
	struct json_object *arr;
	PGresult *res;

	res = ll_db_query(db,
			  "SELECT site_id, to_char(month, 'YYYY-MM'), channel, source, amount_cents "
			  "FROM spend WHERE $1::text IS NULL OR site_id = $1 "
			  "ORDER BY site_id, month, channel, source", 1, params, err, errlen);
	if (!res)
		return NULL;
	arr = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		int64_t cents = strtoll(PQgetvalue(res, i, 4), NULL, 10);
		char money[32];

		ll_format_cents(cents, money, sizeof money);
		json_object_object_add(o, "site", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(o, "month", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(o, "channel", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_object_add(o, "source", json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_object_add(o, "amount_cents", json_object_new_int64(cents));
		json_object_object_add(o, "amount", json_object_new_string(money));
		json_object_array_add(arr, o);
	}
	PQclear(res);
	return arr;
}
