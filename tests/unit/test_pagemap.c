/*
 * The page mapper on its own: a small provider of the test's own maps
 * {"id", "updated", "source", "cents"} records, so what is checked is the
 * host's part: the whole page rejected for one bad record (naming it),
 * updated_at required in incremental streams, newest and oldest, duplicates
 * folded, channels classified into the COPY text, references the host
 * cannot follow refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/rules.h"
#include "provider/host.h"
#include "sync/pagemap.h"
#include "testing.h"
#include "util/errors.h"

#define SECOND 1000000LL

static enum ll_status map_record(void *state, enum ll_entity entity, struct json_object *raw,
				 struct ll_record *rec, char *err)
{
	struct json_object *v;

	(void)state;
	(void)entity;
	if (json_object_object_get_ex(raw, "broken", &v)) {
		snprintf(err, LL_ERR_MAX, "broken on purpose");
		return LL_ERR_DATA;
	}
	if (json_object_object_get_ex(raw, "id", &v))
		ll_host_api.record_set_string(rec, LL_FIELD_EXTERNAL_ID, json_object_get_string(v));
	if (json_object_object_get_ex(raw, "updated", &v))
		ll_host_api.record_set_time(rec, LL_FIELD_UPDATED_AT,
					   json_object_get_int64(v) * SECOND);
	if (json_object_object_get_ex(raw, "source", &v))
		ll_host_api.record_set_string(rec, LL_FIELD_LEAD_SOURCE, json_object_get_string(v));
	if (json_object_object_get_ex(raw, "cents", &v))
		ll_host_api.record_set_int(rec, LL_FIELD_AMOUNT_CENTS, json_object_get_int64(v));
	if (json_object_object_get_ex(raw, "ref", &v))
		ll_host_api.record_set_string(rec, LL_FIELD_SOURCE_REF, json_object_get_string(v));
	if (json_object_object_get_ex(raw, "ref_entity", &v))
		ll_host_api.record_set_int(rec, LL_FIELD_SOURCE_REF_ENTITY, json_object_get_int64(v));
	return LL_OK;
}

static enum ll_status resolve_date(void *state, enum ll_entity entity, struct json_object *raw,
				   int64_t *epoch_us, char *err)
{
	struct json_object *v;

	(void)state;
	(void)entity;
	(void)err;
	if (!json_object_object_get_ex(raw, "updated", &v))
		return LL_ERR_DATA;
	*epoch_us = json_object_get_int64(v) * SECOND;
	return LL_OK;
}

static const struct ll_provider provider = {
	.abi_version = LL_ABI_VERSION, .struct_size = sizeof(struct ll_provider),
	.name = "tp_inline", .map_record = map_record, .resolve_date = resolve_date,
};
static const struct ll_stream_def incremental = { "jobs", LL_ENTITY_JOB, LL_STREAM_INCREMENTAL };
static const struct ll_stream_def sweep_only = { "employees", LL_ENTITY_EMPLOYEE, 0 };

struct fixture {
	struct ll_rules rules;
	struct ll_pagemap pm;
	struct ll_mapped_page mp;
	struct json_object *page;
};

/* The shipped lead-source rules, as a site without its own has them. */
static void load_rules(struct ll_rules *rules)
{
	const char *src = getenv("LL_SRCDIR");
	struct ll_errors errs;
	char path[1024];

	ll_rules_init(rules);
	ll_errors_init(&errs);
	assert_non_null(src);
	snprintf(path, sizeof path, "%s/etc/lead-sources.conf", src);
	assert_int_equal(ll_rules_load_file(rules, path, &errs), 0);
	ll_errors_release(&errs);
	assert_int_equal(ll_rules_add_employee(rules, "Mike", "Patton"), 0);
}

static int prepare(struct fixture *f, const struct ll_stream_def *stream, const char *json)
{
	load_rules(&f->rules);
	f->pm = (struct ll_pagemap){ &provider, NULL, stream, &f->rules };
	ll_mapped_page_init(&f->mp);
	f->page = json_tokener_parse(json);
	return ll_pagemap_prepare(&f->pm, "3", f->page, &f->mp);
}

static void finish(struct fixture *f)
{
	ll_mapped_page_release(&f->mp);
	ll_rules_release(&f->rules);
	json_object_put(f->page);
}

/* Rows in the COPY text (one line each). */
static size_t copy_lines(const struct ll_mapped_page *mp)
{
	size_t n = 0;

	for (size_t i = 0; i < mp->copy.len; i++)
		n += mp->copy.data[i] == '\n';
	return n;
}

static void maps_and_folds_duplicates(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(prepare(&f, &incremental,
		"[{\"id\":\"a\",\"updated\":100,\"source\":\"Google\",\"cents\":1999},"
		" {\"id\":\"b\",\"updated\":300,\"source\":\"Mike\"},"
		" {\"id\":\"a\",\"updated\":200,\"source\":\"Facebook\"},"
		" {\"id\":\"c\",\"updated\":50}]"), 0);
	assert_string_equal(f.mp.err, "");
	assert_int_equal(f.mp.n_records, 4); /* what the CRM sent */
	assert_int_equal(f.mp.n_rows, 3);    /* what is stored */
	assert_int_equal(copy_lines(&f.mp), 3);
	assert_int_equal(f.mp.newest, 300 * SECOND);
	assert_int_equal(f.mp.oldest, 50 * SECOND);
	/* a's newer copy won, classified by the host's rules; an employee's
	 * first name is a referral; no source at all is unknown. */
	assert_non_null(strstr(f.mp.copy.data, "Facebook"));
	assert_null(strstr(f.mp.copy.data, "Google"));
	assert_non_null(strstr(f.mp.copy.data, "\tsocial\n"));
	assert_non_null(strstr(f.mp.copy.data, "\treferral\n"));
	assert_non_null(strstr(f.mp.copy.data, "\tunknown\n"));
	finish(&f);
}

static void one_bad_record_rejects_the_page(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(prepare(&f, &incremental,
		"[{\"id\":\"a\",\"updated\":1},{\"id\":\"b\",\"updated\":2},{\"broken\":1}]"), -1);
	assert_non_null(strstr(f.mp.err, "jobs page at cursor '3', record 2 rejected"));
	assert_non_null(strstr(f.mp.err, "broken on purpose"));
	assert_int_equal(f.mp.copy.len, 0);
	finish(&f);

	assert_int_equal(prepare(&f, &incremental, "[{\"id\":\"\",\"updated\":1}]"), -1);
	assert_non_null(strstr(f.mp.err, "record has no id"));
	finish(&f);

	assert_int_equal(prepare(&f, &incremental, "{\"id\":\"a\"}"), -1);
	assert_non_null(strstr(f.mp.err, "no record array"));
	finish(&f);

	/* A lead source derived from a record that lends none. */
	assert_int_equal(prepare(&f, &incremental,
		"[{\"id\":\"a\",\"updated\":1,\"ref\":\"x\",\"ref_entity\":0}]"), -1);
	assert_non_null(strstr(f.mp.err, "record 0 rejected: lead source derived from entity 0"));
	finish(&f);
}

/* Only an incremental stream needs updated_at: its watermark depends on it. */
static void updated_at_required_only_when_incremental(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(prepare(&f, &incremental, "[{\"id\":\"a\"}]"), -1);
	assert_non_null(strstr(f.mp.err, "record has no updated_at"));
	finish(&f);
	assert_int_equal(prepare(&f, &sweep_only, "[{\"id\":\"a\"}]"), 0);
	assert_int_equal(f.mp.n_rows, 1);
	assert_int_equal(f.mp.newest, INT64_MIN);
	assert_int_equal(f.mp.oldest, INT64_MAX);
	finish(&f);
}

static void empty_page(void **state)
{
	struct fixture f;

	(void)state;
	assert_int_equal(prepare(&f, &incremental, "[]"), 0);
	assert_int_equal(f.mp.n_records, 0);
	assert_int_equal(f.mp.n_rows, 0);
	assert_int_equal(f.mp.copy.len, 0);
	finish(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(maps_and_folds_duplicates),
		cmocka_unit_test(one_bad_record_rejects_the_page),
		cmocka_unit_test(updated_at_required_only_when_incremental),
		cmocka_unit_test(empty_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
