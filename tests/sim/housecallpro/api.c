/*
 * The Housecall Pro API as the simulator serves it, faithful to
 * ../shared/reference/housecallpro-api.md: list envelope {page, page_size,
 * total_pages, total_items, <resource>}, 1-based pages, default page size
 * 10 and a cap of 200 (the cap is a guess), sort_by created_at|updated_at|id
 * with default created_at desc, "Token" or "Bearer" auth with the real 401
 * body, 422 for array params sent bare, GET /jobs/{id} and
 * /customers/{id}.
 *
 * Its own faults (hcp_faults): mutate_on_page, hostile + hostile_page
 * (truncated_json, deep, wrong_types, string_amount, missing_id,
 * nul_bytes, invalid_utf8; or, in a true envelope: empty, short,
 * duplicate_ids, nothing), vanish_on_page + vanish_jobs + vanish_seed (a
 * hard delete in the CRM while a sync pages through), lookup_status,
 * fail_list + fail_list_status (one listing refused, the others served).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "housecallpro/hcp.h"

#define MAX_PAGE_SIZE 200

enum resource { R_JOBS, R_CUSTOMERS, R_ESTIMATES, R_EMPLOYEES, R_COUNT };
enum sort_key { S_CREATED, S_UPDATED, S_ID };

struct sort_ctx {
	enum resource r;
	enum sort_key k;
	int desc;
};
static struct sort_ctx sorting; /* qsort has no context argument; under sim_lock */

static struct {
	size_t *idx;
	size_t n;
	uint64_t version;
	struct sort_ctx ctx;
	int valid;
} cache[R_COUNT];

static void keys_of(enum resource r, size_t i, int64_t *created, int64_t *updated,
		    const char **id)
{
	const struct hcp_data *d = &hcp_data;

	switch (r) {
	case R_JOBS:
		*created = d->jobs[i].created; *updated = d->jobs[i].updated; *id = d->jobs[i].id;
		break;
	case R_CUSTOMERS:
		*created = d->customers[i].created; *updated = d->customers[i].updated;
		*id = d->customers[i].id;
		break;
	case R_ESTIMATES:
		*created = d->estimates[i].created; *updated = d->estimates[i].updated;
		*id = d->estimates[i].id;
		break;
	default:
		*created = *updated = d->employees[i].created; *id = d->employees[i].id;
	}
}

static int cmp_index(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int64_t cx, ux, cy, uy, kx, ky;
	const char *ix, *iy;
	int c;

	keys_of(sorting.r, x, &cx, &ux, &ix);
	keys_of(sorting.r, y, &cy, &uy, &iy);
	kx = sorting.k == S_UPDATED ? ux : cx;
	ky = sorting.k == S_UPDATED ? uy : cy;
	if (sorting.k != S_ID && kx != ky)
		c = kx < ky ? -1 : 1;
	else
		c = strcmp(ix, iy);
	/* Ties break by id, ascending, whatever the direction: stable pages. */
	if (sorting.k != S_ID && kx == ky)
		return c;
	return sorting.desc ? -c : c;
}

static size_t resource_count(enum resource r)
{
	const struct hcp_data *d = &hcp_data;

	return r == R_JOBS ? d->n_jobs : r == R_CUSTOMERS ? d->n_customers
	       : r == R_ESTIMATES ? d->n_estimates : d->n_employees;
}

static int hidden(enum resource r, size_t i)
{
	return (r == R_JOBS && hcp_data.jobs[i].hidden) ||
	       (r == R_ESTIMATES && hcp_data.estimates[i].hidden) ||
	       (r == R_EMPLOYEES && hcp_data.employees[i].hidden);
}

/* The visible records of r in listing order, cached until the data changes. */
static const size_t *sorted(enum resource r, enum sort_key k, int desc, size_t *n)
{
	struct sort_ctx want = { r, k, desc };
	size_t count = resource_count(r), m = 0;

	if (cache[r].valid && cache[r].version == hcp_data.version &&
	    memcmp(&cache[r].ctx, &want, sizeof want) == 0) {
		*n = cache[r].n;
		return cache[r].idx;
	}
	free(cache[r].idx);
	cache[r].idx = malloc((count + 1) * sizeof(size_t));
	if (!cache[r].idx) {
		cache[r].valid = 0;
		*n = 0;
		return NULL;
	}
	for (size_t i = 0; i < count; i++)
		if (!hidden(r, i))
			cache[r].idx[m++] = i;
	sorting = want;
	qsort(cache[r].idx, m, sizeof(size_t), cmp_index);
	cache[r].n = m;
	cache[r].version = hcp_data.version;
	cache[r].ctx = want;
	cache[r].valid = 1;
	*n = m;
	return cache[r].idx;
}

void hcp_api_release(void)
{
	for (int i = 0; i < R_COUNT; i++) {
		free(cache[i].idx);
		cache[i].idx = NULL;
		cache[i].valid = 0;
	}
}

void hcp_mutate_job(size_t i, int64_t now)
{
	struct hcp_job *j = &hcp_data.jobs[i];

	j->total_amount += 1000;
	j->work_status = "complete rated";
	j->completed_at = now - 86400;
	j->deleted_at = 0;
	j->updated = now;
	hcp_data.version++;
}

static int authorized(struct MHD_Connection *c)
{
	const char *h = sim_header(c, "Authorization");

	if (!h)
		return 0;
	if (strncmp(h, "Token ", 6) == 0)
		return strcmp(h + 6, hcp_api_key) == 0;
	if (strncmp(h, "Bearer ", 7) == 0)
		return strcmp(h + 7, hcp_api_key) == 0;
	return 0;
}

/* A page of /jobs an attacker or a broken proxy might send.  Built as text:
 * several kinds are not valid JSON at all. */
static enum MHD_Result hostile_page(struct MHD_Connection *c, long page, long size)
{
	static const char tail[] = "\"created_at\":\"2024-01-01T00:00:00Z\","
				   "\"updated_at\":\"2024-01-01T00:00:00Z\"}]}";
	const char *k = hcp_faults.hostile;
	struct json_object *jo = hcp_job_json(&hcp_data.jobs[0]);
	const char *job = json_object_to_json_string_ext(jo, JSON_C_TO_STRING_PLAIN);
	size_t cap = 64 * 1024, len;
	char *text = malloc(cap);
	enum MHD_Result ret;

	if (!text) {
		json_object_put(jo);
		return MHD_NO;
	}
	/* Announced as the last page, so what the client makes of the record
	 * itself is what is tested. */
	len = (size_t)snprintf(text, cap, "{\"page\":%ld,\"page_size\":%ld,\"total_pages\":%ld,"
			       "\"total_items\":99999,\"jobs\":[", page, size, page);
	if (strcmp(k, "truncated_json") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "%.*s", (int)(strlen(job) / 2), job);
	} else if (strcmp(k, "deep") == 0) {
		for (int i = 0; i < 10000; i++)
			text[len++] = '[';
		for (int i = 0; i < 10000; i++)
			text[len++] = ']';
		len += (size_t)snprintf(text + len, cap - len, "]}");
	} else if (strcmp(k, "wrong_types") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":{},%s", tail);
	} else if (strcmp(k, "string_amount") == 0) {
		len += (size_t)snprintf(text + len, cap - len,
					"{\"id\":\"job_x\",\"total_amount\":\"12\",%s", tail);
	} else if (strcmp(k, "missing_id") == 0) {
		len += (size_t)snprintf(text + len, cap - len,
					"{\"work_status\":\"complete rated\",%s", tail);
	} else if (strcmp(k, "nul_bytes") == 0) {
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":\"job_nul\",\"lead_source\":"
					"\"Goo\\u0000gle\",\"total_amount\":100,%s", tail);
	} else { /* invalid_utf8 */
		len += (size_t)snprintf(text + len, cap - len, "{\"id\":\"job_utf\",\"lead_source\":"
					"\"Goo\xff\xfegle\",\"total_amount\":100,%s", tail);
	}
	json_object_put(jo);
	ret = sim_send_text(c, 200, text, "application/json", -1, 0, 0, 0);
	free(text);
	return ret;
}

/* Hostile pages in a true envelope: the JSON is well formed, the listing
 * is not what the counts promise. */
static int envelope_hostility(const char *k)
{
	return strcmp(k, "empty") == 0 || strcmp(k, "short") == 0 ||
	       strcmp(k, "duplicate_ids") == 0 || strcmp(k, "nothing") == 0;
}

/* Reshape a page's records; returns the total_pages to announce. */
static long hostile_envelope(struct json_object *arr, long total_pages)
{
	const char *k = hcp_faults.hostile;
	size_t len = json_object_array_length(arr);

	if (strcmp(k, "duplicate_ids") == 0 && len > 1) {
		struct json_object *first = json_object_get(json_object_array_get_idx(arr, 0));

		json_object_array_del_idx(arr, 0, len);
		for (size_t i = 0; i < len; i++)
			json_object_array_add(arr, json_object_get(first));
		json_object_put(first);
	} else if (strcmp(k, "short") == 0) {
		json_object_array_del_idx(arr, len / 2, len - len / 2);
	} else if (strcmp(k, "empty") == 0 || strcmp(k, "nothing") == 0) {
		json_object_array_del_idx(arr, 0, len);
	}
	return strcmp(k, "nothing") == 0 ? 1 : total_pages;
}

/* What happens in the CRM while a client pages through /jobs. */
static void page_events(long page, enum sort_key k, int desc)
{
	struct hcp_faults *f = &hcp_faults;

	if (f->mutate_on_page && page == f->mutate_on_page && hcp_data.n_jobs > 0) {
		/* A record changes: the last job moves to the front of an
		 * updated_at-desc listing. */
		size_t n;
		const size_t *idx = sorted(R_JOBS, k, desc, &n);

		if (idx && n)
			hcp_mutate_job(idx[n - 1], (int64_t)time(NULL));
		f->mutate_on_page = 0;
	}
	if (f->vanish_on_page && page == f->vanish_on_page) {
		/* A hard delete in the CRM. */
		uint64_t seed = (uint64_t)f->vanish_seed;

		for (int v = 0; v < f->vanish_jobs && hcp_data.n_jobs > 0; v++)
			hcp_data.jobs[sim_rnd(&seed, hcp_data.n_jobs)].hidden = 1;
		hcp_data.version++;
		f->vanish_on_page = 0;
	}
}

static struct json_object *record_json(enum resource r, size_t i)
{
	const struct hcp_data *d = &hcp_data;

	return r == R_JOBS ? hcp_job_json(&d->jobs[i])
	       : r == R_CUSTOMERS ? hcp_customer_json(&d->customers[i], 1)
	       : r == R_ESTIMATES ? hcp_estimate_json(&d->estimates[i])
				  : hcp_employee_json(&d->employees[i]);
}

static enum MHD_Result list(struct MHD_Connection *c, enum resource r, const char *name)
{
	long page = sim_arg_long(c, "page", 1), size = sim_arg_long(c, "page_size", 10);
	const char *sb = sim_arg(c, "sort_by"), *sd = sim_arg(c, "sort_direction");
	int desc = !(sd && strcmp(sd, "asc") == 0);
	int hostile = r == R_JOBS && hcp_faults.hostile[0] && page == hcp_faults.hostile_page;
	enum sort_key k = S_CREATED;
	struct json_object *o, *arr;
	const size_t *idx;
	size_t n;
	long total_pages;

	if (sim_arg(c, "work_status"))
		return sim_send_json_text(c, 422, "{\"errors\":{\"work_status\":\"must be an array\"}}");
	if (strcmp(hcp_faults.fail_list, name) == 0)
		return sim_send_json_text(c, (unsigned)hcp_faults.fail_list_status,
					  "{\"error\":{\"message\":\"listing refused (injected)\"}}");
	if (sb && strcmp(sb, "updated_at") == 0)
		k = S_UPDATED;
	else if (sb && strcmp(sb, "id") == 0)
		k = S_ID;
	if (page < 1)
		page = 1;
	if (size < 1)
		size = 10;
	if (size > MAX_PAGE_SIZE)
		size = MAX_PAGE_SIZE;
	if (r == R_JOBS)
		page_events(page, k, desc);
	if (hostile && !envelope_hostility(hcp_faults.hostile))
		return hostile_page(c, page, size);
	idx = sorted(r, k, desc, &n);
	arr = json_object_new_array();
	for (size_t i = (size_t)(page - 1) * (size_t)size; idx && i < n && i < (size_t)(page * size);
	     i++)
		json_object_array_add(arr, record_json(r, idx[i]));
	total_pages = (long)((n + (size_t)size - 1) / (size_t)size);
	if (hostile)
		total_pages = hostile_envelope(arr, total_pages);
	o = json_object_new_object();
	json_object_object_add(o, "page", json_object_new_int64(page));
	json_object_object_add(o, "page_size", json_object_new_int64(size));
	json_object_object_add(o, "total_pages", json_object_new_int64(total_pages));
	json_object_object_add(o, "total_items", json_object_new_int64((int64_t)n));
	json_object_object_add(o, name, arr);
	return sim_send_json(c, 200, o);
}

static enum MHD_Result lookup(struct MHD_Connection *c, enum resource r, const char *id)
{
	size_t count = resource_count(r);

	if (hcp_faults.lookup_status > 0)
		return sim_send_json(c, (unsigned)hcp_faults.lookup_status, json_object_new_object());
	for (size_t i = 0; i < count; i++) {
		const char *rid;
		int64_t created, updated;

		keys_of(r, i, &created, &updated, &rid);
		if (strcmp(rid, id) == 0 && !hidden(r, i))
			return sim_send_json(c, 200, record_json(r, i));
	}
	return sim_send_json(c, 404, json_object_new_object());
}

static enum MHD_Result company(struct MHD_Connection *c)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "id", json_object_new_string(hcp_data.company_id));
	json_object_object_add(o, "name", json_object_new_string("Patton Plumbing"));
	json_object_object_add(o, "time_zone", json_object_new_string(hcp_data.tz));
	return sim_send_json(c, 200, o);
}

enum MHD_Result hcp_api(struct sim_request *rq)
{
	static const struct { const char *path; enum resource r; } lists[] = {
		{ "/jobs", R_JOBS }, { "/customers", R_CUSTOMERS },
		{ "/estimates", R_ESTIMATES }, { "/employees", R_EMPLOYEES },
	};
	struct MHD_Connection *c = rq->c;
	const char *url = rq->url;

	if (strcmp(rq->method, "GET") != 0)
		return sim_send_json_text(c, 405, "{\"message\":\"GET only\"}");
	if (!authorized(c))
		return sim_send_json_text(c, 401, "{\"message\":\"Unauthorized\"}");
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
		if (strcmp(url, lists[i].path) == 0)
			return list(c, lists[i].r, lists[i].path + 1);
	if (strcmp(url, "/company") == 0)
		return company(c);
	if (strncmp(url, "/jobs/", 6) == 0)
		return lookup(c, R_JOBS, url + 6);
	if (strncmp(url, "/customers/", 11) == 0)
		return lookup(c, R_CUSTOMERS, url + 11);
	return sim_send_text(c, 404, "<html><body>Not Found</body></html>", "text/html", -1, 0, 0, 0);
}
