/*
 * Lead-source channels and the rules that map free text onto them.
 *
 * Rules are data: the default file (etc/lead-sources.conf) and per-site
 * overrides, both libconfig lists of { channel; exact = [...]; keywords =
 * [...]; }.  Matching ignores case and surrounding or repeated white space
 * and is applied in order: every exact match (site overrides first), then
 * keyword matches in list order (a keyword matches whole words), then the
 * integration's employee first or full names (referral), else unknown.
 */
#ifndef LL_RULES_H
#define LL_RULES_H

#include <libconfig.h>
#include <stddef.h>

#include "util/errors.h"

enum ll_channel {
	LL_CH_WEBSITE = 0,
	LL_CH_GOOGLE,
	LL_CH_SOCIAL,
	LL_CH_REPEAT_CUSTOMER,
	LL_CH_AI_PHONE,
	LL_CH_REFERRAL,
	LL_CH_DIRECT,
	LL_CH_UNKNOWN,
	LL_CH_COUNT
};

const char *ll_channel_name(enum ll_channel ch);
int ll_channel_parse(const char *name, enum ll_channel *out);

struct ll_rule {
	char *pattern; /* normalized */
	enum ll_channel channel;
};

struct ll_rules {
	struct ll_rule *exact;
	size_t n_exact, cap_exact;
	struct ll_rule *keywords;
	size_t n_keywords, cap_keywords;
	char **employees; /* normalized first or full names */
	size_t n_employees, cap_employees;
};

void ll_rules_init(struct ll_rules *r);
void ll_rules_release(struct ll_rules *r);

/* Append the rules in a libconfig list.  Problems are added to errs as
 * "file:line: ..." and the bad entries skipped; returns -1 if any. */
int ll_rules_add_list(struct ll_rules *r, const config_setting_t *list,
		      const char *file, struct ll_errors *errs);
/* Read a rules file whose top-level setting is `rules = ( ... );`. */
int ll_rules_load_file(struct ll_rules *r, const char *path,
		       struct ll_errors *errs);
/* Copy every rule of src after those already in dst. */
int ll_rules_append(struct ll_rules *dst, const struct ll_rules *src);
int ll_rules_add_employee(struct ll_rules *r, const char *first,
			  const char *last);

enum ll_channel ll_rules_classify(const struct ll_rules *r, const char *raw);

/* Lower-case, trim, collapse white space into out.  Returns out. */
char *ll_normalize_text(const char *in, char *out, size_t len);
/* True when the text is NULL or only white space. */
int ll_text_blank(const char *s);

#endif
