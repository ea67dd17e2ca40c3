#include "config/rules.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define NORM_MAX 512

static const char *const channel_names[LL_CH_COUNT] = {
	"website", "google", "social", "repeat_customer",
	"ai_phone", "referral", "direct", "unknown",
};

const char *ll_channel_name(enum ll_channel ch)
{
	return ch < LL_CH_COUNT ? channel_names[ch] : "unknown";
}

int ll_channel_parse(const char *name, enum ll_channel *out)
{
	for (int i = 0; i < LL_CH_COUNT; i++)
		if (strcmp(name, channel_names[i]) == 0) {
			*out = (enum ll_channel)i;
			return 0;
		}
	return -1;
}

int ll_text_blank(const char *s)
{
	if (!s)
		return 1;
	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			return 0;
	return 1;
}

char *ll_normalize_text(const char *in, char *out, size_t len)
{
	size_t o = 0;
	int space = 0;

	if (len == 0)
		return out;
	for (; in && *in && o + 1 < len; in++) {
		unsigned char c = (unsigned char)*in;

		if (isspace(c)) {
			space = o > 0;
			continue;
		}
		if (space && o + 2 < len)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)tolower(c);
	}
	out[o] = '\0';
	return out;
}

/* Keywords match whole words: punctuation counts as a word break. */
static void word_form(const char *norm, char *out, size_t len)
{
	size_t o = 0;

	out[o++] = ' ';
	for (; *norm && o + 2 < len; norm++)
		out[o++] = isalnum((unsigned char)*norm) || (unsigned char)*norm >= 0x80
				   ? *norm : ' ';
	out[o++] = ' ';
	out[o] = '\0';
}

void ll_rules_init(struct ll_rules *r)
{
	memset(r, 0, sizeof *r);
}

void ll_rules_release(struct ll_rules *r)
{
	for (size_t i = 0; i < r->n_exact; i++)
		free(r->exact[i].pattern);
	for (size_t i = 0; i < r->n_keywords; i++)
		free(r->keywords[i].pattern);
	for (size_t i = 0; i < r->n_employees; i++)
		free(r->employees[i]);
	free(r->exact);
	free(r->keywords);
	free(r->employees);
	ll_rules_init(r);
}

static int rule_push(struct ll_rule **v, size_t *n, size_t *cap,
		     const char *pattern, enum ll_channel ch)
{
	char *p;

	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 32;
		struct ll_rule *nv = realloc(*v, c * sizeof *nv);

		if (!nv)
			return -1;
		*v = nv;
		*cap = c;
	}
	p = strdup(pattern);
	if (!p)
		return -1;
	(*v)[*n].pattern = p;
	(*v)[*n].channel = ch;
	(*n)++;
	return 0;
}

static int add_patterns(struct ll_rules *r, const config_setting_t *arr,
			enum ll_channel ch, int keyword, const char *file,
			struct ll_errors *errs)
{
	int bad = 0;

	for (int i = 0; i < config_setting_length(arr); i++) {
		const config_setting_t *el = config_setting_get_elem(arr, (unsigned)i);
		const char *s = config_setting_get_string(el);
		char norm[NORM_MAX], word[NORM_MAX + 2];
		int rc;

		if (!s || ll_text_blank(s) || !ll_utf8_valid(s)) {
			ll_errors_add(errs, "%s:%d: rule patterns must be non-empty UTF-8 strings",
				      file, config_setting_source_line(el));
			bad = 1;
			continue;
		}
		ll_normalize_text(s, norm, sizeof norm);
		if (keyword) {
			word_form(norm, word, sizeof word);
			rc = rule_push(&r->keywords, &r->n_keywords,
				       &r->cap_keywords, word, ch);
		} else {
			rc = rule_push(&r->exact, &r->n_exact, &r->cap_exact, norm, ch);
		}
		if (rc < 0) {
			ll_errors_add(errs, "%s: out of memory", file);
			return -1;
		}
	}
	return bad ? -1 : 0;
}

int ll_rules_add_list(struct ll_rules *r, const config_setting_t *list,
		      const char *file, struct ll_errors *errs)
{
	int bad = 0;

	if (!config_setting_is_list(list)) {
		ll_errors_add(errs, "%s:%d: lead-source rules must be a list ( {...}, ... )",
			      file, config_setting_source_line(list));
		return -1;
	}
	for (int i = 0; i < config_setting_length(list); i++) {
		const config_setting_t *g = config_setting_get_elem(list, (unsigned)i);
		const config_setting_t *m;
		const char *chname = NULL;
		enum ll_channel ch;
		int line = config_setting_source_line(g);

		if (!config_setting_is_group(g)) {
			ll_errors_add(errs, "%s:%d: each rule is a group { channel = ...; }",
				      file, line);
			bad = 1;
			continue;
		}
		for (int j = 0; j < config_setting_length(g); j++) {
			m = config_setting_get_elem(g, (unsigned)j);
			if (strcmp(config_setting_name(m), "channel") &&
			    strcmp(config_setting_name(m), "exact") &&
			    strcmp(config_setting_name(m), "keywords")) {
				ll_errors_add(errs, "%s:%d: unknown key '%s' in a rule",
					      file, config_setting_source_line(m),
					      config_setting_name(m));
				bad = 1;
			}
		}
		if (!config_setting_lookup_string(g, "channel", &chname) ||
		    ll_channel_parse(chname, &ch) < 0) {
			ll_errors_add(errs, "%s:%d: rule needs channel = one of website, google, "
				      "social, repeat_customer, ai_phone, referral, direct, unknown",
				      file, line);
			bad = 1;
			continue;
		}
		for (int kw = 0; kw <= 1; kw++) {
			m = config_setting_get_member(g, kw ? "keywords" : "exact");
			if (!m)
				continue;
			if (!config_setting_is_array(m) && !config_setting_is_list(m)) {
				ll_errors_add(errs, "%s:%d: %s must be an array of strings",
					      file, config_setting_source_line(m),
					      kw ? "keywords" : "exact");
				bad = 1;
				continue;
			}
			if (add_patterns(r, m, ch, kw, file, errs) < 0)
				bad = 1;
		}
	}
	return bad ? -1 : 0;
}

int ll_rules_load_file(struct ll_rules *r, const char *path,
		       struct ll_errors *errs)
{
	config_t cfg;
	const config_setting_t *list;
	int rc;

	config_init(&cfg);
	if (!config_read_file(&cfg, path)) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			ll_errors_add(errs, "%s: cannot read lead-source rules", path);
		else
			ll_errors_add(errs, "%s:%d: %s", path, config_error_line(&cfg),
				      config_error_text(&cfg));
		config_destroy(&cfg);
		return -1;
	}
	list = config_lookup(&cfg, "rules");
	if (!list) {
		ll_errors_add(errs, "%s: missing rules = ( ... );", path);
		config_destroy(&cfg);
		return -1;
	}
	rc = ll_rules_add_list(r, list, path, errs);
	config_destroy(&cfg);
	return rc;
}

int ll_rules_append(struct ll_rules *dst, const struct ll_rules *src)
{
	for (size_t i = 0; i < src->n_exact; i++)
		if (rule_push(&dst->exact, &dst->n_exact, &dst->cap_exact,
			      src->exact[i].pattern, src->exact[i].channel) < 0)
			return -1;
	for (size_t i = 0; i < src->n_keywords; i++)
		if (rule_push(&dst->keywords, &dst->n_keywords, &dst->cap_keywords,
			      src->keywords[i].pattern, src->keywords[i].channel) < 0)
			return -1;
	for (size_t i = 0; i < src->n_employees; i++)
		if (ll_rules_add_employee(dst, src->employees[i], NULL) < 0)
			return -1;
	return 0;
}

static int push_employee(struct ll_rules *r, const char *norm)
{
	char *p;

	if (strlen(norm) < 2)
		return 0; /* initials would match too much */
	for (size_t i = 0; i < r->n_employees; i++)
		if (strcmp(r->employees[i], norm) == 0)
			return 0;
	if (r->n_employees == r->cap_employees) {
		size_t c = r->cap_employees ? r->cap_employees * 2 : 16;
		char **v = realloc(r->employees, c * sizeof *v);

		if (!v)
			return -1;
		r->employees = v;
		r->cap_employees = c;
	}
	p = strdup(norm);
	if (!p)
		return -1;
	r->employees[r->n_employees++] = p;
	return 0;
}

int ll_rules_add_employee(struct ll_rules *r, const char *first,
			  const char *last)
{
	char nf[NORM_MAX], full[2 * NORM_MAX + 2], nfull[NORM_MAX];

	ll_normalize_text(first, nf, sizeof nf);
	if (nf[0] && push_employee(r, nf) < 0)
		return -1;
	if (!ll_text_blank(last)) {
		snprintf(full, sizeof full, "%s %s", first ? first : "", last);
		ll_normalize_text(full, nfull, sizeof nfull);
		if (push_employee(r, nfull) < 0)
			return -1;
	}
	return 0;
}

enum ll_channel ll_rules_classify(const struct ll_rules *r, const char *raw)
{
	char norm[NORM_MAX], word[NORM_MAX + 2];

	if (ll_text_blank(raw))
		return LL_CH_UNKNOWN;
	ll_normalize_text(raw, norm, sizeof norm);
	for (size_t i = 0; i < r->n_exact; i++)
		if (strcmp(r->exact[i].pattern, norm) == 0)
			return r->exact[i].channel;
	word_form(norm, word, sizeof word);
	for (size_t i = 0; i < r->n_keywords; i++)
		if (strstr(word, r->keywords[i].pattern))
			return r->keywords[i].channel;
	for (size_t i = 0; i < r->n_employees; i++)
		if (strcmp(r->employees[i], norm) == 0)
			return LL_CH_REFERRAL;
	return LL_CH_UNKNOWN;
}
