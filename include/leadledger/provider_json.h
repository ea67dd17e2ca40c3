/*
 * Typed access to a CRM's JSON, for providers (header-only, ABI 1.2),
 * and the host-version check every provider's init makes.
 *
 * A member that is absent or JSON null is "not present", which is not an
 * error; a present member of another type is (-1), so a CRM that changes
 * a field's type fails a page loudly instead of filling it with zeros.
 * Returned json-c objects and strings are borrowed from the object they
 * were read from.
 */
#ifndef LEADLEDGER_PROVIDER_JSON_H
#define LEADLEDGER_PROVIDER_JSON_H

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "leadledger/provider.h"

/* Whether the host offers a service of a later minor version. */
#define LL_HOST_HAS(api, member) \
	((api)->struct_size >= offsetof(struct ll_host_api, member) + sizeof((api)->member))

/* The member key of o, or NULL when o is no object or the member is
 * absent or null. */
static inline struct json_object *ll_json_member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v) ||
	    json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* An object or array member, or NULL (absent, null or another type). */
static inline struct json_object *ll_json_object(struct json_object *o, const char *key)
{
	struct json_object *v = ll_json_member(o, key);

	return json_object_is_type(v, json_type_object) ? v : NULL;
}

static inline struct json_object *ll_json_array(struct json_object *o, const char *key)
{
	struct json_object *v = ll_json_member(o, key);

	return json_object_is_type(v, json_type_array) ? v : NULL;
}

/* Objects along a dotted path ("data.jobs.pageInfo"): the last, or NULL. */
static inline struct json_object *ll_json_path(struct json_object *o, const char *path)
{
	char key[128];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof key)
			return NULL;
		memcpy(key, path, n);
		key[n] = '\0';
		o = ll_json_member(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

/* A string member: 0 with *out (NULL when not present), -1 another type. */
static inline int ll_json_string(struct json_object *o, const char *key, const char **out)
{
	struct json_object *v = ll_json_member(o, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	*out = json_object_get_string(v);
	return 0;
}

/* An integer member: 0 (*present 0 when not present), -1 another type. */
static inline int ll_json_int(struct json_object *o, const char *key, int64_t *out, int *present)
{
	struct json_object *v = ll_json_member(o, key);

	*present = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -1;
	*out = json_object_get_int64(v);
	*present = 1;
	return 0;
}

/* A boolean member: 0 (*present 0 when not present), -1 another type. */
static inline int ll_json_bool(struct json_object *o, const char *key, int *out, int *present)
{
	struct json_object *v = ll_json_member(o, key);

	*present = 0;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return -1;
	*out = json_object_get_boolean(v);
	*present = 1;
	return 0;
}

/* A date-time member through the host's parser: 0 (*present 0 when not
 * present), -1 another type or text the parser refuses. */
static inline int ll_json_time(const struct ll_host_api *api, struct json_object *o,
			       const char *key, int64_t *us, int *present)
{
	const char *t;

	*present = 0;
	if (ll_json_string(o, key, &t) < 0)
		return -1;
	if (!t)
		return 0;
	if (api->parse_time(t, us) < 0)
		return -1;
	*present = 1;
	return 0;
}

/* Dollars as a JSON number to cents, from the number's own text (never a
 * double): 0 (*present 0 when not present), -1 another type, or a host
 * before ABI 1.2. */
static inline int ll_json_dollars(const struct ll_host_api *api, struct json_object *o,
				  const char *key, int64_t *cents, int *present)
{
	struct json_object *v = ll_json_member(o, key);

	*present = 0;
	if (!v)
		return 0;
	if ((!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) ||
	    !LL_HOST_HAS(api, parse_cents) || api->parse_cents(json_object_get_string(v), cents) < 0)
		return -1;
	*present = 1;
	return 0;
}

/* For init: LL_OK when the host speaks ABI LL_ABI_MAJOR at minor version
 * `minor` or later; else LL_ERR_CONFIG with err saying what crm needs. */
static inline enum ll_status ll_host_require(const struct ll_host_api *api, unsigned minor,
					     const char *crm, char *err)
{
	unsigned major = LL_ABI_GET_MAJOR(api->abi_version), have = LL_ABI_GET_MINOR(api->abi_version);

	if (major == LL_ABI_MAJOR && have >= minor)
		return LL_OK;
	snprintf(err, LL_ERR_MAX, "host ABI %u.%u is too old: %s needs %u.%u", major, have, crm,
		 (unsigned)LL_ABI_MAJOR, minor);
	return LL_ERR_CONFIG;
}

/* Whether text a CRM sent (an id, a continuation token) may go into a URL
 * or query: 1 to max-1 bytes, every one a letter, a digit or one of
 * extra.  Anything else never reaches the CRM. */
static inline int ll_text_within(const char *text, size_t max, const char *extra)
{
	static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t n = strlen(text);

	for (size_t i = 0; i < n; i++)
		if (!strchr(alnum, text[i]) && !strchr(extra, text[i]))
			return 0;
	return n > 0 && n < max;
}

/* For map_record's failures: err = "<what> '<key>'", LL_ERR_DATA. */
static inline enum ll_status ll_json_fail(char *err, const char *what, const char *key)
{
	snprintf(err, LL_ERR_MAX, "%s '%s'", what, key);
	return LL_ERR_DATA;
}

#endif
